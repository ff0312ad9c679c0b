/* Comment policies (domain/policy.c): each rule, its boundary, the exemptions, and
 * banned words matched as whole words without regard to case, in and beyond ASCII. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/policy.h"

#include <string.h>

#define NOW 1700000000

static const struct user reader = {.id = 7, .username = "anna", .created_at = NOW - 86400};
static const struct user moderator = {
    .id = 8, .username = "mo", .role = ROLE_MODERATOR, .created_at = NOW};
static const struct user admin = {.id = 9, .username = "ad", .role = ROLE_ADMIN, .created_at = NOW};

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

/* The decision for `text` (its HTML is `html`, or <p>text</p>) by `u`. */
static struct policy_decision decide(struct arena *a, const struct policy_settings *p,
                                     const struct user *u, int64_t n_approved, const char *text,
                                     const char *html)
{
    struct policy_author au = {.user = u, .n_approved = n_approved};
    struct policy_decision d;
    if (html == NULL)
        html = arena_printf(a, "<p>%s</p>", text);
    policy_decide(a, p, &au, text, strlen(text), html, NOW, &d);
    return d;
}

static bool banned(struct arena *a, const char *csv, const char *text)
{
    return policy_find_banned(a, csv, text, strlen(text)) != NULL;
}

static void test_defaults_show_everything(void **state)
{
    const struct policy_settings p = {.premoderate_first = 3};
    struct policy_decision d = decide(*state, &p, &reader, 0, "hello http://x.test", NULL);
    assert_int_equal(d.verdict, POLICY_VISIBLE);
    assert_null(d.reason);
}

static void test_whole_words_any_case(void **state)
{
    struct arena *a = *state;
    assert_true(banned(a, "spam", "Buy SPAM now"));
    assert_true(banned(a, "spam", "spam"));
    assert_true(banned(a, "spam", "**Spam**!"));
    assert_false(banned(a, "spam", "spammer"));
    assert_false(banned(a, "spam", "antispam"));
    assert_false(banned(a, "spam", "sp am"));
    /* A phrase: whatever space or punctuation stands between its words. */
    assert_true(banned(a, " cheap  pills ,x", "Get cheap\npills here"));
    assert_true(banned(a, "cheap pills", "cheap, pills"));
    assert_false(banned(a, "cheap pills", "cheap pillsbury"));
    /* The first entry found is named, as written in the setting. */
    assert_string_equal(policy_find_banned(a, "foo, Bar", "a bar b", 7), "Bar");
    /* Empty lists and entries with nothing to match find nothing. */
    assert_false(banned(a, NULL, "anything"));
    assert_false(banned(a, "", "anything"));
    assert_false(banned(a, ",, ,", "anything"));
    assert_false(banned(a, "!!!", "wow!!! ok"));
}

static void test_beyond_ascii(void **state)
{
    struct arena *a = *state;
    assert_true(banned(a, "école", "L'ÉCOLE est fermée"));
    assert_true(banned(a, "ÉCOLE", "une école"));
    assert_false(banned(a, "école", "écoles"));
    assert_true(banned(a, "Straße", "die STRASSE hier"));
    assert_true(banned(a, "strasse", "die Straße hier"));
    assert_true(banned(a, "ΑΘΗΝΑ", "στην αθηνα σήμερα"));
    assert_true(banned(a, "σος", "ΣΟΣ")); /* final sigma folds with sigma */
    assert_true(banned(a, "мир", "МИР, труд"));
    assert_false(banned(a, "мир", "мировой"));
    assert_true(banned(a, "łódź", "ŁÓDŹ")); /* Latin Extended-A */
    /* Non-ASCII letters are letters: no boundary inside a word. */
    assert_false(banned(a, "cole", "école"));
    assert_false(banned(a, "stra", "straße"));
    /* Non-ASCII punctuation is a boundary. */
    assert_true(banned(a, "spam", "«spam»"));
    assert_true(banned(a, "spam", "spam—again"));
    assert_true(banned(a, "spam", "spam\xc2\xa0now")); /* no-break space */
}

static void test_banned_hold_or_reject(void **state)
{
    struct policy_settings p = {.banned_words = "spam, cheap pills", .premoderate_first = 3};
    struct policy_decision d = decide(*state, &p, &reader, 0, "cheap PILLS here", NULL);
    assert_int_equal(d.verdict, POLICY_HELD);
    assert_string_equal(d.reason, POLICY_REASON_BANNED);
    p.banned_reject = true;
    d = decide(*state, &p, &reader, 0, "Spam!", NULL);
    assert_int_equal(d.verdict, POLICY_REJECTED);
    assert_string_equal(d.reason, POLICY_REASON_BANNED);
    assert_non_null(strstr(d.message, "“spam”"));
    d = decide(*state, &p, &reader, 0, "clean words", NULL);
    assert_int_equal(d.verdict, POLICY_VISIBLE);
}

static void test_links(void **state)
{
    struct arena *a = *state;
    const struct policy_settings p = {.max_links = 2, .premoderate_first = 3};
    const char *two = "<p><a href=\"https://a.test\">a</a> <a href=\"http://b.test\">b</a></p>";
    const char *three = "<p><a href=\"https://a.test\">a</a> <a href=\"http://b.test\">b</a> "
                        "<a href=\"http://www.c.test\">www.c.test</a></p>";
    assert_int_equal(policy_count_links(three), 3);
    /* Escaped text that looks like a tag is no link. */
    assert_int_equal(policy_count_links("<p>&lt;a href=\"x\"&gt;</p>"), 0);
    assert_int_equal(decide(a, &p, &reader, 0, "two", two).verdict, POLICY_VISIBLE);
    struct policy_decision d = decide(a, &p, &reader, 0, "three", three);
    assert_int_equal(d.verdict, POLICY_HELD);
    assert_string_equal(d.reason, POLICY_REASON_LINKS);
    const struct policy_settings unlimited = {.premoderate_first = 3};
    assert_int_equal(decide(a, &unlimited, &reader, 0, "three", three).verdict, POLICY_VISIBLE);
}

static void test_account_age(void **state)
{
    struct policy_settings p = {.min_account_age = 86400, .premoderate_first = 3};
    /* Exactly old enough passes; a second younger is held. */
    assert_int_equal(decide(*state, &p, &reader, 0, "hi", NULL).verdict, POLICY_VISIBLE);
    p.min_account_age = 86401;
    struct policy_decision d = decide(*state, &p, &reader, 0, "hi", NULL);
    assert_int_equal(d.verdict, POLICY_HELD);
    assert_string_equal(d.reason, POLICY_REASON_AGE);
}

static void test_premoderation(void **state)
{
    struct policy_settings p = {.premoderate = POLICY_PREMOD_ALL, .premoderate_first = 3};
    struct policy_author au = {.user = &reader};
    assert_false(policy_needs_count(&p, &au));
    struct policy_decision d = decide(*state, &p, &reader, 99, "hi", NULL);
    assert_int_equal(d.verdict, POLICY_HELD);
    assert_string_equal(d.reason, POLICY_REASON_PREMODERATE);

    p.premoderate = POLICY_PREMOD_NEW;
    assert_true(policy_needs_count(&p, &au));
    d = decide(*state, &p, &reader, 2, "hi", NULL);
    assert_int_equal(d.verdict, POLICY_HELD);
    assert_string_equal(d.reason, POLICY_REASON_FIRST);
    assert_int_equal(decide(*state, &p, &reader, 3, "hi", NULL).verdict, POLICY_VISIBLE);
}

static void test_staff_and_legacy_exempt(void **state)
{
    const struct policy_settings p = {.premoderate = POLICY_PREMOD_NEW,
                                      .premoderate_first = 3,
                                      .banned_words = "spam",
                                      .banned_reject = true,
                                      .max_links = 1,
                                      .min_account_age = 86400};
    const char *html = "<p><a href=\"https://a.test\">a</a> <a href=\"https://b.test\">b</a></p>";
    const struct user *staff[] = {&moderator, &admin, NULL};
    for (size_t i = 0; i < 3; i++) {
        struct policy_author au = {.user = staff[i]};
        assert_false(policy_needs_count(&p, &au));
        assert_int_equal(decide(*state, &p, staff[i], 0, "spam", html).verdict, POLICY_VISIBLE);
    }
}

static void test_edit_meets_text_rules_only(void **state)
{
    const struct policy_settings p = {.premoderate = POLICY_PREMOD_NEW,
                                      .premoderate_first = 3,
                                      .banned_words = "spam",
                                      .max_links = 1,
                                      .min_account_age = 30 * 86400};
    struct policy_author au = {.user = &reader, .is_edit = true};
    struct policy_decision d;
    assert_false(policy_needs_count(&p, &au));
    policy_decide(*state, &p, &au, "fine", 4, "<p>fine</p>", NOW, &d);
    assert_int_equal(d.verdict, POLICY_VISIBLE);
    policy_decide(*state, &p, &au, "spam", 4, "<p>spam</p>", NOW, &d);
    assert_int_equal(d.verdict, POLICY_HELD);
    assert_string_equal(d.reason, POLICY_REASON_BANNED);
    const char *html = "<p><a href=\"https://a.test\">a</a> <a href=\"https://b.test\">b</a></p>";
    policy_decide(*state, &p, &au, "ab", 2, html, NOW, &d);
    assert_string_equal(d.reason, POLICY_REASON_LINKS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_show_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_words_any_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_beyond_ascii, setup, teardown),
        cmocka_unit_test_setup_teardown(test_banned_hold_or_reject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_age, setup, teardown),
        cmocka_unit_test_setup_teardown(test_premoderation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staff_and_legacy_exempt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_meets_text_rules_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
