/* Per-request state of the web layer and the helpers handlers use to reach it: the
 * store connection, the declared form fields, the CSRF token and the domain
 * context. Handlers include this and web/respond.h, nothing lower in http/. */
#ifndef STET_WEB_WEB_H
#define STET_WEB_WEB_H

#include "app.h"
#include "domain/context.h"
#include "http/req.h"
#include "web/kit.h"
#include "web/router.h"

#define WEB_SESSION_COOKIE "stet_session"
#define WEB_CSRF_COOKIE    "stet_csrf"

struct web_state {
    const struct route *route;
    struct kvs form;          /* declared fields of a form body */
    struct kvs query;         /* the decoded query string */
    struct str session_token; /* from the cookie or the Bearer header; may be empty */
    const char *csrf;         /* this client's CSRF token, created on demand */
    bool csrf_is_new;         /* the response must set the CSRF cookie */
    bool csrf_stale;          /* ROUTE_CSRF_RESHOW: the token check failed */
    int auth_failed;          /* ROUTE_CSRF_RESHOW: the session could not be read (this) */
    bool flash_taken;         /* flash_take ran: the notice has its place */
    struct err_detail err;    /* detail of the last domain error */
};

static inline struct web_state *web_state(struct req *req)
{
    return (struct web_state *)req->web;
}

/* The store for this request: the pool's, which borrows a connection per operation;
 * on an I/O thread, the one that answers from memory or with STET_EAGAIN. */
struct store *req_store(struct req *req);
/* req_dctx, req_path_param, req_form, req_query and req_viewer: web/kit.h. */
/* The CSRF token to embed in forms: bound to the session for a logged-in reader;
 * for an anonymous one, the CSRF cookie's (set on this response when new). */
const char *req_csrf(struct req *req);
/* A fresh anonymous CSRF token and cookie, at login and logout: a token seen before
 * the session changed is worth nothing after. */
void req_csrf_rotate(struct req *req);
/* Starts a session for `u` (in the request arena) on this response: the session
 * cookie, Cache-Control: no-store, a new anonymous CSRF cookie, and the rest of
 * the request runs as `u`. Store errors as session_start returns them. */
int web_log_in(struct req *req, struct user *u) STET_MUST_CHECK;

/* Builds the web layer's process state into `app` for `stet serve`, before the
 * server starts: request metrics for `routes` (the table dispatch matches; borrowed,
 * it must outlive the app), the page cache, and the live-comment hub, which the
 * domain tells of each commit from then on. STET_EIO when the hub cannot start
 * (logged); call web_cleanup either way. */
int web_init(struct app *app, const struct route *routes, size_t n_routes) STET_MUST_CHECK;
/* Frees what web_init made, after the HTTP server has stopped and before
 * app_cleanup; safe on an app web_init never ran on (or only partly). */
void web_cleanup(struct app *app);

/* The transport's callbacks (web/dispatch.c). */
void web_dispatch(struct req *req);
/* Request body bytes the server must accept for a comment of `max_chars`
 * characters: 12 bytes a character at worst (a 4-byte character percent-encoded in
 * a form, or a surrogate pair of \uXXXX escapes in JSON), plus room for the other
 * fields; never below HTTP_MAX_BODY. */
size_t web_body_limit(int max_chars);
void web_done(struct req *req, int status, uint64_t bytes, int64_t duration_us);

#endif
