/* Comments: the insert (alone or as the group committer's batch), one by id, a
 * story's keyset pages, a comment's place among them, and the live stream's
 * events. */
#include "store/sql/changes.h"
#include "store/sql/exec.h"
#include "store/sql/ops.h"
#include "store/sql/rows.h"

/* The body of one comment insert, inside a transaction the caller opened: the story
 * first (its new number goes into the comment row, and on PostgreSQL its row lock
 * orders concurrent inserts), then the row, then the notification other nodes
 * receive at commit. */
static int insert_in_tx(struct sql_conn *c, const struct comment *cm, int64_t *id,
                        int64_t *event_seq)
{
    struct sql_args args = {0};
    int64_t seq = 0, new_id = 0;
    int rc;
    if (cm->status == COMMENT_VISIBLE) {
        rc = sql_story_change(c, cm->story_id, 1, &seq);
        if (rc != 0)
            return rc;
    }
    sql_arg_int(&args, cm->story_id);
    sql_arg_int_or_null(&args, cm->parent_id);
    sql_arg_int_or_null(&args, cm->author_id);
    sql_arg_cstr_or_null(&args, cm->legacy_author);
    sql_arg_cstr(&args, cm->body_src);
    sql_arg_cstr(&args, cm->body_html);
    sql_arg_int(&args, cm->created_at);
    sql_arg_int_or_null(&args, cm->edited_at);
    sql_arg_bool(&args, cm->is_legacy);
    sql_arg_cstr(&args, comment_status_name(cm->status));
    sql_arg_int_or_null(&args, seq);
    sql_arg_cstr_or_null(&args, cm->hold_reason);
    sql_arg_int_if(&args, cm->has_spam_score, cm->spam_score);
    sql_arg_int_or_null(&args, cm->spam_hash);
    rc = sql_insert_id(c, Q_COMMENT_INSERT, &args, &new_id);
    if (rc == 0 && seq != 0)
        rc = sql_event_notify(c, cm->story_id, seq);
    if (rc != 0)
        return rc;
    *id = new_id;
    *event_seq = seq;
    return 0;
}

int sql_comment_insert(struct store *st, const struct comment *cm, int64_t *id, int64_t *event_seq)
{
    struct sql_conn *c;
    int64_t new_id = 0, seq = 0;
    if ((unsigned)cm->status > COMMENT_DELETED)
        return STET_EINVAL;
    int rc = sql_write_begin(st, &c);
    if (rc == 0)
        rc = sql_write_end(st, c, insert_in_tx(c, cm, &new_id, &seq));
    if (rc != 0)
        return rc;
    if (id != NULL)
        *id = new_id;
    if (event_seq != NULL)
        *event_seq = seq;
    return 0;
}

/* Each row in a savepoint, the previous one's released as the next is set, so a row
 * that fails undoes only itself (a notification made in a savepoint that is rolled
 * back is never sent). 0 when every row was tried: rcs[] holds each outcome. */
static int insert_rows(struct sql_conn *c, const struct comment *const *cs, size_t n, int64_t *ids,
                       int64_t *seqs, int *rcs)
{
    bool have_savepoint = false;
    for (size_t i = 0; i < n; i++) {
        ids[i] = 0;
        seqs[i] = 0;
        if ((unsigned)cs[i]->status > COMMENT_DELETED) {
            rcs[i] = STET_EINVAL;
            continue;
        }
        int rc = sql_tx(c, have_savepoint ? SQL_TX_NEXT_SAVEPOINT : SQL_TX_SAVEPOINT);
        if (rc != 0)
            return rc;
        have_savepoint = true;
        rcs[i] = insert_in_tx(c, cs[i], &ids[i], &seqs[i]);
        if (rcs[i] == 0)
            continue;
        ids[i] = 0;
        seqs[i] = 0;
        /* Some errors (a lost connection, I/O, out of memory) end the whole
         * transaction; then no savepoint can help. */
        if (!c->drv->in_tx(c))
            return rcs[i];
        rc = sql_tx(c, SQL_TX_ROLLBACK_TO);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int store_comment_insert_batch(struct store *st, const struct comment *const *cs, size_t n,
                               int64_t *ids, int64_t *seqs, int *rcs)
{
    struct sql_conn *c;
    int rc = sql_write_begin(st, &c);
    if (rc == 0)
        rc = sql_write_end(st, c, insert_rows(c, cs, n, ids, seqs, rcs));
    for (size_t i = 0; rc != 0 && i < n; i++) {
        ids[i] = 0;
        seqs[i] = 0;
        rcs[i] = rc;
    }
    return rc;
}

int sql_comment_find(struct arena *a, struct store *st, int64_t id, struct comment *out)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    struct sql_conn *c;
    sql_arg_int(&args, id);
    int rc = sql_lease(st, SQL_USE_READ, &c);
    if (rc != 0)
        return rc;
    rc = sql_one(c, Q_COMMENT_FIND, &args, &rows);
    if (rc == 0) {
        sql_read_comment(a, &rows, out);
        sql_done(&rows);
    }
    return sql_unlease(st, c, SQL_USE_READ, rc);
}

/* Every row of `q` as comments, at most `limit`. */
static int comments_of(struct arena *a, struct store *st, enum sql_query q,
                       const struct sql_args *args, int limit, struct comment **out, size_t *n)
{
    void *arr = NULL;
    int rc = sql_lease_collect(a, st, q, args, sizeof(struct comment), (size_t)limit,
                               sql_read_comment, &arr, n);
    *out = arr;
    return rc;
}

int sql_comment_list(struct arena *a, struct store *st, const struct comment_filter *f,
                     const struct store_page *pg, struct comment **out, size_t *n)
{
    struct sql_args args = {0};
    enum sql_query q;
    *out = NULL;
    *n = 0;
    if (pg == NULL || pg->limit < 0)
        return STET_EINVAL;
    if (pg->limit == 0)
        return 0;
    if (f->own_held_only && f->viewer_id == 0)
        return STET_EINVAL;
    if (f->own_held_only)
        q = pg->newest_first ? Q_COMMENT_LIST_OWN_HELD_DESC : Q_COMMENT_LIST_OWN_HELD_ASC;
    else if (f->viewer_id != 0)
        q = pg->newest_first ? Q_COMMENT_LIST_VIEWER_DESC : Q_COMMENT_LIST_VIEWER_ASC;
    else
        q = pg->newest_first ? Q_COMMENT_LIST_DESC : Q_COMMENT_LIST_ASC;
    /* No cursor: start beyond every row in the chosen direction. The keyset is the id
     * alone (cursor_time plays no part). */
    int64_t start = pg->newest_first ? INT64_MAX : INT64_MIN;
    sql_arg_int(&args, f->story_id);
    sql_arg_int(&args, pg->has_cursor ? pg->cursor_id : start);
    sql_arg_int(&args, pg->limit);
    if (f->viewer_id != 0)
        sql_arg_int(&args, f->viewer_id);
    return comments_of(a, st, q, &args, pg->limit, out, n);
}

/* The count, then the last comment of the page before the one holding the count's
 * position (none on the first page). Two statements, so a change between them can
 * move the boundary by one; a permalink then lands one page off, which its anchor
 * survives. */
static int position_of(struct sql_conn *c, int64_t story_id, int64_t id, int page_size,
                       int64_t *n_before, int64_t *page_after)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    sql_arg_int(&args, story_id);
    sql_arg_int(&args, id);
    int rc = sql_one(c, Q_COMMENT_POSITION, &args, &rows); /* an aggregate: always one row */
    if (rc != 0)
        return rc == STET_ENOTFOUND ? STET_EIO : rc;
    *n_before = sql_int(&rows, 0);
    sql_done(&rows);
    int64_t offset = *n_before / page_size * page_size - 1;
    if (offset < 0)
        return 0;
    sql_arg_int(&args, offset);
    rc = sql_one(c, Q_COMMENT_NTH, &args, &rows);
    if (rc == STET_ENOTFOUND)
        return 0; /* fewer now than counted a moment ago: the first page */
    if (rc != 0)
        return rc;
    *page_after = sql_int(&rows, 0);
    sql_done(&rows);
    return 0;
}

int sql_comment_position(struct store *st, int64_t story_id, int64_t id, int page_size,
                         int64_t *n_before, int64_t *page_after)
{
    struct sql_conn *c;
    *n_before = 0;
    *page_after = 0;
    if (page_size < 1)
        return STET_EINVAL;
    int rc = sql_lease(st, SQL_USE_READ, &c);
    if (rc != 0)
        return rc;
    rc = position_of(c, story_id, id, page_size, n_before, page_after);
    return sql_unlease(st, c, SQL_USE_READ, rc);
}

int sql_comment_count_approved(struct store *st, int64_t author_id, int64_t limit, int64_t *n)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    struct sql_conn *c;
    *n = 0;
    if (limit < 0)
        return STET_EINVAL;
    sql_arg_int(&args, author_id);
    sql_arg_int(&args, limit);
    int rc = sql_lease(st, SQL_USE_READ, &c);
    if (rc != 0)
        return rc;
    rc = sql_one(c, Q_COMMENT_COUNT_APPROVED, &args, &rows); /* an aggregate: always one row */
    if (rc == 0) {
        *n = sql_int(&rows, 0);
        sql_done(&rows);
    }
    return sql_unlease(st, c, SQL_USE_READ, rc == STET_ENOTFOUND ? STET_EIO : rc);
}

int sql_comment_events(struct arena *a, struct store *st, int64_t story_id, int64_t after_seq,
                       int limit, struct comment **out, size_t *n)
{
    struct sql_args args = {0};
    *out = NULL;
    *n = 0;
    if (limit < 0)
        return STET_EINVAL;
    if (limit == 0)
        return 0;
    sql_arg_int(&args, story_id);
    sql_arg_int(&args, after_seq);
    sql_arg_int(&args, limit);
    return comments_of(a, st, Q_COMMENT_EVENTS, &args, limit, out, n);
}
