/* View models: domain objects turned into template contexts (render/template.h),
 * with every user-supplied string passed as an escaped value and only HTML that
 * stet rendered itself passed as trusted. The key names are the templates' contract. */
#ifndef STET_WEB_VIEWS_H
#define STET_WEB_VIEWS_H

#include "domain/comments.h"
#include "http/req.h"
#include "render/template.h"

/* What the comment form re-shows after an error, or where a reply goes. */
struct comment_form_view {
    struct str body;
    const char *error; /* NULL: no error */
    int64_t parent_id; /* 0: top level */
};

/* Values shared by the layout: site name, title, stylesheet, weather, viewer. */
struct tval *view_layout(struct req *req, const char *title);
struct tval *view_front(struct req *req, const struct story *stories, size_t n);
/* The story and its comments: the same for every reader of the story, so it can be
 * cached; `can_reply` adds the reply links logged-in readers get. */
struct tval *view_story_main(struct req *req, const struct story_page *p, bool can_reply);
/* The rest of the story page around the rendered `main_html`: the comment form
 * (re-showing `form`, replying to `parent` when not NULL) or the register notice. */
struct tval *view_story_respond(struct req *req, const struct story *s, const char *main_html,
                                const struct comment_form_view *form, const struct comment *parent);
/* Register and login forms; `err` may be NULL. */
struct tval *view_register(struct req *req, struct str username, struct str email, struct str next,
                           const struct err_detail *err);
struct tval *view_login(struct req *req, struct str login, struct str next, const char *error);
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

/* `next` when it is a safe local path ("/x", not "//x" or a URL), else "/". */
const char *view_safe_next(struct arena *a, struct str next);

#endif
