/* Bulk copy: a whole site from one database to another (`stet migrate-data`), and the
 * table-at-a-time operations it is made of. These work on one connection
 * (store_open, store_pool_acquire), never on a pool's view (EINVAL), because a copy
 * runs in one transaction. Table and column names must be plain identifiers
 * ([a-z_][a-z0-9_]*, as in store_tables()); anything else is EINVAL. They are
 * never user input. */
#ifndef STET_STORE_COPY_H
#define STET_STORE_COPY_H

#include "base/err.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* A table as the bulk copier sees it: every column, the first n_key of them its
 * primary key, and `identity` the column whose generated values must be resynced
 * after a copy (NULL when none). */
struct store_table {
    const char *name;
    const char *const *columns;
    size_t n_columns;
    size_t n_key;
    const char *identity;
};

/* Every table of the latest schema that holds site data (schema_migrations
 * excluded), in foreign-key order: a table comes after those it references. Static
 * storage; *n receives the count. */
const struct store_table *store_tables(size_t *n);

/* One row: `n` values as NUL-terminated text with their lengths in bytes, NULL for
 * SQL NULL. Integers are decimal, booleans "0" or "1" on every backend. A non-zero
 * return stops the export and is passed back. */
typedef int (*store_row_fn)(void *ctx, const char *const *values, const size_t *lens, size_t n);

enum store_tx {
    STORE_TX_SNAPSHOT, /* read-only, one consistent view of every table */
    STORE_TX_WRITE,    /* read-write, taking the write lock now */
    STORE_TX_COMMIT,   /* EIO (rolled back) when a statement in it failed */
    STORE_TX_ROLLBACK, /* a no-op when none is open */
    /* In a write transaction: EINVAL when a row written refers to one that is not
     * there (the references the commit would check), so a dry run finds it too. */
    STORE_TX_CHECK,
};

/* STORE_TX_SNAPSHOT or STORE_TX_WRITE opens a transaction that the other calls
 * then run in, until STORE_TX_COMMIT or STORE_TX_ROLLBACK. A write transaction
 * checks a reply's reference to its parent at commit, so rows may arrive in any
 * order (an imported reply can be older than its parent). */
int store_transaction(struct store *st, enum store_tx step) STET_MUST_CHECK;
/* Calls fn for every row of `table` (the `n` columns), ordered by the first `n_key`
 * columns (its primary key). Streams: rows are not all held at once. */
int store_table_export(struct store *st, const char *table, const char *const *columns, size_t n,
                       size_t n_key, store_row_fn fn, void *ctx) STET_MUST_CHECK;
/* Prepares an INSERT of the `n` columns into `table`; store_table_import_row then
 * inserts one row of values in the store_row_fn format (the database converts the
 * text to each column's type), store_table_import_end releases the statement (twice
 * is harmless). One import at a time per connection. A row the database refuses is
 * EINVAL (bad value or missing referenced row), ECONFLICT (key taken) or EIO. */
int store_table_import_begin(struct store *st, const char *table, const char *const *columns,
                             size_t n) STET_MUST_CHECK;
int store_table_import_row(struct store *st, const char *const *values, const size_t *lens,
                           size_t n) STET_MUST_CHECK;
void store_table_import_end(struct store *st);
/* After rows were inserted with explicit ids: makes the next generated value of
 * `table`.`column` follow the largest one present (PostgreSQL identity sequences;
 * nothing to do on SQLite). */
int store_table_sync_ids(struct store *st, const char *table, const char *column) STET_MUST_CHECK;

/* Called by store_copy after each table with the number of rows copied. */
typedef void (*store_copy_progress_fn)(void *ctx, const char *table, int64_t rows);

/* Moves a whole site: migrates both databases to the latest schema, then, inside
 * one write transaction on `to` (all or nothing) and one snapshot on `from`, copies
 * every row of every store_tables() table with its ids, and resyncs generated ids.
 * `progress` may be NULL. ECONFLICT (logged) when `to` already holds rows, and only
 * then; otherwise 0 or the first error (logged; `to` is left unchanged). */
int store_copy(struct store *from, struct store *to, store_copy_progress_fn progress,
               void *ctx) STET_MUST_CHECK;

#endif
