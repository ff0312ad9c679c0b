/* The bulk copier behind `stet migrate-data`: moves every row of every table from one
 * store to another, ids included, through the drivers' export and import statements
 * (struct sql_copy_ops), whose SQL text is built here from checked identifiers. The
 * one list of tables and columns lives here, in foreign-key order. */
#include "store/copy.h"

#include "base/buf.h"
#include "base/log.h"
#include "store/sql/driver.h"
#include "store/sql/exec.h"
#include "store/sql_ident.h"

#include <limits.h>
#include <stdio.h>

/* Columns one import may name: SQLite's historical limit on parameters. */
#define COPY_MAX_COLUMNS 999

static const char *const users_cols[] = {
    "id",         "username",     "display_name", "email",           "password_hash",    "role",
    "created_at", "username_key", "email_key",    "suspended_until", "suspension_reason"};
static const char *const stories_cols[] = {
    "id",           "slug",       "title",         "byline",        "body_src",  "body_html",
    "published_at", "created_at", "comments_open", "comment_count", "event_seq", "content_version"};
static const char *const sessions_cols[] = {"token_hash", "user_id", "created_at", "expires_at"};
static const char *const comments_cols[] = {
    "id",          "story_id",     "parent_id",    "author_id",   "legacy_author", "body_src",
    "body_html",   "created_at",   "edited_at",    "is_legacy",   "status",        "legacy_source",
    "legacy_id",   "event_seq",    "report_count", "hold_reason", "spam_score",    "spam_hash",
    "spam_tokens", "spam_trained", "placeholder",  "legacy_email"};
static const char *const reports_cols[] = {"comment_id", "reporter_id", "reason", "created_at"};
static const char *const audit_log_cols[] = {"id", "at", "actor_id", "action", "target", "note"};
static const char *const rate_buckets_cols[] = {"bucket", "full_at", "last_denied"};
static const char *const site_keys_cols[] = {"name", "secret"};
/* Issue 11: the admins' settings (migration 0010). */
static const char *const site_settings_cols[] = {"key", "value", "changed_at", "changed_by"};
static const char *const spam_tokens_cols[] = {"token", "spam", "ham"};
static const char *const spam_totals_cols[] = {"id", "spam", "ham"};
/* Issue 12: imported spam already trained (migration 0012). */
static const char *const legacy_spam_cols[] = {"legacy_source", "legacy_id"};

#define COLS(a) a, sizeof(a) / sizeof(a[0])

/* Referenced tables first. Comments reference comments (parent_id) in any id order
 * (a reply imported before its parent is older than it): the write transaction
 * checks that reference at commit. */
static const struct store_table tables[] = {
    {"users", COLS(users_cols), 1, "id"},
    {"stories", COLS(stories_cols), 1, "id"},
    {"sessions", COLS(sessions_cols), 1, NULL},
    {"comments", COLS(comments_cols), 1, "id"},
    {"reports", COLS(reports_cols), 2, NULL},
    {"audit_log", COLS(audit_log_cols), 1, "id"},
    /* The key naming the buckets moves with them, so a moved site keeps its limits. */
    {"rate_buckets", COLS(rate_buckets_cols), 1, NULL},
    {"site_keys", COLS(site_keys_cols), 1, NULL},
    {"site_settings", COLS(site_settings_cols), 1, NULL},
    /* The spam filter's training moves with the comments it was trained on. */
    {"spam_tokens", COLS(spam_tokens_cols), 1, NULL},
    {"spam_totals", COLS(spam_totals_cols), 1, NULL},
    {"legacy_spam", COLS(legacy_spam_cols), 2, NULL},
};

const struct store_table *store_tables(size_t *n)
{
    *n = sizeof(tables) / sizeof(tables[0]);
    return tables;
}

/* ---- one table at a time, on one connection ---- */

/* SQLite lists the rows that break a reference; PostgreSQL checks its deferred ones
 * now and fails (EINVAL, as a foreign key maps) when one breaks. */
static int check_references(struct sql_conn *c)
{
    struct sql_rows rows;
    int rc = sql_query(c, Q_COPY_CHECK_REFERENCES, &(struct sql_args){0}, &rows);
    if (rc != 0)
        return rc;
    int got = sql_next(&rows);
    sql_done(&rows);
    return got < 0 ? STET_EIO : got > 0 ? STET_EINVAL : 0;
}

int store_transaction(struct store *st, enum store_tx step)
{
    static const enum sql_tx steps[] = {
        [STORE_TX_SNAPSHOT] = SQL_TX_SNAPSHOT,
        [STORE_TX_WRITE] = SQL_TX_BEGIN,
        [STORE_TX_COMMIT] = SQL_TX_COMMIT,
        [STORE_TX_ROLLBACK] = SQL_TX_ROLLBACK,
    };
    struct sql_conn *c = sql_conn_of(st);
    if (c == NULL || (unsigned)step > STORE_TX_CHECK)
        return STET_EINVAL;
    if (step == STORE_TX_CHECK)
        return check_references(c);
    int rc = sql_tx(c, steps[step]);
    if (rc == 0 && step == STORE_TX_WRITE) {
        rc = sql_exec(c, Q_COPY_DEFER_CHECKS, &(struct sql_args){0}, NULL);
        if (rc != 0)
            sql_rollback(c);
    }
    return rc;
}

static void put_list(struct buf *b, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%s", i > 0 ? ", " : "", names[i]);
}

int store_table_export(struct store *st, const char *table, const char *const *columns, size_t n,
                       size_t n_key, store_row_fn fn, void *ctx)
{
    struct sql_conn *c = sql_conn_of(st);
    struct buf sql = BUF_INIT;
    if (c == NULL || !store_ident_ok(table) || !store_idents_ok(columns, n) || n_key == 0 ||
        n_key > n || n > INT_MAX || fn == NULL)
        return STET_EINVAL;
    buf_puts(&sql, "SELECT ");
    put_list(&sql, columns, n);
    buf_printf(&sql, " FROM %s ORDER BY ", table);
    put_list(&sql, columns, n_key);
    int rc = c->copy->export_rows(c, buf_cstr(&sql), n, fn, ctx);
    buf_cleanup(&sql);
    return rc;
}

int store_table_import_begin(struct store *st, const char *table, const char *const *columns,
                             size_t n)
{
    struct sql_conn *c = sql_conn_of(st);
    struct buf sql = BUF_INIT;
    if (c == NULL || !store_ident_ok(table) || !store_idents_ok(columns, n) || n > COPY_MAX_COLUMNS)
        return STET_EINVAL;
    c->copy->import_end(c);
    buf_printf(&sql, "INSERT INTO %s (", table);
    put_list(&sql, columns, n);
    buf_puts(&sql, ") VALUES (");
    for (size_t i = 0; i < n; i++)
        buf_printf(&sql, "%s?%zu", i > 0 ? ", " : "", i + 1);
    buf_puts(&sql, ")");
    int rc = c->copy->import_begin(c, buf_cstr(&sql), n);
    buf_cleanup(&sql);
    return rc;
}

int store_table_import_row(struct store *st, const char *const *values, const size_t *lens,
                           size_t n)
{
    struct sql_conn *c = sql_conn_of(st);
    return c != NULL ? c->copy->import_row(c, values, lens, n) : STET_EINVAL;
}

void store_table_import_end(struct store *st)
{
    struct sql_conn *c = sql_conn_of(st);
    if (c != NULL)
        c->copy->import_end(c);
}

int store_table_sync_ids(struct store *st, const char *table, const char *column)
{
    struct sql_conn *c = sql_conn_of(st);
    if (c == NULL || !store_ident_ok(table) || !store_ident_ok(column))
        return STET_EINVAL;
    return c->copy->sync_ids(c, table, column);
}

/* ---- the whole site ---- */

/* The export callback's own code for "a row exists", told apart from store errors. */
#define HAS_ROWS 1

static int stop_at_first_row(void *ctx, const char *const *values, const size_t *lens, size_t n)
{
    (void)ctx;
    (void)values;
    (void)lens;
    (void)n;
    return HAS_ROWS;
}

struct copy_ctx {
    struct store *to;
    const char *table;
    int64_t rows;
};

static int copy_row(void *arg, const char *const *values, const size_t *lens, size_t n)
{
    struct copy_ctx *c = arg;
    int rc = store_table_import_row(c->to, values, lens, n);
    if (rc == 0) {
        c->rows++;
        return 0;
    }
    /* The backend logs driver errors, but not a key conflict (usually expected). */
    if (rc == STET_ECONFLICT) {
        log_error(NULL, "store copy: %s: row %lld clashes with a key already in the destination",
                  c->table, (long long)c->rows + 1);
        return STET_EIO;
    }
    /* ECONFLICT is reserved for "destination not empty". */
    return rc;
}

static int check_empty(struct store *to)
{
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        const struct store_table *t = &tables[i];
        int rc = store_table_export(to, t->name, t->columns, t->n_key, t->n_key, stop_at_first_row,
                                    NULL);
        if (rc == HAS_ROWS) {
            log_error(NULL, "store copy: the destination is not empty (table %s has rows)",
                      t->name);
            return STET_ECONFLICT;
        }
        if (rc != 0)
            return rc == STET_ECONFLICT ? STET_EIO : rc;
    }
    return 0;
}

static int copy_table(struct store *from, struct store *to, const struct store_table *t,
                      int64_t *rows)
{
    struct copy_ctx c = {.to = to, .table = t->name, .rows = 0};
    int rc = store_table_import_begin(to, t->name, t->columns, t->n_columns);
    if (rc != 0)
        return rc == STET_ECONFLICT ? STET_EIO : rc;
    rc = store_table_export(from, t->name, t->columns, t->n_columns, t->n_key, copy_row, &c);
    store_table_import_end(to);
    if (rc == 0 && t->identity != NULL)
        rc = store_table_sync_ids(to, t->name, t->identity);
    *rows = c.rows;
    return rc == STET_ECONFLICT ? STET_EIO : rc;
}

/* Ends a transaction without keeping anything; never fails. */
static void rollback(struct store *st)
{
    sql_rollback(sql_conn_of(st));
}

int store_copy(struct store *from, struct store *to, store_copy_progress_fn progress, void *ctx)
{
    if (sql_conn_of(from) == NULL || sql_conn_of(to) == NULL)
        return STET_EINVAL; /* a pool's view has no one connection to hold a transaction */
    int rc = store_migrate(from, NULL);
    if (rc == 0)
        rc = store_migrate(to, NULL);
    if (rc != 0)
        return rc == STET_ECONFLICT ? STET_EIO : rc;
    rc = store_transaction(from, STORE_TX_SNAPSHOT);
    if (rc != 0)
        return rc == STET_ECONFLICT ? STET_EIO : rc;
    /* The write transaction spans the emptiness check too, so nothing can slip in
     * between the check and the copy. */
    rc = store_transaction(to, STORE_TX_WRITE);
    if (rc != 0) {
        rollback(from);
        return rc == STET_ECONFLICT ? STET_EIO : rc;
    }
    rc = check_empty(to);
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]) && rc == 0; i++) {
        int64_t rows = 0;
        rc = copy_table(from, to, &tables[i], &rows);
        if (rc == 0 && progress != NULL)
            progress(ctx, tables[i].name, rows);
    }
    if (rc == 0) {
        rc = store_transaction(to, STORE_TX_COMMIT);
        if (rc == STET_ECONFLICT)
            rc = STET_EIO;
    }
    if (rc != 0)
        rollback(to);
    /* Nothing was written on the source; ending its snapshot cannot lose anything. */
    rollback(from);
    return rc;
}
