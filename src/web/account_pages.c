/* Registration, login and logout forms. A successful form sets the session cookie
 * and redirects to the page the reader came from. */
#include "domain/sessions.h"
#include "domain/users.h"
#include "http/cookie.h"
#include "web/flash.h"
#include "web/handlers.h"
#include "web/respond.h"
#include "web/views.h"
#include "web/web.h"

static struct str query_next(struct req *req)
{
    struct str next = STR_NULL;
    req_query(req, "next", &next);
    return next;
}

/* Starts a session for `u`, sets its cookie and redirects to `next`. */
static int log_in(struct req *req, const struct user *u, struct str next)
{
    /* The request goes on as this reader: a copy that lives as long as it. */
    struct user *self = ARENA_NEW(req->arena, struct user);
    *self = *u;
    int rc = web_log_in(req, self);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_redirect(req, view_safe_next(req->arena, next));
}

/* A form page's title; a re-shown form says in the title that something is wrong,
 * the first thing a screen reader announces. */
static const char *error_title(struct req *req, const char *title)
{
    return arena_printf(req->arena, "Error: %s", title);
}

int page_register_show(struct req *req)
{
    struct tval *v = view_register(req, STR_NULL, STR_NULL, query_next(req), NULL);
    return respond_page(req, 200, "register.html", "Register", v);
}

int page_register_post(struct req *req)
{
    struct str username = str_trim(req_form(req, "username"));
    struct str email = str_trim(req_form(req, "email"));
    struct str next = req_form(req, "next");
    struct field_errors problems;
    struct user u;
    struct dctx ctx = req_dctx(req);
    int rc = user_register(&ctx, username, email, req_form(req, "password"), &problems, &u);
    if (rc == STET_EINVAL || rc == STET_ECONFLICT) {
        struct tval *v = view_register(req, username, email, next, &problems);
        return respond_page(req, respond_status(rc), "register.html", error_title(req, "Register"),
                            v);
    }
    if (rc != 0)
        return respond_error(req, rc);
    flash_set(req, FLASH_REGISTERED);
    return log_in(req, &u, next);
}

int page_login_show(struct req *req)
{
    struct tval *v = view_login(req, STR_NULL, query_next(req), NULL, NULL);
    return respond_page(req, 200, "login.html", "Log in", v);
}

int page_login_post(struct req *req)
{
    struct str login = str_trim(req_form(req, "login"));
    struct str next = req_form(req, "next");
    struct field_errors problems;
    struct user u;
    struct dctx ctx = req_dctx(req);
    int rc = user_login_form(&ctx, login, req_form(req, "password"), &problems, &u);
    if (rc == STET_EINVAL) {
        struct tval *v = view_login(req, login, next, &problems, NULL);
        return respond_page(req, respond_status(rc), "login.html", error_title(req, "Log in"), v);
    }
    if (rc == STET_EUNAUTH) {
        struct tval *v = view_login(req, login, next, NULL, web_state(req)->err.message);
        return respond_page(req, 401, "login.html", error_title(req, "Log in"), v);
    }
    if (rc != 0)
        return respond_error(req, rc);
    return log_in(req, &u, next);
}

int page_logout_post(struct req *req)
{
    struct dctx ctx = req_dctx(req);
    int rc = session_end(&ctx, web_state(req)->session_token);
    if (rc != 0)
        return respond_error(req, rc);
    resp_add_header(req, "Set-Cookie",
                    cookie_build(req->arena, WEB_SESSION_COOKIE, "", 0, req->app->cfg.base_https));
    req_csrf_rotate(req);
    return respond_redirect(req, "/");
}
