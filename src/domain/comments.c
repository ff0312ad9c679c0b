/* Comment rules on top of the store, and threading for display. */
#include "domain/comments.h"

#include "domain/policies.h"
#include "domain/ratelimit.h"
#include "domain/spam_filter.h"
#include "domain/stories.h"
#include "domain/suspensions.h"
#include "domain/validate.h"

#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Browsers send a textarea's line breaks as CRLF. Stored as LF, a break counts as
 * the one character the reader sees (and the form's counter counts); a lone CR
 * stays, for validation to refuse. */
static struct str lf_only(struct arena *a, struct str s)
{
    if (s.len == 0 || memchr(s.ptr, '\r', s.len) == NULL)
        return s;
    char *out = arena_alloc(a, s.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        if (!(s.ptr[i] == '\r' && i + 1 < s.len && s.ptr[i + 1] == '\n'))
            out[n++] = s.ptr[i];
    out[n] = '\0';
    return (struct str){out, n};
}

/* "12,345": the numbers in a message a person reads. */
static const char *grouped(struct arena *a, size_t v)
{
    char digits[24], out[32];
    int n = snprintf(digits, sizeof(digits), "%zu", v);
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    return arena_strndup(a, out, o);
}

/* A body over the limit, refused with what the writer needs to shorten it: how
 * long it is, the limit, and the difference. Other faults are validate's. */
static int check_length(const struct dctx *ctx, struct str body)
{
    struct str t = str_trim(body);
    size_t max = (size_t)ctx->env->comment_max_chars;
    if (!utf8_valid(t.ptr, t.len))
        return 0;
    size_t n = utf8_count(t.ptr, t.len);
    if (n <= max)
        return 0;
    return err_set(ctx->err, STET_EINVAL, "body",
                   arena_printf(ctx->a,
                                "Your comment is %s characters long; the limit is %s. Shorten "
                                "it by %s characters, then post it again.",
                                grouped(ctx->a, n), grouped(ctx->a, max),
                                grouped(ctx->a, n - max)));
}

int comment_body_check(const struct dctx *ctx, struct str body, struct str *text)
{
    body = lf_only(ctx->a, body);
    int rc = check_length(ctx, body);
    return rc != 0 ? rc : validate_comment_body(body, ctx->env->comment_max_chars, text, ctx->err);
}

int comment_policy(const struct dctx *ctx, const struct user *author, bool is_edit, struct str text,
                   const char *html, struct policy_decision *out)
{
    /* The file's policies with the admins' changes over them (memoized reads). */
    struct policy_settings eff;
    int rc = policies_effective(ctx, &eff);
    if (rc != 0)
        return rc;
    const struct policy_settings *p = &eff;
    struct policy_author au = {.user = author, .is_edit = is_edit};
    if (policy_needs_count(p, &au)) {
        rc =
            store_comment_count_approved(ctx->st, author->id, p->premoderate_first, &au.n_approved);
        if (rc != 0)
            return rc;
    }
    policy_decide(ctx->a, p, &au, text.ptr, text.len, html, ctx->now, out);
    if (out->verdict == POLICY_REJECTED)
        return err_set(ctx->err, STET_EINVAL, "body", out->message);
    return 0;
}

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
    rc = user_check_not_suspended(ctx, author);
    if (rc != 0)
        return rc;
    rc = story_get(ctx, slug, &story);
    if (rc != 0)
        return rc;
    if (!story.comments_open)
        return err_set(ctx->err, STET_ECLOSED, NULL, "Comments are closed for this story.");
    rc = comment_body_check(ctx, body, &text);
    if (rc != 0)
        return rc;
    /* Per account, and per client address whatever the account (sock puppets); a
     * refused post spends neither. */
    char who[RATE_ID_LEN];
    const struct str account = rate_id_part(who, author->id);
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
    struct policy_decision verdict;
    rc = comment_policy(ctx, author, false, text, html, &verdict);
    if (rc != 0)
        return rc;
    struct spam_assessment spam;
    rc = spam_filter_assess(ctx, author, story.id, text, html, SPAM_FILTER_POST, &spam);
    if (rc != 0)
        return rc;
    spam_filter_ask_remote(ctx, author, &story, text, verdict.verdict == POLICY_HELD, &spam);

    struct comment c = {
        .story_id = story.id,
        .story_slug = story.slug,
        .parent_id = parent_id,
        .author_id = author->id,
        .author_username = author->username,
        .author_display_name = author->display_name,
        .author_role = author->role,
        .body_src = arena_strndup(ctx->a, text.ptr, text.len),
        .body_html = html,
        .created_at = ctx->now,
        .status = verdict.verdict == POLICY_HELD ? COMMENT_HELD : COMMENT_VISIBLE,
        .hold_reason = verdict.reason,
    };
    spam_filter_apply(&spam, &c);
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

int comment_page_of(const struct dctx *ctx, int64_t story_id, int64_t id, const char **cursor)
{
    int64_t n_before, after;
    int rc = store_comment_position(ctx->st, story_id, id, STORY_PAGE_COMMENTS, &n_before, &after);
    if (rc != 0)
        return rc;
    *cursor = after != 0 ? cursor_format_id(ctx->a, after) : NULL;
    return 0;
}

int comment_page_find(const struct dctx *ctx, const struct story *story, int64_t id,
                      const char **cursor)
{
    struct comment c;
    if (id <= 0)
        return STET_ENOTFOUND;
    int rc = store_comment_find(ctx->a, ctx->st, id, &c);
    if (rc != 0)
        return rc;
    /* A "comment deleted" placeholder is on the page too: its permalink finds it. */
    if (c.story_id != story->id || (c.status != COMMENT_VISIBLE && !c.is_placeholder))
        return STET_ENOTFOUND;
    return comment_page_of(ctx, story->id, id, cursor);
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

int comment_list_own_held(const struct dctx *ctx, const struct user *viewer,
                          const struct story *story, struct comment **out, size_t *n, bool *more)
{
    *out = NULL;
    *n = 0;
    *more = false;
    if (viewer == NULL)
        return 0;
    struct comment_filter f = {
        .story_id = story->id, .viewer_id = viewer->id, .own_held_only = true};
    /* One row more than shown says whether more wait. */
    struct store_page pg = {.limit = COMMENT_OWN_HELD_MAX + 1};
    int rc = store_comment_list(ctx->a, ctx->st, &f, &pg, out, n);
    if (rc != 0)
        return rc;
    if (*n > COMMENT_OWN_HELD_MAX) {
        *n = COMMENT_OWN_HELD_MAX;
        *more = true;
    }
    return 0;
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

/* Where a later page (after comment `cursor`) sits: the number of its first
 * comment, and the page before it, the one holding the cursor's comment. A cursor
 * that is no page boundary (typed by hand) still gets a right range and a way back
 * to the page boundaries. */
static int place_page(const struct dctx *ctx, int64_t story_id, int64_t cursor,
                      struct story_page *out)
{
    int64_t n_before, after, unused;
    int rc =
        store_comment_position(ctx->st, story_id, cursor, STORY_PAGE_COMMENTS, &n_before, &after);
    if (rc != 0)
        return rc;
    out->has_prev = true;
    out->prev_cursor = after != 0 ? cursor_format_id(ctx->a, after) : NULL;
    out->first_index = n_before + 1;
    if (out->n_comments > 0) {
        rc = store_comment_position(ctx->st, story_id, out->comments[0].id, STORY_PAGE_COMMENTS,
                                    &n_before, &unused);
        if (rc != 0)
            return rc;
        out->first_index = n_before + 1;
    }
    return 0;
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
    if (pg.has_cursor) {
        rc = place_page(ctx, story->id, pg.cursor_id, out);
        if (rc != 0)
            return rc;
    } else {
        out->first_index = 1;
        out->has_prev = false;
        out->prev_cursor = NULL;
    }
    comment_tree_build(ctx->a, out->comments, out->n_comments, &out->threads);
    return 0;
}
