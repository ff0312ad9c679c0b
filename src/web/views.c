/* Template contexts shared by every page: the layout, errors, and the helpers the
 * per-page view files use. Times are given twice, machine-readable for <time
 * datetime> and human-readable for the reader; URLs built from validated slugs and
 * numeric ids, so only the `next` parameter needs percent-encoding. */
#include "web/views.h"

#include "base/html.h"
#include "base/timefmt.h"
#include "web/flash.h"
#include "web/web.h"

#include <string.h>

void view_put_times(struct arena *a, struct tval *m, int64_t t)
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
    size_t high = 0;
    for (size_t i = 0; i < next.len; i++) {
        unsigned char c = (unsigned char)next.ptr[i];
        if (c < 0x21 || c == 0x7F || c == '\\')
            return "/";
        high += c >= 0x80;
    }
    /* A Location header is ASCII: bytes of other characters go percent-encoded,
     * as a browser would send them. */
    char *out = arena_alloc(a, next.len + 2 * high + 1), *o = out;
    for (size_t i = 0; i < next.len; i++) {
        unsigned char c = (unsigned char)next.ptr[i];
        if (c < 0x80) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = "0123456789ABCDEF"[c >> 4];
            *o++ = "0123456789ABCDEF"[c & 15];
        }
    }
    *o = '\0';
    return out;
}

const char *view_with_next(struct arena *a, const char *base, const char *next)
{
    if (next == NULL || strcmp(next, "/") == 0)
        return base;
    return arena_printf(a, "%s?next=%s", base, url_encode_dup(a, next));
}

const char *view_comment_author(const struct comment *c)
{
    if (c->author_display_name != NULL && c->author_display_name[0] != '\0')
        return c->author_display_name;
    if (c->author_username != NULL)
        return c->author_username;
    return c->legacy_author != NULL && c->legacy_author[0] != '\0' ? c->legacy_author : "Anonymous";
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
        tval_put_str(a, m, "login_url", view_with_next(a, "/login", next));
        tval_put_str(a, m, "register_url", view_with_next(a, "/register", next));
    }

    struct weather_reading w;
    if (weather_get(app->weather, time_now(), &w)) {
        struct tval *wm = tval_map(a);
        tval_put_int(a, wm, "hi", w.hi);
        tval_put_int(a, wm, "lo", w.lo);
        tval_put(a, m, "weather", wm);
    }
    if (req->user != NULL) {
        const char *flash = flash_take(req);
        if (flash != NULL)
            tval_put_str(a, m, "flash", flash);
        struct tval *vm = tval_map(a);
        tval_put_str(a, vm, "username", req->user->username);
        tval_put_str(a, vm, "display_name", req->user->display_name);
        /* The header's Moderation link: outside every cached fragment, like the rest
         * of the header. */
        tval_put_bool(a, vm, "is_moderator", req->user->role >= ROLE_MODERATOR);
        tval_put_str(
            a, vm, "you_css_url",
            arena_printf(a, "/static/you/%s?v=%s", req->user->username, app->static_version));
        tval_put(a, m, "viewer", vm);
        tval_put_str(a, m, "csrf", req_csrf(req));
    }
    return m;
}

/* POST /stories/SLUG/comments, the one place SPEC's registration notice belongs. */
static bool is_comment_post(const struct req *req)
{
    static const char suffix[] = "/comments";
    struct str p = req->path;
    if (req->method != HTTP_POST || !str_starts_with(p, "/stories/") || p.len < 9 + sizeof suffix)
        return false;
    const char *slash = memchr(p.ptr + 9, '/', p.len - 9);
    return slash != NULL && (size_t)(p.ptr + p.len - slash) == sizeof suffix - 1 &&
           memcmp(slash, suffix, sizeof suffix - 1) == 0;
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
        const char *back = NULL;
        bool posting = is_comment_post(req);
        if (posting) {
            /* Posting a comment anonymously: registering should lead back to the
             * story's comment form. */
            const char *slash = memchr(req->path.ptr + 9, '/', req->path.len - 9);
            back = view_safe_next(
                a, str_from(arena_printf(a, "%.*s#comment-form", (int)(slash - req->path.ptr),
                                         req->path.ptr)));
        } else if (req->method == HTTP_GET) {
            /* Any other page a visitor must log in for (a comment's edit, delete or
             * report page): logging in leads back to it. */
            back = view_safe_next(a, req->path);
        }
        tval_put_bool(a, m, "register_prompt", posting);
        tval_put_str(a, m, "register_url", view_with_next(a, "/register", back));
        tval_put_str(a, m, "login_url", view_with_next(a, "/login", back));
    }
    tval_put_str(a, m, "home_url", "/");
    return m;
}
