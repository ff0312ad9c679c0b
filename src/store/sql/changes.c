/* The steps every comment change shares (changes.h). */
#include "store/sql/changes.h"

#include "store/sql/exec.h"

int sql_story_change(struct sql_conn *c, int64_t story_id, int count_delta, int64_t *seq)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    sql_arg_int(&args, story_id);
    sql_arg_int(&args, count_delta);
    int rc = sql_one(c, Q_STORY_CHANGE, &args, &rows);
    if (rc == STET_ENOTFOUND)
        return STET_EINVAL; /* no such story, as a foreign key would say */
    if (rc != 0)
        return rc;
    *seq = sql_int(&rows, 0);
    sql_done(&rows);
    return 0;
}

int sql_event_notify(struct sql_conn *c, int64_t story_id, int64_t seq)
{
    struct sql_args args = {0};
    sql_arg_int(&args, story_id);
    sql_arg_int(&args, seq);
    return sql_exec(c, Q_COMMENT_NOTIFY, &args, NULL);
}

int sql_comment_changed(struct sql_conn *c, int64_t story_id, int64_t comment_id, int count_delta,
                        int64_t *seq)
{
    struct sql_args args = {0};
    int rc = sql_story_change(c, story_id, count_delta, seq);
    if (rc != 0)
        return rc;
    sql_arg_int(&args, comment_id);
    sql_arg_int(&args, *seq);
    rc = sql_exec(c, Q_COMMENT_SET_SEQ, &args, NULL);
    return rc != 0 ? rc : sql_event_notify(c, story_id, *seq);
}

int sql_audit(struct sql_conn *c, const struct store_audit *e)
{
    struct sql_args args = {0};
    sql_arg_int(&args, e->at);
    sql_arg_int_or_null(&args, e->actor_id);
    sql_arg_cstr(&args, e->action);
    sql_arg_cstr(&args, e->target);
    sql_arg_cstr(&args, e->note);
    return sql_exec(c, Q_AUDIT_INSERT, &args, NULL);
}
