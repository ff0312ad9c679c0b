/* Cookie header lookup (several cookies, spacing, quotes, prefix-name confusion) and
 * the exact Set-Cookie strings handed to browsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/cookie.h"

#include <string.h>

static bool get(const char *header, const char *name, const char *want)
{
    struct str v;
    if (!cookie_get(str_from(header), name, &v))
        return want == NULL;
    return want != NULL && str_eq_cstr(v, want);
}

static void test_several(void **state)
{
    (void)state;
    const char *h = "a=1; stet_session=abc123; b=2";
    assert_true(get(h, "a", "1"));
    assert_true(get(h, "stet_session", "abc123"));
    assert_true(get(h, "b", "2"));
    assert_true(get(h, "c", NULL));
    /* First one wins when a name repeats. */
    assert_true(get("x=1; x=2", "x", "1"));
}

static void test_spaces(void **state)
{
    (void)state;
    assert_true(get("  a = 1 ;b=2;   c=3  ", "a", "1"));
    assert_true(get("  a = 1 ;b=2;   c=3  ", "b", "2"));
    assert_true(get("  a = 1 ;b=2;   c=3  ", "c", "3"));
    assert_true(get("a=1;\tb=2", "b", "2"));
    assert_true(get("a=", "a", ""));
}

static void test_quotes(void **state)
{
    (void)state;
    assert_true(get("a=\"quoted\"; b=2", "a", "quoted"));
    assert_true(get("a=\"\"", "a", ""));
    /* A lone quote is not a quoted value. */
    assert_true(get("a=\"", "a", "\""));
    assert_true(get("a=\"x", "a", "\"x"));
}

static void test_missing_and_malformed(void **state)
{
    (void)state;
    struct str v;
    assert_false(cookie_get(STR_NULL, "a", &v));
    assert_false(cookie_get(str_from(""), "a", &v));
    assert_false(cookie_get(str_from(";;;"), "a", &v));
    assert_false(cookie_get(str_from("a"), "a", &v));  /* no '=' */
    assert_false(cookie_get(str_from("a=1"), "", &v)); /* empty name never matches */
    assert_false(cookie_get(str_from("=1"), "", &v));
    assert_true(get("junk; a=1", "a", "1"));
    /* The value slices the header, and only the given length is read. */
    assert_true(cookie_get((struct str){"a=12345", 4}, "a", &v));
    assert_true(str_eq_cstr(v, "12"));
}

static void test_prefix_confusion(void **state)
{
    (void)state;
    assert_true(get("xstet_session=evil", "stet_session", NULL));
    assert_true(get("stet_session_x=evil", "stet_session", NULL));
    assert_true(get("xstet_session=evil; stet_session=good", "stet_session", "good"));
    assert_true(get("stet_sessio=evil", "stet_session", NULL));
    assert_true(get("a=stet_session=evil", "stet_session", NULL));
    assert_true(get("STET_SESSION=evil", "stet_session", NULL)); /* names are case-sensitive */
}

static void test_build(void **state)
{
    (void)state;
    struct arena *a = arena_new(1024);
    assert_string_equal(cookie_build(a, "stet_session", "tok", -1, false),
                        "stet_session=tok; Path=/; HttpOnly; SameSite=Lax");
    assert_string_equal(cookie_build(a, "stet_session", "tok", 3600, true),
                        "stet_session=tok; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=3600");
    assert_string_equal(cookie_build(a, "stet_session", "", 0, false),
                        "stet_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_several),          cmocka_unit_test(test_spaces),
        cmocka_unit_test(test_quotes),           cmocka_unit_test(test_missing_and_malformed),
        cmocka_unit_test(test_prefix_confusion), cmocka_unit_test(test_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
