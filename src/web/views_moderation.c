/* The moderators' pages: the queue, one comment, the audit log and
 * the page that turns everyone else away. Comment bodies are the stored safe HTML;
 * everything a reader or moderator typed goes in escaped. Every page carries the
 * CSRF token its forms post and the page to come back to (`next`). */
#include "web/views.h"

#include "base/html.h"
#include "base/ident.h"
#include "domain/desk.h"
#include "domain/moderation.h"
#include "web/web.h"

#include <string.h>

/* The moderation navigation's keys: which entry is this page, and whether the
 * audit log (admins only) is listed. */
static struct tval *mod_page(struct req *req, const char *nav, const char *next)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    tval_put_bool(a, m, nav, true);
    tval_put_bool(a, m, "is_admin", req->user != NULL && req->user->role == ROLE_ADMIN);
    tval_put_str(a, m, "csrf", req_csrf(req));
    tval_put_str(a, m, "next", next);
    return m;
}

struct tval *view_moderation_page(struct req *req, const char *nav, const char *next)
{
    return mod_page(req, nav, next);
}

/* "Held", "Held (policy: banned word)", "Reported 3 times", or both, from
 * moderation_reasons. */
static const char *reasons_text(struct arena *a, const struct comment *c)
{
    const char *why[MODERATION_REASONS_MAX];
    size_t n = moderation_reasons(c, why);
    const char *out = "";
    for (size_t i = 0; i < n; i++) {
        const char *part;
        if (strcmp(why[i], "held") == 0)
            part = c->hold_reason != NULL ? arena_printf(a, "Held (%s)", c->hold_reason) : "Held";
        else if (strcmp(why[i], "reported") == 0)
            part = c->report_count == 1
                       ? "Reported once"
                       : arena_printf(a, "Reported %lld times", (long long)c->report_count);
        else
            continue; /* the policy's reason: shown with "Held" */
        out = out[0] == '\0' ? part : arena_printf(a, "%s, %s", out, part);
    }
    return out;
}

/* The keys of one comment both pages show. */
static void put_comment(struct arena *a, struct tval *m, const struct comment *c,
                        const char *story_title)
{
    tval_put_int(a, m, "id", c->id);
    tval_put_str(a, m, "author", view_comment_author(c));
    tval_put_str(a, m, "author_username", c->author_username);
    tval_put_str(a, m, "story_title", story_title);
    tval_put_str(a, m, "story_url", arena_printf(a, "/stories/%s", c->story_slug));
    tval_put_str(a, m, "moderate_url",
                 arena_printf(a, "/moderation/comments/%lld", (long long)c->id));
    tval_put_str(a, m, "status", comment_status_name(c->status));
    tval_put_str(a, m, "reasons", reasons_text(a, c));
    if (c->has_spam_score)
        tval_put_str(a, m, "spam_score",
                     arena_printf(a, "%d.%02d", c->spam_score / 1000, c->spam_score % 1000 / 10));
    tval_put_html(a, m, "body_html", c->body_html);
    view_put_times(a, m, c->created_at);
}

static void push_link(struct arena *a, struct tval *links, const char *cls, const char *rel,
                      const char *url, const char *text)
{
    struct tval *l = tval_map(a);
    tval_put_str(a, l, "class", cls);
    if (rel != NULL)
        tval_put_str(a, l, "rel", rel);
    tval_put_str(a, l, "url", url);
    tval_put_str(a, l, "text", text);
    tval_push(a, links, l);
}

/* templates/pager.html's "pager": `prev` and `next` are complete URLs (NULL: none);
 * `next_is_older` for a list read newest first. */
static void put_pager(struct arena *a, struct tval *m, const char *label, const char *prev,
                      const char *prev_text, const char *next, const char *next_text,
                      bool next_is_older)
{
    if (prev == NULL && next == NULL)
        return;
    struct tval *p = tval_map(a), *links = tval_list(a);
    tval_put_str(a, p, "label", label);
    if (prev != NULL)
        push_link(a, links, next_is_older ? "pager-newer" : "pager-older", "prev", prev, prev_text);
    if (next != NULL)
        push_link(a, links, next_is_older ? "pager-older" : "pager-newer", "next", next, next_text);
    tval_put(a, p, "links", links);
    tval_put(a, m, "pager", p);
}

struct tval *view_moderation_queue(struct req *req, const struct desk_queue *q, const char *here)
{
    struct arena *a = req->arena;
    struct tval *m = mod_page(req, "nav_queue", here);
    struct tval *items = tval_list(a);
    for (size_t i = 0; i < q->n; i++) {
        struct tval *it = tval_map(a);
        put_comment(a, it, &q->items[i].c, q->items[i].story_title);
        tval_push(a, items, it);
    }
    tval_put(a, m, "items", items);
    tval_put_bool(a, m, "has_items", q->n > 0);
    /* Cursors are digits (cursor_format_id): nothing to encode. */
    put_pager(a, m, "More of the queue",
              q->older != NULL ? arena_printf(a, "/moderation?before=%s", q->older) : NULL,
              "Older comments",
              q->newer != NULL ? arena_printf(a, "/moderation?after=%s", q->newer) : NULL,
              "Newer comments", false);
    return m;
}

struct tval *view_moderation_comment(struct req *req, const struct comment *c,
                                     const struct story *s, const struct moderation_form *form)
{
    struct arena *a = req->arena;
    const char *here = arena_printf(a, "/moderation/comments/%lld", (long long)c->id);
    struct tval *m = mod_page(req, "nav_comment", here);
    put_comment(a, m, c, s->title);
    tval_put_bool(a, m, "is_deleted", c->status == COMMENT_DELETED);
    tval_put_bool(a, m, "is_visible", c->status == COMMENT_VISIBLE);
    tval_put_str(a, m, "permalink",
                 arena_printf(a, "/stories/%s/comments/%lld", s->slug, (long long)c->id));
    tval_put_bool(a, m, "story_open", s->comments_open);
    tval_put_str(a, m, "story_toggle_url",
                 arena_printf(a, "/stories/%s/%s", s->slug, s->comments_open ? "close" : "open"));
    if (form != NULL) {
        tval_put_str(a, m, "note", arena_strndup(a, form->note.ptr, form->note.len));
        if (form->error != NULL) {
            struct tval *fm = tval_map(a);
            tval_put_str(a, fm, "error", form->error);
            if (form->error_field != NULL) {
                /* The note field of the Reject form is the one a message can name. */
                tval_put_str(a, fm, "error_field", arena_printf(a, "note-%lld", (long long)c->id));
                tval_put_bool(a, m, "note_invalid", true);
            }
            tval_put(a, m, "form", fm);
        }
    }
    return m;
}

/* Where an audit entry's target can be looked at: a comment's moderation page;
 * NULL for anything else (accounts have no page yet). */
static const char *target_url(struct arena *a, const char *target)
{
    if (strncmp(target, "comment:", 8) == 0)
        return arena_printf(a, "/moderation/comments/%s", target + 8);
    return NULL;
}

struct tval *view_moderation_audit(struct req *req, const struct store_audit *es, size_t n,
                                   const char *older, bool first_page)
{
    struct arena *a = req->arena;
    struct tval *m = mod_page(req, "nav_audit", "/moderation/audit");
    struct tval *list = tval_list(a);
    for (size_t i = 0; i < n; i++) {
        struct tval *e = tval_map(a);
        tval_put_int(a, e, "id", es[i].id);
        view_put_times(a, e, es[i].at);
        tval_put_str(a, e, "actor", es[i].actor != NULL ? es[i].actor : "stet");
        tval_put_str(a, e, "action", es[i].action);
        tval_put_str(a, e, "target", es[i].target);
        tval_put_str(a, e, "target_url", target_url(a, es[i].target));
        tval_put_str(a, e, "note", es[i].note);
        tval_push(a, list, e);
    }
    tval_put(a, m, "entries", list);
    tval_put_bool(a, m, "has_entries", n > 0);
    put_pager(a, m, "More of the audit log", first_page ? NULL : "/moderation/audit",
              "Newest entries",
              older != NULL ? arena_printf(a, "/moderation/audit?cursor=%s", older) : NULL,
              "Older entries", true);
    return m;
}

struct tval *view_moderation_denied(struct req *req, const char *message, const char *back)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    tval_put_str(a, m, "message", message);
    if (req->user == NULL)
        tval_put_str(a, m, "login_url", view_with_next(a, "/login", back));
    return m;
}

/* The suspend form's choices: the value posted and what the moderator reads. */
static const struct {
    const char *value;
    const char *label;
} durations[] = {
    {"1d", "1 day"},
    {"7d", "7 days"},
    {"30d", "30 days"},
    {"ban", "Ban (no end)"},
};

/* A <select>'s options from `values` and `labels`, `chosen` selected (the first
 * when it matches none). */
static struct tval *options(struct arena *a, const char *const *values, const char *const *labels,
                            size_t n, struct str chosen)
{
    struct tval *list = tval_list(a);
    for (size_t i = 0; i < n; i++) {
        struct tval *o = tval_map(a);
        tval_put_str(a, o, "value", values[i]);
        tval_put_str(a, o, "label", labels[i]);
        tval_put_bool(a, o, "selected", str_eq_cstr(chosen, values[i]));
        tval_push(a, list, o);
    }
    return list;
}

/* True when `actor` may suspend `target` (suspensions.c's rule, so that no form is
 * shown that can only be refused): never an admin or oneself, a moderator only by
 * an admin. */
static bool may_suspend(const struct user *actor, const struct user *target)
{
    return actor != NULL && target->id != actor->id && target->role < actor->role;
}

/* True when usernames `a` and `b` name one account (their keys meet). */
static bool same_account(const char *a, const char *b)
{
    char ka[IDENT_KEY_MAX + 1], kb[IDENT_KEY_MAX + 1];
    size_t n = ident_key(str_from(a), ka);
    return n > 0 && n == ident_key(str_from(b), kb) && memcmp(ka, kb, n) == 0;
}

/* The keys of one account: who, since when, whether suspended and why, and the
 * forms the viewer may use on it, with what `form` re-shows when it is about it. */
static struct tval *account_view(struct req *req, const struct store_account *acct,
                                 const struct users_form *form)
{
    static const char *const roles[] = {"reader", "moderator", "admin"};
    const char *duration_values[sizeof(durations) / sizeof(durations[0])];
    const char *duration_labels[sizeof(durations) / sizeof(durations[0])];
    struct arena *a = req->arena;
    const struct user *u = &acct->user;
    struct tval *m = tval_map(a);
    bool mine = form != NULL && same_account(form->username, u->username);
    tval_put_int(a, m, "uid", u->id);
    tval_put_str(a, m, "username", u->username);
    tval_put_str(a, m, "display_name", u->display_name);
    tval_put_str(a, m, "role", role_name(u->role));
    view_put_times(a, m, u->created_at);
    tval_put_bool(a, m, "is_suspended", u->suspended_until != 0);
    tval_put_bool(a, m, "is_banned", u->suspended_until == USER_BANNED);
    if (u->suspended_until != 0 && u->suspended_until != USER_BANNED) {
        struct tval *until = tval_map(a);
        view_put_times(a, until, u->suspended_until);
        tval_put(a, m, "until", until);
    }
    tval_put_str(a, m, "suspension_reason", acct->suspension_reason);
    tval_put_bool(a, m, "may_suspend", may_suspend(req->user, u));
    for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
        duration_values[i] = durations[i].value;
        duration_labels[i] = durations[i].label;
    }
    tval_put(a, m, "durations",
             options(a, duration_values, duration_labels, sizeof(durations) / sizeof(durations[0]),
                     mine ? form->duration : STR_NULL));
    bool may_role = req->user != NULL && req->user->role == ROLE_ADMIN && req->user->id != u->id;
    tval_put_bool(a, m, "may_change_role", may_role);
    if (may_role)
        tval_put(a, m, "roles",
                 options(a, roles, roles, 3,
                         mine && form->role.len > 0 ? form->role : str_from(role_name(u->role))));
    if (mine) {
        tval_put_str(a, m, "reason", arena_strndup(a, form->reason.ptr, form->reason.len));
        if (form->error_field != NULL && strncmp(form->error_field, "reason-", 7) == 0)
            tval_put_bool(a, m, "reason_invalid", true);
    }
    return m;
}

struct tval *view_moderation_users(struct req *req, const struct desk_users *u, struct str q,
                                   const char *here, bool first_page, const struct users_form *form)
{
    struct arena *a = req->arena;
    struct tval *m = mod_page(req, "nav_users", here);
    struct tval *list = tval_list(a);
    for (size_t i = 0; i < u->n; i++)
        tval_push(a, list, account_view(req, &u->users[i], form));
    tval_put(a, m, "users", list);
    tval_put_bool(a, m, "has_users", u->n > 0);
    tval_put_str(a, m, "q", arena_strndup(a, q.ptr, q.len));
    if (form != NULL && form->error != NULL) {
        struct tval *fm = tval_map(a);
        tval_put_str(a, fm, "error", form->error);
        tval_put_str(a, fm, "error_field", form->error_field);
        tval_put(a, m, "form", fm);
    }
    const char *search =
        q.len > 0 ? arena_printf(a, "q=%s", url_encode_dup(a, arena_strndup(a, q.ptr, q.len))) : "";
    /* Cursors are digits (cursor_format_id): nothing to encode. */
    put_pager(a, m, "More accounts",
              first_page ? NULL
                         : arena_printf(a, "/moderation/users%s%s", *search ? "?" : "", search),
              "Newest accounts",
              u->older != NULL ? arena_printf(a, "/moderation/users?%s%scursor=%s", search,
                                              *search ? "&" : "", u->older)
                               : NULL,
              "Older accounts", true);
    return m;
}
