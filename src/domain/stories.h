/* Stories: creation by editors, lookup, listing for the front page and the API,
 * the archive by month, and opening or closing them for comments. */
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
/* What PATCH /api/v1/stories/SLUG changes; a NULL string or has_open false leaves
 * that field as it is. */
struct story_patch {
    const struct str *title;
    const struct str *byline;
    const struct str *body; /* Markdown */
    bool has_open;
    bool comments_open;
};

/* Applies `p` to story `slug` as `actor`: a moderator may open or close its
 * comments, only an admin may change its text (EUNAUTH when NULL, EFORBIDDEN
 * otherwise, nothing changed). The fields are checked as story_create checks them
 * (EINVAL with the field). A real change moves the content version and is audited
 * ("story.edit", the fields named in the note) in the same transaction; a patch
 * that changes nothing writes nothing. `out` receives the story as it now is. */
int story_edit(const struct dctx *ctx, const struct user *actor, struct str slug,
               const struct story_patch *p, struct story *out) STET_MUST_CHECK;
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

/* ---- browsing: the front page's pages and the archive ---- */

/* Stories of a span of time, shown `limit` a page in one order. */
struct story_span {
    int64_t from, to;  /* published_at in [from, to) */
    bool newest_first; /* the order pages are shown in; the first page starts there */
    int limit;         /* stories a page, 1..STORY_PAGE_MAX */
};

/* One page of a span. The cursors name the pages on either side, whatever the
 * span's order: `older` goes in a link's ?before=, `newer` in its ?after=. */
struct story_window {
    struct story *stories; /* in the span's order */
    size_t n;
    const char *older; /* NULL: no older story in the span */
    const char *newer; /* NULL: no newer story in the span */
    /* The cursor led back to the span's first page: answer with that page's own
     * address instead (stories, n and the cursors are then empty). */
    bool at_start;
};

/* The first page of `span` (before and after empty), the page of stories just older
 * than the cursor `before`, or just newer than `after`. A page the links of earlier
 * pages led to is never short: going back toward the first page ends at_start.
 * EBADREQ for both cursors at once, a malformed cursor or one whose time no page
 * prints (field "before" or "after" in ctx->err); the store's errors. */
int story_window_load(const struct dctx *ctx, const struct story_span *span, struct str before,
                      struct str after, struct story_window *out) STET_MUST_CHECK;

/* Months on one archive page: ten years of monthly publishing. */
#define STORY_ARCHIVE_MONTHS 120

/* A month of the archive: the UTC calendar month (the site's months, whatever time
 * zone pages print times in) and how many stories were published in it. */
struct story_month {
    int year;  /* 0..9999 */
    int month; /* 1..12 */
    int64_t n_stories;
};

/* The months that have stories, newest first, at most STORY_ARCHIVE_MONTHS; with
 * `before` ("YYYY-MM") only the months before it. `next_before` receives the cursor
 * of the following page ("YYYY-MM", arena), NULL when this was the last. EBADREQ
 * for a malformed `before` (field "before"); the store's errors. */
int story_months(const struct dctx *ctx, struct str before, struct story_month **out, size_t *n,
                 const char **next_before) STET_MUST_CHECK;

/* One page of the month named by the path segments `year` ("YYYY", 0000..9999) and
 * `month` ("MM", 01..12), `limit` stories a page, oldest first: an archive month
 * reads as a chronicle, and its pages stay put while the month fills up. The
 * cursors are story_window_load's; *y and *m receive the month. ENOTFOUND for any
 * other path text, or a month without stories (no page of the archive links
 * there); story_window_load's errors. */
int story_month_load(const struct dctx *ctx, struct str year, struct str month, int limit,
                     struct str before, struct str after, int *y, int *m,
                     struct story_window *out) STET_MUST_CHECK;

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
