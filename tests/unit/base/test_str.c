/* Unit tests for base/str: slices, case-insensitive compare, trimming, and the
 * bounded integer parser used for every number read from input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/str.h"

static int64_t parse_ok(const char *s, int64_t min, int64_t max)
{
    int64_t v = 12345;
    assert_int_equal(str_to_i64(str_from(s), min, max, &v), 0);
    return v;
}

static void parse_bad(const char *s, int64_t min, int64_t max)
{
    int64_t v = 777;
    assert_int_equal(str_to_i64(str_from(s), min, max, &v), STET_EINVAL);
    assert_int_equal(v, 777); /* untouched on failure */
}

static void test_from_eq(void **state)
{
    (void)state;
    struct str a = str_from("hello");
    assert_int_equal(a.len, 5);
    assert_true(str_eq(a, STR_LIT("hello")));
    assert_false(str_eq(a, STR_LIT("hell")));
    assert_false(str_eq(a, STR_LIT("hellO")));
    assert_true(str_eq_cstr(a, "hello"));
    assert_false(str_eq_cstr(a, "hello!"));
    struct str n = str_from(NULL);
    assert_null(n.ptr);
    assert_int_equal(n.len, 0);
    assert_true(str_eq(n, STR_LIT("")));
    assert_true(str_eq(STR_NULL, STR_NULL));
    /* Embedded NUL bytes are data, not terminators. */
    struct str z1 = {"a\0b", 3}, z2 = {"a\0c", 3};
    assert_false(str_eq(z1, z2));
}

static void test_eq_nocase(void **state)
{
    (void)state;
    assert_true(str_eq_nocase(STR_LIT("Alice"), STR_LIT("aLICE")));
    assert_true(str_eq_nocase(STR_LIT(""), STR_LIT("")));
    assert_false(str_eq_nocase(STR_LIT("alice"), STR_LIT("alicf")));
    assert_false(str_eq_nocase(STR_LIT("alice"), STR_LIT("alic")));
    /* Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by the case bit. */
    assert_false(str_eq_nocase(STR_LIT("@"), STR_LIT("`")));
    assert_false(str_eq_nocase(STR_LIT("["), STR_LIT("{")));
    /* Bytes above 0x7F compare exactly. */
    assert_false(str_eq_nocase(STR_LIT("\xc3\xa9"), STR_LIT("\xc3\x89")));
}

static void test_starts_with(void **state)
{
    (void)state;
    assert_true(str_starts_with(STR_LIT("https://x"), "https://"));
    assert_true(str_starts_with(STR_LIT("abc"), ""));
    assert_false(str_starts_with(STR_LIT("http"), "https"));
    assert_false(str_starts_with(STR_LIT(""), "a"));
}

static void test_trim(void **state)
{
    (void)state;
    struct str t = str_trim(STR_LIT(" \t\r\n hi there \v\f\n"));
    assert_true(str_eq_cstr(t, "hi there"));
    assert_int_equal(str_trim(STR_LIT("   ")).len, 0);
    assert_int_equal(str_trim(STR_LIT("")).len, 0);
    assert_true(str_eq_cstr(str_trim(STR_LIT("x")), "x"));
    /* Non-breaking space (U+00A0) is not ASCII white space and stays. */
    assert_true(str_eq_cstr(str_trim(STR_LIT("\xc2\xa0x")), "\xc2\xa0x"));
    struct str n = str_trim(STR_NULL);
    assert_int_equal(n.len, 0);
}

static void test_i64_ok(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("0", 0, 10), 0);
    assert_int_equal(parse_ok("10", 0, 10), 10);
    assert_int_equal(parse_ok("-5", -10, 10), -5);
    assert_int_equal(parse_ok("+7", 0, 10), 7);
    assert_int_equal(parse_ok("007", 0, 10), 7);
    assert_true(parse_ok("9223372036854775807", INT64_MIN, INT64_MAX) == INT64_MAX);
    assert_true(parse_ok("-9223372036854775808", INT64_MIN, INT64_MAX) == INT64_MIN);
    /* A slice that is not NUL-terminated is read only up to its length. */
    struct str s = {"12345", 2};
    int64_t v;
    assert_int_equal(str_to_i64(s, 0, 100, &v), 0);
    assert_int_equal(v, 12);
}

static void test_i64_bad(void **state)
{
    (void)state;
    parse_bad("", 0, 10);
    parse_bad("-", -10, 10);
    parse_bad("+", 0, 10);
    parse_bad("--1", -10, 10);
    parse_bad("1a", 0, 100);
    parse_bad("a1", 0, 100);
    parse_bad(" 1", 0, 100);
    parse_bad("1 ", 0, 100);
    parse_bad("1.0", 0, 100);
    parse_bad("0x10", 0, 100);
    parse_bad("11", 0, 10);
    parse_bad("-11", -10, 10);
    parse_bad("9223372036854775808", INT64_MIN, INT64_MAX);
    parse_bad("-9223372036854775809", INT64_MIN, INT64_MAX);
    parse_bad("99999999999999999999", INT64_MIN, INT64_MAX);
    parse_bad("18446744073709551616", INT64_MIN, INT64_MAX);
    parse_bad("18446744073709551615", INT64_MIN, INT64_MAX);
    parse_bad("9999999999999999999", INT64_MIN, INT64_MAX);
    int64_t v;
    assert_int_equal(str_to_i64(STR_NULL, 0, 1, &v), STET_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_eq),     cmocka_unit_test(test_eq_nocase),
        cmocka_unit_test(test_starts_with), cmocka_unit_test(test_trim),
        cmocka_unit_test(test_i64_ok),      cmocka_unit_test(test_i64_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
