/* One HTTP request as handlers see it: method, path, headers, body, and the response
 * being built. Everything hangs off req->arena, which lives until libmicrohttpd has
 * sent the response. No libmicrohttpd type appears here. */
#ifndef STET_HTTP_REQ_H
#define STET_HTTP_REQ_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;         /* process state, opaque to http/ */
struct user;        /* the logged-in reader, set by web/ */
struct http_stream; /* a streaming body, see http/stream.h */

enum http_method {
    HTTP_OTHER = 0,
    HTTP_GET = 1 << 0,
    HTTP_HEAD = 1 << 1,
    HTTP_POST = 1 << 2,
    HTTP_PUT = 1 << 3,
    HTTP_PATCH = 1 << 4,
    HTTP_DELETE = 1 << 5,
    HTTP_OPTIONS = 1 << 6,
};

/* A decoded name/value pair (header, form field, query parameter, path parameter).
 * Both slices point into the request arena and are NUL-terminated there. */
struct kv {
    struct str name;
    struct str value;
};

struct kvs {
    struct kv *items;
    size_t n;
};

/* First value named `name` (exact match; case-insensitive when `nocase`), or false. */
bool kvs_get(const struct kvs *k, const char *name, bool nocase, struct str *out);

#define RESP_MAX_HEADERS   16
#define RESP_MAX_PARTS     4
#define REQ_MAX_DONE_HOOKS 4

struct resp {
    int status;               /* 0 until a handler answered */
    const char *content_type; /* static string or arena */
    const char *body;         /* arena or static; sent from where it is */
    size_t body_len;
    /* n_parts > 0: the body is these pieces in order instead (borrowed like body),
     * sent without joining them; body_len is their total. */
    struct str parts[RESP_MAX_PARTS];
    size_t n_parts;
    struct kv headers[RESP_MAX_HEADERS];
    size_t n_headers;
    struct http_stream *stream;     /* set by resp_stream: the body is streamed instead */
    struct http_prepared *prepared; /* set by resp_prepared: sent as is */
};

struct req {
    struct arena *arena;
    struct app *app;
    const char *id; /* request id for logs, e.g. "4f1c-17" */
    enum http_method method;
    struct str method_name; /* as sent, for the access log */
    struct str path;        /* raw path, without the query */
    struct str query;       /* raw query string after '?', may be empty */
    struct kvs headers;     /* all request headers, copied on the first call */
    struct str body;        /* complete body (arena), empty when none */
    /* Set by http/ before dispatch when the transport refuses the request: STET_ELIMIT
     * (body too large), STET_EURI (target too long), STET_EHEADERS (head too large),
     * STET_EBADREQ (a head that could smuggle a request, see http/request_check.h),
     * with fail_message (static) saying why, or NULL for the code's own message. */
    int fail;
    const char *fail_message;
    int64_t started_ns; /* CLOCK_MONOTONIC at the first call */
    /* Set by http/: false while the request runs on an I/O thread, which must never
     * wait (for the database, a lock held long, a hash); true on a worker. */
    bool may_block;
    /* Set by an upper layer on an I/O thread when the request turns out to need
     * waiting: http/ drops whatever response was built and runs the request again,
     * from the start, on a worker. */
    bool rerun_on_worker;

    /* Filled by web/ during dispatch. */
    struct kvs params;       /* path parameters from the route pattern */
    const struct user *user; /* NULL: anonymous */
    void *web;               /* web/-private per-request state */

    struct resp resp;

    /* Called once each when the request is over, just before its arena is freed
     * (e.g. to release a cached page the response body points into). */
    struct req_done_hook {
        void (*fn)(void *arg);
        void *arg;
    } on_done[REQ_MAX_DONE_HOOKS];
    size_t n_on_done;
};

/* Registers an end-of-request callback; more than REQ_MAX_DONE_HOOKS is a bug. */
void req_on_done(struct req *req, void (*fn)(void *arg), void *arg);

/* The client's IP address as text ("127.0.0.1", "::1"), formatted on first use
 * (most requests never ask); "" when unknown. */
struct str req_peer(struct req *req);

/* The client's address as text: the peer, or, when the peer is a trusted proxy
 * (http_server_config.trusted_proxies), the nearest hop its X-Forwarded-For or
 * Forwarded header names that is not itself trusted. Formatted on first use. */
struct str req_client(struct req *req);

/* Header value by case-insensitive name, or false. */
bool req_header(const struct req *req, const char *name, struct str *out);

/* Sets the response status, content type and body (borrowed: must live in the
 * request arena or be static). Not for a request answered with resp_stream
 * (http/stream.h), whose streamed body would still be sent. */
void resp_set(struct req *req, int status, const char *content_type, const char *body, size_t len);
/* Like resp_set with a body made of `n` pieces (at most RESP_MAX_PARTS), e.g. a
 * cached fragment between per-reader parts: each must live until the request is
 * over, and none is copied. */
void resp_set_parts(struct req *req, int status, const char *content_type, const struct str *parts,
                    size_t n);
/* True when the response already has a header of that name (any case). */
bool resp_has_header(const struct req *req, const char *name);
/* Adds a response header; name and value are copied into the arena. Aborts past
 * RESP_MAX_HEADERS, which is a programming error. */
void resp_add_header(struct req *req, const char *name, const char *value);

#endif
