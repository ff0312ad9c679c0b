/* Form and query decoding against well-formed and hostile input: escapes, '+',
 * broken escapes, invalid UTF-8 and NUL after decoding, empty segments, field limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/form.h"
#include "http/limits.h"

#include <stdio.h>
#include <string.h>

static int setup(void **state)
{
    *state = arena_new(4096);
    return 0;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

static int parse(void **state, const char *body, struct kvs *out)
{
    return form_parse(*state, str_from(body), out);
}

static void assert_field(const struct kvs *k, size_t i, const char *name, const char *value)
{
    assert_true(i < k->n);
    assert_true(str_eq_cstr(k->items[i].name, name));
    assert_true(str_eq_cstr(k->items[i].value, value));
    /* Both sides are NUL-terminated in the arena. */
    assert_int_equal(k->items[i].name.ptr[k->items[i].name.len], '\0');
    assert_int_equal(k->items[i].value.ptr[k->items[i].value.len], '\0');
}

static void test_plus_and_percent(void **state)
{
    struct kvs k;
    assert_int_equal(parse(state, "a=1&b=x+y%21&c%3Dd=%e2%82%AC", &k), 0);
    assert_int_equal(k.n, 3);
    assert_field(&k, 0, "a", "1");
    assert_field(&k, 1, "b", "x y!");
    assert_field(&k, 2, "c=d", "\xe2\x82\xac");
    struct str v;
    assert_true(kvs_get(&k, "b", false, &v));
    assert_true(str_eq_cstr(v, "x y!"));
    assert_false(kvs_get(&k, "B", false, &v));
    assert_true(kvs_get(&k, "B", true, &v));
    assert_false(kvs_get(&k, "zz", true, &v));
}

static void test_value_with_equals(void **state)
{
    struct kvs k;
    assert_int_equal(parse(state, "next=/a?b=c&x==", &k), 0);
    assert_int_equal(k.n, 2);
    assert_field(&k, 0, "next", "/a?b=c");
    assert_field(&k, 1, "x", "=");
}

static void test_bad_escapes(void **state)
{
    struct kvs k;
    assert_int_equal(parse(state, "a=%G1", &k), STET_EBADREQ);
    assert_int_equal(parse(state, "a=%1G", &k), STET_EBADREQ);
    assert_int_equal(parse(state, "a=%4", &k), STET_EBADREQ);
    assert_int_equal(parse(state, "a=%", &k), STET_EBADREQ);
    assert_int_equal(parse(state, "a=ok&b=%4", &k), STET_EBADREQ);
    assert_int_equal(parse(state, "%zz=1", &k), STET_EBADREQ);
    /* A truncated escape must not read the next segment's bytes. */
    assert_int_equal(parse(state, "a=%4&41", &k), STET_EBADREQ);
}

static void test_invalid_utf8_and_nul(void **state)
{
    struct kvs k;
    assert_int_equal(parse(state, "a=%ff", &k), STET_EBADREQ);
    assert_int_equal(parse(state, "a=%c3", &k), STET_EBADREQ);       /* truncated */
    assert_int_equal(parse(state, "a=%c0%af", &k), STET_EBADREQ);    /* overlong */
    assert_int_equal(parse(state, "a=%ed%a0%80", &k), STET_EBADREQ); /* surrogate */
    assert_int_equal(parse(state, "%ff=1", &k), STET_EBADREQ);       /* in a name */
    assert_int_equal(parse(state, "a=x%00y", &k), STET_EBADREQ);     /* NUL */
    assert_int_equal(parse(state, "a=\xff", &k), STET_EBADREQ);      /* raw byte */
    assert_int_equal(form_parse(*state, (struct str){"a=x\0y", 5}, &k), STET_EBADREQ);
    assert_int_equal(parse(state, "a=%c3%a9", &k), 0);
    assert_field(&k, 0, "a", "\xc3\xa9");
}

static void test_empty_segments(void **state)
{
    struct kvs k;
    assert_int_equal(parse(state, "", &k), 0);
    assert_int_equal(k.n, 0);
    assert_int_equal(parse(state, "&&&", &k), 0);
    assert_int_equal(k.n, 0);
    assert_int_equal(parse(state, "&a=1&&b=&", &k), 0);
    assert_int_equal(k.n, 2);
    assert_field(&k, 0, "a", "1");
    assert_field(&k, 1, "b", "");
    assert_int_equal(form_parse(*state, STR_NULL, &k), 0);
    assert_int_equal(k.n, 0);
}

static void test_field_without_equals(void **state)
{
    struct kvs k;
    assert_int_equal(parse(state, "flag&a=1&=v", &k), 0);
    assert_int_equal(k.n, 3);
    assert_field(&k, 0, "flag", "");
    assert_field(&k, 1, "a", "1");
    assert_field(&k, 2, "", "v");
}

static void test_too_many_fields(void **state)
{
    char body[HTTP_MAX_FIELDS * 8 + 16] = "";
    size_t len = 0;
    for (int i = 0; i < HTTP_MAX_FIELDS; i++)
        len += (size_t)snprintf(body + len, sizeof(body) - len, "f%d=1&", i);
    struct kvs k;
    assert_int_equal(parse(state, body, &k), 0);
    assert_int_equal(k.n, HTTP_MAX_FIELDS);
    /* Empty segments do not count toward the limit. */
    snprintf(body + len, sizeof(body) - len, "&&");
    assert_int_equal(parse(state, body, &k), 0);
    snprintf(body + len, sizeof(body) - len, "x=1");
    assert_int_equal(parse(state, body, &k), STET_EBADREQ);
}

static void test_url_decode(void **state)
{
    struct str out;
    assert_int_equal(url_decode(*state, str_from("a+b%20c"), false, &out), 0);
    assert_true(str_eq_cstr(out, "a+b c"));
    assert_int_equal(url_decode(*state, str_from("a+b%20c"), true, &out), 0);
    assert_true(str_eq_cstr(out, "a b c"));
    assert_int_equal(out.ptr[out.len], '\0');
    assert_int_equal(url_decode(*state, str_from(""), true, &out), 0);
    assert_int_equal(out.len, 0);
    assert_int_equal(url_decode(*state, str_from("ab%"), true, &out), STET_EBADREQ);
    assert_int_equal(url_decode(*state, str_from("%x1"), true, &out), STET_EBADREQ);
    assert_int_equal(url_decode(*state, str_from("%00"), true, &out), STET_EBADREQ);
    /* Only the slice is read, not the bytes after it. */
    assert_int_equal(url_decode(*state, (struct str){"%41%4", 3}, true, &out), 0);
    assert_true(str_eq_cstr(out, "A"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plus_and_percent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_with_equals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_and_nul, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_field_without_equals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_decode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
