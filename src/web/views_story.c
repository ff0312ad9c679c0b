/* The story page: the shared part (story and comments) and the per-reader part
 * around it (comment form or register notice). */
#include "web/views.h"

#include "render/html.h"
#include "web/web.h"

#include <string.h>

struct tval *view_story_main(struct req *req, const struct story_page *p, bool can_reply)
{
    struct arena *a = req->arena;
    const struct story *s = &p->story;
    struct tval *m = tval_map(a);
    struct tval *sm = tval_map(a);
    const char *url = arena_printf(a, "/stories/%s", s->slug);

    tval_put_str(a, sm, "slug", s->slug);
    tval_put_str(a, sm, "title", s->title);
    tval_put_str(a, sm, "url", url);
    tval_put_str(a, sm, "byline", s->byline);
    view_put_times(a, sm, s->published_at);
    tval_put_html(a, sm, "body_html", s->body_html);
    tval_put(a, m, "story", sm);

    struct tval *list = tval_list(a);
    for (const struct comment_node *n = p->threads; n != NULL; n = n->next)
        tval_push(a, list, view_comment(a, n, s->slug, can_reply));
    tval_put(a, m, "comments", list);
    tval_put_int(a, m, "comment_count", s->n_comments);
    tval_put_bool(a, m, "has_comments", p->n_comments > 0);
    tval_put_str(a, m, "events_url", arena_printf(a, "%s/events", url));
    tval_put_int(a, m, "event_seq", s->event_seq);
    if (p->next_cursor != NULL)
        tval_put_str(
            a, m, "more_url",
            arena_printf(a, "%s?after=%s#comments", url, url_encode_dup(a, p->next_cursor)));
    return m;
}

struct tval *view_story_respond(struct req *req, const struct story *s, const char *main_html,
                                const struct comment_form_view *form, const struct comment *parent)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    const char *url = arena_printf(a, "/stories/%s", s->slug);

    tval_put_html(a, m, "main_html", main_html);
    tval_put_bool(a, m, "comments_open", s->comments_open);
    tval_put_str(a, m, "live_js_url", req->app->live_js_url);
    if (s->comments_open && req->user != NULL) {
        struct tval *fm = tval_map(a);
        tval_put_str(a, fm, "action", arena_printf(a, "%s/comments", url));
        tval_put_str(a, fm, "csrf", req_csrf(req));
        tval_put_int(a, fm, "max_length", req->app->cfg.comment_max_length);
        tval_put_str(a, fm, "body",
                     form != NULL ? arena_strndup(a, form->body.ptr, form->body.len) : "");
        if (form != NULL && form->error != NULL)
            tval_put_str(a, fm, "error", form->error);
        tval_put_str(a, fm, "parent_id",
                     parent != NULL ? arena_printf(a, "%lld", (long long)parent->id) : "");
        if (parent != NULL) {
            tval_put_str(a, fm, "reply_to_author", view_comment_author(parent));
            tval_put_str(a, fm, "cancel_url", arena_printf(a, "%s#comment-form", url));
        }
        tval_put(a, m, "form", fm);
    } else if (s->comments_open) {
        struct tval *rn = tval_map(a);
        tval_put_str(a, rn, "register_url", view_with_next(a, "/register", url));
        tval_put_str(a, rn, "login_url", view_with_next(a, "/login", url));
        tval_put(a, m, "register_notice", rn);
    }
    return m;
}
