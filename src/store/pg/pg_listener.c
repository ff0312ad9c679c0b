/* The PostgreSQL change listener: a thread with its own connection that LISTENs on
 * a channel — stet_events, handing each "STORY_ID:SEQ" notification to a callback,
 * or stet_changes, calling it with (0, 0) for each — and says whether it is
 * listening right now. It waits in poll() on the server socket and a wake-up pipe,
 * so stopping it is prompt, and it reconnects by itself with backoff when the
 * server goes away. */
#include "store/pg/pg_store.h"

#include "base/log.h"
#include "base/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EVENTS_CHANNEL      "stet_events"
#define BACKOFF_FIRST_MS    500
#define BACKOFF_MAX_MS      5000
#define CONNECT_DEADLINE_MS 10000
#define IDLE_POLL_MS        30000

struct store_listener {
    pthread_t thread;
    int wake[2]; /* written once by stop; never drained, so it stays readable */
    atomic_bool stop;
    store_event_fn fn;
    void *ctx;
    struct pg_params params;
    PGconn *conn;
    char channel[48];
    bool events; /* the channel is stet_events: notifications carry numbers */
    atomic_bool listening;
};

enum wait_result { W_READY, W_TIMEOUT, W_STOP, W_ERROR };

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until `fd` (may be -1: only the wake pipe) has `events`, stop is asked, or
 * `ms` pass. */
static enum wait_result wait_fd(struct store_listener *l, int fd, short events, int ms)
{
    struct pollfd pfd[2] = {{.fd = l->wake[0], .events = POLLIN}, {.fd = fd, .events = events}};
    for (;;) {
        if (atomic_load(&l->stop))
            return W_STOP;
        int n = poll(pfd, fd >= 0 ? 2 : 1, ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return W_ERROR;
        if (atomic_load(&l->stop) || pfd[0].revents != 0)
            return W_STOP;
        if (n == 0)
            return W_TIMEOUT;
        return W_READY;
    }
}

static void log_conn_error(const char *what, PGconn *conn)
{
    char line[600];
    const char *m = conn != NULL ? PQerrorMessage(conn) : "out of memory";
    log_warn(NULL, "postgres listener: %s: %s", what, pg_one_line(m, line, sizeof(line)));
}

static void on_notice(void *arg, const PGresult *r)
{
    pg_notice_receiver(arg, r);
}

/* Connects without blocking past a deadline or a stop request. */
static enum wait_result connect_async(struct store_listener *l, bool quiet)
{
    int64_t deadline = now_ms() + CONNECT_DEADLINE_MS;
    l->conn = PQconnectStartParams((const char *const *)l->params.keys,
                                   (const char *const *)l->params.vals, 0);
    if (l->conn == NULL || PQstatus(l->conn) == CONNECTION_BAD) {
        if (!quiet)
            log_conn_error("connect", l->conn);
        return W_ERROR;
    }
    PQsetNoticeReceiver(l->conn, on_notice, NULL);
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    for (;;) {
        if (st == PGRES_POLLING_OK)
            return W_READY;
        if (st == PGRES_POLLING_FAILED) {
            if (!quiet)
                log_conn_error("connect", l->conn);
            return W_ERROR;
        }
        int left = (int)(deadline - now_ms());
        if (left <= 0) {
            if (!quiet)
                log_warn(NULL, "postgres listener: connect: timed out");
            return W_ERROR;
        }
        enum wait_result w =
            wait_fd(l, PQsocket(l->conn), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, left);
        if (w == W_STOP)
            return W_STOP;
        st = PQconnectPoll(l->conn);
    }
}

/* Sends LISTEN and waits for its result the same interruptible way. */
static enum wait_result listen_async(struct store_listener *l)
{
    char sql[sizeof(l->channel) + 8];
    snprintf(sql, sizeof(sql), "LISTEN %s", l->channel);
    if (!PQsendQuery(l->conn, sql)) {
        log_conn_error("listen", l->conn);
        return W_ERROR;
    }
    while (PQisBusy(l->conn)) {
        enum wait_result w = wait_fd(l, PQsocket(l->conn), POLLIN, CONNECT_DEADLINE_MS);
        if (w != W_READY) {
            if (w != W_STOP)
                log_warn(NULL, "postgres listener: listen: no answer");
            return w == W_STOP ? W_STOP : W_ERROR;
        }
        if (!PQconsumeInput(l->conn)) {
            log_conn_error("listen", l->conn);
            return W_ERROR;
        }
    }
    bool ok = true;
    PGresult *r;
    while ((r = PQgetResult(l->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            ok = false;
        PQclear(r);
    }
    if (!ok)
        log_conn_error("listen", l->conn);
    return ok ? W_READY : W_ERROR;
}

/* "STORY_ID:SEQ" -> fn; anything else is logged and skipped (only stet sends on
 * this channel, but a stray NOTIFY must not crash a node). On another channel every
 * notification is (0, 0). */
static void deliver(struct store_listener *l, const PGnotify *n)
{
    int64_t story_id = 0, seq = 0;
    const char *extra = n->extra != NULL ? n->extra : "";
    const char *colon = strchr(extra, ':');
    if (strcmp(n->relname, l->channel) != 0)
        return;
    if (!l->events) {
        l->fn(l->ctx, 0, 0);
        return;
    }
    if (colon == NULL ||
        str_to_i64((struct str){extra, (size_t)(colon - extra)}, 1, INT64_MAX, &story_id) != 0 ||
        str_to_i64(str_from(colon + 1), 1, INT64_MAX, &seq) != 0) {
        log_warn(NULL, "postgres listener: ignoring malformed notification (%zu bytes)",
                 strlen(extra));
        return;
    }
    l->fn(l->ctx, story_id, seq);
}

/* Delivers notifications until the connection fails (W_ERROR) or stop (W_STOP). */
static enum wait_result pump(struct store_listener *l)
{
    for (;;) {
        PGnotify *n;
        while ((n = PQnotifies(l->conn)) != NULL) {
            deliver(l, n);
            PQfreemem(n);
        }
        enum wait_result w = wait_fd(l, PQsocket(l->conn), POLLIN, IDLE_POLL_MS);
        if (w == W_STOP || w == W_ERROR)
            return w;
        if (w == W_READY && !PQconsumeInput(l->conn))
            return W_ERROR;
        if (PQstatus(l->conn) != CONNECTION_OK)
            return W_ERROR;
    }
}

static void drop_conn(struct store_listener *l)
{
    atomic_store(&l->listening, false);
    PQfinish(l->conn);
    l->conn = NULL;
}

static void *listener_main(void *arg)
{
    pthread_setname_np(pthread_self(), "stet-listen"); /* for top -H, gdb, perf */
    struct store_listener *l = arg;
    int backoff = BACKOFF_FIRST_MS;
    bool down = false; /* logged the outage already */
    for (;;) {
        enum wait_result w = connect_async(l, down);
        if (w == W_READY)
            w = listen_async(l);
        if (w == W_STOP)
            break;
        if (w != W_READY) {
            drop_conn(l);
            down = true;
            if (wait_fd(l, -1, 0, backoff) == W_STOP)
                break;
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        if (down)
            log_info(NULL, "postgres listener: listening again");
        down = false;
        backoff = BACKOFF_FIRST_MS;
        /* From here on notifications arrive; whatever happened before did not. Told
         * before `listening` is set, so a reader that sees it also sees the call's
         * effect. */
        l->fn(l->ctx, 0, 0);
        atomic_store(&l->listening, true);
        w = pump(l);
        if (w == W_STOP)
            break;
        log_conn_error("connection lost; reconnecting", l->conn);
        drop_conn(l);
        down = true;
        if (wait_fd(l, -1, 0, backoff) == W_STOP)
            break;
    }
    drop_conn(l);
    return NULL;
}

int pg_listener_start(const char *url, store_event_fn fn, void *ctx, struct store_listener **out)
{
    return pg_listener_start_on(url, EVENTS_CHANNEL, fn, ctx, out);
}

bool pg_listener_listening(struct store_listener *l)
{
    return atomic_load(&l->listening);
}

int pg_listener_start_on(const char *url, const char *channel, store_event_fn fn, void *ctx,
                         struct store_listener **out)
{
    *out = NULL;
    struct store_listener *l = xcalloc(1, sizeof(*l));
    l->fn = fn;
    l->ctx = ctx;
    snprintf(l->channel, sizeof(l->channel), "%s", channel);
    l->events = strcmp(channel, EVENTS_CHANNEL) == 0;
    atomic_init(&l->stop, false);
    atomic_init(&l->listening, false);
    int rc = pg_params_from_url(url, "stet-listener", true, &l->params);
    if (rc != 0) {
        free(l);
        return rc;
    }
    if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        log_error(NULL, "postgres listener: pipe: %s", strerror(errno));
        pg_params_cleanup(&l->params);
        free(l);
        return STET_EIO;
    }
    rc = pthread_create(&l->thread, NULL, listener_main, l);
    if (rc != 0) {
        log_error(NULL, "postgres listener: thread: %s", strerror(rc));
        close(l->wake[0]);
        close(l->wake[1]);
        pg_params_cleanup(&l->params);
        free(l);
        return STET_EIO;
    }
    *out = l;
    return 0;
}

void pg_listener_stop(struct store_listener *l)
{
    if (l == NULL)
        return;
    atomic_store(&l->stop, true);
    /* A full pipe is already readable, which is all the thread needs. */
    ssize_t w = write(l->wake[1], "x", 1);
    (void)w;
    pthread_join(l->thread, NULL);
    close(l->wake[0]);
    close(l->wake[1]);
    pg_params_cleanup(&l->params);
    free(l);
}
