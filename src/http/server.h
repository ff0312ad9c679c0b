/* The HTTP transport: libmicrohttpd with an epoll thread pool for I/O and a small
 * worker pool for requests that may block (writes, password hashing). It turns each
 * complete request into a struct req, calls the dispatch function once, and sends
 * req->resp. */
#ifndef STET_HTTP_SERVER_H
#define STET_HTTP_SERVER_H

#include "base/err.h"
#include "http/req.h"

#include <stdint.h>

/* Called exactly once per complete request with req->resp empty; must set it.
 * Runs on an I/O thread for GET/HEAD and on a worker thread otherwise. When
 * req->fail is non-zero the request was refused by the transport (body over
 * HTTP_MAX_BODY) and the dispatcher only renders that error. */
typedef void (*http_dispatch_fn)(struct req *req);
/* Called when a request has been answered and sent (or the client went away), just
 * before its arena is freed; used for the access log and to release per-request
 * resources held by upper layers. `status` 0 means no response was sent. */
typedef void (*http_done_fn)(struct req *req, int status, uint64_t bytes, int64_t duration_us);

struct http_server_config {
    const char *host;      /* numeric IPv4 or IPv6 address to bind */
    uint16_t port;         /* 0: any free port */
    unsigned n_io_threads; /* epoll threads */
    unsigned n_workers;    /* blocking-work threads */
    struct app *app;       /* copied into every req->app */
    http_dispatch_fn dispatch;
    http_done_fn done;
};

struct http_server;

/* Binds and starts serving. Raises the process's soft RLIMIT_NOFILE to its hard
 * limit (logged), since every open connection and idle stream holds a descriptor.
 * STET_EIO (logged) when the address cannot be bound. The caller frees the server
 * with http_server_stop. */
int http_server_start(const struct http_server_config *cfg,
                      struct http_server **out) STET_MUST_CHECK;
/* The bound port (useful after binding port 0). */
uint16_t http_server_port(const struct http_server *srv);
/* Stops accepting, ends every open stream (http/stream.h: its done runs before
 * this returns), lets in-flight requests finish (up to HTTP_SHUTDOWN_GRACE_S; open
 * streams are not waited for), then stops the threads and frees the server. NULL is
 * a no-op. */
void http_server_stop(struct http_server *srv);

#endif
