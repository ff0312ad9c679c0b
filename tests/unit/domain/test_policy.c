/* Comment policies (domain/policy.c): each rule, its boundary, the exemptions, and
 * banned words matched as whole words without regard to case, in and beyond ASCII. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/policy.h"

#include <stdio.h>
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

/* policy_set: the one check of a value, for the file and for an admin alike. */
static void test_set_accepts_and_reads_back(void **state)
{
    struct policy_settings p;
    char err[160];
    policy_defaults(&p);
    assert_int_equal(policy_set(&p, "premoderate", " all ", err, sizeof(err)), 0);
    assert_int_equal(p.premoderate, POLICY_PREMOD_ALL);
    assert_int_equal(policy_set(&p, "premoderate_first", "7", err, sizeof(err)), 0);
    assert_int_equal(policy_set(&p, "banned_action", "reject", err, sizeof(err)), 0);
    assert_int_equal(policy_set(&p, "max_links", "0", err, sizeof(err)), 0);
    assert_int_equal(policy_set(&p, "min_account_age", "86400", err, sizeof(err)), 0);
    const char *words = "spam, cheap pills\r\n\n Straße ,";
    assert_int_equal(policy_set(&p, "banned_words", words, err, sizeof(err)), 0);
    assert_ptr_equal(p.banned_words, words); /* kept, not copied */
    assert_true(banned(*state, p.banned_words, "STRASSE"));
    assert_true(banned(*state, p.banned_words, "Cheap  PILLS!"));
    assert_string_equal(policy_get(*state, &p, "banned_words"), "spam\ncheap pills\nStraße");
    assert_string_equal(policy_get(*state, &p, "premoderate"), "all");
    assert_string_equal(policy_get(*state, &p, "premoderate_first"), "7");
    assert_string_equal(policy_get(*state, &p, "banned_action"), "reject");
    assert_string_equal(policy_get(*state, &p, "min_account_age"), "86400");
    assert_null(policy_get(*state, &p, "nope"));
    /* A list of separators only holds no entry. */
    assert_int_equal(policy_set(&p, "banned_words", " ,\n, ", err, sizeof(err)), 0);
    assert_null(p.banned_words);
    assert_true(policy_is_name(str_from("max_links")));
    assert_false(policy_is_name(str_from("max_link")));
}

static void test_set_refuses_and_leaves_unchanged(void **state)
{
    (void)state;
    struct policy_settings p, before;
    char err[160];
    policy_defaults(&p);
    before = p;
    const struct {
        const char *name, *value, *why;
    } bad[] = {
        {"premoderate", "some", "must be none, all or new"},
        {"premoderate_first", "0", "is not a number in 1..1000"},
        {"premoderate_first", "3x", "is not a number in 1..1000"},
        {"banned_action", "delete", "must be hold or reject"},
        {"max_links", "1001", "is not a number in 0..1000"},
        {"min_account_age", "-1", "is not a number of seconds in 0..31536000"},
        {"banned_words", "ok, \xff\xfe", "entry '\xff\xfe' is not UTF-8 text of at most 100 bytes"},
        {"no_such", "1", "is not a policy"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(policy_set(&p, bad[i].name, bad[i].value, err, sizeof(err)), STET_EINVAL);
        assert_string_equal(err, bad[i].why);
        assert_memory_equal(&p, &before, sizeof(p));
    }
}

/* The bounds hold wherever a list comes from: 500 entries, 100 bytes each, 16 KiB. */
static void test_set_bounds_banned_words(void **state)
{
    struct arena *a = *state;
    struct policy_settings p;
    char err[160];
    policy_defaults(&p);
    char *list = arena_alloc(a, POLICY_BANNED_WORDS_BYTES + 2);
    size_t n = 0;
    for (int i = 0; i < POLICY_BANNED_WORDS_MAX; i++)
        n += (size_t)snprintf(list + n, 16, "w%d\n", i);
    assert_int_equal(policy_set(&p, "banned_words", list, err, sizeof(err)), 0);
    snprintf(list + n, 16, "one-more");
    assert_int_equal(policy_set(&p, "banned_words", list, err, sizeof(err)), STET_EINVAL);
    assert_string_equal(err, "has more than 500 entries");
    memset(list, 'a', POLICY_BANNED_WORD_LEN + 1);
    list[POLICY_BANNED_WORD_LEN + 1] = '\0';
    assert_int_equal(policy_set(&p, "banned_words", list, err, sizeof(err)), STET_EINVAL);
    list[POLICY_BANNED_WORD_LEN] = '\0';
    assert_int_equal(policy_set(&p, "banned_words", list, err, sizeof(err)), 0);
    memset(list, ',', POLICY_BANNED_WORDS_BYTES + 1);
    list[POLICY_BANNED_WORDS_BYTES + 1] = '\0';
    assert_int_equal(policy_set(&p, "banned_words", list, err, sizeof(err)), STET_EINVAL);
    assert_string_equal(err, "is longer than 16384 bytes");
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
        cmocka_unit_test_setup_teardown(test_set_accepts_and_reads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_refuses_and_leaves_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_bounds_banned_words, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
