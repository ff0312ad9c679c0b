/* The story page: the shared part (story and comments) and the per-reader part
 * around it (comment form or register notice). */
#include "web/views.h"

#include "base/html.h"
#include "base/timefmt.h"
#include "web/flash.h"
#include "web/web.h"

#include <string.h>

/* The address of one page of a story's comments: `cursor` NULL for the first. */
static const char *page_url(struct arena *a, const char *story_url, const char *cursor)
{
    if (cursor == NULL)
        return story_url;
    return arena_printf(a, "%s?after=%s", story_url, url_encode_dup(a, cursor));
}

/* "Comments 201–210 of 210" and the links to the pages around this one, when the
 * comments do not fit one page. */
static void put_paging(struct arena *a, struct tval *m, const struct story_page *p, const char *url)
{
    if (!p->has_prev && p->next_cursor == NULL)
        return;
    int64_t first = p->first_index, last = p->first_index + (int64_t)p->n_comments - 1;
    int64_t total = p->story.n_comments > last ? p->story.n_comments : last;
    struct tval *pm = tval_map(a);
    tval_put_str(a, pm, "range",
                 p->n_comments > 0
                     ? arena_printf(a, "%lld\u2013%lld of %lld", (long long)first, (long long)last,
                                    (long long)total)
                     : arena_printf(a, "none of %lld on this page", (long long)total));
    if (p->has_prev)
        tval_put_str(a, pm, "older_url",
                     arena_printf(a, "%s#comments", page_url(a, url, p->prev_cursor)));
    if (p->next_cursor != NULL)
        tval_put_str(a, pm, "newer_url",
                     arena_printf(a, "%s#comments", page_url(a, url, p->next_cursor)));
    tval_put(a, m, "paging", pm);
}

struct tval *view_story_main(struct req *req, const struct story_page *p, bool can_reply,
                             bool signed_in)
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
    /* A closed story with no comments shows only the closed notice (story.html). */
    tval_put_bool(a, m, "shows_comments", s->comments_open || s->n_comments > 0);
    tval_put_bool(a, m, "comments_open", s->comments_open);
    /* Each comment's "Actions" link, for a reader who is logged in: an anonymous
     * one may do nothing with a comment, and their page is the one sent most. */
    tval_put_bool(a, m, "signed_in", signed_in);
    /* For live.js: "yesterday" and new comments' times in the site's zone. */
    tval_put_str(a, m, "timezone", req->app->cfg.site_timezone);
    tval_put_str(a, m, "events_url", arena_printf(a, "%s/events", url));
    tval_put_int(a, m, "event_seq", s->event_seq);
    put_paging(a, m, p, url);
    return m;
}

/* The comment form: the text and what went wrong with it, the reply it is, login
 * fields for a reader whose session ended, and what the draft script needs. */
static struct tval *form_view(struct req *req, const struct story *s, const char *url,
                              const struct comment_form_view *form, const struct comment *parent)
{
    struct arena *a = req->arena;
    struct tval *fm = tval_map(a);
    /* The fragment brings a re-shown form (the answer to this action) into view. */
    tval_put_str(a, fm, "action", arena_printf(a, "%s/comments#comment-form", url));
    tval_put_str(a, fm, "csrf", req_csrf(req));
    int max = req->app->cfg.comment_max_length;
    tval_put_int(a, fm, "max_length", max);
    tval_put_str(a, fm, "max_length_text",
                 max >= 1000 ? arena_printf(a, "%d,%03d", max / 1000, max % 1000)
                             : arena_printf(a, "%d", max));
    tval_put_str(a, fm, "story_slug", s->slug);
    /* The page after a post: the draft script lets go of the text it kept. */
    tval_put_bool(a, fm, "posted",
                  flash_pending(req, FLASH_COMMENT_POSTED) ||
                      flash_pending(req, FLASH_COMMENT_HELD));
    /* The notice goes where the reader lands (their comment, just above the form),
     * not at the top of the page; the layout then has none to show. */
    const char *notice = flash_take(req);
    if (notice != NULL)
        tval_put_str(a, fm, "flash", notice);
    tval_put_str(a, fm, "body",
                 form != NULL ? arena_strndup(a, form->body.ptr, form->body.len) : "");
    if (form != NULL && form->error != NULL) {
        tval_put_str(a, fm, "error", form->error);
        if (form->advice != NULL)
            tval_put_str(a, fm, "advice", form->advice);
    }
    if (form != NULL && form->ask_login) {
        struct tval *lm = tval_map(a);
        tval_put_str(a, lm, "value", arena_strndup(a, form->login.ptr, form->login.len));
        tval_put_str(a, lm, "register_url",
                     view_with_next(a, "/register", arena_printf(a, "%s#comment-form", url)));
        tval_put(a, fm, "login", lm);
    }
    tval_put_str(a, fm, "parent_id",
                 parent != NULL ? arena_printf(a, "%lld", (long long)parent->id) : "");
    if (parent != NULL) {
        const char *page = page_url(a, url, form != NULL ? form->after : NULL);
        tval_put_str(a, fm, "reply_to_author", view_comment_author(parent));
        tval_put_str(a, fm, "cancel_url", arena_printf(a, "%s#comment-form", page));
    }
    return fm;
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
    /* Actions in place, for a reader whose comments carry the Actions link. */
    if (req->user != NULL)
        tval_put_str(a, m, "actions_js_url",
                     arena_printf(a, "/static/comment_actions.js?v=%s", req->app->static_version));
    /* A form that failed is always shown again with its text, whoever is asking. */
    if (s->comments_open &&
        (req->user != NULL || (form != NULL && (form->ask_login || form->error != NULL)))) {
        tval_put(a, m, "form", form_view(req, s, url, form, parent));
        tval_put_str(a, m, "form_js_url", req->app->comment_form_js_url);
    } else if (s->comments_open) {
        /* Back to the form after registering or logging in, not to the page top. */
        const char *back = arena_printf(a, "%s#comment-form", url);
        struct tval *rn = tval_map(a);
        tval_put_str(a, rn, "register_url", view_with_next(a, "/register", back));
        tval_put_str(a, rn, "login_url", view_with_next(a, "/login", back));
        tval_put(a, m, "register_notice", rn);
    } else if (form != NULL && form->body.len > 0) {
        /* Closed while the reader wrote: the text stays theirs to copy. */
        tval_put_str(a, m, "closed_draft", arena_strndup(a, form->body.ptr, form->body.len));
    }
    return m;
}

void view_story_own_held(struct req *req, struct tval *m, const struct story *s,
                         const struct comment *held, size_t n, bool more)
{
    struct arena *a = req->arena;
    if (n == 0)
        return;
    struct tval *bm = tval_map(a);
    struct tval *list = tval_list(a);
    char iso[TIMEFMT_ISO_LEN], local[TIMEFMT_LOCAL_LEN];
    for (size_t i = 0; i < n; i++) {
        const struct comment *c = &held[i];
        struct tval *cm = tval_map(a);
        const char *url = arena_printf(a, "/stories/%s/comments/%lld", s->slug, (long long)c->id);
        tval_put_int(a, cm, "id", c->id);
        time_format_iso(c->created_at, iso);
        time_format_local(c->created_at, local);
        tval_put_str(a, cm, "date_iso", arena_strdup(a, iso));
        tval_put_str(a, cm, "date_local", arena_strdup(a, local));
        tval_put_html(a, cm, "body_html", c->body_html);
        tval_put_str(a, cm, "edit_url", arena_printf(a, "%s/edit", url));
        tval_put_str(a, cm, "delete_url", arena_printf(a, "%s/delete", url));
        tval_push(a, list, cm);
    }
    tval_put(a, bm, "comments", list);
    tval_put_bool(a, bm, "more", more);
    tval_put(a, m, "own_held", bm);
}
