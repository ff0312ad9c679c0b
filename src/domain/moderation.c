/* Moderators' decisions, the queue and the audit log, on top of the store; the rules
 * of who may do what live here and nowhere else. */
#include "domain/moderation.h"

#include "domain/spam_filter.h"
#include "domain/stories.h"
#include "domain/users.h"
#include "domain/validate.h"

/* Decisions a comment's edits may overtake before the moderator is told. */
#define DECIDE_TRIES 3

int moderation_check(const struct dctx *ctx, const struct user *actor)
{
    if (actor == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to do that.");
    if (actor->role < ROLE_MODERATOR)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "Only a moderator can do that.");
    return 0;
}

/* The store's decision, training the spam filter on the comment's text as it is
 * when the decision commits: the text is read first and tokenized here, and the
 * store refuses the tokens (ECONFLICT) when the author edited it in between; each
 * retry reads the edited text. An author editing faster than a moderator decides,
 * DECIDE_TRIES times in a row, gets the moderator a 409. */
static int set_status(const struct dctx *ctx, int64_t id, enum comment_status status,
                      const struct store_audit *entry, struct comment *out, int64_t *seq)
{
    for (int i = 0; i < DECIDE_TRIES; i++) {
        struct comment now;
        struct store_spam_sample sample;
        const struct store_spam_sample *train = NULL;
        if (ctx->env->spam.enabled && status != COMMENT_HELD) {
            int rc = store_comment_find(ctx->a, ctx->st, id, &now);
            if (rc != 0)
                return rc;
            if (spam_filter_sample(ctx, &now, status, &sample))
                train = &sample;
        }
        int rc = store_comment_decide(ctx->a, ctx->st, id, status, train, entry, out, seq);
        if (rc != STET_ECONFLICT || train == NULL)
            return rc;
    }
    return err_set(ctx->err, STET_ECONFLICT, NULL,
                   "The comment was edited while you decided; look at it again.");
}

/* One decision: check the actor and the note, then let the store change the comment
 * and write the audit entry together; tell live streams once it has committed. */
static int decide(const struct dctx *ctx, const struct user *actor, int64_t id, struct str note,
                  enum comment_status status, const char *action, struct comment *out)
{
    struct str why;
    int64_t seq = 0;
    int rc = moderation_check(ctx, actor);
    if (rc != 0)
        return rc;
    rc = validate_line(note, "note", MODERATION_NOTE_MAX, false, &why, ctx->err);
    if (rc != 0)
        return rc;
    if (id < 1)
        return STET_ENOTFOUND;
    const struct store_audit entry = {
        .at = ctx->now,
        .actor_id = actor->id,
        .action = action,
        .target = arena_printf(ctx->a, "comment:%lld", (long long)id),
        .note = user_audit_note(ctx, actor, arena_strndup(ctx->a, why.ptr, why.len)),
    };
    rc = set_status(ctx, id, status, &entry, out, &seq);
    if (rc != 0)
        return rc;
    if (seq != 0 && ctx->env->published != NULL)
        ctx->env->published(ctx->env->published_ctx, out->story_id, seq);
    return 0;
}

int comment_approve(const struct dctx *ctx, const struct user *actor, int64_t id, struct str note,
                    struct comment *out)
{
    return decide(ctx, actor, id, note, COMMENT_VISIBLE, "comment.approve", out);
}

int comment_reject(const struct dctx *ctx, const struct user *actor, int64_t id, struct str note,
                   struct comment *out)
{
    return decide(ctx, actor, id, note, COMMENT_REJECTED, "comment.reject", out);
}

size_t moderation_reasons(const struct comment *c, const char *why[MODERATION_REASONS_MAX])
{
    size_t n = 0;
    if (c->status == COMMENT_HELD)
        why[n++] = "held";
    if (c->status == COMMENT_HELD && c->hold_reason != NULL)
        why[n++] = c->hold_reason;
    if (c->report_count > 0)
        why[n++] = "reported";
    return n;
}

/* The keyset request for a page of `limit` after `cursor`: one row more than asked,
 * which tells whether a next page exists. */
static int page_request(const struct dctx *ctx, int limit, int max, struct str cursor,
                        struct store_page *pg)
{
    if (limit < 1 || limit > max)
        return err_set(ctx->err, STET_EBADREQ, "limit",
                       arena_printf(ctx->a, "limit must be between 1 and %d.", max));
    pg->limit = limit + 1;
    if (cursor.len > 0) {
        if (cursor_parse_id(cursor, &pg->cursor_id) != 0)
            return err_set(ctx->err, STET_EBADREQ, "cursor", "cursor is not valid.");
        pg->has_cursor = true;
    }
    return 0;
}

int moderation_queue_page(const struct dctx *ctx, const struct user *actor, bool newest_first,
                          int limit, struct str cursor, struct comment **out, size_t *n,
                          const char **next_cursor)
{
    struct store_page pg = {.newest_first = newest_first};
    int rc = moderation_check(ctx, actor);
    if (rc == 0)
        rc = page_request(ctx, limit, MODERATION_PAGE_MAX, cursor, &pg);
    if (rc == 0)
        rc = store_moderation_queue(ctx->a, ctx->st, &pg, out, n);
    if (rc != 0)
        return rc;
    *next_cursor = NULL;
    if (*n > (size_t)limit) {
        *n = (size_t)limit;
        *next_cursor = cursor_format_id(ctx->a, (*out)[limit - 1].id);
    }
    return 0;
}

int audit_page(const struct dctx *ctx, const struct user *actor, int limit, struct str cursor,
               struct store_audit **out, size_t *n, const char **next_cursor)
{
    struct store_page pg = {.newest_first = true};
    if (actor == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to do that.");
    if (actor->role != ROLE_ADMIN)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "Only an admin can read the audit log.");
    int rc = page_request(ctx, limit, AUDIT_PAGE_MAX, cursor, &pg);
    if (rc == 0)
        rc = store_audit_list(ctx->a, ctx->st, &pg, out, n);
    if (rc != 0)
        return rc;
    *next_cursor = NULL;
    if (*n > (size_t)limit) {
        *n = (size_t)limit;
        *next_cursor = cursor_format_id(ctx->a, (*out)[limit - 1].id);
    }
    return 0;
}
