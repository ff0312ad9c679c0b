/* Checks migrations that rewrite existing rows, on both backends: a database is
 * built as an older release left it (migrated only that far, rows inserted by
 * hand), then migrated. 0002: every visible comment must carry its story's 1..n in
 * (created_at, id) order. 0005: usernames and e-mail addresses get their ASCII-only
 * comparison keys, and accounts that would become one under that rule stop the
 * migration with a clear message instead of being merged. 0013 (SQLite): the comments
 * table rebuilt keeps every row, reference and rule, and a migration that would
 * leave a reference broken stops and changes nothing. PostgreSQL runs only with
 * STET_TEST_PG_DIR (a fresh database is needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/pg/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

#include "pgtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char old_rows[] =
    "INSERT INTO users (id, username, display_name, email, password_hash, role, created_at) "
    "VALUES (1, 'old', 'Old', 'old@x.example', 'h', 'reader', 1);"
    "INSERT INTO stories (id, slug, title, body_src, body_html, published_at, created_at, "
    "comment_count) VALUES (1, 's1', 't', 'b', 'b', 1, 1, 4), (2, 's2', 't', 'b', 'b', 1, 1, 0),"
    " (3, 's3', 't', 'b', 'b', 1, 1, 0), (4, 's4', 't', 'b', 'b', 1, 1, 1);"
    "INSERT INTO comments (id, story_id, author_id, body_src, body_html, created_at, status) "
    "VALUES (10, 1, 1, 'b', 'b', 50, 'visible'), (11, 1, 1, 'b', 'b', 40, 'visible'),"
    " (12, 1, 1, 'b', 'b', 40, 'held'), (13, 1, 1, 'b', 'b', 40, 'visible'),"
    " (14, 1, 1, 'b', 'b', 60, 'deleted'), (15, 1, 1, 'b', 'b', 45, 'visible'),"
    " (20, 3, 1, 'b', 'b', 1, 'held'), (30, 4, NULL, 'b', 'b', 5, 'visible');";

static int64_t story_seq(struct arena *a, struct store *st, const char *slug)
{
    struct story s;
    assert_int_equal(store_story_find(a, st, str_from(slug), &s), 0);
    return s.event_seq;
}

static int64_t comment_seq(struct arena *a, struct store *st, int64_t id)
{
    struct comment c;
    assert_int_equal(store_comment_find(a, st, id, &c), 0);
    return c.event_seq;
}

static void check_backfill(const char *url)
{
    struct store *st;
    struct arena *a = arena_new(8192);
    int applied = -1;
    assert_int_equal(store_open(url, &st), 0);
    assert_int_equal(store_migrate_upto(st, 1, &applied), 0);
    assert_int_equal(applied, 1);
    assert_int_equal(store_exec_sql(st, old_rows), 0);
    assert_int_equal(store_migrate(st, &applied), 0);
    assert_true(applied >= 1);

    /* Story 1 by (created_at, id): 11 (40), 13 (40), 15 (45), 10 (50); held and
     * deleted ones get none. */
    const int64_t order[] = {11, 13, 15, 10};
    for (int i = 0; i < 4; i++)
        assert_int_equal(comment_seq(a, st, order[i]), i + 1);
    assert_int_equal(comment_seq(a, st, 12), 0);
    assert_int_equal(comment_seq(a, st, 14), 0);
    assert_int_equal(comment_seq(a, st, 20), 0);
    assert_int_equal(comment_seq(a, st, 30), 1);
    assert_int_equal(story_seq(a, st, "s1"), 4);
    assert_int_equal(story_seq(a, st, "s2"), 0);
    assert_int_equal(story_seq(a, st, "s3"), 0);
    assert_int_equal(story_seq(a, st, "s4"), 1);

    struct comment *rows;
    size_t n;
    assert_int_equal(store_comment_events(a, st, 1, 0, 10, &rows, &n), 0);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rows[i].id, order[i]);

    /* New comments continue each story's numbering. */
    struct comment c = {.story_id = 1,
                        .author_id = 1,
                        .body_src = "new",
                        .body_html = "new",
                        .created_at = 1,
                        .status = COMMENT_VISIBLE};
    int64_t id, seq;
    assert_int_equal(store_comment_insert(st, &c, &id, &seq), 0);
    assert_int_equal(seq, 5);
    c.story_id = 3;
    assert_int_equal(store_comment_insert(st, &c, &id, &seq), 0);
    assert_int_equal(seq, 1);
    store_close(st);
    arena_free(a);
}

static void test_backfill_sqlite(void **state)
{
    (void)state;
    check_backfill("sqlite::memory:");
}

static void test_backfill_pg(void **state)
{
    (void)state;
    char url[1024];
    if (pgtest_env("STET_TEST_PG_DIR") == NULL) {
        print_message("postgres part skipped: STET_TEST_PG_DIR is not set\n");
        skip();
    }
    assert_non_null(pgtest_fresh_url("stet_backfill", url, sizeof(url)));
    check_backfill(url);
}

/* ---- 0005: identity keys ---- */

/* Users as release 0004 could hold them. On PostgreSQL lower() folds É, so the
 * backfill must not use it: "JOSÉ@Example.org" keeps its É in the key. */
static const char users_0004[] =
    "INSERT INTO users (id, username, display_name, email, password_hash, role, created_at) "
    "VALUES (1, 'Kate', 'K', 'Kate@Example.ORG', 'h', 'reader', 1),"
    " (2, 'bob', 'B', 'JOS\xc3\x89@Example.org', 'h', 'reader', 1);";

static struct store *open_at_0004(const char *url)
{
    struct store *st;
    int applied = -1;
    assert_int_equal(store_open(url, &st), 0);
    assert_int_equal(store_migrate_upto(st, 4, &applied), 0);
    assert_int_equal(applied, 4);
    return st;
}

static int64_t login_id(struct arena *a, struct store *st, const char *login)
{
    struct user u;
    int rc = store_user_find_login(a, st, str_from(login), &u, NULL);
    return rc == 0 ? u.id : rc;
}

static void check_identity_keys(const char *url)
{
    struct arena *a = arena_new(8192);
    struct store *st = open_at_0004(url);
    assert_int_equal(store_exec_sql(st, users_0004), 0);
    assert_int_equal(store_migrate(st, NULL), 0);

    assert_int_equal(login_id(a, st, "KATE"), 1);
    assert_int_equal(login_id(a, st, "kate@example.org"), 1);
    assert_int_equal(login_id(a, st, "Jos\xc3\x89@EXAMPLE.ORG"), 2);
    assert_int_equal(login_id(a, st, "jos\xc3\xa9@example.org"), STET_ENOTFOUND);
    assert_int_equal(login_id(a, st,
                              "\xe2\x84\xaa"
                              "ate"),
                     STET_ENOTFOUND);
    /* The unique indexes on the keys hold from now on. */
    struct user dup = {.username = "kATE", .display_name = "d", .email = "new@x.example"};
    int64_t id;
    assert_int_equal(store_user_insert(st, &dup, "h", &id), STET_ECONFLICT);
    dup.username = "newcomer";
    dup.email = "KATE@example.org";
    assert_int_equal(store_user_insert(st, &dup, "h", &id), STET_ECONFLICT);
    store_close(st);
    arena_free(a);
}

/* Runs migrate with stderr (where the store logs) sent to a file; returns its rc
 * and what was logged. */
static int migrate_logged(struct store *st, char *log, size_t size)
{
    char path[] = "/tmp/stet-backfill-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fd, 2) == 2);
    int rc = store_migrate(st, NULL);
    fflush(stderr);
    assert_true(dup2(saved, 2) == 2);
    close(saved);
    ssize_t n = pread(fd, log, size - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return rc;
}

/* Rows that were two accounts under the old lower() index but are one under the
 * new rule (PostgreSQL under a Turkish locale, where lower('KIM') is not 'kim', or
 * SQLite with ICU): the migration fails, says why, and changes nothing. */
static void check_identity_clash(const char *url, bool pg)
{
    struct arena *a = arena_new(8192);
    struct store *st = open_at_0004(url);
    char log[4096];
    /* Stands in for such a database: old indexes under the same names that, like
     * that lower(), tell these spellings apart. */
    assert_int_equal(store_exec_sql(st,
                                    "DROP INDEX users_username_lower; DROP INDEX users_email_lower;"
                                    "CREATE UNIQUE INDEX users_username_lower ON users (username);"
                                    "CREATE UNIQUE INDEX users_email_lower ON users (email);"
                                    "INSERT INTO users (id, username, display_name, email, "
                                    "password_hash, role, created_at) VALUES "
                                    "(1, 'Kim', 'K', 'kim@x.example', 'h', 'reader', 1),"
                                    "(2, 'KIM', 'K', 'other@x.example', 'h', 'reader', 1),"
                                    "(3, 'ann', 'A', 'Ann@X.example', 'h', 'reader', 1),"
                                    "(4, 'anne', 'A', 'ANN@x.EXAMPLE', 'h', 'reader', 1);"),
                     0);
    assert_int_not_equal(migrate_logged(st, log, sizeof(log)), 0);
    if (getenv("STET_TEST_VERBOSE") != NULL)
        print_message("%s", log);
    if (strstr(log, "migration 0005") == NULL || strstr(log, "ASCII case folding") == NULL)
        fail_msg("no clear message for the clash; the log said: %s", log);
    if (pg && (strstr(log, "users 1, 2") == NULL || strstr(log, "users 3, 4") == NULL))
        fail_msg("the message does not name the accounts: %s", log);
    /* Nothing changed: both accounts are still there, under their own names. (Read
     * with SQL: the store's own reads name columns of later migrations.) */
    assert_int_equal(store_exec_sql(st, "CREATE TEMP TABLE kept (n INTEGER CHECK (n = 2));"
                                        "INSERT INTO kept SELECT count(*) FROM users WHERE "
                                        "(id = 1 AND username = 'Kim') OR "
                                        "(id = 2 AND username = 'KIM');"
                                        "DROP TABLE kept;"),
                     0);
    assert_int_not_equal(migrate_logged(st, log, sizeof(log)), 0);

    /* Once the operator renamed one of each pair, the migration goes through. */
    assert_int_equal(store_exec_sql(st, "UPDATE users SET username = 'kim2' WHERE id = 2;"
                                        "UPDATE users SET email = 'anne@x.example' WHERE id = 4;"),
                     0);
    assert_int_equal(store_migrate(st, NULL), 0);
    assert_int_equal(login_id(a, st, "kim"), 1);
    assert_int_equal(login_id(a, st, "KIM2"), 2);
    assert_int_equal(login_id(a, st, "ann@x.example"), 3);
    assert_int_equal(login_id(a, st, "anne@x.example"), 4);
    store_close(st);
    arena_free(a);
}

static void test_identity_keys_sqlite(void **state)
{
    (void)state;
    check_identity_keys("sqlite::memory:");
    check_identity_clash("sqlite::memory:", false);
}

/* A fresh PostgreSQL database whose lower() folds beyond ASCII, as on most servers
 * (LC_CTYPE C.UTF-8; the test cluster's own default is C, where lower() happens to
 * fold ASCII only and hid the Kelvin-sign login). Its URL goes to `url`. */
static void unicode_database(const char *prefix, char *url, size_t size)
{
    char name[96], any[1024], sql[256];
    static unsigned counter;
    struct store *st;
    assert_non_null(pgtest_fresh_url(prefix, any, sizeof(any)));
    snprintf(name, sizeof(name), "%s_u_%ld_%d_%u", prefix, (long)time(NULL), (int)getpid(),
             ++counter);
    snprintf(sql, sizeof(sql),
             "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' "
             "LC_CTYPE 'C.UTF-8'",
             name);
    assert_int_equal(store_open(any, &st), 0);
    assert_int_equal(store_exec_sql(st, sql), 0);
    store_close(st);
    assert_int_equal(pgtest_cluster("url", name, url, size), 0);
    assert_int_equal(store_open(url, &st), 0);
    if (store_exec_sql(st,
                       "DO $$ BEGIN IF lower(U&'\\212A') <> 'k' THEN "
                       "RAISE EXCEPTION 'lower() does not fold U+212A here'; END IF; END $$") != 0)
        fail_msg("database %s does not fold like a UTF-8 server", name);
    store_close(st);
}

static void test_identity_keys_pg(void **state)
{
    (void)state;
    char url[1024];
    if (pgtest_env("STET_TEST_PG_DIR") == NULL) {
        print_message("postgres part skipped: STET_TEST_PG_DIR is not set\n");
        skip();
    }
    unicode_database("stet_ident", url, sizeof(url));
    check_identity_keys(url);
    unicode_database("stet_ident_clash", url, sizeof(url));
    check_identity_clash(url, true);
}

/* ---- 0013: SQLite's comments table rebuilt ---- */

/* Comments as release 0012 holds them: a thread, a legacy comment, a placeholder, a
 * report pointing at a comment. */
static const char comments_0012[] =
    "INSERT INTO users (id, username, display_name, email, password_hash, role, created_at) "
    "VALUES (1, 'old', 'Old', 'old@x.example', 'h', 'reader', 1);"
    "INSERT INTO stories (id, slug, title, body_src, body_html, published_at, created_at, "
    "comment_count, event_seq) VALUES (1, 's1', 't', 'b', 'b', 1, 1, 3, 2);"
    "INSERT INTO comments (id, story_id, parent_id, author_id, body_src, body_html, created_at, "
    "status, event_seq) VALUES (10, 1, NULL, 1, 'top', 'top', 5, 'visible', 1),"
    " (11, 1, 10, 1, 'reply', 'reply', 6, 'visible', 2);"
    "INSERT INTO comments (id, story_id, parent_id, legacy_author, legacy_email, body_src, "
    "body_html, created_at, is_legacy, status, legacy_source, legacy_id) "
    "VALUES (12, 1, 10, 'Ann', 'ann@x.example', 'old', 'old', 3, 1, 'visible', 'disqus', '77');"
    "INSERT INTO comments (id, story_id, author_id, body_src, body_html, created_at, status, "
    "placeholder) VALUES (13, 1, 1, '', '', 7, 'deleted', 1);"
    "INSERT INTO reports (comment_id, reporter_id, reason, created_at) VALUES (11, 1, 'spam', 8);";

static struct store *open_at_0012(const char *url)
{
    struct store *st;
    int applied = -1;
    assert_int_equal(store_open(url, &st), 0);
    assert_int_equal(store_migrate_upto(st, 12, &applied), 0);
    assert_int_equal(applied, 12);
    assert_int_equal(store_exec_sql(st, comments_0012), 0);
    return st;
}

static void test_rebuild_sqlite(void **state)
{
    (void)state;
    struct arena *a = arena_new(8192);
    struct store *st = open_at_0012("sqlite::memory:");
    int applied = -1;
    assert_int_equal(store_migrate_upto(st, 13, &applied), 0);
    assert_int_equal(applied, 1);

    struct comment c;
    assert_int_equal(store_comment_find(a, st, 11, &c), 0);
    assert_int_equal(c.parent_id, 10);
    assert_int_equal(c.event_seq, 2);
    assert_string_equal(c.body_src, "reply");
    assert_int_equal(store_comment_find(a, st, 12, &c), 0);
    assert_true(c.is_legacy);
    assert_string_equal(c.legacy_author, "Ann");
    assert_int_equal(store_comment_find(a, st, 13, &c), 0);
    assert_int_equal(c.status, COMMENT_DELETED);
    /* The rules hold: a status outside the four, a reference to nothing. */
    assert_int_not_equal(
        store_exec_sql(st, "INSERT INTO comments (story_id, body_src, body_html, created_at, "
                           "status) VALUES (1, 'x', 'x', 1, 'lost')"),
        0);
    assert_int_not_equal(
        store_exec_sql(st, "INSERT INTO comments (story_id, parent_id, body_src, body_html, "
                           "created_at) VALUES (1, 999, 'x', 'x', 1)"),
        0);
    assert_int_not_equal(store_exec_sql(st, "DELETE FROM comments WHERE id = 11"), 0);
    /* Still numbered after the rebuild: the next comment continues story 1. */
    struct comment fresh = {.story_id = 1,
                            .author_id = 1,
                            .body_src = "new",
                            .body_html = "new",
                            .created_at = 9,
                            .status = COMMENT_VISIBLE};
    int64_t id, seq;
    assert_int_equal(store_comment_insert(st, &fresh, &id, &seq), 0);
    assert_int_equal(seq, 3);
    store_close(st);
    arena_free(a);
}

/* A database holding a broken reference (written with keys off, as an old bug or a
 * hand edit could leave it): the migration that would carry it over stops, and the
 * database stays at 0012. */
static void test_rebuild_checks_keys_sqlite(void **state)
{
    (void)state;
    struct store *st = open_at_0012("sqlite::memory:");
    assert_int_equal(store_exec_sql(st, "PRAGMA foreign_keys = OFF;"
                                        "INSERT INTO reports (comment_id, reporter_id, reason, "
                                        "created_at) VALUES (999, 1, 'gone', 9);"
                                        "PRAGMA foreign_keys = ON"),
                     0);
    int applied = -1;
    assert_int_equal(store_migrate_upto(st, 13, &applied), STET_EIO);
    assert_int_equal(applied, 0);
    /* Still 0012's table: its CHECK takes no 'lost' either way, but the rebuild's
     * scratch table is gone with the rollback. */
    assert_int_not_equal(store_exec_sql(st, "SELECT 1 FROM comments_0013"), 0);
    assert_int_equal(store_exec_sql(st, "DELETE FROM reports WHERE comment_id = 999"), 0);
    assert_int_equal(store_migrate_upto(st, 13, &applied), 0);
    assert_int_equal(applied, 1);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backfill_sqlite),
        cmocka_unit_test(test_backfill_pg),
        cmocka_unit_test(test_identity_keys_sqlite),
        cmocka_unit_test(test_identity_keys_pg),
        cmocka_unit_test(test_rebuild_sqlite),
        cmocka_unit_test(test_rebuild_checks_keys_sqlite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
