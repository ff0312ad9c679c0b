/* Store conformance for the legacy importer (issue 12, store/legacy.h): comments
 * inserted with their parents found, late parents fixed up, a circle of late
 * parents broken, orphans counted, a second insert of the same source id changing
 * nothing, the story's count and content version moved once at the end, held
 * comments not counted, posts kept for a thread that comes later, spam seen once,
 * spam training inside the import's transaction, and a rollback leaving no row and
 * no scratch table. Runs as test_spam.c does: SQLite, PostgreSQL with --pg, and
 * with --pool on a connection the pool lends (a pool's view is refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/legacy.h"
#include "store/store.h"

#include "suite.h"

#include <stdlib.h>
#include <string.h>

struct fx {
    struct suite_fx db;
    struct store *conn; /* one connection: the store itself, or one the pool lends */
    const char *slug;
    int64_t story;
    const char *source; /* unique per case: a server database is shared by runs */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL || suite_fx_open(&f->db) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    f->slug = suite_uniq(f->db.a, "legacy");
    f->story = suite_add_story(&f->db, f->slug);
    f->source = suite_uniq(f->db.a, "src");
    f->conn = f->db.pool != NULL ? store_pool_acquire(f->db.pool) : f->db.st;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->db.pool != NULL)
        store_pool_release(f->db.pool, f->conn);
    suite_fx_close(&f->db);
    free(f);
    return 0;
}

/* Inserts comment `id` (a reply to `parent`, NULL: top level); returns whether it
 * was new. */
static bool put(struct fx *f, const char *id, const char *parent, enum comment_status status)
{
    const struct store_legacy_comment c = {
        .story_id = f->story,
        .source = f->source,
        .legacy_id = id,
        .parent_legacy_id = parent,
        .author = "Zo\xc3\xab",
        .email = "zoe@example.org",
        .body_src = "<p>text</p>",
        .body_html = "<p>text</p>",
        .created_at = 1433156400,
        .status = status,
        .hold_reason = status == COMMENT_HELD ? "imported: pending" : NULL,
    };
    bool inserted = false;
    assert_int_equal(store_legacy_insert(f->conn, &c, &inserted), 0);
    return inserted;
}

/* The story as the import's own connection reads it (a pool's view may answer from
 * its memo). */
static struct story story_now(struct fx *f)
{
    struct story s;
    assert_int_equal(store_story_find(f->db.a, f->conn, str_from(f->slug), &s), 0);
    return s;
}

static void test_pool_view_and_open_transaction_refused(void **state)
{
    struct fx *f = *state;
    int64_t mark;
    if (f->db.pool != NULL)
        assert_int_equal(store_legacy_begin(f->db.st, &mark), STET_EINVAL);
    assert_int_equal(store_legacy_begin(f->conn, &mark), 0);
    assert_int_equal(store_legacy_begin(f->conn, &mark), STET_EINVAL); /* already in one */
    assert_int_equal(store_legacy_finish(f->conn, false), 0);
    /* Nothing is left: the scratch tables can be made again. */
    assert_int_equal(store_legacy_begin(f->conn, &mark), 0);
    assert_int_equal(store_legacy_finish(f->conn, false), 0);
}

/* Reads back the comments of this case's story, by id, into `out` in id order. */
static size_t all_comments(struct fx *f, int64_t mark, struct comment *out, size_t max)
{
    size_t n = 0;
    for (int64_t id = mark + 1; n < max && id < mark + 64; id++) {
        struct comment c;
        int rc = store_comment_find(f->db.a, f->db.st, id, &c);
        if (rc == STET_ENOTFOUND)
            continue;
        assert_int_equal(rc, 0);
        if (c.story_id == f->story)
            out[n++] = c;
    }
    return n;
}

static void test_threads_parents_counts(void **state)
{
    struct fx *f = *state;
    int64_t mark;
    struct story before = story_now(f);
    bool is_new;
    const struct store_legacy_thread t = {.thread_id = "t", .story_id = f->story, .title = ""};
    assert_int_equal(store_legacy_begin(f->conn, &mark), 0);
    assert_int_equal(store_legacy_thread_put(f->conn, &t, &is_new), 0);
    assert_true(put(f, "a", NULL, COMMENT_VISIBLE));
    assert_true(put(f, "b", "a", COMMENT_VISIBLE)); /* parent there */
    assert_true(put(f, "c", "d", COMMENT_VISIBLE)); /* parent later */
    assert_true(put(f, "d", NULL, COMMENT_VISIBLE));
    assert_true(put(f, "e", "gone", COMMENT_VISIBLE)); /* parent never */
    assert_true(put(f, "p1", "p2", COMMENT_VISIBLE));  /* a circle: p1 -> p2 -> p1 */
    assert_true(put(f, "p2", "p1", COMMENT_VISIBLE));
    assert_true(put(f, "h", "a", COMMENT_HELD));
    assert_false(put(f, "a", NULL, COMMENT_VISIBLE)); /* the same id again */
    struct store_legacy_totals tot;
    assert_int_equal(store_legacy_end(f->conn, f->source, mark, &tot), 0);
    assert_int_equal(tot.n_orphans, 2); /* e, and p1 whose late parent closed a circle */
    assert_int_equal(tot.n_early_left, 0);
    assert_int_equal(store_legacy_finish(f->conn, true), 0);

    struct comment cs[16];
    size_t n = all_comments(f, mark, cs, 16);
    assert_int_equal(n, 8);
    /* In insertion order: a b c d e p1 p2 h. */
    assert_int_equal(cs[0].parent_id, 0);
    assert_int_equal(cs[1].parent_id, cs[0].id);
    assert_int_equal(cs[2].parent_id, cs[3].id); /* fixed up at the end */
    assert_int_equal(cs[4].parent_id, 0);        /* re-rooted */
    assert_int_equal(cs[5].parent_id, 0);        /* the circle broken at the late one */
    assert_int_equal(cs[6].parent_id, cs[5].id);
    assert_int_equal(cs[7].status, COMMENT_HELD);
    assert_string_equal(cs[7].hold_reason, "imported: pending");
    for (size_t i = 0; i < n; i++) {
        assert_true(cs[i].is_legacy);
        assert_int_equal(cs[i].author_id, 0);
        assert_string_equal(cs[i].legacy_author, "Zo\xc3\xab");
        assert_int_equal(cs[i].created_at, 1433156400);
    }
    struct story after = story_now(f);
    assert_int_equal(after.n_comments, before.n_comments + 7); /* the held one not counted */
    assert_true(after.content_version > before.content_version);

    /* Again: nothing new, the story untouched. */
    assert_int_equal(store_legacy_begin(f->conn, &mark), 0);
    assert_int_equal(store_legacy_thread_put(f->conn, &t, &is_new), 0);
    assert_false(put(f, "a", NULL, COMMENT_VISIBLE));
    assert_false(put(f, "c", "d", COMMENT_VISIBLE));
    assert_int_equal(store_legacy_end(f->conn, f->source, mark, &tot), 0);
    assert_int_equal(tot.n_orphans, 0);
    assert_int_equal(store_legacy_finish(f->conn, true), 0);
    struct story again = story_now(f);
    assert_int_equal(again.n_comments, after.n_comments);
    assert_int_equal(again.content_version, after.content_version);
}

static void test_threads_and_early_posts(void **state)
{
    struct fx *f = *state;
    int64_t mark;
    bool is_new;
    assert_int_equal(store_legacy_begin(f->conn, &mark), 0);
    const struct store_legacy_thread t = {
        .thread_id = "t1", .new_slug = "made-here", .title = "A title", .published_at = 7};
    assert_int_equal(store_legacy_thread_put(f->conn, &t, &is_new), 0);
    assert_true(is_new);
    const struct store_legacy_thread again = {.thread_id = "t1", .story_id = f->story, .title = ""};
    assert_int_equal(store_legacy_thread_put(f->conn, &again, &is_new), 0);
    assert_false(is_new); /* the first mapping stays */
    struct store_legacy_thread got;
    assert_int_equal(store_legacy_thread_find(f->db.a, f->conn, "t1", &got), 0);
    assert_int_equal(got.story_id, 0);
    assert_string_equal(got.new_slug, "made-here");
    assert_string_equal(got.title, "A title");
    assert_int_equal(got.published_at, 7);
    assert_int_equal(store_legacy_thread_find(f->db.a, f->conn, "t2", &got), STET_ENOTFOUND);
    assert_int_equal(store_legacy_thread_set_story(f->conn, "t1", f->story, true), 0);
    assert_int_equal(store_legacy_thread_find(f->db.a, f->conn, "t1", &got), 0);
    assert_int_equal(got.story_id, f->story);

    const struct store_legacy_comment early = {
        .legacy_id = "x1",
        .parent_legacy_id = "x0",
        .author = NULL,
        .email = "a@example.org",
        .body_src = "raw",
        .body_html = "<p>raw</p>",
        .created_at = 5,
        .status = COMMENT_HELD,
        .hold_reason = "imported: pending",
    };
    assert_int_equal(store_legacy_early_add(f->conn, "t9", &early), 0);
    assert_int_equal(store_legacy_early_add(f->conn, "t8", &early), 0);
    struct store_legacy_comment c;
    assert_int_equal(store_legacy_early_take(f->db.a, f->conn, "t9", &c), 0);
    assert_string_equal(c.legacy_id, "x1");
    assert_string_equal(c.parent_legacy_id, "x0");
    assert_null(c.author);
    assert_string_equal(c.email, "a@example.org");
    assert_string_equal(c.body_html, "<p>raw</p>");
    assert_int_equal(c.status, COMMENT_HELD);
    assert_int_equal(c.created_at, 5);
    assert_int_equal(store_legacy_early_take(f->db.a, f->conn, "t9", &c), STET_ENOTFOUND);

    bool first;
    assert_int_equal(store_legacy_spam_seen(f->conn, f->source, "s1", &first), 0);
    assert_true(first);
    assert_int_equal(store_legacy_spam_seen(f->conn, f->source, "s1", &first), 0);
    assert_false(first);

    struct store_legacy_totals tot;
    assert_int_equal(store_legacy_end(f->conn, f->source, mark, &tot), 0);
    assert_int_equal(tot.n_early_left, 1); /* t8's post: its thread never came */
    assert_int_equal(tot.n_stories_created, 1);
    assert_int_equal(tot.n_stories_matched, 0);
    assert_int_equal(store_legacy_finish(f->conn, true), 0);
}

static void test_rollback_leaves_nothing(void **state)
{
    struct fx *f = *state;
    int64_t mark, spam0, spam1;
    struct store_spam_signals sig;
    const struct store_spam_probe probe = {.story_id = f->story};
    struct story before = story_now(f);
    bool is_new;
    const struct store_legacy_thread t = {.thread_id = "t", .story_id = f->story, .title = ""};
    assert_int_equal(store_spam_signals(f->db.st, &probe, &sig), 0);
    spam0 = sig.n_spam;

    assert_int_equal(store_legacy_begin(f->conn, &mark), 0);
    assert_int_equal(store_legacy_thread_put(f->conn, &t, &is_new), 0);
    assert_true(put(f, "r1", NULL, COMMENT_VISIBLE));
    bool first;
    assert_int_equal(store_legacy_spam_seen(f->conn, f->source, "s2", &first), 0);
    assert_true(first);
    /* Training joins the import's transaction. */
    assert_int_equal(store_spam_train(f->conn, "[\"legacy-rollback-token\"]", true), 0);
    struct store_legacy_totals tot;
    assert_int_equal(store_legacy_end(f->conn, f->source, mark, &tot), 0);
    assert_int_equal(store_legacy_finish(f->conn, false), 0);

    struct story after = story_now(f);
    assert_int_equal(after.n_comments, before.n_comments);
    assert_int_equal(after.content_version, before.content_version);
    struct comment cs[4];
    assert_int_equal(all_comments(f, mark, cs, 4), 0);
    assert_int_equal(store_spam_signals(f->db.st, &probe, &sig), 0);
    spam1 = sig.n_spam;
    assert_int_equal(spam1, spam0);

    /* The same import committed: now it all holds, the spam seen once. */
    assert_int_equal(store_legacy_begin(f->conn, &mark), 0);
    assert_int_equal(store_legacy_thread_put(f->conn, &t, &is_new), 0);
    assert_int_equal(store_legacy_spam_seen(f->conn, f->source, "s2", &first), 0);
    assert_true(first);
    assert_int_equal(store_spam_train(f->conn, "[\"legacy-rollback-token\"]", true), 0);
    assert_true(put(f, "r1", NULL, COMMENT_VISIBLE));
    assert_int_equal(store_legacy_end(f->conn, f->source, mark, &tot), 0);
    assert_int_equal(store_legacy_finish(f->conn, true), 0);
    assert_int_equal(store_spam_signals(f->db.st, &probe, &sig), 0);
    assert_int_equal(sig.n_spam, spam0 + 1);
    assert_int_equal(story_now(f).n_comments, before.n_comments + 1);
}

static void test_bad_arguments(void **state)
{
    struct fx *f = *state;
    int64_t mark;
    bool inserted;
    struct store_legacy_comment c = {
        .story_id = f->story, .source = f->source, .legacy_id = "z", .status = COMMENT_VISIBLE};
    /* Outside an import's transaction. */
    assert_int_equal(store_legacy_insert(f->conn, &c, &inserted), STET_EINVAL);
    assert_int_equal(store_legacy_begin(f->conn, &mark), 0);
    c.status = COMMENT_REJECTED;
    assert_int_equal(store_legacy_insert(f->conn, &c, &inserted), STET_EINVAL);
    c.status = COMMENT_VISIBLE;
    c.legacy_id = "";
    assert_int_equal(store_legacy_insert(f->conn, &c, &inserted), STET_EINVAL);
    assert_int_equal(store_legacy_finish(f->conn, false), 0);
}

int main(int argc, char **argv)
{
    int code;
    if (!suite_start(argc, argv, "legacy import suite", "stet_legacy", &code))
        return code;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pool_view_and_open_transaction_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_threads_parents_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_and_early_posts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return suite_end(cmocka_run_group_tests(tests, NULL, NULL));
}
