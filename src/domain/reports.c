/* Reports: the reader's side of moderation. */
#include "domain/reports.h"

#include "domain/ratelimit.h"
#include "domain/suspensions.h"
#include "domain/validate.h"

/* A visible comment that is not `reader`'s own. */
static int reportable(const struct dctx *ctx, const struct user *reader, int64_t id,
                      struct comment *c)
{
    int rc = id > 0 ? store_comment_find(ctx->a, ctx->st, id, c) : STET_ENOTFOUND;
    if (rc == 0 && c->status != COMMENT_VISIBLE)
        rc = STET_ENOTFOUND;
    if (rc != 0)
        return rc;
    if (c->author_id == reader->id)
        return err_set(ctx->err, STET_EINVAL, NULL, "You cannot report your own comment.");
    return 0;
}

int report_find(const struct dctx *ctx, const struct user *reader, int64_t id, struct comment *out)
{
    if (reader == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to report a comment.");
    int rc = user_check_not_suspended(ctx, reader);
    return rc != 0 ? rc : reportable(ctx, reader, id, out);
}

int report_comment(const struct dctx *ctx, const struct user *reader, int64_t id, struct str reason,
                   struct report *out)
{
    struct comment c;
    struct str why;
    bool held;
    int64_t seq;
    if (reader == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to report a comment.");
    int rc = user_check_not_suspended(ctx, reader);
    if (rc != 0)
        return rc;
    if ((rc = validate_line(reason, "reason", REPORT_REASON_MAX, true, &why, ctx->err)) != 0)
        return rc;
    if ((rc = reportable(ctx, reader, id, &c)) != 0)
        return rc;
    /* Per account and per client address, so a few accounts cannot hold comment after
     * comment; a refused report spends neither. */
    char who[RATE_ID_LEN];
    const struct str account = rate_id_part(who, reader->id);
    const struct rate_hit flood[] = {
        {"report-account", ctx->env->limits.report_account, &account, 1},
        {"report-client", ctx->env->limits.report_client, &ctx->client, 1},
    };
    if ((rc = rate_check(ctx, flood, 2, "You are reporting too fast.")) != 0)
        return rc;
    const char *text = arena_strndup(ctx->a, why.ptr, why.len);
    rc = store_report_add(ctx->st, id, reader->id, text, ctx->now, ctx->env->report_threshold,
                          &held, &seq);
    if (rc == STET_ECONFLICT)
        return err_set(ctx->err, rc, NULL, "You have already reported this comment.");
    if (rc != 0)
        return rc;
    if (held && seq != 0 && ctx->env->published != NULL)
        ctx->env->published(ctx->env->published_ctx, c.story_id, seq);
    *out = (struct report){.comment_id = id, .reason = text, .created_at = ctx->now};
    return 0;
}
