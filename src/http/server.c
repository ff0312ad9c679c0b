/* libmicrohttpd glue: epoll I/O threads read requests into a struct req and answer
 * GET/HEAD/OPTIONS inline unless the request asks to move (it needs the database);
 * those, and every other method, run on worker threads while the connection is
 * suspended, so slow writes and password hashing never stall the other connections
 * of an I/O thread. Workers come in two lanes, reads and writes, so a flood of
 * logins never queues a reader behind it. conn_guard.c caps connections per client
 * and closes those that dawdle; streaming bodies live in stream.c. */
#include "http/server.h"

#include "base/clock.h"
#include "base/fmt.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/xalloc.h"
#include "http/conn_guard.h"
#include "http/limits.h"
#include "http/prepared_mhd.h"
#include "http/request_check.h"
#include "http/stream_mhd.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Request-head bytes beyond HTTP_MAX_HEADERS that libmicrohttpd's per-connection pool
 * needs for its own bookkeeping (parsed header records, a second copy of the Cookie
 * header, the response head). Less than 4 KiB dropped POSTs near the limit without
 * an answer instead of a 431 (measured). */
#define POOL_SLACK 4096

enum rstate {
    RS_NEW,       /* created when the request line arrived; handler not called yet */
    RS_READING,   /* headers copied, body arriving */
    RS_QUEUED,    /* connection suspended, request waiting for or running on a worker */
    RS_ANSWERED,  /* dispatch done, response not yet queued */
    RS_ABANDONED, /* the client left before a worker took the request up: not run */
    RS_SENT,      /* response handed to libmicrohttpd */
};

/* Per-request transport state; lives in the request arena. */
struct rctx {
    struct req req;
    struct http_server *srv;
    struct MHD_Connection *conn;
    enum rstate state;
    char *body; /* heap while the body arrives; copied into the arena at the end */
    size_t body_len;
    size_t body_cap;
    int sent_status;
    uint64_t sent_bytes;
    struct http_stream *stream; /* queued streaming body; valid until its free callback */
    bool counted;               /* still in n_inflight (streams leave it once queued) */
    struct rctx *next;          /* worker queue link */
    struct guarded_conn *guard; /* this connection in the guard; NULL if untracked */
    int fd;                     /* the connection's socket; -1 if unknown */
    /* The client's address, copied when the request line arrives; req_peer
     * formats it on demand. */
    struct sockaddr_storage peer;
    bool has_peer;
    struct str peer_text;   /* .ptr NULL until formatted */
    struct str client_text; /* .ptr NULL until formatted */
};

enum lane_id { LANE_READ, LANE_WRITE, N_LANES };

/* A queue of requests and the threads that run them; under the server's mutex. */
struct lane {
    struct http_server *srv;
    pthread_cond_t cv; /* queue not empty, or stopping */
    struct rctx *head;
    struct rctx *tail;
    pthread_t *threads;
    unsigned n_threads;
    int nice; /* the threads' scheduling niceness (Linux sets it per thread) */
};

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_server_config cfg;
    unsigned id_prefix;
    atomic_uint_fast64_t next_id;
    atomic_bool refusing; /* new connections are closed at once (see http_server_stop) */

    struct mutex mu;
    pthread_cond_t idle_cv; /* n_inflight dropped to 0 */
    struct lane lanes[N_LANES];
    bool stopping;
    size_t n_inflight;

    struct conn_guard *guard;
    struct stream_registry streams;
};

static enum http_method parse_method(const char *m)
{
    static const struct {
        const char *name;
        enum http_method method;
    } methods[] = {
        {MHD_HTTP_METHOD_GET, HTTP_GET},         {MHD_HTTP_METHOD_HEAD, HTTP_HEAD},
        {MHD_HTTP_METHOD_POST, HTTP_POST},       {MHD_HTTP_METHOD_PUT, HTTP_PUT},
        {MHD_HTTP_METHOD_PATCH, HTTP_PATCH},     {MHD_HTTP_METHOD_DELETE, HTTP_DELETE},
        {MHD_HTTP_METHOD_OPTIONS, HTTP_OPTIONS},
    };
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(m, methods[i].name) == 0)
            return methods[i].method;
    return HTTP_OTHER;
}

/* True when `msg` is the line libmicrohttpd 0.9.75 logs as it answers a request by
 * itself ("Error processing request (HTTP response code is 400 ('<html><head><title>
 * Request malformed</title>...')). Closing connection."): the status and the title
 * of its page. */
static bool library_refusal(const char *msg, int *status, struct str *title)
{
    static const char mark[] = "HTTP response code is ";
    const char *p = strstr(msg, mark);
    if (p == NULL)
        return false;
    p += sizeof(mark) - 1;
    int64_t code;
    if (strnlen(p, 3) < 3 || str_to_i64((struct str){p, 3}, 100, 599, &code) != 0)
        return false;
    *status = (int)code;
    const char *t = strstr(p, "<title>");
    const char *end = t != NULL ? strstr(t, "</title>") : NULL;
    *title = end != NULL ? (struct str){t + 7, (size_t)(end - t - 7)} : STR_LIT("no detail");
    return true;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* A request line libmicrohttpd cannot parse (no version, a bad one, longer than its
 * buffer) is answered and closed before any callback of stet's runs, so this message
 * is all the log can have of it (no address, no path, not in /metrics). Those after
 * the URI callback are logged again, as requests, by on_completed. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n < 0)
        return;
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        msg[--len] = '\0';
    int status;
    struct str title;
    if (library_refusal(msg, &status, &title)) {
        log_info(NULL, "libmicrohttpd refused a request with %d (%.*s) and closed the connection",
                 status, (int)title.len, title.ptr);
        return;
    }
    log_warn(NULL, "libmicrohttpd: %s", msg);
}
#pragma GCC diagnostic pop

static void peer_copy(struct rctx *rc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(rc->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    size_t len = sa->sa_family == AF_INET    ? sizeof(struct sockaddr_in)
                 : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                             : 0;
    if (len > 0) {
        memcpy(&rc->peer, sa, len);
        rc->has_peer = true;
    }
}

struct req *http_req_detached_new(struct app *app)
{
    struct arena *a = arena_new(HTTP_ARENA_BLOCK);
    struct rctx *rc = ARENA_NEW(a, struct rctx);
    rc->fd = -1;
    rc->req.arena = a;
    rc->req.app = app;
    rc->req.id = "detached";
    rc->req.method_name = STR_LIT("");
    rc->req.started_ns = clock_mono_ns();
    return &rc->req;
}

void http_req_detached_free(struct req *req)
{
    if (req == NULL)
        return;
    for (size_t i = 0; i < req->n_on_done; i++)
        req->on_done[i].fn(req->on_done[i].arg);
    arena_free(req->arena);
}

struct str req_peer(struct req *req)
{
    struct rctx *rc = (struct rctx *)req; /* req is rctx's first member */
    if (rc->peer_text.ptr != NULL)
        return rc->peer_text;
    char buf[INET6_ADDRSTRLEN] = "";
    if (rc->has_peer && rc->peer.ss_family == AF_INET) {
        struct sockaddr_in sin;
        memcpy(&sin, &rc->peer, sizeof(sin));
        inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof(buf));
    } else if (rc->has_peer && rc->peer.ss_family == AF_INET6) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, &rc->peer, sizeof(sin6));
        inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof(buf));
    }
    rc->peer_text = str_from(arena_strdup(req->arena, buf));
    return rc->peer_text;
}

struct str req_client(struct req *req)
{
    struct rctx *rc = (struct rctx *)req;
    if (rc->client_text.ptr != NULL)
        return rc->client_text;
    uint8_t peer[16], client[16];
    if (!rc->has_peer || !netaddr_from_sockaddr((const struct sockaddr *)&rc->peer, peer)) {
        rc->client_text = STR_LIT("");
        return rc->client_text;
    }
    /* After the peer check: a detached request has no server. */
    const struct net_list *trusted = rc->srv->cfg.trusted_proxies;
    memcpy(client, peer, sizeof(client));
    if (net_list_has(trusted, peer)) {
        /* Every line of each header, in the order received. */
        struct str fwd[HTTP_MAX_FORWARD_LINES], xff[HTTP_MAX_FORWARD_LINES];
        size_t n_fwd = 0, n_xff = 0;
        for (size_t i = 0; i < req->headers.n; i++) {
            const struct kv *h = &req->headers.items[i];
            if (str_eq_nocase(h->name, STR_LIT("Forwarded")) && n_fwd < HTTP_MAX_FORWARD_LINES)
                fwd[n_fwd++] = h->value;
            else if (str_eq_nocase(h->name, STR_LIT("X-Forwarded-For")) &&
                     n_xff < HTTP_MAX_FORWARD_LINES)
                xff[n_xff++] = h->value;
        }
        netaddr_client(peer, fwd, n_fwd, xff, n_xff, trusted, client);
    }
    char text[NETADDR_TEXT_MAX];
    size_t len = netaddr_format(client, text);
    rc->client_text = (struct str){arena_strndup(req->arena, text, len), len};
    return rc->client_text;
}

/* libmicrohttpd's accept policy: every connection within its client's cap, until
 * the server stops. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    struct http_server *srv = cls;
    if (atomic_load(&srv->refusing))
        return MHD_NO;
    return conn_guard_admit(srv->guard, addr) ? MHD_YES : MHD_NO;
}

/* Connections come and go: the guard counts them and watches their deadlines. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_guard_close(srv->guard, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *addr =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (fd != NULL && addr != NULL)
        *socket_context = conn_guard_open(srv->guard, fd->connect_fd, addr->client_addr);
}

static void set_phase(struct rctx *rc, enum conn_phase phase)
{
    if (rc->guard != NULL)
        conn_guard_phase(rc->guard, phase);
}

/* Runs when the request line has been read, before libmicrohttpd splits and unescapes
 * the target: the only place the raw path and query are available. Whatever it returns
 * becomes the request's context, and the completed callback is guaranteed from here on,
 * which makes it the right place to count a request as in flight. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_server *srv = cls;
    struct arena *a = arena_new(HTTP_ARENA_BLOCK);
    struct rctx *rc = ARENA_NEW(a, struct rctx);
    struct req *req = &rc->req;

    rc->srv = srv;
    rc->conn = conn;
    rc->state = RS_NEW;
    req->arena = a;
    req->app = srv->cfg.app;
    req->started_ns = clock_mono_ns();
    uint64_t n = (uint64_t)atomic_fetch_add(&srv->next_id, 1);
    char id[32];
    struct fmt f = FMT_ON(id);
    fmt_hex(&f, srv->id_prefix, 4);
    fmt_char(&f, '-');
    fmt_hex(&f, n, 1);
    req->id = arena_strndup(a, id, f.len);
    req->method_name = STR_LIT("");
    req->body = STR_LIT("");

    const char *u = uri != NULL ? uri : "";
    size_t len = strlen(u);
    const char *q = memchr(u, '?', len);
    size_t path_len = q != NULL ? (size_t)(q - u) : len;
    req->path = (struct str){arena_strndup(a, u, path_len), path_len};
    if (q != NULL)
        req->query = (struct str){arena_strndup(a, q + 1, len - path_len - 1), len - path_len - 1};
    else
        req->query = STR_LIT("");
    peer_copy(rc);
    const union MHD_ConnectionInfo *ctx =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    rc->guard = ctx != NULL ? ctx->socket_context : NULL;
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    rc->fd = fd != NULL ? fd->connect_fd : -1;

    mutex_lock(&srv->mu);
    srv->n_inflight++;
    rc->counted = true;
    mutex_unlock(&srv->mu);
    return rc;
}

struct header_fill {
    struct arena *arena;
    struct kv *items; /* arena copies */
    size_t cap;
    size_t n;
};

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct header_fill *hf = cls;
    if (hf->n >= hf->cap || key == NULL)
        return MHD_NO;
    if (value == NULL)
        value = "";
    size_t kl = strlen(key), vl = strlen(value);
    hf->items[hf->n] = (struct kv){{arena_strndup(hf->arena, key, kl), kl},
                                   {arena_strndup(hf->arena, value, vl), vl}};
    hf->n++;
    return MHD_YES;
}

/* Copies every header line into req->headers, in arrival order with duplicates. */
static void copy_headers(struct rctx *rc)
{
    int n = MHD_get_connection_values(rc->conn, MHD_HEADER_KIND, NULL, NULL);
    if (n <= 0)
        return;
    struct arena *a = rc->req.arena;
    struct header_fill hf = {a, ARENA_NEW_ARRAY(a, struct kv, (size_t)n), (size_t)n, 0};
    MHD_get_connection_values(rc->conn, MHD_HEADER_KIND, copy_header, &hf);
    rc->req.headers = (struct kvs){hf.items, hf.n};
}

static void add_headers(struct rctx *rc, struct MHD_Response *mr)
{
    const struct req *req = &rc->req;
    const struct resp *r = &req->resp;
    for (size_t i = 0; i < r->n_headers; i++)
        if (MHD_add_response_header(mr, r->headers[i].name.ptr, r->headers[i].value.ptr) == MHD_NO)
            log_warn(req->id, "response header %s refused", r->headers[i].name.ptr);
    if (r->content_type != NULL &&
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type) == MHD_NO)
        log_warn(req->id, "content type %s refused", r->content_type);
}

static bool has_header(const struct resp *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (str_eq_nocase(r->headers[i].name, str_from(name)))
            return true;
    return false;
}

/* A streamed body leaves the in-flight count once queued: it ends only when its
 * client or owner ends it, and a graceful stop must not wait for that. */
static void leave_inflight(struct rctx *rc)
{
    struct http_server *srv = rc->srv;
    mutex_lock(&srv->mu);
    if (rc->counted) {
        rc->counted = false;
        if (--srv->n_inflight == 0)
            pthread_cond_broadcast(&srv->idle_cv);
    }
    mutex_unlock(&srv->mu);
}

static enum MHD_Result send_stream(struct rctx *rc)
{
    struct req *req = &rc->req;
    struct resp *r = &req->resp;
    struct http_stream *s = r->stream;
    r->stream = NULL; /* stream_response_new owns it from here, even when it fails */
    struct MHD_Response *mr = stream_response_new(s, &rc->srv->streams, rc->conn);
    if (mr == NULL)
        return MHD_NO;
    add_headers(rc, mr);
    /* Proxies and caches must pass events through as they come. */
    if (!has_header(r, MHD_HTTP_HEADER_CACHE_CONTROL))
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    if (!has_header(r, "X-Accel-Buffering"))
        MHD_add_response_header(mr, "X-Accel-Buffering", "no");
    int status = r->status != 0 ? r->status : MHD_HTTP_OK;
    enum MHD_Result ret = MHD_queue_response(rc->conn, (unsigned)status, mr);
    /* When queueing failed this drops the last reference and ends the stream. */
    MHD_destroy_response(mr);
    if (ret == MHD_NO) {
        log_error(req->id, "cannot queue a stream");
        return MHD_NO;
    }
    rc->stream = s;
    rc->state = RS_SENT;
    rc->sent_status = status;
    leave_inflight(rc);
    return MHD_YES;
}

static enum MHD_Result send_response(struct rctx *rc)
{
    struct req *req = &rc->req;
    struct resp *r = &req->resp;
    if (r->stream != NULL)
        return send_stream(rc);
    if (r->prepared != NULL) {
        if (MHD_queue_response(rc->conn, (unsigned)r->prepared->status, r->prepared->mr) ==
            MHD_NO) {
            log_error(req->id, "cannot queue a prepared response");
            return MHD_NO;
        }
        rc->state = RS_SENT;
        rc->sent_status = r->prepared->status;
        rc->sent_bytes = req->method == HTTP_HEAD ? 0 : r->prepared->len;
        return MHD_YES;
    }
    int status = r->status;
    const char *body = r->body != NULL ? r->body : "";
    size_t len = r->body != NULL ? r->body_len : 0;

    if (status == 0) {
        log_error(req->id, "no response for %.*s %.*s", (int)req->method_name.len,
                  req->method_name.ptr, (int)req->path.len, req->path.ptr);
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        body = "";
        len = 0;
    }
    /* The body lives in the request arena (or is static), and the arena is freed only
     * in the completed callback, after libmicrohttpd has sent the last byte: so it
     * can send straight from there instead of copying every page (PERSISTENT never
     * writes through the pointer; the integer detour only drops const). */
    struct MHD_Response *mr;
    if (r->n_parts > 0 && status == r->status) {
        /* Pieces (a cached fragment between per-reader parts) go out as they are. */
        struct MHD_IoVec iov[RESP_MAX_PARTS];
        for (size_t i = 0; i < r->n_parts; i++)
            iov[i] = (struct MHD_IoVec){r->parts[i].ptr, r->parts[i].len};
        mr = MHD_create_response_from_iovec(iov, (unsigned)r->n_parts, NULL, NULL);
        len = r->body_len;
    } else {
        mr = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    }
    if (mr == NULL) {
        log_error(req->id, "cannot create a response");
        return MHD_NO;
    }
    if (r->status != 0)
        add_headers(rc, mr);
    enum MHD_Result ret = MHD_queue_response(rc->conn, (unsigned)status, mr);
    MHD_destroy_response(mr);
    if (ret == MHD_NO) {
        log_error(req->id, "cannot queue status %d", status);
        return MHD_NO;
    }
    rc->state = RS_SENT;
    rc->sent_status = status;
    rc->sent_bytes = req->method == HTTP_HEAD ? 0 : len;
    return MHD_YES;
}

/* Answers a request the transport will not take, req->fail saying why, through the
 * dispatcher (so the API gets its JSON error and pages their HTML one), and ends the
 * connection after it: what follows on it may be a request smuggled in this one's
 * body. libmicrohttpd closes by itself when a body is left unread; "Connection:
 * close" makes it close when there is none. */
static enum MHD_Result refuse(struct rctx *rc, int fail, const char *why)
{
    struct req *req = &rc->req;
    req->fail = fail;
    req->fail_message = why;
    if (why != NULL)
        log_info(req->id, "refused: %s", why);
    rc->srv->cfg.dispatch(req);
    /* Rendering a refusal needs no database, so it never asks to move to a worker. */
    assert(!req->rerun_on_worker);
    if (!resp_has_header(req, MHD_HTTP_HEADER_CONNECTION))
        resp_add_header(req, MHD_HTTP_HEADER_CONNECTION, "close");
    return send_response(rc);
}

/* The head's size in bytes as libmicrohttpd counted it, request line and blank
 * line included; 0 if it will not say. */
static size_t head_size(struct rctx *rc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(rc->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    return ci != NULL ? ci->header_size : 0;
}

/* RFC 9112's rules on the head (request_check.h), on the copies stet made of what
 * libmicrohttpd's callbacks handed it. */
static enum request_flaw check_head(const struct req *req, const char *version)
{
    struct request_head h = {.method = req->method_name,
                             .path = req->path,
                             .query = req->query,
                             .version = str_from(version),
                             .headers = req->headers.items,
                             .n_headers = req->headers.n};
    return request_check(&h);
}

static enum MHD_Result first_call(struct rctx *rc, const char *method, const char *version)
{
    struct req *req = &rc->req;
    req->method = parse_method(method);
    req->method_name = str_from(arena_strdup(req->arena, method));
    copy_headers(rc);
    rc->state = RS_READING;

    if (req->path.len > HTTP_MAX_PATH)
        return refuse(rc, STET_EURI, NULL);
    /* libmicrohttpd refuses what overflows its pool, which is larger than the limit
     * (it needs room of its own); the limit itself is checked here. */
    if (head_size(rc) > HTTP_MAX_HEADERS)
        return refuse(rc, STET_EHEADERS, NULL);
    enum request_flaw flaw = check_head(req, version);
    if (flaw != REQUEST_OK)
        return refuse(rc, STET_EBADREQ, request_flaw_text(flaw));

    /* At most one, all digits (checked above); too many digits is too large. */
    struct str cl;
    int64_t declared;
    if (req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH, &cl)) {
        if (str_to_i64(cl, 0, INT64_MAX, &declared) != 0 ||
            (uint64_t)declared > rc->srv->cfg.max_body)
            return refuse(rc, STET_ELIMIT, NULL);
        if (declared > 0) {
            rc->body_cap = (size_t)declared;
            rc->body = xmalloc(rc->body_cap);
        }
    }
    /* No response yet: queueing one before the request is complete would make
     * libmicrohttpd 0.9.75 close a keep-alive connection. */
    return MHD_YES;
}

static void take_body(struct rctx *rc, const char *data, size_t size)
{
    if (rc->req.fail != 0)
        return; /* over the limit already: read and discard the rest */
    size_t max_body = rc->srv->cfg.max_body;
    if (size > max_body - rc->body_len) {
        rc->req.fail = STET_ELIMIT;
        free(rc->body);
        rc->body = NULL;
        rc->body_len = 0;
        rc->body_cap = 0;
        return;
    }
    if (rc->body_len + size > rc->body_cap) {
        size_t cap = rc->body_cap < 1024 ? 1024 : rc->body_cap;
        while (cap < rc->body_len + size)
            cap *= 2;
        if (cap > max_body)
            cap = max_body;
        rc->body = xrealloc(rc->body, cap);
        rc->body_cap = cap;
    }
    memcpy(rc->body + rc->body_len, data, size);
    rc->body_len += size;
}

static void finish_body(struct rctx *rc)
{
    if (rc->body_len > 0)
        rc->req.body =
            (struct str){arena_strndup(rc->req.arena, rc->body, rc->body_len), rc->body_len};
    free(rc->body);
    rc->body = NULL;
    rc->body_len = 0;
    rc->body_cap = 0;
}

static bool runs_inline(const struct req *req)
{
    /* A refused request only renders an error, which never blocks. */
    if (req->fail != 0)
        return true;
    return (req->method & (HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE)) == 0;
}

static void enqueue(struct http_server *srv, enum lane_id id, struct rctx *rc)
{
    struct lane *l = &srv->lanes[id];
    mutex_lock(&srv->mu);
    rc->next = NULL;
    if (l->tail != NULL)
        l->tail->next = rc;
    else
        l->head = rc;
    l->tail = rc;
    pthread_cond_signal(&l->cv);
    mutex_unlock(&srv->mu);
}

/* Forgets what the I/O thread's run built, so the worker starts from the request
 * as it arrived. Cached pages it held stay held (their done hooks still run). */
static void reset_for_worker(struct req *req)
{
    /* A stream is queued at once by whoever made it: a handler that made one and
     * then asked to move is a bug. */
    assert(req->resp.stream == NULL);
    req->resp = (struct resp){0};
    req->params = (struct kvs){0};
    req->user = NULL;
    req->web = NULL;
    req->rerun_on_worker = false;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct rctx *rc = *con_cls;
    if (rc == NULL) {
        /* The URI callback always runs first; this only guards a library change. */
        rc = on_uri(srv, url, conn);
        *con_cls = rc;
    }

    switch (rc->state) {
    case RS_NEW:
        set_phase(rc, CONN_AWAIT_BODY);
        return first_call(rc, method, version);
    case RS_READING:
        if (*upload_data_size > 0) {
            take_body(rc, upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        finish_body(rc);
        set_phase(rc, CONN_BUSY);
        enum lane_id lane = LANE_WRITE;
        if (runs_inline(&rc->req)) {
            srv->cfg.dispatch(&rc->req);
            if (!rc->req.rerun_on_worker)
                return send_response(rc);
            reset_for_worker(&rc->req);
            lane = LANE_READ;
        }
        /* Suspend before the worker can see the request, so its resume always
         * follows this suspend. */
        rc->state = RS_QUEUED;
        MHD_suspend_connection(conn);
        enqueue(srv, lane, rc);
        return MHD_YES;
    case RS_ANSWERED:
        return send_response(rc);
    case RS_ABANDONED:
        return MHD_NO; /* nobody to answer: libmicrohttpd closes the connection */
    case RS_QUEUED:
    case RS_SENT:
        break;
    }
    *upload_data_size = 0;
    return MHD_YES;
}

/* The status libmicrohttpd answered with by itself, or 0. It does so, after the URI
 * callback but before or instead of stet's answer, for a head too large for its pool
 * (431), a header line without ':' (400), an unparsable Content-Length (400, 413) and
 * broken chunked framing (400, 413); its response is still queued while the
 * completed callback runs. The access log and /metrics then show that status, and
 * "-" for a method never handed over. */
static int library_status(struct rctx *rc, struct MHD_Connection *conn)
{
    if (rc->state == RS_SENT)
        return 0; /* stet answered: the client left before it was sent */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
    if (ci == NULL || ci->http_status == 0)
        return 0;
    if (rc->req.method_name.len == 0)
        rc->req.method_name = STR_LIT("-");
    return (int)ci->http_status;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct rctx *rc = *con_cls;
    if (rc == NULL)
        return;
    *con_cls = NULL;

    int status = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? rc->sent_status : 0;
    if (status == 0)
        status = library_status(rc, conn);
    if (rc->state == RS_ABANDONED)
        status = HTTP_STATUS_CLIENT_CLOSED;
    if (rc->stream != NULL) {
        /* A stream usually ends with its client leaving; its head went out anyway.
         * The response, and so the stream, is freed only after this callback. */
        status = rc->sent_status;
        rc->sent_bytes = rc->req.method == HTTP_HEAD ? 0 : stream_bytes(rc->stream);
    }
    int64_t duration_us = (clock_mono_ns() - rc->req.started_ns) / 1000;
    if (srv->cfg.done != NULL)
        srv->cfg.done(&rc->req, status, status != 0 ? rc->sent_bytes : 0, duration_us);
    /* Set by the dispatcher but never queued (the client left first): still owed
     * its done call. */
    stream_abandon(rc->req.resp.stream);
    /* Kept alive, the connection now waits for its next request head. */
    set_phase(rc, CONN_AWAIT_HEAD);
    /* Only this I/O thread changes it, and rc goes with the arena. */
    bool counted = rc->counted;
    for (size_t i = 0; i < rc->req.n_on_done; i++)
        rc->req.on_done[i].fn(rc->req.on_done[i].arg);
    free(rc->body);
    arena_free(rc->req.arena);

    mutex_lock(&srv->mu);
    if (counted && --srv->n_inflight == 0)
        pthread_cond_broadcast(&srv->idle_cv);
    mutex_unlock(&srv->mu);
}

/* True when the client has closed its side of the connection (a client that
 * half-closes after sending a request, which HTTP/1.1 clients do not do, is taken
 * to have left too). The socket stays libmicrohttpd's: only polled, never read. */
static bool client_left(const struct rctx *rc)
{
    struct pollfd p = {rc->fd, POLLRDHUP, 0};
    return rc->fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static void *worker_main(void *arg)
{
    struct lane *l = arg;
    struct http_server *srv = l->srv;
    pthread_setname_np(pthread_self(), l == &srv->lanes[LANE_READ] ? "stet-read" : "stet-write");
    if (l->nice != 0 && setpriority(PRIO_PROCESS, (id_t)gettid(), l->nice) != 0)
        log_warn(NULL, "cannot lower a worker's priority: %s", strerror(errno));
    for (;;) {
        mutex_lock(&srv->mu);
        while (l->head == NULL && !srv->stopping)
            mutex_wait(&srv->mu, &l->cv);
        struct rctx *rc = l->head;
        if (rc == NULL) {
            /* Stopping and the queue is drained. */
            mutex_unlock(&srv->mu);
            return NULL;
        }
        l->head = rc->next;
        if (l->head == NULL)
            l->tail = NULL;
        mutex_unlock(&srv->mu);

        /* A client that gave up while its request waited costs nothing more: a
         * flood of requests sent and dropped buys no hashing and no writes. Not
         * run, the request is not answered either, so nothing unstored is ever
         * acknowledged. */
        enum rstate done = RS_ABANDONED;
        if (!client_left(rc)) {
            rc->req.may_block = true;
            srv->cfg.dispatch(&rc->req);
            done = RS_ANSWERED;
        }
        /* The resume hands rc back to the I/O thread; it must be the last touch. */
        rc->state = done;
        MHD_resume_connection(rc->conn);
    }
}

static void stop_workers(struct http_server *srv)
{
    mutex_lock(&srv->mu);
    srv->stopping = true;
    for (size_t i = 0; i < N_LANES; i++)
        pthread_cond_broadcast(&srv->lanes[i].cv);
    mutex_unlock(&srv->mu);
    for (size_t i = 0; i < N_LANES; i++) {
        struct lane *l = &srv->lanes[i];
        for (unsigned t = 0; t < l->n_threads; t++)
            pthread_join(l->threads[t], NULL);
        l->n_threads = 0;
    }
}

static int start_lane(struct http_server *srv, enum lane_id id, unsigned n)
{
    struct lane *l = &srv->lanes[id];
    l->threads = xcalloc(n, sizeof(pthread_t));
    for (unsigned i = 0; i < n; i++) {
        int err = pthread_create(&l->threads[i], NULL, worker_main, l);
        if (err != 0) {
            log_error(NULL, "cannot start worker thread: %s", strerror(err));
            return STET_EIO;
        }
        l->n_threads++;
    }
    return 0;
}

static void server_free(struct http_server *srv)
{
    conn_guard_free(srv->guard);
    stream_registry_cleanup(&srv->streams);
    pthread_cond_destroy(&srv->idle_cv);
    for (size_t i = 0; i < N_LANES; i++) {
        pthread_cond_destroy(&srv->lanes[i].cv);
        free(srv->lanes[i].threads);
    }
    mutex_cleanup(&srv->mu);
    free(srv);
}

/* Every connection, idle streams included, holds a descriptor; the usual soft limit
 * of 1024 would refuse clients long before HTTP_MAX_CONNECTIONS. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_warn(NULL, "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
        return;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            log_warn(NULL, "cannot raise the open files limit from %llu: %s",
                     (unsigned long long)old, strerror(errno));
            rl.rlim_cur = old;
        }
    }
    if (rl.rlim_cur == RLIM_INFINITY)
        log_info(NULL, "open files limit: unlimited");
    else
        log_info(NULL, "open files limit: %llu%s", (unsigned long long)rl.rlim_cur,
                 rl.rlim_cur < HTTP_MAX_CONNECTIONS ? " (below HTTP_MAX_CONNECTIONS)" : "");
}

static unsigned random_prefix(void)
{
    uint16_t r;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
        r = (uint16_t)(clock_mono_ns() ^ getpid());
    return r;
}

int http_listen(const char *host, uint16_t port, int *fd, uint16_t *bound_port, char *err,
                size_t err_len)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    *fd = -1;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        len = sizeof(*sin);
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        len = sizeof(*sin6);
    } else {
        snprintf(err, err_len, "cannot listen on %s: not a numeric IPv4 or IPv6 address", host);
        return STET_EIO;
    }
    /* The address as an operator writes it in server.listen. */
    bool v6 = ss.ss_family == AF_INET6;
    int s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) {
        snprintf(err, err_len, "cannot listen on %s%s%s:%u: %s", v6 ? "[" : "", host, v6 ? "]" : "",
                 (unsigned)port, strerror(errno));
        return STET_EIO;
    }
    int one = 1;
    /* A restart must not wait out the old process's TIME_WAIT connections. */
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6)
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(s, (struct sockaddr *)&ss, len) != 0 || listen(s, HTTP_LISTEN_BACKLOG) != 0 ||
        getsockname(s, (struct sockaddr *)&ss, &len) != 0) {
        snprintf(err, err_len, "cannot listen on %s%s%s:%u: %s", v6 ? "[" : "", host, v6 ? "]" : "",
                 (unsigned)port, strerror(errno));
        close(s);
        return STET_EIO;
    }
    *bound_port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    *fd = s;
    return 0;
}

int http_server_start(const struct http_server_config *cfg, struct http_server **out)
{
    *out = NULL;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    struct http_server *srv = xcalloc(1, sizeof(*srv));
    srv->cfg = *cfg;
    if (srv->cfg.max_body == 0)
        srv->cfg.max_body = HTTP_MAX_BODY;
    srv->id_prefix = random_prefix();
    atomic_init(&srv->next_id, 1);
    atomic_init(&srv->refusing, false);
    mutex_init(&srv->mu);
    for (size_t i = 0; i < N_LANES; i++) {
        srv->lanes[i].srv = srv;
        pthread_cond_init(&srv->lanes[i].cv, NULL);
    }
    clock_cond_init(&srv->idle_cv);
    stream_registry_init(&srv->streams);
    raise_fd_limit();

    const struct conn_guard_config gc = {
        .max_per_client = cfg->max_per_client,
        .exempt = cfg->trusted_proxies,
        .head_timeout_s = cfg->head_timeout_s > 0 ? cfg->head_timeout_s : 15,
        .body_timeout_s = cfg->body_timeout_s > 0 ? cfg->body_timeout_s : 30,
    };
    /* Writers yield the CPU to readers: a flood of logins (an Argon2id hash each)
     * then slows other logins, not every page. */
    srv->lanes[LANE_WRITE].nice = HTTP_WRITE_NICE;
    srv->guard = conn_guard_new(&gc);
    if (srv->guard == NULL ||
        start_lane(srv, LANE_READ, cfg->n_read_workers > 0 ? cfg->n_read_workers : 1) != 0 ||
        start_lane(srv, LANE_WRITE, cfg->n_write_workers > 0 ? cfg->n_write_workers : 1) != 0) {
        stop_workers(srv);
        server_free(srv);
        close(cfg->listen_fd);
        return STET_EIO;
    }

    /* libmicrohttpd warns about a pool size below 2, so a single I/O thread passes the
     * timeout a second time in that slot instead (both take an unsigned int). */
    unsigned n_io = cfg->n_io_threads;
    enum MHD_OPTION pool_opt =
        n_io > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_CONNECTION_TIMEOUT;
    unsigned pool_val = n_io > 1 ? n_io : HTTP_CONN_TIMEOUT_S;
    /* The logger goes first so that messages about later options reach it too. */
    srv->daemon = MHD_start_daemon(
        flags, 0, on_accept, srv, on_access, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)cfg->listen_fd, pool_opt, pool_val,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_CONN_TIMEOUT_S,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(HTTP_MAX_HEADERS + POOL_SLACK),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        /* libmicrohttpd may or may not have closed the socket by now; the process
         * is about to exit, which closes it either way. */
        log_error(NULL, "cannot start the HTTP server");
        stop_workers(srv);
        server_free(srv);
        return STET_EIO;
    }
    *out = srv;
    return 0;
}

void http_server_stop(struct http_server *srv)
{
    if (srv == NULL)
        return;
    /* New connections are closed as they come; those already open keep being
     * served. Not MHD_quiesce_daemon: with an epoll thread pool it races the I/O
     * threads to remove the listening socket from their epoll sets, and the loser
     * aborts the process (an open libmicrohttpd 0.9.75 defect, seen here once). */
    atomic_store(&srv->refusing, true);
    /* Streams never finish on their own: end them now, while the I/O threads can
     * still send each one its last chunk. No connection may stay suspended into
     * MHD_stop_daemon, which also runs the done callbacks of those still open. */
    size_t n_streams = stream_registry_end_all(&srv->streams);
    if (n_streams > 0)
        log_info(NULL, "shutdown: ending %zu streams", n_streams);

    struct timespec deadline = clock_mono_after_ms(HTTP_SHUTDOWN_GRACE_S * 1000);
    mutex_lock(&srv->mu);
    while (srv->n_inflight > 0) {
        if (mutex_timedwait(&srv->mu, &srv->idle_cv, &deadline) == ETIMEDOUT)
            break;
    }
    size_t left = srv->n_inflight;
    mutex_unlock(&srv->mu);
    if (left > 0)
        log_warn(NULL, "shutdown: %zu requests still in flight after %d s", left,
                 HTTP_SHUTDOWN_GRACE_S);

    /* Workers drain the queue before exiting, so no suspended connection is left
     * behind for MHD_stop_daemon. */
    stop_workers(srv);
    MHD_stop_daemon(srv->daemon);
    server_free(srv);
}

const char *http_lib_version(void)
{
    return MHD_get_version();
}
