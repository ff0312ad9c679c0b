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
 * cached; `can_reply` adds the reply links logged-in readers get, `signed_in` each
 * comment's "Actions" link (for any logged-in reader). */
struct tval *view_story_main(struct req *req, const struct story_page *p, bool can_reply,
                             bool signed_in);
/* The rest of the story page around the rendered `main_html`: the comment form
 * (re-showing `form`, replying to `parent` when not NULL) or the register notice. */
struct tval *view_story_respond(struct req *req, const struct story *s, const char *main_html,
                                const struct comment_form_view *form, const struct comment *parent);
/* Adds to `m` (a view_story_respond map) the reader's own held comments on `s`
 * (comment_list_own_held: `n` of `held`, `more` when others wait), each marked
 * awaiting moderation with its Edit and Delete links; nothing when `n` is 0.
 * Rendered around the shared fragment, never into it. */
void view_story_own_held(struct req *req, struct tval *m, const struct story *s,
                         const struct comment *held, size_t n, bool more);
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

/* A comment's Edit, Delete or Report page (templates/comment_ACTION.html): the
 * comment quoted, and the form with what was typed and its problem. */
struct comment_action_view {
    const struct story *story;
    const struct comment *c;
    struct str text;     /* the body or reason in the form */
    const char *error;   /* NULL: none */
    const char *advice;  /* what to do about `error`; may be NULL */
    const char *refused; /* edit: why there is no form (`text` is given back to copy) */
    bool own;            /* the reader wrote the comment */
};
struct tval *view_comment_action(struct req *req, const struct comment_action_view *v);
/* The page listing what the reader may do with a comment (`may`), each action a
 * link to its form page. */
struct comment_permissions;
struct tval *view_comment_permissions(struct req *req, const struct comment_action_view *v,
                                      const struct comment_permissions *may);

/* `next` when it is a safe local path ("/x", not "//x" or a URL), else "/". */
const char *view_safe_next(struct arena *a, struct str next);

/* ---- the moderators' pages (views_moderation.c) ---- */
struct desk_queue;
struct store_audit;
/* What a refused decision re-shows on the comment's page: the note typed and why. */
struct moderation_form {
    struct str note;
    const char *error;       /* NULL: no error */
    const char *error_field; /* "note" when the note was refused, else NULL */
};
/* A page of the queue; `here` is its own address, where its forms come back. */
struct tval *view_moderation_queue(struct req *req, const struct desk_queue *q, const char *here);
/* One comment of any status with its story; `form` (may be NULL) re-shows a refused
 * decision. */
struct tval *view_moderation_comment(struct req *req, const struct comment *c,
                                     const struct story *s, const struct moderation_form *form);
/* A page of the audit log; `older` is the next page's cursor (NULL: none). */
struct tval *view_moderation_audit(struct req *req, const struct store_audit *es, size_t n,
                                   const char *older, bool first_page);
struct desk_users;
/* What a refused change to an account re-shows on the users page: whose form, what
 * was typed and why. */
struct users_form {
    const char *username; /* the account the form was about */
    struct str duration;
    struct str reason;
    struct str role;
    const char *error;       /* NULL: no error */
    const char *error_field; /* the field's id when one field was refused, else NULL */
};
/* A page of accounts found by `q` (a username prefix); `here` is its own address,
 * where its forms come back; `first_page` when no cursor led to it; `form` (may be
 * NULL) re-shows a refused change. */
struct tval *view_moderation_users(struct req *req, const struct desk_users *u, struct str q,
                                   const char *here, bool first_page,
                                   const struct users_form *form);
/* The 403 page of a moderator's page: `message`, and for an anonymous visitor the
 * login link that leads back to `back`. */
struct tval *view_moderation_denied(struct req *req, const char *message, const char *back);

/* ---- the admins' policies page (views_policies.c) ---- */
struct policy_entry;
/* What a refused change re-shows: each policy's typed value and reset box (in
 * policy_names order), and why. */
struct policy_form {
    struct str values[6]; /* POLICY_N */
    bool reset[6];
    const char *error;       /* NULL: no error */
    const char *error_field; /* the refused policy's name, else NULL */
};
/* A moderation page's common keys: `nav` marks the navigation's entry for this
 * page, the audit log and the policies are listed for admins, the CSRF token, and
 * `next` where its forms come back. */
struct tval *view_moderation_page(struct req *req, const char *nav, const char *next);
/* The policies (POLICY_N entries, policies_list); `form` (may be NULL) re-shows a
 * refused change. */
struct tval *view_moderation_policies(struct req *req, const struct policy_entry *entries,
                                      const struct policy_form *form);
#endif
