/* Store conformance for the spam filter (issue 11): a comment's score stored and
 * read back; the signals read before a post (totals, the same text on another
 * story, an author's recent comments); training from decisions on the tokens the
 * decision brings, a changed decision moving the counts rather than counting twice,
 * a decision on an edited text taking back the old words and counting the new, and
 * tokens read from a text edited since refused; imported training; the token
 * counts read in one statement. Runs as test_edits.c does: SQLite, PostgreSQL with --pg,
 * and through a pool with --pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/store.h"

#include "suite.h"

#include <stdlib.h>
#include <string.h>

#define T0 1700000000

/* A migrated store with two open stories and a reader. */
struct fx {
    struct suite_fx db;
    int64_t story_a, story_b;
    int64_t author, mod;
    /* A server database is shared by the cases of a run (and by runs with
     * STET_TEST_PG_DSN): tokens carry this tag, totals are compared from these. */
    const char *tag;
    int64_t base_spam, base_ham;
    int64_t hash; /* a text hash of this case */
};

static struct store_spam_signals signals(struct fx *f, int64_t story, int64_t hash, int64_t since);

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL || suite_fx_open(&f->db) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    f->story_a = suite_add_story(&f->db, suite_uniq(f->db.a, "spam-a"));
    f->story_b = suite_add_story(&f->db, suite_uniq(f->db.a, "spam-b"));
    f->author = suite_add_user(&f->db, suite_uniq(f->db.a, "writer"), ROLE_READER);
    f->mod = suite_add_user(&f->db, suite_uniq(f->db.a, "mod"), ROLE_MODERATOR);
    f->tag = suite_uniq(f->db.a, "t");
    f->hash = ((int64_t)g_tag << 24) + g_seq;
    struct store_spam_signals s = signals(f, f->story_a, 0, T0);
    f->base_spam = s.n_spam;
    f->base_ham = s.n_ham;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    suite_fx_close(&f->db);
    free(f);
    return 0;
}

static int64_t add(struct fx *f, int64_t story, int64_t at, int64_t hash,
                   enum comment_status status)
{
    struct comment c = {
        .story_id = story,
        .author_id = f->author,
        .body_src = "text",
        .body_html = "<p>text</p>",
        .created_at = at,
        .status = status,
        .spam_hash = hash,
    };
    int64_t id = 0, seq = 0;
    assert_int_equal(store_comment_insert(f->db.st, &c, &id, &seq), 0);
    return id;
}

static struct store_spam_signals signals(struct fx *f, int64_t story, int64_t hash, int64_t since)
{
    const struct store_spam_probe q = {.story_id = story,
                                       .hash = hash,
                                       .since = since,
                                       .author_id = f->author,
                                       .recent_since = since,
                                       .recent_limit = 3};
    struct store_spam_signals s;
    assert_int_equal(store_spam_signals(f->db.st, &q, &s), 0);
    return s;
}

/* Token `word` of this case. */
static const char *tok(struct fx *f, const char *word)
{
    return arena_printf(f->db.a, "%s-%s", f->tag, word);
}

/* A JSON list of this case's tokens a and b. */
static const char *list(struct fx *f, const char *a, const char *b)
{
    return arena_printf(f->db.a, "[\"%s\",\"%s\"]", tok(f, a), tok(f, b));
}

/* The count of this case's `word` as the store has it; false when never trained. */
static bool count_of(struct fx *f, const char *word, int64_t *spam, int64_t *ham)
{
    struct store_spam_count *c;
    size_t n;
    const char *token = tok(f, word);
    const char *json = arena_printf(f->db.a, "[\"%s\",\"%s-never-seen\"]", token, f->tag);
    assert_int_equal(store_spam_counts(f->db.a, f->db.st, json, &c, &n), 0);
    assert_true(n <= 1);
    if (n == 0)
        return false;
    assert_string_equal(c[0].token, token);
    *spam = c[0].spam;
    *ham = c[0].ham;
    return true;
}

/* A decision on comment `id`, whose text is `body`, training on `tokens` (NULL:
 * no training); the store's answer. */
static int try_decide(struct fx *f, int64_t id, enum comment_status status, const char *tokens,
                      const char *body)
{
    int64_t seq;
    const struct store_audit e = {.at = T0,
                                  .actor_id = f->mod,
                                  .action = "comment.decide",
                                  .target = arena_printf(f->db.a, "comment:%lld", (long long)id),
                                  .note = ""};
    const struct store_spam_sample sample = {.tokens_json = tokens, .body_src = body};
    return store_comment_decide(f->db.a, f->db.st, id, status, tokens != NULL ? &sample : NULL, &e,
                                NULL, &seq);
}

/* A decision on a comment as add() made it ("text"). */
static void decide(struct fx *f, int64_t id, enum comment_status status, const char *tokens)
{
    assert_int_equal(try_decide(f, id, status, tokens, "text"), 0);
}

/* Fails the case unless this case's `word` counts `spam` and `ham` (0, 0 also
 * when it was never trained). */
static void assert_count(struct fx *f, const char *word, int64_t spam, int64_t ham)
{
    int64_t s = 0, h = 0;
    (void)count_of(f, word, &s, &h);
    assert_int_equal(s, spam);
    assert_int_equal(h, ham);
}

static void assert_totals(struct fx *f, int64_t spam, int64_t ham)
{
    struct store_spam_signals s = signals(f, f->story_a, 0, T0);
    assert_int_equal(s.n_spam - f->base_spam, spam);
    assert_int_equal(s.n_ham - f->base_ham, ham);
}

/* A score of 0 is a score: only "not scored" reads back as none. */
static void test_score_round_trip(void **state)
{
    struct fx *f = *state;
    struct comment c = {.story_id = f->story_a,
                        .author_id = f->author,
                        .body_src = "x",
                        .body_html = "<p>x</p>",
                        .created_at = T0,
                        .status = COMMENT_HELD,
                        .has_spam_score = true,
                        .spam_score = 0};
    int64_t zero = 0, scored = 0, none = 0, seq;
    assert_int_equal(store_comment_insert(f->db.st, &c, &zero, &seq), 0);
    c.spam_score = 970;
    assert_int_equal(store_comment_insert(f->db.st, &c, &scored, &seq), 0);
    c.has_spam_score = false;
    assert_int_equal(store_comment_insert(f->db.st, &c, &none, &seq), 0);
    struct comment got = suite_comment_of(&f->db, zero);
    assert_true(got.has_spam_score);
    assert_int_equal(got.spam_score, 0);
    got = suite_comment_of(&f->db, scored);
    assert_true(got.has_spam_score);
    assert_int_equal(got.spam_score, 970);
    assert_false(suite_comment_of(&f->db, none).has_spam_score);
    /* And the queue, which the moderators read it from (newest first: a server
     * database may hold older runs' held comments). */
    const struct store_page pg = {.limit = 10, .newest_first = true};
    struct comment *q;
    size_t n;
    assert_int_equal(store_moderation_queue(f->db.a, f->db.st, &pg, &q, &n), 0);
    bool seen = false;
    for (size_t i = 0; i < n; i++)
        if (q[i].id == scored)
            seen = q[i].has_spam_score && q[i].spam_score == 970;
    assert_true(seen);
}

static void test_signals(void **state)
{
    struct fx *f = *state;
    struct store_spam_signals s = signals(f, f->story_b, f->hash, T0);
    assert_int_equal(s.duplicate_story, 0);
    assert_int_equal(s.n_recent, 0);

    (void)add(f, f->story_a, T0 + 10, f->hash, COMMENT_VISIBLE);
    (void)add(f, f->story_a, T0 + 20, 0, COMMENT_HELD);
    /* The same text on another story, since T0; not on its own story; not before. */
    assert_int_equal(signals(f, f->story_b, f->hash, T0).duplicate_story, f->story_a);
    assert_int_equal(signals(f, f->story_a, f->hash, T0).duplicate_story, 0);
    assert_int_equal(signals(f, f->story_b, f->hash, T0 + 11).duplicate_story, 0);
    assert_int_equal(signals(f, f->story_b, f->hash + 1, T0).duplicate_story, 0);
    assert_int_equal(signals(f, f->story_b, 0, T0).duplicate_story, 0); /* 0: no check */
    /* The author's comments since a time, stopping at the limit (3). */
    assert_int_equal(signals(f, f->story_b, 0, T0).n_recent, 2);
    assert_int_equal(signals(f, f->story_b, 0, T0 + 15).n_recent, 1);
    (void)add(f, f->story_b, T0 + 30, 0, COMMENT_VISIBLE);
    (void)add(f, f->story_b, T0 + 40, 0, COMMENT_VISIBLE);
    assert_int_equal(signals(f, f->story_b, 0, T0).n_recent, 3);

    const struct store_spam_probe bad = {.recent_limit = -1};
    assert_int_equal(store_spam_signals(f->db.st, &bad, &s), STET_EINVAL);
}

/* Reject trains spam, once; a changed decision moves the counts to ham; a decision
 * without a sample (staff's, imported comments, the filter off) trains nothing and
 * leaves an earlier training as it was. */
static void test_decisions_train(void **state)
{
    struct fx *f = *state;
    int64_t spam, ham;
    int64_t id = add(f, f->story_a, T0, 0, COMMENT_HELD);
    int64_t other = add(f, f->story_a, T0, 0, COMMENT_HELD);
    int64_t plain = add(f, f->story_a, T0, 0, COMMENT_HELD);
    assert_false(count_of(f, "cheap", &spam, &ham));

    decide(f, id, COMMENT_REJECTED, list(f, "cheap", "pills"));
    assert_totals(f, 1, 0);
    assert_count(f, "pills", 1, 0);
    decide(f, id, COMMENT_REJECTED, list(f, "cheap", "pills")); /* the same again: no change */
    assert_totals(f, 1, 0);
    assert_count(f, "pills", 1, 0);

    decide(f, other, COMMENT_VISIBLE, list(f, "cheap", "news"));
    assert_totals(f, 1, 1);
    assert_count(f, "cheap", 1, 1);

    /* held -> rejected -> approved: the spam it counted moves to ham. */
    decide(f, id, COMMENT_VISIBLE, list(f, "cheap", "pills"));
    assert_totals(f, 0, 2);
    assert_count(f, "cheap", 0, 2);
    assert_count(f, "pills", 0, 1);
    /* Held again by a moderator, or decided without a sample: no count moves. */
    decide(f, id, COMMENT_HELD, list(f, "cheap", "pills"));
    assert_totals(f, 0, 2);
    decide(f, id, COMMENT_REJECTED, NULL);
    assert_totals(f, 0, 2);
    assert_count(f, "pills", 0, 1);

    decide(f, plain, COMMENT_REJECTED, NULL);
    assert_totals(f, 0, 2);
}

/* Changed twice, a decision ends where one decision would have: approve, reject,
 * approve counts one ham message and each token once. */
static void test_decision_changed_twice(void **state)
{
    struct fx *f = *state;
    int64_t id = add(f, f->story_a, T0, 0, COMMENT_HELD);
    const char *tokens = list(f, "ferry", "late");
    decide(f, id, COMMENT_VISIBLE, tokens);
    assert_totals(f, 0, 1);
    decide(f, id, COMMENT_REJECTED, tokens);
    assert_totals(f, 1, 0);
    assert_count(f, "ferry", 1, 0);
    assert_count(f, "late", 1, 0);
    decide(f, id, COMMENT_VISIBLE, tokens);
    assert_totals(f, 0, 1);
    assert_count(f, "ferry", 0, 1);
    assert_count(f, "late", 0, 1);
}

/* An approved comment edited and decided again counts for its new text: the words
 * it lost leave, the new ones come, a kept one stays counted once, and it is still
 * one message. Rejected after that, it is the new words that move to spam. */
static void test_edited_comment_trains_its_new_text(void **state)
{
    struct fx *f = *state;
    int64_t id = add(f, f->story_a, T0, 0, COMMENT_HELD);
    decide(f, id, COMMENT_VISIBLE, list(f, "bridge", "survey"));
    assert_count(f, "survey", 0, 1);
    int64_t seq;
    const struct store_comment_revision rev = {.body_src = "new text",
                                               .body_html = "<p>new text</p>",
                                               .edited_at = T0 + 60,
                                               .hold_reason = "policy: banned word"};
    assert_int_equal(store_comment_edit(f->db.st, id, &rev, &seq), 0);
    /* Tokens read before the edit are refused, and nothing changes. */
    assert_int_equal(try_decide(f, id, COMMENT_VISIBLE, list(f, "bridge", "survey"), "text"),
                     STET_ECONFLICT);
    assert_int_equal(suite_comment_of(&f->db, id).status, COMMENT_HELD);
    assert_int_equal(try_decide(f, id, COMMENT_VISIBLE, list(f, "bridge", "casino"), "new text"),
                     0);
    assert_totals(f, 0, 1);
    assert_count(f, "bridge", 0, 1);
    assert_count(f, "survey", 0, 0);
    assert_count(f, "casino", 0, 1);
    assert_int_equal(try_decide(f, id, COMMENT_REJECTED, list(f, "bridge", "casino"), "new text"),
                     0);
    assert_totals(f, 1, 0);
    assert_count(f, "bridge", 1, 0);
    assert_count(f, "casino", 1, 0);
    assert_count(f, "survey", 0, 0);
    /* A sample needs its tokens and its text. */
    assert_int_equal(try_decide(f, id, COMMENT_VISIBLE, list(f, "a", "b"), NULL), STET_EINVAL);
}

/* Imported messages train without a comment; tokens in any order, repeated or
 * not, count once each. */
static void test_import_training(void **state)
{
    struct fx *f = *state;
    int64_t spam, ham;
    const char *zz = tok(f, "zz"), *casino = tok(f, "casino");
    assert_int_equal(
        store_spam_train(f->db.st, arena_printf(f->db.a, "[\"%s\",\"%s\",\"%s\"]", zz, casino, zz),
                         true),
        0);
    assert_int_equal(store_spam_train(f->db.st, list(f, "casino", "casino"), true), 0);
    assert_int_equal(store_spam_train(f->db.st, list(f, "casino", "bridge"), false), 0);
    assert_totals(f, 2, 1);
    assert_true(count_of(f, "casino", &spam, &ham));
    assert_int_equal(spam, 2);
    assert_int_equal(ham, 1);
    assert_true(count_of(f, "zz", &spam, &ham));
    assert_int_equal(spam, 1);
    assert_int_equal(store_spam_train(f->db.st, NULL, true), STET_EINVAL);
    struct store_spam_count *c;
    size_t n;
    assert_int_equal(store_spam_counts(f->db.a, f->db.st, NULL, &c, &n), STET_EINVAL);
    assert_int_equal(store_spam_counts(f->db.a, f->db.st, "[]", &c, &n), 0);
    assert_int_equal(n, 0);
}

int main(int argc, char **argv)
{
    int code;
    if (!suite_start(argc, argv, "spam suite", "stet_spam", &code))
        return code;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_score_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decisions_train, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decision_changed_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edited_comment_trains_its_new_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_training, setup, teardown),
    };
    return suite_end(cmocka_run_group_tests(tests, NULL, NULL));
}
