/* The PostgreSQL driver of the SQL core (store/sql/driver.h): one libpq connection
 * per struct pg_store, every query of queries.def a statement prepared once per
 * connection and run with bound parameters. libpq errors are logged here and mapped
 * to STET_E*; a lost connection is reset before the next statement. The connection
 * parameters and message formatting are pg_conninfo.c's. */
#include "store/pg/pg_store.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "store/sql/driver.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The boolean type's OID (catalog/pg_type_d.h, which libpq does not install). */
#define PG_BOOLOID 16

/* Rows fetched per round trip when exporting a table through a cursor. */
#define PG_EXPORT_BATCH "500"

struct pg_store {
    struct sql_conn conn; /* first, so a struct sql_conn * or struct store * converts back */
    PGconn *pg;
    bool prepared[SQL_N_QUERIES];
    bool in_tx;
    bool down;           /* the last attempt to reach the server failed (logged once) */
    bool must_reset;     /* the server said it is closing this session */
    int64_t retry_after; /* monotonic ms before which a slow reconnect is not retried */
    int import_n;        /* columns of the prepared stet_import; 0: none */
    bool import_stale;   /* stet_import still exists on the session but is finished */
    /* For data_changed: this connection's writes, and what the previous call saw. */
    char *url;
    struct pg_watch *watch; /* NULL until the first call, or when it cannot start */
    bool watch_tried;
    bool seen;
    uint64_t writes;
    uint64_t seen_writes;
    uint64_t seen_heard;
};

static struct pg_store *to_pg(struct sql_conn *c)
{
    return (struct pg_store *)c;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq's receiver type takes a const PGresult *; the header cannot name it. */
static void on_notice(void *arg, const PGresult *r)
{
    pg_notice_receiver(arg, r);
}

/* ---- errors and the connection ---- */

static bool sqlstate_unavailable(const char *state)
{
    return state != NULL && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
                             strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0);
}

/* Maps a failed call (`r` may be NULL) to a STET_E* code, logging once unless the
 * outcome is an expected one (a unique value taken). */
static int fail(struct pg_store *ps, const PGresult *r, const char *what)
{
    char line[600];
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *m = r != NULL ? PQresultErrorMessage(r) : "";
    if (m[0] == '\0')
        m = PQerrorMessage(ps->pg);
    m = pg_one_line(m, line, sizeof(line));
    if (state != NULL && strcmp(state, "23505") == 0)
        return STET_ECONFLICT;
    if (PQstatus(ps->pg) != CONNECTION_OK || sqlstate_unavailable(state)) {
        /* The session is gone or going; reset before the next statement. */
        ps->must_reset = true;
        if (!ps->down)
            log_error(NULL, "postgres: %s: %s", what, m);
        ps->down = true;
        return STET_EUNAVAIL;
    }
    /* A foreign key names a row that does not exist; class 22 is data the server
     * will not store (bytes that are not UTF-8, a NUL): both are the caller's input. */
    if (state != NULL && (strcmp(state, "23503") == 0 || strncmp(state, "22", 2) == 0)) {
        log_warn(NULL, "postgres: %s: %s", what, m);
        return STET_EINVAL;
    }
    log_error(NULL, "postgres: %s: %s (%s)", what, m, state != NULL ? state : "-");
    return STET_EIO;
}

/* PQreset, then forget the statements prepared on the old session. A server that
 * refuses at once is asked again next time; one that took long to fail is left alone
 * for a second so that requests answer EUNAVAIL quickly instead of each waiting. */
static int reconnect(struct pg_store *ps)
{
    int64_t start = now_ms();
    if (ps->down && start < ps->retry_after)
        return STET_EUNAVAIL;
    PQreset(ps->pg);
    memset(ps->prepared, 0, sizeof(ps->prepared));
    ps->import_n = 0;
    ps->import_stale = false;
    ps->in_tx = false;
    ps->must_reset = false;
    if (PQstatus(ps->pg) == CONNECTION_OK) {
        if (ps->down)
            log_info(NULL, "postgres: reconnected");
        ps->down = false;
        ps->retry_after = 0;
        return 0;
    }
    if (!ps->down) {
        char line[600];
        log_error(NULL, "postgres: connection lost: %s",
                  pg_one_line(PQerrorMessage(ps->pg), line, sizeof(line)));
    }
    ps->down = true;
    int64_t end = now_ms();
    ps->retry_after = end - start >= 1000 ? end + 1000 : 0;
    ps->must_reset = true;
    return STET_EUNAVAIL;
}

/* An idle session has nothing to read unless the server closed it (a restart sends
 * an error and then EOF), so a readable socket is checked before it is trusted. */
static bool peer_closed(struct pg_store *ps)
{
    for (int i = 0; i < 4 && PQstatus(ps->pg) == CONNECTION_OK; i++) {
        struct pollfd pfd = {.fd = PQsocket(ps->pg), .events = POLLIN};
        if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
            break;
        if (!PQconsumeInput(ps->pg))
            break;
        (void)PQisBusy(ps->pg); /* parses what arrived */
        PGnotify *n;
        while ((n = PQnotifies(ps->pg)) != NULL)
            PQfreemem(n);
    }
    return PQstatus(ps->pg) != CONNECTION_OK;
}

/* Before a statement outside a transaction: a working session, or EUNAVAIL fast. */
static int ensure(struct pg_store *ps)
{
    if (ps->in_tx)
        return 0;
    if (!ps->must_reset && !peer_closed(ps))
        return 0;
    return reconnect(ps);
}

static int simple(struct pg_store *ps, const char *sql, const char *what)
{
    PGresult *r = PQexec(ps->pg, sql);
    ExecStatusType es = PQresultStatus(r);
    int rc = es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK ? 0 : fail(ps, r, what);
    PQclear(r);
    return rc;
}

/* ---- statements ---- */

/* The core writes parameters ?N; PostgreSQL reads $N. A '?' inside a '...' literal
 * stays, and so does one not followed by a digit (jsonb's ? operators). Same
 * length, so the copy is rewritten in place. */
static char *dollar_params(const char *sql)
{
    char *out = xstrdup(sql);
    bool quoted = false;
    for (char *p = out; *p != '\0'; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (*p == '?' && !quoted && p[1] >= '0' && p[1] <= '9')
            *p = '$';
    }
    return out;
}

static void stmt_name(enum sql_query q, char *out, size_t size)
{
    snprintf(out, size, "stet_%d", (int)q);
}

/* Statements are prepared on first use rather than in open, because before migrate
 * the tables they name do not exist yet. */
static int prepare(struct pg_store *ps, enum sql_query q)
{
    char name[32];
    if (ps->prepared[q])
        return 0;
    stmt_name(q, name, sizeof(name));
    char *sql = dollar_params(sql_query_text(SQL_POSTGRES, q));
    PGresult *r = PQprepare(ps->pg, name, sql, sql_query_def(q)->n_params, NULL);
    free(sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(ps, r, sql_query_def(q)->name);
    PQclear(r);
    if (rc == 0)
        ps->prepared[q] = true;
    return rc;
}

/* Runs a prepared statement; its whole result arrives at once. Parameters:
 * integers and booleans in text form, strings as their bytes ("binary" text, which
 * is the same bytes with a length, so slices need no copy or terminating NUL). A
 * read that lost its connection outside a transaction is tried once more on a fresh
 * one: nothing was changed, and the server may be back. */
static int pg_query(struct sql_conn *c, enum sql_query q, const struct sql_args *a,
                    struct sql_rows *rows)
{
    struct pg_store *ps = to_pg(c);
    const struct sql_query_def *def = sql_query_def(q);
    const char *val[SQL_MAX_ARGS];
    int len[SQL_MAX_ARGS] = {0}, fmt[SQL_MAX_ARGS] = {0};
    char num[SQL_MAX_ARGS][24];
    char name[32];
    for (int i = 0; i < a->n; i++) {
        const struct sql_arg *v = &a->v[i];
        switch (v->type) {
        case SQL_ARG_NULL:
            val[i] = NULL;
            break;
        case SQL_ARG_INT:
            snprintf(num[i], sizeof(num[i]), "%" PRId64, v->i);
            val[i] = num[i];
            break;
        case SQL_ARG_BOOL:
            val[i] = v->i != 0 ? "t" : "f";
            break;
        case SQL_ARG_TEXT:
            val[i] = v->p;
            len[i] = (int)v->len;
            fmt[i] = 1;
            break;
        }
    }
    stmt_name(q, name, sizeof(name));
    for (int attempt = 0;; attempt++) {
        int rc = ensure(ps);
        if (rc == 0)
            rc = prepare(ps, q);
        if (rc == 0) {
            PGresult *r = PQexecPrepared(ps->pg, name, a->n, val, len, fmt, 0);
            ExecStatusType es = PQresultStatus(r);
            if (es == PGRES_TUPLES_OK || es == PGRES_COMMAND_OK) {
                if (def->use == SQL_RW)
                    ps->writes++;
                rows->impl = r;
                rows->row = -1;
                return 0;
            }
            rc = fail(ps, r, def->name);
            PQclear(r);
        }
        if (rc != STET_EUNAVAIL || attempt > 0 || ps->in_tx || def->use != SQL_RO)
            return rc;
        ps->retry_after = 0;
    }
}

static int pg_next(struct sql_rows *r)
{
    if (r->row + 1 >= PQntuples(r->impl))
        return 0;
    r->row++;
    return 1;
}

static bool pg_is_null(struct sql_rows *r, int col)
{
    return PQgetisnull(r->impl, r->row, col) != 0;
}

static struct str pg_col_text(struct sql_rows *r, int col)
{
    /* A NULL's value is "", length 0. */
    return (struct str){PQgetvalue(r->impl, r->row, col),
                        (size_t)PQgetlength(r->impl, r->row, col)};
}

/* NULL (and anything that is not a number) reads as 0, like SQLite's column_int64. */
static int64_t pg_col_int(struct sql_rows *r, int col)
{
    int64_t v = 0;
    if (str_to_i64(pg_col_text(r, col), INT64_MIN, INT64_MAX, &v) != 0)
        return 0;
    return v;
}

static bool pg_col_bool(struct sql_rows *r, int col)
{
    return PQgetvalue(r->impl, r->row, col)[0] == 't';
}

static int64_t pg_done(struct sql_rows *r)
{
    int64_t n = 0;
    if (str_to_i64(str_from(PQcmdTuples(r->impl)), 0, INT64_MAX, &n) != 0)
        n = 0;
    PQclear(r->impl);
    r->impl = NULL;
    return n;
}

/* ---- transactions ---- */

static int begin(struct pg_store *ps, const char *sql)
{
    int rc = ensure(ps);
    if (rc == 0)
        rc = simple(ps, sql, "begin");
    if (rc == 0)
        ps->in_tx = true;
    return rc;
}

/* Called on any failure inside a transaction; a lost session rolled back by itself. */
static void tx_rollback(struct pg_store *ps)
{
    bool was = ps->in_tx;
    ps->in_tx = false;
    if (!was || PQstatus(ps->pg) != CONNECTION_OK || PQtransactionStatus(ps->pg) == PQTRANS_IDLE)
        return;
    PGresult *r = PQexec(ps->pg, "ROLLBACK");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        ps->must_reset = true; /* leave no half-open transaction on a pooled session */
    PQclear(r);
}

static int pg_tx(struct sql_conn *c, enum sql_tx step)
{
    struct pg_store *ps = to_pg(c);
    switch (step) {
    case SQL_TX_BEGIN:
        return begin(ps, "BEGIN");
    case SQL_TX_SNAPSHOT:
        return begin(ps, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    case SQL_TX_COMMIT:
        if (!ps->in_tx)
            return 0;
        /* COMMIT of a failed transaction "succeeds" by rolling back; say so instead.
         * (A lost session goes on to COMMIT, which fails as EUNAVAIL.) */
        if (PQstatus(ps->pg) == CONNECTION_OK && PQtransactionStatus(ps->pg) != PQTRANS_INTRANS) {
            tx_rollback(ps);
            log_error(NULL, "postgres: commit: the transaction had failed; rolled back");
            return STET_EIO;
        }
        ps->in_tx = false;
        return simple(ps, "COMMIT", "commit");
    case SQL_TX_ROLLBACK:
        tx_rollback(ps);
        return 0;
    case SQL_TX_SAVEPOINT:
        return simple(ps, "SAVEPOINT gc_row", "savepoint");
    case SQL_TX_NEXT_SAVEPOINT:
        /* Releases the previous row's savepoint in the round trip that sets the next. */
        return simple(ps, "RELEASE SAVEPOINT gc_row; SAVEPOINT gc_row", "savepoint");
    case SQL_TX_ROLLBACK_TO:
        return simple(ps, "ROLLBACK TO SAVEPOINT gc_row", "rollback to savepoint");
    }
    return STET_EINVAL;
}

/* A failed statement leaves the transaction INERROR, which a savepoint can still
 * undo; a lost session or a server-side end leaves nothing to go on with. */
static bool pg_in_tx(struct sql_conn *c)
{
    struct pg_store *ps = to_pg(c);
    if (!ps->in_tx || ps->must_reset || PQstatus(ps->pg) != CONNECTION_OK)
        return false;
    PGTransactionStatusType ts = PQtransactionStatus(ps->pg);
    return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}

static int pg_exec_script(struct sql_conn *c, const char *sql, const char *what)
{
    struct pg_store *ps = to_pg(c);
    int rc = ensure(ps);
    return rc != 0 ? rc : simple(ps, sql, what);
}

/* Other connections' commits come from the watcher, which hears them a moment after
 * they commit (LISTEN/NOTIFY); this connection's own writes are counted here, so
 * the caller sees them at once. The watcher starts with the first call, which, like
 * every call while it is not listening, answers "changed". */
static int pg_data_changed(struct sql_conn *c, bool *changed)
{
    struct pg_store *ps = to_pg(c);
    if (!ps->watch_tried) {
        ps->watch_tried = true;
        ps->watch = pg_watch_acquire(ps->url);
    }
    uint64_t heard = 0;
    bool listening = ps->watch != NULL && pg_watch_count(ps->watch, &heard);
    *changed = !ps->seen || !listening || heard != ps->seen_heard || ps->writes != ps->seen_writes;
    ps->seen = listening;
    ps->seen_heard = heard;
    ps->seen_writes = ps->writes;
    return 0;
}

static void pg_close(struct sql_conn *c)
{
    struct pg_store *ps = to_pg(c);
    pg_watch_release(ps->watch);
    PQfinish(ps->pg);
    free(ps->url);
    free(ps);
}

/* ---- bulk copy ---- */

/* Hands one fetched batch to fn, booleans rewritten to the copier's "0"/"1". */
static int export_batch(const PGresult *r, size_t n, const char **vals, size_t *lens,
                        store_row_fn fn, void *ctx)
{
    for (int row = 0; row < PQntuples(r); row++) {
        for (size_t i = 0; i < n; i++) {
            int col = (int)i;
            if (PQgetisnull(r, row, col)) {
                vals[i] = NULL;
                lens[i] = 0;
            } else if (PQftype(r, col) == PG_BOOLOID) {
                vals[i] = PQgetvalue(r, row, col)[0] == 't' ? "1" : "0";
                lens[i] = 1;
            } else {
                vals[i] = PQgetvalue(r, row, col);
                lens[i] = (size_t)PQgetlength(r, row, col);
            }
        }
        int rc = fn(ctx, vals, lens, n);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A cursor, so a large table streams in batches instead of arriving whole; it needs
 * a transaction, opened here when the caller has none. */
static int pg_export_rows(struct sql_conn *c, const char *select, size_t n, store_row_fn fn,
                          void *ctx)
{
    struct pg_store *ps = to_pg(c);
    struct buf sql = BUF_INIT;
    bool own_tx = !ps->in_tx;
    int rc = own_tx ? pg_tx(c, SQL_TX_BEGIN) : 0;
    if (rc != 0)
        return rc;
    buf_printf(&sql, "DECLARE stet_export NO SCROLL CURSOR FOR %s", select);
    rc = simple(ps, buf_cstr(&sql), "table_export");
    buf_cleanup(&sql);
    bool declared = rc == 0;
    const char **vals = xcalloc(n, sizeof(*vals));
    size_t *lens = xcalloc(n, sizeof(*lens));
    while (rc == 0) {
        PGresult *r = PQexec(ps->pg, "FETCH FORWARD " PG_EXPORT_BATCH " FROM stet_export");
        if (PQresultStatus(r) != PGRES_TUPLES_OK || (size_t)PQnfields(r) != n) {
            rc = fail(ps, r, "table_export fetch");
            PQclear(r);
            break;
        }
        bool last = PQntuples(r) == 0;
        rc = export_batch(r, n, vals, lens, fn, ctx);
        PQclear(r);
        if (last)
            break;
    }
    free(vals);
    free(lens);
    /* A caller's transaction goes on, so its cursor must go; a failed one cannot. */
    if (declared && PQtransactionStatus(ps->pg) == PQTRANS_INTRANS) {
        int crc = simple(ps, "CLOSE stet_export", "table_export close");
        if (rc == 0)
            rc = crc;
    }
    if (own_tx) {
        int trc = pg_tx(c, rc == 0 ? SQL_TX_COMMIT : SQL_TX_ROLLBACK);
        if (rc == 0)
            rc = trc;
    }
    return rc;
}

/* A statement cannot be dropped inside a failed transaction; then it is dropped
 * before the next import instead. */
static void pg_import_end(struct sql_conn *c)
{
    struct pg_store *ps = to_pg(c);
    if (ps->import_n == 0)
        return;
    ps->import_n = 0;
    ps->import_stale = true;
    if (PQstatus(ps->pg) != CONNECTION_OK)
        return;
    PGTransactionStatusType ts = PQtransactionStatus(ps->pg);
    if (ts != PQTRANS_IDLE && ts != PQTRANS_INTRANS)
        return;
    PGresult *r = PQexec(ps->pg, "DEALLOCATE stet_import");
    if (PQresultStatus(r) == PGRES_COMMAND_OK)
        ps->import_stale = false;
    PQclear(r);
}

static int pg_import_begin(struct sql_conn *c, const char *insert, size_t n)
{
    struct pg_store *ps = to_pg(c);
    if (n > INT_MAX)
        return STET_EINVAL;
    pg_import_end(c);
    int rc = ensure(ps);
    if (rc != 0)
        return rc;
    if (ps->import_stale) {
        rc = simple(ps, "DEALLOCATE stet_import", "table_import deallocate");
        if (rc != 0)
            return rc;
        ps->import_stale = false;
    }
    /* Untyped parameters take the types of their target columns, so decimal text
     * becomes BIGINT and "0"/"1" BOOLEAN by the server's own input rules. */
    char *sql = dollar_params(insert);
    PGresult *r = PQprepare(ps->pg, "stet_import", sql, (int)n, NULL);
    free(sql);
    rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(ps, r, "table_import prepare");
    PQclear(r);
    if (rc == 0)
        ps->import_n = (int)n;
    return rc;
}

static int pg_import_row(struct sql_conn *c, const char *const *values, const size_t *lens,
                         size_t n)
{
    struct pg_store *ps = to_pg(c);
    if (ps->import_n == 0 || n != (size_t)ps->import_n)
        return STET_EINVAL;
    for (size_t i = 0; i < n; i++) {
        /* Text parameters end at the first NUL; the server could not store one anyway. */
        if (values[i] != NULL && memchr(values[i], '\0', lens[i]) != NULL) {
            log_warn(NULL, "postgres: table_import: a text value holds a NUL byte");
            return STET_EINVAL;
        }
    }
    PGresult *r = PQexecPrepared(ps->pg, "stet_import", (int)n, values, NULL, NULL, 0);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(ps, r, "table_import");
    PQclear(r);
    ps->writes++;
    return rc;
}

static int pg_sync_ids(struct sql_conn *c, const char *table, const char *column)
{
    struct pg_store *ps = to_pg(c);
    struct buf sql = BUF_INIT;
    int rc = ensure(ps);
    if (rc != 0)
        return rc;
    /* setval is strict: on an empty table max() is NULL and the sequence stays. */
    buf_printf(&sql, "SELECT setval(pg_get_serial_sequence('%s', '%s'), max(%s)) FROM %s", table,
               column, column, table);
    rc = simple(ps, buf_cstr(&sql), "table_sync_ids");
    buf_cleanup(&sql);
    return rc;
}

static const struct sql_copy_ops pg_copy_ops = {
    .export_rows = pg_export_rows,
    .import_begin = pg_import_begin,
    .import_row = pg_import_row,
    .import_end = pg_import_end,
    .sync_ids = pg_sync_ids,
};

/* fast_commit_begin/end stay NULL: RATE_TAKE's own SQL sets synchronous_commit off
 * for its transaction. */
static const struct sql_driver pg_driver = {
    .name = "postgres",
    .dialect = SQL_POSTGRES,
    .migrations = embedded_migrations_pg,
    .close = pg_close,
    .query = pg_query,
    .next = pg_next,
    .is_null = pg_is_null,
    .col_int = pg_col_int,
    .col_bool = pg_col_bool,
    .col_text = pg_col_text,
    .done = pg_done,
    .tx = pg_tx,
    .in_tx = pg_in_tx,
    .exec_script = pg_exec_script,
    .data_changed = pg_data_changed,
};

/* ---- opening ---- */

int pg_store_open(const char *url, struct store **out)
{
    struct pg_params p;
    *out = NULL;
    int rc = pg_params_from_url(url, "stet", false, &p);
    if (rc != 0)
        return rc;
    PGconn *conn = PQconnectdbParams((const char *const *)p.keys, (const char *const *)p.vals, 0);
    pg_params_cleanup(&p);
    if (conn == NULL) {
        log_error(NULL, "postgres: connect: out of memory");
        return STET_EIO;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        char line[600];
        log_error(NULL, "postgres: connect: %s",
                  pg_one_line(PQerrorMessage(conn), line, sizeof(line)));
        PQfinish(conn);
        return STET_EUNAVAIL;
    }
    PQsetNoticeReceiver(conn, on_notice, NULL);
    struct pg_store *ps = xcalloc(1, sizeof(*ps));
    ps->conn.base.ops = &sql_store_ops;
    ps->conn.base.lessor = NULL;
    ps->conn.drv = &pg_driver;
    ps->conn.copy = &pg_copy_ops;
    ps->pg = conn;
    ps->url = xstrdup(url);
    *out = &ps->conn.base;
    return 0;
}

/* Test and open support below takes a store from pg_store_open. */
static struct pg_store *of_store(struct store *st)
{
    return to_pg(sql_conn_of(st));
}

int pg_store_has_schema(struct store *st, bool *has)
{
    struct pg_store *ps = of_store(st);
    PGresult *r = PQexec(ps->pg, "SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        char line[600];
        log_error(NULL, "postgres: schema check: %s",
                  pg_one_line(PQerrorMessage(ps->pg), line, sizeof(line)));
        PQclear(r);
        return STET_EIO;
    }
    *has = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return 0;
}

/* ---- test support ---- */

int pg_store_explain(struct arena *a, struct store *st, enum sql_query q, const char *args,
                     bool generic, const char **plan)
{
    struct pg_store *ps = of_store(st);
    struct buf b = BUF_INIT;
    char name[32];
    if (ps == NULL || (unsigned)q >= SQL_N_QUERIES || sql_query_text(SQL_POSTGRES, q) == NULL)
        return STET_EINVAL;
    int rc = ensure(ps);
    if (rc == 0)
        rc = simple(ps,
                    generic ? "SET plan_cache_mode = force_generic_plan"
                            : "SET plan_cache_mode = force_custom_plan",
                    "explain");
    if (rc == 0)
        rc = prepare(ps, q);
    if (rc == 0) {
        stmt_name(q, name, sizeof(name));
        PGresult *r = PQexec(ps->pg, arena_printf(a, "EXPLAIN EXECUTE %s (%s)", name, args));
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            for (int k = 0; k < PQntuples(r); k++)
                buf_printf(&b, "%s\n", PQgetvalue(r, k, 0));
        } else {
            rc = fail(ps, r, "explain");
        }
        PQclear(r);
    }
    int reset = simple(ps, "RESET plan_cache_mode", "explain");
    if (rc == 0)
        rc = reset;
    if (rc == 0)
        *plan = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
    buf_cleanup(&b);
    return rc;
}

int pg_store_lib_version(void)
{
    return PQlibVersion();
}
