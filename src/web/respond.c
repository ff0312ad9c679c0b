/* Responses, and the single place where an error code becomes an HTTP status, an API
 * error code and a default message. */
#include "web/respond.h"

#include "app.h"
#include "base/buf.h"
#include "base/log.h"
#include "http/limits.h"
#include "web/views.h"
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#define KV(n, v)                                                                                   \
    {                                                                                              \
        {(n), sizeof(n) - 1},                                                                      \
        {                                                                                          \
            (v), sizeof(v) - 1                                                                     \
        }                                                                                          \
    }

const struct kv respond_html_headers[RESPOND_N_HTML_HEADERS] = {
    KV("X-Content-Type-Options", "nosniff"),
    KV("Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    KV("Referrer-Policy", "strict-origin-when-cross-origin"),
};

struct error_kind {
    int rc;
    int status;
    const char *code;
    const char *title;
    const char *message;
};

_Static_assert(HTTP_MAX_PATH == 2048 && HTTP_MAX_HEADERS == 12 * 1024,
               "the 414 and 431 messages below name these limits");

static const struct error_kind error_kinds[] = {
    {STET_ENOTFOUND, 404, "not_found", "Not found", "There is nothing at this address."},
    {STET_EINVAL, 422, "invalid", "Invalid input", "A field breaks a rule."},
    {STET_ECONFLICT, 409, "conflict", "Already taken", "That value is already taken."},
    {STET_EFORBIDDEN, 403, "forbidden", "Forbidden", "You are not allowed to do that."},
    {STET_EUNAUTH, 401, "registration_required", "Registration required",
     "You must be registered to comment on stories."},
    {STET_ELIMIT, 413, "payload_too_large", "Too large",
     "The request body is larger than the limit of 64 KiB."},
    {STET_ECLOSED, 403, "comments_closed", "Comments closed",
     "Comments are closed for this story."},
    {STET_EBADREQ, 400, "bad_request", "Bad request", "The request is malformed."},
    {STET_EUNAVAIL, 503, "unavailable", "Unavailable",
     "The database cannot be reached right now. Please try again shortly."},
    {STET_EMETHOD, 405, "method_not_allowed", "Method not allowed",
     "This address does not accept that method."},
    {STET_ERATE, 429, "rate_limited", "Too many requests",
     "Too many requests. Please wait a minute and try again."},
    {STET_EURI, 414, "uri_too_long", "Address too long",
     "The address is longer than the limit of 2048 bytes."},
    {STET_EHEADERS, 431, "headers_too_large", "Request too large",
     "The request headers are larger than the limit of 12 KiB."},
};

static const struct error_kind internal_error = {
    STET_EIO, 500, "internal", "Something went wrong",
    "Something went wrong on our side. Please try again."};

static const struct error_kind *error_kind(int rc)
{
    for (size_t i = 0; i < sizeof(error_kinds) / sizeof(error_kinds[0]); i++)
        if (error_kinds[i].rc == rc)
            return &error_kinds[i];
    return &internal_error;
}

int respond_status(int rc)
{
    return error_kind(rc)->status;
}

static bool is_api(const struct req *req)
{
    return str_starts_with(req->path, "/api/") || str_eq_cstr(req->path, "/api");
}

int respond_bytes(struct req *req, int status, const char *content_type, const char *body,
                  size_t len)
{
    resp_set(req, status, content_type, body, len);
    return 0;
}

/* Hands a rendered buffer to the response without copying it: the request frees
 * it when it is over. */
static int respond_buf(struct req *req, int status, const char *content_type, struct buf *b)
{
    size_t len;
    char *body = buf_steal(b, &len);
    req_on_done(req, free, body);
    return respond_bytes(req, status, content_type, body, len);
}

/* `tmpl` with `ctx`, inside the layout, into *page. On failure logs, answers the
 * fallback 500 and returns non-zero. */
static int render_page(struct req *req, const char *tmpl, const char *title, struct tval *ctx,
                       struct buf *page)
{
    const struct tmpl_set *ts = req->app->templates;
    struct buf content = BUF_INIT;

    int rc = tmpl_render(ts, tmpl, ctx, &content);
    if (rc == 0) {
        /* The content is read from its buffer while the layout renders: no copy. */
        struct tval *layout = view_layout(req, title);
        tval_put_html(req->arena, layout, "content", buf_cstr(&content));
        buf_reserve(page, content.len + 4096);
        rc = tmpl_render(ts, "layout.html", layout, page);
    }
    buf_cleanup(&content);
    if (rc != 0) {
        buf_cleanup(page);
        log_error(req->id, "rendering %s failed: %s", tmpl, err_name(rc));
        static const char fallback[] = "<!doctype html><title>Error</title><p>Something went "
                                       "wrong on our side. Please try again.</p>\n";
        respond_bytes(req, 500, "text/html; charset=utf-8", fallback, sizeof(fallback) - 1);
    }
    return rc;
}

int respond_page(struct req *req, int status, const char *tmpl, const char *title, struct tval *ctx)
{
    struct buf page = BUF_INIT;
    if (render_page(req, tmpl, title, ctx, &page) != 0)
        return 0;
    return respond_buf(req, status, "text/html; charset=utf-8", &page);
}

int respond_page_around(struct req *req, int status, const char *tmpl, const char *title,
                        struct tval *ctx, struct str fragment,
                        const struct deflated_part *fragment_z)
{
    struct buf page = BUF_INIT;
    if (render_page(req, tmpl, title, ctx, &page) != 0)
        return 0;
    static const char hole[] = RESPOND_FRAGMENT_HOLE;
    const size_t hole_len = sizeof(hole) - 1;
    size_t len;
    char *bytes = buf_steal(&page, &len);
    req_on_done(req, free, bytes);
    const char *at = memmem(bytes, len, hole, hole_len);
    if (at == NULL ||
        memmem(at + hole_len, len - (size_t)(at - bytes) - hole_len, hole, hole_len) != NULL) {
        /* A template without its place for the fragment, or with two: a bug. */
        log_error(req->id, "%s: the fragment's place is missing or repeated", tmpl);
        return respond_error(req, STET_EIO);
    }
    size_t before = (size_t)(at - bytes);
    struct str parts[3] = {
        {bytes, before},
        fragment,
        {at + hole_len, len - before - hole_len},
    };
    if (fragment_z != NULL) {
        struct str gz[3];
        gzip_around(req->arena, parts[0], fragment_z, parts[2], gz);
        memcpy(parts, gz, sizeof(parts));
        resp_add_header(req, "Content-Encoding", "gzip");
    }
    resp_set_parts(req, status, "text/html; charset=utf-8", parts, 3);
    return 0;
}

int respond_json(struct req *req, int status, json_t *doc)
{
    if (doc == NULL)
        return respond_bytes(req, status, "application/json; charset=utf-8", "", 0);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text == NULL)
        return respond_error(req, STET_EIO);
    size_t len = strlen(text);
    char *body = arena_strndup(req->arena, text, len);
    free(text);
    return respond_bytes(req, status, "application/json; charset=utf-8", body, len);
}

/* Retry-After on a 429: the wait the domain measured and put in its message, or a
 * minute (what the default message says) when a refusal came without one. */
static void add_retry_after(struct req *req)
{
    const struct web_state *ws = web_state(req);
    int s = ws != NULL && ws->err.retry_after > 0 ? ws->err.retry_after : 60;
    resp_add_header(req, "Retry-After", arena_printf(req->arena, "%d", s));
}

int respond_api_error(struct req *req, int status, const char *code, const char *message,
                      const char *field)
{
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (field != NULL)
        json_object_set_new(err, "field", json_string(field));
    if (status == 429)
        add_retry_after(req);
    return respond_json(req, status, json_pack("{s:o}", "error", err));
}

int respond_error(struct req *req, int rc)
{
    if (rc == STET_EAGAIN) {
        /* Not an answer: the request runs again where it may wait. */
        req->rerun_on_worker = true;
        return rc;
    }
    const struct error_kind *k = error_kind(rc);
    struct web_state *ws = web_state(req);
    const char *message = ws != NULL && ws->err.message != NULL ? ws->err.message : k->message;
    const char *field = ws != NULL ? ws->err.field : NULL;

    if (rc == STET_EIO)
        message = k->message; /* never leak internal detail */
    if (is_api(req))
        return respond_api_error(req, k->status, k->code, message, field);
    if (rc == STET_ERATE)
        add_retry_after(req);
    struct tval *ctx = view_error(req, k->status, k->title, message, rc == STET_EUNAUTH);
    return respond_page(req, k->status, "error.html", k->title, ctx);
}

int respond_redirect(struct req *req, const char *location)
{
    resp_add_header(req, "Location", location);
    return respond_bytes(req, 303, "text/plain; charset=utf-8", "", 0);
}
