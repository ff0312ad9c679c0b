/* The SQLite driver of the SQL core (store/sql/driver.h): one sqlite3 connection per
 * struct sqlite_conn, every statement a cached prepared statement with bound
 * parameters. SQLite errors are logged here and mapped to STET_E*. */
#include "store/sqlite/sqlite_store.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "store/sql/driver.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The driver's own statements, cached after those of queries.def. */
enum own_stmt {
    S_BEGIN = SQL_N_QUERIES,
    S_BEGIN_SNAPSHOT,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_ROLLBACK_TO,
    S_RELEASE,
    S_DATA_VERSION,
    N_STMT
};

static const char *const own_sql[N_STMT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    /* Deferred: the snapshot starts at the first read and holds no write lock. */
    [S_BEGIN_SNAPSHOT] = "BEGIN DEFERRED",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    /* One per row of a group commit, so a failing row undoes only itself. */
    [S_SAVEPOINT] = "SAVEPOINT gc_row",
    [S_ROLLBACK_TO] = "ROLLBACK TO gc_row",
    [S_RELEASE] = "RELEASE gc_row",
    /* Moves when another connection, in any process, committed since this one last
     * asked; this connection's own writes do not move it (total_changes covers them). */
    [S_DATA_VERSION] = "PRAGMA data_version",
};

struct sqlite_conn {
    struct sql_conn conn; /* first: &conn.base is the store handed out */
    sqlite3 *db;
    sqlite3_stmt *stmts[N_STMT];
    sqlite3_stmt *import; /* the bulk copier's INSERT, between import begin and end */
    size_t import_n;
    bool sync_full; /* the durability level set at open, restored after fast commits */
    /* Restoring it failed: every statement tries again first and fails while it
     * cannot, rather than write with less durability than promised. */
    bool sync_lost;
    char deny_pragma[2][32]; /* tests: the pragma's name and value to refuse */
    /* What data_changed saw at its previous call. */
    bool seen;
    int64_t seen_version;
    int64_t seen_writes;
};

static const struct sql_driver sqlite_driver;
static const struct sql_copy_ops sqlite_copy_ops;

static struct sqlite_conn *to_sq(struct sql_conn *c)
{
    return (struct sqlite_conn *)c;
}

/* The connection behind a store for the test-support functions; NULL when `st` is
 * not one of this driver's connections (a pool's view). */
static struct sqlite_conn *of_store(struct store *st)
{
    struct sql_conn *c = sql_conn_of(st);
    return c != NULL && c->drv == &sqlite_driver ? to_sq(c) : NULL;
}

/* Maps a failed SQLite call to a STET_E* code, logging once unless the outcome is an
 * expected one (a unique value taken). `rc` is an extended result code. */
static int fail(sqlite3 *db, int rc, const char *what)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return STET_ECONFLICT;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        log_warn(NULL, "sqlite: %s: %s", what, sqlite3_errmsg(db));
        return STET_EINVAL;
    default:
        break;
    }
    log_error(NULL, "sqlite: %s: %s (%d)", what, sqlite3_errmsg(db), rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
        return STET_EUNAVAIL;
    default:
        return STET_EIO;
    }
}

/* A one-off statement from trusted text. */
static int prepare_once(sqlite3 *db, const char *sql, sqlite3_stmt **q, const char *what)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, q, NULL);
    if (rc != SQLITE_OK) {
        *q = NULL;
        return fail(db, rc, what);
    }
    return 0;
}

/* Puts synchronous back to the level chosen at open (see fast_commit_begin). The
 * pragma takes effect while it is prepared, so it cannot be a cached statement. */
static int sync_restore(struct sqlite_conn *ss)
{
    int rc = sqlite3_exec(
        ss->db, ss->sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", NULL,
        NULL, NULL);
    ss->sync_lost = rc != SQLITE_OK;
    return rc == SQLITE_OK ? 0 : fail(ss->db, rc, "restore synchronous");
}

/* A statement's name in log lines: its queries.def id, or the driver's own SQL. */
static const char *stmt_name(int id)
{
    return id < SQL_N_QUERIES ? sql_query_def((enum sql_query)id)->name : own_sql[id];
}

/* Statements are prepared on first use rather than in open, because before migrate
 * the tables they name do not exist yet. */
static int stmt_get(struct sqlite_conn *ss, int id, sqlite3_stmt **out)
{
    if (ss->sync_lost && sync_restore(ss) != 0)
        return STET_EIO;
    if (ss->stmts[id] == NULL) {
        const char *sql =
            id < SQL_N_QUERIES ? sql_query_text(SQL_SQLITE, (enum sql_query)id) : own_sql[id];
        int rc =
            sqlite3_prepare_v3(ss->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &ss->stmts[id], NULL);
        if (rc != SQLITE_OK) {
            ss->stmts[id] = NULL;
            return fail(ss->db, rc, stmt_name(id));
        }
    }
    *out = ss->stmts[id];
    return 0;
}

/* Every use ends here: a statement left un-reset would hold its read transaction
 * open, pinning an old snapshot and blocking WAL checkpoints. */
static void stmt_done(sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

/* Runs one of the driver's own statements, which return no rows worth reading. */
static int run_own(struct sqlite_conn *ss, int id)
{
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, id, &q);
    if (rc != 0)
        return rc;
    int step = sqlite3_step(q);
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        rc = fail(ss->db, step, stmt_name(id));
    stmt_done(q);
    return rc;
}

/* The bytes stay the caller's until stmt_done, hence SQLITE_STATIC. A NULL pointer
 * binds as "" (sqlite3_bind_text64 would bind SQL NULL). */
static int bind_text(sqlite3_stmt *q, int i, const char *p, size_t len)
{
    return sqlite3_bind_text64(q, i, p != NULL ? p : "", p != NULL ? len : 0, SQLITE_STATIC,
                               SQLITE_UTF8);
}

/* ---- open and close ---- */

/* True when the connection's database holds stet's schema (schema_migrations, which
 * `migrate` creates first). Read before any pragma, so that looking at an empty or
 * foreign file never writes to it (journal_mode = WAL would). */
static int has_schema(sqlite3 *db, bool *has)
{
    sqlite3_stmt *q = NULL;
    int rc = prepare_once(
        db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", &q,
        "schema check");
    if (rc != 0)
        return rc;
    int step = sqlite3_step(q);
    sqlite3_finalize(q);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return fail(db, step, "schema check");
    *has = step == SQLITE_ROW;
    return 0;
}

/* Once per process, before the first connection: SQLite's memory statistics, which
 * stet never reads, take a process-wide mutex on every allocation. After SQLite was
 * initialized the call fails harmlessly and the statistics stay on. */
static void configure_sqlite(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* `create`: SQLITE_OPEN_CREATE, for migrate and serve; without it a missing file,
 * or one without stet's schema, is STET_ENOTFOUND and not logged (the command says
 * how to make the database). */
static int open_conn(const char *path, bool sync_full, bool create, struct store **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    /* FULL: a COMMIT returns after the WAL is fsynced. NORMAL in WAL mode fsyncs
     * only at checkpoints: safe against a crash of the process, not of the machine.
     * Every read looks its pages up in the WAL's index, so a long WAL slows every
     * page view (measured: half the speed at 2.7 MB): checkpoint after ~400 KB
     * instead of SQLite's 4 MB default. */
    static const char pragmas_full[] = "PRAGMA busy_timeout = 5000;"
                                       "PRAGMA journal_mode = WAL;"
                                       "PRAGMA wal_autocheckpoint = 100;"
                                       "PRAGMA synchronous = FULL;"
                                       "PRAGMA foreign_keys = ON;";
    static const char pragmas_normal[] = "PRAGMA busy_timeout = 5000;"
                                         "PRAGMA journal_mode = WAL;"
                                         "PRAGMA wal_autocheckpoint = 100;"
                                         "PRAGMA synchronous = NORMAL;"
                                         "PRAGMA foreign_keys = ON;";
    *out = NULL;
    if (path == NULL || path[0] == '\0') {
        log_error(NULL, "sqlite: empty database path");
        return STET_EINVAL;
    }
    struct sqlite_conn *ss = xcalloc(1, sizeof(*ss));
    ss->conn.base.ops = &sql_store_ops;
    ss->conn.base.lessor = NULL;
    ss->conn.drv = &sqlite_driver;
    ss->conn.copy = &sqlite_copy_ops;
    ss->sync_full = sync_full;
    /* NOMUTEX: a connection is used by one thread at a time (the pool hands it out). */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &ss->db, flags, NULL);
    int ret = 0;
    if (rc != SQLITE_OK) {
        if (!create && (rc & 0xff) == SQLITE_CANTOPEN && access(path, F_OK) != 0 &&
            errno == ENOENT) {
            ret = STET_ENOTFOUND;
        } else if (ss->db == NULL) {
            log_error(NULL, "sqlite: open %s: out of memory", path);
            ret = STET_EIO;
        } else {
            log_error(NULL, "sqlite: open %s: %s", path, sqlite3_errmsg(ss->db));
            ret = (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_BUSY ? STET_EUNAVAIL
                                                                               : STET_EIO;
        }
        goto out;
    }
    sqlite3_extended_result_codes(ss->db, 1);
    if (!create) {
        /* The pragma below sets it too, for every connection; the check comes first. */
        sqlite3_busy_timeout(ss->db, 5000);
        bool has = false;
        ret = has_schema(ss->db, &has);
        if (ret == 0 && !has)
            ret = STET_ENOTFOUND;
        if (ret != 0)
            goto out;
    }
    rc = sqlite3_exec(ss->db, sync_full ? pragmas_full : pragmas_normal, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        ret = fail(ss->db, rc, "open pragmas");
out:
    if (ret != 0) {
        sqlite3_close(ss->db);
        free(ss);
        return ret;
    }
    *out = &ss->conn.base;
    return 0;
}

int sqlite_store_open(const char *path, struct store **out)
{
    return open_conn(path, true, true, out);
}

int sqlite_store_open_sync(const char *path, bool sync_full, struct store **out)
{
    return open_conn(path, sync_full, true, out);
}

int sqlite_store_open_existing(const char *path, bool sync_full, struct store **out)
{
    return open_conn(path, sync_full, false, out);
}

static void sq_close(struct sql_conn *c)
{
    struct sqlite_conn *ss = to_sq(c);
    sqlite3_finalize(ss->import);
    for (int i = 0; i < N_STMT; i++)
        sqlite3_finalize(ss->stmts[i]);
    /* With every statement finalized this cannot fail with SQLITE_BUSY. */
    sqlite3_close(ss->db);
    free(ss);
}

/* ---- statements and rows ---- */

static int sq_query(struct sql_conn *c, enum sql_query q, const struct sql_args *a,
                    struct sql_rows *rows)
{
    struct sqlite_conn *ss = to_sq(c);
    sqlite3_stmt *st = NULL;
    int rc = stmt_get(ss, (int)q, &st);
    for (int i = 0; rc == 0 && i < a->n; i++) {
        const struct sql_arg *v = &a->v[i];
        int b = SQLITE_OK;
        switch (v->type) {
        case SQL_ARG_NULL:
            b = sqlite3_bind_null(st, i + 1);
            break;
        case SQL_ARG_INT:
        case SQL_ARG_BOOL: /* the schema keeps booleans as 0/1 integers */
            b = sqlite3_bind_int64(st, i + 1, v->i);
            break;
        case SQL_ARG_TEXT:
            b = bind_text(st, i + 1, v->p, v->len);
            break;
        }
        /* One bind failure is as good as any: it can only be NOMEM, TOOBIG or RANGE. */
        if (b != SQLITE_OK) {
            rc = fail(ss->db, b, stmt_name((int)q));
            stmt_done(st);
        }
    }
    if (rc != 0)
        return rc;
    rows->conn = c;
    rows->q = q;
    rows->impl = st;
    return 0;
}

static int sq_next(struct sql_rows *r)
{
    sqlite3_stmt *q = r->impl;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    rc = fail(sqlite3_db_handle(q), rc, stmt_name((int)r->q));
    /* Reset at once, so a caller that stops here without `done` leaves no read
     * transaction open and no bindings to its bytes; `done` after it is harmless. */
    stmt_done(q);
    return rc;
}

static bool sq_is_null(struct sql_rows *r, int col)
{
    return sqlite3_column_type(r->impl, col) == SQLITE_NULL;
}

static int64_t sq_col_int(struct sql_rows *r, int col)
{
    return sqlite3_column_int64(r->impl, col);
}

static bool sq_col_bool(struct sql_rows *r, int col)
{
    return sqlite3_column_int64(r->impl, col) != 0;
}

/* Text may legally hold NUL bytes, so the length comes from the column. */
static struct str sq_col_text(struct sql_rows *r, int col)
{
    const unsigned char *t = sqlite3_column_text(r->impl, col);
    if (t == NULL)
        return (struct str){"", 0};
    return (struct str){(const char *)t, (size_t)sqlite3_column_bytes(r->impl, col)};
}

static int64_t sq_done(struct sql_rows *r)
{
    sqlite3_stmt *q = r->impl;
    int64_t changes = sqlite3_changes64(sqlite3_db_handle(q));
    stmt_done(q);
    return changes;
}

/* ---- transactions ---- */

static int sq_tx(struct sql_conn *c, enum sql_tx step)
{
    struct sqlite_conn *ss = to_sq(c);
    /* Off when none is open, also when SQLite already rolled back on its own (some
     * errors, I/O or out of memory, end the whole transaction). */
    bool open = !sqlite3_get_autocommit(ss->db);
    int rc;
    switch (step) {
    case SQL_TX_BEGIN:
        return run_own(ss, S_BEGIN);
    case SQL_TX_SNAPSHOT:
        return run_own(ss, S_BEGIN_SNAPSHOT);
    case SQL_TX_COMMIT:
        rc = open ? run_own(ss, S_COMMIT) : 0;
        /* A COMMIT that failed (SQLITE_BUSY) leaves the transaction open. */
        if (rc != 0 && !sqlite3_get_autocommit(ss->db))
            (void)run_own(ss, S_ROLLBACK);
        return rc;
    case SQL_TX_ROLLBACK:
        if (open)
            (void)run_own(ss, S_ROLLBACK);
        return 0;
    case SQL_TX_SAVEPOINT:
        return run_own(ss, S_SAVEPOINT);
    case SQL_TX_NEXT_SAVEPOINT:
        rc = run_own(ss, S_RELEASE);
        return rc != 0 ? rc : run_own(ss, S_SAVEPOINT);
    case SQL_TX_ROLLBACK_TO:
        return run_own(ss, S_ROLLBACK_TO);
    }
    return STET_EINVAL;
}

static bool sq_in_tx(struct sql_conn *c)
{
    return !sqlite3_get_autocommit(to_sq(c)->db);
}

static int sq_exec_script(struct sql_conn *c, const char *sql, const char *what)
{
    sqlite3 *db = to_sq(c)->db;
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(db, rc, what);
}

/* ---- change detection and fast commits ---- */

static int sq_data_changed(struct sql_conn *c, bool *changed)
{
    struct sqlite_conn *ss = to_sq(c);
    /* Counts every row this connection inserted, updated or deleted, rolled back or
     * not: a spurious "changed" costs a re-read, a missed one would serve stale data. */
    int64_t writes = sqlite3_total_changes64(ss->db);
    int64_t version = 0;
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, S_DATA_VERSION, &q);
    if (rc == 0) {
        int step = sqlite3_step(q);
        if (step == SQLITE_ROW)
            version = sqlite3_column_int64(q, 0);
        else
            rc = fail(ss->db, step, stmt_name(S_DATA_VERSION));
        stmt_done(q);
    }
    if (rc != 0) {
        ss->seen = false; /* whatever happened meanwhile, the next call says changed */
        return rc;
    }
    *changed = !ss->seen || version != ss->seen_version || writes != ss->seen_writes;
    ss->seen = true;
    ss->seen_version = version;
    ss->seen_writes = writes;
    return 0;
}

/* Pages of WAL after which a commit checkpoints: the open pragmas' value. */
#define SQ_WAL_AUTOCHECKPOINT 100

/* A rate bucket lost in a power cut costs nothing, so its commit skips the fsync
 * that account and comment writes pay for. The level is per connection: it is
 * lowered for the one transaction and then restored, and the connection refuses to
 * run anything while a restore has failed (sync_lost). The commit must not
 * checkpoint meanwhile either: a checkpoint without fsync could let a later
 * writer reuse the WAL before the pages copied out of it reached the disk, losing
 * other, durable commits. Inside a caller's transaction the level cannot change,
 * and nothing is lowered. True when something was lowered. */
static bool sq_fast_commit_begin(struct sql_conn *c)
{
    struct sqlite_conn *ss = to_sq(c);
    if (!sqlite3_get_autocommit(ss->db))
        return false;
    int rc = sqlite3_exec(ss->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        (void)fail(ss->db, rc, "fast commit: lower synchronous"); /* logged; stays durable */
        return false;
    }
    sqlite3_wal_autocheckpoint(ss->db, 0);
    return true;
}

static int sq_fast_commit_end(struct sql_conn *c, bool lowered)
{
    struct sqlite_conn *ss = to_sq(c);
    if (!lowered)
        return 0;
    sqlite3_wal_autocheckpoint(ss->db, SQ_WAL_AUTOCHECKPOINT);
    return sync_restore(ss);
}

/* ---- bulk copy ---- */

static int sq_export_rows(struct sql_conn *c, const char *select, size_t n, store_row_fn fn,
                          void *ctx)
{
    sqlite3 *db = to_sq(c)->db;
    sqlite3_stmt *q = NULL;
    int rc = prepare_once(db, select, &q, "table_export");
    if (rc != 0)
        return rc;
    const char **vals = xcalloc(n, sizeof(*vals));
    size_t *lens = xcalloc(n, sizeof(*lens));
    for (;;) {
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = fail(db, step, "table_export");
            break;
        }
        for (size_t i = 0; i < n; i++) {
            /* column_text renders integers in decimal, and the schema keeps booleans
             * as 0/1 integers, so every value is already in the copier's format. */
            if (sqlite3_column_type(q, (int)i) == SQLITE_NULL) {
                vals[i] = NULL;
                lens[i] = 0;
                continue;
            }
            const unsigned char *t = sqlite3_column_text(q, (int)i);
            vals[i] = t != NULL ? (const char *)t : "";
            lens[i] = t != NULL ? (size_t)sqlite3_column_bytes(q, (int)i) : 0;
        }
        rc = fn(ctx, vals, lens, n);
        if (rc != 0)
            break;
    }
    free(vals);
    free(lens);
    sqlite3_finalize(q);
    return rc;
}

static void sq_import_end(struct sql_conn *c)
{
    struct sqlite_conn *ss = to_sq(c);
    sqlite3_finalize(ss->import);
    ss->import = NULL;
    ss->import_n = 0;
}

static int sq_import_begin(struct sql_conn *c, const char *insert, size_t n)
{
    struct sqlite_conn *ss = to_sq(c);
    sq_import_end(c);
    int rc = prepare_once(ss->db, insert, &ss->import, "table_import");
    if (rc == 0)
        ss->import_n = n;
    return rc;
}

static int sq_import_row(struct sql_conn *c, const char *const *values, const size_t *lens,
                         size_t n)
{
    struct sqlite_conn *ss = to_sq(c);
    sqlite3_stmt *q = ss->import;
    if (q == NULL || n != ss->import_n)
        return STET_EINVAL;
    int rc = SQLITE_OK;
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        /* Text everywhere: each column's affinity turns decimal text back into an
         * integer, so ids and flags land as integers, and text keeps its bytes. */
        rc = values[i] == NULL ? sqlite3_bind_null(q, (int)i + 1)
                               : bind_text(q, (int)i + 1, values[i], lens[i]);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    int ret = rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : fail(ss->db, rc, "table_import");
    stmt_done(q);
    return ret;
}

/* An INTEGER PRIMARY KEY takes max(id) + 1 by itself. */
static int sq_sync_ids(struct sql_conn *c, const char *table, const char *column)
{
    (void)c, (void)table, (void)column;
    return 0;
}

static const struct sql_driver sqlite_driver = {
    .name = "sqlite",
    .dialect = SQL_SQLITE,
    .migrations = embedded_migrations_sqlite,
    .close = sq_close,
    .query = sq_query,
    .next = sq_next,
    .is_null = sq_is_null,
    .col_int = sq_col_int,
    .col_bool = sq_col_bool,
    .col_text = sq_col_text,
    .done = sq_done,
    .tx = sq_tx,
    .in_tx = sq_in_tx,
    .exec_script = sq_exec_script,
    .data_changed = sq_data_changed,
    .fast_commit_begin = sq_fast_commit_begin,
    .fast_commit_end = sq_fast_commit_end,
};

static const struct sql_copy_ops sqlite_copy_ops = {
    .export_rows = sq_export_rows,
    .import_begin = sq_import_begin,
    .import_row = sq_import_row,
    .import_end = sq_import_end,
    .sync_ids = sq_sync_ids,
};

/* ---- test support ---- */

int sqlite_store_synchronous(struct store *st, int *level)
{
    struct sqlite_conn *ss = of_store(st);
    sqlite3_stmt *q = NULL;
    if (ss == NULL)
        return STET_EINVAL;
    int rc = prepare_once(ss->db, "PRAGMA synchronous", &q, "pragma synchronous");
    if (rc != 0)
        return rc;
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        *level = sqlite3_column_int(q, 0);
    else
        rc = fail(ss->db, step, "pragma synchronous");
    sqlite3_finalize(q);
    return rc;
}

static int deny_pragma_auth(void *arg, int action, const char *a1, const char *a2, const char *db,
                            const char *trigger)
{
    const struct sqlite_conn *ss = arg;
    (void)db, (void)trigger;
    if (action == SQLITE_PRAGMA && a1 != NULL && a2 != NULL &&
        sqlite3_stricmp(a1, ss->deny_pragma[0]) == 0 &&
        sqlite3_stricmp(a2, ss->deny_pragma[1]) == 0)
        return SQLITE_DENY;
    return SQLITE_OK;
}

int sqlite_store_deny_pragma(struct store *st, const char *name, const char *value)
{
    struct sqlite_conn *ss = of_store(st);
    if (ss == NULL)
        return STET_EINVAL;
    if (name == NULL) {
        sqlite3_set_authorizer(ss->db, NULL, NULL);
        return 0;
    }
    char(*d)[32] = ss->deny_pragma;
    if (snprintf(d[0], sizeof(d[0]), "%s", name) >= (int)sizeof(d[0]) ||
        snprintf(d[1], sizeof(d[1]), "%s", value) >= (int)sizeof(d[1]))
        return STET_EINVAL;
    return sqlite3_set_authorizer(ss->db, deny_pragma_auth, ss) == SQLITE_OK ? 0 : STET_EIO;
}

int sqlite_store_explain(struct arena *a, struct store *st, enum sql_query q, const char **plan)
{
    struct sqlite_conn *ss = of_store(st);
    sqlite3_stmt *stmt = NULL;
    struct buf b = BUF_INIT;
    if (ss == NULL || (unsigned)q >= SQL_N_QUERIES || sql_query_text(SQL_SQLITE, q) == NULL)
        return STET_EINVAL;
    int rc = prepare_once(ss->db,
                          arena_printf(a, "EXPLAIN QUERY PLAN %s", sql_query_text(SQL_SQLITE, q)),
                          &stmt, "explain");
    if (rc != 0)
        return rc;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
        buf_printf(&b, "%s\n", (const char *)sqlite3_column_text(stmt, 3));
    if (step != SQLITE_DONE)
        rc = fail(ss->db, step, "explain");
    sqlite3_finalize(stmt);
    if (rc == 0)
        *plan = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
    buf_cleanup(&b);
    return rc;
}

const char *sqlite_store_lib_version(void)
{
    return sqlite3_libversion();
}
