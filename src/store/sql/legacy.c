/* The legacy importer's storage (store/legacy.h): scratch tables on the import's own
 * connection and transaction, comments inserted with their parents found through
 * the comments_legacy index, and the stories' changes made once per story at the
 * end. */
#include "store/legacy.h"

#include "store/sql/changes.h"
#include "store/sql/exec.h"

#include <string.h>

/* The connection of a store that is one and inside a transaction; NULL otherwise. */
static struct sql_conn *conn_in_tx(struct store *st)
{
    struct sql_conn *c = sql_conn_of(st);
    return c != NULL && c->drv->in_tx(c) ? c : NULL;
}

static bool is_blank(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* A count or a maximum: one row, one integer. */
static int one_int(struct sql_conn *c, enum sql_query q, const struct sql_args *args, int64_t *out)
{
    struct sql_rows rows;
    int rc = sql_one(c, q, args, &rows);
    if (rc != 0)
        return rc == STET_ENOTFOUND ? STET_EIO : rc; /* an aggregate: always one row */
    *out = sql_int(&rows, 0);
    sql_done(&rows);
    return 0;
}

/* A query of the table run as a script (DDL, a pragma); nothing when it has no text
 * in this dialect. */
static int script(struct sql_conn *c, enum sql_query q)
{
    const char *sql = sql_query_text(c->drv->dialect, q);
    return sql != NULL ? c->drv->exec_script(c, sql, sql_query_def(q)->name) : 0;
}

/* Commits or rolls back, then puts the setting back; see store_legacy_finish. */
static int end_tx(struct sql_conn *c, bool commit)
{
    int rc = commit ? sql_tx(c, SQL_TX_COMMIT) : 0;
    sql_rollback(c); /* after a commit, or one that failed: nothing to do */
    /* The setting goes back even when the commit failed; failing to restore it
     * costs only speed, so it does not turn a committed import into an error. */
    (void)script(c, Q_LEGACY_FILE_JOURNAL);
    return rc;
}

int store_legacy_begin(struct store *st, int64_t *mark)
{
    struct sql_conn *c = sql_conn_of(st);
    struct sql_args none = {0};
    if (c == NULL || c->drv->in_tx(c))
        return STET_EINVAL;
    int rc = script(c, Q_LEGACY_MEMORY_JOURNAL);
    if (rc == 0)
        rc = sql_tx(c, SQL_TX_BEGIN);
    if (rc == 0)
        rc = script(c, Q_LEGACY_TABLES_CREATE);
    if (rc == 0)
        rc = one_int(c, Q_LEGACY_MARK, &none, mark);
    if (rc != 0)
        (void)end_tx(c, false);
    return rc;
}

int store_legacy_finish(struct store *st, bool commit)
{
    struct sql_conn *c = sql_conn_of(st);
    return c != NULL ? end_tx(c, commit) : STET_EINVAL;
}

int store_legacy_thread_put(struct store *st, const struct store_legacy_thread *t, bool *is_new)
{
    struct sql_conn *c = conn_in_tx(st);
    struct sql_args args = {0};
    int64_t changed = 0;
    if (c == NULL || is_blank(t->thread_id))
        return STET_EINVAL;
    sql_arg_cstr(&args, t->thread_id);
    sql_arg_int_or_null(&args, t->story_id);
    sql_arg_cstr_or_null(&args, t->new_slug);
    sql_arg_cstr(&args, t->title);
    sql_arg_int(&args, t->published_at);
    int rc = sql_exec(c, Q_LEGACY_THREAD_PUT, &args, &changed);
    *is_new = changed > 0;
    return rc;
}

int store_legacy_thread_find(struct arena *a, struct store *st, const char *thread_id,
                             struct store_legacy_thread *out)
{
    struct sql_conn *c = conn_in_tx(st);
    struct sql_args args = {0};
    struct sql_rows rows;
    if (c == NULL)
        return STET_EINVAL;
    sql_arg_cstr(&args, thread_id);
    int rc = sql_one(c, Q_LEGACY_THREAD_FIND, &args, &rows);
    if (rc != 0)
        return rc;
    *out = (struct store_legacy_thread){
        .thread_id = arena_strdup(a, thread_id),
        .story_id = sql_int(&rows, 0),
        .new_slug = sql_str_or_null(a, &rows, 1),
        .title = sql_str(a, &rows, 2),
        .published_at = sql_int(&rows, 3),
    };
    sql_done(&rows);
    return 0;
}

int store_legacy_thread_set_story(struct store *st, const char *thread_id, int64_t story_id,
                                  bool created)
{
    struct sql_conn *c = conn_in_tx(st);
    struct sql_args args = {0};
    if (c == NULL || story_id <= 0)
        return STET_EINVAL;
    sql_arg_cstr(&args, thread_id);
    sql_arg_int(&args, story_id);
    sql_arg_bool(&args, created);
    return sql_exec(c, Q_LEGACY_THREAD_SET_STORY, &args, NULL);
}

static bool status_ok(enum comment_status s)
{
    return s == COMMENT_VISIBLE || s == COMMENT_HELD;
}

int store_legacy_insert(struct store *st, const struct store_legacy_comment *cm, bool *inserted)
{
    struct sql_conn *c = conn_in_tx(st);
    struct sql_args args = {0};
    *inserted = false;
    if (c == NULL || !status_ok(cm->status) || is_blank(cm->source) || is_blank(cm->legacy_id) ||
        cm->story_id <= 0)
        return STET_EINVAL;
    bool has_parent = !is_blank(cm->parent_legacy_id);
    sql_arg_int(&args, cm->story_id);
    sql_arg_cstr_or_null(&args, cm->author);
    sql_arg_cstr_or_null(&args, cm->email);
    sql_arg_cstr(&args, cm->body_src);
    sql_arg_cstr(&args, cm->body_html);
    sql_arg_int(&args, cm->created_at);
    sql_arg_cstr(&args, comment_status_name(cm->status));
    sql_arg_cstr_or_null(&args, cm->hold_reason);
    sql_arg_cstr(&args, cm->source);
    sql_arg_cstr(&args, cm->legacy_id);
    sql_arg_cstr_or_null(&args, has_parent ? cm->parent_legacy_id : NULL);
    int64_t changed = 0;
    int rc = sql_exec(c, Q_LEGACY_INSERT, &args, &changed);
    if (rc != 0 || changed == 0)
        return rc; /* imported before: ON CONFLICT DO NOTHING changed no row */
    *inserted = true;
    if (!has_parent || cm->parent_known)
        return 0;
    /* Whether the parent was found costs one index lookup, the same the insert made. */
    struct sql_args pending = {0};
    sql_arg_cstr(&pending, cm->source);
    sql_arg_cstr(&pending, cm->legacy_id);
    sql_arg_cstr(&pending, cm->parent_legacy_id);
    return sql_exec(c, Q_LEGACY_PENDING_ADD, &pending, NULL);
}

int store_legacy_early_add(struct store *st, const char *thread_id,
                           const struct store_legacy_comment *cm)
{
    struct sql_conn *c = conn_in_tx(st);
    struct sql_args args = {0};
    if (c == NULL || !status_ok(cm->status) || is_blank(thread_id) || is_blank(cm->legacy_id))
        return STET_EINVAL;
    sql_arg_cstr(&args, thread_id);
    sql_arg_cstr(&args, cm->legacy_id);
    sql_arg_cstr_or_null(&args, is_blank(cm->parent_legacy_id) ? NULL : cm->parent_legacy_id);
    sql_arg_cstr_or_null(&args, cm->author);
    sql_arg_cstr_or_null(&args, cm->email);
    sql_arg_cstr(&args, cm->body_src);
    sql_arg_cstr(&args, cm->body_html);
    sql_arg_int(&args, cm->created_at);
    sql_arg_cstr(&args, comment_status_name(cm->status));
    sql_arg_cstr_or_null(&args, cm->hold_reason);
    return sql_exec(c, Q_LEGACY_EARLY_ADD, &args, NULL);
}

int store_legacy_early_take(struct arena *a, struct store *st, const char *thread_id,
                            struct store_legacy_comment *out)
{
    struct sql_conn *c = conn_in_tx(st);
    struct sql_args args = {0};
    struct sql_rows rows;
    if (c == NULL)
        return STET_EINVAL;
    sql_arg_cstr(&args, thread_id);
    int rc = sql_one(c, Q_LEGACY_EARLY_NEXT, &args, &rows);
    if (rc != 0)
        return rc;
    int64_t seq = sql_int(&rows, 0);
    const char *status = sql_str(a, &rows, 8);
    *out = (struct store_legacy_comment){
        .legacy_id = sql_str(a, &rows, 1),
        .parent_legacy_id = sql_str_or_null(a, &rows, 2),
        .author = sql_str_or_null(a, &rows, 3),
        .email = sql_str_or_null(a, &rows, 4),
        .body_src = sql_str(a, &rows, 5),
        .body_html = sql_str(a, &rows, 6),
        .created_at = sql_int(&rows, 7),
        .status = strcmp(status, "held") == 0 ? COMMENT_HELD : COMMENT_VISIBLE,
        .hold_reason = sql_str_or_null(a, &rows, 9),
    };
    sql_done(&rows);
    struct sql_args del = {0};
    sql_arg_int(&del, seq);
    return sql_exec(c, Q_LEGACY_EARLY_DELETE, &del, NULL);
}

int store_legacy_spam_seen(struct store *st, const char *source, const char *legacy_id, bool *first)
{
    struct sql_conn *c = conn_in_tx(st);
    struct sql_args args = {0};
    int64_t changed = 0;
    *first = false;
    if (c == NULL || is_blank(source) || is_blank(legacy_id))
        return STET_EINVAL;
    sql_arg_cstr(&args, source);
    sql_arg_cstr(&args, legacy_id);
    int rc = sql_exec(c, Q_LEGACY_SPAM_SEEN, &args, &changed);
    *first = changed > 0;
    return rc;
}

/* Pending replies get their parents, or keep none (re-rooted), a batch at a time;
 * then no circle may stay, since the placeholder walk up a thread (changes.c) must
 * end. */
static int settle_parents(struct sql_conn *c, const char *source, int64_t *n_orphans)
{
    struct sql_args none = {0};
    int64_t after = 0;
    for (;;) {
        struct sql_args batch = {0}, fix = {0}, circle = {0};
        int64_t last = 0;
        sql_arg_int(&batch, after);
        sql_arg_int(&batch, STORE_LEGACY_BATCH);
        int rc = one_int(c, Q_LEGACY_PENDING_BATCH, &batch, &last);
        if (rc != 0)
            return rc;
        if (last == 0) /* max() of no rows is NULL */
            break;
        int64_t reparented = 0;
        sql_arg_cstr(&fix, source);
        sql_arg_int(&fix, after);
        sql_arg_int(&fix, last);
        rc = sql_exec(c, Q_LEGACY_REPARENT, &fix, &reparented);
        if (rc != 0)
            return rc;
        /* Only a parent given now can close a circle. */
        sql_arg_int(&circle, STORE_LEGACY_MAX_DEPTH);
        sql_arg_int(&circle, after);
        sql_arg_int(&circle, last);
        rc = reparented > 0 ? sql_exec(c, Q_LEGACY_UNCIRCLE, &circle, NULL) : 0;
        if (rc != 0)
            return rc;
        after = last;
    }
    return one_int(c, Q_LEGACY_ORPHANS, &none, n_orphans);
}

/* Each story that gained visible comments changes once, by their number: its count,
 * event number and content version, as sql_story_change makes every comment change.
 * No live event is sent for a bulk import: the comments carry no event number, so
 * an open page shows them on its next load (its ETag has changed by then). */
static int change_stories(struct sql_conn *c, const char *source, int64_t mark)
{
    int64_t story = 0;
    for (;;) {
        struct sql_args next = {0}, count = {0};
        int64_t delta = 0, seq;
        sql_arg_int(&next, story);
        int rc = one_int(c, Q_LEGACY_STORY_NEXT, &next, &story);
        if (rc != 0 || story == 0) /* min() of no rows is NULL */
            return rc;
        sql_arg_int(&count, story);
        sql_arg_int(&count, mark);
        sql_arg_cstr(&count, source);
        rc = one_int(c, Q_LEGACY_STORY_DELTA, &count, &delta);
        /* sql_story_change moves the count by an int; a story's count is an int64
         * in the table, and one import adds no more than an int holds to a story. */
        if (rc == 0 && delta > INT32_MAX)
            rc = STET_ELIMIT;
        if (rc == 0 && delta > 0)
            rc = sql_story_change(c, story, (int)delta, &seq);
        if (rc != 0)
            return rc;
    }
}

int store_legacy_end(struct store *st, const char *source, int64_t mark,
                     struct store_legacy_totals *out)
{
    struct sql_conn *c = conn_in_tx(st);
    struct sql_args none = {0};
    struct sql_rows rows;
    *out = (struct store_legacy_totals){0};
    if (c == NULL || is_blank(source))
        return STET_EINVAL;
    int rc = settle_parents(c, source, &out->n_orphans);
    if (rc == 0)
        rc = one_int(c, Q_LEGACY_EARLY_COUNT, &none, &out->n_early_left);
    if (rc == 0)
        rc = change_stories(c, source, mark);
    if (rc == 0)
        rc = sql_one(c, Q_LEGACY_STORIES_TOTALS, &none, &rows);
    if (rc != 0)
        return rc == STET_ENOTFOUND ? STET_EIO : rc;
    out->n_stories_matched = sql_int(&rows, 0);
    out->n_stories_created = sql_int(&rows, 1);
    sql_done(&rows);
    return script(c, Q_LEGACY_TABLES_DROP);
}
