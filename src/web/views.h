/* View models: domain objects turned into template contexts (render/template.h),
 * with every user-supplied string passed as an escaped value and only HTML that
 * stet rendered itself passed as trusted. The key names are the templates' contract. */
#ifndef STET_WEB_VIEWS_H
#define STET_WEB_VIEWS_H

#include "domain/comments.h"
#include "domain/stories.h"
#include "domain/validate.h"
#include "http/req.h"
#include "render/template.h"

/* What the comment form re-shows after an error, or where a reply goes. */
struct comment_form_view {
    struct str body;
    const char *error;  /* NULL: no error */
    const char *advice; /* what to do about `error`; NULL: fixing the text is enough */
    int64_t parent_id;  /* 0: top level */
    const char *after;  /* the page of comments shown (its cursor); NULL: the first */
    bool ask_login;     /* a reader who is logged out: the form carries login fields */
    struct str login;   /* what was typed into the login field */
};

/* Values shared by the layout: site name, title, stylesheet, weather, viewer. */
struct tval *view_layout(struct req *req, const char *title);
/* The front page, or one of its older pages (`first_page` false), from a window of
 * story_window_load. */
struct tval *view_front(struct req *req, const struct story_window *w, bool first_page);
/* The archive's months (story_months), with a link to `next_before`'s page when
 * not NULL and to the first page when this is not it. */
struct tval *view_archive(struct req *req, const struct story_month *months, size_t n,
                          const char *next_before, bool first_page);
/* One page of a month of the archive (story_month_load). */
struct tval *view_archive_month(struct req *req, int year, int month, const struct story_window *w);
/* "May 2020": a month's page title. Arena memory. */
const char *view_month_title(struct arena *a, int year, int month);
/* The story and its comments: the same for every reader of the story, so it can be
 * cached; `can_reply` adds the reply links logged-in readers get. */
struct tval *view_story_main(struct req *req, const struct story_page *p, bool can_reply);
/* The rest of the story page around the rendered `main_html`: the comment form
 * (re-showing `form`, replying to `parent` when not NULL) or the register notice. */
struct tval *view_story_respond(struct req *req, const struct story *s, const char *main_html,
                                const struct comment_form_view *form, const struct comment *parent);
/* Register and login forms re-showing what was typed (never the password), with
 * every problem (`problems` may be NULL) or, for login, one `error` naming no field
 * (may be NULL). */
struct tval *view_register(struct req *req, struct str username, struct str email, struct str next,
                           const struct field_errors *problems);
struct tval *view_login(struct req *req, struct str login, struct str next,
                        const struct field_errors *problems, const char *error);
struct tval *view_error(struct req *req, int status, const char *title, const char *message,
                        bool show_register);

/* Helpers for the per-page view files. */
/* date_iso and date_human for time `t` into map `m`. */
void view_put_times(struct arena *a, struct tval *m, int64_t t);
/* `base` with "?next=" the encoded `next`, or `base` when next is NULL or "/". */
const char *view_with_next(struct arena *a, const char *base, const char *next);
/* The name a comment is shown under. */
const char *view_comment_author(const struct comment *c);
/* A comment with its replies; `can_reply` adds reply links. */
struct tval *view_comment(struct arena *a, const struct comment_node *node, const char *slug,
                          bool can_reply);
/* The stylesheet that shows the "you" marker on the comments of `username` (which
 * ident_is_username accepted). Arena memory. */
const char *view_you_css(struct arena *a, const char *username);

/* `next` when it is a safe local path ("/x", not "//x" or a URL), else "/". */
const char *view_safe_next(struct arena *a, struct str next);

#endif
