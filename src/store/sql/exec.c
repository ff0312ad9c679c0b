/* The SQL core's statement runner: connection leasing, parameters, and the shapes
 * every operation reads its rows in. */
#include "store/sql/exec.h"

#include "base/log.h"

#include <string.h>

int sql_lease(struct store *st, enum sql_use use, struct sql_conn **c)
{
    if (st->lessor == NULL) {
        *c = (struct sql_conn *)st;
        return 0;
    }
    return st->lessor->take(st, use, c);
}

int sql_unlease(struct store *st, struct sql_conn *c, enum sql_use use, int rc)
{
    if (st->lessor != NULL)
        st->lessor->give(st, c, use);
    return rc;
}

/* ---- parameters ---- */

static struct sql_arg *arg_next(struct sql_args *a)
{
    /* The table's parameter counts are at most SQL_MAX_ARGS; a caller binding more is
     * a bug in the core, caught by sql_query's count check. */
    if (a->n >= SQL_MAX_ARGS) {
        a->n = SQL_MAX_ARGS + 1;
        return NULL;
    }
    struct sql_arg *v = &a->v[a->n++];
    memset(v, 0, sizeof(*v));
    return v;
}

void sql_arg_int(struct sql_args *a, int64_t i)
{
    struct sql_arg *v = arg_next(a);
    if (v != NULL)
        *v = (struct sql_arg){.type = SQL_ARG_INT, .i = i};
}

void sql_arg_int_or_null(struct sql_args *a, int64_t i)
{
    struct sql_arg *v = arg_next(a);
    if (v != NULL)
        *v = (struct sql_arg){.type = i != 0 ? SQL_ARG_INT : SQL_ARG_NULL, .i = i};
}

void sql_arg_int_if(struct sql_args *a, bool has, int64_t i)
{
    struct sql_arg *v = arg_next(a);
    if (v != NULL)
        *v = (struct sql_arg){.type = has ? SQL_ARG_INT : SQL_ARG_NULL, .i = i};
}

void sql_arg_bool(struct sql_args *a, bool b)
{
    struct sql_arg *v = arg_next(a);
    if (v != NULL)
        *v = (struct sql_arg){.type = SQL_ARG_BOOL, .i = b ? 1 : 0};
}

void sql_arg_text(struct sql_args *a, const char *p, size_t len)
{
    struct sql_arg *v = arg_next(a);
    if (v == NULL)
        return;
    if (p == NULL) {
        p = "";
        len = 0;
    }
    if (len > SQL_TEXT_MAX) {
        a->too_long = true;
        len = 0;
    }
    *v = (struct sql_arg){.type = SQL_ARG_TEXT, .p = p, .len = len};
}

void sql_arg_cstr(struct sql_args *a, const char *s)
{
    sql_arg_text(a, s, s != NULL ? strlen(s) : 0);
}

void sql_arg_cstr_or_null(struct sql_args *a, const char *s)
{
    if (s != NULL) {
        sql_arg_cstr(a, s);
        return;
    }
    struct sql_arg *v = arg_next(a);
    if (v != NULL)
        v->type = SQL_ARG_NULL;
}

/* ---- statements ---- */

int sql_query(struct sql_conn *c, enum sql_query q, const struct sql_args *a, struct sql_rows *rows)
{
    static const struct sql_args none;
    const struct sql_query_def *def = sql_query_def(q);
    *rows = (struct sql_rows){.conn = c, .q = q, .row = -1};
    if (a == NULL)
        a = &none;
    if (a->n != def->n_params) {
        log_error(NULL, "%s: %s: %d parameters bound, %d expected", c->drv->name, def->name, a->n,
                  def->n_params);
        return STET_EINVAL;
    }
    if (a->too_long)
        return STET_ELIMIT;
    if (def->text[c->drv->dialect] == NULL)
        return 0; /* nothing to run in this dialect: no rows */
    return c->drv->query(c, q, a, rows);
}

int sql_next(struct sql_rows *r)
{
    return r->impl != NULL ? r->conn->drv->next(r) : 0;
}

int64_t sql_done(struct sql_rows *r)
{
    int64_t changed = r->impl != NULL ? r->conn->drv->done(r) : 0;
    r->impl = NULL;
    return changed;
}

int sql_one(struct sql_conn *c, enum sql_query q, const struct sql_args *a, struct sql_rows *rows)
{
    int rc = sql_query(c, q, a, rows);
    if (rc != 0)
        return rc;
    int step = sql_next(rows);
    if (step == 1)
        return 0;
    sql_done(rows);
    return step == 0 ? STET_ENOTFOUND : step;
}

int sql_exec(struct sql_conn *c, enum sql_query q, const struct sql_args *a, int64_t *changed)
{
    struct sql_rows rows;
    int rc = sql_query(c, q, a, &rows);
    if (rc != 0)
        return rc;
    int step;
    while ((step = sql_next(&rows)) == 1)
        ;
    int64_t n = sql_done(&rows);
    if (step < 0)
        return step;
    if (changed != NULL)
        *changed = n;
    return 0;
}

int sql_lease_exec(struct store *st, enum sql_use use, enum sql_query q, const struct sql_args *a,
                   int64_t *changed)
{
    struct sql_conn *c;
    int rc = sql_lease(st, use, &c);
    return rc != 0 ? rc : sql_unlease(st, c, use, sql_exec(c, q, a, changed));
}

int sql_insert_id(struct sql_conn *c, enum sql_query q, const struct sql_args *a, int64_t *id)
{
    struct sql_rows rows;
    int rc = sql_one(c, q, a, &rows);
    if (rc != 0)
        return rc == STET_ENOTFOUND ? STET_EIO : rc; /* RETURNING always gives the row */
    if (id != NULL)
        *id = sql_int(&rows, 0);
    sql_done(&rows);
    return 0;
}

int sql_lease_insert(struct store *st, enum sql_query q, const struct sql_args *a, int64_t *id)
{
    struct sql_conn *c;
    int rc = sql_lease(st, SQL_USE_WRITE, &c);
    return rc != 0 ? rc : sql_unlease(st, c, SQL_USE_WRITE, sql_insert_id(c, q, a, id));
}

int sql_collect(struct arena *a, struct sql_conn *c, enum sql_query q, const struct sql_args *args,
                size_t size, size_t limit, sql_read_fn read, void **out, size_t *n)
{
    struct sql_rows rows;
    char *arr = NULL;
    size_t cap = 0, cnt = 0;
    *out = NULL;
    *n = 0;
    int rc = sql_query(c, q, args, &rows);
    if (rc != 0)
        return rc;
    int step = 0;
    while (cnt < limit && (step = sql_next(&rows)) == 1) {
        /* Grows by doubling up to the limit; old copies are abandoned in the arena,
         * which is cheap next to a query. */
        if (cnt == cap) {
            size_t ncap = cap == 0 ? 16 : cap * 2;
            if (ncap > limit)
                ncap = limit;
            char *fresh = arena_alloc(a, size * ncap);
            if (cnt > 0)
                memcpy(fresh, arr, size * cnt);
            arr = fresh;
            cap = ncap;
        }
        memset(arr + size * cnt, 0, size);
        read(a, &rows, arr + size * cnt);
        cnt++;
    }
    if (cnt == limit)
        step = 0;
    sql_done(&rows);
    if (step < 0)
        return step;
    *out = arr;
    *n = cnt;
    return 0;
}

int sql_lease_collect(struct arena *a, struct store *st, enum sql_query q,
                      const struct sql_args *args, size_t size, size_t limit, sql_read_fn read,
                      void **out, size_t *n)
{
    struct sql_conn *c;
    *out = NULL;
    *n = 0;
    int rc = sql_lease(st, SQL_USE_READ, &c);
    if (rc != 0)
        return rc;
    return sql_unlease(st, c, SQL_USE_READ, sql_collect(a, c, q, args, size, limit, read, out, n));
}

/* ---- transactions ---- */

int sql_tx(struct sql_conn *c, enum sql_tx step)
{
    return c->drv->tx(c, step);
}

void sql_rollback(struct sql_conn *c)
{
    (void)c->drv->tx(c, SQL_TX_ROLLBACK);
}

int sql_finish(struct sql_conn *c, int rc)
{
    if (rc == 0)
        rc = sql_tx(c, SQL_TX_COMMIT);
    if (rc != 0)
        sql_rollback(c);
    return rc;
}

int sql_write_begin(struct store *st, struct sql_conn **c)
{
    int rc = sql_lease(st, SQL_USE_WRITE, c);
    if (rc != 0)
        return rc;
    rc = sql_tx(*c, SQL_TX_BEGIN);
    return rc != 0 ? sql_unlease(st, *c, SQL_USE_WRITE, rc) : 0;
}

int sql_write_end(struct store *st, struct sql_conn *c, int rc)
{
    return sql_unlease(st, c, SQL_USE_WRITE, sql_finish(c, rc));
}

/* ---- columns ---- */

int64_t sql_int(struct sql_rows *r, int col)
{
    return r->conn->drv->col_int(r, col);
}

bool sql_bool(struct sql_rows *r, int col)
{
    return r->conn->drv->col_bool(r, col);
}

const char *sql_str_or_null(struct arena *a, struct sql_rows *r, int col)
{
    if (r->conn->drv->is_null(r, col))
        return NULL;
    struct str s = r->conn->drv->col_text(r, col);
    return arena_strndup(a, s.ptr != NULL ? s.ptr : "", s.len);
}

const char *sql_str(struct arena *a, struct sql_rows *r, int col)
{
    const char *s = sql_str_or_null(a, r, col);
    return s != NULL ? s : arena_strndup(a, "", 0);
}
