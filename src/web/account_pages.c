/* Registration, login and logout forms. A successful form sets the session cookie
 * and redirects to the page the reader came from. */
#include "domain/sessions.h"
#include "domain/users.h"
#include "http/cookie.h"
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
    char token[TOKEN_LEN + 1];
    struct dctx ctx = req_dctx(req);
    int rc = session_start(&ctx, u->id, token);
    if (rc != 0)
        return respond_error(req, rc);
    resp_add_header(req, "Set-Cookie",
                    cookie_build(req->arena, WEB_SESSION_COOKIE, token, SESSION_TTL_S,
                                 req->app->cfg.base_https));
    secret_wipe(token, sizeof(token));
    /* The session token rides in Set-Cookie: no cache may keep this response. */
    resp_add_header(req, "Cache-Control", "no-store");
    req_csrf_rotate(req);
    return respond_redirect(req, view_safe_next(req->arena, next));
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
    struct user u;
    struct dctx ctx = req_dctx(req);
    int rc = user_create(&ctx, username, email, req_form(req, "password"), ROLE_READER, &u);
    if (rc == STET_EINVAL || rc == STET_ECONFLICT) {
        struct tval *v = view_register(req, username, email, next, &web_state(req)->err);
        return respond_page(req, respond_status(rc), "register.html", "Register", v);
    }
    if (rc != 0)
        return respond_error(req, rc);
    return log_in(req, &u, next);
}

int page_login_show(struct req *req)
{
    struct tval *v = view_login(req, STR_NULL, query_next(req), NULL);
    return respond_page(req, 200, "login.html", "Log in", v);
}

int page_login_post(struct req *req)
{
    struct str login = str_trim(req_form(req, "login"));
    struct str next = req_form(req, "next");
    struct user u;
    struct dctx ctx = req_dctx(req);
    int rc = user_login(&ctx, login, req_form(req, "password"), &u);
    if (rc == STET_EUNAUTH) {
        struct tval *v = view_login(req, login, next, web_state(req)->err.message);
        return respond_page(req, 401, "login.html", "Log in", v);
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
