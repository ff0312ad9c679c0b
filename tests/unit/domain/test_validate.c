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

/* Issue 9: lengths in characters, and the length message only when the length is
 * what is wrong. */
static void test_username_counts_characters(void **state)
{
    (void)state;
    struct err_detail e = {0};
    const char *const length = "Username must be 3 to 32 characters long.";
    const char *const bad_chars = "Username may contain only letters, digits, '_', '.' and '-'.";
    assert_int_equal(validate_username(S(""), &e), STET_EINVAL);
    assert_string_equal(e.message, "Username is required.");
    /* Two characters, four bytes: too short, whatever the bytes say. */
    assert_int_equal(validate_username(S("\xc3\xa9\xc3\xa9"), &e), STET_EINVAL);
    assert_string_equal(e.message, length);
    /* 32 characters in 33 bytes: the length is fine, a character is not. */
    assert_int_equal(validate_username(S("abcdefghijklmnopqrstuvwxyz01234\xc3\xa9"), &e),
                     STET_EINVAL);
    assert_string_equal(e.message, bad_chars);
    assert_int_equal(validate_username(S("ab\xff"), &e), STET_EINVAL);
    assert_string_equal(e.message, bad_chars);
}

/* Every problem kept in order; a broken rule outranks a taken value. */
static void test_field_errors(void **state)
{
    (void)state;
    struct field_errors fe = {0};
    struct err_detail e = {0};
    assert_int_equal(field_errors_result(&fe, &e), 0);
    field_errors_add(&fe, STET_ECONFLICT, "username", "taken");
    assert_int_equal(field_errors_result(&fe, &e), STET_ECONFLICT);
    assert_string_equal(e.field, "username");
    field_errors_add(&fe, STET_EINVAL, "password", "short");
    field_errors_add(&fe, STET_EINVAL, "email", "bad");
    assert_int_equal(fe.n, 3);
    assert_int_equal(field_errors_result(&fe, &e), STET_EINVAL);
    assert_string_equal(e.field, "password");
    assert_string_equal(e.message, "short");
    assert_int_equal(field_errors_result(&fe, NULL), STET_EINVAL);
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
    struct err_detail e = {0};
    assert_int_equal(validate_password(S(""), &e), STET_EINVAL);
    assert_string_equal(e.message, "Password is required.");
    assert_int_equal(validate_password(S("1234567"), NULL), STET_EINVAL);
    assert_int_equal(validate_password(S("12345678"), NULL), 0);
    assert_int_equal(validate_password(S(big), NULL), STET_EINVAL);
    big[1024] = '\0';
    assert_int_equal(validate_password(S(big), NULL), 0);
}

/* SPEC 6: 8..1024 characters, not only white space. Characters, not bytes: four
 * two-byte characters are too short, and 1024 four-byte ones are not too long. */
static void test_password_characters(void **state)
{
    (void)state;
    struct err_detail e = {0};
    assert_int_equal(validate_password(S("        "), &e), STET_EINVAL);
    assert_string_equal(e.field, "password");
    assert_int_equal(validate_password(S(" \t \t \t \t "), NULL), STET_EINVAL);
    /* Eight no-break and em spaces: white space too. */
    assert_int_equal(validate_password(S("\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0"
                                         "\xe2\x80\x83\xe2\x80\x83\xe2\x80\x83\xe2\x80\x83"),
                                       NULL),
                     STET_EINVAL);
    assert_int_equal(validate_password(S("   pass   "), NULL), 0);
    assert_int_equal(validate_password(S("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), NULL), STET_EINVAL);
    assert_int_equal(
        validate_password(S("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
                          NULL),
        0);
    assert_int_equal(validate_password(S("bad \xff byte!"), NULL), STET_EINVAL);

    static char emoji[4 * PASSWORD_MAX_CHARS + 5];
    for (size_t i = 0; i < PASSWORD_MAX_CHARS; i++)
        memcpy(emoji + 4 * i, "\xf0\x9f\x98\x80", 4);
    assert_int_equal(validate_password((struct str){emoji, 4 * PASSWORD_MAX_CHARS}, NULL), 0);
    memcpy(emoji + 4 * PASSWORD_MAX_CHARS, "x", 1);
    assert_int_equal(validate_password((struct str){emoji, 4 * PASSWORD_MAX_CHARS + 1}, &e),
                     STET_EINVAL);
    assert_string_equal(e.message, "Password must be at most 1024 characters.");
    /* The login path's byte cap admits every valid password. */
    assert_true(4 * PASSWORD_MAX_CHARS <= PASSWORD_MAX);
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
    /* Line breaks from forms (CRLF) and tabs are text; a lone CR, escapes and C1
     * controls are not. */
    assert_int_equal(validate_comment_body(S("one\r\ntwo\n\tthree"), 100, &t, &e), 0);
    assert_int_equal(validate_comment_body(S("one\rtwo"), 100, &t, &e), STET_EINVAL);
    assert_int_equal(validate_comment_body(S("red \x1b[31m"), 100, &t, &e), STET_EINVAL);
    assert_int_equal(validate_comment_body(S("csi \xc2\x9b"
                                             "31m"),
                                           100, &t, &e),
                     STET_EINVAL);
    assert_int_equal(validate_comment_body(S("del \x7f"), 100, &t, &e), STET_EINVAL);
}

/* Story bodies follow the comment rule; they were only checked for UTF-8. */
static void test_story_body(void **state)
{
    (void)state;
    struct err_detail e = {0};
    assert_int_equal(validate_story_body(S(""), &e), 0);
    assert_int_equal(validate_story_body(S("# Title\r\n\nSome *text*.\n\tcode\n"), &e), 0);
    assert_int_equal(validate_story_body(S("caf\xc3\xa9 \xe2\x9c\x93"), &e), 0);
    const char *const bad[] = {"nul\x01", "bell\a",  "esc\x1b[2J", "lone\rcr",
                               "vt\x0b",  "del\x7f", "nel\xc2\x85"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        assert_int_equal(validate_story_body(S(bad[i]), &e), STET_EINVAL);
        assert_string_equal(e.field, "body");
    }
    assert_int_equal(validate_story_body(S("bad \xff"), &e), STET_EINVAL);
    static char big[STORY_BODY_MAX + 2];
    memset(big, 'a', STORY_BODY_MAX + 1);
    assert_int_equal(validate_story_body((struct str){big, STORY_BODY_MAX}, &e), 0);
    assert_int_equal(validate_story_body((struct str){big, STORY_BODY_MAX + 1}, &e), STET_EINVAL);
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
        cmocka_unit_test(test_slug_and_line), cmocka_unit_test(test_password_characters),
        cmocka_unit_test(test_story_body),    cmocka_unit_test(test_username_counts_characters),
        cmocka_unit_test(test_field_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
