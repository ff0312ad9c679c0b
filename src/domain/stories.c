/* Story rules on top of the store. */
#include "domain/stories.h"

#include "base/buf.h"
#include "base/timefmt.h"
#include "domain/moderation.h"
#include "domain/users.h"
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
    rc = ctx->env->story_markdown(ctx->a, in->body.ptr, in->body.len, &body_html);
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

/* The patch's text fields checked and applied to `s`; `changed` names them. */
static int patch_text(const struct dctx *ctx, const struct story_patch *p, struct story *s,
                      struct buf *changed)
{
    struct str title, byline;
    int rc;
    if (p->title != NULL) {
        if ((rc = validate_line(*p->title, "title", TITLE_MAX, true, &title, ctx->err)) != 0)
            return rc;
        if (strlen(s->title) != title.len || memcmp(s->title, title.ptr, title.len) != 0) {
            s->title = arena_strndup(ctx->a, title.ptr, title.len);
            buf_puts(changed, changed->len > 0 ? ", title" : "title");
        }
    }
    if (p->byline != NULL) {
        if ((rc = validate_line(*p->byline, "byline", BYLINE_MAX, false, &byline, ctx->err)) != 0)
            return rc;
        if (strlen(s->byline) != byline.len || memcmp(s->byline, byline.ptr, byline.len) != 0) {
            s->byline = arena_strndup(ctx->a, byline.ptr, byline.len);
            buf_puts(changed, changed->len > 0 ? ", byline" : "byline");
        }
    }
    if (p->body != NULL && !str_eq_cstr(*p->body, s->body_src)) {
        char *html;
        if ((rc = validate_story_body(*p->body, ctx->err)) != 0 ||
            (rc = ctx->env->story_markdown(ctx->a, p->body->ptr, p->body->len, &html)) != 0)
            return rc;
        s->body_src = arena_strndup(ctx->a, p->body->ptr, p->body->len);
        s->body_html = html;
        buf_puts(changed, changed->len > 0 ? ", body" : "body");
    }
    return 0;
}

int story_edit(const struct dctx *ctx, const struct user *actor, struct str slug,
               const struct story_patch *p, struct story *out)
{
    bool text = p->title != NULL || p->byline != NULL || p->body != NULL;
    int rc = text ? story_check_editor(ctx, actor) : moderation_check(ctx, actor);
    if (rc == 0)
        rc = story_get(ctx, slug, out);
    if (rc != 0)
        return rc;
    struct story s = *out;
    struct buf changed = BUF_INIT;
    rc = patch_text(ctx, p, &s, &changed);
    bool text_changed = changed.len > 0;
    bool open_changed = p->has_open && p->comments_open != s.comments_open;
    if (rc == 0 && open_changed) {
        s.comments_open = p->comments_open;
        buf_puts(&changed, text_changed ? ", " : "");
        buf_puts(&changed, s.comments_open ? "comments opened" : "comments closed");
    }
    if (rc == 0 && changed.len > 0) {
        /* Opening or closing alone is the same entry as on the moderators' pages. */
        const char *action = text_changed      ? "story.edit"
                             : s.comments_open ? "story.open"
                                               : "story.close";
        const struct store_audit e = {
            .at = ctx->now,
            .actor_id = actor->id,
            .action = action,
            .target = arena_printf(ctx->a, "story:%s", s.slug),
            .note = user_audit_note(ctx, actor,
                                    text_changed ? arena_strdup(ctx->a, buf_cstr(&changed)) : ""),
        };
        rc = store_story_edit(ctx->st, &s, &e);
        if (rc == 0)
            *out = s;
    }
    buf_cleanup(&changed);
    return rc;
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

/* ---- browsing ---- */

/* A cursor of a story page: exactly as cursor_format wrote it (no sign, no leading
 * zero: one address per page) and at a time some page could print, as the links
 * stet makes always are; else EBADREQ naming the parameter. */
static int window_cursor(const struct dctx *ctx, struct str s, const char *field,
                         struct store_page *pg)
{
    if (cursor_parse(s, &pg->cursor_time, &pg->cursor_id) != 0 || !time_in_range(pg->cursor_time) ||
        !str_eq_cstr(s, cursor_format(ctx->a, pg->cursor_time, pg->cursor_id)))
        return err_set(ctx->err, STET_EBADREQ, field, "That page link is not valid.");
    pg->has_cursor = true;
    return 0;
}

static void reverse_stories(struct story *s, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        struct story t = s[i];
        s[i] = s[n - 1 - i];
        s[n - 1 - i] = t;
    }
}

int story_window_load(const struct dctx *ctx, const struct story_span *span, struct str before,
                      struct str after, struct story_window *out)
{
    struct store_page pg = {.limit = span->limit + 1};
    struct story *rows;
    size_t n;
    int rc;

    memset(out, 0, sizeof(*out));
    if (span->limit < 1 || span->limit > STORY_PAGE_MAX)
        return err_set(ctx->err, STET_EBADREQ, "limit", "limit must be between 1 and 100.");
    if (before.len > 0 && after.len > 0)
        return err_set(ctx->err, STET_EBADREQ, "after",
                       "A page has stories before or after "
                       "a point, not both.");
    bool has_cursor = before.len > 0 || after.len > 0;
    if (before.len > 0 && (rc = window_cursor(ctx, before, "before", &pg)) != 0)
        return rc;
    if (after.len > 0 && (rc = window_cursor(ctx, after, "after", &pg)) != 0)
        return rc;
    /* Read away from the cursor (from the start, without one), one row more than
     * wanted: its presence says whether another page lies that way. */
    bool to_older = before.len > 0 || (!has_cursor && span->newest_first);
    pg.newest_first = to_older;
    rc = store_story_list_range(ctx->a, ctx->st, span->from, span->to, &pg, &rows, &n);
    if (rc != 0)
        return rc;
    bool more = n > (size_t)span->limit;
    if (more)
        n = (size_t)span->limit;
    /* Read toward the first page and found no more: these rows are (part of) the
     * first page, which has its own address and is never shown short. */
    bool to_start = has_cursor && to_older != span->newest_first;
    if (to_start && !more) {
        out->at_start = true;
        return 0;
    }
    if (to_older != span->newest_first)
        reverse_stories(rows, n);
    out->stories = rows;
    out->n = n;
    if (n == 0) {
        /* An empty page past the end (a made-up cursor): the way back is the cursor. */
        if (has_cursor) {
            const char *back = cursor_format(ctx->a, pg.cursor_time, pg.cursor_id);
            *(to_older ? &out->newer : &out->older) = back;
        }
        return 0;
    }
    const struct story *newest = span->newest_first ? &rows[0] : &rows[n - 1];
    const struct story *oldest = span->newest_first ? &rows[n - 1] : &rows[0];
    /* The side the cursor came from holds at least the cursor's own story. */
    bool older_exists = to_older ? more : has_cursor;
    bool newer_exists = to_older ? has_cursor : more;
    if (older_exists)
        out->older = cursor_format(ctx->a, oldest->published_at, oldest->id);
    if (newer_exists)
        out->newer = cursor_format(ctx->a, newest->published_at, newest->id);
    return 0;
}

/* The first second of month m (1..12) of year y; month 13 is next January. */
static int64_t month_start(int y, int m)
{
    if (m > 12) {
        y++;
        m = 1;
    }
    return time_days_from_civil(y, m, 1) * 86400;
}

/* Exactly `len` ASCII digits as a number in [min, max]. */
static bool parse_digits(struct str s, size_t len, int min, int max, int *out)
{
    int v = 0;
    if (s.len != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
        v = v * 10 + (s.ptr[i] - '0');
    }
    *out = v;
    return v >= min && v <= max;
}

/* "YYYY-MM" as year and month. */
static bool parse_month(struct str s, int *y, int *m)
{
    return s.len == 7 && s.ptr[4] == '-' && parse_digits((struct str){s.ptr, 4}, 4, 0, 9999, y) &&
           parse_digits((struct str){s.ptr + 5, 2}, 2, 1, 12, m);
}

static const char *format_month(struct arena *a, int y, int m)
{
    return arena_printf(a, "%04d-%02d", y, m);
}

int story_months(const struct dctx *ctx, struct str before, struct story_month **out, size_t *n,
                 const char **next_before)
{
    struct store_month *rows;
    size_t cnt;
    int64_t to = TIME_MAX + 1;
    int y, m;

    *out = NULL;
    *n = 0;
    *next_before = NULL;
    if (before.len > 0) {
        if (!parse_month(before, &y, &m))
            return err_set(ctx->err, STET_EBADREQ, "before", "That page link is not valid.");
        to = month_start(y, m);
    }
    int rc =
        store_story_months(ctx->a, ctx->st, TIME_MIN, to, STORY_ARCHIVE_MONTHS + 1, &rows, &cnt);
    if (rc != 0)
        return rc;
    bool more = cnt > STORY_ARCHIVE_MONTHS;
    if (more)
        cnt = STORY_ARCHIVE_MONTHS;
    struct story_month *months = cnt > 0 ? ARENA_NEW_ARRAY(ctx->a, struct story_month, cnt) : NULL;
    for (size_t i = 0; i < cnt; i++) {
        time_civil_from_days(rows[i].start / 86400, &months[i].year, &months[i].month);
        months[i].n_stories = rows[i].n_stories;
    }
    if (more)
        *next_before = format_month(ctx->a, months[cnt - 1].year, months[cnt - 1].month);
    *out = months;
    *n = cnt;
    return 0;
}

int story_month_load(const struct dctx *ctx, struct str year, struct str month, int limit,
                     struct str before, struct str after, int *y, int *m, struct story_window *out)
{
    memset(out, 0, sizeof(*out));
    if (!parse_digits(year, 4, 0, 9999, y) || !parse_digits(month, 2, 1, 12, m))
        return err_set(ctx->err, STET_ENOTFOUND, NULL, "The archive has no such month.");
    struct story_span span = {
        .from = month_start(*y, *m),
        .to = month_start(*y, *m + 1),
        .newest_first = false,
        .limit = limit,
    };
    int rc = story_window_load(ctx, &span, before, after, out);
    if (rc != 0)
        return rc;
    if (out->n == 0 && before.len == 0 && after.len == 0)
        return err_set(ctx->err, STET_ENOTFOUND, NULL, "No stories were published that month.");
    return 0;
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
