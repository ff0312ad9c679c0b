/* Comments: posting under a story (with the rules of SPEC section 6), listing for
 * the API, and the threaded view of a story page. */
#ifndef STET_DOMAIN_COMMENTS_H
#define STET_DOMAIN_COMMENTS_H

#include "domain/context.h"
#include "domain/types.h"

#define COMMENT_PAGE_MAX     100
#define COMMENT_THREAD_DEPTH 5   /* replies nest visibly this deep, deeper ones stay at 5 */
#define STORY_PAGE_COMMENTS  200 /* comments shown on one story page; more are paged */
#define COMMENT_OWN_HELD_MAX 20  /* a reader's held comments listed beside the form */

/* Posts a comment as `author` (NULL: anonymous). EUNAUTH when anonymous,
 * ENOTFOUND for an unknown story, ECLOSED when the story is closed, ERATE (with
 * ctx->err->retry_after) when the author or the client posts too fast, EINVAL
 * (field "body" or "parent_id" in ctx->err) for a bad body or a parent that is not
 * a visible comment of the same story. A body over the limit is refused with a
 * message naming its length and the limit; line breaks count as one character
 * (CRLF, as browsers send them, is stored as LF). `parent_id` 0 means top level. */
int comment_post(const struct dctx *ctx, const struct user *author, struct str slug,
                 struct str body, int64_t parent_id, struct comment *out) STET_MUST_CHECK;

/* The policies (domain/policy.h) applied to a comment `author` posts or, with
 * `is_edit`, edits: `text` its Markdown, `html` as rendered. *out says visible or held (with the
 * reason); a refusal is EINVAL with field "body" and the writer's message. Counts
 * the author's approved comments only when comments.premoderate = new needs it;
 * store errors. */
int comment_policy(const struct dctx *ctx, const struct user *author, bool is_edit, struct str text,
                   const char *html, struct policy_decision *out) STET_MUST_CHECK;

/* A comment body as posting and editing take it: CRLF stored as LF, trimmed, and
 * within SPEC 6's rules; `text` is the Markdown to store (arena or a slice of
 * `body`). EINVAL with field "body" and a message otherwise. */
int comment_body_check(const struct dctx *ctx, struct str body, struct str *text) STET_MUST_CHECK;

/* One page of a story's comments for the API, in commit (id) order: oldest first
 * unless `newest_first`. `cursor` empty: first page. ENOTFOUND for an unknown story,
 * EBADREQ for a bad limit or cursor. */
int comment_list_page(const struct dctx *ctx, const struct user *viewer, struct str slug,
                      bool newest_first, int limit, struct str cursor, struct story *story,
                      struct comment **out, size_t *n, const char **next_cursor) STET_MUST_CHECK;

/* A comment in a thread; children in the order they were written. */
struct comment_node {
    const struct comment *c;
    int depth; /* 1 for top level, at most COMMENT_THREAD_DEPTH */
    struct comment_node *first_child;
    struct comment_node *last_child;
    struct comment_node *next;
};

/* Arranges comments (in commit order, as listed) into threads. A reply whose parent is not in the
 * list is shown at top level; replies below COMMENT_THREAD_DEPTH are attached to
 * their ancestor at that depth. All nodes live in the arena. */
void comment_tree_build(struct arena *a, const struct comment *cs, size_t n,
                        struct comment_node **roots);

/* Everything a story page shows. */
struct story_page {
    struct story story;
    struct comment *comments; /* in commit (id) order */
    size_t n_comments;
    struct comment_node *threads;
    const char *next_cursor; /* the next page of comments, or NULL */
    /* Where this page sits among the story's visible comments: the first shown is
     * number first_index (1-based; 1 on the first page). */
    int64_t first_index;
    bool has_prev;           /* an earlier page exists */
    const char *prev_cursor; /* its cursor; NULL when that is the first page */
};

/* Loads a story with its comments as `viewer` sees them (NULL: anonymous). */
int story_page_load(const struct dctx *ctx, const struct user *viewer, struct str slug,
                    struct story_page *out) STET_MUST_CHECK;
/* The same for a story already loaded (out->story becomes a copy of it): one page
 * of STORY_PAGE_COMMENTS comments after `cursor` (empty: the first page). A reply
 * whose parent is on an earlier page is shown at top level. EBADREQ for a bad
 * cursor. */
int story_comments_load(const struct dctx *ctx, const struct user *viewer,
                        const struct story *story, struct str cursor,
                        struct story_page *out) STET_MUST_CHECK;
/* `viewer`'s own held comments on `story`, oldest first, for the block beside the
 * comment form that only they see: at most COMMENT_OWN_HELD_MAX in *out (arena),
 * *n of them; *more tells whether more wait. None (0, *n = 0) for an anonymous
 * viewer. Store errors. */
int comment_list_own_held(const struct dctx *ctx, const struct user *viewer,
                          const struct story *story, struct comment **out, size_t *n,
                          bool *more) STET_MUST_CHECK;
/* The page of `story`'s comments (as story_comments_load cuts them) that shows
 * comment `id`: *cursor receives that page's cursor, NULL for the first page
 * (arena). ENOTFOUND unless `id` is a visible comment of the story or one of its
 * "comment deleted" placeholders. */
int comment_page_find(const struct dctx *ctx, const struct story *story, int64_t id,
                      const char **cursor) STET_MUST_CHECK;
/* The same for a comment known to be a visible comment of story `story_id` (one
 * just posted): no lookup of the comment itself. */
int comment_page_of(const struct dctx *ctx, int64_t story_id, int64_t id,
                    const char **cursor) STET_MUST_CHECK;
/* A visible comment of `story` (to reply to); ENOTFOUND for anything else. */
int comment_find_in_story(const struct dctx *ctx, const struct story *story, int64_t id,
                          struct comment *out) STET_MUST_CHECK;

#endif
