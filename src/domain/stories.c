/* Story rules on top of the store. */
#include "domain/stories.h"

#include "base/timefmt.h"
#include "domain/validate.h"

#include <string.h>

int story_create(const struct dctx *ctx, const struct user *actor, const struct story_input *in,
                 struct story *out)
{
    struct str title, byline;
    char *body_html;
    int rc;

    if ((rc = story_check_editor(ctx, actor)) != 0)
        return rc;

    if ((rc = validate_slug(in->slug, ctx->err)) != 0 ||
        (rc = validate_line(in->title, "title", TITLE_MAX, true, &title, ctx->err)) != 0 ||
        (rc = validate_line(in->byline, "byline", BYLINE_MAX, false, &byline, ctx->err)) != 0)
        return rc;
    if ((rc = validate_story_body(in->body, ctx->err)) != 0)
        return rc;
    /* Every page and the API print the date; one they cannot print is refused. */
    if (in->published_at != 0 && !time_in_range(in->published_at))
        return err_set(ctx->err, STET_EINVAL, "published_at",
                       "The publication date must fall between the years 0000 and 9999.");
    rc = ctx->env->markdown(ctx->a, in->body.ptr, in->body.len, &body_html);
    if (rc != 0)
        return rc;

    struct story s = {
        .slug = arena_strndup(ctx->a, in->slug.ptr, in->slug.len),
        .title = arena_strndup(ctx->a, title.ptr, title.len),
        .byline = arena_strndup(ctx->a, byline.ptr, byline.len),
        .body_src = arena_strndup(ctx->a, in->body.ptr, in->body.len),
        .body_html = body_html,
        .published_at = in->published_at != 0 ? in->published_at : ctx->now,
        .created_at = ctx->now,
        .comments_open = true,
    };
    rc = store_story_insert(ctx->st, &s, &s.id);
    if (rc == STET_ECONFLICT)
        return err_set(ctx->err, rc, "slug", "A story with that slug already exists.");
    if (rc != 0)
        return rc;
    *out = s;
    return 0;
}

int story_check_editor(const struct dctx *ctx, const struct user *actor)
{
    if (actor == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to do that.");
    if (actor->role != ROLE_ADMIN)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "Only an admin can publish stories.");
    return 0;
}

int story_get(const struct dctx *ctx, struct str slug, struct story *out)
{
    if (validate_slug(slug, NULL) != 0)
        return STET_ENOTFOUND;
    return store_story_find(ctx->a, ctx->st, slug, out);
}

int story_list_page(const struct dctx *ctx, int limit, struct str cursor, struct story **out,
                    size_t *n, const char **next_cursor)
{
    struct store_page pg = {.limit = limit + 1, .newest_first = true};
    if (limit < 1 || limit > STORY_PAGE_MAX)
        return err_set(ctx->err, STET_EBADREQ, "limit", "limit must be between 1 and 100.");
    if (cursor.len > 0) {
        if (cursor_parse(cursor, &pg.cursor_time, &pg.cursor_id) != 0)
            return err_set(ctx->err, STET_EBADREQ, "cursor", "cursor is not valid.");
        pg.has_cursor = true;
    }
    /* Ask for one row more than wanted: its presence says whether a next page exists. */
    int rc = store_story_list(ctx->a, ctx->st, &pg, out, n);
    if (rc != 0)
        return rc;
    *next_cursor = NULL;
    if (*n > (size_t)limit) {
        *n = (size_t)limit;
        const struct story *last = &(*out)[limit - 1];
        *next_cursor = cursor_format(ctx->a, last->published_at, last->id);
    }
    return 0;
}

int story_counts(const struct dctx *ctx, const struct str *slugs, size_t n, int64_t *counts)
{
    if (n > STORY_PAGE_MAX)
        return err_set(ctx->err, STET_EBADREQ, "stories", "At most 100 stories at a time.");
    for (size_t i = 0; i < n; i++)
        counts[i] = -1;
    if (n == 0)
        return 0;
    return store_story_counts(ctx->st, slugs, n, counts);
}

int story_set_comments_open(const struct dctx *ctx, struct str slug, bool open)
{
    struct story s;
    int rc = story_get(ctx, slug, &s);
    if (rc != 0)
        return rc;
    return store_story_set_open(ctx->st, s.id, open);
}

const char *cursor_format(struct arena *a, int64_t time, int64_t id)
{
    return arena_printf(a, "%lld.%lld", (long long)time, (long long)id);
}

int cursor_parse(struct str s, int64_t *time, int64_t *id)
{
    const char *dot = memchr(s.ptr, '.', s.len);
    if (dot == NULL)
        return STET_EBADREQ;
    struct str t = {s.ptr, (size_t)(dot - s.ptr)};
    struct str i = {dot + 1, s.len - t.len - 1};
    if (str_to_i64(t, INT64_MIN, INT64_MAX, time) != 0 || str_to_i64(i, 1, INT64_MAX, id) != 0)
        return STET_EBADREQ;
    return 0;
}

const char *cursor_format_id(struct arena *a, int64_t id)
{
    return arena_printf(a, "%lld", (long long)id);
}

int cursor_parse_id(struct str s, int64_t *id)
{
    int64_t time;
    if (s.len == 0)
        return STET_EBADREQ;
    if (memchr(s.ptr, '.', s.len) != NULL)
        return cursor_parse(s, &time, id);
    return str_to_i64(s, 1, INT64_MAX, id) == 0 ? 0 : STET_EBADREQ;
}
