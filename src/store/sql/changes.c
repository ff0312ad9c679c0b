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

int sql_has_shown_reply(struct sql_conn *c, int64_t id, bool *yes)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    sql_arg_int(&args, id);
    int rc = sql_one(c, Q_COMMENT_HAS_SHOWN_REPLY, &args, &rows);
    *yes = rc == 0;
    if (rc == 0)
        sql_done(&rows);
    return rc == STET_ENOTFOUND ? 0 : rc;
}

/* Decides the placeholders above a comment whose place on the page changed, from
 * `parent_id` up: each deleted ancestor's flag follows whether a reply of it is
 * shown, and the walk goes on only while a flag flips (an ancestor that keeps its
 * state changes nothing above it). Its row is locked first and its replies read in
 * the next statement, which on PostgreSQL sees what a concurrent change committed
 * while this one waited for the lock. *n_flipped: how many, from `parent_id` up.
 * Parents are older than their replies (a reply names an existing comment), so
 * the ids fall and the walk ends. */
static int settle_placeholders(struct sql_conn *c, int64_t parent_id, int *n_flipped)
{
    struct sql_args args;
    struct sql_rows rows;
    *n_flipped = 0;
    for (int64_t id = parent_id; id != 0;) {
        args = (struct sql_args){0};
        sql_arg_int(&args, id);
        int rc = sql_one(c, Q_COMMENT_LOCK_STATE, &args, &rows);
        if (rc != 0)
            return rc;
        bool deleted = sql_bool(&rows, 2);
        int64_t up = sql_int(&rows, 3);
        bool placeholder = sql_bool(&rows, 4);
        sql_done(&rows);
        bool shown_reply = false;
        if (!deleted)
            return 0; /* visible, held or rejected: its place does not hang on replies */
        rc = sql_has_shown_reply(c, id, &shown_reply);
        if (rc != 0 || shown_reply == placeholder)
            return rc;
        args = (struct sql_args){0};
        sql_arg_int(&args, id);
        sql_arg_bool(&args, shown_reply);
        rc = sql_exec(c, Q_COMMENT_SET_PLACEHOLDER, &args, NULL);
        if (rc != 0)
            return rc;
        ++*n_flipped;
        id = up;
    }
    return 0;
}

/* The story's change for each of the `n` placeholders settle_placeholders flipped
 * from `parent_id` up: an event each ("updated" to "comment deleted", or
 * "removed"); the count stays, as placeholders are not counted. */
static int publish_placeholders(struct sql_conn *c, int64_t story_id, int64_t parent_id, int n,
                                int64_t *seq)
{
    int64_t id = parent_id;
    for (int i = 0; i < n && id != 0; i++) {
        struct sql_args args = {0};
        struct sql_rows rows;
        int rc = sql_comment_changed(c, story_id, id, 0, seq);
        if (rc != 0)
            return rc;
        sql_arg_int(&args, id);
        rc = sql_one(c, Q_COMMENT_PARENT, &args, &rows);
        if (rc != 0)
            return rc;
        id = sql_int(&rows, 0);
        sql_done(&rows);
    }
    return 0;
}

int sql_thread_changed(struct sql_conn *c, int64_t story_id, int64_t id, int64_t parent_id,
                       bool was_shown, bool now_shown, int count_delta, int64_t *own_seq,
                       int64_t *last_seq)
{
    int n_flipped = 0;
    int64_t seq = 0;
    int rc = was_shown != now_shown ? settle_placeholders(c, parent_id, &n_flipped) : 0;
    if (rc != 0 || (!was_shown && !now_shown))
        return rc;
    rc = sql_comment_changed(c, story_id, id, count_delta, &seq);
    if (rc != 0)
        return rc;
    *own_seq = seq;
    if (n_flipped > 0)
        rc = publish_placeholders(c, story_id, parent_id, n_flipped, &seq);
    if (rc == 0)
        *last_seq = seq;
    return rc;
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
