/* Unit tests for base/ident: username and e-mail shapes, and the comparison key
 * (ASCII case folding only, nothing for a text that names nobody). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/ident.h"

#include <string.h>

#define S(lit) ((struct str){(lit), sizeof(lit) - 1})

/* The key of `s` as a C string ("" when it names nobody). */
static const char *key_of(struct str s, char out[IDENT_KEY_MAX + 1])
{
    size_t n = ident_key(s, out);
    assert_int_equal(strlen(out), n);
    return out;
}

static void test_username_shape(void **state)
{
    (void)state;
    assert_true(ident_is_username(S("kat")));
    assert_true(ident_is_username(S("A_b.c-9")));
    assert_true(ident_is_username(S("abcdefghijklmnopqrstuvwxyz012345")));
    assert_false(ident_is_username(S("ka")));
    assert_false(ident_is_username(S("abcdefghijklmnopqrstuvwxyz0123456")));
    assert_false(ident_is_username(S("\xe2\x84\xaa"
                                     "ate"))); /* Kelvin sign */
    assert_false(ident_is_username(S("kate@x")));
    assert_false(ident_is_username(S("ka te")));
    assert_false(ident_is_username(S("ka\0te")));
}

static void test_email_shape(void **state)
{
    (void)state;
    char long_email[IDENT_EMAIL_MAX + 2];
    assert_true(ident_is_email(S("a@b")));
    assert_true(ident_is_email(S("Kate@Example.ORG")));
    assert_true(ident_is_email(S("\xe2\x84\xaa"
                                 "ate@example.org")));
    assert_true(ident_is_email(S("o'brien@x.example")));
    assert_false(ident_is_email(S("")));
    assert_false(ident_is_email(S("kate")));
    assert_false(ident_is_email(S("@b")));
    assert_false(ident_is_email(S("a@")));
    assert_false(ident_is_email(S("a@b@c")));
    assert_false(ident_is_email(S("a b@c")));
    assert_false(ident_is_email(S("a\tb@c")));
    assert_false(ident_is_email(S("a\x7f@c")));
    assert_false(ident_is_email(S("a\0@c")));
    assert_false(ident_is_email(S("\"a\"@c")));
    assert_false(ident_is_email(S("a,b@c")));
    assert_false(ident_is_email(S("<a@c>")));
    assert_false(ident_is_email(S("\xff@c")));
    memset(long_email, 'a', sizeof(long_email));
    long_email[1] = '@';
    assert_true(ident_is_email((struct str){long_email, IDENT_EMAIL_MAX}));
    assert_false(ident_is_email((struct str){long_email, IDENT_EMAIL_MAX + 1}));
}

static void test_key_folds_ascii_only(void **state)
{
    (void)state;
    char k[IDENT_KEY_MAX + 1];
    assert_string_equal(key_of(S("KATE"), k), "kate");
    assert_string_equal(key_of(S("Kate.Smith_2-x"), k), "kate.smith_2-x");
    assert_string_equal(key_of(S("Kate@Example.ORG"), k), "kate@example.org");
    /* U+212A KELVIN SIGN folds to "k" under Unicode rules; here it stays itself, as
     * do the letters of other scripts. */
    assert_string_equal(key_of(S("\xe2\x84\xaa"
                                 "ATE@example.org"),
                               k),
                        "\xe2\x84\xaa"
                        "ate@example.org");
    assert_string_equal(key_of(S("JOS\xc3\x89@x.example"), k), "jos\xc3\x89@x.example");
    assert_string_equal(key_of(S("I@x.example"), k), "i@x.example");
}

static void test_key_names_nobody(void **state)
{
    (void)state;
    char k[IDENT_KEY_MAX + 1];
    memset(k, 'x', sizeof(k));
    /* Neither a username (a character outside the set) nor an e-mail (no '@'). */
    assert_int_equal(ident_key(S("\xe2\x84\xaa"
                                 "ate"),
                               k),
                     0);
    assert_string_equal(k, "");
    assert_int_equal(ident_key(S(""), k), 0);
    assert_int_equal(ident_key(S("ka"), k), 0);
    assert_int_equal(ident_key(S("' OR 1=1 --"), k), 0);
    assert_int_equal(ident_key(S("a@b@c"), k), 0);
    assert_int_equal(ident_key((struct str){"kate\0", 5}, k), 0);
    char big[IDENT_KEY_MAX + 8];
    memset(big, 'a', sizeof(big));
    big[3] = '@';
    assert_int_equal(ident_key((struct str){big, sizeof(big)}, k), 0);
    assert_int_equal(ident_key((struct str){big, IDENT_KEY_MAX}, k), IDENT_KEY_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_username_shape),
        cmocka_unit_test(test_email_shape),
        cmocka_unit_test(test_key_folds_ascii_only),
        cmocka_unit_test(test_key_names_nobody),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
