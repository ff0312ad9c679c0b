/* What a database driver gives the SQL core (store/sql/): a connection that runs the
 * statements of queries.def by id with bound parameters, rows read one at a time,
 * transactions, and the few things that only a driver can know (its migrations,
 * whether the data changed, a commit that may skip its fsync, the bulk copy's
 * statements). A driver maps its library's errors to STET_E* and logs them; it holds
 * no query logic. Private to store/: store/sqlite and store/pg implement it. */
#ifndef STET_STORE_SQL_DRIVER_H
#define STET_STORE_SQL_DRIVER_H

#include "base/embedded.h"
#include "base/str.h"
#include "store/copy.h"
#include "store/sql/queries.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- parameters ---- */

enum sql_arg_type {
    SQL_ARG_NULL,
    SQL_ARG_INT,  /* .i */
    SQL_ARG_BOOL, /* .i, 0 or 1 */
    SQL_ARG_TEXT, /* .p, .len bytes (not NUL-terminated), owned by the caller */
};

struct sql_arg {
    enum sql_arg_type type;
    int64_t i;
    const char *p;
    size_t len;
};

#define SQL_MAX_ARGS 16

/* Filled by the sql_arg_* builders (exec.h); `too_long`: a text was over
 * SQL_TEXT_MAX and the statement must not run (ELIMIT). */
struct sql_args {
    int n;
    bool too_long;
    struct sql_arg v[SQL_MAX_ARGS];
};

/* ---- a connection and its results ---- */

struct sql_driver;
struct sql_copy_ops;

/* One connection. `base` is the connection seen as a store (base.ops is the SQL
 * core's table, base.lessor NULL: an operation runs on this connection itself), so a
 * driver's open hands out &conn->base. A connection is used by one thread at a time. */
struct sql_conn {
    struct store base;
    const struct sql_driver *drv;
    const struct sql_copy_ops *copy; /* drv's own; a test may put a patched copy here */
};

/* A result being read. The driver owns `impl` (a prepared statement it steps, or a
 * fetched result and `row`, the current row's index) from query until done. */
struct sql_rows {
    struct sql_conn *conn;
    enum sql_query q;
    void *impl;
    int row;
};

enum sql_tx {
    SQL_TX_BEGIN,    /* read-write; SQLite takes the write lock at once */
    SQL_TX_SNAPSHOT, /* read-only, one consistent view of every table */
    /* EIO (logged, rolled back) when a statement failed inside the transaction:
     * PostgreSQL would "commit" such a transaction by rolling it back. A no-op when
     * no transaction is open. */
    SQL_TX_COMMIT,
    SQL_TX_ROLLBACK,       /* a no-op when none is open; never fails */
    SQL_TX_SAVEPOINT,      /* sets the savepoint gc_row */
    SQL_TX_NEXT_SAVEPOINT, /* releases gc_row and sets it again */
    SQL_TX_ROLLBACK_TO,    /* undoes what followed gc_row, which stays set */
};

struct sql_driver {
    const char *name; /* "sqlite", "postgres": the prefix of its log lines */
    enum sql_dialect dialect;
    const struct embedded_file *migrations; /* NNNN_name.sql, any order */

    void (*close)(struct sql_conn *c);

    /* Runs `q` (its text in this dialect, never NULL here) with `a` (a->n ==
     * sql_query_def(q)->n_params). 0: rows->impl is set and `next` reads the rows;
     * the caller ends with `done`, also when it reads none. Negative: nothing to read
     * or end. An error may also surface at the first `next` (SQLite steps lazily). */
    int (*query)(struct sql_conn *c, enum sql_query q, const struct sql_args *a,
                 struct sql_rows *rows);
    /* 1: a row is current; 0: no more rows; negative: the statement failed. */
    int (*next)(struct sql_rows *r);
    /* The current row's columns, counted from 0. A NULL reads as 0, false or "". */
    bool (*is_null)(struct sql_rows *r, int col);
    int64_t (*col_int)(struct sql_rows *r, int col);
    bool (*col_bool)(struct sql_rows *r, int col);
    /* Valid until the next `next` or `done`; may hold NUL bytes. */
    struct str (*col_text)(struct sql_rows *r, int col);
    /* Ends the result and returns the rows the statement changed (meaningful for an
     * INSERT, UPDATE or DELETE that ran to its end). */
    int64_t (*done)(struct sql_rows *r);

    int (*tx)(struct sql_conn *c, enum sql_tx step);
    /* True while a transaction is open and usable (savepoints can still undo a
     * failed statement); false after an error that ended it or the connection. */
    bool (*in_tx)(struct sql_conn *c);
    /* Runs trusted SQL text that may hold several statements (a migration file). */
    int (*exec_script)(struct sql_conn *c, const char *sql, const char *what);

    /* See store_data_changed. NULL when the driver cannot tell. */
    int (*data_changed)(struct sql_conn *c, bool *changed);
    /* Optional: make the next transaction's commit skip its fsync (a rate-limit
     * bucket lost in a power cut costs nothing). True when something was lowered;
     * fast_commit_end puts it back and fails while it cannot (the connection then
     * refuses every statement until it can). */
    bool (*fast_commit_begin)(struct sql_conn *c);
    int (*fast_commit_end)(struct sql_conn *c, bool lowered);
};

/* The bulk copier's statements (store_copy), built by copy.c from checked
 * identifiers: text that is not a query of queries.def. */
struct sql_copy_ops {
    /* Runs `select` (SELECT of n columns) and calls fn for each row: values as
     * text, integers in decimal and booleans "0"/"1", NULL for SQL NULL. Streams:
     * the rows are not all held at once. A non-zero fn return stops and is passed
     * back. */
    int (*export_rows)(struct sql_conn *c, const char *select, size_t n, store_row_fn fn,
                       void *ctx);
    /* Prepares `insert` (an INSERT of n ?N parameters); import_row inserts one row of
     * values in export_rows' format (the database converts the text to each
     * column's type); import_end releases it (twice is harmless). One import at a
     * time per connection. A refused row is EINVAL (bad value or missing
     * referenced row), ECONFLICT (key taken) or EIO. */
    int (*import_begin)(struct sql_conn *c, const char *insert, size_t n);
    int (*import_row)(struct sql_conn *c, const char *const *values, const size_t *lens, size_t n);
    void (*import_end)(struct sql_conn *c);
    /* After rows were inserted with explicit ids: makes the next generated value of
     * table.column follow the largest one present (checked identifiers). */
    int (*sync_ids)(struct sql_conn *c, const char *table, const char *column);
};

/* The connection behind a store that is one; NULL for a pool's view. */
static inline struct sql_conn *sql_conn_of(struct store *st)
{
    return st->lessor == NULL ? (struct sql_conn *)st : NULL;
}

/* The SQL core's operations table, which every connection's base.ops points to. */
extern const struct store_ops sql_store_ops;

#endif
