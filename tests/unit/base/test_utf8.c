/* Unit tests for base/utf8: the strict validator (overlongs, surrogates, values above
 * U+10FFFF, truncation, NUL), code point counting and control detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/utf8.h"

#include <string.h>

#define VALID(lit)   assert_true(utf8_valid((lit), sizeof(lit) - 1))
#define INVALID(lit) assert_false(utf8_valid((lit), sizeof(lit) - 1))

static void test_valid(void **state)
{
    (void)state;
    VALID("");
    VALID("plain ascii\t\r\n");
    VALID("caf\xc3\xa9");      /* é, two bytes */
    VALID("\xc2\x80");         /* U+0080, smallest two-byte */
    VALID("\xdf\xbf");         /* U+07FF */
    VALID("\xe0\xa0\x80");     /* U+0800, smallest three-byte */
    VALID("\xe2\x82\xac");     /* € */
    VALID("\xed\x9f\xbf");     /* U+D7FF, just below the surrogates */
    VALID("\xee\x80\x80");     /* U+E000, just above */
    VALID("\xef\xbf\xbf");     /* U+FFFF */
    VALID("\xf0\x90\x80\x80"); /* U+10000, smallest four-byte */
    VALID("\xf0\x9f\x98\x80"); /* emoji */
    VALID("\xf4\x8f\xbf\xbf"); /* U+10FFFF, the last code point */
    VALID("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z");
    VALID("\x7f");
}

static void test_invalid(void **state)
{
    (void)state;
    INVALID("\xc0\x80");         /* overlong NUL */
    INVALID("\xc1\xbf");         /* overlong ASCII */
    INVALID("\xe0\x80\x80");     /* overlong three-byte */
    INVALID("\xe0\x9f\xbf");     /* overlong U+07FF */
    INVALID("\xf0\x80\x80\x80"); /* overlong four-byte */
    INVALID("\xf0\x8f\xbf\xbf"); /* overlong U+FFFF */
    INVALID("\xed\xa0\x80");     /* U+D800, a surrogate */
    INVALID("\xed\xbf\xbf");     /* U+DFFF */
    INVALID("\xf4\x90\x80\x80"); /* U+110000 */
    INVALID("\xf5\x80\x80\x80");
    INVALID("\xf8\x88\x80\x80\x80");
    INVALID("\xff");
    INVALID("\xfe");
    INVALID("\x80"); /* lone continuation */
    INVALID("a\xbf");
    INVALID("\xc3\x28"); /* bad continuation */
    INVALID("\xe2\x28\xa1");
    INVALID("\xe2\x82\x28");
    INVALID("\xf0\x9f\x98\x28");
}

static void test_truncated(void **state)
{
    (void)state;
    INVALID("\xc3");
    INVALID("\xe2\x82");
    INVALID("\xe2");
    INVALID("\xf0\x9f\x98");
    INVALID("\xf0\x9f");
    INVALID("abc\xf0");
    /* The length bounds the read: a valid sequence cut by len is invalid. */
    const char *euro = "\xe2\x82\xac";
    assert_false(utf8_valid(euro, 2));
    assert_true(utf8_valid(euro, 3));
    assert_true(utf8_valid(euro, 0));
}

static void test_nul(void **state)
{
    (void)state;
    assert_false(utf8_valid("a\0b", 3));
    assert_false(utf8_valid("\0", 1));
    assert_true(utf8_valid("a\0b", 1));
}

static void test_count(void **state)
{
    (void)state;
    assert_int_equal(utf8_count("", 0), 0);
    assert_int_equal(utf8_count("abc", 3), 3);
    const char *mixed = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    assert_int_equal(utf8_count(mixed, strlen(mixed)), 4);
}

static void test_control(void **state)
{
    (void)state;
    assert_false(utf8_has_control("line\nnext\ttab\r\nend", 18));
    assert_false(utf8_has_control("crlf at the end\r\n", 17));
    assert_true(utf8_has_control("bell\a", 5));
    assert_true(utf8_has_control("del\x7f", 4));
    assert_true(utf8_has_control("esc\x1b[0m", 7));
    assert_true(utf8_has_control("\0", 1));
    assert_false(utf8_has_control("caf\xc3\xa9", 5));
    assert_false(utf8_has_control("", 0));
    /* A lone CR rewrites its line on a terminal; only CRLF is a line break. */
    assert_true(utf8_has_control("over\rwrite", 10));
    assert_true(utf8_has_control("ends in\r", 8));
    assert_true(utf8_has_control("vt\x0b", 3));
    assert_true(utf8_has_control("ff\x0c", 3));
    /* C1 controls: U+0080, U+0085 (NEL) and U+009B (CSI) are refused; U+00A0 and
     * U+00FF, the two-byte neighbours, are text. */
    assert_true(utf8_has_control("\xc2\x80", 2));
    assert_true(utf8_has_control("a\xc2\x85z", 4));
    assert_true(utf8_has_control("\xc2\x9b"
                                 "31m",
                                 5));
    assert_false(utf8_has_control("\xc2\xa0\xc3\xbf", 4));
}

static void test_all_space(void **state)
{
    (void)state;
    assert_true(utf8_all_space("", 0));
    assert_true(utf8_all_space("        ", 8));
    assert_true(utf8_all_space(" \t\r\n\v\f", 6));
    assert_true(utf8_all_space("\xc2\xa0\xe2\x80\x83\xe3\x80\x80\xe2\x80\xa8", 11));
    assert_false(utf8_all_space("       x", 8));
    assert_false(utf8_all_space("\xc3\xa9", 2));
    /* Invisible, but not white space by Unicode's list: ZERO WIDTH SPACE. */
    assert_false(utf8_all_space("\xe2\x80\x8b", 3));
    assert_false(utf8_all_space("\xf0\x9f\x98\x80", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),     cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_truncated), cmocka_unit_test(test_nul),
        cmocka_unit_test(test_count),     cmocka_unit_test(test_control),
        cmocka_unit_test(test_all_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
