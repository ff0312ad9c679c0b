/* Accessors for a request's headers and the response a handler builds. Everything
 * copied here goes into the request arena, so nothing outlives the request. */
#include "http/req.h"

#include "base/log.h"

#include <assert.h>
#include <stdlib.h>

bool kvs_get(const struct kvs *k, const char *name, bool nocase, struct str *out)
{
    if (k == NULL || name == NULL)
        return false;
    struct str want = str_from(name);
    for (size_t i = 0; i < k->n; i++) {
        const struct kv *kv = &k->items[i];
        if (nocase ? str_eq_nocase(kv->name, want) : str_eq(kv->name, want)) {
            if (out != NULL)
                *out = kv->value;
            return true;
        }
    }
    return false;
}

bool req_header(const struct req *req, const char *name, struct str *out)
{
    return kvs_get(&req->headers, name, true, out);
}

void resp_set(struct req *req, int status, const char *content_type, const char *body, size_t len)
{
    req->resp.status = status;
    req->resp.content_type = content_type;
    req->resp.body = body;
    req->resp.body_len = len;
    req->resp.n_parts = 0;
}

void resp_set_parts(struct req *req, int status, const char *content_type, const struct str *parts,
                    size_t n)
{
    if (n > RESP_MAX_PARTS) {
        log_error(req->id, "resp_set_parts: %zu parts, at most %d", n, RESP_MAX_PARTS);
        abort();
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        req->resp.parts[i] = parts[i];
        total += parts[i].len;
    }
    resp_set(req, status, content_type, NULL, total);
    req->resp.n_parts = n;
}

void resp_add_header(struct req *req, const char *name, const char *value)
{
    if (req->resp.n_headers >= RESP_MAX_HEADERS) {
        /* More headers than any handler should ever set: a bug, not an input. */
        log_error(req->id, "resp_add_header: more than %d headers (adding %s)", RESP_MAX_HEADERS,
                  name);
        abort();
    }
    struct kv *kv = &req->resp.headers[req->resp.n_headers++];
    const char *n = arena_strdup(req->arena, name);
    const char *v = arena_strdup(req->arena, value);
    kv->name = str_from(n);
    kv->value = str_from(v);
}

bool resp_has_header(const struct req *req, const char *name)
{
    for (size_t i = 0; i < req->resp.n_headers; i++)
        if (str_eq_nocase(req->resp.headers[i].name, str_from(name)))
            return true;
    return false;
}

void req_on_done(struct req *req, void (*fn)(void *arg), void *arg)
{
    assert(req->n_on_done < REQ_MAX_DONE_HOOKS);
    req->on_done[req->n_on_done].fn = fn;
    req->on_done[req->n_on_done++].arg = arg;
}
