/* Checks migration 0002's backfill of live-event numbers on both backends: a
 * database is built as release 0001 left it (only 0001 applied, rows inserted by
 * hand), then migrated, and every visible comment must carry its story's 1..n in
 * (created_at, id) order. PostgreSQL runs only with STET_TEST_PG_DIR (a fresh
 * database is needed). */
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

#include <string.h>

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

static void check_backfill(const char *url, bool pg)
{
    struct store *st;
    struct arena *a = arena_new(8192);
    int applied = -1;
    assert_int_equal(store_open(url, &st), 0);
    if (pg)
        assert_int_equal(pg_store_migrate_upto(st, 1, &applied), 0);
    else
        assert_int_equal(sqlite_store_migrate_upto(st, 1, &applied), 0);
    assert_int_equal(applied, 1);
    assert_int_equal(pg ? pg_store_exec(st, old_rows) : sqlite_store_exec(st, old_rows), 0);
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
    check_backfill("sqlite::memory:", false);
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
    check_backfill(url, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backfill_sqlite),
        cmocka_unit_test(test_backfill_pg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
