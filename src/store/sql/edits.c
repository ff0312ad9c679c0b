/* A comment's own changes after posting: its author edits the text, or its author
 * or a moderator deletes it. Each is one transaction that, when the comment was on
 * its story's page, moves the story (changes.h) so pages, ETags and live streams
 * follow. */
#include "store/sql/changes.h"
#include "store/sql/exec.h"
#include "store/sql/ops.h"

/* The body of comment_edit inside its transaction. */
static int edit_in_tx(struct sql_conn *c, int64_t id, const struct store_comment_revision *rev,
                      int64_t *seq)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    sql_arg_int(&args, id);
    sql_arg_cstr(&args, rev->body_src);
    sql_arg_cstr(&args, rev->body_html);
    sql_arg_int(&args, rev->edited_at);
    sql_arg_int_if(&args, rev->has_spam_score, rev->spam_score);
    sql_arg_int_or_null(&args, rev->spam_hash);
    int rc = sql_one(c, Q_COMMENT_EDIT, &args, &rows);
    if (rc != 0)
        return rc;
    int64_t story_id = sql_int(&rows, 0);
    bool visible = sql_bool(&rows, 1);
    int64_t parent_id = sql_int(&rows, 2);
    sql_done(&rows);
    if (rev->hold_reason != NULL) {
        struct sql_args hold = {0};
        sql_arg_int(&hold, id);
        sql_arg_cstr(&hold, rev->hold_reason);
        rc = sql_exec(c, Q_COMMENT_HOLD, &hold, NULL);
        /* Off the page as any held comment: its new text reaches no one but staff. */
        if (rc != 0)
            return rc;
        return sql_thread_changed(c, story_id, id, parent_id, visible, false, visible ? -1 : 0, seq,
                                  seq);
    }
    /* A held comment is on no shared page: its story has nothing to tell. */
    return visible ? sql_comment_changed(c, story_id, id, 0, seq) : 0;
}

int sql_comment_edit(struct store *st, int64_t id, const struct store_comment_revision *rev,
                     int64_t *event_seq)
{
    struct sql_conn *c;
    int64_t seq = 0;
    *event_seq = 0;
    if (rev->body_src == NULL || rev->body_html == NULL || rev->edited_at <= 0)
        return STET_EINVAL;
    int rc = sql_write_begin(st, &c);
    if (rc == 0)
        rc = sql_write_end(st, c, edit_in_tx(c, id, rev, &seq));
    if (rc == 0)
        *event_seq = seq;
    return rc;
}

/* The body of comment_delete inside its transaction: the comment's state is read
 * under its row lock, so a concurrent decision on the same comment waits and then
 * sees it deleted, and the story's count moves once. With a reply on the page it
 * stays there as a "comment deleted" placeholder (an "updated" event, one fewer
 * counted); without, it leaves ("removed"), and so may the placeholders above it
 * that only it kept. */
static int delete_in_tx(struct sql_conn *c, int64_t id, const struct store_audit *audit,
                        int64_t *seq)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    bool shown_reply = false;
    sql_arg_int(&args, id);
    int rc = sql_one(c, Q_COMMENT_LOCK_STATE, &args, &rows);
    if (rc != 0)
        return rc;
    int64_t story_id = sql_int(&rows, 0);
    bool visible = sql_bool(&rows, 1);
    bool deleted = sql_bool(&rows, 2);
    int64_t parent_id = sql_int(&rows, 3);
    sql_done(&rows);
    if (deleted)
        return STET_ENOTFOUND;
    rc = sql_has_shown_reply(c, id, &shown_reply);
    if (rc != 0)
        return rc;
    sql_arg_bool(&args, shown_reply);
    rc = sql_exec(c, Q_COMMENT_SET_DELETED, &args, NULL);
    if (rc == 0) {
        rc = sql_thread_changed(c, story_id, id, parent_id, visible, shown_reply, visible ? -1 : 0,
                                seq, seq);
    }
    if (rc == 0 && audit != NULL)
        rc = sql_audit(c, audit);
    return rc;
}

int sql_comment_delete(struct store *st, int64_t id, const struct store_audit *audit,
                       int64_t *event_seq)
{
    struct sql_conn *c;
    int64_t seq = 0;
    *event_seq = 0;
    int rc = sql_write_begin(st, &c);
    if (rc == 0)
        rc = sql_write_end(st, c, delete_in_tx(c, id, audit, &seq));
    if (rc == 0)
        *event_seq = seq;
    return rc;
}
