/* The moderators' web pages: the queue, one comment with its decisions, the audit
 * log, opening or closing a story, and the users page (suspend, ban, lift, role).
 * Plain forms with the CSRF field; a change that went through answers 303 to the
 * page it came from with a one-shot notice; one that did not shows its page again
 * with the reason and what was typed. Who may do what is the domain's to say:
 * everyone else gets a 403 page and nothing changes. */
#include "domain/comment_edit.h"
#include "domain/desk.h"
#include "domain/moderation.h"
#include "domain/suspensions.h"
#include "web/flash.h"
#include "web/handlers.h"
#include "web/respond.h"
#include "web/views.h"
#include "web/web.h"

#include <string.h>

#define MOD_QUEUE_PAGE 25 /* comments on one page of the queue */
#define MOD_AUDIT_PAGE 50 /* entries on one page of the audit log */

/* This request's address with its query, where a login should lead back. */
static const char *here(struct req *req)
{
    if (req->query.len == 0)
        return view_safe_next(req->arena, req->path);
    return view_safe_next(
        req->arena, str_from(arena_printf(req->arena, "%.*s?%.*s", (int)req->path.len,
                                          req->path.ptr, (int)req->query.len, req->query.ptr)));
}

/* A moderator's page refused to this reader (EUNAUTH, EFORBIDDEN): 403 with the
 * domain's reason, and a way to log in for a visitor who is not. Any other error
 * goes to respond_error unchanged. `back`: where a login leads. */
static int deny(struct req *req, int rc, const char *back)
{
    if (rc != STET_EUNAUTH && rc != STET_EFORBIDDEN)
        return respond_error(req, rc);
    const char *message = web_state(req)->err.message;
    if (message == NULL)
        message = "Only a moderator can do that.";
    return respond_page(req, 403, "moderation_denied.html", "Moderators only",
                        view_moderation_denied(req, message, back));
}

/* Where a moderator's form goes back to: its `next` when that is a local path,
 * else the queue. */
static const char *form_next(struct req *req)
{
    struct str next = req_form(req, "next");
    const char *safe = view_safe_next(req->arena, next);
    return str_eq_cstr(next, "/") || strcmp(safe, "/") != 0 ? safe : "/moderation";
}

int page_moderation_queue(struct req *req)
{
    struct str after = STR_NULL, before = STR_NULL;
    struct desk_queue q;
    req_query(req, "after", &after);
    req_query(req, "before", &before);
    struct dctx ctx = req_dctx(req);
    int rc = desk_queue_load(&ctx, req_viewer(req), after, before, MOD_QUEUE_PAGE, &q);
    if (rc != 0)
        return deny(req, rc, here(req));
    return respond_page(req, 200, "moderation_queue.html", "Moderation queue",
                        view_moderation_queue(req, &q, here(req)));
}

/* The comment's page, re-showing `form` (NULL: as it is) under `status`. */
static int show_comment(struct req *req, int status, int64_t id, const struct moderation_form *form)
{
    struct comment c;
    struct story s;
    struct dctx ctx = req_dctx(req);
    int rc = desk_comment_load(&ctx, req_viewer(req), id, &c, &s);
    if (rc != 0)
        return deny(req, rc, arena_printf(req->arena, "/moderation/comments/%lld", (long long)id));
    const char *title = arena_printf(req->arena, "%sComment by %s", form != NULL ? "Error: " : "",
                                     view_comment_author(&c));
    return respond_page(req, status, "moderation_comment.html", title,
                        view_moderation_comment(req, &c, &s, form));
}

int page_moderation_comment(struct req *req)
{
    int64_t id;
    int rc = req_path_id(req, "id", &id);
    if (rc != 0)
        return respond_error(req, rc);
    return show_comment(req, 200, id, NULL);
}

enum decision { DECIDE_APPROVE, DECIDE_REJECT, DECIDE_DELETE };

/* A decision the domain refused: a reader's is denied, an unknown comment is a 404,
 * and anything else (a note too long, a database error) shows the comment's page
 * again with why and what was typed. */
static int refuse(struct req *req, int rc, int64_t id, struct str note)
{
    switch (rc) {
    case STET_EUNAUTH:
    case STET_EFORBIDDEN:
        return deny(req, rc, "/moderation");
    case STET_ENOTFOUND:
    case STET_EBADREQ:
    case STET_EAGAIN:
        return respond_error(req, rc);
    default:
        break;
    }
    const struct err_detail *err = &web_state(req)->err;
    struct moderation_form form = {.note = note};
    if (rc == STET_EINVAL || rc == STET_ERATE || rc == STET_ECONFLICT)
        form.error = err->message;
    if (form.error == NULL)
        form.error = rc == STET_EUNAVAIL ? "The database cannot be reached right now, so nothing "
                                           "was changed. Please try again shortly."
                                         : "Something went wrong on our side, so nothing was "
                                           "changed. Please try again.";
    form.error_field = rc == STET_EINVAL ? err->field : NULL;
    int status = respond_status(rc);
    if (rc == STET_ERATE)
        resp_add_header(
            req, "Retry-After",
            arena_printf(req->arena, "%d", err->retry_after > 0 ? err->retry_after : 60));
    return show_comment(req, status, id, &form);
}

static int decide(struct req *req, enum decision d)
{
    static const enum flash done[] = {FLASH_MOD_APPROVED, FLASH_MOD_REJECTED, FLASH_MOD_DELETED};
    struct str note = req_form(req, "note");
    struct comment c;
    int64_t id;
    int rc = req_path_id(req, "id", &id);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    /* Deleting is open to authors too (comment_delete): on this page it is a
     * moderator's act, so a reader is turned away here, before anything changes. */
    rc = moderation_check(&ctx, req_viewer(req));
    if (rc == 0) {
        switch (d) {
        case DECIDE_APPROVE:
            rc = comment_approve(&ctx, req_viewer(req), id, note, &c);
            break;
        case DECIDE_REJECT:
            rc = comment_reject(&ctx, req_viewer(req), id, note, &c);
            break;
        case DECIDE_DELETE:
            rc = comment_delete(&ctx, req_viewer(req), id);
            break;
        }
    }
    if (rc != 0)
        return refuse(req, rc, id, note);
    flash_set(req, done[d]);
    return respond_redirect(req, form_next(req));
}

int page_moderation_approve(struct req *req)
{
    return decide(req, DECIDE_APPROVE);
}

int page_moderation_reject(struct req *req)
{
    return decide(req, DECIDE_REJECT);
}

int page_moderation_delete(struct req *req)
{
    return decide(req, DECIDE_DELETE);
}

int page_moderation_audit(struct req *req)
{
    struct str cursor = STR_NULL;
    struct store_audit *es;
    size_t n;
    const char *older;
    req_query(req, "cursor", &cursor);
    struct dctx ctx = req_dctx(req);
    int rc = audit_page(&ctx, req_viewer(req), MOD_AUDIT_PAGE, cursor, &es, &n, &older);
    if (rc != 0)
        return deny(req, rc, here(req));
    return respond_page(req, 200, "moderation_audit.html", "Audit log",
                        view_moderation_audit(req, es, n, older, cursor.len == 0));
}

/* Opening or closing a story's comments; back to `next` or the story. */
static int set_open(struct req *req, bool open)
{
    struct str slug;
    int rc = req_path_param(req, "slug", &slug);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    rc = desk_story_set_open(&ctx, req_viewer(req), slug, open);
    if (rc != 0)
        return deny(req, rc, "/moderation");
    flash_set(req, open ? FLASH_STORY_OPENED : FLASH_STORY_CLOSED);
    struct str next = req_form(req, "next");
    return respond_redirect(
        req, next.len > 0 ? view_safe_next(req->arena, next)
                          : arena_printf(req->arena, "/stories/%.*s", (int)slug.len, slug.ptr));
}

int page_story_open(struct req *req)
{
    return set_open(req, true);
}

int page_story_close(struct req *req)
{
    return set_open(req, false);
}

/* ---- the users page ---- */

#define MOD_USERS_PAGE 50 /* accounts on one page of the users page */

/* Where an account form goes back to: its `next` when that is a local path, else
 * the users page. */
static const char *users_next(struct req *req)
{
    const char *safe = view_safe_next(req->arena, req_form(req, "next"));
    return strcmp(safe, "/") != 0 ? safe : "/moderation/users";
}

/* The users page for search `q` after `cursor`, re-showing `form` (NULL: none)
 * under `status`. */
static int show_users(struct req *req, int status, struct str q, struct str cursor,
                      const struct users_form *form)
{
    struct desk_users u;
    struct dctx ctx = req_dctx(req);
    int rc = desk_users_page(&ctx, req_viewer(req), q, cursor, MOD_USERS_PAGE, &u);
    if (rc != 0)
        return deny(req, rc, here(req));
    const char *back = form != NULL ? users_next(req) : here(req);
    return respond_page(req, status, "moderation_users.html",
                        form != NULL ? "Error: Users" : "Users",
                        view_moderation_users(req, &u, str_trim(q), back, cursor.len == 0, form));
}

int page_moderation_users(struct req *req)
{
    struct str q = STR_NULL, cursor = STR_NULL;
    req_query(req, "q", &q);
    req_query(req, "cursor", &cursor);
    return show_users(req, 200, q, cursor, NULL);
}

/* A change to an account the domain refused, after the actor passed as a
 * moderator: an unknown account is a 404; anything else (a moderator acting on an
 * admin, a reason missing, a database error) shows the account on the users page
 * again with why, what was typed, and the status. */
static int refuse_account(struct req *req, int rc, struct users_form *form)
{
    switch (rc) {
    case STET_EUNAUTH:
        return deny(req, rc, "/moderation/users");
    case STET_ENOTFOUND:
    case STET_EBADREQ:
    case STET_EAGAIN:
        return respond_error(req, rc);
    default:
        break;
    }
    const struct err_detail *err = &web_state(req)->err;
    if (rc == STET_EINVAL || rc == STET_EFORBIDDEN || rc == STET_ERATE || rc == STET_ECONFLICT)
        form->error = err->message;
    if (form->error == NULL)
        form->error = rc == STET_EUNAVAIL ? "The database cannot be reached right now, so nothing "
                                            "was changed. Please try again shortly."
                                          : "Something went wrong on our side, so nothing was "
                                            "changed. Please try again.";
    if (rc == STET_EINVAL && err->field != NULL)
        /* The suspension's end is the duration chosen. */
        form->error_field = arena_printf(req->arena, "%s-%s",
                                         strcmp(err->field, "until") == 0 ? "duration" : err->field,
                                         form->username);
    if (rc == STET_ERATE)
        resp_add_header(
            req, "Retry-After",
            arena_printf(req->arena, "%d", err->retry_after > 0 ? err->retry_after : 60));
    return show_users(req, respond_status(rc), str_from(form->username), STR_NULL, form);
}

/* The form's account and what was typed; EUNAUTH / EFORBIDDEN when the actor is no
 * moderator, so that nothing else is read or done. */
static int account_form(struct req *req, struct users_form *form, struct str *name)
{
    int rc = req_path_param(req, "name", name);
    if (rc != 0)
        return rc;
    *form = (struct users_form){
        .username = arena_strndup(req->arena, name->ptr, name->len),
        .duration = req_form(req, "duration"),
        .reason = req_form(req, "reason"),
        .role = req_form(req, "role"),
    };
    struct dctx ctx = req_dctx(req);
    return moderation_check(&ctx, req_viewer(req));
}

/* The end of a suspension chosen in the form (0: a ban); EINVAL (field "duration")
 * for a choice the form does not offer. */
static int suspension_end(const struct dctx *ctx, struct str duration, int64_t *until)
{
    static const struct {
        const char *value;
        int64_t seconds; /* 0: a ban */
    } ends[] = {{"1d", 86400}, {"7d", 7 * 86400}, {"30d", 30 * 86400}, {"ban", 0}};
    for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
        if (str_eq_cstr(duration, ends[i].value)) {
            *until = ends[i].seconds > 0 ? ctx->now + ends[i].seconds : 0;
            return 0;
        }
    }
    return err_set(ctx->err, STET_EINVAL, "duration", "Choose how long the suspension lasts.");
}

int page_moderation_user_suspend(struct req *req)
{
    struct users_form form;
    struct str name;
    int64_t until = 0;
    int rc = account_form(req, &form, &name);
    if (rc != 0)
        return deny(req, rc, "/moderation/users");
    struct dctx ctx = req_dctx(req);
    rc = suspension_end(&ctx, form.duration, &until);
    if (rc == 0)
        rc = user_suspend(&ctx, req_viewer(req), name, until, form.reason);
    if (rc != 0)
        return refuse_account(req, rc, &form);
    flash_set(req, until == 0 ? FLASH_USER_BANNED : FLASH_USER_SUSPENDED);
    return respond_redirect(req, users_next(req));
}

int page_moderation_user_unsuspend(struct req *req)
{
    struct users_form form;
    struct str name;
    int rc = account_form(req, &form, &name);
    if (rc != 0)
        return deny(req, rc, "/moderation/users");
    struct dctx ctx = req_dctx(req);
    rc = user_unsuspend(&ctx, req_viewer(req), name);
    if (rc != 0)
        return refuse_account(req, rc, &form);
    flash_set(req, FLASH_USER_UNSUSPENDED);
    return respond_redirect(req, users_next(req));
}

int page_moderation_user_role(struct req *req)
{
    struct users_form form;
    struct str name;
    struct user u;
    int rc = account_form(req, &form, &name);
    if (rc != 0)
        return deny(req, rc, "/moderation/users");
    struct dctx ctx = req_dctx(req);
    rc = user_change_role_by(&ctx, req_viewer(req), name, form.role, &u);
    if (rc != 0)
        return refuse_account(req, rc, &form);
    flash_set(req, FLASH_USER_ROLE);
    return respond_redirect(req, users_next(req));
}
