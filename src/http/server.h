/* The HTTP transport: libmicrohttpd with an epoll thread pool for I/O and a small
 * worker pool for requests that may block (writes, password hashing). It turns each
 * complete request into a struct req, calls the dispatch function once, and sends
 * req->resp. */
#ifndef STET_HTTP_SERVER_H
#define STET_HTTP_SERVER_H

#include "base/err.h"
#include "base/netaddr.h"
#include "http/req.h"

#include <stddef.h>
#include <stdint.h>

/* Called once per complete request (twice when it moves to a worker, see below)
 * with req->resp empty; must set it.
 * Runs on an I/O thread for GET/HEAD and on a worker thread otherwise; a request
 * that sets req->rerun_on_worker on an I/O thread is called again on a worker. When
 * req->fail is non-zero the request was refused by the transport (see struct req:
 * too large, or a head that could smuggle a request) and the dispatcher only renders
 * that error, with req->fail_message when set; a refusal made before the body was
 * read also ends the connection. */
typedef void (*http_dispatch_fn)(struct req *req);
/* Called when a request has been answered and sent (or the client went away), just
 * before its arena is freed; used for the access log and to release per-request
 * resources held by upper layers. `status` 0 means no response was sent; a request
 * libmicrohttpd answered by itself (a head too large for its pool, a malformed header
 * line) comes with the status it sent and an empty response. */
typedef void (*http_done_fn)(struct req *req, int status, uint64_t bytes, int64_t duration_us);

/* Creates a listening TCP socket on a numeric IPv4 or IPv6 address (port 0: any
 * free port) and returns it with the port it got. Done before anything else starts,
 * so the port is known to the configuration (base_url) before any thread reads it,
 * and a busy port fails before a database is created. STET_EIO with a message
 * naming the address, port and reason in `err`. */
int http_listen(const char *host, uint16_t port, int *fd, uint16_t *bound_port, char *err,
                size_t err_len) STET_MUST_CHECK;

struct http_server_config {
    int listen_fd;         /* from http_listen; the server owns it from start on */
    unsigned n_io_threads; /* epoll threads */
    /* Worker threads, in two lanes so neither waits behind the other: reads are
     * GET/HEAD requests an I/O thread handed over because they need the database;
     * writes are every other method (posting, password hashing). */
    unsigned n_read_workers;
    unsigned n_write_workers;
    /* Open connections one client address (an IPv6 /64) may hold; 0: no cap. */
    unsigned max_per_client;
    /* Seconds for a whole request head (from the connection opening or the previous
     * response) and then for its whole body; a client trickling bytes is cut off
     * then, whatever libmicrohttpd's idle timer says. 0: 15 and 30. */
    int head_timeout_s;
    int body_timeout_s;
    /* Request body bytes; 0: HTTP_MAX_BODY. Bodies carry comments, so the owner of
     * the comment length rule sizes this (web_body_limit). */
    size_t max_body;
    /* Proxies whose forwarding headers are believed (req_client) and whose
     * connections are not capped. Borrowed: must outlive the server. */
    const struct net_list *trusted_proxies;
    struct app *app; /* copied into every req->app */
    http_dispatch_fn dispatch;
    http_done_fn done;
};

struct http_server;

/* Starts serving on cfg->listen_fd. Raises the process's soft RLIMIT_NOFILE to its
 * hard limit (logged), since every open connection and idle stream holds a
 * descriptor. STET_EIO (logged) when it cannot start; the socket is closed either
 * way by then or at http_server_stop. */
int http_server_start(const struct http_server_config *cfg,
                      struct http_server **out) STET_MUST_CHECK;
/* Stops accepting, ends every open stream (http/stream.h: its done runs before
 * this returns), lets in-flight requests finish (up to HTTP_SHUTDOWN_GRACE_S; open
 * streams are not waited for), then stops the threads and frees the server. NULL is
 * a no-op. */
void http_server_stop(struct http_server *srv);

/* A request with no connection behind it, for driving a dispatch function directly
 * (unit tests): its own arena, no peer (req_peer and req_client give ""), on an I/O
 * thread (may_block false) until the caller sets it. The caller fills method, path,
 * headers and body. http_req_detached_free runs its done hooks, then frees it;
 * NULL is a no-op. */
struct req *http_req_detached_new(struct app *app);
void http_req_detached_free(struct req *req);

/* The libmicrohttpd version running (for `stet --version`); static storage. */
const char *http_lib_version(void);

#endif
