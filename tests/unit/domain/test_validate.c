/* The input rules of SPEC section 6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/validate.h"

#include <string.h>

static struct str S(const char *s) {
    return str_from(s);
}

static void
test_username(void **state)
{
    (void)state;
    struct err_detail e = {0};
    assert_int_equal(validate_username(S("ann"), &e), 0);
    assert_int_equal(validate_username(S("A_b.c-9"), &e), 0);
    assert_int_equal(validate_username(S("abcdefghijklmnopqrstuvwxyz012345"), &e), 0);
    assert_int_equal(validate_username(S("ab"), &e), STET_EINVAL);
    assert_string_equal(e.field, "username");
    assert_int_equal(validate_username(S("abcdefghijklmnopqrstuvwxyz0123456"), &e), STET_EINVAL);
    assert_int_equal(validate_username(S("has space"), &e), STET_EINVAL);
    assert_int_equal(validate_username(S("<script>"), &e), STET_EINVAL);
    assert_int_equal(validate_username(S("jos\xc3\xa9"), &e), STET_EINVAL);
}

static void test_email(void **state)
{
    (void)state;
    struct err_detail e = {0};
    char long_email[300];
    assert_int_equal(validate_email(S("a@b"), &e), 0);
    assert_int_equal(validate_email(S("reader@example.com"), &e), 0);
    assert_int_equal(validate_email(S(""), &e), STET_EINVAL);
    assert_string_equal(e.field, "email");
    assert_int_equal(validate_email(S("no-at"), &e), STET_EINVAL);
    assert_int_equal(validate_email(S("two@@x"), &e), STET_EINVAL);
    assert_int_equal(validate_email(S("a@b@c"), &e), STET_EINVAL);
    assert_int_equal(validate_email(S("@b"), &e), STET_EINVAL);
    assert_int_equal(validate_email(S("a@"), &e), STET_EINVAL);
    assert_int_equal(validate_email(S("a b@c"), &e), STET_EINVAL);
    assert_int_equal(validate_email(S("\"><script>@x"), &e), STET_EINVAL);
    memset(long_email, 'a', sizeof(long_email));
    long_email[10] = '@';
    long_email[255] = '\0';
    assert_int_equal(validate_email(S(long_email), &e), STET_EINVAL);
    long_email[254] = '\0';
    assert_int_equal(validate_email(S(long_email), &e), 0);
}

static void test_password(void **state)
{
    (void)state;
    static char big[1026];
    memset(big, 'x', 1025);
    assert_int_equal(validate_password(S("1234567"), NULL), STET_EINVAL);
    assert_int_equal(validate_password(S("12345678"), NULL), 0);
    assert_int_equal(validate_password(S(big), NULL), STET_EINVAL);
    big[1024] = '\0';
    assert_int_equal(validate_password(S(big), NULL), 0);
}

static void test_comment_body(void **state)
{
    (void)state;
    struct str t;
    struct err_detail e = {0};
    assert_int_equal(validate_comment_body(S("  hello \n"), 10, &t, &e), 0);
    assert_int_equal(t.len, 5);
    assert_memory_equal(t.ptr, "hello", 5);
    assert_int_equal(validate_comment_body(S(" \t\n "), 10, &t, &e), STET_EINVAL);
    assert_string_equal(e.field, "body");
    /* Characters, not bytes: five two-byte characters fit in a limit of five. */
    assert_int_equal(
        validate_comment_body(S("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 5, &t, &e), 0);
    assert_int_equal(validate_comment_body(S("abcdef"), 5, &t, &e), STET_EINVAL);
    assert_int_equal(validate_comment_body(S("bad \xff byte"), 100, &t, &e), STET_EINVAL);
    assert_int_equal(validate_comment_body(S("bell \a"), 100, &t, &e), STET_EINVAL);
}

static void test_slug_and_line(void **state)
{
    (void)state;
    struct str t;
    assert_int_equal(validate_slug(S("a"), NULL), 0);
    assert_int_equal(validate_slug(S("harbour-bridge-2026"), NULL), 0);
    assert_int_equal(validate_slug(S(""), NULL), STET_EINVAL);
    assert_int_equal(validate_slug(S("-a"), NULL), STET_EINVAL);
    assert_int_equal(validate_slug(S("a-"), NULL), STET_EINVAL);
    assert_int_equal(validate_slug(S("Upper"), NULL), STET_EINVAL);
    assert_int_equal(validate_slug(S("a/b"), NULL), STET_EINVAL);
    assert_int_equal(validate_line(S("  Title  "), "title", 10, true, &t, NULL), 0);
    assert_int_equal(t.len, 5);
    assert_int_equal(validate_line(S(""), "title", 10, true, &t, NULL), STET_EINVAL);
    assert_int_equal(validate_line(S(""), "byline", 10, false, &t, NULL), 0);
    assert_int_equal(validate_line(S("two\nlines"), "title", 100, true, &t, NULL), STET_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_username),      cmocka_unit_test(test_email),
        cmocka_unit_test(test_password),      cmocka_unit_test(test_comment_body),
        cmocka_unit_test(test_slug_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
