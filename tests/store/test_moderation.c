/* Issue 11 part A in the store: a moderator's decision on a comment (its status, the
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

#include "pgtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *g_url = "sqlite::memory:";
static bool g_pool;
static unsigned g_tag;
static unsigned g_seq;

struct fx {
    struct store *st;
    struct store_pool *pool; /* with --pool: st is its view */
    struct arena *a;
};

static const char *uniq(struct arena *a, const char *prefix)
{
    return arena_printf(a, "%s-%u-%u", prefix, g_tag, ++g_seq);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    int rc = g_pool ? store_pool_new(g_url, 1, 1, &f->pool) : store_open(g_url, &f->st);
    if (rc != 0) {
        free(f);
        return -1;
    }
    if (g_pool)
        f->st = store_pool_store(f->pool, false);
    if (store_migrate(f->st, NULL) != 0) {
        if (f->pool != NULL)
            store_pool_free(f->pool);
        else
            store_close(f->st);
        free(f);
        return -1;
    }
    f->a = arena_new(16384);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->pool != NULL)
        store_pool_free(f->pool);
    else
        store_close(f->st);
    arena_free(f->a);
    free(f);
    return 0;
}

/* Trusted SQL on one connection (one of the pool's when there is a pool). */
static void exec_sql(struct fx *f, const char *sql)
{
    if (f->pool == NULL) {
        assert_int_equal(store_exec_sql(f->st, sql), 0);
        return;
    }
    struct store *c = store_pool_acquire(f->pool);
    int rc = store_exec_sql(c, sql);
    store_pool_release(f->pool, c);
    assert_int_equal(rc, 0);
}

static const char *add_story(struct fx *f, int64_t *id)
{
    const char *slug = uniq(f->a, "mod");
    struct story s = {.slug = slug,
                      .title = "t",
                      .body_src = "b",
                      .body_html = "<p>b</p>",
                      .published_at = 1700000000,
                      .created_at = 1700000000,
                      .comments_open = true};
    assert_int_equal(store_story_insert(f->st, &s, id), 0);
    return slug;
}

static int64_t add_user(struct fx *f, enum role role)
{
    const char *name = uniq(f->a, "mod");
    struct user u = {.username = name,
                     .display_name = name,
                     .email = arena_printf(f->a, "%s@example.com", name),
                     .role = role,
                     .created_at = 1700000000};
    int64_t id = 0;
    assert_int_equal(store_user_insert(f->st, &u, "$argon2id$fake", &id), 0);
    return id;
}

static int64_t add_comment(struct fx *f, int64_t story_id, int64_t author_id,
                           enum comment_status status)
{
    struct comment c = {.story_id = story_id,
                        .author_id = author_id,
                        .body_src = "words",
                        .body_html = "<p>words</p>",
                        .created_at = 1700000100,
                        .status = status};
    int64_t id = 0, seq = 0;
    assert_int_equal(store_comment_insert(f->st, &c, &id, &seq), 0);
    return id;
}

static void set_reports(struct fx *f, int64_t id, int n)
{
    exec_sql(f, arena_printf(f->a, "UPDATE comments SET report_count = %d WHERE id = %lld", n,
                             (long long)id));
}

static struct story story_of(struct fx *f, const char *slug)
{
    struct story s;
    assert_int_equal(store_story_find(f->a, f->st, str_from(slug), &s), 0);
    return s;
}

static struct comment comment_of(struct fx *f, int64_t id)
{
    struct comment c;
    assert_int_equal(store_comment_find(f->a, f->st, id, &c), 0);
    return c;
}

static struct store_audit audit_for(struct fx *f, int64_t actor, const char *action, int64_t id,
                                    const char *note)
{
    return (struct store_audit){.at = 1700000500,
                                .actor_id = actor,
                                .action = action,
                                .target = arena_printf(f->a, "comment:%lld", (long long)id),
                                .note = note};
}

/* The newest `want` entries of the audit log (fails unless there are that many). */
static struct store_audit *newest_audit(struct fx *f, size_t want)
{
    struct store_page pg = {.limit = (int)want};
    struct store_audit *es;
    size_t n;
    assert_int_equal(store_audit_list(f->a, f->st, &pg, &es, &n), 0);
    assert_int_equal(n, want);
    return es;
}

/* A visible comment rejected leaves its page: the count drops, the story's event
 * number and content version move, the comment carries the event (so live streams
 * send "removed"), the audit entry is there. Approved again, all of it comes back. */
static void test_reject_then_approve(void **state)
{
    struct fx *f = *state;
    int64_t story_id, seq = 0;
    const char *slug = add_story(f, &story_id);
    int64_t mod = add_user(f, ROLE_MODERATOR), author = add_user(f, ROLE_READER);
    int64_t id = add_comment(f, story_id, author, COMMENT_VISIBLE);
    struct story before = story_of(f, slug);
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
    struct story after = story_of(f, slug);
    assert_int_equal(after.n_comments, 0);
    assert_int_equal(after.event_seq, seq);
    assert_true(after.content_version > before.content_version);
    struct comment now = comment_of(f, id);
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
    struct story back = story_of(f, slug);
    assert_int_equal(back.n_comments, 1);
    assert_true(back.content_version > after.content_version);
    assert_int_equal(comment_of(f, id).status, COMMENT_VISIBLE);
    assert_string_equal(newest_audit(f, 1)[0].action, "comment.approve");
}

/* The status a comment already has, or a move between two statuses no page shows,
 * changes no story: no event, no count, no version. The audit entry is still kept. */
static void test_no_page_change(void **state)
{
    struct fx *f = *state;
    int64_t story_id, seq = -1;
    const char *slug = add_story(f, &story_id);
    int64_t mod = add_user(f, ROLE_MODERATOR), author = add_user(f, ROLE_READER);
    int64_t held = add_comment(f, story_id, author, COMMENT_HELD);
    int64_t shown = add_comment(f, story_id, author, COMMENT_VISIBLE);
    struct story before = story_of(f, slug);

    struct store_audit e = audit_for(f, mod, "comment.reject", held, "spam");
    assert_int_equal(store_comment_set_status(f->a, f->st, held, COMMENT_REJECTED, &e, NULL, &seq),
                     0);
    assert_int_equal(seq, 0);
    assert_int_equal(comment_of(f, held).status, COMMENT_REJECTED);
    assert_int_equal(comment_of(f, held).event_seq, 0);
    e = audit_for(f, mod, "comment.approve", shown, "fine");
    assert_int_equal(store_comment_set_status(f->a, f->st, shown, COMMENT_VISIBLE, &e, NULL, &seq),
                     0);
    assert_int_equal(seq, 0);
    struct story after = story_of(f, slug);
    assert_int_equal(after.n_comments, before.n_comments);
    assert_int_equal(after.event_seq, before.event_seq);
    assert_int_equal(after.content_version, before.content_version);
    struct store_audit *log = newest_audit(f, 2);
    assert_string_equal(log[0].action, "comment.approve");
    assert_string_equal(log[0].note, "fine");
    assert_string_equal(log[1].action, "comment.reject");
    assert_true(log[0].id > log[1].id);

    /* Held to visible is an approval the page shows. */
    int64_t held2 = add_comment(f, story_id, author, COMMENT_HELD);
    e = audit_for(f, mod, "comment.approve", held2, "");
    assert_int_equal(store_comment_set_status(f->a, f->st, held2, COMMENT_VISIBLE, &e, NULL, &seq),
                     0);
    assert_int_equal(seq, after.event_seq + 1);
    assert_int_equal(story_of(f, slug).n_comments, before.n_comments + 1);
}

/* Unknown comments, deleted ones and statuses a moderator does not set are refused,
 * and a refusal leaves no audit entry behind. */
static void test_refusals_change_nothing(void **state)
{
    struct fx *f = *state;
    int64_t story_id, seq = -1;
    const char *slug = add_story(f, &story_id);
    int64_t mod = add_user(f, ROLE_MODERATOR), author = add_user(f, ROLE_READER);
    int64_t gone = add_comment(f, story_id, author, COMMENT_DELETED);
    int64_t shown = add_comment(f, story_id, author, COMMENT_VISIBLE);
    struct store_audit marker = audit_for(f, mod, "comment.approve", shown, "marker");
    assert_int_equal(
        store_comment_set_status(f->a, f->st, shown, COMMENT_VISIBLE, &marker, NULL, &seq), 0);
    struct story before = story_of(f, slug);

    struct store_audit e = audit_for(f, mod, "comment.approve", gone, "");
    assert_int_equal(store_comment_set_status(f->a, f->st, gone, COMMENT_VISIBLE, &e, NULL, &seq),
                     STET_ENOTFOUND);
    assert_int_equal(comment_of(f, gone).status, COMMENT_DELETED);
    assert_int_equal(
        store_comment_set_status(f->a, f->st, INT64_MAX, COMMENT_REJECTED, &e, NULL, &seq),
        STET_ENOTFOUND);
    assert_int_equal(store_comment_set_status(f->a, f->st, shown, COMMENT_DELETED, &e, NULL, &seq),
                     STET_EINVAL);
    assert_int_equal(comment_of(f, shown).status, COMMENT_VISIBLE);
    struct story after = story_of(f, slug);
    assert_int_equal(after.n_comments, before.n_comments);
    assert_int_equal(after.content_version, before.content_version);
    assert_string_equal(newest_audit(f, 1)[0].note, "marker");
}

/* The queue: held comments and visible reported ones, nothing else, in id order
 * both ways, page by page; an approval takes a reported comment out of it (its count
 * back to 0), a rejection takes a held one out. */
static void test_queue(void **state)
{
    struct fx *f = *state;
    int64_t story_id, seq;
    add_story(f, &story_id);
    int64_t mod = add_user(f, ROLE_MODERATOR), author = add_user(f, ROLE_READER);
    int64_t first = add_comment(f, story_id, author, COMMENT_VISIBLE);
    int64_t held = add_comment(f, story_id, author, COMMENT_HELD);
    int64_t reported = add_comment(f, story_id, author, COMMENT_VISIBLE);
    int64_t rejected = add_comment(f, story_id, author, COMMENT_REJECTED);
    int64_t held_reported = add_comment(f, story_id, author, COMMENT_HELD);
    add_comment(f, story_id, author, COMMENT_DELETED);
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
    assert_int_equal(comment_of(f, reported).report_count, 0);
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
    struct fx *f = *state;
    int64_t story_id, seq;
    add_story(f, &story_id);
    int64_t admin = add_user(f, ROLE_ADMIN), author = add_user(f, ROLE_READER);
    int64_t id = add_comment(f, story_id, author, COMMENT_VISIBLE);
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

int main(int argc, char **argv)
{
    static char pg_url[1024];
    static char pool_dir[] = "/tmp/stet-store-mod-XXXXXX";
    static char pool_url[256];
    if (argc > 1 && strcmp(argv[argc - 1], "--pool") == 0) {
        g_pool = true;
        argc--;
        if (argc == 1) {
            /* A file, not :memory:, so the pool's connections share one database. */
            if (mkdtemp(pool_dir) == NULL)
                return 1;
            snprintf(pool_url, sizeof(pool_url), "sqlite:%s/store.db", pool_dir);
            g_url = pool_url;
        }
    }
    if (argc > 1 && strcmp(argv[1], "--pg") == 0) {
        if (pgtest_env("STET_TEST_PG_DSN") == NULL) {
            fprintf(stderr, "moderation store tests on postgres: skipped "
                            "(STET_TEST_PG_DSN is not set)\n");
            return PGTEST_SKIP;
        }
        g_url = pgtest_fresh_url("stet_mod", pg_url, sizeof(pg_url));
        if (g_url == NULL)
            return 1;
    }
    g_tag = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reject_then_approve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_page_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
