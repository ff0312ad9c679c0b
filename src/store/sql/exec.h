/* How the SQL core runs a statement of queries.def: borrow a connection from the
 * store (sql_lease), bind parameters (sql_arg_*), then read the rows one at a time,
 * one row (sql_one), every row into an arena array (sql_collect) or none
 * (sql_exec). Private to store/. */
#ifndef STET_STORE_SQL_EXEC_H
#define STET_STORE_SQL_EXEC_H

#include "base/arena.h"
#include "base/err.h"
#include "store/sql/driver.h"

#include <limits.h>

/* What an operation does, which decides where a pool lends its connection from and
 * whether the pool's data generation moves (pool.c). */
enum sql_use {
    SQL_USE_READ,
    SQL_USE_WRITE,
    /* A write no memoized read depends on (rate-limit buckets, site keys): moving the
     * generation for it would empty the memo under a login flood for nothing. */
    SQL_USE_QUIET_WRITE,
};

/* A pool's way of lending a connection for one operation (pool.c). take may answer
 * STET_EAGAIN (a view that must not wait). */
struct store_lessor {
    int (*take)(struct store *st, enum sql_use use, struct sql_conn **c);
    void (*give)(struct store *st, struct sql_conn *c, enum sql_use use);
};

/* The connection an operation runs on: the store itself when it is one, else one
 * lent by its pool. End with sql_unlease, which passes `rc` through. */
int sql_lease(struct store *st, enum sql_use use, struct sql_conn **c) STET_MUST_CHECK;
int sql_unlease(struct store *st, struct sql_conn *c, enum sql_use use, int rc);

/* Text longer than this is refused (ELIMIT) rather than handed to a driver whose
 * lengths are ints. */
#define SQL_TEXT_MAX ((size_t)INT_MAX / 2)

void sql_arg_int(struct sql_args *a, int64_t v);
void sql_arg_int_or_null(struct sql_args *a, int64_t v);      /* 0 binds NULL */
void sql_arg_int_if(struct sql_args *a, bool has, int64_t v); /* !has binds NULL */
void sql_arg_bool(struct sql_args *a, bool v);
void sql_arg_text(struct sql_args *a, const char *p, size_t len); /* NULL binds "" */
void sql_arg_cstr(struct sql_args *a, const char *s);             /* NULL binds "" */
void sql_arg_cstr_or_null(struct sql_args *a, const char *s);

/* Starts `q`; 0: read with sql_next, end with sql_done. A query without text in the
 * connection's dialect runs nothing and has no rows. */
int sql_query(struct sql_conn *c, enum sql_query q, const struct sql_args *a,
              struct sql_rows *rows) STET_MUST_CHECK;
/* 1: a row is current; 0: no more; negative: the statement failed. */
int sql_next(struct sql_rows *r);
/* Ends the result; the rows the statement changed. */
int64_t sql_done(struct sql_rows *r);

/* A statement expected to give one row: 0 with it current (end with sql_done), or
 * ENOTFOUND or an error with the result already ended. */
int sql_one(struct sql_conn *c, enum sql_query q, const struct sql_args *a,
            struct sql_rows *rows) STET_MUST_CHECK;
/* A statement whose rows are not read; `changed` (may be NULL) receives the rows it
 * changed. */
int sql_exec(struct sql_conn *c, enum sql_query q, const struct sql_args *a,
             int64_t *changed) STET_MUST_CHECK;

/* An INSERT ... RETURNING id: the new row's id into *id (may be NULL). */
int sql_insert_id(struct sql_conn *c, enum sql_query q, const struct sql_args *a,
                  int64_t *id) STET_MUST_CHECK;

/* An operation that is one statement on a connection leased for `use`: sql_exec, or
 * an INSERT ... RETURNING id whose id goes to *id (may be NULL). */
int sql_lease_exec(struct store *st, enum sql_use use, enum sql_query q, const struct sql_args *a,
                   int64_t *changed) STET_MUST_CHECK;
int sql_lease_insert(struct store *st, enum sql_query q, const struct sql_args *a,
                     int64_t *id) STET_MUST_CHECK;

/* Reads one row into `out` (an element of the array sql_collect builds). */
typedef void (*sql_read_fn)(struct arena *a, struct sql_rows *r, void *out);
/* Every row of `q` (at most `limit`, which the statement's LIMIT also says) as an
 * arena array of `size`-byte elements filled by `read`; *out NULL when none. */
int sql_collect(struct arena *a, struct sql_conn *c, enum sql_query q, const struct sql_args *args,
                size_t size, size_t limit, sql_read_fn read, void **out, size_t *n) STET_MUST_CHECK;

/* sql_collect on a connection leased for reading: an operation that is one read. */
int sql_lease_collect(struct arena *a, struct store *st, enum sql_query q,
                      const struct sql_args *args, size_t size, size_t limit, sql_read_fn read,
                      void **out, size_t *n) STET_MUST_CHECK;

/* Transaction steps (driver.h). sql_rollback never fails and is a no-op without an
 * open transaction, so every error path may call it. */
int sql_tx(struct sql_conn *c, enum sql_tx step) STET_MUST_CHECK;
void sql_rollback(struct sql_conn *c);
/* Commits when rc is 0 and rolls back otherwise; the outcome. */
int sql_finish(struct sql_conn *c, int rc);
/* A write transaction on a leased connection, the shape of every operation that
 * writes more than one statement: sql_write_begin leases a write connection and
 * begins (nothing is held when it fails); sql_write_end finishes with `rc`
 * (sql_finish) and gives the connection back. Both return the first error. */
int sql_write_begin(struct store *st, struct sql_conn **c) STET_MUST_CHECK;
int sql_write_end(struct store *st, struct sql_conn *c, int rc);

/* Column readers for the current row; NULL reads as 0, false, "" (or NULL for the
 * _or_null reader). Strings are arena copies. */
int64_t sql_int(struct sql_rows *r, int col);
bool sql_bool(struct sql_rows *r, int col);
const char *sql_str(struct arena *a, struct sql_rows *r, int col);
const char *sql_str_or_null(struct arena *a, struct sql_rows *r, int col);

#endif
