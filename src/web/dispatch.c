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

#include <string.h>

struct store *req_store(struct req *req)
{
    struct web_state *ws = web_state(req);
    if (ws->st == NULL)
        ws->st = store_pool_acquire(req->app->pool);
    return ws->st;
}

struct str req_client(struct req *req)
{
    return req_peer(req);
}

struct dctx req_dctx(struct req *req)
{
    struct dctx ctx = app_dctx(req->app, req->arena, req_store(req), &web_state(req)->err);
    ctx.client = req_client(req);
    return ctx;
}

int req_path_param(struct req *req, const char *name, struct str *out)
{
    return kvs_get(&req->params, name, false, out) ? 0 : STET_ENOTFOUND;
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
    struct kvs q;
    if (form_parse(req->arena, req->query, &q) != 0)
        return false;
    return kvs_get(&q, name, false, out);
}

static bool request_cookie(struct req *req, const char *name, struct str *out)
{
    struct str header;
    return req_header(req, "Cookie", &header) && cookie_get(header, name, out) && out->len > 0;
}

const char *req_csrf(struct req *req)
{
    struct web_state *ws = web_state(req);
    if (ws->csrf == NULL) {
        struct str c;
        if (request_cookie(req, WEB_CSRF_COOKIE, &c) && token_is_wellformed(c)) {
            ws->csrf = arena_strndup(req->arena, c.ptr, c.len);
        } else {
            char *t = arena_alloc(req->arena, TOKEN_LEN + 1);
            token_new(t);
            ws->csrf = t;
            ws->csrf_is_new = true;
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

static bool csrf_ok(struct req *req)
{
    struct str cookie, sent = req_form(req, "csrf");
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

    if (req->fail != 0)
        return respond_error(req, req->fail);
    int rc = router_match(req->arena, web_routes, web_n_routes, req->method, req->path, &r,
                          &req->params, &allowed);
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
        if (rc != 0)
            return respond_error(req, rc);
    }
    if ((r->flags & ROUTE_CSRF) && !csrf_ok(req)) {
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
    if (req->resp.status == 0)
        (void)respond_error(req, STET_EIO);
    add_common_headers(req);
    /* The response is fully built: the connection can serve someone else now. */
    if (ws->st != NULL) {
        store_pool_release(req->app->pool, ws->st);
        ws->st = NULL;
    }
}

void web_done(struct req *req, int status, uint64_t bytes, int64_t duration_us)
{
    struct web_state *ws = web_state(req);
    if (ws != NULL && ws->st != NULL) {
        store_pool_release(req->app->pool, ws->st);
        ws->st = NULL;
    }
    /* The pattern, never the raw path: series stay bounded whatever clients ask. */
    if (req->app != NULL)
        metrics_record(req->app->metrics, ws != NULL ? ws->route : NULL, status, bytes,
                       duration_us);
    /* "GET /stories/x 200 61396 0.112ms", one per request: built without printf. */
    char line[HTTP_MAX_PATH + 128];
    struct fmt f = FMT_ON(line);
    fmt_bytes(&f, req->method_name.ptr, req->method_name.len);
    fmt_char(&f, ' ');
    fmt_bytes(&f, req->path.ptr, req->path.len);
    fmt_char(&f, ' ');
    fmt_i64(&f, status);
    fmt_char(&f, ' ');
    fmt_u64(&f, bytes);
    fmt_char(&f, ' ');
    fmt_milli(&f, duration_us);
    fmt_cstr(&f, "ms");
    log_info_text(req->id, line, f.len);
}
