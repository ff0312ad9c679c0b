/* Checks that the SQLite backend's list and lookup queries are served by indexes:
 * every table access in EXPLAIN QUERY PLAN is an index search, never a full scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A plan line such as "SCAN c" reads a whole table; a scan of the comment list's
 * materialised UNION ALL branches ("SCAN (subquery-1)"), "SCAN ... USING INDEX" and
 * the one row of a SELECT without FROM ("SCAN CONSTANT ROW", the sum of two counts)
 * are bounded, and allowed. Outside the viewer listings and the moderation queue
 * (which sort at most two pages) and the login lookup (at most two rows) no query
 * may sort: the index order must serve ORDER BY. */
static void assert_no_full_scan(const char *plan)
{
    const char *line = plan;
    bool may_sort = false;
    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
        if (strncmp(buf, "== ", 3) == 0)
            may_sort = strstr(buf, "viewer") != NULL || strstr(buf, "login") != NULL ||
                       strstr(buf, "moderation_queue") != NULL ||
                       strstr(buf, "user_list_prefix") != NULL;
        const char *scan = strstr(buf, "SCAN ");
        if (scan != NULL && strstr(buf, "USING") == NULL && strstr(buf, "(subquery-") == NULL &&
            strstr(buf, "CONSTANT ROW") == NULL) {
            print_error("full scan in plan line: %s\n", buf);
            fail();
        }
        if (!may_sort && strstr(buf, "TEMP B-TREE") != NULL) {
            fputs(plan, stderr);
            print_error("sort in plan line: %s\n", buf);
            fail();
        }
        line += len;
        if (*line == '\n')
            line++;
    }
}

/* The plan of every list and lookup query, each under a "== name" header. */
static const char *list_plans(struct arena *a, struct store *st)
{
    static const struct {
        const char *name;
        enum sql_query q;
    } lists[] = {
        {"story_list", Q_STORY_LIST},
        {"story_counts", Q_STORY_COUNT},
        {"comment_list_asc", Q_COMMENT_LIST_ASC},
        {"comment_list_desc", Q_COMMENT_LIST_DESC},
        {"comment_list_viewer_asc", Q_COMMENT_LIST_VIEWER_ASC},
        {"comment_list_viewer_desc", Q_COMMENT_LIST_VIEWER_DESC},
        {"comment_list_own_held_asc", Q_COMMENT_LIST_OWN_HELD_ASC},
        {"comment_list_own_held_desc", Q_COMMENT_LIST_OWN_HELD_DESC},
        {"comment_events", Q_COMMENT_EVENTS},
        {"comment_position", Q_COMMENT_POSITION},
        {"comment_nth", Q_COMMENT_NTH},
        {"user_find_login", Q_USER_FIND_LOGIN},
        {"session_find", Q_SESSION_FIND},
        {"moderation_queue_asc", Q_MODERATION_QUEUE_ASC},
        {"moderation_queue_desc", Q_MODERATION_QUEUE_DESC},
        {"audit_list", Q_AUDIT_LIST},
        {"user_list", Q_USER_LIST},
        {"user_list_prefix", Q_USER_LIST_PREFIX},
    };
    const char *all = "";
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        const char *plan = NULL;
        assert_int_equal(sqlite_store_explain(a, st, lists[i].q, &plan), 0);
        all = arena_printf(a, "%s== %s\n%s", all, lists[i].name, plan);
    }
    return all;
}

static void test_list_queries_use_indexes(void **state)
{
    (void)state;
    struct store *st;
    struct arena *a = arena_new(4096);
    const char *plan = NULL;
    assert_int_equal(store_open("sqlite::memory:", &st), 0);
    assert_int_equal(store_migrate(st, NULL), 0);
    plan = list_plans(a, st);
    assert_no_full_scan(plan);
    /* The comment listings must walk comments_story in the story's id (commit)
     * order, not sort the story; logins go by the keys stet computes. */
    assert_non_null(strstr(plan, "comments_story (story_id=? AND status=? AND id>?)"));
    assert_non_null(strstr(plan, "comments_story (story_id=? AND status=? AND id<?)"));
    assert_null(strstr(plan, "created_at"));
    /* "comment deleted" placeholders: their own partial index, merged with the
     * visible range in id order (no sort), for the lists and a comment's page. */
    assert_non_null(strstr(plan, "comments_placeholders (story_id=? AND id>?)"));
    assert_non_null(strstr(plan, "comments_placeholders (story_id=? AND id<?)"));
    assert_non_null(strstr(plan, "MERGE (UNION ALL)"));
    assert_non_null(strstr(plan, "users_username_key (username_key=?)"));
    assert_non_null(strstr(plan, "users_email_key (email_key=?)"));
    assert_non_null(strstr(plan, "stories_published"));
    /* The moderation queue: held comments by comments_status, flagged ones by the
     * partial index of only those, each branch bounded; the audit log by its key. */
    assert_non_null(strstr(plan, "comments_status (status=? AND id>?)"));
    assert_non_null(strstr(plan, "comments_status (status=? AND id<?)"));
    assert_non_null(strstr(plan, "comments_reported (id>?)"));
    assert_non_null(strstr(plan, "comments_reported (id<?)"));
    assert_non_null(strstr(plan, "SEARCH a USING INTEGER PRIMARY KEY (rowid<?)"));
    /* A reader's own held comments on a story: their author's range, the id order
     * riding in the index (no sort), never the story's held comments. */
    assert_non_null(strstr(plan, "comments_author_status (author_id=? AND status=? AND rowid>?)"));
    assert_non_null(strstr(plan, "comments_author_status (author_id=? AND status=? AND rowid<?)"));
    /* The users page: everyone by the primary key, a prefix by its key range. */
    assert_non_null(strstr(plan, "SEARCH u USING INTEGER PRIMARY KEY (rowid<?)"));
    assert_non_null(strstr(
        plan, "SEARCH u USING INDEX users_username_key (username_key>? AND username_key<?)"));
    if (getenv("STET_TEST_VERBOSE") != NULL)
        fputs(plan, stderr);
    store_close(st);
    arena_free(a);
}

/* The spam filter's reads before each post: the duplicate check and the posting
 * speed each one bounded range of their index, the token counts one primary-key
 * search per token of the list (json_each's rows), never a scan of a table. */
static void test_spam_queries_use_indexes(void **state)
{
    (void)state;
    struct store *st;
    struct arena *a = arena_new(4096);
    const char *signals = NULL, *counts = NULL;
    assert_int_equal(store_open("sqlite::memory:", &st), 0);
    assert_int_equal(store_migrate(st, NULL), 0);
    assert_int_equal(sqlite_store_explain(a, st, Q_SPAM_SIGNALS, &signals), 0);
    assert_int_equal(sqlite_store_explain(a, st, Q_SPAM_COUNTS, &counts), 0);
    if (getenv("STET_TEST_VERBOSE") != NULL)
        fprintf(stderr, "%s\n%s", signals, counts);
    /* The scalar subqueries read from a constant row, and the count from its own
     * LIMITed co-routine ("SCAN t"): only the tables' own scans would be unbounded. */
    assert_null(strstr(signals, "SCAN comments"));
    assert_null(strstr(signals, "SCAN spam_totals"));
    assert_non_null(strstr(signals, "comments_spam_hash (spam_hash=? AND created_at>?)"));
    assert_non_null(strstr(signals, "comments_author_time (author_id=? AND created_at>?)"));
    assert_non_null(strstr(signals, "spam_totals USING INTEGER PRIMARY KEY (rowid=?)"));
    /* json_each is a table-valued function: its "SCAN j VIRTUAL TABLE" walks the
     * list passed in, bounded by STORE_SPAM_TOKENS_MAX. */
    assert_non_null(strstr(counts, "SCAN j VIRTUAL TABLE"));
    assert_non_null(strstr(counts, "SEARCH t USING PRIMARY KEY (token=?)"));
    assert_null(strstr(counts, "SCAN t"));
    store_close(st);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_queries_use_indexes),
        cmocka_unit_test(test_spam_queries_use_indexes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
