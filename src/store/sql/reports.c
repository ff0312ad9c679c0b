/* Readers' reports on comments, and the automatic hold once enough readers
 * reported a visible one: one transaction, so a comment is held exactly once and
 * its page, its live stream and the audit log follow together. */
#include "store/sql/changes.h"
#include "store/sql/exec.h"
#include "store/sql/ops.h"

#include <stdio.h>

/* The hold, when `count` reports reached `threshold` on a visible comment: its
 * status, its story's change (one visible comment fewer) and the audit entry of
 * stet itself. */
static int maybe_hold(struct sql_conn *c, int64_t comment_id, int64_t story_id, int64_t parent_id,
                      bool visible, int64_t count, int64_t now, int threshold, bool *held,
                      int64_t *seq)
{
    char target[32], note[40];
    struct sql_args args = {0};
    if (threshold <= 0 || !visible || count < threshold)
        return 0;
    sql_arg_int(&args, comment_id);
    int rc = sql_exec(c, Q_REPORT_HOLD, &args, NULL);
    if (rc == 0)
        rc = sql_thread_changed(c, story_id, comment_id, parent_id, true, false, -1, seq, seq);
    if (rc != 0)
        return rc;
    snprintf(target, sizeof(target), "comment:%lld", (long long)comment_id);
    snprintf(note, sizeof(note), "%lld reports", (long long)count);
    const struct store_audit e = {
        .at = now, .action = "comment.hold", .target = target, .note = note};
    rc = sql_audit(c, &e);
    *held = rc == 0;
    return rc;
}

/* Counts first (the row lock orders concurrent reports, see REPORT_COUNT_UP), then
 * stores the report, whose primary key refuses a second one from the same reader. */
static int report_in_tx(struct sql_conn *c, int64_t comment_id, int64_t reporter_id,
                        const char *reason, int64_t now, int threshold, bool *held, int64_t *seq)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    sql_arg_int(&args, comment_id);
    int rc = sql_one(c, Q_REPORT_COUNT_UP, &args, &rows);
    if (rc != 0)
        return rc;
    int64_t story_id = sql_int(&rows, 0);
    bool visible = str_eq_cstr(c->drv->col_text(&rows, 1), comment_status_name(COMMENT_VISIBLE));
    int64_t count = sql_int(&rows, 2);
    int64_t parent_id = sql_int(&rows, 3);
    sql_done(&rows);

    args = (struct sql_args){0};
    sql_arg_int(&args, comment_id);
    sql_arg_int(&args, reporter_id);
    sql_arg_cstr(&args, reason);
    sql_arg_int(&args, now);
    rc = sql_exec(c, Q_REPORT_INSERT, &args, NULL);
    if (rc != 0)
        return rc;
    return maybe_hold(c, comment_id, story_id, parent_id, visible, count, now, threshold, held,
                      seq);
}

int sql_report_add(struct store *st, int64_t comment_id, int64_t reporter_id, const char *reason,
                   int64_t now, int threshold, bool *held, int64_t *event_seq)
{
    struct sql_conn *c;
    *held = false;
    *event_seq = 0;
    int rc = sql_write_begin(st, &c);
    if (rc == 0)
        rc = sql_write_end(
            st, c,
            report_in_tx(c, comment_id, reporter_id, reason, now, threshold, held, event_seq));
    if (rc != 0) {
        *held = false;
        *event_seq = 0;
    }
    return rc;
}
