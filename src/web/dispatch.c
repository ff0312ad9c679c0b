/* From a complete request to a response: route, parse the declared form fields,
 * check CSRF, find the reader's session, run the handler, add the headers every
 * response carries, and give the store connection back. */
#include "base/fmt.h"
#include "base/log.h"
#include "domain/password.h"
#include "domain/sessions.h"
#include "http/cookie.h"
#include "http/form.h"
#include "http/limits.h"
#include "web/metrics.h"
#include "web/respond.h"
#include "web/web.h"

#include <assert.h>
#include <string.h>

struct store *req_store(struct req *req)
{
    /* On an I/O thread, the store that answers only from memory (STET_EAGAIN
     * otherwise), so the thread never waits for a connection or the database. */
    return store_pool_store(req->app->pool, !req->may_block);
}

struct dctx req_dctx(struct req *req)
{
    struct dctx ctx = app_dctx(req->app, req->arena, req_store(req), &web_state(req)->err);
    ctx.client = req_client(req);
    (void)req_header(req, "User-Agent", &ctx.user_agent);
    (void)req_header(req, "Referer", &ctx.referrer);
    ctx.request_id = req->id;
    return ctx;
}

struct err_detail *req_err(struct req *req)
{
    return &web_state(req)->err;
}

struct str req_session_token(struct req *req)
{
    return web_state(req)->session_token;
}

int req_path_param(struct req *req, const char *name, struct str *out)
{
    return kvs_get(&req->params, name, false, out) ? 0 : STET_ENOTFOUND;
}

int req_path_id(struct req *req, const char *name, int64_t *id)
{
    struct str s;
    int64_t v;
    int rc = req_path_param(req, name, &s);
    if (rc != 0)
        return rc;
    if (str_to_i64(s, 1, INT64_MAX, &v) != 0)
        return STET_ENOTFOUND;
    *id = v;
    return 0;
}

struct str req_form(struct req *req, const char *name)
{
    struct str v = STR_NULL;
    if (!kvs_get(&web_state(req)->form, name, false, &v))
        return (struct str){"", 0};
    return v;
}

bool req_query(struct req *req, const char *name, struct str *out)
{
    return kvs_get(&web_state(req)->query, name, false, out);
}

static bool request_cookie(struct req *req, const char *name, struct str *out)
{
    struct str header;
    return req_header(req, "Cookie", &header) && cookie_get(header, name, out) && out->len > 0;
}

void req_csrf_rotate(struct req *req)
{
    struct web_state *ws = web_state(req);
    char *t = arena_alloc(req->arena, TOKEN_LEN + 1);
    token_new(t);
    ws->csrf = t;
    ws->csrf_is_new = true;
}

int web_log_in(struct req *req, struct user *u)
{
    struct web_state *ws = web_state(req);
    struct dctx ctx = req_dctx(req);
    char token[TOKEN_LEN + 1];
    int rc = session_start(&ctx, u->id, token);
    if (rc != 0)
        return rc;
    bool https = req->app->cfg.base_https;
    resp_add_header(req, "Set-Cookie",
                    cookie_build(req->arena, WEB_SESSION_COOKIE, token, SESSION_TTL_S, https));
    /* The session token rides in Set-Cookie: no cache may keep this response. */
    resp_add_header(req, "Cache-Control", "no-store");
    /* An anonymous token seen before is worth nothing after a login; a form this
     * response shows carries the new session's own token, which req_csrf derives
     * once the session is set. */
    char anon[TOKEN_LEN + 1];
    token_new(anon);
    resp_add_header(req, "Set-Cookie", cookie_build(req->arena, WEB_CSRF_COOKIE, anon, -1, https));
    ws->csrf = NULL;
    ws->csrf_is_new = false;
    ws->session_token = (struct str){arena_strndup(req->arena, token, TOKEN_LEN), TOKEN_LEN};
    secret_wipe(token, sizeof(token));
    req->user = u;
    return 0;
}

/* A logged-in reader's token derives from the session (session_csrf_token): nothing
 * a third party can plant. An anonymous reader's (the login and registration forms)
 * is the double-submitted cookie, rotated at every login and logout. */
const char *req_csrf(struct req *req)
{
    struct web_state *ws = web_state(req);
    if (ws->csrf == NULL && req->user != NULL && ws->session_token.len > 0) {
        char *t = arena_alloc(req->arena, TOKEN_LEN + 1);
        session_csrf_token(ws->session_token, t);
        ws->csrf = t;
    }
    if (ws->csrf == NULL) {
        struct str c;
        if (request_cookie(req, WEB_CSRF_COOKIE, &c) && token_is_wellformed(c)) {
            ws->csrf = arena_strndup(req->arena, c.ptr, c.len);
        } else {
            req_csrf_rotate(req);
        }
    }
    return ws->csrf;
}

/* Keeps only the fields the route declared, so a handler never sees others. */
static int parse_form(struct req *req, const struct route *r)
{
    struct kvs all;
    struct str ct;
    if (req_header(req, "Content-Type", &ct) &&
        !str_starts_with(ct, "application/x-www-form-urlencoded"))
        return STET_EBADREQ;
    int rc = form_parse(req->arena, req->body, &all);
    if (rc != 0)
        return rc;
    struct kvs *out = &web_state(req)->form;
    out->items = ARENA_NEW_ARRAY(req->arena, struct kv, all.n + 1);
    out->n = 0;
    for (size_t i = 0; i < all.n; i++)
        for (const char *const *f = r->fields; f != NULL && *f != NULL; f++)
            if (str_eq_cstr(all.items[i].name, *f)) {
                out->items[out->n++] = all.items[i];
                break;
            }
    return 0;
}

/* The origin ("scheme://host[:port]") a URL starts with. */
static struct str url_origin(struct str url)
{
    const char *sep = url.len > 3 ? memmem(url.ptr, url.len, "://", 3) : NULL;
    if (sep == NULL)
        return STR_NULL;
    const char *auth = sep + 3, *end = url.ptr + url.len;
    const char *slash = memchr(auth, '/', (size_t)(end - auth));
    return (struct str){url.ptr, (size_t)((slash != NULL ? slash : end) - url.ptr)};
}

/* True when the browser says the form came from another site (RFC 6454; every
 * current browser sends Origin with a form POST): an Origin that is neither the
 * site's own (base_url, what readers behind a proxy see) nor the host this request
 * was sent to (a site reached by another name, e.g. localhost), or the opaque
 * "null". Without an Origin header the token alone decides. */
static bool cross_origin(struct req *req)
{
    struct str origin, host;
    if (!req_header(req, "Origin", &origin))
        return false;
    origin = str_trim(origin);
    if (url_origin(origin).len != origin.len || origin.len == 0)
        return true; /* "null", or not an origin at all */
    if (str_eq_nocase(origin, url_origin(str_from(req->app->cfg.base_url))))
        return false;
    const char *auth = (const char *)memmem(origin.ptr, origin.len, "://", 3) + 3;
    struct str authority = {auth, origin.len - (size_t)(auth - origin.ptr)};
    return !req_header(req, "Host", &host) || !str_eq_nocase(authority, str_trim(host));
}

static bool csrf_ok(struct req *req)
{
    struct str sent = req_form(req, "csrf");
    if (cross_origin(req))
        return false;
    if (req->user != NULL)
        return secret_equal(str_from(req_csrf(req)), sent);
    struct str cookie;
    return request_cookie(req, WEB_CSRF_COOKIE, &cookie) && secret_equal(cookie, sent);
}

/* Finds the reader: Bearer token for the API, session cookie for pages. An invalid
 * token leaves the request anonymous; the handler decides whether that matters. */
static int authenticate(struct req *req, const struct route *r)
{
    struct web_state *ws = web_state(req);
    struct str token = STR_NULL, auth;
    if (r->flags & ROUTE_API) {
        if (req_header(req, "Authorization", &auth) && auth.len > 7 &&
            strncasecmp(auth.ptr, "Bearer ", 7) == 0)
            token = str_trim((struct str){auth.ptr + 7, auth.len - 7});
    } else {
        request_cookie(req, WEB_SESSION_COOKIE, &token);
    }
    if (token.len == 0)
        return 0;
    ws->session_token = token;
    struct user *u = ARENA_NEW(req->arena, struct user);
    struct dctx ctx = req_dctx(req);
    int rc = session_resolve(&ctx, token, u);
    if (rc == 0)
        req->user = u;
    return rc == STET_EUNAUTH ? 0 : rc;
}

static void add_common_headers(struct req *req)
{
    struct web_state *ws = web_state(req);
    /* A prepared response (a cached page) carries its headers already. */
    if (req->resp.prepared != NULL)
        return;
    bool html =
        req->resp.content_type != NULL && strncmp(req->resp.content_type, "text/html", 9) == 0;
    /* nosniff on everything; the page policy on HTML. */
    size_t n = html ? RESPOND_N_HTML_HEADERS : 1;
    for (size_t i = 0; i < n; i++)
        resp_add_header(req, respond_html_headers[i].name.ptr, respond_html_headers[i].value.ptr);
    if (html && !resp_has_header(req, "Cache-Control"))
        resp_add_header(req, "Cache-Control", "private, no-cache");
    if (ws->csrf_is_new)
        resp_add_header(
            req, "Set-Cookie",
            cookie_build(req->arena, WEB_CSRF_COOKIE, ws->csrf, -1, req->app->cfg.base_https));
}

static int route_and_run(struct req *req)
{
    struct web_state *ws = web_state(req);
    const struct route *r;
    unsigned allowed;

    if (req->fail != 0) {
        ws->err.message = req->fail_message;
        return respond_error(req, req->fail);
    }
    /* Decoded once, before any handler: a malformed query is the client's error
     * (400), not a parameter that silently goes missing. */
    if (req->query.len > 0 && form_parse(req->arena, req->query, &ws->query) != 0) {
        ws->err.message = "The query string is malformed (a bad %-escape, invalid UTF-8 or too "
                          "many parameters).";
        return respond_error(req, STET_EBADREQ);
    }
    int rc = router_match(req->arena, req->app->routes, req->app->n_routes, req->method, req->path,
                          &r, &req->params, &allowed);
    if (rc == STET_EMETHOD) {
        static const struct {
            unsigned bit;
            const char *name;
        } names[] = {{HTTP_GET, "GET, HEAD"},
                     {HTTP_POST, "POST"},
                     {HTTP_PUT, "PUT"},
                     {HTTP_PATCH, "PATCH"},
                     {HTTP_DELETE, "DELETE"}};
        const char *allow = "";
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (allowed & names[i].bit)
                allow =
                    arena_printf(req->arena, "%s%s%s", allow, allow[0] ? ", " : "", names[i].name);
        resp_add_header(req, "Allow", allow);
    }
    if (rc != 0)
        return respond_error(req, rc);
    ws->route = r;
    if (r->flags & ROUTE_FORM) {
        rc = parse_form(req, r);
        if (rc != 0)
            return respond_error(req, rc);
    }
    if (!(r->flags & ROUTE_NOAUTH)) {
        rc = authenticate(req, r);
        /* The database is down: a form whose text must not be lost still reaches its
         * handler, which shows the text again and does nothing else. */
        if ((rc == STET_EUNAVAIL || rc == STET_EIO) && (r->flags & ROUTE_CSRF_RESHOW)) {
            ws->auth_failed = rc;
            return r->handler(req);
        }
        if (rc != 0)
            return respond_error(req, rc);
    }
    if ((r->flags & ROUTE_CSRF) && !csrf_ok(req)) {
        /* Never for another site's form: it must not get a filled-in form shown to
         * the reader, who might then send it. */
        if ((r->flags & ROUTE_CSRF_RESHOW) && !cross_origin(req)) {
            ws->csrf_stale = true;
            return r->handler(req);
        }
        ws->err.message = "This form has expired or was not sent from this site. Please go "
                          "back, reload the page and try again.";
        return respond_error(req, STET_EFORBIDDEN);
    }
    return r->handler(req);
}

void web_dispatch(struct req *req)
{
    struct web_state *ws = ARENA_NEW(req->arena, struct web_state);
    req->web = ws;
    (void)route_and_run(req);
    if (req->rerun_on_worker) {
        /* Asked for by an I/O thread only: the workers' store never says EAGAIN. */
        assert(!req->may_block);
        return;
    }
    if (req->resp.status == 0)
        (void)respond_error(req, STET_EIO);
    add_common_headers(req);
}

size_t web_body_limit(int max_chars)
{
    size_t need = (size_t)(max_chars > 0 ? max_chars : 0) * 12 + 8 * 1024;
    return need > HTTP_MAX_BODY ? need : HTTP_MAX_BODY;
}

void web_done(struct req *req, int status, uint64_t bytes, int64_t duration_us)
{
    struct web_state *ws = web_state(req);
    /* The pattern, never the raw path: series stay bounded whatever clients ask. */
    if (req->app != NULL)
        metrics_record(req->app->metrics, ws != NULL ? ws->route : NULL, status, bytes,
                       duration_us);
    /* "203.0.113.9 GET /stories/x 200 61396 0.112ms", one per request, built
     * without printf; what the client sent is escaped (fmt_escaped), as it may
     * hold any byte. */
    char line[4 * HTTP_MAX_PATH + 192];
    struct fmt f = FMT_ON(line);
    struct str client = req_client(req);
    fmt_bytes(&f, client.len > 0 ? client.ptr : "-", client.len > 0 ? client.len : 1);
    fmt_char(&f, ' ');
    fmt_escaped(&f, req->method_name.ptr, req->method_name.len);
    fmt_char(&f, ' ');
    fmt_escaped(&f, req->path.ptr, req->path.len);
    fmt_char(&f, ' ');
    fmt_i64(&f, status);
    fmt_char(&f, ' ');
    fmt_u64(&f, bytes);
    fmt_char(&f, ' ');
    fmt_milli(&f, duration_us);
    fmt_cstr(&f, "ms");
    log_access(req->id, line, f.len);
}
