/* Streaming responses on libmicrohttpd: a content reader that calls the owner's
 * producer and, when it has nothing, suspends the connection from inside the reader
 * (the pattern microhttpd.h prescribes) until http_stream_wake resumes it. A mutex
 * and the parked/pending flags per stream make park and wake safe to race. */
#include "http/stream_mhd.h"

#include "base/log.h"
#include "base/mutex.h"
#include "base/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

/* Under HTTP/1.1 (chunked) libmicrohttpd 0.9.75 hands the reader the connection's
 * write buffer (the free part of its pool) and leaves this response buffer unused;
 * only HTTP/1.0 clients read through it. Each idle stream pays for it, so it stays
 * small: 4 KiB cost about 4 KB of RSS per stream for nothing. */
#define STREAM_BLOCK_SIZE 256

struct http_stream {
    struct mutex mu; /* guards parked, pending and ending */
    bool parked;     /* the connection is suspended and waits for a wake */
    bool pending;    /* a wake came while not parked: produce again before parking */
    bool ending;     /* the server is stopping: end without producing */

    http_stream_fn produce;
    http_stream_done_fn done;
    void *ctx;
    char rid[32]; /* request id for logs; the request arena is gone before done */

    /* Set once before the response is queued; then used by the I/O thread only. */
    struct MHD_Connection *conn;
    MHD_socket fd;
    uint64_t bytes;

    struct stream_registry *reg; /* NULL until registered */
    struct http_stream *prev;
    struct http_stream *next;
};

struct http_stream *resp_stream(struct req *req, const char *content_type, http_stream_fn produce,
                                http_stream_done_fn done, void *ctx)
{
    if (req->resp.stream != NULL) {
        /* Two streams for one request would leave one without its done call. */
        log_error(req->id, "resp_stream called twice for one request");
        abort();
    }
    struct http_stream *s = xcalloc(1, sizeof(*s));
    mutex_init(&s->mu);
    s->produce = produce;
    s->done = done;
    s->ctx = ctx;
    s->fd = MHD_INVALID_SOCKET;
    snprintf(s->rid, sizeof(s->rid), "%s", req->id != NULL ? req->id : "-");

    req->resp.status = 200;
    req->resp.content_type = content_type;
    req->resp.body = NULL;
    req->resp.body_len = 0;
    req->resp.stream = s;
    return s;
}

void http_stream_wake(struct http_stream *s)
{
    mutex_lock(&s->mu);
    if (s->parked) {
        /* Resuming under the lock orders it after the suspend that set `parked`, and
         * clearing the flag makes this the only resume for that suspend. */
        s->parked = false;
        MHD_resume_connection(s->conn);
    } else {
        s->pending = true;
    }
    mutex_unlock(&s->mu);
}

/* A suspended connection is out of libmicrohttpd's event loop, so a client that
 * left is only seen when something is written. Peeking before parking notices an
 * orderly close (or a reset) at once, so every wake reaps streams of gone clients.
 * SSE clients never half-close; one that does is treated as gone. */
static bool peer_gone(const struct http_stream *s)
{
    if (s->fd == MHD_INVALID_SOCKET)
        return false;
    char c;
    ssize_t n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0)
        return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return true;
    return false;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct http_stream *s = cls;
    for (;;) {
        mutex_lock(&s->mu);
        bool ending = s->ending;
        /* Wakes before this point are covered by the produce call below. */
        s->pending = false;
        mutex_unlock(&s->mu);
        if (ending)
            return MHD_CONTENT_READER_END_OF_STREAM;

        ssize_t n = s->produce(s->ctx, buf, max);
        if (n < 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (n > 0) {
            if ((size_t)n > max) {
                log_error(s->rid, "stream producer wrote %zd bytes into %zu", n, max);
                return MHD_CONTENT_READER_END_WITH_ERROR;
            }
            s->bytes += (uint64_t)n;
            return n;
        }
        if (peer_gone(s))
            return MHD_CONTENT_READER_END_OF_STREAM;

        mutex_lock(&s->mu);
        if (s->ending) {
            mutex_unlock(&s->mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (s->pending) {
            /* Woken while producing: the news may have missed that call. Each extra
             * round answers one wake, so this never spins on its own. */
            mutex_unlock(&s->mu);
            continue;
        }
        /* Returning 0 without suspending would make libmicrohttpd poll the reader
         * in a busy loop. */
        s->parked = true;
        MHD_suspend_connection(s->conn);
        mutex_unlock(&s->mu);
        return 0;
    }
}

static void unregister(struct http_stream *s)
{
    struct stream_registry *r = s->reg;
    if (r == NULL)
        return;
    mutex_lock(&r->mu);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        r->head = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    r->n--;
    mutex_unlock(&r->mu);
    s->reg = NULL;
}

void stream_abandon(struct http_stream *s)
{
    if (s == NULL)
        return;
    unregister(s); /* its mutex_lock checks that the registry's lock is not ours */
    /* No lock of ours is held here: done may take the owner's lock, and the owner
     * takes that lock around http_stream_wake, which takes s->mu. */
    mutex_assert_not_held(&s->mu);
    s->done(s->ctx);
    mutex_cleanup(&s->mu);
    free(s);
}

/* libmicrohttpd's free callback: runs once, when the last reference to the response
 * is gone, after the request-completed callback, never while the reader runs. */
static void on_response_free(void *cls)
{
    stream_abandon(cls);
}

struct MHD_Response *stream_response_new(struct http_stream *s, struct stream_registry *r,
                                         struct MHD_Connection *conn)
{
    s->conn = conn;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci != NULL)
        s->fd = ci->connect_fd;

    mutex_lock(&r->mu);
    s->reg = r;
    s->prev = NULL;
    s->next = r->head;
    if (r->head != NULL)
        r->head->prev = s;
    r->head = s;
    r->n++;
    if (r->ending) {
        mutex_lock(&s->mu);
        s->ending = true;
        mutex_unlock(&s->mu);
    }
    mutex_unlock(&r->mu);

    struct MHD_Response *mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK_SIZE,
                                                                reader, s, on_response_free);
    if (mr == NULL) {
        log_error(s->rid, "cannot create a stream response");
        stream_abandon(s);
    }
    return mr;
}

uint64_t stream_bytes(const struct http_stream *s)
{
    return s->bytes;
}

void stream_registry_init(struct stream_registry *r)
{
    mutex_init(&r->mu);
    r->head = NULL;
    r->n = 0;
    r->ending = false;
}

void stream_registry_cleanup(struct stream_registry *r)
{
    if (r->n != 0)
        log_error(NULL, "%zu streams outlived their server", r->n);
    mutex_cleanup(&r->mu);
}

size_t stream_registry_end_all(struct stream_registry *r)
{
    mutex_lock(&r->mu);
    r->ending = true;
    size_t n = r->n;
    for (struct http_stream *s = r->head; s != NULL; s = s->next) {
        mutex_lock(&s->mu);
        s->ending = true;
        if (s->parked) {
            s->parked = false;
            MHD_resume_connection(s->conn);
        }
        mutex_unlock(&s->mu);
    }
    mutex_unlock(&r->mu);
    return n;
}
