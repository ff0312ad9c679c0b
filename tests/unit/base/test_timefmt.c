/* Unit tests for base/timefmt: formatting known instants, the strict ISO 8601 parser
 * (offsets, fractions, calendar validity, garbage), the round trip between them, and
 * local time in named zones (DST changes, a half-hour offset, unknown names). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/timefmt.h"

#include <string.h>

static int64_t parse_ok(const char *s)
{
    int64_t t = 42;
    int rc = time_parse_iso(str_from(s), &t);
    if (rc != 0)
        fail_msg("expected '%s' to parse", s);
    return t;
}

static void parse_bad(const char *s)
{
    int64_t t = 42;
    int rc = time_parse_iso(str_from(s), &t);
    if (rc != STET_EINVAL)
        fail_msg("expected '%s' to be rejected, got %d", s, rc);
    assert_int_equal(t, 42);
}

static void test_format_iso(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        const char *iso;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z"},
        {1796011351, "2026-11-30T04:02:31Z"},
        {951782400, "2000-02-29T00:00:00Z"},
        {1709251199, "2024-02-29T23:59:59Z"},
        {-1, "1969-12-31T23:59:59Z"},
        {2147483648LL, "2038-01-19T03:14:08Z"},
        {4107542400LL, "2100-03-01T00:00:00Z"},
        {253402300799LL, "9999-12-31T23:59:59Z"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[TIMEFMT_ISO_LEN];
        memset(out, 'x', sizeof(out));
        time_format_iso(cases[i].t, out);
        assert_string_equal(out, cases[i].iso);
    }
}

static void test_format_human(void **state)
{
    (void)state;
    char out[32];
    time_format_human(1796011351, out);
    assert_string_equal(out, "30 November 2026");
    time_format_human(0, out);
    assert_string_equal(out, "1 January 1970");
    time_format_human(951782400, out);
    assert_string_equal(out, "29 February 2000");
    /* A story's date is the site's: New Year's Eve in UTC is already 2027 in Tokyo. */
    time_zone_use("Asia/Tokyo");
    time_format_human(1798729200, out);
    assert_string_equal(out, "1 January 2027");
    time_zone_use("UTC");
    time_format_human(1798729200, out);
    assert_string_equal(out, "31 December 2026");
}

static void test_now(void **state)
{
    (void)state;
    int64_t t = time_now();
    assert_true(t > 1700000000); /* after 2023: the clock is wall time in seconds */
}

static void test_parse_dates(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1970-01-01"), 0);
    assert_int_equal(parse_ok("2026-11-30"), 1795996800);
    assert_int_equal(parse_ok("2000-02-29"), 951782400);
    assert_int_equal(parse_ok("2024-02-29"), 1709164800);
    assert_int_equal(parse_ok("1900-01-01"), -2208988800LL);
    assert_int_equal(parse_ok("2026-12-31"), 1798675200);
}

static void test_parse_times(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-11-30T04:02:31Z"), 1796011351);
    assert_int_equal(parse_ok("2026-11-30t04:02:31z"), 1796011351);
    assert_int_equal(parse_ok("2026-11-30 04:02:31Z"), 1796011351);
    assert_int_equal(parse_ok("2026-11-30T04:02Z"), 1796011320);
    assert_int_equal(parse_ok("2026-11-30T04:02:31+00:00"), 1796011351);
    assert_int_equal(parse_ok("2026-11-30T05:32:31+01:30"), 1796011351);
    assert_int_equal(parse_ok("2026-11-29T23:02:31-05:00"), 1796011351);
    assert_int_equal(parse_ok("1970-01-01T00:00:00-00:01"), 60);
    /* Fractions are accepted and truncated. */
    assert_int_equal(parse_ok("2026-11-30T04:02:31.999Z"), 1796011351);
    assert_int_equal(parse_ok("2026-11-30T04:02:31.5+00:00"), 1796011351);
    assert_int_equal(parse_ok("2026-11-30T04:02:31.123456789Z"), 1796011351);
    assert_int_equal(parse_ok("2026-11-30T23:59:59Z"), 1796083199);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    parse_bad("");
    parse_bad("garbage");
    parse_bad("2026");
    parse_bad("2026-11");
    parse_bad("2026-11-3");
    parse_bad("2026-02-29"); /* not a leap year */
    parse_bad("1900-02-29"); /* century, not a leap year */
    parse_bad("2026-13-01");
    parse_bad("2026-00-10");
    parse_bad("2026-01-00");
    parse_bad("2026-01-32");
    parse_bad("2026-04-31");
    parse_bad("2026/11/30");
    parse_bad("2026-11-30x");
    parse_bad("2026-11-30T");
    parse_bad("2026-11-30T04:02:31"); /* no zone */
    parse_bad("2026-11-30T24:00:00Z");
    parse_bad("2026-11-30T04:60:00Z");
    parse_bad("2026-11-30T04:02:61Z");
    parse_bad("2026-11-30T04:02:31.Z");
    parse_bad("2026-11-30T04:02:31.1234567890Z");
    parse_bad("2026-11-30T04:02:31+0100");
    parse_bad("2026-11-30T04:02:31+24:00");
    parse_bad("2026-11-30T04:02:31+01:60");
    parse_bad("2026-11-30T04:02:31Z ");
    parse_bad("2026-11-30T04:02:31ZZ");
    parse_bad(" 2026-11-30");
    parse_bad("-026-11-30");
    parse_bad("2026-11-30T4:02:31Z");
    parse_bad("2026-11-30T04:2:31Z");
    /* The slice length bounds the parse: no reading past it. */
    int64_t t;
    struct str cut = {"2026-11-30T04:02:31Z", 12};
    assert_int_equal(time_parse_iso(cut, &t), STET_EINVAL);
    struct str date_only = {"2026-11-30T04:02:31Z", 10};
    assert_int_equal(time_parse_iso(date_only, &t), 0);
    assert_int_equal(t, 1795996800);
}

/* Every accepted time prints back as itself: a leap second or a year the four-digit
 * formatter cannot show is refused instead (9999-12-31T23:59:60Z used to be stored
 * and shown as the year 0000). */
static void test_parse_only_printable(void **state)
{
    (void)state;
    parse_bad("2026-12-31T23:59:60Z");
    parse_bad("9999-12-31T23:59:60Z");
    parse_bad("2016-12-31T23:59:60.5Z");
    parse_bad("9999-12-31T23:30:00-01:00"); /* 10000-01-01 in UTC */
    parse_bad("0000-01-01T00:00:00+00:01"); /* year -1 in UTC */
    assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), TIME_MAX);
    assert_int_equal(parse_ok("9999-12-31"), TIME_MAX - 86399);
    assert_int_equal(parse_ok("0000-01-01T00:00:00Z"), TIME_MIN);
    assert_int_equal(parse_ok("0000-01-01T01:00:00+01:00"), TIME_MIN);
    assert_true(time_in_range(TIME_MIN) && time_in_range(TIME_MAX) && time_in_range(0));
    assert_false(time_in_range(TIME_MIN - 1) || time_in_range(TIME_MAX + 1));
}

/* Out of range, from old data or a bug, prints as the nearest end, not a wrapped
 * year, and never reads a struct tm that gmtime_r left unset. */
static void test_format_clamps(void **state)
{
    (void)state;
    char iso[TIMEFMT_ISO_LEN], human[32];
    time_format_iso(TIME_MAX + 1, iso);
    assert_string_equal(iso, "9999-12-31T23:59:59Z");
    time_format_iso(INT64_MAX, iso);
    assert_string_equal(iso, "9999-12-31T23:59:59Z");
    time_format_iso(INT64_MIN, iso);
    assert_string_equal(iso, "0000-01-01T00:00:00Z");
    time_format_iso(TIME_MIN, iso);
    assert_string_equal(iso, "0000-01-01T00:00:00Z");
    time_format_human(TIME_MAX + 1, human);
    assert_string_equal(human, "31 December 9999");
    time_format_human(INT64_MIN, human);
    assert_string_equal(human, "1 January 0");
}

static void test_round_trip(void **state)
{
    (void)state;
    static const int64_t samples[] = {
        0,          1,          59,           86399,  951782400,    1709251199,
        1796011351, 2147483647, 4107542400LL, -86400, -2208988800LL};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        char iso[TIMEFMT_ISO_LEN];
        time_format_iso(samples[i], iso);
        assert_int_equal(parse_ok(iso), samples[i]);
    }
    /* A sweep over several years hits every month length and leap day. */
    for (int64_t t = 1577836800; t < 1735689600; t += 86400 + 3607) {
        char iso[TIMEFMT_ISO_LEN];
        time_format_iso(t, iso);
        assert_int_equal(parse_ok(iso), t);
    }
}

static void local_is(int64_t t, const char *local, const char *full)
{
    char a[TIMEFMT_LOCAL_LEN], b[TIMEFMT_FULL_LEN];
    time_format_local(t, a);
    time_format_local_full(t, b);
    assert_string_equal(a, local);
    assert_string_equal(b, full);
}

/* Berlin around both 2026 changes: the spring gap and the autumn hour that repeats,
 * told apart by the zone abbreviation. */
static void test_local_berlin_dst(void **state)
{
    (void)state;
    time_zone_use("Europe/Berlin");
    local_is(1768478400, "15 Jan 2026, 13:00", "Thursday 15 January 2026, 13:00 CET");
    local_is(1774745999, "29 Mar 2026, 01:59", "Sunday 29 March 2026, 01:59 CET");
    local_is(1774746000, "29 Mar 2026, 03:00", "Sunday 29 March 2026, 03:00 CEST");
    local_is(1792888200, "25 Oct 2026, 02:30", "Sunday 25 October 2026, 02:30 CEST");
    local_is(1792891800, "25 Oct 2026, 02:30", "Sunday 25 October 2026, 02:30 CET");
    /* New Year in Berlin is still the old year in UTC. */
    local_is(1798759800, "1 Jan 2027, 00:30", "Friday 1 January 2027, 00:30 CET");
    time_zone_use("UTC");
}

static void test_local_half_hour_offset(void **state)
{
    (void)state;
    time_zone_use("America/St_Johns");
    local_is(1768478400, "15 Jan 2026, 08:30", "Thursday 15 January 2026, 08:30 NST");
    local_is(1792891800, "24 Oct 2026, 23:00", "Saturday 24 October 2026, 23:00 NDT");
    local_is(1798759800, "31 Dec 2026, 20:00", "Thursday 31 December 2026, 20:00 NST");
    time_zone_use("UTC");
}

static void test_local_utc_and_clamps(void **state)
{
    (void)state;
    time_zone_use("UTC");
    local_is(1796011351, "30 Nov 2026, 04:02", "Monday 30 November 2026, 04:02 UTC");
    local_is(TIME_MAX + 1000, "31 Dec 9999, 23:59", "Friday 31 December 9999, 23:59 UTC");
}

static void test_zone_names(void **state)
{
    (void)state;
    assert_true(time_zone_exists("UTC"));
    assert_true(time_zone_exists("Europe/Berlin"));
    assert_true(time_zone_exists("America/St_Johns"));
    assert_true(time_zone_exists("America/Argentina/Buenos_Aires"));
    assert_true(time_zone_exists("Etc/GMT+5"));
    static const char *const bad[] = {
        "",
        "Mars/Olympus_Mons",
        "Europe/berlin_",
        "/etc/passwd",
        "../../../etc/passwd",
        "Europe/../Europe/Berlin",
        "Europe//Berlin",
        "Europe/Berlin/",
        "Europe",    /* a directory, not a zone */
        "zone.tab",  /* a file, but no zone */
        "CET 1",     /* space */
        "CET-1CEST", /* a POSIX rule string, not a name */
        "Europe/Berlin\n",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (time_zone_exists(bad[i]))
            fail_msg("expected '%s' to be refused", bad[i]);
    }
}

int main(void)
{
    /* The dates of pages are in the site's zone: UTC unless a test says otherwise,
     * whatever the machine's own zone. */
    time_zone_use("UTC");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_iso),
        cmocka_unit_test(test_format_human),
        cmocka_unit_test(test_now),
        cmocka_unit_test(test_parse_dates),
        cmocka_unit_test(test_parse_times),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_parse_only_printable),
        cmocka_unit_test(test_format_clamps),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_local_berlin_dst),
        cmocka_unit_test(test_local_half_hour_offset),
        cmocka_unit_test(test_local_utc_and_clamps),
        cmocka_unit_test(test_zone_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
