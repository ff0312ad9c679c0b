/* Template contexts. Times are given twice, machine-readable for <time datetime>
 * and human-readable for the reader; URLs built here from validated slugs and
 * numeric ids, so only the `next` parameter needs percent-encoding. */
#include "web/views.h"

#include "base/timefmt.h"
#include "render/html.h"
#include "web/web.h"

#include <string.h>

static void put_times(struct arena *a, struct tval *m, int64_t t)
{
    char iso[TIMEFMT_ISO_LEN], human[32];
    time_format_iso(t, iso);
    time_format_human(t, human);
    tval_put_str(a, m, "date_iso", arena_strdup(a, iso));
    tval_put_str(a, m, "date_human", arena_strdup(a, human));
}

const char *view_safe_next(struct arena *a, struct str next)
{
    /* Only a local absolute path: "//host" and "/\host" are protocol-relative in
     * browsers, and control characters could split headers. */
    if (next.len == 0 || next.len > 512 || next.ptr[0] != '/' ||
        (next.len > 1 && (next.ptr[1] == '/' || next.ptr[1] == '\\')))
        return "/";
    for (size_t i = 0; i < next.len; i++) {
        unsigned char c = (unsigned char)next.ptr[i];
        if (c < 0x21 || c == 0x7F || c == '\\')
            return "/";
    }
    return arena_strndup(a, next.ptr, next.len);
}

static const char *with_next(struct arena *a, const char *base, const char *next)
{
    if (next == NULL || strcmp(next, "/") == 0)
        return base;
    return arena_printf(a, "%s?next=%s", base, url_encode_dup(a, next));
}

/* The page the account links should return to: the current path for pages. */
static const char *current_next(struct req *req)
{
    if (str_eq_cstr(req->path, "/login") || str_eq_cstr(req->path, "/register") ||
        req->method != HTTP_GET)
        return NULL;
    return arena_strndup(req->arena, req->path.ptr, req->path.len);
}

struct tval *view_layout(struct req *req, const char *title)
{
    struct arena *a = req->arena;
    struct app *app = req->app;
    struct tval *m = tval_map(a);

    tval_put_str(a, m, "site_name", app->cfg.site_name);
    tval_put_str(a, m, "page_title",
                 title != NULL ? arena_printf(a, "%s · %s", title, app->cfg.site_name)
                               : app->cfg.site_name);
    tval_put_str(a, m, "css_url", app->css_url);
    if (req->user == NULL) { /* the account links; a reader who is logged in has none */
        const char *next = current_next(req);
        tval_put_str(a, m, "login_url", with_next(a, "/login", next));
        tval_put_str(a, m, "register_url", with_next(a, "/register", next));
    }

    struct weather_reading w;
    if (weather_get(app->weather, time_now(), &w)) {
        struct tval *wm = tval_map(a);
        tval_put_int(a, wm, "hi", w.hi);
        tval_put_int(a, wm, "lo", w.lo);
        tval_put(a, m, "weather", wm);
    }
    if (req->user != NULL) {
        struct tval *vm = tval_map(a);
        tval_put_str(a, vm, "username", req->user->username);
        tval_put_str(a, vm, "display_name", req->user->display_name);
        tval_put(a, m, "viewer", vm);
        tval_put_str(a, m, "csrf", req_csrf(req));
    }
    return m;
}

static const char *comments_label(struct arena *a, int64_t n)
{
    if (n == 0)
        return "No comments";
    return n == 1 ? "1 comment" : arena_printf(a, "%lld comments", (long long)n);
}

struct tval *view_front(struct req *req, const struct story *stories, size_t n)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    struct tval *list = tval_list(a);
    for (size_t i = 0; i < n; i++) {
        const struct story *s = &stories[i];
        struct tval *sm = tval_map(a);
        tval_put_str(a, sm, "slug", s->slug);
        tval_put_str(a, sm, "title", s->title);
        tval_put_str(a, sm, "url", arena_printf(a, "/stories/%s", s->slug));
        tval_put_str(a, sm, "byline", s->byline);
        put_times(a, sm, s->published_at);
        tval_put_int(a, sm, "comment_count", s->n_comments);
        tval_put_str(a, sm, "comments_label", comments_label(a, s->n_comments));
        tval_push(a, list, sm);
    }
    tval_put(a, m, "stories", list);
    tval_put_bool(a, m, "has_stories", n > 0);
    return m;
}

static const char *comment_author(const struct comment *c)
{
    if (c->author_display_name != NULL && c->author_display_name[0] != '\0')
        return c->author_display_name;
    if (c->author_username != NULL)
        return c->author_username;
    return c->legacy_author != NULL && c->legacy_author[0] != '\0' ? c->legacy_author : "Anonymous";
}

static struct tval *view_comment(struct arena *a, const struct comment_node *node, const char *slug,
                                 bool can_reply)
{
    const struct comment *c = node->c;
    struct tval *m = tval_map(a);
    tval_put_int(a, m, "id", c->id);
    tval_put_str(a, m, "parent_id",
                 c->parent_id != 0 ? arena_printf(a, "%lld", (long long)c->parent_id) : "");
    tval_put_str(a, m, "author", comment_author(c));
    tval_put_str(a, m, "author_username", c->author_username != NULL ? c->author_username : "");
    tval_put_bool(a, m, "is_legacy", c->is_legacy);
    tval_put_bool(a, m, "is_held", c->status == COMMENT_HELD);
    put_times(a, m, c->created_at);
    tval_put_html(a, m, "body_html", c->body_html);
    tval_put_str(
        a, m, "reply_url",
        can_reply && c->status == COMMENT_VISIBLE
            ? arena_printf(a, "/stories/%s?reply_to=%lld#comment-form", slug, (long long)c->id)
            : "");
    tval_put_int(a, m, "depth", node->depth);
    struct tval *replies = tval_list(a);
    for (const struct comment_node *ch = node->first_child; ch != NULL; ch = ch->next)
        tval_push(a, replies, view_comment(a, ch, slug, can_reply));
    tval_put(a, m, "replies", replies);
    tval_put_bool(a, m, "has_replies", node->first_child != NULL);
    return m;
}

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
    put_times(a, sm, s->published_at);
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
            tval_put_str(a, fm, "reply_to_author", comment_author(parent));
            tval_put_str(a, fm, "cancel_url", arena_printf(a, "%s#comment-form", url));
        }
        tval_put(a, m, "form", fm);
    } else if (s->comments_open) {
        struct tval *rn = tval_map(a);
        tval_put_str(a, rn, "register_url", with_next(a, "/register", url));
        tval_put_str(a, rn, "login_url", with_next(a, "/login", url));
        tval_put(a, m, "register_notice", rn);
    }
    return m;
}

/* The shared part of the account forms: where they post, the CSRF token, where to
 * go afterwards, the error, and the link to the other account form. */
static struct tval *account_form(struct req *req, struct tval *page, const char *action,
                                 struct str next, const struct err_detail *err,
                                 const char *other_key, const char *other_path)
{
    struct arena *a = req->arena;
    struct tval *fm = tval_map(a);
    const char *safe_next = view_safe_next(a, next);
    tval_put_str(a, fm, "action", action);
    tval_put_str(a, fm, "csrf", req_csrf(req));
    tval_put_str(a, fm, "next", safe_next);
    if (err != NULL && err->message != NULL) {
        tval_put_str(a, fm, "error", err->message);
        if (err->field != NULL) {
            tval_put_str(a, fm, "error_field", err->field);
            /* Templates cannot compare strings, so each field gets its own flag. */
            tval_put_bool(a, fm, arena_printf(a, "%s_invalid", err->field), true);
        }
    }
    tval_put(a, page, "form", fm);
    tval_put_str(a, page, other_key, with_next(a, other_path, safe_next));
    return fm;
}

struct tval *view_register(struct req *req, struct str username, struct str email, struct str next,
                           const struct err_detail *err)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    struct tval *fm = account_form(req, m, "/register", next, err, "login_url", "/login");
    tval_put_str(a, fm, "username", arena_strndup(a, username.ptr, username.len));
    tval_put_str(a, fm, "email", arena_strndup(a, email.ptr, email.len));
    return m;
}

struct tval *view_login(struct req *req, struct str login, struct str next, const char *error)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    /* A login error names no field: the same answer whichever part was wrong. */
    struct err_detail err = {.message = error};
    struct tval *fm = account_form(req, m, "/login", next, &err, "register_url", "/register");
    tval_put_str(a, fm, "login", arena_strndup(a, login.ptr, login.len));
    return m;
}

struct tval *view_error(struct req *req, int status, const char *title, const char *message,
                        bool show_register)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    tval_put_int(a, m, "status", status);
    tval_put_str(a, m, "title", title);
    tval_put_str(a, m, "message", message);
    tval_put_bool(a, m, "show_register", show_register);
    if (show_register) {
        /* Posting a comment anonymously: registering should lead back to the story. */
        const char *back = NULL;
        if (str_starts_with(req->path, "/stories/") && req->path.len > 9) {
            const char *slash = memchr(req->path.ptr + 9, '/', req->path.len - 9);
            size_t len = slash != NULL ? (size_t)(slash - req->path.ptr) : req->path.len;
            back = view_safe_next(a, (struct str){req->path.ptr, len});
        }
        tval_put_str(a, m, "register_url", with_next(a, "/register", back));
        tval_put_str(a, m, "login_url", with_next(a, "/login", back));
    }
    tval_put_str(a, m, "home_url", "/");
    return m;
}
