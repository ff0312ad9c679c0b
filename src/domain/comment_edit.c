/* Editing and deleting a comment after it was posted (comment_edit.h). */
#include "domain/comment_edit.h"

#include "domain/comments.h"
#include "domain/moderation.h"
#include "domain/ratelimit.h"
#include "domain/spam_filter.h"
#include "domain/stories.h"
#include "domain/suspensions.h"
#include "domain/users.h"
#include "domain/validate.h"

#include <stdio.h>
#include <string.h>

static bool is_moderator(const struct user *u)
{
    return ROLE_MODERATOR <= u->role;
}

/* The comment, or ENOTFOUND for an id no comment can have. */
static int find(const struct dctx *ctx, int64_t id, struct comment *out)
{
    if (id <= 0)
        return STET_ENOTFOUND;
    return store_comment_find(ctx->a, ctx->st, id, out);
}

/* A reader who may not see a comment (someone else's held, rejected or deleted
 * one) learns nothing of it, not even that it exists. */
static bool hidden_from(const struct user *actor, const struct comment *c)
{
    return c->status != COMMENT_VISIBLE && c->author_id != actor->id && !is_moderator(actor);
}

/* "15 minutes", "90 seconds": the edit window as the message shows it. */
static const char *window_words(struct arena *a, int seconds)
{
    if (seconds % 60 == 0)
        return arena_printf(a, "%d minute%s", seconds / 60, seconds == 60 ? "" : "s");
    return arena_printf(a, "%d second%s", seconds, seconds == 1 ? "" : "s");
}

/* Whether `actor` may edit `c` now, as far as who and when decide. */
static int may_edit(const struct dctx *ctx, const struct user *actor, const struct comment *c)
{
    if (c->status == COMMENT_DELETED || hidden_from(actor, c))
        return STET_ENOTFOUND;
    if (c->author_id != actor->id)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "You can edit only your own comments.");
    if (c->status == COMMENT_REJECTED)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL,
                       "A comment a moderator rejected cannot be edited.");
    /* A suspension stops every word written, edits as well as posts. */
    int rc = user_check_not_suspended(ctx, actor);
    if (rc != 0)
        return rc;
    int window = ctx->env->edit_window;
    if (window <= 0)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "Comments cannot be edited on this site.");
    /* Subtraction, not created_at + window: an imported created_at may be anything. */
    if (ctx->now - c->created_at >= window)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL,
                       arena_printf(ctx->a, "The edit window of %s has passed.",
                                    window_words(ctx->a, window)));
    return 0;
}

/* comment_edit_find, with the comment's story in *story when the edit may go on. */
static int find_editable(const struct dctx *ctx, const struct user *actor, int64_t id,
                         struct comment *out, struct story *story)
{
    if (actor == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to edit a comment.");
    int rc = find(ctx, id, out);
    if (rc != 0)
        return rc;
    /* The comment is the caller's from here on, whatever is refused: its page shows
     * it with the reason. A hidden one was never theirs to see. */
    rc = may_edit(ctx, actor, out);
    if (rc == STET_ENOTFOUND)
        *out = (struct comment){0};
    if (rc == 0)
        rc = story_get(ctx, str_from(out->story_slug), story);
    if (rc == 0 && !story->comments_open)
        rc = err_set(ctx->err, STET_ECLOSED, NULL, "Comments are closed for this story.");
    return rc;
}

int comment_edit_find(const struct dctx *ctx, const struct user *actor, int64_t id,
                      struct comment *out)
{
    struct story story;
    return find_editable(ctx, actor, id, out, &story);
}

int comment_delete_find(const struct dctx *ctx, const struct user *actor, int64_t id,
                        struct comment *out)
{
    if (actor == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to delete a comment.");
    int rc = find(ctx, id, out);
    if (rc != 0)
        return rc;
    if (out->status == COMMENT_DELETED || hidden_from(actor, out))
        return STET_ENOTFOUND;
    if (out->author_id != actor->id && !is_moderator(actor))
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "You can delete only your own comments.");
    return 0;
}

int comment_permissions_find(const struct dctx *ctx, const struct user *actor, int64_t id,
                             struct comment *out, struct comment_permissions *may)
{
    *may = (struct comment_permissions){0};
    if (actor == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to act on a comment.");
    int rc = find(ctx, id, out);
    if (rc != 0)
        return rc;
    if (out->status == COMMENT_DELETED || hidden_from(actor, out))
        return STET_ENOTFOUND;
    bool own = out->author_id == actor->id;
    /* The refusals' messages are for the action's own page; here a refused action
     * is only left out, so the error detail they set is dropped. */
    struct err_detail quiet = {0};
    struct dctx probe = *ctx;
    probe.err = &quiet;
    may->del = own || is_moderator(actor);
    may->moderate = is_moderator(actor);
    may->report =
        !own && out->status == COMMENT_VISIBLE && user_check_not_suspended(&probe, actor) == 0;
    if (may_edit(&probe, actor, out) == 0) {
        struct story story;
        rc = story_get(ctx, str_from(out->story_slug), &story);
        if (rc != 0)
            return rc;
        may->edit = story.comments_open;
    }
    return 0;
}

static void publish(const struct dctx *ctx, int64_t story_id, int64_t seq)
{
    if (seq != 0 && ctx->env->published != NULL)
        ctx->env->published(ctx->env->published_ctx, story_id, seq);
}

int comment_edit(const struct dctx *ctx, const struct user *actor, int64_t id, struct str body,
                 struct comment *out)
{
    struct comment c;
    struct story story;
    struct str text;
    char *html;

    int rc = find_editable(ctx, actor, id, &c, &story);
    if (rc != 0)
        return rc;
    rc = comment_body_check(ctx, body, &text);
    if (rc != 0)
        return rc;
    if (str_eq_cstr(text, c.body_src)) {
        *out = c; /* nothing to change, nothing to mark as edited */
        return 0;
    }
    /* An edit rewrites a page as a post does: it spends the same allowance. */
    char who[RATE_ID_LEN];
    const struct str account = rate_id_part(who, actor->id);
    const struct rate_hit flood[] = {
        {"comment-account", ctx->env->limits.comment_account, &account, 1},
    };
    rc = rate_check(ctx, flood, 1, "You are editing too fast.");
    if (rc == 0)
        rc = ctx->env->markdown(ctx->a, text.ptr, text.len, &html);
    /* An edit meets the policies and the spam filter a post does, so that nothing is
     * dodged by posting harmless words first and the link farm after. */
    struct policy_decision verdict = {0};
    if (rc == 0)
        rc = comment_policy(ctx, actor, true, text, html, &verdict);
    struct spam_assessment spam;
    if (rc == 0)
        rc = spam_filter_assess(ctx, actor, story.id, text, html, SPAM_FILTER_EDIT, &spam);
    if (rc != 0)
        return rc;
    const bool policy_holds = verdict.verdict == POLICY_HELD;
    spam_filter_ask_remote(ctx, actor, &story, text, policy_holds, &spam);
    /* The site's own rule names the reason before the filter, as at a post. */
    const char *hold = policy_holds           ? verdict.reason
                       : spam.verdict.is_held ? spam.verdict.reason
                                              : NULL;
    const struct store_comment_revision rev = {
        .body_src = arena_strndup(ctx->a, text.ptr, text.len),
        .body_html = html,
        .edited_at = ctx->now,
        .hold_reason = hold,
        .has_spam_score = spam.verdict.has_score,
        .spam_score = spam.verdict.score,
        .spam_hash = spam.hash,
    };
    int64_t seq = 0;
    rc = store_comment_edit(ctx->st, c.id, &rev, &seq);
    if (rc != 0)
        return rc;
    c.body_src = rev.body_src;
    c.body_html = rev.body_html;
    c.edited_at = rev.edited_at;
    c.has_spam_score = rev.has_spam_score;
    c.spam_score = rev.spam_score;
    c.spam_hash = rev.spam_hash;
    if (hold != NULL) {
        c.status = COMMENT_HELD;
        c.hold_reason = hold;
    }
    if (seq != 0)
        c.event_seq = seq;
    publish(ctx, c.story_id, seq);
    *out = c;
    return 0;
}

int comment_delete(const struct dctx *ctx, const struct user *actor, int64_t id)
{
    return comment_delete_with_note(ctx, actor, id, STR_NULL);
}

int comment_delete_with_note(const struct dctx *ctx, const struct user *actor, int64_t id,
                             struct str note)
{
    struct comment c;
    struct str why;

    int rc = comment_delete_find(ctx, actor, id, &c);
    if (rc != 0)
        return rc;
    if ((rc = validate_line(note, "note", MODERATION_NOTE_MAX, false, &why, ctx->err)) != 0)
        return rc;
    /* An author removing their own words is no moderation; a moderator removing
     * someone else's is, and is accounted for. A legacy comment (author 0) is
     * nobody's own, least of all the command line's operator, whose id is 0 too. */
    bool own = c.author_id != 0 && c.author_id == actor->id;
    const struct store_audit audit = {
        .at = ctx->now,
        .actor_id = actor->id,
        .action = "comment.delete",
        .target = arena_printf(ctx->a, "comment:%lld", (long long)c.id),
        .note = user_audit_note(ctx, actor, arena_strndup(ctx->a, why.ptr, why.len)),
    };
    int64_t seq = 0;
    rc = store_comment_delete(ctx->st, c.id, own ? NULL : &audit, &seq);
    if (rc != 0)
        return rc;
    publish(ctx, c.story_id, seq);
    return 0;
}
