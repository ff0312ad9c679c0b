/* The request-head rules of RFC 9112 that libmicrohttpd 0.9.75 does not enforce and
 * that request smuggling lives on: one framing (Content-Length or chunked, never
 * both, never two), token names, no control bytes, exactly one Host. Pure: it sees
 * the head as slices and names the first flaw; http/server.c answers 400 and closes
 * the connection.
 *
 * It sees the head only as libmicrohttpd's documented API hands it out, so what that
 * parser drops or rewrites first (the rest of a line after a NUL, an obs-fold line it
 * glues onto the header's name, a bare LF it takes as a line end) is not seen here.
 * Alone, stet is one parser and those smuggle nothing; behind a proxy the proxy must
 * refuse them, as nginx does (tests/deploy/run.sh checks it). */
#ifndef STET_HTTP_REQUEST_CHECK_H
#define STET_HTTP_REQUEST_CHECK_H

#include "base/str.h"
#include "http/req.h"

#include <stddef.h>

enum request_flaw {
    REQUEST_OK = 0,
    REQUEST_BAD_METHOD,   /* the method is not a token */
    REQUEST_BAD_TARGET,   /* empty, or a control byte, space or DEL in the path or query */
    REQUEST_BAD_VERSION,  /* not HTTP/1.x */
    REQUEST_BAD_NAME,     /* a header name that is empty or not a token ("Transfer-Encoding ") */
    REQUEST_BAD_VALUE,    /* a control byte other than HTAB, or DEL, in a header value */
    REQUEST_CL_AND_TE,    /* Content-Length and Transfer-Encoding together */
    REQUEST_CL_MANY,      /* more than one Content-Length, even with equal values */
    REQUEST_CL_BAD,       /* a Content-Length that is not all digits */
    REQUEST_TE_BAD,       /* a Transfer-Encoding other than a single "chunked" */
    REQUEST_TE_HTTP10,    /* Transfer-Encoding in an HTTP/1.0 request */
    REQUEST_HOST_MISSING, /* HTTP/1.1 without Host */
    REQUEST_HOST_MANY,    /* more than one Host */
    REQUEST_HOST_BAD,     /* a Host value that is no host[:port] */
};

/* A request head as the transport parsed it. The slices are borrowed and may hold
 * any bytes, NUL included. */
struct request_head {
    struct str method;
    struct str path;          /* raw request target up to its first '?' */
    struct str query;         /* raw request target after its first '?' */
    struct str version;       /* "HTTP/1.1" */
    const struct kv *headers; /* every header line in arrival order, duplicates kept */
    size_t n_headers;
};

/* REQUEST_OK, or the first flaw of the head (method, target, version, then the
 * header lines, then the framing and Host rules across them). Every byte of every
 * slice is read, so a NUL, CR or LF that is still in a slice is refused; one the
 * transport already dropped or turned into a line end cannot be. */
enum request_flaw request_check(const struct request_head *h);

/* A short sentence for the client and the log, e.g. "Content-Length and
 * Transfer-Encoding together."; static. */
const char *request_flaw_text(enum request_flaw f);

#endif
