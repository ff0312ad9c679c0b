/* Moderation: who may decide on a comment (moderators and admins), the decisions
 * themselves (approve, reject), the queue of comments waiting for one, and the
 * audit log of every moderator's and admin's action (admins only). */
#ifndef STET_DOMAIN_MODERATION_H
#define STET_DOMAIN_MODERATION_H

#include "domain/context.h"
#include "domain/types.h"

#define MODERATION_NOTE_MAX 500 /* characters of a decision's note */
#define MODERATION_PAGE_MAX 100 /* comments on one page of the queue */
#define AUDIT_PAGE_MAX      100 /* entries on one page of the audit log */

/* 0 when `actor` is a moderator or an admin; EUNAUTH when anonymous (NULL),
 * EFORBIDDEN for a reader, each with its message in ctx->err. */
int moderation_check(const struct dctx *ctx, const struct user *actor) STET_MUST_CHECK;

/* A moderator's decision on comment `id`: comment_approve makes it visible (and
 * clears its reports, so it leaves the queue), comment_reject takes it off the page.
 * `note` (may be empty) says why: one line of at most MODERATION_NOTE_MAX characters
 * after trimming, kept in the audit entry ("comment.approve" or "comment.reject",
 * target "comment:ID"), which is written in the decision's own transaction, also
 * when the comment already had that status. A change a page shows is published to
 * live streams after commit. *out: the comment as it is now (arena).
 * EUNAUTH / EFORBIDDEN as moderation_check, then EINVAL (field "note") for a bad
 * note, ENOTFOUND for an unknown comment or one its author deleted; store errors. */
int comment_approve(const struct dctx *ctx, const struct user *actor, int64_t id, struct str note,
                    struct comment *out) STET_MUST_CHECK;
int comment_reject(const struct dctx *ctx, const struct user *actor, int64_t id, struct str note,
                   struct comment *out) STET_MUST_CHECK;

/* Why a comment of the queue waits, from its row, into why[] ("held": held by a
 * policy, the reports' threshold or a moderator; "reported": readers flagged it,
 * whether it is still visible or was held for it), and after "held" the policy's
 * reason when a policy held it ("policy: banned word"); the number of reasons, 1
 * to 3 for a comment of the queue. Static strings or the comment's. */
#define MODERATION_REASONS_MAX 3
size_t moderation_reasons(const struct comment *c, const char *why[MODERATION_REASONS_MAX]);

/* One page of the queue (moderators and admins): at most `limit` (1..
 * MODERATION_PAGE_MAX) comments in id order, oldest first unless `newest_first`,
 * after `cursor` (empty: the first page). *next_cursor: the next page's cursor, or
 * NULL at the end (arena). EUNAUTH / EFORBIDDEN as moderation_check, EBADREQ for a
 * bad limit or cursor; store errors. */
int moderation_queue_page(const struct dctx *ctx, const struct user *actor, bool newest_first,
                          int limit, struct str cursor, struct comment **out, size_t *n,
                          const char **next_cursor) STET_MUST_CHECK;

/* One page of the audit log (admins only; EFORBIDDEN for moderators and readers,
 * EUNAUTH when anonymous): newest first, at most `limit` (1..AUDIT_PAGE_MAX) after
 * `cursor` (empty: the first page). EBADREQ for a bad limit or cursor. */
int audit_page(const struct dctx *ctx, const struct user *actor, int limit, struct str cursor,
               struct store_audit **out, size_t *n, const char **next_cursor) STET_MUST_CHECK;

#endif
