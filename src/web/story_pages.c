/* The story page and the comment form posted from it. The story with its comments
 * is the same for every reader, so it is rendered once per version and reused:
 * whole, with ETag and gzip, for anonymous readers; as a fragment inside the
 * per-reader page (form, CSRF token) for logged-in ones. */
#include "base/fmt.h"
#include "base/hash.h"
#include "base/html.h"
#include "base/timefmt.h"
#include "domain/comments.h"
#include "domain/stories.h"
#include "domain/users.h"
#include "domain/validate.h"
#include "http/accept.h"
#include "http/prepared.h"
#include "render/template.h"
#include "web/flash.h"
#include "web/handlers.h"
#include "web/metrics.h"
#include "web/page_cache.h"
#include "web/respond.h"
#include "web/views.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

/* A proxy or CDN may keep an anonymous page this long; readers' browsers always
 * revalidate (ETag), and open pages get new comments live anyway. */
#define STORY_SHARED_MAX_AGE "public, max-age=0, s-maxage=10"

/* Everything the cached part of a story page shows, folded into one number: the
 * story's fields and its content version (which the store moves with every change
 * the page renders: comments, their authors' badges, opening and closing), plus the
 * process-wide salt (static assets, site name). Not event_seq: that numbers live
 * events, and a page can change without one. */
static uint64_t story_version(struct req *req, const struct story *s)
{
    int64_t parts[4] = {s->id, s->content_version, s->comments_open, s->published_at};
    uint64_t h = hash_bytes(req->app->page_salt, parts, sizeof(parts));
    h = hash_bytes(h, s->title, strlen(s->title));
    return hash_bytes(h, s->byline, strlen(s->byline));
}

static void release_page(void *ref)
{
    page_ref_release(ref);
}

/* Cache keys: KIND ":" SLUG, and "?" CURSOR for a later page of comments. False
 * when that does not fit (never for a slug and a cursor stet made). */
static bool page_key(char key[PAGE_CACHE_KEY_MAX], const char *kind, const char *slug,
                     struct str after)
{
    struct fmt f = {key, 0, PAGE_CACHE_KEY_MAX};
    fmt_cstr(&f, kind);
    fmt_cstr(&f, slug);
    if (after.len > 0) {
        fmt_char(&f, '?');
        fmt_bytes(&f, after.ptr, after.len);
    }
    return f.len + 1 < PAGE_CACHE_KEY_MAX;
}

/* Which pages of comments may be cached. The first always; a later one only for a
 * cursor that a rendered page of this version linked to ("c:" entries, stored as
 * pages are rendered), so a client inventing cursors gets its pages rendered, not
 * stored: the cache holds at most the pages that exist. */
static bool page_cacheable(struct req *req, const struct story *s, struct str after,
                           uint64_t version)
{
    char key[PAGE_CACHE_KEY_MAX];
    if (after.len == 0)
        return true;
    if (!page_key(key, "c:", s->slug, after))
        return false;
    const char *body;
    size_t len;
    bool gz;
    struct page_ref *ref = page_cache_get(req->app->pages, key, version, false, &body, &len, &gz);
    if (ref == NULL)
        return false;
    page_ref_release(ref);
    return true;
}

/* The story and one page of its comments as HTML (`after` empty: the first page),
 * from the cache or rendered now (and cached when page_cacheable). */
static int main_fragment(struct req *req, struct dctx *ctx, const struct story *s, bool can_reply,
                         struct str after, uint64_t ticket, struct str *html,
                         const struct deflated_part **deflated)
{
    *deflated = NULL;
    char key[PAGE_CACHE_KEY_MAX];
    uint64_t version = story_version(req, s);
    size_t len;
    /* Three copies: with reply and action links (a logged-in reader, comments open),
     * with action links only (logged in, closed), with neither (anonymous). */
    bool signed_in = req_viewer(req) != NULL;
    const char *kind = can_reply ? "r:" : signed_in ? "m:" : "n:";
    bool gz,
        cacheable = page_cacheable(req, s, after, version) && page_key(key, kind, s->slug, after);
    if (cacheable) {
        const char *bytes;
        struct page_ref *ref =
            page_cache_get(req->app->pages, key, version, false, &bytes, &len, &gz);
        metrics_cache_hit(req->app->metrics, ref != NULL);
        if (ref != NULL) {
            /* Rendered into the page from the entry itself, held until the end. */
            req_on_done(req, release_page, ref);
            *html = (struct str){bytes, len};
            *deflated = page_ref_deflated(ref);
            return 0;
        }
    }

    /* Only visible comments: the fragment is shared by every reader. */
    struct story_page page;
    int rc = story_comments_load(ctx, NULL, s, after, &page);
    if (rc != 0)
        return rc;
    struct buf b = BUF_INIT;
    rc = tmpl_render(req->app->templates, "story_main.html",
                     view_story_main(req, &page, can_reply, signed_in), &b);
    if (rc == 0) {
        char next[PAGE_CACHE_KEY_MAX];
        if (cacheable) {
            page_cache_put(req->app->pages, key, version, ticket, buf_cstr(&b), b.len, PAGE_DEFLATE,
                           NULL, NULL, 0);
            /* This page links to the next: that one may be cached now. */
            if (page.next_cursor != NULL &&
                page_key(next, "c:", s->slug, str_from(page.next_cursor)))
                page_cache_put(req->app->pages, next, version, ticket, "", 0, PAGE_PLAIN, NULL,
                               NULL, 0);
        }
        *html = (struct str){arena_strndup(req->arena, buf_cstr(&b), b.len), b.len};
    }
    buf_cleanup(&b);
    return rc;
}

static bool accepts_gzip(struct req *req)
{
    struct str ae;
    return req_header(req, "Accept-Encoding", &ae) && accept_encoding_allows(ae, "gzip");
}

/* The headers of an anonymous story page besides the HTML ones dispatch adds. */
static size_t shared_headers(const char *etag, struct kv *out)
{
    out[0] = (struct kv){STR_LIT("ETag"), str_from(etag)};
    out[1] = (struct kv){STR_LIT("Cache-Control"), STR_LIT(STORY_SHARED_MAX_AGE)};
    out[2] = (struct kv){STR_LIT("Vary"), STR_LIT("Accept-Encoding, Cookie")};
    return 3;
}

static void add_shared_headers(struct req *req, const char *etag)
{
    struct kv h[3];
    size_t n = shared_headers(etag, h);
    for (size_t i = 0; i < n; i++)
        resp_add_header(req, h[i].name.ptr, h[i].value.ptr);
}

/* The whole page for an anonymous reader: 304, or bytes from the cache. `after`
 * selects a later page of comments; the caller checked page_cacheable. */
static int show_anonymous(struct req *req, struct dctx *ctx, const struct story *s,
                          struct str after, uint64_t ticket)
{
    struct weather_reading w;
    bool has_weather = weather_get(req->app->weather, time_now(), &w);
    int64_t shown[3] = {has_weather, has_weather ? w.hi : 0, has_weather ? w.lo : 0};
    uint64_t version = hash_bytes(story_version(req, s), shown, sizeof(shown));
    /* Built without printf: this runs for every anonymous page view. */
    char etag[24], key[PAGE_CACHE_KEY_MAX];
    struct fmt ef = FMT_ON(etag);
    fmt_char(&ef, '"');
    fmt_hex(&ef, version, 16);
    fmt_char(&ef, '"');
    if (!page_key(key, "a:", s->slug, after))
        return respond_error(req, STET_EIO); /* page_cacheable let it through: a bug */
    struct str inm;

    if (req_header(req, "If-None-Match", &inm) && str_eq_cstr(str_trim(inm), etag)) {
        add_shared_headers(req, etag);
        return respond_bytes(req, 304, "text/html; charset=utf-8", "", 0);
    }
    const char *body;
    size_t len;
    bool gz;
    struct page_ref *ref =
        page_cache_get(req->app->pages, key, version, accepts_gzip(req), &body, &len, &gz);
    metrics_cache_hit(req->app->metrics, ref != NULL);
    if (ref != NULL) {
        /* Sent straight from the cache entry, held until the request is over. */
        req_on_done(req, release_page, ref);
        struct http_prepared *prepared = page_ref_prepared(ref, gz);
        if (prepared != NULL) {
            resp_prepared(req, prepared);
            return 0;
        }
        add_shared_headers(req, etag);
        if (gz)
            resp_add_header(req, "Content-Encoding", "gzip");
        return respond_bytes(req, 200, "text/html; charset=utf-8", body, len);
    }

    struct str main_html;
    const struct deflated_part *unused;
    int rc = main_fragment(req, ctx, s, false, after, ticket, &main_html, &unused);
    if (rc != 0)
        return respond_error(req, rc);
    /* Rendered whole: these bytes become the cache entry. */
    respond_page(req, 200, "story.html", s->title,
                 view_story_respond(req, s, main_html.ptr, NULL, NULL));
    if (req->resp.status == 200) {
        struct kv h[RESPOND_N_HTML_HEADERS + 3];
        memcpy(h, respond_html_headers, sizeof(respond_html_headers));
        size_t n = RESPOND_N_HTML_HEADERS + shared_headers(etag, h + RESPOND_N_HTML_HEADERS);
        page_cache_put(req->app->pages, key, version, ticket, req->resp.body, req->resp.body_len,
                       PAGE_GZIP, "text/html; charset=utf-8", h, n);
        add_shared_headers(req, etag);
    }
    return 0;
}

/* Marks the page of `s`'s comments after `cursor` as one that exists (see
 * page_cacheable): the cursor came from the store's own paging of this version,
 * not from a client. */
static void allow_page(struct req *req, const struct story *s, const char *cursor, uint64_t ticket)
{
    char key[PAGE_CACHE_KEY_MAX];
    if (cursor != NULL && page_key(key, "c:", s->slug, str_from(cursor)))
        page_cache_put(req->app->pages, key, story_version(req, s), ticket, "", 0, PAGE_PLAIN, NULL,
                       NULL, 0);
}

/* "/stories/SLUG" or "/stories/SLUG?after=CURSOR": the page holding a comment. */
static const char *page_path(struct req *req, const char *slug, const char *cursor)
{
    if (cursor == NULL)
        return arena_printf(req->arena, "/stories/%s", slug);
    return arena_printf(req->arena, "/stories/%s?after=%s", slug,
                        url_encode_dup(req->arena, cursor));
}

/* The page's title: a form that comes back with an error says so first, the
 * first thing a screen reader announces. */
static const char *page_title(struct req *req, const struct story *s,
                              const struct comment_form_view *form)
{
    if (form->error == NULL)
        return s->title;
    return arena_printf(req->arena, "Error: %s · %s", form->error, s->title);
}

/* The story page (comments after `after`, the first page when empty) with the
 * per-reader part; a reply form shows on the page holding the comment it answers,
 * unless `after` names a page. Returns 0 once answered, or the error for the
 * caller to answer. */
static int render(struct req *req, int status, struct str slug, struct str after,
                  const struct comment_form_view *form_in)
{
    struct dctx ctx = req_dctx(req);
    struct story story;
    struct comment parent_c;
    const struct comment *parent = NULL;
    struct comment_form_view form = *form_in;
    /* Before the reads: see page_cache_put. */
    uint64_t ticket = page_cache_ticket(req->app->pages);
    int rc = story_get(&ctx, slug, &story);
    if (rc != 0)
        return rc;
    if (req_viewer(req) == NULL && status == 200 && form.parent_id == 0 &&
        page_cacheable(req, &story, after, story_version(req, &story)))
        return show_anonymous(req, &ctx, &story, after, ticket);

    if (form.parent_id != 0) {
        rc = comment_find_in_story(&ctx, &story, form.parent_id, &parent_c);
        if (rc == 0 && after.len == 0) {
            rc = comment_page_of(&ctx, story.id, parent_c.id, &form.after);
            allow_page(req, &story, form.after, ticket);
            after = form.after != NULL ? str_from(form.after) : STR_NULL;
        } else if (rc == 0) {
            form.after = arena_strndup(req->arena, after.ptr, after.len);
        }
        parent = rc == 0 ? &parent_c : NULL;
        rc = rc == STET_ENOTFOUND ? 0 : rc; /* a stale reply link shows the plain form */
        if (rc != 0)
            return rc;
    }
    bool can_reply = story.comments_open && req_viewer(req) != NULL;
    struct str main_html;
    const struct deflated_part *main_z;
    rc = main_fragment(req, &ctx, &story, can_reply, after, ticket, &main_html, &main_z);
    if (rc != 0)
        return rc;
    /* The per-reader parts are rendered around the shared fragment, which is sent
     * from where it lies (the cache entry) instead of being copied into the page;
     * compressed, when the reader accepts gzip and the fragment came from the cache
     * with its deflate blocks. */
    struct tval *view = view_story_respond(req, &story, RESPOND_FRAGMENT_HOLE, &form, parent);
    /* The reader's own held comments: for their eyes only, so beside the form and
     * never in the fragment, which holds visible comments alone. */
    struct comment *held;
    size_t n_held;
    bool more_held;
    rc = comment_list_own_held(&ctx, req_viewer(req), &story, &held, &n_held, &more_held);
    if (rc != 0)
        return rc;
    view_story_own_held(req, view, &story, held, n_held, more_held);
    resp_add_header(req, "Vary", "Accept-Encoding, Cookie");
    return respond_page_around(req, status, "story.html", page_title(req, &story, &form), view,
                               main_html, accepts_gzip(req) ? main_z : NULL);
}

static int show(struct req *req, int status, struct str slug, struct str after,
                const struct comment_form_view *form)
{
    int rc = render(req, status, slug, after, form);
    return rc != 0 ? respond_error(req, rc) : 0;
}

/* A positive comment id, or 0 when absent; EBADREQ when present and not a number. */
static int parse_id(struct str s, int64_t *out)
{
    *out = 0;
    if (s.len == 0)
        return 0;
    return str_to_i64(s, 1, INT64_MAX, out) == 0 ? 0 : STET_EBADREQ;
}

int page_story_show(struct req *req)
{
    struct str slug, reply_to = STR_NULL, after = STR_NULL;
    struct comment_form_view form = {0};
    int rc = req_path_param(req, "slug", &slug);
    if (rc != 0)
        return respond_error(req, rc);
    if (req_query(req, "reply_to", &reply_to) && parse_id(reply_to, &form.parent_id) != 0)
        form.parent_id = 0;
    req_query(req, "after", &after);
    return show(req, 200, slug, after, &form);
}

/* The POST address asked for with GET (a reload of a re-shown form, a bookmark):
 * the story's form, not a 405. */
int page_comment_form_show(struct req *req)
{
    struct str slug;
    int rc = req_path_param(req, "slug", &slug);
    if (rc == 0 && validate_slug(slug, NULL) != 0)
        rc = STET_ENOTFOUND;
    if (rc != 0)
        return respond_error(req, rc);
    return respond_redirect(
        req, arena_printf(req->arena, "/stories/%.*s#comment-form", (int)slug.len, slug.ptr));
}

/* A comment's own address: wherever paging puts it, 303 to the page holding it. */
int page_comment_permalink(struct req *req)
{
    struct str slug;
    int64_t id;
    struct story story;
    const char *cursor;
    int rc = req_path_param(req, "slug", &slug);
    if (rc == 0)
        rc = req_path_id(req, "id", &id);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    uint64_t ticket = page_cache_ticket(req->app->pages);
    rc = story_get(&ctx, slug, &story);
    if (rc == 0)
        rc = comment_page_find(&ctx, &story, id, &cursor);
    if (rc != 0)
        return respond_error(req, rc);
    allow_page(req, &story, cursor, ticket);
    return respond_redirect(req, arena_printf(req->arena, "%s#comment-%lld",
                                              page_path(req, story.slug, cursor), (long long)id));
}

/* A wait for a person: "40 s", "3 min". */
static const char *wait_text(struct req *req, int seconds)
{
    if (seconds <= 0)
        seconds = 60; /* what the default message says */
    if (seconds < 120)
        return arena_printf(req->arena, "%d s", seconds);
    return arena_printf(req->arena, "%d min", (seconds + 59) / 60);
}

/* Logs the reader in from the login fields of a re-shown comment form, as the
 * login page would: a session cookie, and the anonymous CSRF token replaced. The
 * request then goes on as that reader. EUNAUTH, EINVAL (a field empty) and ERATE
 * as user_login. */
static int log_in_here(struct req *req, struct str login, struct str password)
{
    struct dctx ctx = req_dctx(req);
    struct user *u = ARENA_NEW(req->arena, struct user);
    int rc = user_login(&ctx, login, password, u);
    return rc != 0 ? rc : web_log_in(req, u);
}

/* The form's text was not posted: the story page again, with the text in the
 * form, the reason and what to do, under the failure's own status. Errors that
 * are about the address itself (no such story, a malformed parent id) get the
 * plain error page. */
static int refuse(struct req *req, int rc, struct str slug, struct comment_form_view *form)
{
    const struct err_detail *err = &web_state(req)->err;
    int status = respond_status(rc);
    switch (rc) {
    case STET_EINVAL:
        form->error = err->message != NULL ? err->message : "A field breaks a rule.";
        break;
    case STET_ERATE:
        form->error = form->ask_login ? err->message
                                      : "You are posting comments too fast, so this one was not "
                                        "posted.";
        form->advice = arena_printf(req->arena, "Wait %s, then press %s again. Your text is kept.",
                                    wait_text(req, err->retry_after),
                                    form->ask_login ? "Log in and post comment" : "Post comment");
        resp_add_header(
            req, "Retry-After",
            arena_printf(req->arena, "%d", err->retry_after > 0 ? err->retry_after : 60));
        break;
    case STET_EUNAUTH:
        form->ask_login = true;
        if (form->error == NULL) { /* the login fields were wrong */
            form->error = err->message != NULL ? err->message : "Wrong username or password.";
            form->advice = "Check them, then press Log in and post comment again. Your text is "
                           "kept.";
        }
        break;
    case STET_ECLOSED:
        break; /* the page says so, with the text to copy */
    case STET_ENOTFOUND:
    case STET_EBADREQ:
    case STET_EAGAIN:
        return respond_error(req, rc);
    default:
        form->error = rc == STET_EUNAVAIL ? "The database cannot be reached right now, so your "
                                            "comment was not posted."
                                          : "Something went wrong on our side, so your comment "
                                            "was not posted.";
        form->advice = "Your text is kept: press Post comment again in a moment.";
        break;
    }
    int shown = render(req, status, slug, STR_NULL, form);
    if (shown == 0)
        return 0;
    if (shown == STET_EAGAIN || shown == STET_ENOTFOUND)
        return respond_error(req, shown);
    /* The story cannot be shown either (the database is down): the form alone
     * still keeps the text. */
    struct story bare = {.slug = arena_strndup(req->arena, slug.ptr, slug.len),
                         .title = "Your comment was not posted",
                         .comments_open = true};
    if (form->error == NULL)
        form->error = "Something went wrong on our side, so your comment was not posted.";
    return respond_page(req, respond_status(shown), "story.html", page_title(req, &bare, form),
                        view_story_respond(req, &bare, "", form, NULL));
}

int page_comment_post(struct req *req)
{
    struct comment_form_view form = {.body = req_form(req, "body"),
                                     .login = str_trim(req_form(req, "login"))};
    struct comment c;
    struct str slug;
    int rc = req_path_param(req, "slug", &slug);
    if (rc == 0)
        rc = parse_id(req_form(req, "parent_id"), &form.parent_id);
    if (rc == 0 && validate_slug(slug, NULL) != 0)
        rc = STET_ENOTFOUND;
    if (rc != 0)
        return respond_error(req, rc);

    if (web_state(req)->auth_failed != 0)
        return refuse(req, web_state(req)->auth_failed, slug, &form);
    if (web_state(req)->csrf_stale) {
        /* A form from before a logout, a login or a new session: nothing is done
         * with it, but the text comes back in a form that works. */
        if (req_viewer(req) == NULL) {
            form.error = "You are no longer logged in (you logged out in another tab, or your "
                         "session ended), so your comment was not posted.";
            form.advice = "Log in below to post it. Your text is kept.";
            return refuse(req, STET_EUNAUTH, slug, &form);
        }
        form.error = "This form had expired, so your comment was not posted.";
        form.advice = "Your text is kept below with a fresh form: press Post comment again.";
        int shown = render(req, 403, slug, STR_NULL, &form);
        return shown == 0 ? 0 : refuse(req, shown, slug, &form);
    }
    if (req_viewer(req) == NULL) {
        form.ask_login = true;
        if (form.login.len == 0 && req_form(req, "password").len == 0) {
            form.error = "You must be registered to comment on stories.";
            form.advice = "Log in below to post your comment (your text is kept), or register.";
            return refuse(req, STET_EUNAUTH, slug, &form);
        }
        rc = log_in_here(req, form.login, req_form(req, "password"));
        if (rc == STET_EINVAL)
            rc = STET_EUNAUTH; /* a login field left empty: the same form, its message */
        if (rc != 0)
            return refuse(req, rc, slug, &form);
        form.ask_login = false;
    }

    struct dctx ctx = req_dctx(req);
    rc = comment_post(&ctx, req_viewer(req), slug, form.body, form.parent_id, &c);
    if (rc != 0)
        return refuse(req, rc, slug, &form);
    flash_set(req, c.status == COMMENT_HELD ? FLASH_COMMENT_HELD : FLASH_COMMENT_POSTED);
    /* A held comment is on no page of the thread yet: the reader lands on it in the
     * block of their own held comments, beside the form (view_story_own_held). */
    if (c.status == COMMENT_HELD)
        return respond_redirect(
            req, arena_printf(req->arena, "/stories/%s#held-%lld", c.story_slug, (long long)c.id));
    /* Straight to the page holding the new comment; if that cannot be worked out
     * now, its permalink will. */
    const char *cursor;
    if (comment_page_of(&ctx, c.story_id, c.id, &cursor) != 0)
        return respond_redirect(req, arena_printf(req->arena, "/stories/%s/comments/%lld",
                                                  c.story_slug, (long long)c.id));
    return respond_redirect(req,
                            arena_printf(req->arena, "%s#comment-%lld",
                                         page_path(req, c.story_slug, cursor), (long long)c.id));
}
