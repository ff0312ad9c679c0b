/* Rate-limit buckets, the site's secret keys, and housekeeping of both with the
 * sessions. */
#include "store/sql/exec.h"
#include "store/sql/ops.h"

#include "base/log.h"

#include <string.h>

/* One bucket's upsert; *wait receives its wait (0: a token was taken). */
static int take_one(struct sql_conn *c, const struct store_rate_bucket *b, int64_t now_ms,
                    int64_t *wait)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    int64_t span = b->interval_ms * b->capacity;
    sql_arg_text(&args, b->key, STORE_RATE_KEY_LEN);
    sql_arg_int(&args, now_ms);
    sql_arg_int(&args, b->interval_ms);
    sql_arg_int(&args, span);
    int rc = sql_one(c, Q_RATE_TAKE, &args, &rows);
    if (rc != 0)
        return rc == STET_ENOTFOUND ? STET_EIO : rc;
    int64_t full_at = sql_int(&rows, 0);
    bool denied = sql_bool(&rows, 1);
    sql_done(&rows);
    /* Denied: the stored time plus one interval is over the span ahead of now, and a
     * hit is allowed again once it no longer is. */
    *wait = denied ? full_at + b->interval_ms - span - now_ms : 0;
    return 0;
}

/* All or none: the takes run in one transaction, rolled back when a bucket had no
 * token, so a refused request spends nothing anywhere. */
static int take_all(struct sql_conn *c, const struct store_rate_bucket *b, size_t n, int64_t now_ms,
                    int64_t *wait_ms)
{
    bool lowered = c->drv->fast_commit_begin != NULL && c->drv->fast_commit_begin(c);
    int64_t wait = 0;
    int rc = sql_tx(c, SQL_TX_BEGIN);
    for (size_t i = 0; i < n && rc == 0; i++) {
        int64_t w = 0;
        rc = take_one(c, &b[i], now_ms, &w);
        if (w > wait)
            wait = w;
    }
    if (rc == 0 && wait > 0)
        sql_rollback(c);
    else
        rc = sql_finish(c, rc);
    int restored = c->drv->fast_commit_end != NULL ? c->drv->fast_commit_end(c, lowered) : 0;
    if (rc == 0)
        rc = restored;
    if (rc == 0)
        *wait_ms = wait;
    return rc;
}

int sql_rate_take(struct store *st, const struct store_rate_bucket *b, size_t n, int64_t now_ms,
                  int64_t *wait_ms)
{
    struct sql_conn *c;
    if (!store_rate_args_ok(b, n, now_ms))
        return STET_EINVAL;
    int rc = sql_lease(st, SQL_USE_QUIET_WRITE, &c);
    if (rc != 0)
        return rc;
    return sql_unlease(st, c, SQL_USE_QUIET_WRITE, take_all(c, b, n, now_ms, wait_ms));
}

/* The stored key into `out`, checked: a key that is not what this code stores would
 * be a secret of unknown strength. */
static int read_key(struct sql_conn *c, const struct sql_args *args, char *out)
{
    struct sql_rows rows;
    int rc = sql_one(c, Q_SITE_KEY, args, &rows);
    if (rc != 0)
        return rc == STET_ENOTFOUND ? STET_EIO : rc;
    struct str secret = c->drv->col_text(&rows, 0);
    bool ok = secret.len == STORE_SITE_KEY_LEN;
    if (ok) {
        memcpy(out, secret.ptr, STORE_SITE_KEY_LEN);
        out[STORE_SITE_KEY_LEN] = '\0';
        ok = store_is_hex(out, STORE_SITE_KEY_LEN);
    }
    sql_done(&rows);
    if (!ok) {
        log_error(NULL, "%s: site_key: the stored key is not %d hex digits", c->drv->name,
                  STORE_SITE_KEY_LEN);
        return STET_EIO;
    }
    return 0;
}

int sql_site_key(struct store *st, const char *name, const char *candidate, char *out)
{
    struct sql_args args = {0};
    struct sql_conn *c;
    if (name == NULL || name[0] == '\0' ||
        strnlen(name, STORE_SITE_KEY_NAME_MAX + 1) > STORE_SITE_KEY_NAME_MAX ||
        !store_is_hex(candidate, STORE_SITE_KEY_LEN))
        return STET_EINVAL;
    sql_arg_cstr(&args, name);
    sql_arg_text(&args, candidate, STORE_SITE_KEY_LEN);
    int rc = sql_lease(st, SQL_USE_QUIET_WRITE, &c);
    if (rc != 0)
        return rc;
    return sql_unlease(st, c, SQL_USE_QUIET_WRITE, read_key(c, &args, out));
}

/* One DELETE of at most `limit` rows whose time column is at most `until`. */
static int prune_one(struct sql_conn *c, enum sql_query q, int64_t until, int limit, int64_t *n)
{
    struct sql_args args = {0};
    sql_arg_int(&args, until);
    sql_arg_int(&args, limit);
    return sql_exec(c, q, &args, n);
}

static int prune_both(struct sql_conn *c, int64_t now, int limit, int64_t *sessions,
                      int64_t *buckets)
{
    int64_t n_sessions = 0, n_buckets = 0;
    int rc = sql_tx(c, SQL_TX_BEGIN);
    if (rc != 0)
        return rc;
    rc = prune_one(c, Q_PRUNE_SESSIONS, now, limit, &n_sessions);
    if (rc == 0)
        rc = prune_one(c, Q_PRUNE_BUCKETS, now * 1000, limit, &n_buckets);
    rc = sql_finish(c, rc);
    if (rc == 0) {
        *sessions = n_sessions;
        *buckets = n_buckets;
    }
    return rc;
}

int sql_prune(struct store *st, int64_t now, int limit, int64_t *sessions, int64_t *buckets)
{
    struct sql_conn *c;
    if (limit < 1 || now < 0 || now > STORE_RATE_NOW_MAX_MS / 1000)
        return STET_EINVAL;
    int rc = sql_lease(st, SQL_USE_WRITE, &c);
    if (rc != 0)
        return rc;
    return sql_unlease(st, c, SQL_USE_WRITE, prune_both(c, now, limit, sessions, buckets));
}
