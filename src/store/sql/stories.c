/* Stories: insert, find, open or close (audited when a moderator does it), the front
 * page's and the archive's keyset pages, and the counts the widget asks for. */
#include "store/sql/changes.h"
#include "store/sql/exec.h"
#include "store/sql/ops.h"
#include "store/sql/rows.h"

#include "base/timefmt.h"

#include <string.h>

bool sql_key_storable(struct str k)
{
    return k.len == 0 || memchr(k.ptr, '\0', k.len) == NULL;
}

int sql_lookup_rc(int rc)
{
    return rc == STET_EINVAL ? STET_ENOTFOUND : rc;
}

int sql_story_insert(struct store *st, const struct story *s, int64_t *id)
{
    struct sql_args args = {0};
    sql_arg_cstr(&args, s->slug);
    sql_arg_cstr(&args, s->title);
    sql_arg_cstr(&args, s->byline);
    sql_arg_cstr(&args, s->body_src);
    sql_arg_cstr(&args, s->body_html);
    sql_arg_int(&args, s->published_at);
    sql_arg_int(&args, s->created_at);
    sql_arg_bool(&args, s->comments_open);
    return sql_lease_insert(st, Q_STORY_INSERT, &args, id);
}

int sql_story_find(struct arena *a, struct store *st, struct str slug, struct story *out)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    struct sql_conn *c;
    if (!sql_key_storable(slug))
        return STET_ENOTFOUND;
    sql_arg_text(&args, slug.ptr, slug.len);
    int rc = sql_lease(st, SQL_USE_READ, &c);
    if (rc != 0)
        return rc;
    rc = sql_one(c, Q_STORY_FIND, &args, &rows);
    if (rc == 0) {
        sql_read_story(a, &rows, out);
        sql_done(&rows);
    }
    return sql_unlease(st, c, SQL_USE_READ, sql_lookup_rc(rc));
}

/* A keyset page of stories by (published_at, id): `args` already holds the
 * parameters before the cursor's. */
static int story_page(struct arena *a, struct store *st, enum sql_query q, struct sql_args *args,
                      const struct store_page *pg, int64_t edge, struct story **out, size_t *n)
{
    void *arr = NULL;
    *out = NULL;
    *n = 0;
    if (pg == NULL || pg->limit < 0)
        return STET_EINVAL;
    if (pg->limit == 0)
        return 0;
    /* No cursor: start beyond every possible row on the side the order starts from. */
    sql_arg_int(args, pg->has_cursor ? pg->cursor_time : edge);
    sql_arg_int(args, pg->has_cursor ? pg->cursor_id : edge);
    sql_arg_int(args, pg->limit);
    int rc = sql_lease_collect(a, st, q, args, sizeof(struct story), (size_t)pg->limit,
                               sql_read_story, &arr, n);
    *out = arr;
    return rc;
}

int sql_story_list(struct arena *a, struct store *st, const struct store_page *pg,
                   struct story **out, size_t *n)
{
    struct sql_args args = {0};
    /* Newest first always: (published_at DESC, id DESC). */
    return story_page(a, st, Q_STORY_LIST, &args, pg, INT64_MAX, out, n);
}

int sql_story_list_range(struct arena *a, struct store *st, int64_t from, int64_t to,
                         const struct store_page *pg, struct story **out, size_t *n)
{
    struct sql_args args = {0};
    bool desc = pg != NULL && pg->newest_first;
    sql_arg_int(&args, from);
    sql_arg_int(&args, to);
    return story_page(a, st, desc ? Q_STORY_RANGE_DESC : Q_STORY_RANGE_ASC, &args, pg,
                      desc ? INT64_MAX : INT64_MIN, out, n);
}

int sql_story_set_open(struct store *st, int64_t story_id, bool open)
{
    struct sql_args args = {0};
    int64_t changed = 0;
    sql_arg_int(&args, story_id);
    sql_arg_bool(&args, open);
    int rc = sql_lease_exec(st, SQL_USE_WRITE, Q_STORY_SET_OPEN, &args, &changed);
    return rc == 0 && changed == 0 ? STET_ENOTFOUND : rc;
}

static int set_open_in_tx(struct sql_conn *c, const struct sql_args *args,
                          const struct store_audit *audit)
{
    int64_t changed = 0;
    int rc = sql_exec(c, Q_STORY_SET_OPEN, args, &changed);
    if (rc == 0 && changed == 0)
        rc = STET_ENOTFOUND;
    if (rc == 0)
        rc = sql_audit(c, audit);
    return rc;
}

/* A moderator's open or close: the change and its audit entry commit together, as
 * suspensions.c's audited role change. */
int sql_story_set_open_audit(struct store *st, int64_t story_id, bool open,
                             const struct store_audit *audit)
{
    struct sql_args args = {0};
    struct sql_conn *c;
    if (audit == NULL)
        return sql_story_set_open(st, story_id, open);
    sql_arg_int(&args, story_id);
    sql_arg_bool(&args, open);
    int rc = sql_write_begin(st, &c);
    return rc != 0 ? rc : sql_write_end(st, c, set_open_in_tx(c, &args, audit));
}

static int edit_in_tx(struct sql_conn *c, const struct sql_args *args,
                      const struct store_audit *audit)
{
    int64_t changed = 0;
    int rc = sql_exec(c, Q_STORY_EDIT, args, &changed);
    if (rc == 0 && changed == 0)
        rc = STET_ENOTFOUND;
    return rc != 0 ? rc : sql_audit(c, audit);
}

int sql_story_edit(struct store *st, const struct story *s, const struct store_audit *audit)
{
    struct sql_args args = {0};
    struct sql_conn *c;
    if (s->title == NULL || s->byline == NULL || s->body_src == NULL || s->body_html == NULL ||
        audit == NULL)
        return STET_EINVAL;
    sql_arg_int(&args, s->id);
    sql_arg_cstr(&args, s->title);
    sql_arg_cstr(&args, s->byline);
    sql_arg_cstr(&args, s->body_src);
    sql_arg_cstr(&args, s->body_html);
    sql_arg_bool(&args, s->comments_open);
    int rc = sql_write_begin(st, &c);
    return rc != 0 ? rc : sql_write_end(st, c, edit_in_tx(c, &args, audit));
}

/* One point lookup per slug on the unique index; n is bounded by the caller. */
static int count_each(struct sql_conn *c, const struct str *slugs, size_t n, int64_t *counts)
{
    for (size_t i = 0; i < n; i++) {
        struct sql_args args = {0};
        struct sql_rows rows;
        counts[i] = -1;
        if (!sql_key_storable(slugs[i]))
            continue;
        sql_arg_text(&args, slugs[i].ptr, slugs[i].len);
        int rc = sql_lookup_rc(sql_one(c, Q_STORY_COUNT, &args, &rows));
        if (rc == STET_ENOTFOUND)
            continue;
        if (rc != 0)
            return rc;
        counts[i] = sql_int(&rows, 0);
        sql_done(&rows);
    }
    return 0;
}

int sql_story_counts(struct store *st, const struct str *slugs, size_t n, int64_t *counts)
{
    struct sql_conn *c;
    int rc = sql_lease(st, SQL_USE_READ, &c);
    return rc != 0 ? rc : sql_unlease(st, c, SQL_USE_READ, count_each(c, slugs, n, counts));
}

static void read_month(struct arena *a, struct sql_rows *r, void *out)
{
    struct store_month *m = out;
    (void)a;
    m->start = sql_int(r, 0);
    m->n_stories = sql_int(r, 1);
}

int sql_story_months(struct arena *a, struct store *st, int64_t from, int64_t to, int limit,
                     struct store_month **out, size_t *n)
{
    struct sql_args args = {0};
    void *arr = NULL;
    *out = NULL;
    *n = 0;
    if (limit < 1 || from < TIME_MIN)
        return STET_EINVAL;
    sql_arg_int(&args, from);
    sql_arg_int(&args, to);
    sql_arg_int(&args, limit);
    int rc = sql_lease_collect(a, st, Q_STORY_MONTHS, &args, sizeof(struct store_month),
                               (size_t)limit, read_month, &arr, n);
    *out = arr;
    return rc;
}
