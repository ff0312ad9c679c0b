/* Moderator decisions (a comment's status set by a moderator, with its audit entry),
 * the moderation queue, and the audit log read back. */
#include "store/sql/changes.h"
#include "store/sql/exec.h"
#include "store/sql/ops.h"
#include "store/sql/rows.h"
#include "store/sql/spam.h"

#include <string.h>

/* Whether a comment in `status` is on its story's page. */
static bool shown(enum comment_status status)
{
    return status == COMMENT_VISIBLE;
}

/* The decision inside its transaction: the comment under its row lock, the new
 * status (an approval also clears the report count, which is what keeps a visible
 * comment in the queue), the story's numbers when the page changes, the spam
 * filter's training, then the audit entry. `out` is the comment as committed. The
 * locks come in one order (the comment, its story, the tokens, the totals), so
 * concurrent decisions queue rather than deadlock. */
static int set_status_in_tx(struct arena *a, struct sql_conn *c, int64_t id,
                            enum comment_status status, const struct store_spam_sample *spam,
                            const struct store_audit *audit, struct comment *out, int64_t *seq)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    sql_arg_int(&args, id);
    int rc = sql_one(c, Q_COMMENT_FIND_LOCKED, &args, &rows);
    if (rc != 0)
        return rc;
    sql_read_comment(a, &rows, out);
    sql_done(&rows);
    /* The author took it down: a decision cannot bring it back. */
    if (out->status == COMMENT_DELETED)
        return STET_ENOTFOUND;
    /* The tokens were read from a text the author has replaced since: training on
     * them would count words the comment no longer has. */
    if (spam != NULL && strcmp(out->body_src, spam->body_src) != 0)
        return STET_ECONFLICT;

    bool approve = status == COMMENT_VISIBLE;
    if (out->status != status || (approve && out->report_count != 0)) {
        struct sql_args set = {0};
        sql_arg_int(&set, id);
        sql_arg_cstr(&set, comment_status_name(status));
        sql_arg_bool(&set, approve);
        rc = sql_exec(c, Q_COMMENT_SET_STATUS, &set, NULL);
        if (rc != 0)
            return rc;
        out->hold_reason = NULL;
    }
    /* Only a change the page shows moves the story: held and rejected comments are
     * on no shared page (an author's own held one is listed per reader outside the
     * page cache, and the pool's memo follows any commit). */
    if (out->status != status && (shown(out->status) || shown(status))) {
        int delta = shown(status) ? 1 : -1;
        rc = sql_thread_changed(c, out->story_id, id, out->parent_id, shown(out->status),
                                shown(status), delta, &out->event_seq, seq);
        if (rc != 0)
            return rc;
    }
    out->status = status;
    if (approve)
        out->report_count = 0;
    rc = sql_spam_train_decision(a, c, id, status, spam);
    if (rc != 0)
        return rc;
    return audit != NULL ? sql_audit(c, audit) : 0;
}

int sql_comment_set_status(struct arena *a, struct store *st, int64_t id,
                           enum comment_status status, const struct store_spam_sample *spam,
                           const struct store_audit *audit, struct comment *out, int64_t *event_seq)
{
    struct sql_conn *c;
    struct comment cm = {0};
    int64_t seq = 0;
    if (status != COMMENT_VISIBLE && status != COMMENT_HELD && status != COMMENT_REJECTED)
        return STET_EINVAL;
    if (spam != NULL && (spam->tokens_json == NULL || spam->body_src == NULL))
        return STET_EINVAL;
    int rc = sql_lease(st, SQL_USE_WRITE, &c);
    if (rc != 0)
        return rc;
    rc = sql_tx(c, SQL_TX_BEGIN);
    if (rc == 0)
        rc = sql_finish(c, set_status_in_tx(a, c, id, status, spam, audit, &cm, &seq));
    rc = sql_unlease(st, c, SQL_USE_WRITE, rc);
    if (rc != 0)
        return rc;
    if (out != NULL)
        *out = cm;
    if (event_seq != NULL)
        *event_seq = seq;
    return 0;
}

int sql_moderation_queue(struct arena *a, struct store *st, const struct store_page *pg,
                         struct comment **out, size_t *n)
{
    struct sql_args args = {0};
    void *arr = NULL;
    *out = NULL;
    *n = 0;
    if (pg == NULL || pg->limit < 0)
        return STET_EINVAL;
    if (pg->limit == 0)
        return 0;
    /* No cursor: start beyond every row in the chosen direction (ids only). */
    int64_t start = pg->newest_first ? INT64_MAX : INT64_MIN;
    sql_arg_int(&args, pg->has_cursor ? pg->cursor_id : start);
    sql_arg_int(&args, pg->limit);
    int rc = sql_lease_collect(
        a, st, pg->newest_first ? Q_MODERATION_QUEUE_DESC : Q_MODERATION_QUEUE_ASC, &args,
        sizeof(struct comment), (size_t)pg->limit, sql_read_comment, &arr, n);
    *out = arr;
    return rc;
}

/* One row of Q_AUDIT_LIST into a struct store_audit. */
static void read_audit(struct arena *a, struct sql_rows *r, void *out)
{
    struct store_audit *e = out;
    e->id = sql_int(r, 0);
    e->at = sql_int(r, 1);
    e->actor_id = sql_int(r, 2);         /* NULL reads as 0: stet itself */
    e->actor = sql_str_or_null(a, r, 3); /* NULL without an actor */
    e->action = sql_str(a, r, 4);
    e->target = sql_str(a, r, 5);
    e->note = sql_str(a, r, 6);
}

int sql_audit_list(struct arena *a, struct store *st, const struct store_page *pg,
                   struct store_audit **out, size_t *n)
{
    struct sql_args args = {0};
    void *arr = NULL;
    *out = NULL;
    *n = 0;
    if (pg == NULL || pg->limit < 0)
        return STET_EINVAL;
    if (pg->limit == 0)
        return 0;
    sql_arg_int(&args, pg->has_cursor ? pg->cursor_id : INT64_MAX);
    sql_arg_int(&args, pg->limit);
    int rc = sql_lease_collect(a, st, Q_AUDIT_LIST, &args, sizeof(struct store_audit),
                               (size_t)pg->limit, read_audit, &arr, n);
    *out = arr;
    return rc;
}
