/* Unit tests for services/weather: the strict forecast parser and rounding, and the
 * background refresher against file:// URLs (first reading, keeping the last good
 * value on failure, expiry, version bumps, prompt shutdown). Each "nothing changed"
 * is asserted only after the refresher has finished a fetch that began after the
 * change (weather_fetches), never after a sleep, so it can fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/timefmt.h"
#include "services/weather.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int parse(const char *json, bool f, int *hi, int *lo)
{
    return weather_parse(json, strlen(json), f, hi, lo);
}

static void parse_ok(const char *json, bool f, int want_hi, int want_lo)
{
    int hi = 999, lo = 999;
    int rc = parse(json, f, &hi, &lo);
    if (rc != 0)
        fail_msg("expected %s to parse", json);
    assert_int_equal(hi, want_hi);
    assert_int_equal(lo, want_lo);
}

static void parse_bad(const char *json)
{
    int hi = 999, lo = 999;
    int rc = parse(json, false, &hi, &lo);
    if (rc != STET_EINVAL)
        fail_msg("expected %s to be rejected, got %d", json, rc);
    assert_int_equal(hi, 999);
    assert_int_equal(lo, 999);
}

#define DAILY(max, min)                                                                            \
    "{\"daily\":{\"temperature_2m_max\":[" max "],\"temperature_2m_min\":[" min "]}}"

static void test_parse_values(void **state)
{
    (void)state;
    parse_ok("{\"daily\":{\"time\":[\"2026-11-30\"],\"temperature_2m_max\":[23.4],"
             "\"temperature_2m_min\":[9.1]}}",
             false, 23, 9);
    parse_ok(DAILY("23", "9"), false, 23, 9);     /* integers */
    parse_ok(DAILY("9.5", "-0.4"), false, 10, 0); /* half away from zero; no -0 */
    parse_ok(DAILY("-9.5", "-9.4"), false, -10, -9);
    parse_ok(DAILY("0.49", "-0.5"), false, 0, -1);
    parse_ok(DAILY("150", "-150"), false, 150, -150);
    parse_ok(DAILY("23.4, 30", "9.1, 1"), false, 23, 9); /* only today counts */
    parse_ok(" \n" DAILY("1", "2") "\n ", false, 1, 2);
    /* Extra members anywhere are fine. */
    parse_ok("{\"latitude\":52.5,\"daily_units\":{\"temperature_2m_max\":\"C\"},"
             "\"daily\":{\"temperature_2m_max\":[1.0],\"temperature_2m_min\":[0.0],\"x\":null}}",
             false, 1, 0);
}

static void test_parse_fahrenheit(void **state)
{
    (void)state;
    parse_ok(DAILY("23.4", "9.1"), true, 74, 48); /* 74.12, 48.38 */
    parse_ok(DAILY("0", "-40"), true, 32, -40);
    parse_ok(DAILY("100", "-17.5"), true, 212, 1); /* 0.5 rounds away from zero */
    parse_ok(DAILY("-17.8", "-18"), true, 0, 0);   /* -0.04 and -0.4: never -0 */
    parse_ok(DAILY("150", "-150"), true, 302, -238);
}

static void test_parse_shape(void **state)
{
    (void)state;
    parse_bad("{}");
    parse_bad("[]");
    parse_bad("null");
    parse_bad("42");
    parse_bad("{\"daily\":null}");
    parse_bad("{\"daily\":[]}");
    parse_bad("{\"daily\":{}}");
    parse_bad("{\"daily\":{\"temperature_2m_max\":[1]}}");
    parse_bad("{\"daily\":{\"temperature_2m_min\":[1]}}");
    parse_bad("{\"temperature_2m_max\":[1],\"temperature_2m_min\":[1]}");
    parse_bad(DAILY("", "1"));
    parse_bad(DAILY("1", ""));
    parse_bad(DAILY("\"23\"", "1"));
    parse_bad(DAILY("null", "1"));
    parse_bad(DAILY("true", "1"));
    parse_bad(DAILY("[1]", "1"));
    parse_bad(DAILY("{}", "1"));
    parse_bad(DAILY("1", "null"));
    parse_bad(DAILY("null, 1", "1"));
    parse_bad("{\"daily\":{\"temperature_2m_max\":1,\"temperature_2m_min\":1}}");
    parse_bad("{\"daily\":{\"temperature_2m_max\":\"1\",\"temperature_2m_min\":[1]}}");
}

static void test_parse_hostile_numbers(void **state)
{
    (void)state;
    parse_bad(DAILY("NaN", "1"));
    parse_bad(DAILY("Infinity", "1"));
    parse_bad(DAILY("-Infinity", "1"));
    parse_bad(DAILY("1e400", "1"));
    parse_bad(DAILY("-1e400", "1"));
    parse_bad(DAILY("1e308", "1"));
    parse_bad(DAILY("150.01", "1"));
    parse_bad(DAILY("1", "-150.01"));
    parse_bad(DAILY("9223372036854775807", "1"));
    parse_bad(DAILY("99999999999999999999999", "1"));
    parse_bad(DAILY("-9223372036854775808", "1"));
}

static void test_parse_invalid_json(void **state)
{
    (void)state;
    const char *full = DAILY("23.4", "9.1");
    parse_bad("");
    parse_bad("not json");
    parse_bad("{\"daily\":{\"temperature_2m_max\":[23.4],\"temperature_2m_min\":[9.1]}} x");
    parse_bad("{'daily':{}}");
    parse_bad("{\"daily\":{\"temperature_2m_max\":[23.4,],\"temperature_2m_min\":[9.1]}}");
    /* Every proper prefix of a valid answer is rejected. */
    size_t n = strlen(full);
    for (size_t cut = 0; cut < n; cut++) {
        int hi, lo;
        if (weather_parse(full, cut, false, &hi, &lo) != STET_EINVAL)
            fail_msg("prefix of length %zu accepted", cut);
    }
    /* An embedded NUL ends nothing early: the length rules. */
    char with_nul[128];
    size_t len = (size_t)snprintf(with_nul, sizeof(with_nul), "%s", full);
    with_nul[len] = '\0';
    int hi, lo;
    assert_int_equal(weather_parse(with_nul, len + 1, false, &hi, &lo), STET_EINVAL);
    assert_int_equal(weather_parse(NULL, 0, false, &hi, &lo), STET_EINVAL);
}

static void test_parse_size_limit(void **state)
{
    (void)state;
    /* A valid answer padded with white space past the limit is refused unread. */
    size_t n = (size_t)WEATHER_MAX_BODY + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    const char *body = DAILY("1", "2");
    memcpy(big, body, strlen(body));
    int hi, lo;
    assert_int_equal(weather_parse(big, n, false, &hi, &lo), STET_EINVAL);
    assert_int_equal(weather_parse(big, WEATHER_MAX_BODY, false, &hi, &lo), 0);
    assert_int_equal(hi, 1);
    free(big);
}

/* --- the refresher ---------------------------------------------------------- */

static char tmp_dir[64];
static char json_path[128];
static char json_url[160];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/stet-weather-XXXXXX");
    if (mkdtemp(tmp_dir) == NULL)
        return -1;
    snprintf(json_path, sizeof(json_path), "%s/w.json", tmp_dir);
    snprintf(json_url, sizeof(json_url), "file://%s", json_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(json_path);
    return rmdir(tmp_dir);
}

/* Replaces the file atomically so the refresher never reads a half-written one. */
static void write_json(const char *text)
{
    char tmp[160];
    snprintf(tmp, sizeof(tmp), "%s.tmp", json_path);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, json_path), 0);
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits (up to 10 s, a correctness bound, not a timing assertion) for a reading
 * with the given values. */
static bool wait_for(struct weather *w, int hi, int lo, struct weather_reading *out)
{
    double end = mono_now() + 10.0;
    while (mono_now() < end) {
        if (weather_get(w, time_now(), out) && out->hi == hi && out->lo == lo)
            return true;
        sleep_ms(20);
    }
    return false;
}

/* Waits until a fetch that began after this call has finished: one already under
 * way may have read the provider's answer as it was before. 10 s is a correctness
 * bound (two 1 s refresh intervals plus the fetches), not a timing assertion. */
static void wait_next_fetch(struct weather *w)
{
    uint64_t seen = weather_fetches(w);
    if (!weather_wait_fetches(w, seen + 2, 10))
        fail_msg("the refresher finished %llu fetches, not 2, within 10 s",
                 (unsigned long long)(weather_fetches(w) - seen));
}

static void test_service(void **state)
{
    (void)state;
    struct weather_reading r;

    write_json("{\"daily\":{\"time\":[\"2026-11-30\"],\"temperature_2m_max\":[23.4],"
               "\"temperature_2m_min\":[9.1]}}");
    int64_t before = time_now();
    struct weather *w = weather_new(json_url, 1, false);
    assert_non_null(w);
    assert_true(wait_for(w, 23, 9, &r));
    assert_true(r.fetched_at >= before);
    assert_true(r.fetched_at <= time_now());
    uint64_t v1 = weather_version(w);
    assert_true(v1 >= 1);

    /* Past the age limit the reading is hidden; just inside it, shown. */
    struct weather_reading r2;
    assert_true(weather_get(w, r.fetched_at + WEATHER_MAX_AGE_S, &r2));
    /* A refetch may have moved fetched_at on; compare against the latest. */
    assert_true(weather_get(w, time_now(), &r2));
    assert_false(weather_get(w, r2.fetched_at + WEATHER_MAX_AGE_S + 1, &r2));

    /* Garbage from the provider keeps the last good value. */
    write_json("{\"daily\": garbage");
    wait_next_fetch(w);
    assert_true(weather_get(w, time_now(), &r2));
    assert_int_equal(r2.hi, 23);
    assert_int_equal(r2.lo, 9);
    assert_int_equal(weather_version(w), v1);

    /* A missing file is a failure too, and also keeps the value. */
    unlink(json_path);
    wait_next_fetch(w);
    assert_true(weather_get(w, time_now(), &r2));
    assert_int_equal(r2.hi, 23);

    /* New values replace the reading and bump the version. */
    write_json(DAILY("-3.6", "-12.5"));
    assert_true(wait_for(w, -4, -13, &r2));
    uint64_t v2 = weather_version(w);
    assert_true(v2 > v1);

    /* Same values again: refetches happen but the version stays. */
    wait_next_fetch(w);
    assert_true(weather_get(w, time_now(), &r2));
    assert_int_equal(r2.hi, -4);
    assert_int_equal(weather_version(w), v2);

    double t0 = mono_now();
    weather_free(w);
    /* Prompt: the thread was waiting out a 1 s refresh at most; generous bound. */
    assert_true(mono_now() - t0 < 5.0);
}

static void test_service_fahrenheit_and_long_refresh(void **state)
{
    (void)state;
    struct weather_reading r;
    write_json(DAILY("23.4", "9.1"));
    struct weather *w = weather_new(json_url, 86400, true);
    assert_true(wait_for(w, 74, 48, &r));
    /* The thread now waits a day; free must interrupt that wait, not sit it out. */
    double t0 = mono_now();
    weather_free(w);
    assert_true(mono_now() - t0 < 5.0);
}

static void test_service_without_url(void **state)
{
    (void)state;
    struct weather_reading r;
    struct weather *w = weather_new(NULL, 1, false);
    assert_non_null(w);
    /* No thread: the wait runs out rather than hanging, and nothing was fetched. */
    assert_false(weather_wait_fetches(w, 1, 0));
    assert_int_equal(weather_fetches(w), 0);
    assert_false(weather_get(w, time_now(), &r));
    assert_int_equal(weather_version(w), 0);
    weather_free(w);

    weather_free(NULL);
    assert_false(weather_get(NULL, time_now(), &r));
    assert_int_equal(weather_version(NULL), 0);
    assert_int_equal(weather_fetches(NULL), 0);
    assert_false(weather_wait_fetches(NULL, 1, 0));
}

static void test_service_bad_urls(void **state)
{
    (void)state;
    struct weather_reading r;
    /* A scheme outside http, https and file is refused by curl; nothing appears. */
    write_json(DAILY("1", "2"));
    char path_only[200];
    snprintf(path_only, sizeof(path_only), "ftp://127.0.0.1:1%s", json_path);
    struct weather *w = weather_new(path_only, 1, false);
    struct weather *w2 = weather_new("file:///nonexistent/w.json", 1, false);
    struct weather *w3 = weather_new("http://127.0.0.1:1/", 1, false); /* refused */
    /* Each one's first fetch began after the file was written. */
    assert_true(weather_wait_fetches(w, 1, 10));
    assert_true(weather_wait_fetches(w2, 1, 10));
    assert_true(weather_wait_fetches(w3, 1, 10));
    assert_false(weather_get(w, time_now(), &r));
    assert_false(weather_get(w2, time_now(), &r));
    assert_false(weather_get(w3, time_now(), &r));
    weather_free(w);
    weather_free(w2);
    weather_free(w3);

    /* A valid answer padded past WEATHER_MAX_BODY is cut off while downloading. */
    FILE *f = fopen(json_path, "w");
    assert_non_null(f);
    fputs(DAILY("1", "2"), f);
    for (int i = 0; i < WEATHER_MAX_BODY / 64 + 1; i++)
        fputs("                                                               \n", f);
    assert_int_equal(fclose(f), 0);
    w = weather_new(json_url, 1, false);
    assert_true(weather_wait_fetches(w, 1, 10));
    assert_false(weather_get(w, time_now(), &r));
    weather_free(w);
    /* A normal answer at the same URL is accepted again. */
    write_json(DAILY("1", "2"));
    w = weather_new(json_url, 1, false);
    assert_true(wait_for(w, 1, 2, &r));
    weather_free(w);
}

/* SIGHUP's path: a new URL is fetched at once (the refresh is a day), none hides
 * the strip, and a weather made without a URL starts fetching when given one. */
static void test_service_reconfigure(void **state)
{
    (void)state;
    struct weather_reading r;
    char other_path[160], other_url[200];
    snprintf(other_path, sizeof(other_path), "%s/other.json", tmp_dir);
    snprintf(other_url, sizeof(other_url), "file://%s", other_path);
    FILE *f = fopen(other_path, "w");
    assert_non_null(f);
    fputs(DAILY("30", "20"), f);
    assert_int_equal(fclose(f), 0);
    write_json(DAILY("1", "2"));

    struct weather *w = weather_new(json_url, 86400, false);
    assert_true(wait_for(w, 1, 2, &r));
    uint64_t v = weather_version(w);
    weather_reconfigure(w, other_url, 86400, false);
    assert_true(weather_version(w) > v); /* the old reading no longer shows */
    assert_true(wait_for(w, 30, 20, &r));
    weather_reconfigure(w, other_url, 86400, true);
    assert_true(wait_for(w, 86, 68, &r));
    weather_reconfigure(w, NULL, 86400, true);
    assert_false(weather_get(w, time_now(), &r));
    weather_free(w);

    w = weather_new(NULL, 86400, false);
    weather_reconfigure(w, "", 86400, false);
    assert_false(weather_get(w, time_now(), &r));
    weather_reconfigure(w, json_url, 86400, false);
    assert_true(wait_for(w, 1, 2, &r));
    weather_free(w);
    unlink(other_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_fahrenheit),
        cmocka_unit_test(test_parse_shape),
        cmocka_unit_test(test_parse_hostile_numbers),
        cmocka_unit_test(test_parse_invalid_json),
        cmocka_unit_test(test_parse_size_limit),
        cmocka_unit_test_setup_teardown(test_service, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_fahrenheit_and_long_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_without_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_bad_urls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_reconfigure, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
