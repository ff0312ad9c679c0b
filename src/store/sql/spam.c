/* The spam filter's data: the signals read before a post, a comment's token counts,
 * and training, from a moderator's decision (inside its transaction, called by
 * moderation.c) or from imported messages. */
#include "store/sql/spam.h"

#include "store/sql/exec.h"
#include "store/sql/ops.h"

#include <string.h>

int sql_spam_signals(struct store *st, const struct store_spam_probe *q,
                     struct store_spam_signals *out)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    struct sql_conn *c;
    *out = (struct store_spam_signals){0};
    if (q->recent_limit < 0)
        return STET_EINVAL;
    sql_arg_int(&args, q->hash);
    sql_arg_int(&args, q->since);
    sql_arg_int(&args, q->story_id);
    sql_arg_int(&args, q->author_id);
    sql_arg_int(&args, q->recent_since);
    sql_arg_int(&args, q->recent_limit);
    int rc = sql_lease(st, SQL_USE_READ, &c);
    if (rc != 0)
        return rc;
    rc = sql_one(c, Q_SPAM_SIGNALS, &args, &rows); /* scalar subqueries: always one row */
    if (rc == 0) {
        out->n_spam = sql_int(&rows, 0); /* NULL (never trained) reads as 0 */
        out->n_ham = sql_int(&rows, 1);
        out->duplicate_story = q->hash != 0 ? sql_int(&rows, 2) : 0;
        out->n_recent = sql_int(&rows, 3);
        sql_done(&rows);
    }
    return sql_unlease(st, c, SQL_USE_READ, rc == STET_ENOTFOUND ? STET_EIO : rc);
}

static void read_count(struct arena *a, struct sql_rows *r, void *out)
{
    struct store_spam_count *t = out;
    t->token = sql_str(a, r, 0);
    t->spam = sql_int(r, 1);
    t->ham = sql_int(r, 2);
}

int sql_spam_counts(struct arena *a, struct store *st, const char *tokens_json,
                    struct store_spam_count **out, size_t *n)
{
    struct sql_args args = {0};
    void *arr = NULL;
    *out = NULL;
    *n = 0;
    if (tokens_json == NULL)
        return STET_EINVAL;
    sql_arg_cstr(&args, tokens_json);
    sql_arg_int(&args, STORE_SPAM_TOKENS_MAX);
    int rc = sql_lease_collect(a, st, Q_SPAM_COUNTS, &args, sizeof(struct store_spam_count),
                               STORE_SPAM_TOKENS_MAX, read_count, &arr, n);
    *out = arr;
    return rc;
}

/* Moves every token of `tokens_json` and the totals by the deltas (-1, 0 or 1 each
 * side), inside the caller's transaction. */
static int move_counts(struct sql_conn *c, const char *tokens_json, int spam, int ham)
{
    struct sql_args args = {0};
    sql_arg_cstr(&args, tokens_json);
    sql_arg_int(&args, spam);
    sql_arg_int(&args, ham);
    int rc = sql_exec(c, Q_SPAM_TRAIN_TOKENS, &args, NULL);
    if (rc != 0)
        return rc;
    struct sql_args totals = {0};
    sql_arg_int(&totals, spam);
    sql_arg_int(&totals, ham);
    return sql_exec(c, Q_SPAM_TRAIN_TOTALS, &totals, NULL);
}

/* The deltas (-1, 0 or 1) of training as `as` ("spam" or "ham"). */
static void class_deltas(const char *as, int sign, int *spam, int *ham)
{
    *spam = strcmp(as, "spam") == 0 ? sign : 0;
    *ham = strcmp(as, "ham") == 0 ? sign : 0;
}

int sql_spam_train_decision(struct arena *a, struct sql_conn *c, int64_t id,
                            enum comment_status status, const struct store_spam_sample *sample)
{
    if (sample == NULL || (status != COMMENT_VISIBLE && status != COMMENT_REJECTED))
        return 0;
    struct sql_args args = {0};
    struct sql_rows rows;
    sql_arg_int(&args, id);
    int rc = sql_one(c, Q_SPAM_COMMENT_TRAINING, &args, &rows);
    if (rc != 0)
        return rc;
    const char *old_tokens = sql_str_or_null(a, &rows, 0);
    const char *trained = sql_str_or_null(a, &rows, 1);
    sql_done(&rows);
    const char *as = status == COMMENT_REJECTED ? "spam" : "ham";
    if (trained != NULL && strcmp(trained, as) == 0 && old_tokens != NULL &&
        strcmp(old_tokens, sample->tokens_json) == 0)
        return 0;
    /* One statement takes the old training back and adds the new, so each token
     * row is locked once, in the same order as every other training. */
    int old_spam = 0, old_ham = 0, new_spam, new_ham;
    if (trained != NULL)
        class_deltas(trained, -1, &old_spam, &old_ham);
    class_deltas(as, 1, &new_spam, &new_ham);
    struct sql_args move = {0};
    sql_arg_cstr(&move, trained != NULL && old_tokens != NULL ? old_tokens : "[]");
    sql_arg_cstr(&move, sample->tokens_json);
    sql_arg_int(&move, old_spam);
    sql_arg_int(&move, old_ham);
    sql_arg_int(&move, new_spam);
    sql_arg_int(&move, new_ham);
    rc = sql_exec(c, Q_SPAM_RETRAIN_TOKENS, &move, NULL);
    if (rc != 0)
        return rc;
    /* The same class again (a re-decision of an edited comment) moves no total. */
    if (old_spam + new_spam != 0 || old_ham + new_ham != 0) {
        struct sql_args totals = {0};
        sql_arg_int(&totals, old_spam + new_spam);
        sql_arg_int(&totals, old_ham + new_ham);
        rc = sql_exec(c, Q_SPAM_TRAIN_TOTALS, &totals, NULL);
        if (rc != 0)
            return rc;
    }
    struct sql_args set = {0};
    sql_arg_int(&set, id);
    sql_arg_cstr(&set, as);
    sql_arg_cstr(&set, sample->tokens_json);
    return sql_exec(c, Q_SPAM_COMMENT_TRAINED, &set, NULL);
}

int sql_spam_train(struct store *st, const char *tokens_json, bool is_spam)
{
    struct sql_conn *c;
    if (tokens_json == NULL)
        return STET_EINVAL;
    int rc = sql_lease(st, SQL_USE_QUIET_WRITE, &c);
    if (rc != 0)
        return rc;
    int spam = is_spam ? 1 : 0, ham = is_spam ? 0 : 1;
    /* On a connection inside the caller's transaction (the legacy importer's, see
     * store/legacy.h) the training is part of it: all of the import or none. */
    if (c->drv->in_tx(c))
        return sql_unlease(st, c, SQL_USE_QUIET_WRITE, move_counts(c, tokens_json, spam, ham));
    rc = sql_tx(c, SQL_TX_BEGIN);
    if (rc == 0)
        rc = sql_finish(c, move_counts(c, tokens_json, spam, ham));
    return sql_unlease(st, c, SQL_USE_QUIET_WRITE, rc);
}
