/* Checks that the PostgreSQL backend's list and lookup queries are served by indexes
 * on a database with a few thousand rows: no sequential scan in any plan, custom or
 * generic, and no sort outside the viewer listings (which sort at most two pages)
 * and the login lookup (at most two rows). Needs STET_TEST_PG_DIR; skipped without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "store/pg/pg_store.h"
#include "store/store.h"

#include "pgtest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Enough rows that the planner's choice of an index is not a coin toss: comments on
 * the first COMMENTED stories, the rest bare. */
enum { N_STORIES = 2000, N_USERS = 1000, COMMENTED = 20, PER_STORY = 200 };

/* No plan reads comments, stories or sessions sequentially. story_list must also
 * not sort: the index order serves ORDER BY. The comment listings sort what their
 * branches' LIMITs let through (a page of visible comments, one of placeholders,
 * for a viewer one of their held ones), the login lookup at most two rows,
 * comment_events the few rows after its cursor that a bitmap scan of
 * comments_events found, and comment_nth the ids before a comment, which
 * comment_position counts anyway. (With only a thousand users the planner may read users
 * whole for a generic plan; with more it switches to users_pkey.) */
static void assert_indexed(const char *plan)
{
    const char *line = plan;
    bool may_sort = false;
    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
        if (strncmp(buf, "== ", 3) == 0)
            may_sort = strstr(buf, "comment_list") != NULL || strstr(buf, "login") != NULL ||
                       strstr(buf, "comment_nth") != NULL || strstr(buf, "events") != NULL ||
                       strstr(buf, "moderation_queue") != NULL ||
                       strstr(buf, "user_list_prefix") != NULL || strstr(buf, "own_held") != NULL;
        if (strstr(buf, "Seq Scan on comments") != NULL ||
            strstr(buf, "Seq Scan on stories") != NULL ||
            strstr(buf, "Seq Scan on sessions") != NULL) {
            fputs(plan, stderr);
            print_error("sequential scan in plan line: %s\n", buf);
            fail();
        }
        if (!may_sort && strstr(buf, "Sort") != NULL) {
            fputs(plan, stderr);
            print_error("sort in plan line: %s\n", buf);
            fail();
        }
        line += len;
        if (*line == '\n')
            line++;
    }
}

/* The lines of `plan` under every "== NAME ..." header (both plan modes), or fail. */
static const char *sections(struct arena *a, const char *plan, const char *name)
{
    struct buf b;
    char head[64];
    snprintf(head, sizeof(head), "== %s ", name);
    buf_init(&b);
    for (const char *at = strstr(plan, head); at != NULL; at = strstr(at + 1, head)) {
        const char *end = strstr(at + 1, "\n== ");
        buf_append(&b, at, end != NULL ? (size_t)(end - at) + 1 : strlen(at));
    }
    if (b.len == 0)
        fail_msg("no plan for %s", name);
    const char *out = arena_strndup(a, b.data, b.len);
    buf_cleanup(&b);
    return out;
}

/* The listings walk comments_story in the story's id order, and its placeholders in
 * comments_placeholders: never the primary key of all comments, filtering for the
 * story (what "ORDER BY id" invited). */
static void assert_story_range_scan(struct arena *a, const char *plan, const char *name)
{
    const char *sec = sections(a, plan, name);
    if (strstr(sec, "using comments_story") == NULL ||
        strstr(sec, "using comments_placeholders") == NULL ||
        strstr(sec, "comments_pkey") != NULL) {
        fputs(sec, stderr);
        fail_msg("%s does not walk comments_story", name);
    }
}

/* Every list and lookup query with sample parameters (story `story_id`, viewer
 * `viewer_id`, events after `after_seq`), after ANALYZE, as custom and as generic
 * plans: "== name mode" headers (the queries.def id in lower case) each followed by
 * the plan's lines. */
static const char *list_plans(struct arena *a, struct store *st, int64_t story_id,
                              int64_t viewer_id, int64_t after_seq)
{
    const struct {
        enum sql_query q;
        const char *args;
    } lists[] = {
        {Q_STORY_LIST, "9223372036854775807, 9223372036854775807, 20"},
        {Q_STORY_COUNT, "'no-such-slug'"},
        {Q_COMMENT_LIST_ASC,
         arena_printf(a, "%lld, -9223372036854775808, 50", (long long)story_id)},
        {Q_COMMENT_LIST_DESC,
         arena_printf(a, "%lld, 9223372036854775807, 50", (long long)story_id)},
        {Q_COMMENT_LIST_VIEWER_ASC, arena_printf(a, "%lld, -9223372036854775808, 50, %lld",
                                                 (long long)story_id, (long long)viewer_id)},
        {Q_COMMENT_LIST_VIEWER_DESC, arena_printf(a, "%lld, 9223372036854775807, 50, %lld",
                                                  (long long)story_id, (long long)viewer_id)},
        {Q_COMMENT_LIST_OWN_HELD_ASC, arena_printf(a, "%lld, -9223372036854775808, 20, %lld",
                                                   (long long)story_id, (long long)viewer_id)},
        {Q_COMMENT_LIST_OWN_HELD_DESC, arena_printf(a, "%lld, 9223372036854775807, 20, %lld",
                                                    (long long)story_id, (long long)viewer_id)},
        /* A stream catching up is a few numbers behind. */
        {Q_COMMENT_EVENTS,
         arena_printf(a, "%lld, %lld, 50", (long long)story_id, (long long)after_seq)},
        {Q_COMMENT_POSITION, arena_printf(a, "%lld, 9223372036854775807", (long long)story_id)},
        {Q_COMMENT_NTH, arena_printf(a, "%lld, 9223372036854775807, 99", (long long)story_id)},
        {Q_USER_FIND_LOGIN, "'somebody'"},
        {Q_SESSION_FIND, "'0123456789abcdef0123456789abcdef0123456789abcdef01234567"
                         "89abcdef', 0"},
        {Q_MODERATION_QUEUE_ASC, "-9223372036854775808, 50"},
        {Q_MODERATION_QUEUE_DESC, "9223372036854775807, 50"},
        {Q_AUDIT_LIST, "9223372036854775807, 50"},
        {Q_USER_LIST, "9223372036854775807, 50"},
        {Q_USER_LIST_PREFIX, "'planner1', 'planner2', 9223372036854775807, 50"},
        /* The spam filter's reads before a post. */
        {Q_SPAM_SIGNALS, arena_printf(a, "123456789, 4000, %lld, %lld, 5100, 5",
                                      (long long)story_id, (long long)viewer_id)},
        {Q_SPAM_COUNTS, "'[\"tok17\",\"tok99\",\"unseen\"]', 200"},
    };
    static const char *const modes[] = {"force_custom_plan", "force_generic_plan"};
    const char *all = "";
    assert_int_equal(store_exec_sql(st, "ANALYZE"), 0);
    for (size_t m = 0; m < 2; m++) {
        for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
            const char *plan = NULL;
            assert_int_equal(pg_store_explain(a, st, lists[i].q, lists[i].args, m == 1, &plan), 0);
            char *name = arena_strdup(a, sql_query_def(lists[i].q)->name);
            for (char *p = name; *p != '\0'; p++)
                *p = (char)tolower((unsigned char)*p);
            all = arena_printf(a, "%s== %s %s\n%s", all, name, modes[m], plan);
        }
    }
    return all;
}

static void test_pg_plans(void **state)
{
    (void)state;
    char url[1024];
    struct store *st;
    int64_t stories[N_STORIES], users[N_USERS];
    if (pgtest_env("STET_TEST_PG_DIR") == NULL) {
        print_message("skipped: STET_TEST_PG_DIR is not set\n");
        skip();
    }
    struct arena *a = arena_new(65536);
    assert_non_null(pgtest_fresh_url("stet_plan", url, sizeof(url)));
    assert_int_equal(store_open(url, &st), 0);
    assert_int_equal(store_migrate(st, NULL), 0);
    for (int i = 0; i < N_STORIES; i++) {
        struct story s = {.slug = arena_printf(a, "plan-%d", i),
                          .title = "t",
                          .body_src = "b",
                          .body_html = "b",
                          .published_at = 1000 + i * 7 % N_STORIES,
                          .created_at = 1000 + i,
                          .comments_open = true};
        assert_int_equal(store_story_insert(st, &s, &stories[i]), 0);
    }
    for (int i = 0; i < N_USERS; i++) {
        struct user u = {.username = arena_printf(a, "planner%d", i),
                         .display_name = "P",
                         .email = arena_printf(a, "planner%d@x.example", i)};
        assert_int_equal(store_user_insert(st, &u, "h", &users[i]), 0);
        char tok[65];
        snprintf(tok, sizeof(tok), "%064x", i);
        assert_int_equal(store_session_insert(st, tok, users[i], 1, 2), 0);
    }
    for (int k = 0; k < PER_STORY; k++) {
        for (int i = 0; i < COMMENTED; i++) {
            struct comment c = {.story_id = stories[i],
                                .author_id = users[(k + i) % N_USERS],
                                .body_src = "some words",
                                .body_html = "<p>some words</p>",
                                .created_at = 5000 + k,
                                .status = k % 10 == 3 ? COMMENT_HELD : COMMENT_VISIBLE};
            assert_int_equal(store_comment_insert(st, &c, NULL, NULL), 0);
        }
    }
    /* Some visible comments flagged, for the moderation queue's second
     * branch (the held ones are every tenth above), a few deleted ones kept as
     * "comment deleted" placeholders, and an audit log to page. */
    assert_int_equal(store_exec_sql(st,
                                    "UPDATE comments SET report_count = 1 "
                                    "WHERE status = 'visible' AND id % 97 = 5; "
                                    "UPDATE comments SET status = 'deleted', placeholder = true "
                                    "WHERE status = 'visible' AND id % 89 = 7; "
                                    "INSERT INTO audit_log (at, action, target) "
                                    "SELECT g, 'comment.reject', 'comment:' || g "
                                    "FROM generate_series(1, 3000) g; "
                                    "UPDATE comments SET spam_hash = id % 500 "
                                    "WHERE id % 3 = 0; "
                                    "INSERT INTO spam_tokens (token, spam, ham) "
                                    "SELECT 'tok' || g, g % 3, g % 5 "
                                    "FROM generate_series(1, 20000) g"),
                     0);
    const char *plan = list_plans(a, st, stories[3], users[0], PER_STORY * 9 / 10 - 5);
    if (pgtest_env("STET_TEST_VERBOSE") != NULL)
        fputs(plan, stderr);
    assert_indexed(plan);
    assert_story_range_scan(a, plan, "comment_list_asc");
    assert_story_range_scan(a, plan, "comment_list_desc");
    assert_story_range_scan(a, plan, "comment_list_viewer_asc");
    assert_story_range_scan(a, plan, "comment_list_viewer_desc");
    /* Logins are looked up by the keys stet computes, never by lower(). */
    const char *login = sections(a, plan, "user_find_login");
    assert_non_null(strstr(login, "users_username_key"));
    assert_non_null(strstr(login, "users_email_key"));
    assert_non_null(strstr(plan, "comments_events"));
    /* A comment's place: the visible ones counted by their range, never the primary
     * key of every comment; the placeholders by their index. */
    const char *place[] = {"comment_position", "comment_nth"};
    for (size_t i = 0; i < 2; i++) {
        const char *sec = sections(a, plan, place[i]);
        if (strstr(sec, "comments_placeholders") == NULL || strstr(sec, "comments_pkey") != NULL) {
            fputs(sec, stderr);
            fail_msg("%s does not read comments_placeholders", place[i]);
        }
    }
    assert_non_null(strstr(plan, "stories_published"));
    /* The moderation queue: held comments by comments_status, flagged ones by the
     * partial index of only those; never the primary key of every comment. */
    const char *queue[] = {"moderation_queue_asc", "moderation_queue_desc"};
    for (size_t i = 0; i < 2; i++) {
        const char *sec = sections(a, plan, queue[i]);
        if (strstr(sec, "comments_status") == NULL || strstr(sec, "comments_reported") == NULL ||
            strstr(sec, "comments_pkey") != NULL) {
            fputs(sec, stderr);
            fail_msg("%s does not read comments_status and comments_reported", queue[i]);
        }
    }
    assert_non_null(strstr(sections(a, plan, "audit_list"), "audit_log_pkey"));
    /* A reader's own held comments on a story: a range of their author's held
     * comments, never the story's (comments_story) nor every comment's. */
    const char *own[] = {"comment_list_own_held_asc", "comment_list_own_held_desc"};
    for (size_t i = 0; i < 2; i++) {
        const char *sec = sections(a, plan, own[i]);
        if (strstr(sec, "comments_author_status") == NULL ||
            strstr(sec, "comments_story") != NULL || strstr(sec, "comments_pkey") != NULL) {
            fputs(sec, stderr);
            fail_msg("%s does not read comments_author_status alone", own[i]);
        }
    }
    /* The users page: everyone by the primary key, a prefix by the byte-order key
     * index (never a walk of every account). */
    assert_non_null(strstr(sections(a, plan, "user_list"), "users_pkey"));
    const char *prefix = sections(a, plan, "user_list_prefix");
    if (strstr(prefix, "users_username_key_c") == NULL || strstr(prefix, "users_pkey") != NULL) {
        fputs(prefix, stderr);
        fail_msg("user_list_prefix does not read users_username_key_c");
    }
    /* The spam filter: the duplicate check and the posting speed each one range of
     * their index; the token counts by the primary key, never the whole table. */
    const char *spam = sections(a, plan, "spam_signals");
    if (strstr(spam, "comments_spam_hash") == NULL ||
        strstr(spam, "comments_author_time") == NULL) {
        fputs(spam, stderr);
        fail_msg("spam_signals does not read comments_spam_hash and comments_author_time");
    }
    const char *counts = sections(a, plan, "spam_counts");
    if (strstr(counts, "spam_tokens_pkey") == NULL || strstr(counts, "Seq Scan on spam_tokens")) {
        fputs(counts, stderr);
        fail_msg("spam_counts does not look tokens up by spam_tokens_pkey");
    }
    store_close(st);
    arena_free(a);
}

static void test_conninfo_defaults(void **state)
{
    (void)state;
    struct arena *a = arena_new(4096);
    const char *info = NULL;
    assert_int_equal(pg_store_conninfo(a, "postgresql:///db?host=/tmp/x&port=5999", &info), 0);
    assert_non_null(strstr(info, "connect_timeout=5\n"));
    assert_non_null(strstr(info, "application_name=stet\n"));
    assert_non_null(strstr(info, "client_encoding=UTF8\n"));
    assert_non_null(strstr(info, "dbname=db\n"));
    /* What the URL says wins, and a password is never echoed. */
    assert_int_equal(pg_store_conninfo(a,
                                       "postgres://u:s3cret@localhost/db?connect_timeout=2&"
                                       "application_name=node1&client_encoding=LATIN1",
                                       &info),
                     0);
    assert_non_null(strstr(info, "connect_timeout=2\n"));
    assert_null(strstr(info, "connect_timeout=5"));
    assert_non_null(strstr(info, "application_name=node1\n"));
    assert_non_null(strstr(info, "client_encoding=UTF8\n"));
    assert_null(strstr(info, "LATIN1"));
    assert_null(strstr(info, "s3cret"));
    assert_int_equal(pg_store_conninfo(a, "postgresql://host/db?nonsense=1", &info), STET_EINVAL);
    struct store *st = (struct store *)&st;
    assert_int_equal(store_open("postgresql://host/db?nonsense=1", &st), STET_EINVAL);
    assert_null(st);
    /* Nothing listens there: a quick EUNAVAIL, not a hang. */
    assert_int_equal(store_open("postgresql:///db?host=/nonexistent-stet-dir&port=1", &st),
                     STET_EUNAVAIL);
    assert_null(st);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conninfo_defaults),
        cmocka_unit_test(test_pg_plans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
