/* Store conformance for issue 11's reports, suspensions and audited role changes,
 * on every backend as tests/store/test_store.c runs: SQLite in memory by default,
 * PostgreSQL with --pg (STET_TEST_PG_DSN or a fresh database in STET_TEST_PG_DIR's
 * cluster, skipped when unset), and with --pool through a store_pool (a SQLite file
 * alone, PostgreSQL after --pg). Audit entries are checked with SQL that fails when
 * the entry is missing, on a connection of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/store.h"

#include "suite.h"

#include <stdio.h>

/* Fails unless the audit log holds exactly one entry with these fields (actor NULL:
 * stet itself): the INSERT of a NULL `at` runs only when the count is wrong, and
 * the NOT NULL constraint then makes the statement fail on either dialect. */
static void assert_audit(struct suite_fx *f, const char *actor, const char *action,
                         const char *target, const char *note)
{
    const char *who = actor == NULL ? "a.actor_id IS NULL"
                                    : arena_printf(f->a,
                                                   "a.actor_id = (SELECT id FROM users "
                                                   "WHERE username = '%s')",
                                                   actor);
    const char *sql = arena_printf(f->a,
                                   "INSERT INTO audit_log (at, action, target) SELECT NULL, 'x', "
                                   "'y' WHERE (SELECT count(*) FROM audit_log a WHERE %s AND "
                                   "a.action = '%s' AND a.target = '%s' AND a.note = '%s') <> 1",
                                   who, action, target, note);
    assert_int_equal(suite_exec_sql(f, sql), 0);
}

/* A story with one visible comment and `n` readers who did not write it. */
struct scene {
    const char *slug;
    int64_t story_id, comment_id;
    int64_t readers[4];
};

static void scene_make(struct suite_fx *f, struct scene *s, size_t n)
{
    assert_true(n <= 4);
    s->slug = suite_uniq(f->a, "story");
    s->story_id = suite_add_story(f, s->slug);
    s->comment_id = suite_add_comment(f, s->story_id,
                                      suite_add_user(f, suite_uniq(f->a, "author"), ROLE_READER),
                                      COMMENT_VISIBLE);
    for (size_t i = 0; i < n; i++)
        s->readers[i] = suite_add_user(f, suite_uniq(f->a, "reader"), ROLE_READER);
}

static int report(struct suite_fx *f, const struct scene *s, size_t reader, int threshold,
                  bool *held, int64_t *seq)
{
    return store_report_add(f->st, s->comment_id, s->readers[reader], "rude", 1700000200, threshold,
                            held, seq);
}

/* ---- reports ---- */

static void test_report_threshold_holds(void **state)
{
    struct suite_fx *f = *state;
    struct scene s;
    bool held = true;
    int64_t seq = -1;
    scene_make(f, &s, 4);
    struct story before = suite_story_of(f, s.slug);
    assert_int_equal(before.n_comments, 1);

    assert_int_equal(report(f, &s, 0, 3, &held, &seq), 0);
    assert_false(held);
    assert_int_equal(seq, 0);
    assert_int_equal(report(f, &s, 1, 3, &held, &seq), 0);
    assert_false(held);
    struct comment c = suite_comment_of(f, s.comment_id);
    assert_int_equal(c.status, COMMENT_VISIBLE);
    assert_int_equal(c.report_count, 2);
    /* Reports alone change nothing a page shows. */
    assert_int_equal(suite_story_of(f, s.slug).content_version, before.content_version);

    assert_int_equal(report(f, &s, 2, 3, &held, &seq), 0);
    assert_true(held);
    assert_true(seq > before.event_seq);
    c = suite_comment_of(f, s.comment_id);
    assert_int_equal(c.status, COMMENT_HELD);
    assert_int_equal(c.report_count, 3);
    assert_int_equal(c.event_seq, seq);
    struct story after = suite_story_of(f, s.slug);
    assert_int_equal(after.n_comments, 0);
    assert_int_equal(after.event_seq, seq);
    assert_true(after.content_version > before.content_version);
    assert_audit(f, NULL, "comment.hold", arena_printf(f->a, "comment:%lld", (long long)c.id),
                 "3 reports");

    /* The live stream sees the comment leave. */
    struct comment *ev;
    size_t n;
    assert_int_equal(store_comment_events(f->a, f->st, s.story_id, before.event_seq, 10, &ev, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].id, s.comment_id);
    assert_int_equal(ev[0].status, COMMENT_HELD);

    /* A fourth report counts but holds nothing again. */
    assert_int_equal(report(f, &s, 3, 3, &held, &seq), 0);
    assert_false(held);
    assert_int_equal(seq, 0);
    assert_int_equal(suite_comment_of(f, s.comment_id).report_count, 4);
    assert_int_equal(suite_story_of(f, s.slug).event_seq, after.event_seq);
    assert_audit(f, NULL, "comment.hold", arena_printf(f->a, "comment:%lld", (long long)c.id),
                 "3 reports");
}

static void test_report_twice_conflicts(void **state)
{
    struct suite_fx *f = *state;
    struct scene s;
    bool held = true;
    int64_t seq = -1;
    scene_make(f, &s, 2);
    assert_int_equal(report(f, &s, 0, 2, &held, &seq), 0);
    struct story before = suite_story_of(f, s.slug);
    /* The second report by the same reader would reach the threshold: refused, and
     * neither the count nor the status moves. */
    assert_int_equal(report(f, &s, 0, 2, &held, &seq), STET_ECONFLICT);
    assert_false(held);
    assert_int_equal(seq, 0);
    struct comment c = suite_comment_of(f, s.comment_id);
    assert_int_equal(c.report_count, 1);
    assert_int_equal(c.status, COMMENT_VISIBLE);
    assert_int_equal(suite_story_of(f, s.slug).content_version, before.content_version);
    /* Another reader still can. */
    assert_int_equal(report(f, &s, 1, 2, &held, &seq), 0);
    assert_true(held);
}

static void test_report_threshold_zero_and_unknown(void **state)
{
    struct suite_fx *f = *state;
    struct scene s;
    bool held = true;
    int64_t seq = -1;
    scene_make(f, &s, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(report(f, &s, i, 0, &held, &seq), 0);
        assert_false(held);
    }
    struct comment c = suite_comment_of(f, s.comment_id);
    assert_int_equal(c.status, COMMENT_VISIBLE);
    assert_int_equal(c.report_count, 3);

    assert_int_equal(store_report_add(f->st, c.id + 1000, s.readers[0], "x", 1, 1, &held, &seq),
                     STET_ENOTFOUND);
    assert_false(held);
    /* An unknown reader is refused by the foreign key; the count stays. */
    assert_int_equal(store_report_add(f->st, c.id, s.readers[2] + 1000, "x", 1, 1, &held, &seq),
                     STET_EINVAL);
    assert_int_equal(suite_comment_of(f, s.comment_id).report_count, 3);
}

/* ---- suspensions and roles ---- */

static void test_suspend_and_unsuspend(void **state)
{
    struct suite_fx *f = *state;
    const char *mod = suite_uniq(f->a, "mod");
    const char *name = suite_uniq(f->a, "Reader");
    int64_t mod_id = suite_add_user(f, mod, ROLE_MODERATOR);
    int64_t id = suite_add_user(f, name, ROLE_READER);
    struct user u;
    const char *target = arena_printf(f->a, "user:%s", name);
    struct store_audit e = {.at = 1700000300,
                            .actor_id = mod_id,
                            .action = "user.suspend",
                            .target = target,
                            .note = "until then: spam"};

    assert_int_equal(store_user_suspend(f->st, str_from("nobody-here"), 1800000000, "x", &e),
                     STET_ENOTFOUND);
    assert_int_equal(store_user_suspend(f->st, str_from("a@b.example"), 1800000000, "x", &e),
                     STET_ENOTFOUND);
    assert_int_equal(store_user_suspend(f->st, str_from(name), 0, "x", &e), STET_EINVAL);
    /* By name without regard to case, as every lookup. */
    char upper[64];
    snprintf(upper, sizeof(upper), "%s", name);
    for (char *p = upper; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    assert_int_equal(store_user_suspend(f->st, str_from(upper), 1800000000, "spam", &e), 0);
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_int_equal(u.suspended_until, 1800000000);
    assert_audit(f, mod, "user.suspend", target, "until then: spam");

    e.action = "user.ban";
    e.note = "for good";
    assert_int_equal(store_user_suspend(f->st, str_from(name), USER_BANNED, "worse", &e), 0);
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_true(u.suspended_until == USER_BANNED);
    assert_audit(f, mod, "user.ban", target, "for good");

    e.action = "user.unsuspend";
    e.note = "";
    assert_int_equal(store_user_unsuspend(f->st, str_from(name), &e), 0);
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_int_equal(u.suspended_until, 0);
    assert_audit(f, mod, "user.unsuspend", target, "");
    assert_int_equal(store_user_unsuspend(f->st, str_from("nobody-here"), &e), STET_ENOTFOUND);
}

/* The audit entry commits with the change or not at all: an entry the database
 * refuses (its actor does not exist) leaves the account as it was. */
static void test_suspend_audit_is_atomic(void **state)
{
    struct suite_fx *f = *state;
    const char *name = suite_uniq(f->a, "reader");
    int64_t id = suite_add_user(f, name, ROLE_READER);
    struct user u;
    const struct store_audit bad = {
        .at = 1, .actor_id = id + 100000, .action = "user.ban", .target = "user:x", .note = ""};
    assert_int_equal(store_user_suspend(f->st, str_from(name), USER_BANNED, "x", &bad),
                     STET_EINVAL);
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_int_equal(u.suspended_until, 0);
    assert_int_equal(store_user_set_role_audit(f->st, str_from(name), ROLE_MODERATOR, &bad),
                     STET_EINVAL);
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_int_equal(u.role, ROLE_READER);
}

static void test_set_role_audit(void **state)
{
    struct suite_fx *f = *state;
    const char *admin = suite_uniq(f->a, "admin");
    const char *name = suite_uniq(f->a, "reader");
    int64_t admin_id = suite_add_user(f, admin, ROLE_ADMIN);
    int64_t id = suite_add_user(f, name, ROLE_READER);
    const char *slug = suite_uniq(f->a, "story");
    suite_add_comment(f, suite_add_story(f, slug), id, COMMENT_VISIBLE);
    int64_t version = suite_story_of(f, slug).content_version;
    struct user u;
    const struct store_audit e = {.at = 1700000400,
                                  .actor_id = admin_id,
                                  .action = "user.role",
                                  .target = arena_printf(f->a, "user:%s", name),
                                  .note = "reader to moderator"};
    assert_int_equal(store_user_set_role_audit(f->st, str_from(name), ROLE_MODERATOR, &e), 0);
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_int_equal(u.role, ROLE_MODERATOR);
    /* The staff badge shows on their comments: the story's page changed. */
    assert_true(suite_story_of(f, slug).content_version > version);
    assert_audit(f, admin, "user.role", e.target, "reader to moderator");
    assert_int_equal(store_user_set_role_audit(f->st, str_from("nobody-here"), ROLE_ADMIN, &e),
                     STET_ENOTFOUND);
    assert_int_equal(store_user_set_role_audit(f->st, str_from(name), (enum role)7, &e),
                     STET_EINVAL);
}

/* web: the users page's list. A prefix matches usernames in any letter case, the
 * newest first, paged by id; everyone with an empty prefix; nobody for a prefix no
 * username can start with. A suspended account carries its reason. */
static void test_user_list(void **state)
{
    struct suite_fx *f = *state;
    const char *base = suite_uniq(f->a, "Ls");
    const char *names[] = {arena_printf(f->a, "%sa", base), arena_printf(f->a, "%sB", base),
                           arena_printf(f->a, "%sc", base)};
    int64_t ids[3];
    for (size_t i = 0; i < 3; i++)
        ids[i] = suite_add_user(f, names[i], ROLE_READER);
    const char *other = suite_uniq(f->a, "zz");
    int64_t other_id = suite_add_user(f, other, ROLE_READER);
    assert_int_equal(store_user_suspend(f->st, str_from(names[1]), USER_BANNED, "spam", NULL), 0);

    struct store_page pg = {.limit = 2};
    struct store_account *out;
    size_t n;
    char *lower = arena_strdup(f->a, base);
    for (char *p = lower; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    assert_int_equal(store_user_list(f->a, f->st, str_from(lower), &pg, &out, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].user.id, ids[2]);
    assert_null(out[0].suspension_reason);
    assert_int_equal(out[1].user.id, ids[1]);
    assert_string_equal(out[1].user.username, names[1]);
    assert_true(out[1].user.suspended_until == USER_BANNED);
    assert_string_equal(out[1].suspension_reason, "spam");
    pg.has_cursor = true;
    pg.cursor_id = out[1].user.id;
    assert_int_equal(store_user_list(f->a, f->st, str_from(lower), &pg, &out, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].user.id, ids[0]);
    pg.cursor_id = ids[0];
    assert_int_equal(store_user_list(f->a, f->st, str_from(lower), &pg, &out, &n), 0);
    assert_int_equal(n, 0);
    /* The whole name matches itself; one byte more matches nothing. */
    pg.has_cursor = false;
    assert_int_equal(store_user_list(f->a, f->st, str_from(names[2]), &pg, &out, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(
        store_user_list(f->a, f->st, str_from(arena_printf(f->a, "%sx", names[2])), &pg, &out, &n),
        0);
    assert_int_equal(n, 0);
    /* Everyone, newest first: the last account made leads. */
    assert_int_equal(store_user_list(f->a, f->st, STR_NULL, &pg, &out, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].user.id, other_id);
    assert_int_equal(out[1].user.id, ids[2]);
    /* A single letter is a prefix too; what no username holds finds nobody. */
    assert_int_equal(store_user_list(f->a, f->st, str_from("z"), &pg, &out, &n), 0);
    assert_true(n >= 1);
    const char *none[] = {"a@b", "%", "_%", "\xc3\xa9", "x\"y"};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        assert_int_equal(store_user_list(f->a, f->st, str_from(none[i]), &pg, &out, &n), 0);
        assert_int_equal(n, 0);
    }
    pg.limit = -1;
    assert_int_equal(store_user_list(f->a, f->st, STR_NULL, &pg, &out, &n), STET_EINVAL);
}

/* A moderator's open or close commits with its audit entry or not at all. */
static void test_story_set_open_audit(void **state)
{
    struct suite_fx *f = *state;
    const char *mod = suite_uniq(f->a, "mod");
    int64_t mod_id = suite_add_user(f, mod, ROLE_MODERATOR);
    const char *slug = suite_uniq(f->a, "story");
    int64_t story = suite_add_story(f, slug);
    int64_t version = suite_story_of(f, slug).content_version;
    const char *target = arena_printf(f->a, "story:%s", slug);
    struct store_audit e = {.at = 1700000500,
                            .actor_id = mod_id,
                            .action = "story.close",
                            .target = target,
                            .note = ""};
    assert_int_equal(store_story_set_open_audit(f->st, story, false, &e), 0);
    assert_false(suite_story_of(f, slug).comments_open);
    assert_true(suite_story_of(f, slug).content_version > version);
    assert_audit(f, mod, "story.close", target, "");
    e.action = "story.open";
    assert_int_equal(store_story_set_open_audit(f->st, story, true, &e), 0);
    assert_true(suite_story_of(f, slug).comments_open);
    assert_audit(f, mod, "story.open", target, "");
    assert_int_equal(store_story_set_open_audit(f->st, INT64_MAX, false, &e), STET_ENOTFOUND);
    /* An entry the database refuses (no such actor) leaves the story open. */
    e.actor_id = mod_id + 100000;
    e.action = "story.close";
    assert_int_equal(store_story_set_open_audit(f->st, story, false, &e), STET_EINVAL);
    assert_true(suite_story_of(f, slug).comments_open);
}

int main(int argc, char **argv)
{
    int exit_code;
    if (!suite_start(argc, argv, "reports suite", "stet_reports", &exit_code))
        return exit_code;
    const struct CMUnitTest tests[] = {
        SUITE_TEST(test_report_threshold_holds),
        SUITE_TEST(test_report_twice_conflicts),
        SUITE_TEST(test_report_threshold_zero_and_unknown),
        SUITE_TEST(test_suspend_and_unsuspend),
        SUITE_TEST(test_suspend_audit_is_atomic),
        SUITE_TEST(test_set_role_audit),
        SUITE_TEST(test_user_list),
        SUITE_TEST(test_story_set_open_audit),
    };
    return suite_end(cmocka_run_group_tests(tests, NULL, NULL));
}
