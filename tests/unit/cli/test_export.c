/* Unit tests for the site export's plan (no secret column or table, every column of
 * the copier's list ruled) and its streaming reader: values that straddle the read
 * window or outgrow it, line numbers in errors, truncation, and what a document may
 * not hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"
#include "cli/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the callbacks saw, as one line of text: "f:key t:name r:N e ". */
struct seen {
    struct buf log;
    int64_t rows;
    size_t longest;           /* longest string value of a row's "s" */
    const char *refuse_table; /* table_begin refuses this name */
};

static int on_field(void *ctx, const char *key, json_t *value, struct export_error *err)
{
    struct seen *s = ctx;
    (void)value;
    (void)err;
    buf_printf(&s->log, "f:%s ", key);
    return 0;
}

static int on_table_begin(void *ctx, const char *name, struct export_error *err)
{
    struct seen *s = ctx;
    if (s->refuse_table != NULL && strcmp(name, s->refuse_table) == 0)
        return export_fail(err, "no table %s here", name);
    buf_printf(&s->log, "t:%s ", name);
    return 0;
}

static int on_row(void *ctx, json_t *row, struct export_error *err)
{
    struct seen *s = ctx;
    (void)err;
    json_t *v = json_object_get(row, "s");
    if (json_is_string(v) && json_string_length(v) > s->longest)
        s->longest = json_string_length(v);
    s->rows++;
    return 0;
}

static int on_table_end(void *ctx, struct export_error *err)
{
    struct seen *s = ctx;
    (void)err;
    buf_printf(&s->log, "e:%lld ", (long long)s->rows);
    return 0;
}

static const struct export_reader_ops ops = {on_field, on_table_begin, on_row, on_table_end};

static int read_text(const char *text, size_t len, struct seen *s, struct export_error *err)
{
    FILE *f = fmemopen((void *)(uintptr_t)text, len, "rb");
    assert_non_null(f);
    int rc = export_read(f, &ops, s, err);
    fclose(f);
    return rc;
}

static void test_plan_keeps_secrets_out(void **state)
{
    (void)state;
    struct export_table plan[EXPORT_MAX_TABLES];
    size_t n;
    assert_int_equal(export_plan(plan, &n), 0);
    assert_null(export_plan_find(plan, n, "sessions"));
    assert_null(export_plan_find(plan, n, "site_keys"));
    assert_null(export_plan_find(plan, n, "rate_buckets"));
    const struct export_table *users = export_plan_find(plan, n, "users");
    assert_non_null(users);
    assert_true(users->has_password);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < plan[i].n_columns; c++)
            assert_string_not_equal(plan[i].columns[c], EXPORT_PASSWORD_COLUMN);
    assert_non_null(export_plan_find(plan, n, "comments"));
    assert_non_null(export_plan_find(plan, n, "audit_log"));
}

static void test_reads_any_layout(void **state)
{
    (void)state;
    static const char doc[] = " {\n \"format\" : \"x\", \"n\":12 ,\"tables\": { \"a\" : [ ] ,"
                              "\"b\":[{\"s\":\"1\"},\n{\"s\":\"2\"}]},\"counts\":{}}\n\n";
    struct seen s = {.log = BUF_INIT};
    struct export_error err;
    assert_int_equal(read_text(doc, sizeof(doc) - 1, &s, &err), 0);
    assert_string_equal(buf_cstr(&s.log), "f:format f:n t:a e:0 t:b e:2 f:counts ");
    buf_cleanup(&s.log);
}

/* A row bigger than the reader's first window (1 MiB), and rows across its edge. */
static void test_values_larger_than_the_window(void **state)
{
    (void)state;
    struct buf doc = BUF_INIT;
    buf_puts(&doc, "{\"tables\":{\"t\":[");
    for (int i = 0; i < 3000; i++)
        buf_printf(&doc, "%s{\"s\":\"%0*d\"}", i > 0 ? ",\n" : "", 700, i);
    buf_puts(&doc, ",\n{\"s\":\"");
    for (int i = 0; i < 3 * 1024 * 1024; i++)
        buf_putc(&doc, 'x');
    buf_puts(&doc, "\"}]}}");
    struct seen s = {.log = BUF_INIT};
    struct export_error err;
    assert_int_equal(read_text(buf_cstr(&doc), doc.len, &s, &err), 0);
    assert_int_equal(s.rows, 3001);
    assert_int_equal(s.longest, 3 * 1024 * 1024);
    buf_cleanup(&s.log);
    buf_cleanup(&doc);
}

static void expect_error(const char *doc, int64_t line, const char *words)
{
    struct seen s = {.log = BUF_INIT, .refuse_table = "nope"};
    struct export_error err;
    int rc = read_text(doc, strlen(doc), &s, &err);
    if (rc != STET_EINVAL || err.line != line || strstr(err.message, words) == NULL)
        fail_msg("%s: rc %d, line %lld, \"%s\"", doc, rc, (long long)err.line, err.message);
    assert_true(err.offset >= 0 && (size_t)err.offset <= strlen(doc));
    buf_cleanup(&s.log);
}

static void test_errors_name_their_line(void **state)
{
    (void)state;
    expect_error("", 1, "ends early");
    expect_error("[]", 1, "expected '{'");
    expect_error("{\"tables\":{\"t\":[\n{\"s\":1},\n{\"s\":2}", 3, "ends early");
    expect_error("{\"tables\":{\"t\":[\n{\"s\":1},\n{\"s\":", 3, "ends early");
    expect_error("{\"tables\":{\"t\":[\n{\"s\":1},\n[1]]}}", 3, "must be an object");
    expect_error("{\"tables\":{\"t\":[\n{\"s\":1,\"s\":2}]}}", 2, "duplicate");
    expect_error("{\"tables\":{\"t\":[\n{\"s\":\"\\u0000\"}]}}", 2, "NUL");
    expect_error("{\"tables\":{\"t\":[\n{\"s\":\"\xc3\"}]}}", 2, "decode byte");
    expect_error("{\"a\":1,\n\"a\":2}", 2, "given twice");
    expect_error("{\"A\":1}", 1, "plain name");
    expect_error("{\"a\":1}\n{", 2, "after the end");
    expect_error("{\"a\":1\n\"b\":2}", 2, "expected ',' or '}'");
    expect_error("{\"tables\":{\n\"nope\":[]}}", 2, "no table nope here");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_keeps_secrets_out),
        cmocka_unit_test(test_reads_any_layout),
        cmocka_unit_test(test_values_larger_than_the_window),
        cmocka_unit_test(test_errors_name_their_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
