/* Stories: creation by editors, lookup, listing for the front page and the API,
 * and opening or closing them for comments. */
#ifndef STET_DOMAIN_STORIES_H
#define STET_DOMAIN_STORIES_H

#include "domain/context.h"
#include "domain/types.h"

#define STORY_PAGE_MAX 100

struct story_input {
    struct str slug;
    struct str title;
    struct str byline;    /* may be empty */
    struct str body;      /* Markdown; may be empty */
    int64_t published_at; /* 0: now */
};

/* Validates, renders the body once, stores, as `actor` (who must be an admin:
 * EUNAUTH when NULL, EFORBIDDEN otherwise). EINVAL (field in ctx->err), ECONFLICT
 * when the slug is taken. `out` receives the stored story. */
int story_create(const struct dctx *ctx, const struct user *actor, const struct story_input *in,
                 struct story *out) STET_MUST_CHECK;
/* 0 when `actor` may publish stories: EUNAUTH when NULL, EFORBIDDEN unless admin. */
int story_check_editor(const struct dctx *ctx, const struct user *actor) STET_MUST_CHECK;
/* ENOTFOUND for an unknown (or malformed) slug. */
int story_get(const struct dctx *ctx, struct str slug, struct story *out) STET_MUST_CHECK;
/* One page of stories, newest first. `cursor` is empty for the first page; the next
 * page's cursor is written to `next_cursor` (NULL when this was the last page).
 * EBADREQ for a malformed cursor. */
int story_list_page(const struct dctx *ctx, int limit, struct str cursor, struct story **out,
                    size_t *n, const char **next_cursor) STET_MUST_CHECK;
/* counts[i] = visible comments of slugs[i], -1 for an unknown slug. At most
 * STORY_PAGE_MAX slugs (EBADREQ beyond). */
int story_counts(const struct dctx *ctx, const struct str *slugs, size_t n,
                 int64_t *counts) STET_MUST_CHECK;
int story_set_comments_open(const struct dctx *ctx, struct str slug, bool open) STET_MUST_CHECK;

/* Keyset cursors, opaque to clients. Lists sorted by a time and then id (stories,
 * by publication): "<time>.<id>". */
const char *cursor_format(struct arena *a, int64_t time, int64_t id);
int cursor_parse(struct str s, int64_t *time, int64_t *id) STET_MUST_CHECK;
/* Lists in id order (comments, listed in commit order): "<id>". cursor_parse_id also
 * takes the "<time>.<id>" cursors that comment pages carried before and keeps their
 * id, so links made then still page on. EBADREQ otherwise. */
const char *cursor_format_id(struct arena *a, int64_t id);
int cursor_parse_id(struct str s, int64_t *id) STET_MUST_CHECK;

#endif
