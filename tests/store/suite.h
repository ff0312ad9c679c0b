/* The harness the store conformance suites share (test_store.c, test_edits.c,
 * test_reports.c, test_moderation.c): one binary runs on every backend, chosen by
 * its arguments, and each case gets a freshly opened, migrated store.
 *
 *   (none)          in-memory SQLite, or STET_TEST_STORE_URL when set
 *   URL             that store
 *   --pg            STET_TEST_PG_DSN (or a fresh database in STET_TEST_PG_DIR's
 *                   cluster, see pgtest.h); the run is skipped when it is unset
 *   ... --pool      every case borrows its connections from a store_pool, so each
 *                   comment insert goes through the group committer; alone, on a
 *                   fresh SQLite file (the pool's connections share one database)
 *
 * Names carry a per-run tag (suite_uniq) so a shared server database does not
 * collide with earlier runs. */
#ifndef STET_TESTS_STORE_SUITE_H
#define STET_TESTS_STORE_SUITE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/store.h"

/* Set once by suite_start, read by the cases. */
extern const char *g_url;
extern bool g_pool;
extern unsigned g_tag; /* differs between runs */
extern unsigned g_seq; /* the last number suite_uniq handed out */

/* A case's store: opened and migrated by suite_setup, closed by suite_teardown. */
struct suite_fx {
    struct store *st;
    struct store_pool *pool; /* with --pool: st is its view */
    struct arena *a;
};

/* Reads the arguments above and prints the suite's banner. Returns true when the
 * cases should run; false with *exit_code set (skipped: PGTEST_SKIP; failed: 1).
 * `name` heads the banner ("edits suite"); `db_prefix` starts a fresh PostgreSQL
 * database's name. */
bool suite_start(int argc, char **argv, const char *name, const char *db_prefix, int *exit_code);

/* Removes the pool's SQLite file, if suite_start made one; returns `failed`, the
 * count cmocka_run_group_tests returned. */
int suite_end(int failed);

/* Opens and migrates f's store (a pool's view with --pool) and makes its arena;
 * on failure nothing is left open. suite_fx_close releases all of it. */
int suite_fx_open(struct suite_fx *f);
void suite_fx_close(struct suite_fx *f);

/* cmocka setup and teardown for cases whose state is a struct suite_fx. */
int suite_setup(void **state);
int suite_teardown(void **state);
#define SUITE_TEST(fn) cmocka_unit_test_setup_teardown(fn, suite_setup, suite_teardown)

/* A name unique to this run and call: "<prefix>-<tag>-<seq>", from `a`. */
const char *suite_uniq(struct arena *a, const char *prefix);

/* Runs trusted SQL on one connection (one of the pool's own when there is a pool,
 * so a temporary table lives and dies on the connection that made it). */
int suite_exec_sql(struct suite_fx *f, const char *sql);

/* An open story titled "A title" published at 1700000000; fails the case unless
 * the insert succeeds. Returns its id. */
int64_t suite_add_story(struct suite_fx *f, const char *slug);

/* A user named `username` (also its display name, email "<username>@example.com")
 * with `role`. Returns its id. */
int64_t suite_add_user(struct suite_fx *f, const char *username, enum role role);

/* A top-level comment "words" on `story_id` by `author_id` with `status`. Returns
 * its id. */
int64_t suite_add_comment(struct suite_fx *f, int64_t story_id, int64_t author_id,
                          enum comment_status status);

/* The story or comment as the store has it now; fails the case when not found. */
struct story suite_story_of(struct suite_fx *f, const char *slug);
struct comment suite_comment_of(struct suite_fx *f, int64_t id);

#endif
