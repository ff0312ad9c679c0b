/* Store conformance for a reader's own comment (issue 11): comment_edit and
 * comment_delete, written against store/store.h only. Runs as test_store.c does:
 * on in-memory SQLite; on PostgreSQL with --pg (STET_TEST_PG_DSN, skipped when
 * unset); with --pool through a store_pool (alone: on a SQLite file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/store.h"

#include "suite.h"

#include <stdlib.h>

/* A migrated store with one open story and one reader, its author. */
struct fx {
    struct suite_fx db;
    const char *slug;
    int64_t story_id;
    int64_t author;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL || suite_fx_open(&f->db) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    f->slug = suite_uniq(f->db.a, "edits");
    f->story_id = suite_add_story(&f->db, f->slug);
    f->author = suite_add_user(&f->db, suite_uniq(f->db.a, "writer"), ROLE_READER);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    suite_fx_close(&f->db);
    free(f);
    return 0;
}

static int64_t add_comment(struct fx *f, enum comment_status status, int64_t parent_id)
{
    struct comment c = {
        .story_id = f->story_id,
        .parent_id = parent_id,
        .author_id = f->author,
        .body_src = "first *words*",
        .body_html = "<p>first <em>words</em></p>",
        .created_at = 1700000100,
        .status = status,
    };
    int64_t id = 0, seq = 0;
    assert_int_equal(store_comment_insert(f->db.st, &c, &id, &seq), 0);
    return id;
}

/* store_comment_edit of a text that no policy or filter holds, with no score. */
static int edit(struct fx *f, int64_t id, const char *src, const char *html, int64_t edited_at,
                int64_t *seq)
{
    const struct store_comment_revision rev = {
        .body_src = src, .body_html = html, .edited_at = edited_at};
    return store_comment_edit(f->db.st, id, &rev, seq);
}

static struct story story_now(struct fx *f)
{
    return suite_story_of(&f->db, f->slug);
}

/* How many rows of `table` match `where`, checked in SQL (the store reads neither
 * the audit log nor a comment's text hash back): 0 when exactly `want` do. */
static int count_is(struct fx *f, const char *table, const char *where, int want)
{
    return suite_exec_sql(&f->db,
                          arena_printf(f->db.a,
                                       "DROP TABLE IF EXISTS edits_check; "
                                       "CREATE TEMP TABLE edits_check (n BIGINT CHECK (n = %d)); "
                                       "INSERT INTO edits_check SELECT count(*) FROM %s "
                                       "WHERE %s; DROP TABLE edits_check;",
                                       want, table, where));
}

static int audit_count_is(struct fx *f, const char *where, int want)
{
    return count_is(f, "audit_log", where, want);
}

/* The latest live event of the story is comment `id`, at number `seq`. */
static void assert_latest_event(struct fx *f, int64_t id, int64_t seq, enum comment_status status)
{
    struct comment *rows;
    size_t n;
    assert_int_equal(store_comment_events(f->db.a, f->db.st, f->story_id, seq - 1, 10, &rows, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, id);
    assert_int_equal(rows[0].event_seq, seq);
    assert_int_equal(rows[0].status, status);
}

/* An edit of a visible comment: new text, edited_at, and the story moves (event,
 * content version) but keeps its count. */
static void test_edit_visible(void **state)
{
    struct fx *f = *state;
    int64_t id = add_comment(f, COMMENT_VISIBLE, 0);
    struct story before = story_now(f);
    int64_t seq = -1;
    assert_int_equal(edit(f, id, "second words", "<p>second words</p>", 1700000200, &seq), 0);
    struct story after = story_now(f);
    assert_int_equal(seq, before.event_seq + 1);
    assert_int_equal(after.event_seq, seq);
    assert_true(after.content_version > before.content_version);
    assert_int_equal(after.n_comments, before.n_comments);
    struct comment c = suite_comment_of(&f->db, id);
    assert_string_equal(c.body_src, "second words");
    assert_string_equal(c.body_html, "<p>second words</p>");
    assert_int_equal(c.edited_at, 1700000200);
    assert_int_equal(c.created_at, 1700000100);
    assert_int_equal(c.status, COMMENT_VISIBLE);
    assert_latest_event(f, id, seq, COMMENT_VISIBLE);
}

/* A held comment is on no shared page: its text changes, its story does not. */
static void test_edit_held(void **state)
{
    struct fx *f = *state;
    int64_t id = add_comment(f, COMMENT_HELD, 0);
    struct story before = story_now(f);
    int64_t seq = -1;
    assert_int_equal(edit(f, id, "fixed", "<p>fixed</p>", 1700000300, &seq), 0);
    assert_int_equal(seq, 0);
    struct story after = story_now(f);
    assert_int_equal(after.content_version, before.content_version);
    assert_int_equal(after.event_seq, before.event_seq);
    struct comment c = suite_comment_of(&f->db, id);
    assert_string_equal(c.body_src, "fixed");
    assert_int_equal(c.status, COMMENT_HELD);
}

/* Nothing left to edit: unknown, rejected or deleted comments; nothing changes. */
static void test_edit_refused(void **state)
{
    struct fx *f = *state;
    int64_t rejected = add_comment(f, COMMENT_REJECTED, 0);
    int64_t deleted = add_comment(f, COMMENT_DELETED, 0);
    struct story before = story_now(f);
    int64_t seq = -1;
    assert_int_equal(edit(f, INT64_MAX, "x", "<p>x</p>", 1700000300, &seq), STET_ENOTFOUND);
    assert_int_equal(seq, 0);
    assert_int_equal(edit(f, rejected, "x", "<p>x</p>", 1700000300, &seq), STET_ENOTFOUND);
    assert_int_equal(edit(f, deleted, "x", "<p>x</p>", 1700000300, &seq), STET_ENOTFOUND);
    int64_t visible = add_comment(f, COMMENT_VISIBLE, 0);
    before = story_now(f);
    assert_int_equal(edit(f, visible, NULL, "<p>x</p>", 1700000300, &seq), STET_EINVAL);
    assert_int_equal(edit(f, visible, "x", "<p>x</p>", 0, &seq), STET_EINVAL);
    assert_string_equal(suite_comment_of(&f->db, rejected).body_src, "first *words*");
    assert_int_equal(suite_comment_of(&f->db, rejected).edited_at, 0);
    assert_string_equal(suite_comment_of(&f->db, deleted).body_src, "first *words*");
    assert_int_equal(suite_comment_of(&f->db, visible).edited_at, 0);
    assert_int_equal(story_now(f).content_version, before.content_version);
}

/* The spam filter's score and hash follow the new text, held or not (a held edit's
 * page change is test_policies.c's); without them the old ones go too. */
static void test_edit_rescored(void **state)
{
    struct fx *f = *state;
    int64_t id = add_comment(f, COMMENT_VISIBLE, 0);
    int64_t seq = -1;
    struct store_comment_revision rev = {
        .body_src = "fine words",
        .body_html = "<p>fine words</p>",
        .edited_at = 1700000200,
        .has_spam_score = true,
        .spam_score = 120,
        .spam_hash = 4242,
    };
    assert_int_equal(store_comment_edit(f->db.st, id, &rev, &seq), 0);
    struct comment c = suite_comment_of(&f->db, id);
    assert_int_equal(c.status, COMMENT_VISIBLE);
    assert_true(c.has_spam_score);
    assert_int_equal(c.spam_score, 120);
    const char *hashed = arena_printf(f->db.a, "id = %lld AND spam_hash = 4242", (long long)id);
    assert_int_equal(count_is(f, "comments", hashed, 1), 0);

    rev = (struct store_comment_revision){
        .body_src = "buy cheap watches",
        .body_html = "<p>buy cheap watches</p>",
        .edited_at = 1700000300,
        .hold_reason = "spam: 0.97 (like rejected spam)",
        .has_spam_score = true,
        .spam_score = 970,
        .spam_hash = 77,
    };
    assert_int_equal(store_comment_edit(f->db.st, id, &rev, &seq), 0);
    c = suite_comment_of(&f->db, id);
    assert_int_equal(c.status, COMMENT_HELD);
    assert_int_equal(c.spam_score, 970);
    assert_int_equal(count_is(f, "comments", hashed, 0), 0);

    /* The filter off, or the author exempt: nothing scored for the new text. */
    rev = (struct store_comment_revision){
        .body_src = "plain", .body_html = "<p>plain</p>", .edited_at = 1700000400};
    assert_int_equal(store_comment_edit(f->db.st, id, &rev, &seq), 0);
    c = suite_comment_of(&f->db, id);
    assert_false(c.has_spam_score);
    assert_int_equal(
        count_is(f, "comments",
                 arena_printf(f->db.a, "id = %lld AND spam_hash IS NULL", (long long)id), 1),
        0);
}

/* The author deletes a visible comment: one fewer on the story, a new event (the
 * row now deleted: the hub sends "removed"), no audit entry; a second delete finds
 * nothing. */
static void test_delete_visible(void **state)
{
    struct fx *f = *state;
    int64_t id = add_comment(f, COMMENT_VISIBLE, 0);
    struct story before = story_now(f);
    int64_t seq = -1;
    assert_int_equal(store_comment_delete(f->db.st, id, NULL, &seq), 0);
    struct story after = story_now(f);
    assert_int_equal(seq, before.event_seq + 1);
    assert_int_equal(after.n_comments, before.n_comments - 1);
    assert_true(after.content_version > before.content_version);
    assert_int_equal(suite_comment_of(&f->db, id).status, COMMENT_DELETED);
    assert_latest_event(f, id, seq, COMMENT_DELETED);
    assert_int_equal(
        audit_count_is(f, arena_printf(f->db.a, "target = 'comment:%lld'", (long long)id), 0), 0);

    seq = -1;
    assert_int_equal(store_comment_delete(f->db.st, id, NULL, &seq), STET_ENOTFOUND);
    assert_int_equal(seq, 0);
    assert_int_equal(store_comment_delete(f->db.st, INT64_MAX, NULL, &seq), STET_ENOTFOUND);
    after = story_now(f);
    assert_int_equal(after.n_comments, before.n_comments - 1);
    assert_int_equal(after.event_seq, before.event_seq + 1);
}

/* A held comment deleted: the story's page never showed it, so nothing moves. */
static void test_delete_held(void **state)
{
    struct fx *f = *state;
    int64_t id = add_comment(f, COMMENT_HELD, 0);
    struct story before = story_now(f);
    int64_t seq = -1;
    assert_int_equal(store_comment_delete(f->db.st, id, NULL, &seq), 0);
    assert_int_equal(seq, 0);
    struct story after = story_now(f);
    assert_int_equal(after.n_comments, before.n_comments);
    assert_int_equal(after.content_version, before.content_version);
    assert_int_equal(suite_comment_of(&f->db, id).status, COMMENT_DELETED);
}

/* A moderator's delete carries its audit entry, in the same transaction: when the
 * entry cannot be written (an actor who does not exist) nothing is deleted. */
static void test_delete_audited(void **state)
{
    struct fx *f = *state;
    int64_t id = add_comment(f, COMMENT_VISIBLE, 0);
    const char *target = arena_printf(f->db.a, "comment:%lld", (long long)id);
    struct store_audit bad = {
        .at = 1700000400,
        .actor_id = INT64_MAX,
        .action = "comment.delete",
        .target = target,
        .note = "",
    };
    struct story before = story_now(f);
    int64_t seq = -1;
    assert_true(store_comment_delete(f->db.st, id, &bad, &seq) < 0);
    assert_int_equal(seq, 0);
    assert_int_equal(suite_comment_of(&f->db, id).status, COMMENT_VISIBLE);
    struct story same = story_now(f);
    assert_int_equal(same.n_comments, before.n_comments);
    assert_int_equal(same.event_seq, before.event_seq);
    assert_int_equal(same.content_version, before.content_version);

    struct store_audit entry = bad;
    entry.actor_id = f->author;
    entry.note = "abusive";
    assert_int_equal(store_comment_delete(f->db.st, id, &entry, &seq), 0);
    assert_true(seq > 0);
    assert_int_equal(suite_comment_of(&f->db, id).status, COMMENT_DELETED);
    assert_int_equal(story_now(f).n_comments, before.n_comments - 1);
    assert_int_equal(audit_count_is(f,
                                    arena_printf(f->db.a,
                                                 "target = '%s' AND action = 'comment.delete' "
                                                 "AND actor_id = %lld AND at = 1700000400 "
                                                 "AND note = 'abusive'",
                                                 target, (long long)f->author),
                                    1),
                     0);
    /* The check itself can fail: no entry for a comment nobody deleted. */
    assert_int_not_equal(audit_count_is(f, "target = 'comment:0'", 1), 0);
}

/* The ids of what story f's page lists (no viewer, oldest first), as a string
 * "id[p] id ..." (p: a placeholder), and each listing direction agrees. */
static const char *page_ids(struct fx *f, int64_t viewer)
{
    struct comment_filter filter = {.story_id = f->story_id, .viewer_id = viewer};
    struct store_page asc = {.limit = 50}, desc = {.limit = 50, .newest_first = true};
    struct comment *up, *down;
    size_t n_up, n_down;
    assert_int_equal(store_comment_list(f->db.a, f->db.st, &filter, &asc, &up, &n_up), 0);
    assert_int_equal(store_comment_list(f->db.a, f->db.st, &filter, &desc, &down, &n_down), 0);
    assert_int_equal(n_up, n_down);
    const char *s = "";
    for (size_t i = 0; i < n_up; i++) {
        assert_int_equal(up[i].id, down[n_up - 1 - i].id);
        assert_int_equal(up[i].is_placeholder, up[i].status == COMMENT_DELETED);
        s = arena_printf(f->db.a, "%s%s%lld%s", s, i > 0 ? " " : "", (long long)up[i].id,
                         up[i].is_placeholder ? "p" : "");
    }
    return s;
}

/* The events of story f after number `after`, as "id:deleted|placeholder|visible"
 * in order; *last receives the last number. */
static const char *events_after(struct fx *f, int64_t after, int64_t *last)
{
    struct comment *rows;
    size_t n;
    assert_int_equal(store_comment_events(f->db.a, f->db.st, f->story_id, after, 10, &rows, &n), 0);
    const char *s = "";
    for (size_t i = 0; i < n; i++) {
        const char *what = rows[i].is_placeholder ? "placeholder"
                           : rows[i].status == COMMENT_VISIBLE
                               ? "visible"
                               : comment_status_name(rows[i].status);
        s = arena_printf(f->db.a, "%s%s%lld:%s", s, i > 0 ? " " : "", (long long)rows[i].id, what);
        *last = rows[i].event_seq;
    }
    return s;
}

/* A comment deleted with a reply on the page stays there as a "comment deleted"
 * placeholder: listed (every listing), placed (a reply's position counts it), its
 * event the placeholder's, and no longer counted. When its last reply leaves, it
 * leaves too, in the same transaction, each with its own event. */
static void test_delete_with_reply_keeps_placeholder(void **state)
{
    struct fx *f = *state;
    int64_t parent = add_comment(f, COMMENT_VISIBLE, 0);
    int64_t reply = add_comment(f, COMMENT_VISIBLE, parent);
    struct story before = story_now(f);
    int64_t seq = -1, last = 0, n_before = -1, page_after = -1;
    assert_int_equal(store_comment_delete(f->db.st, parent, NULL, &seq), 0);
    struct story after = story_now(f);
    assert_int_equal(seq, before.event_seq + 1);
    assert_int_equal(after.n_comments, before.n_comments - 1);
    assert_true(after.content_version > before.content_version);
    struct comment c = suite_comment_of(&f->db, parent);
    assert_int_equal(c.status, COMMENT_DELETED);
    assert_true(c.is_placeholder);
    assert_string_equal(events_after(f, before.event_seq, &last),
                        arena_printf(f->db.a, "%lld:placeholder", (long long)parent));
    assert_string_equal(page_ids(f, 0),
                        arena_printf(f->db.a, "%lldp %lld", (long long)parent, (long long)reply));
    assert_string_equal(page_ids(f, f->author),
                        arena_printf(f->db.a, "%lldp %lld", (long long)parent, (long long)reply));
    assert_int_equal(
        store_comment_position(f->db.st, f->story_id, reply, 1, &n_before, &page_after), 0);
    assert_int_equal(n_before, 1);
    assert_int_equal(page_after, parent);
    /* Deleted it stays: nothing more to delete or edit. */
    assert_int_equal(store_comment_delete(f->db.st, parent, NULL, &seq), STET_ENOTFOUND);
    assert_int_equal(edit(f, parent, "x", "<p>x</p>", 1700000300, &seq), STET_ENOTFOUND);

    before = story_now(f);
    assert_int_equal(store_comment_delete(f->db.st, reply, NULL, &seq), 0);
    after = story_now(f);
    assert_int_equal(seq, before.event_seq + 2);
    assert_int_equal(after.event_seq, seq);
    assert_int_equal(after.n_comments, before.n_comments - 1);
    assert_string_equal(
        events_after(f, before.event_seq, &last),
        arena_printf(f->db.a, "%lld:deleted %lld:deleted", (long long)reply, (long long)parent));
    assert_int_equal(last, seq);
    assert_false(suite_comment_of(&f->db, parent).is_placeholder);
    assert_string_equal(page_ids(f, 0), "");
}

/* A chain: a placeholder above a placeholder stands while any reply below is shown,
 * whatever takes it away (a moderator's rejection here) or brings it back (an
 * approval); a reply that is not shown (held) keeps nothing. */
static void test_placeholder_chain(void **state)
{
    struct fx *f = *state;
    int64_t a = add_comment(f, COMMENT_VISIBLE, 0);
    int64_t b = add_comment(f, COMMENT_VISIBLE, a);
    int64_t c = add_comment(f, COMMENT_VISIBLE, b);
    int64_t lone = add_comment(f, COMMENT_VISIBLE, 0);
    add_comment(f, COMMENT_HELD, lone);
    int64_t seq = 0, last = 0;
    assert_int_equal(store_comment_delete(f->db.st, a, NULL, &seq), 0);
    assert_int_equal(store_comment_delete(f->db.st, b, NULL, &seq), 0);
    assert_int_equal(store_comment_delete(f->db.st, lone, NULL, &seq), 0);
    assert_string_equal(page_ids(f, 0), arena_printf(f->db.a, "%lldp %lldp %lld", (long long)a,
                                                     (long long)b, (long long)c));
    struct story before = story_now(f);
    assert_int_equal(before.n_comments, 1);

    struct comment out;
    assert_int_equal(
        store_comment_set_status(f->db.a, f->db.st, c, COMMENT_REJECTED, NULL, &out, &seq), 0);
    assert_int_equal(out.event_seq, before.event_seq + 1);
    assert_int_equal(seq, before.event_seq + 3);
    assert_string_equal(events_after(f, before.event_seq, &last),
                        arena_printf(f->db.a, "%lld:rejected %lld:deleted %lld:deleted",
                                     (long long)c, (long long)b, (long long)a));
    assert_string_equal(page_ids(f, 0), "");
    assert_int_equal(story_now(f).n_comments, 0);

    before = story_now(f);
    assert_int_equal(
        store_comment_set_status(f->db.a, f->db.st, c, COMMENT_VISIBLE, NULL, &out, &seq), 0);
    assert_int_equal(seq, before.event_seq + 3);
    assert_string_equal(events_after(f, before.event_seq, &last),
                        arena_printf(f->db.a, "%lld:visible %lld:placeholder %lld:placeholder",
                                     (long long)c, (long long)b, (long long)a));
    assert_string_equal(page_ids(f, 0), arena_printf(f->db.a, "%lldp %lldp %lld", (long long)a,
                                                     (long long)b, (long long)c));
    assert_int_equal(story_now(f).n_comments, 1);
}

/* Text a database might mangle goes in and comes out as it was. */
static void test_edit_hostile_text(void **state)
{
    struct fx *f = *state;
    int64_t id = add_comment(f, COMMENT_VISIBLE, 0);
    const char *src = "it's \"quoted\" -- ; DROP TABLE comments; \xc3\xa9\xf0\x9f\x98\x80 ?1 $1";
    int64_t seq;
    assert_int_equal(edit(f, id, src, "<p>&lt;ok&gt;</p>", 1700000500, &seq), 0);
    struct comment c = suite_comment_of(&f->db, id);
    assert_string_equal(c.body_src, src);
    assert_string_equal(c.body_html, "<p>&lt;ok&gt;</p>");
}

int main(int argc, char **argv)
{
    int exit_code;
    if (!suite_start(argc, argv, "edits suite", "stet_edits", &exit_code))
        return exit_code;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_edit_visible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_rescored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_visible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_with_reply_keeps_placeholder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placeholder_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_hostile_text, setup, teardown),
    };
    return suite_end(cmocka_run_group_tests(tests, NULL, NULL));
}
