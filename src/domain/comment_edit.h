/* A reader's own comment after posting: its author edits it within the edit window
 * (comments.edit_window), and its author or a moderator deletes it. */
#ifndef STET_DOMAIN_COMMENT_EDIT_H
#define STET_DOMAIN_COMMENT_EDIT_H

#include "domain/context.h"
#include "domain/types.h"

/* Replaces the text of comment `id` with `body` (the rules and Markdown of posting)
 * as `actor`; *out receives the comment as it now is (arena), edited_at set. Only
 * its author may edit (a moderator may not put words in someone's mouth), only a
 * visible or held comment, only before created_at + ctx->env->edit_window, and
 * only while the story is open. A body equal to the stored one changes nothing
 * (and adds no "edited" mark). The new text meets the policies and the spam filter
 * as a post does: either may hold the comment, which then leaves its page with
 * the reason. After the commit the live hub is told when the comment was on its
 * story's page.
 * EUNAUTH anonymous; ENOTFOUND no such comment, or one the actor may not see;
 * EFORBIDDEN someone else's comment, a rejected one, a suspended author, editing
 * turned off or the window passed (the message says which); ECLOSED a closed story;
 * EINVAL (field "body") a bad body; ERATE editing too fast; store errors. */
int comment_edit(const struct dctx *ctx, const struct user *actor, int64_t id, struct str body,
                 struct comment *out) STET_MUST_CHECK;

/* The checks of comment_edit before the body, for an edit form: 0 and *out (arena)
 * when `actor` may edit comment `id` now. Otherwise comment_edit's error (EUNAUTH,
 * ENOTFOUND, EFORBIDDEN or ECLOSED with its message; store errors), *out still
 * filled after EFORBIDDEN and ECLOSED so that the page can show the comment with
 * the reason. */
int comment_edit_find(const struct dctx *ctx, const struct user *actor, int64_t id,
                      struct comment *out) STET_MUST_CHECK;

/* Deletes comment `id` as `actor`: its author (at any time), or a moderator or
 * admin, whose deletion of someone else's comment is written to the audit log as
 * "comment.delete" in the same transaction. The comment leaves its story's page
 * (the live hub is told after the commit).
 * EUNAUTH anonymous; ENOTFOUND no such comment, one already deleted, or one the
 * actor may not see; EFORBIDDEN a reader deleting someone else's visible comment;
 * store errors. */
int comment_delete(const struct dctx *ctx, const struct user *actor, int64_t id) STET_MUST_CHECK;
/* comment_delete with a moderator's `note` (may be empty) on why: one line of at
 * most MODERATION_NOTE_MAX characters after trimming, kept in the audit entry (an
 * author deleting their own comment writes none, and the note goes with it).
 * comment_delete's errors, and EINVAL (field "note") for a bad note. */
int comment_delete_with_note(const struct dctx *ctx, const struct user *actor, int64_t id,
                             struct str note) STET_MUST_CHECK;
/* The checks of comment_delete, for its confirmation: 0 and *out (arena) when
 * `actor` may delete comment `id`; its errors otherwise. */
int comment_delete_find(const struct dctx *ctx, const struct user *actor, int64_t id,
                        struct comment *out) STET_MUST_CHECK;

/* What a reader may do with one comment now, as the pages of those actions decide. */
struct comment_permissions {
    bool edit;     /* its author, within the edit window, the story open, not suspended */
    bool del;      /* its author, or a moderator */
    bool report;   /* someone else's visible comment, the reader not suspended */
    bool moderate; /* a moderator or admin: the comment's moderation page */
};

/* Comment `id` as `actor` may see it (*out, arena) and what they may do with it
 * (*may), for the page that lists a comment's actions: one read of the comment (and
 * of its story when an edit is possible). EUNAUTH anonymous; ENOTFOUND no such
 * comment, a deleted one, or one the actor may not see; store errors. */
int comment_permissions_find(const struct dctx *ctx, const struct user *actor, int64_t id,
                             struct comment *out, struct comment_permissions *may) STET_MUST_CHECK;

#endif
