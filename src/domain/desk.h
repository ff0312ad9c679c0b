/* The moderation desk: what the moderators' web pages read and do beyond single
 * decisions: a page of the queue with each comment's story, one comment with its
 * story, opening or closing a story's comments as a moderator, and the accounts. */
#ifndef STET_DOMAIN_DESK_H
#define STET_DOMAIN_DESK_H

#include "domain/context.h"
#include "domain/types.h"

/* A comment waiting for a decision and the title of its story. */
struct desk_item {
    struct comment c;
    const char *story_title; /* arena */
};

/* One page of the queue, oldest first, with the cursors of the pages on either side
 * (NULL: none): `older` goes in a link's ?before=, `newer` in its ?after=. */
struct desk_queue {
    struct desk_item *items; /* arena */
    size_t n;
    const char *older;
    const char *newer;
};

/* The page of at most `limit` (1..MODERATION_PAGE_MAX) comments of the queue just
 * newer than cursor `after`, or, when `before` is not empty, just older than
 * `before` (both empty: the oldest waiting). Moderators and admins only: EUNAUTH /
 * EFORBIDDEN as moderation_check; EBADREQ for a bad cursor; store errors. */
int desk_queue_load(const struct dctx *ctx, const struct user *actor, struct str after,
                    struct str before, int limit, struct desk_queue *out) STET_MUST_CHECK;

/* Comment `id` in whatever state (visible, held, rejected, deleted) and its story,
 * for a moderator or admin (arena). EUNAUTH / EFORBIDDEN as moderation_check,
 * ENOTFOUND for an unknown comment; store errors. */
int desk_comment_load(const struct dctx *ctx, const struct user *actor, int64_t id,
                      struct comment *c, struct story *s) STET_MUST_CHECK;

/* Opens (`open`) or closes story `slug` for comments, as a moderator or admin, with
 * its audit entry ("story.open" / "story.close", target "story:SLUG") in the same
 * transaction. EUNAUTH / EFORBIDDEN as moderation_check, ENOTFOUND for an unknown
 * story; store errors. */
int desk_story_set_open(const struct dctx *ctx, const struct user *actor, struct str slug,
                        bool open) STET_MUST_CHECK;

/* Most accounts on one page of desk_users_page. */
#define DESK_USERS_PAGE_MAX 100

/* One page of accounts, newest first; `older`: the cursor of the next page (NULL:
 * none). */
struct desk_users {
    struct store_account *users; /* arena */
    size_t n;
    const char *older;
};

/* At most `limit` (1..DESK_USERS_PAGE_MAX) accounts whose username starts with
 * `prefix` in any letter case (trimmed; empty: everyone), newest first, after
 * `cursor` (empty: from the newest). Moderators and admins only: EUNAUTH /
 * EFORBIDDEN as moderation_check; EBADREQ for a bad cursor; store errors. */
int desk_users_page(const struct dctx *ctx, const struct user *actor, struct str prefix,
                    struct str cursor, int limit, struct desk_users *out) STET_MUST_CHECK;

#endif
