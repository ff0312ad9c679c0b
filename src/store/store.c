/* Opens a store connection by URL scheme and hands it to the matching driver; the
 * one place that knows which drivers exist. */
#include "store/store.h"

#include "base/log.h"
#include "base/xalloc.h"
#include "store/pg/pg_store.h"
#include "store/sql/driver.h"
#include "store/sqlite/sqlite_store.h"

#include <stdlib.h>
#include <string.h>

static bool is_pg_url(struct str u)
{
    return str_starts_with(u, "postgres://") || str_starts_with(u, "postgresql://");
}

/* "PATH?synchronous=full|normal": the one option a SQLite URL takes. Any other
 * "?..." is left alone as part of the file name, as before the option existed.
 * Without `create`, only an existing stet database opens (store_open_existing). */
static int open_sqlite(const char *rest, bool create, struct store **out)
{
    static const struct {
        const char *suffix;
        bool full;
    } opts[] = {{"?synchronous=full", true}, {"?synchronous=normal", false}};
    size_t len = strlen(rest);
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        size_t n = strlen(opts[i].suffix);
        if (len >= n && strcmp(rest + len - n, opts[i].suffix) == 0) {
            char *path = xstrndup(rest, len - n);
            int rc = create ? sqlite_store_open_sync(path, opts[i].full, out)
                            : sqlite_store_open_existing(path, opts[i].full, out);
            free(path);
            return rc;
        }
    }
    return create ? sqlite_store_open(rest, out) : sqlite_store_open_existing(rest, true, out);
}

int store_open(const char *url, struct store **out)
{
    *out = NULL;
    if (url == NULL) {
        log_error(NULL, "store: no database URL");
        return STET_EINVAL;
    }
    struct str u = str_from(url);
    if (str_starts_with(u, "sqlite:"))
        return open_sqlite(url + strlen("sqlite:"), true, out);
    if (is_pg_url(u))
        return pg_store_open(url, out);
    /* The URL is not echoed: it may carry a password. */
    log_error(NULL, "store: unsupported database URL (use sqlite:PATH or postgres://...)");
    return STET_EINVAL;
}

/* PostgreSQL databases are made by the server's administrator (createdb), so stet
 * can only find one empty; SQLite's file is not even created. */
int store_open_existing(const char *url, struct store **out)
{
    *out = NULL;
    if (url != NULL && str_starts_with(str_from(url), "sqlite:"))
        return open_sqlite(url + strlen("sqlite:"), false, out);
    if (url == NULL || !is_pg_url(str_from(url)))
        return store_open(url, out); /* reports the URL as store_open does */
    struct store *st;
    int rc = pg_store_open(url, &st);
    if (rc != 0)
        return rc;
    bool has = false;
    rc = pg_store_has_schema(st, &has);
    if (rc == 0 && !has)
        rc = STET_ENOTFOUND;
    if (rc != 0) {
        store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* A pool's view belongs to its pool (store_pool_free). */
void store_close(struct store *st)
{
    struct sql_conn *c = st != NULL ? sql_conn_of(st) : NULL;
    if (c != NULL)
        c->drv->close(c);
}

int store_data_changed(struct store *st, bool *changed)
{
    struct sql_conn *c = sql_conn_of(st);
    *changed = true;
    if (c == NULL || c->drv->data_changed == NULL)
        return 0;
    return c->drv->data_changed(c, changed);
}

/* A listener is a PostgreSQL notion; the only other backend, SQLite, lives inside
 * one process, which publishes its own changes. */
int store_listener_start(const char *url, store_event_fn fn, void *ctx, struct store_listener **out)
{
    *out = NULL;
    if (url == NULL || fn == NULL)
        return STET_EINVAL;
    struct str u = str_from(url);
    if (str_starts_with(u, "sqlite:") && u.len > strlen("sqlite:"))
        return 0;
    if (is_pg_url(u))
        return pg_listener_start(url, fn, ctx, out);
    log_error(NULL, "store: unsupported database URL for a listener");
    return STET_EINVAL;
}

void store_listener_stop(struct store_listener *l)
{
    /* Only PostgreSQL ever makes one. */
    pg_listener_stop(l);
}
