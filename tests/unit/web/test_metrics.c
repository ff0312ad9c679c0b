/* Metrics: the Prometheus text of every family, per-pattern request counters, histogram
 * cumulativity, label escaping, concurrent recording, /proc readings, and the
 * bearer-token check that guards GET /metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "web/metrics.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int h(struct req *req)
{
    (void)req;
    return 0;
}

/* Two routes share "/register": they must come out as one series. The last pattern
 * is hostile on purpose; real patterns are constants, but the escaping must hold. */
static const struct route routes[] = {
    {HTTP_GET, "/", h, 0, NULL},           {HTTP_GET, "/register", h, 0, NULL},
    {HTTP_POST, "/register", h, 0, NULL},  {HTTP_GET, "/stories/{slug}", h, 0, NULL},
    {HTTP_GET, "/a\"b\\c\nd", h, 0, NULL},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static char *format(const struct metrics *m, const struct metrics_external *ext)
{
    struct buf b = BUF_INIT;
    metrics_format(m, ext, &b);
    size_t len;
    char *s = buf_steal(&b, &len);
    assert_non_null(s);
    assert_int_equal(strlen(s), len);
    return s;
}

static void assert_contains(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("missing line %s\n--- in ---\n%s", needle, text);
}

static void assert_lacks(const char *text, const char *needle)
{
    if (strstr(text, needle) != NULL)
        fail_msg("unexpected %s\n--- in ---\n%s", needle, text);
}

/* The value of the sample whose line starts with `prefix` (name and labels), or -1. */
static double sample(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p != NULL && *p != '\0';) {
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -1;
}

static bool is_name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

/* Checks every line against the 0.0.4 text grammar: HELP then TYPE per family, each
 * sample after its family's TYPE, labels quoted with only \\ \" \n escapes, and a
 * number as value. */
static void assert_wellformed(const char *text)
{
    char family[128] = "";
    char type[32] = "";
    const char *line = text;
    assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        size_t len = (size_t)(end - line);
        char l[1024];
        assert_true(len < sizeof(l));
        memcpy(l, line, len);
        l[len] = '\0';
        if (strncmp(l, "# HELP ", 7) == 0) {
            const char *sp = strchr(l + 7, ' ');
            assert_non_null(sp);
            snprintf(family, sizeof(family), "%.*s", (int)(sp - (l + 7)), l + 7);
            type[0] = '\0';
        } else if (strncmp(l, "# TYPE ", 7) == 0) {
            size_t fl = strlen(family);
            if (strncmp(l + 7, family, fl) != 0 || l[7 + fl] != ' ')
                fail_msg("TYPE without its HELP: %s", l);
            snprintf(type, sizeof(type), "%s", l + 8 + fl);
            assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
                        strcmp(type, "histogram") == 0);
        } else {
            size_t i = 0;
            while (is_name_char(l[i], i == 0))
                i++;
            assert_true(i > 0);
            char name[128];
            snprintf(name, sizeof(name), "%.*s", (int)i, l);
            bool ok = strcmp(name, family) == 0;
            if (strcmp(type, "histogram") == 0) {
                size_t fl = strlen(family);
                ok = strncmp(name, family, fl) == 0 &&
                     (strcmp(name + fl, "_bucket") == 0 || strcmp(name + fl, "_sum") == 0 ||
                      strcmp(name + fl, "_count") == 0);
            }
            if (!ok || type[0] == '\0')
                fail_msg("sample outside its family (%s): %s", family, l);
            if (l[i] == '{') {
                i++;
                while (l[i] != '}') {
                    size_t start = i;
                    while (is_name_char(l[i], i == start))
                        i++;
                    assert_true(i > start);
                    assert_int_equal(l[i], '=');
                    assert_int_equal(l[i + 1], '"');
                    i += 2;
                    while (l[i] != '"') {
                        assert_true(l[i] != '\0');
                        if (l[i] == '\\') {
                            assert_non_null(strchr("\\\"n", l[i + 1]));
                            i++;
                        }
                        i++;
                    }
                    i++;
                    if (l[i] == ',')
                        i++;
                    else
                        assert_int_equal(l[i], '}');
                }
                i++;
            }
            assert_int_equal(l[i], ' ');
            char *num_end;
            (void)strtod(l + i + 1, &num_end);
            if (num_end == l + i + 1 || *num_end != '\0')
                fail_msg("bad value: %s", l);
        }
        line = end + 1;
    }
}

static void test_every_family(void **state)
{
    (void)state;
    struct metrics *m = metrics_new(routes, N_ROUTES);
    struct metrics_external ext = {
        .db = {.commits = 4, .batched_writes = 10, .max_batch = 5, .db_time_us = 1500042},
        .sse_connections = 7,
        .resident_bytes = 123456,
        .open_fds = 9,
        .start_time = 1700000000.5,
        .version = "1.2.3",
    };
    metrics_cache_hit(m, true);
    metrics_cache_hit(m, true);
    metrics_cache_hit(m, true);
    metrics_cache_hit(m, false);
    metrics_record(m, &routes[0], 200, 100, 10);
    char *t = format(m, &ext);
    assert_wellformed(t);

    static const char *const families[][2] = {
        {"stet_http_requests_total", "counter"},
        {"stet_http_request_duration_seconds", "histogram"},
        {"stet_http_response_bytes_total", "counter"},
        {"stet_page_cache_hits_total", "counter"},
        {"stet_page_cache_misses_total", "counter"},
        {"stet_group_commit_batches_total", "counter"},
        {"stet_group_commit_writes_total", "counter"},
        {"stet_group_commit_batch_size_avg", "gauge"},
        {"stet_group_commit_batch_size_max", "gauge"},
        {"stet_db_seconds_total", "counter"},
        {"stet_sse_connections", "gauge"},
        {"process_resident_memory_bytes", "gauge"},
        {"process_open_fds", "gauge"},
        {"process_start_time_seconds", "gauge"},
        {"stet_build_info", "gauge"},
    };
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        char want[160];
        snprintf(want, sizeof(want), "\n# HELP %s ", families[i][0]);
        if (i > 0)
            assert_contains(t, want);
        else
            assert_true(strncmp(t, want + 1, strlen(want + 1)) == 0);
        snprintf(want, sizeof(want), "\n# TYPE %s %s\n", families[i][0], families[i][1]);
        assert_contains(t, want);
    }
    assert_contains(t, "\nstet_page_cache_hits_total 3\n");
    assert_contains(t, "\nstet_page_cache_misses_total 1\n");
    assert_contains(t, "\nstet_group_commit_batches_total 4\n");
    assert_contains(t, "\nstet_group_commit_writes_total 10\n");
    assert_contains(t, "\nstet_group_commit_batch_size_avg 2.500\n");
    assert_contains(t, "\nstet_group_commit_batch_size_max 5\n");
    assert_contains(t, "\nstet_db_seconds_total 1.500042\n");
    assert_contains(t, "\nstet_sse_connections 7\n");
    assert_contains(t, "\nprocess_resident_memory_bytes 123456\n");
    assert_contains(t, "\nprocess_open_fds 9\n");
    assert_contains(t, "\nprocess_start_time_seconds 1700000000.50\n");
    assert_contains(t, "\nstet_build_info{version=\"1.2.3\"} 1\n");
    assert_contains(t, "\nstet_http_requests_total{route=\"/\",status=\"200\"} 1\n");
    assert_contains(t, "\nstet_http_response_bytes_total{route=\"/\"} 100\n");
    /* Series that saw no request stay out of the output. */
    assert_lacks(t, "route=\"/register\"");
    assert_lacks(t, "route=\"unmatched\"");
    free(t);

    /* No commits yet: the average is 0, not a division by zero. */
    memset(&ext.db, 0, sizeof(ext.db));
    ext.version = "a\"b";
    t = format(m, &ext);
    assert_wellformed(t);
    assert_contains(t, "\nstet_group_commit_batch_size_avg 0\n");
    assert_contains(t, "\nstet_db_seconds_total 0.000000\n");
    assert_contains(t, "\nstet_build_info{version=\"a\\\"b\"} 1\n");
    free(t);
    metrics_free(m);
}

static void test_routes_and_statuses(void **state)
{
    (void)state;
    struct metrics *m = metrics_new(routes, N_ROUTES);
    struct route foreign = routes[0];
    metrics_record(m, &routes[1], 200, 10, 5);
    metrics_record(m, &routes[2], 200, 20, 5); /* same pattern, other method */
    metrics_record(m, &routes[2], 303, 0, 5);
    metrics_record(m, &routes[3], 404, 7, 5);
    metrics_record(m, NULL, 404, 1, 5);
    metrics_record(m, &foreign, 404, 1, 5); /* not from the table: unmatched */
    metrics_record(m, (const struct route *)((const char *)&routes[1] + 1), 500, 1, 5);
    metrics_record(m, &routes[4], 200, 3, 5);
    metrics_record(m, &routes[4], 0, 99, 5);     /* client left: no bytes owed */
    metrics_record(m, &routes[4], 600, 0, 5);    /* out of range */
    metrics_record(m, &routes[4], -1, 0, 5);     /* out of range */
    metrics_record(m, &routes[4], 99, 0, 5);     /* out of range */
    metrics_record(m, &routes[4], 599, 0, 5);    /* last valid code */
    metrics_record(m, &routes[4], 100, 0, 5);    /* first valid code */
    metrics_record(NULL, &routes[0], 200, 0, 5); /* no metrics: ignored */
    metrics_cache_hit(NULL, true);

    struct metrics_external ext = {.version = "t"};
    char *t = format(m, &ext);
    assert_wellformed(t);
    assert_contains(t, "\nstet_http_requests_total{route=\"/register\",status=\"200\"} 2\n");
    assert_contains(t, "\nstet_http_requests_total{route=\"/register\",status=\"303\"} 1\n");
    assert_contains(t, "\nstet_http_response_bytes_total{route=\"/register\"} 30\n");
    assert_contains(t, "\nstet_http_requests_total{route=\"/stories/{slug}\",status=\"404\"} 1\n");
    assert_contains(t, "\nstet_http_requests_total{route=\"unmatched\",status=\"404\"} 2\n");
    assert_contains(t, "\nstet_http_requests_total{route=\"unmatched\",status=\"500\"} 1\n");
    assert_contains(t, "\nstet_http_response_bytes_total{route=\"unmatched\"} 3\n");
    /* One series per pattern: "/register" appears once per status, not per route. */
    const char *first = strstr(t, "{route=\"/register\",status=\"200\"}");
    assert_non_null(first);
    assert_null(strstr(first + 1, "{route=\"/register\",status=\"200\"}"));

    const char *esc = "route=\"/a\\\"b\\\\c\\nd\"";
    char want[256];
    snprintf(want, sizeof(want), "\nstet_http_requests_total{%s,status=\"200\"} 1\n", esc);
    assert_contains(t, want);
    snprintf(want, sizeof(want), "\nstet_http_requests_total{%s,status=\"0\"} 4\n", esc);
    assert_contains(t, want);
    snprintf(want, sizeof(want), "\nstet_http_requests_total{%s,status=\"599\"} 1\n", esc);
    assert_contains(t, want);
    snprintf(want, sizeof(want), "\nstet_http_requests_total{%s,status=\"100\"} 1\n", esc);
    assert_contains(t, want);
    assert_lacks(t, "status=\"600\"");
    assert_lacks(t, "status=\"99\"");
    assert_lacks(t, "status=\"-1\"");
    assert_lacks(t, "route=\"/\"");
    assert_contains(t, "\nstet_page_cache_hits_total 0\n");
    free(t);
    metrics_free(m);
    metrics_free(NULL);
}

static void test_escape_label(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    metrics_escape_label(&b, STR_LIT("plain/{x}"));
    assert_string_equal(buf_cstr(&b), "plain/{x}");
    buf_reset(&b);
    metrics_escape_label(&b, STR_LIT("\\\"\n\\n"));
    assert_string_equal(buf_cstr(&b), "\\\\\\\"\\n\\\\n");
    buf_reset(&b);
    metrics_escape_label(&b, STR_LIT(""));
    assert_string_equal(buf_cstr(&b), "");
    buf_cleanup(&b);
}

static void test_histogram(void **state)
{
    (void)state;
    struct metrics *m = metrics_new(routes, N_ROUTES);
    /* Bounds are inclusive (le); one observation per interesting edge. */
    static const int64_t obs[] = {-5, 0, 500, 501, 1000, 2600, 10000, 2500000, 2500001, 90000000};
    int64_t sum = 0;
    for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
        metrics_record(m, &routes[3], 200, 0, obs[i]);
        sum += obs[i] > 0 ? obs[i] : 0;
    }
    struct metrics_external ext = {.version = "t"};
    char *t = format(m, &ext);
    assert_wellformed(t);

    static const struct {
        const char *le;
        double want;
    } b[] = {{"0.0005", 3}, {"0.001", 5}, {"0.0025", 5}, {"0.005", 6}, {"0.01", 7},
             {"0.025", 7},  {"0.05", 7},  {"0.1", 7},    {"0.25", 7},  {"0.5", 7},
             {"1", 7},      {"2.5", 8},   {"+Inf", 10}};
    double prev = 0;
    for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
        char prefix[160];
        snprintf(prefix, sizeof(prefix),
                 "stet_http_request_duration_seconds_bucket{route=\"/stories/{slug}\",le=\"%s\"}",
                 b[i].le);
        double v = sample(t, prefix);
        if (v != b[i].want)
            fail_msg("bucket le=%s: %g, want %g\n%s", b[i].le, v, b[i].want, t);
        assert_true(v >= prev);
        prev = v;
    }
    /* Buckets appear in increasing le order, +Inf last, then _sum and _count. */
    const char *p0 = strstr(t, "le=\"0.0005\"");
    const char *p1 = strstr(t, "le=\"2.5\"");
    const char *p2 = strstr(t, "le=\"+Inf\"");
    const char *ps = strstr(t, "stet_http_request_duration_seconds_sum{");
    const char *pc = strstr(t, "stet_http_request_duration_seconds_count{");
    assert_true(p0 != NULL && p0 < p1 && p1 < p2 && p2 < ps && ps < pc);
    assert_int_equal(
        sample(t, "stet_http_request_duration_seconds_count{route=\"/stories/{slug}\"}"), 10);
    char want[128];
    snprintf(want, sizeof(want),
             "stet_http_request_duration_seconds_sum{route=\"/stories/{slug}\"} %lld.%06lld\n",
             (long long)(sum / 1000000), (long long)(sum % 1000000));
    assert_contains(t, want);
    free(t);
    metrics_free(m);
}

#define N_THREADS  8
#define PER_THREAD 20000

static void *hammer(void *arg)
{
    struct metrics *m = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        metrics_record(m, &routes[i % N_ROUTES], i % 2 ? 200 : 404, 3, i % 3000);
        metrics_cache_hit(m, i % 4 == 0);
    }
    return NULL;
}

/* Lost updates would show as totals below threads × iterations. */
static void test_concurrent(void **state)
{
    (void)state;
    struct metrics *m = metrics_new(routes, N_ROUTES);
    pthread_t th[N_THREADS];
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, m), 0);
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    struct metrics_external ext = {.version = "t"};
    char *t = format(m, &ext);
    assert_wellformed(t);
    double total = 0, bytes = 0;
    static const char *const labels[] = {"/", "/register", "/stories/{slug}", "/a\\\"b\\\\c\\nd"};
    for (size_t i = 0; i < 4; i++) {
        char prefix[160];
        snprintf(prefix, sizeof(prefix), "stet_http_request_duration_seconds_count{route=\"%s\"}",
                 labels[i]);
        total += sample(t, prefix);
        snprintf(prefix, sizeof(prefix), "stet_http_response_bytes_total{route=\"%s\"}", labels[i]);
        bytes += sample(t, prefix);
    }
    assert_true(total == (double)N_THREADS * PER_THREAD);
    assert_true(bytes == 3.0 * N_THREADS * PER_THREAD);
    assert_true(sample(t, "stet_page_cache_hits_total") == N_THREADS * PER_THREAD / 4);
    assert_true(sample(t, "stet_page_cache_misses_total") == N_THREADS * PER_THREAD * 3 / 4);
    free(t);
    metrics_free(m);
}

static void test_process(void **state)
{
    (void)state;
    struct metrics *m = metrics_new(routes, N_ROUTES);
    struct metrics_external ext = {.version = "t"};
    metrics_read_process(m, &ext);
    assert_true(ext.resident_bytes > 4096);
    assert_true(ext.open_fds >= 3);
    double now = (double)time(NULL);
    assert_true(ext.start_time <= now + 1);
    assert_true(ext.start_time > now - 3600);

    int fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    struct metrics_external ext2 = {.version = "t"};
    metrics_read_process(m, &ext2);
    assert_int_equal(ext2.open_fds, ext.open_fds + 1);
    close(fd);
    assert_true(ext2.start_time == ext.start_time);
    metrics_free(m);
}

#define TOKEN "0123456789abcdef0123456789ABCDEF"

static enum metrics_auth check(const char *header)
{
    return metrics_check_auth(header != NULL ? str_from(header) : STR_NULL, STR_LIT(TOKEN));
}

static void test_check_auth(void **state)
{
    (void)state;
    assert_int_equal(check("Bearer " TOKEN), METRICS_AUTH_OK);
    /* The scheme is case-insensitive (RFC 9110); white space around is not content. */
    assert_int_equal(check("bearer " TOKEN), METRICS_AUTH_OK);
    assert_int_equal(check("BEARER   " TOKEN "  "), METRICS_AUTH_OK);
    assert_int_equal(check(" Bearer " TOKEN), METRICS_AUTH_OK);
    /* The slice bounds the header, not a NUL after it. */
    assert_int_equal(
        metrics_check_auth((struct str){"Bearer " TOKEN "xyz", 7 + 32}, STR_LIT(TOKEN)),
        METRICS_AUTH_OK);

    /* No credentials, or not a bearer token: RFC 6750 wants no error code then. */
    assert_int_equal(check(NULL), METRICS_AUTH_MISSING);
    assert_int_equal(check(""), METRICS_AUTH_MISSING);
    assert_int_equal(check("Bearer"), METRICS_AUTH_MISSING);
    assert_int_equal(check("Bearer "), METRICS_AUTH_MISSING);
    assert_int_equal(check(TOKEN), METRICS_AUTH_MISSING);
    assert_int_equal(check("Basic " TOKEN), METRICS_AUTH_MISSING);
    assert_int_equal(check("Bearer:" TOKEN), METRICS_AUTH_MISSING);
    assert_int_equal(check("BearerX " TOKEN), METRICS_AUTH_MISSING);

    /* A bearer token that is not the one: every near miss. */
    assert_int_equal(check("Bearer " TOKEN "x"), METRICS_AUTH_WRONG);
    assert_int_equal(check("Bearer 0123456789abcdef0123456789ABCDE"), METRICS_AUTH_WRONG);
    assert_int_equal(check("Bearer 0123456789abcdef0123456789abcdef"), METRICS_AUTH_WRONG);
    assert_int_equal(check("Bearer 1123456789abcdef0123456789ABCDEF"), METRICS_AUTH_WRONG);
    assert_int_equal(check("Bearer " TOKEN " " TOKEN), METRICS_AUTH_WRONG);
    assert_int_equal(check("Bearer  x"), METRICS_AUTH_WRONG);
    assert_int_equal(metrics_check_auth((struct str){"Bearer " TOKEN "\0", 7 + 33}, STR_LIT(TOKEN)),
                     METRICS_AUTH_WRONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_family), cmocka_unit_test(test_routes_and_statuses),
        cmocka_unit_test(test_escape_label), cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_concurrent),   cmocka_unit_test(test_process),
        cmocka_unit_test(test_check_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
