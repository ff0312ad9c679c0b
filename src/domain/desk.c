/* The moderation desk (desk.h): the queue as the web pages page through it, a
 * comment with its story, a moderator's opening and closing of a story, and the
 * accounts. The rules of who may act are moderation_check's; nothing here decides
 * on a comment or an account. */
#include "domain/desk.h"

#include "domain/moderation.h"
#include "domain/stories.h"
#include "domain/users.h"

#include <string.h>

/* Each item's story title, read once per story of the page (a page holds at most
 * MODERATION_PAGE_MAX comments, so the linear look-back stays small). */
static int put_titles(const struct dctx *ctx, struct desk_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        items[i].story_title = NULL;
        for (size_t j = 0; j < i && items[i].story_title == NULL; j++)
            if (items[j].c.story_id == items[i].c.story_id)
                items[i].story_title = items[j].story_title;
        if (items[i].story_title != NULL)
            continue;
        struct story s;
        int rc = story_get(ctx, str_from(items[i].c.story_slug), &s);
        if (rc != 0)
            return rc;
        items[i].story_title = s.title;
    }
    return 0;
}

int desk_queue_load(const struct dctx *ctx, const struct user *actor, struct str after,
                    struct str before, int limit, struct desk_queue *out)
{
    bool backwards = before.len > 0;
    struct comment *cs;
    size_t n;
    const char *more;
    int rc = moderation_queue_page(ctx, actor, backwards, limit, backwards ? before : after, &cs,
                                   &n, &more);
    if (rc != 0)
        return rc;
    out->items = n > 0 ? ARENA_NEW_ARRAY(ctx->a, struct desk_item, n) : NULL;
    out->n = n;
    /* A page read backwards is shown oldest first like every other. */
    for (size_t i = 0; i < n; i++)
        out->items[i].c = cs[backwards ? n - 1 - i : i];
    rc = put_titles(ctx, out->items, n);
    if (rc != 0)
        return rc;
    out->older = out->newer = NULL;
    if (n == 0)
        return 0;
    const char *first = cursor_format_id(ctx->a, out->items[0].c.id);
    const char *last = cursor_format_id(ctx->a, out->items[n - 1].c.id);
    /* The side the reader came from has comments (or had them, before a decision). */
    if (backwards) {
        out->older = more != NULL ? first : NULL;
        out->newer = last;
    } else {
        out->older = after.len > 0 ? first : NULL;
        out->newer = more != NULL ? last : NULL;
    }
    return 0;
}

int desk_comment_load(const struct dctx *ctx, const struct user *actor, int64_t id,
                      struct comment *c, struct story *s)
{
    int rc = moderation_check(ctx, actor);
    if (rc != 0)
        return rc;
    if (id < 1)
        return STET_ENOTFOUND;
    rc = store_comment_find(ctx->a, ctx->st, id, c);
    if (rc != 0)
        return rc;
    return story_get(ctx, str_from(c->story_slug), s);
}

int desk_story_set_open(const struct dctx *ctx, const struct user *actor, struct str slug,
                        bool open)
{
    struct story s;
    int rc = moderation_check(ctx, actor);
    if (rc == 0)
        rc = story_get(ctx, slug, &s);
    if (rc != 0)
        return rc;
    const struct store_audit e = {
        .at = ctx->now,
        .actor_id = actor->id,
        .action = open ? "story.open" : "story.close",
        .target = arena_printf(ctx->a, "story:%s", s.slug),
        .note = user_audit_note(ctx, actor, ""),
    };
    return store_story_set_open_audit(ctx->st, s.id, open, &e);
}

int desk_users_page(const struct dctx *ctx, const struct user *actor, struct str prefix,
                    struct str cursor, int limit, struct desk_users *out)
{
    /* One row more than asked tells whether an older page exists. */
    struct store_page pg = {.limit = limit + 1, .newest_first = true};
    int rc = moderation_check(ctx, actor);
    if (rc != 0)
        return rc;
    if (limit < 1 || limit > DESK_USERS_PAGE_MAX)
        return err_set(
            ctx->err, STET_EBADREQ, "limit",
            arena_printf(ctx->a, "limit must be between 1 and %d.", DESK_USERS_PAGE_MAX));
    if (cursor.len > 0) {
        if (cursor_parse_id(cursor, &pg.cursor_id) != 0)
            return err_set(ctx->err, STET_EBADREQ, "cursor", "That page link is not valid.");
        pg.has_cursor = true;
    }
    rc = store_user_list(ctx->a, ctx->st, str_trim(prefix), &pg, &out->users, &out->n);
    if (rc != 0)
        return rc;
    out->older = NULL;
    if (out->n > (size_t)limit) {
        out->n = (size_t)limit;
        out->older = cursor_format_id(ctx->a, out->users[limit - 1].user.id);
    }
    return 0;
}
