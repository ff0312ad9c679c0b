/* The SQLite driver of the SQL core, private to store/: store.c opens it for
 * "sqlite:PATH" URLs. No SQLite type appears here, so including it never pulls in
 * <sqlite3.h>. */
#ifndef STET_STORE_SQLITE_SQLITE_STORE_H
#define STET_STORE_SQLITE_SQLITE_STORE_H

#include "base/arena.h"
#include "store/sql/queries.h"
#include "store/store.h"

/* Opens the database file at `path` (":memory:" for a private in-memory database),
 * in WAL mode with foreign keys on. EUNAVAIL when it cannot be opened, EIO on any
 * other failure (logged). Close with store_close. */
int sqlite_store_open(const char *path, struct store **out) STET_MUST_CHECK;
/* The same with synchronous=FULL (`sync_full`, what sqlite_store_open uses) or
 * NORMAL; see store_open in store.h for what each promises. */
int sqlite_store_open_sync(const char *path, bool sync_full, struct store **out) STET_MUST_CHECK;
/* The same for a command that must not create a database (store_open_existing):
 * opens without SQLITE_OPEN_CREATE. ENOTFOUND, not logged, when `path` does not exist
 * or holds no stet schema (an empty file); a file it finds is left unchanged then. */
int sqlite_store_open_existing(const char *path, bool sync_full,
                               struct store **out) STET_MUST_CHECK;

/* For tests, on a store that is one SQLite connection (EINVAL otherwise). */

/* For tests: the EXPLAIN QUERY PLAN of query `q`, one line per plan step, allocated
 * in `a`. The store must be one migrated SQLite connection (EINVAL otherwise). */
int sqlite_store_explain(struct arena *a, struct store *st, enum sql_query q,
                         const char **plan) STET_MUST_CHECK;
/* PRAGMA synchronous of the connection (2 FULL, 1 NORMAL). */
int sqlite_store_synchronous(struct store *st, int *level) STET_MUST_CHECK;
/* Makes "PRAGMA name = value" fail on this connection (as a failure to allocate
 * would), until called with a NULL name. */
int sqlite_store_deny_pragma(struct store *st, const char *name, const char *value) STET_MUST_CHECK;

/* The SQLite library version running ("3.40.1"); static storage. */
const char *sqlite_store_lib_version(void);

#endif
