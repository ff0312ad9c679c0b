/* Comment rules on top of the store, and threading for display. */
#include "domain/comments.h"

#include "domain/ratelimit.h"
#include "domain/stories.h"
#include "domain/validate.h"

#include <stdio.h>
#include <stdlib.h>

int comment_post(const struct dctx *ctx, const struct user *author, struct str slug,
                 struct str body, int64_t parent_id, struct comment *out)
{
    struct story story;
    struct str text;
    char *html;
    int rc;

    if (author == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL,
                       "You must be registered to comment on stories.");
    rc = story_get(ctx, slug, &story);
    if (rc != 0)
        return rc;
    if (!story.comments_open)
        return err_set(ctx->err, STET_ECLOSED, NULL, "Comments are closed for this story.");
    rc = validate_comment_body(body, ctx->env->comment_max_chars, &text, ctx->err);
    if (rc != 0)
        return rc;
    /* Per account, and per client address whatever the account (sock puppets); a
     * refused post spends neither. */
    char who[24];
    int who_len = snprintf(who, sizeof(who), "%lld", (long long)author->id);
    const struct str account = {who, (size_t)who_len};
    const struct rate_hit flood[] = {
        {"comment-account", ctx->env->limits.comment_account, &account, 1},
        {"comment-client", ctx->env->limits.comment_client, &ctx->client, 1},
    };
    rc = rate_check(ctx, flood, 2, "You are commenting too fast.");
    if (rc != 0)
        return rc;
    if (parent_id != 0) {
        struct comment parent;
        rc = comment_find_in_story(ctx, &story, parent_id, &parent);
        if (rc == STET_ENOTFOUND)
            return err_set(ctx->err, STET_EINVAL, "parent_id",
                           "The comment you are replying to does not exist on this story.");
        if (rc != 0)
            return rc;
    }
    rc = ctx->env->markdown(ctx->a, text.ptr, text.len, &html);
    if (rc != 0)
        return rc;

    struct comment c = {
        .story_id = story.id,
        .story_slug = story.slug,
        .parent_id = parent_id,
        .author_id = author->id,
        .author_username = author->username,
        .author_display_name = author->display_name,
        .body_src = arena_strndup(ctx->a, text.ptr, text.len),
        .body_html = html,
        .created_at = ctx->now,
        .status = COMMENT_VISIBLE,
    };
    rc = store_comment_insert(ctx->st, &c, &c.id, &c.event_seq);
    if (rc != 0)
        return rc;
    if (c.event_seq != 0 && ctx->env->published != NULL)
        ctx->env->published(ctx->env->published_ctx, c.story_id, c.event_seq);
    *out = c;
    return 0;
}

int comment_list_page(const struct dctx *ctx, const struct user *viewer, struct str slug,
                      bool newest_first, int limit, struct str cursor, struct story *story,
                      struct comment **out, size_t *n, const char **next_cursor)
{
    struct store_page pg = {.limit = limit + 1, .newest_first = newest_first};
    if (limit < 1 || limit > COMMENT_PAGE_MAX)
        return err_set(ctx->err, STET_EBADREQ, "limit", "limit must be between 1 and 100.");
    if (cursor.len > 0) {
        if (cursor_parse_id(cursor, &pg.cursor_id) != 0)
            return err_set(ctx->err, STET_EBADREQ, "cursor", "cursor is not valid.");
        pg.has_cursor = true;
    }
    int rc = story_get(ctx, slug, story);
    if (rc != 0)
        return rc;
    struct comment_filter f = {.story_id = story->id, .viewer_id = viewer ? viewer->id : 0};
    rc = store_comment_list(ctx->a, ctx->st, &f, &pg, out, n);
    if (rc != 0)
        return rc;
    *next_cursor = NULL;
    if (*n > (size_t)limit) {
        *n = (size_t)limit;
        const struct comment *last = &(*out)[limit - 1];
        *next_cursor = cursor_format_id(ctx->a, last->id);
    }
    return 0;
}

static int cmp_node_id(const void *a, const void *b)
{
    int64_t x = (*(struct comment_node *const *)a)->c->id;
    int64_t y = (*(struct comment_node *const *)b)->c->id;
    return (x > y) - (x < y);
}

static struct comment_node *find_node(struct comment_node **by_id, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (by_id[mid]->c->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && by_id[lo]->c->id == id ? by_id[lo] : NULL;
}

static void append_child(struct comment_node *parent, struct comment_node *child)
{
    if (parent->last_child == NULL)
        parent->first_child = child;
    else
        parent->last_child->next = child;
    parent->last_child = child;
}

void comment_tree_build(struct arena *a, const struct comment *cs, size_t n,
                        struct comment_node **roots)
{
    struct comment_node *nodes = ARENA_NEW_ARRAY(a, struct comment_node, n + 1);
    struct comment_node **by_id = ARENA_NEW_ARRAY(a, struct comment_node *, n + 1);
    struct comment_node root = {0};

    for (size_t i = 0; i < n; i++) {
        nodes[i].c = &cs[i];
        by_id[i] = &nodes[i];
    }
    qsort(by_id, n, sizeof(by_id[0]), cmp_node_id);

    /* Nodes come in commit (id) order, so appending keeps each child list in written
     * order. A parent committed before its reply, so its depth is known by then; an
     * unknown or later parent (possible only for imported data) means top level. */
    for (size_t i = 0; i < n; i++) {
        struct comment_node *node = &nodes[i];
        struct comment_node *parent = NULL;
        if (node->c->parent_id != 0) {
            parent = find_node(by_id, n, node->c->parent_id);
            if (parent != NULL && parent->depth == 0)
                parent = NULL; /* not placed yet: newer than its reply */
        }
        if (parent == NULL) {
            node->depth = 1;
            append_child(&root, node);
            continue;
        }
        /* Find the ancestor at the deepest visible level; the reply hangs below it. */
        while (parent != NULL && parent->depth >= COMMENT_THREAD_DEPTH)
            parent = find_node(by_id, n, parent->c->parent_id);
        node->depth = parent != NULL ? parent->depth + 1 : 1;
        append_child(parent != NULL ? parent : &root, node);
    }
    *roots = root.first_child;
}

int comment_find_in_story(const struct dctx *ctx, const struct story *story, int64_t id,
                          struct comment *out)
{
    if (id <= 0)
        return STET_ENOTFOUND;
    int rc = store_comment_find(ctx->a, ctx->st, id, out);
    if (rc == 0 && (out->story_id != story->id || out->status != COMMENT_VISIBLE))
        return STET_ENOTFOUND;
    return rc;
}

int story_page_load(const struct dctx *ctx, const struct user *viewer, struct str slug,
                    struct story_page *out)
{
    struct story story;
    int rc = story_get(ctx, slug, &story);
    if (rc != 0)
        return rc;
    return story_comments_load(ctx, viewer, &story, STR_NULL, out);
}

int story_comments_load(const struct dctx *ctx, const struct user *viewer,
                        const struct story *story, struct str cursor, struct story_page *out)
{
    out->story = *story;
    struct comment_filter f = {.story_id = story->id, .viewer_id = viewer ? viewer->id : 0};
    /* One row more than shown says whether another page follows. */
    struct store_page pg = {.limit = STORY_PAGE_COMMENTS + 1};
    if (cursor.len > 0) {
        if (cursor_parse_id(cursor, &pg.cursor_id) != 0)
            return err_set(ctx->err, STET_EBADREQ, "after",
                           "That page of comments does not exist.");
        pg.has_cursor = true;
    }
    int rc = store_comment_list(ctx->a, ctx->st, &f, &pg, &out->comments, &out->n_comments);
    if (rc != 0)
        return rc;
    out->next_cursor = NULL;
    if (out->n_comments > STORY_PAGE_COMMENTS) {
        out->n_comments = STORY_PAGE_COMMENTS;
        const struct comment *last = &out->comments[STORY_PAGE_COMMENTS - 1];
        out->next_cursor = cursor_format_id(ctx->a, last->id);
    }
    comment_tree_build(ctx->a, out->comments, out->n_comments, &out->threads);
    return 0;
}
