/* In the store: a moderator's decision on a comment (its status, the
 * story's count, event number and content version, the audit entry, all in one
 * transaction), the moderation queue and the audit log read back. Written against
 * store/store.h only and run as the conformance suite runs (test_store.c): on an
 * in-memory SQLite database, on PostgreSQL with --pg (STET_TEST_PG_DSN or a fresh
 * database in STET_TEST_PG_DIR's cluster; skipped without), and with --pool through a
 * store_pool's view. Cases of one run may share a database (PostgreSQL, the pool's
 * file), so each reads the queue and the log only past the rows it made itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/store.h"

#include "suite.h"

static const char *add_story(struct suite_fx *f, int64_t *id)
{
    const char *slug = suite_uniq(f->a, "mod");
    *id = suite_add_story(f, slug);
    return slug;
}

/* A user with a name of its own. */
static int64_t add_user(struct suite_fx *f, enum role role)
{
    return suite_add_user(f, suite_uniq(f->a, "mod"), role);
}

static void set_reports(struct suite_fx *f, int64_t id, int n)
{
    const char *sql = arena_printf(f->a, "UPDATE comments SET report_count = %d WHERE id = %lld", n,
                                   (long long)id);
    assert_int_equal(suite_exec_sql(f, sql), 0);
}

static struct store_audit audit_for(struct suite_fx *f, int64_t actor, const char *action,
                                    int64_t id, const char *note)
{
    return (struct store_audit){.at = 1700000500,
                                .actor_id = actor,
                                .action = action,
                                .target = arena_printf(f->a, "comment:%lld", (long long)id),
                                .note = note};
}

/* The newest `want` entries of the audit log (fails unless there are that many). */
static struct store_audit *newest_audit(struct suite_fx *f, size_t want)
{
    struct store_page pg = {.limit = (int)want};
    struct store_audit *es;
    size_t n;
    assert_int_equal(store_audit_list(f->a, f->st, &pg, &es, &n), 0);
    assert_int_equal(n, want);
    return es;
}

/* How many entries the audit log holds (up to a few thousand). */
static size_t newest_audit_count(struct suite_fx *f)
{
    struct store_page pg = {.limit = 5000};
    struct store_audit *es;
    size_t n;
    assert_int_equal(store_audit_list(f->a, f->st, &pg, &es, &n), 0);
    return n;
}

/* A visible comment rejected leaves its page: the count drops, the story's event
 * number and content version move, the comment carries the event (so live streams
 * send "removed"), the audit entry is there. Approved again, all of it comes back. */
static void test_reject_then_approve(void **state)
{
    struct suite_fx *f = *state;
    int64_t story_id, seq = 0;
    const char *slug = add_story(f, &story_id);
    int64_t mod = add_user(f, ROLE_MODERATOR), author = add_user(f, ROLE_READER);
    int64_t id = suite_add_comment(f, story_id, author, COMMENT_VISIBLE);
    struct story before = suite_story_of(f, slug);
    assert_int_equal(before.n_comments, 1);

    struct store_audit e = audit_for(f, mod, "comment.reject", id, "off topic");
    struct comment out;
    assert_int_equal(store_comment_set_status(f->a, f->st, id, COMMENT_REJECTED, &e, &out, &seq),
                     0);
    assert_int_equal(out.status, COMMENT_REJECTED);
    assert_int_equal(out.id, id);
    assert_string_equal(out.story_slug, slug);
    assert_int_equal(seq, before.event_seq + 1);
    assert_int_equal(out.event_seq, seq);
    struct story after = suite_story_of(f, slug);
    assert_int_equal(after.n_comments, 0);
    assert_int_equal(after.event_seq, seq);
    assert_true(after.content_version > before.content_version);
    struct comment now = suite_comment_of(f, id);
    assert_int_equal(now.status, COMMENT_REJECTED);
    assert_int_equal(now.event_seq, seq);
    struct comment *evs;
    size_t n;
    assert_int_equal(store_comment_events(f->a, f->st, story_id, before.event_seq, 10, &evs, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(evs[0].id, id);
    assert_int_equal(evs[0].status, COMMENT_REJECTED);
    struct store_audit *log = newest_audit(f, 1);
    assert_string_equal(log[0].action, "comment.reject");
    assert_string_equal(log[0].target, arena_printf(f->a, "comment:%lld", (long long)id));
    assert_string_equal(log[0].note, "off topic");
    assert_int_equal(log[0].actor_id, mod);
    assert_non_null(log[0].actor);
    assert_int_equal(log[0].at, 1700000500);

    e = audit_for(f, mod, "comment.approve", id, "");
    assert_int_equal(store_comment_set_status(f->a, f->st, id, COMMENT_VISIBLE, &e, &out, &seq), 0);
    assert_int_equal(out.status, COMMENT_VISIBLE);
    assert_int_equal(seq, after.event_seq + 1);
    struct story back = suite_story_of(f, slug);
    assert_int_equal(back.n_comments, 1);
    assert_true(back.content_version > after.content_version);
    assert_int_equal(suite_comment_of(f, id).status, COMMENT_VISIBLE);
    assert_string_equal(newest_audit(f, 1)[0].action, "comment.approve");
}

/* The status a comment already has, or a move between two statuses no page shows,
 * changes no story: no event, no count, no version. The audit entry is still kept. */
static void test_no_page_change(void **state)
{
    struct suite_fx *f = *state;
    int64_t story_id, seq = -1;
    const char *slug = add_story(f, &story_id);
    int64_t mod = add_user(f, ROLE_MODERATOR), author = add_user(f, ROLE_READER);
    int64_t held = suite_add_comment(f, story_id, author, COMMENT_HELD);
    int64_t shown = suite_add_comment(f, story_id, author, COMMENT_VISIBLE);
    struct story before = suite_story_of(f, slug);

    struct store_audit e = audit_for(f, mod, "comment.reject", held, "spam");
    assert_int_equal(store_comment_set_status(f->a, f->st, held, COMMENT_REJECTED, &e, NULL, &seq),
                     0);
    assert_int_equal(seq, 0);
    assert_int_equal(suite_comment_of(f, held).status, COMMENT_REJECTED);
    assert_int_equal(suite_comment_of(f, held).event_seq, 0);
    e = audit_for(f, mod, "comment.approve", shown, "fine");
    assert_int_equal(store_comment_set_status(f->a, f->st, shown, COMMENT_VISIBLE, &e, NULL, &seq),
                     0);
    assert_int_equal(seq, 0);
    struct story after = suite_story_of(f, slug);
    assert_int_equal(after.n_comments, before.n_comments);
    assert_int_equal(after.event_seq, before.event_seq);
    assert_int_equal(after.content_version, before.content_version);
    struct store_audit *log = newest_audit(f, 2);
    assert_string_equal(log[0].action, "comment.approve");
    assert_string_equal(log[0].note, "fine");
    assert_string_equal(log[1].action, "comment.reject");
    assert_true(log[0].id > log[1].id);

    /* Held to visible is an approval the page shows. */
    int64_t held2 = suite_add_comment(f, story_id, author, COMMENT_HELD);
    e = audit_for(f, mod, "comment.approve", held2, "");
    assert_int_equal(store_comment_set_status(f->a, f->st, held2, COMMENT_VISIBLE, &e, NULL, &seq),
                     0);
    assert_int_equal(seq, after.event_seq + 1);
    assert_int_equal(suite_story_of(f, slug).n_comments, before.n_comments + 1);
}

/* Unknown comments, deleted ones and statuses a moderator does not set are refused,
 * and a refusal leaves no audit entry behind. */
static void test_refusals_change_nothing(void **state)
{
    struct suite_fx *f = *state;
    int64_t story_id, seq = -1;
    const char *slug = add_story(f, &story_id);
    int64_t mod = add_user(f, ROLE_MODERATOR), author = add_user(f, ROLE_READER);
    int64_t gone = suite_add_comment(f, story_id, author, COMMENT_DELETED);
    int64_t shown = suite_add_comment(f, story_id, author, COMMENT_VISIBLE);
    struct store_audit marker = audit_for(f, mod, "comment.approve", shown, "marker");
    assert_int_equal(
        store_comment_set_status(f->a, f->st, shown, COMMENT_VISIBLE, &marker, NULL, &seq), 0);
    struct story before = suite_story_of(f, slug);

    struct store_audit e = audit_for(f, mod, "comment.approve", gone, "");
    assert_int_equal(store_comment_set_status(f->a, f->st, gone, COMMENT_VISIBLE, &e, NULL, &seq),
                     STET_ENOTFOUND);
    assert_int_equal(suite_comment_of(f, gone).status, COMMENT_DELETED);
    assert_int_equal(
        store_comment_set_status(f->a, f->st, INT64_MAX, COMMENT_REJECTED, &e, NULL, &seq),
        STET_ENOTFOUND);
    assert_int_equal(store_comment_set_status(f->a, f->st, shown, COMMENT_DELETED, &e, NULL, &seq),
                     STET_EINVAL);
    assert_int_equal(suite_comment_of(f, shown).status, COMMENT_VISIBLE);
    struct story after = suite_story_of(f, slug);
    assert_int_equal(after.n_comments, before.n_comments);
    assert_int_equal(after.content_version, before.content_version);
    assert_string_equal(newest_audit(f, 1)[0].note, "marker");
}

/* The queue: held comments and visible reported ones, nothing else, in id order
 * both ways, page by page; an approval takes a reported comment out of it (its count
 * back to 0), a rejection takes a held one out. */
static void test_queue(void **state)
{
    struct suite_fx *f = *state;
    int64_t story_id, seq;
    add_story(f, &story_id);
    int64_t mod = add_user(f, ROLE_MODERATOR), author = add_user(f, ROLE_READER);
    int64_t first = suite_add_comment(f, story_id, author, COMMENT_VISIBLE);
    int64_t held = suite_add_comment(f, story_id, author, COMMENT_HELD);
    int64_t reported = suite_add_comment(f, story_id, author, COMMENT_VISIBLE);
    int64_t rejected = suite_add_comment(f, story_id, author, COMMENT_REJECTED);
    int64_t held_reported = suite_add_comment(f, story_id, author, COMMENT_HELD);
    suite_add_comment(f, story_id, author, COMMENT_DELETED);
    set_reports(f, reported, 2);
    set_reports(f, rejected, 5);
    set_reports(f, held_reported, 3);

    /* Oldest first from just before this case's rows (others may share the table). */
    struct store_page pg = {.limit = 10, .has_cursor = true, .cursor_id = first - 1};
    struct comment *cs;
    size_t n;
    assert_int_equal(store_moderation_queue(f->a, f->st, &pg, &cs, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(cs[0].id, held);
    assert_int_equal(cs[0].status, COMMENT_HELD);
    assert_int_equal(cs[1].id, reported);
    assert_int_equal(cs[1].report_count, 2);
    assert_int_equal(cs[2].id, held_reported);
    assert_int_equal(cs[2].report_count, 3);
    assert_non_null(cs[1].story_slug);

    /* Newest first: these are the newest rows of the table. */
    pg = (struct store_page){.limit = 3, .newest_first = true};
    assert_int_equal(store_moderation_queue(f->a, f->st, &pg, &cs, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(cs[0].id, held_reported);
    assert_int_equal(cs[1].id, reported);
    assert_int_equal(cs[2].id, held);

    /* Page by page, one at a time, each branch bounded by the limit. */
    pg = (struct store_page){.limit = 1, .has_cursor = true, .cursor_id = first - 1};
    int64_t seen[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(store_moderation_queue(f->a, f->st, &pg, &cs, &n), 0);
        assert_int_equal(n, 1);
        seen[i] = cs[0].id;
        pg.cursor_id = cs[0].id;
    }
    assert_int_equal(store_moderation_queue(f->a, f->st, &pg, &cs, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(seen[0], held);
    assert_int_equal(seen[1], reported);
    assert_int_equal(seen[2], held_reported);

    /* Decisions empty it. */
    struct store_audit e = audit_for(f, mod, "comment.approve", reported, "");
    assert_int_equal(
        store_comment_set_status(f->a, f->st, reported, COMMENT_VISIBLE, &e, NULL, &seq), 0);
    assert_int_equal(seq, 0); /* it was visible all along */
    assert_int_equal(suite_comment_of(f, reported).report_count, 0);
    e = audit_for(f, mod, "comment.reject", held, "");
    assert_int_equal(store_comment_set_status(f->a, f->st, held, COMMENT_REJECTED, &e, NULL, &seq),
                     0);
    e = audit_for(f, mod, "comment.approve", held_reported, "");
    struct comment out;
    assert_int_equal(
        store_comment_set_status(f->a, f->st, held_reported, COMMENT_VISIBLE, &e, &out, &seq), 0);
    assert_int_equal(out.report_count, 0);
    pg = (struct store_page){.limit = 10, .has_cursor = true, .cursor_id = first - 1};
    assert_int_equal(store_moderation_queue(f->a, f->st, &pg, &cs, &n), 0);
    assert_int_equal(n, 0);

    pg.limit = -1;
    assert_int_equal(store_moderation_queue(f->a, f->st, &pg, &cs, &n), STET_EINVAL);
    pg.limit = 0;
    assert_int_equal(store_moderation_queue(f->a, f->st, &pg, &cs, &n), 0);
    assert_int_equal(n, 0);
}

/* The audit log newest first, page by page by id, with each actor's name and NULL
 * for stet itself. */
static void test_audit_list(void **state)
{
    struct suite_fx *f = *state;
    int64_t story_id, seq;
    add_story(f, &story_id);
    int64_t admin = add_user(f, ROLE_ADMIN), author = add_user(f, ROLE_READER);
    int64_t id = suite_add_comment(f, story_id, author, COMMENT_VISIBLE);
    struct user who;
    assert_int_equal(store_user_find_id(f->a, f->st, admin, &who), 0);
    const char *notes[] = {"one", "two", "three"};
    for (int i = 0; i < 3; i++) {
        struct store_audit e = audit_for(f, i == 1 ? 0 : admin, "comment.reject", id, notes[i]);
        assert_int_equal(
            store_comment_set_status(f->a, f->st, id, COMMENT_REJECTED, &e, NULL, &seq), 0);
    }
    struct store_audit *es = newest_audit(f, 3);
    assert_string_equal(es[0].note, "three");
    assert_string_equal(es[0].actor, who.username);
    assert_string_equal(es[1].note, "two");
    assert_null(es[1].actor);
    assert_int_equal(es[1].actor_id, 0);
    assert_string_equal(es[2].note, "one");

    struct store_page pg = {.limit = 1, .has_cursor = true, .cursor_id = es[0].id};
    size_t n;
    struct store_audit *page;
    assert_int_equal(store_audit_list(f->a, f->st, &pg, &page, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(page[0].id, es[1].id);
    pg.cursor_id = es[1].id;
    assert_int_equal(store_audit_list(f->a, f->st, &pg, &page, &n), 0);
    assert_int_equal(page[0].id, es[2].id);
    pg.limit = -1;
    assert_int_equal(store_audit_list(f->a, f->st, &pg, &page, &n), STET_EINVAL);
}

/* A story edit writes every field it names, moves the content version and leaves its
 * audit entry, all in one transaction; an unknown story changes and audits nothing. */
static void test_story_edit(void **state)
{
    struct suite_fx *f = *state;
    int64_t story_id;
    const char *slug = add_story(f, &story_id);
    int64_t admin = add_user(f, ROLE_ADMIN);
    struct story s = suite_story_of(f, slug);
    int64_t version = s.content_version;
    s.title = "Edited title";
    s.byline = "";
    s.body_src = "New *body*";
    s.body_html = "<p>New <em>body</em></p>\n";
    s.comments_open = false;
    struct store_audit e = {.at = 1700000600,
                            .actor_id = admin,
                            .action = "story.edit",
                            .target = arena_printf(f->a, "story:%s", slug),
                            .note = "title, body, comments closed"};
    size_t audited = newest_audit_count(f);
    assert_int_equal(store_story_edit(f->st, &s, &e), 0);
    struct story after = suite_story_of(f, slug);
    assert_string_equal(after.title, "Edited title");
    assert_string_equal(after.byline, "");
    assert_string_equal(after.body_src, "New *body*");
    assert_string_equal(after.body_html, "<p>New <em>body</em></p>\n");
    assert_false(after.comments_open);
    assert_true(after.content_version > version);
    struct store_audit *es = newest_audit(f, 1);
    assert_string_equal(es[0].action, "story.edit");
    assert_string_equal(es[0].note, "title, body, comments closed");
    assert_int_equal(newest_audit_count(f), audited + 1);

    s.id = story_id + 1000000;
    assert_int_equal(store_story_edit(f->st, &s, &e), STET_ENOTFOUND);
    s.id = story_id;
    assert_int_equal(store_story_edit(f->st, &s, NULL), STET_EINVAL);
    assert_int_equal(newest_audit_count(f), audited + 1);
    assert_int_equal(suite_story_of(f, slug).content_version, after.content_version);
}

/* A new password replaces the hash and ends every session of the account (not
 * another's), with its audit entry, in one transaction. */
static void test_user_set_password(void **state)
{
    struct suite_fx *f = *state;
    const char *name = suite_uniq(f->a, "pw");
    const char *other = suite_uniq(f->a, "pwother");
    int64_t uid = suite_add_user(f, name, ROLE_READER);
    int64_t oid = suite_add_user(f, other, ROLE_READER);
    const char *mine = arena_printf(f->a, "%064lld", (long long)uid);
    const char *theirs = arena_printf(f->a, "%064lld", (long long)oid + 1000000);
    assert_int_equal(store_session_insert(f->st, mine, uid, 1000, 2000), 0);
    assert_int_equal(store_session_insert(f->st, theirs, oid, 1000, 2000), 0);
    struct store_audit e = {.at = 1700000700,
                            .action = "user.password",
                            .target = arena_printf(f->a, "user:%s", name),
                            .note = "from the command line"};
    size_t audited = newest_audit_count(f);
    assert_int_equal(store_user_set_password(f->st, str_from(name), "$argon2id$new", &e), 0);
    struct user u;
    const char *hash;
    assert_int_equal(store_user_find_login(f->a, f->st, str_from(name), &u, &hash), 0);
    assert_string_equal(hash, "$argon2id$new");
    assert_int_equal(store_session_find(f->a, f->st, mine, 1500, &u), STET_ENOTFOUND);
    assert_int_equal(store_session_find(f->a, f->st, theirs, 1500, &u), 0);
    assert_int_equal(newest_audit_count(f), audited + 1);
    assert_string_equal(newest_audit(f, 1)[0].action, "user.password");

    assert_int_equal(store_user_set_password(f->st, STR_LIT("no-such-pw-user"), "$x", &e),
                     STET_ENOTFOUND);
    assert_int_equal(store_user_set_password(f->st, str_from(name), NULL, &e), STET_EINVAL);
    assert_int_equal(store_user_set_password(f->st, str_from(name), "$x", NULL), STET_EINVAL);
    assert_int_equal(newest_audit_count(f), audited + 1);
    assert_int_equal(store_user_find_login(f->a, f->st, str_from(name), &u, &hash), 0);
    assert_string_equal(hash, "$argon2id$new");
}

int main(int argc, char **argv)
{
    int exit_code;
    if (!suite_start(argc, argv, "moderation suite", "stet_mod", &exit_code))
        return exit_code;
    const struct CMUnitTest tests[] = {
        SUITE_TEST(test_reject_then_approve),
        SUITE_TEST(test_no_page_change),
        SUITE_TEST(test_refusals_change_nothing),
        SUITE_TEST(test_queue),
        SUITE_TEST(test_audit_list),
        SUITE_TEST(test_story_edit),
        SUITE_TEST(test_user_set_password),
    };
    return suite_end(cmocka_run_group_tests(tests, NULL, NULL));
}
