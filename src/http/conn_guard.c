/* One mutex guards the per-client counts and the list of open connections; accepts,
 * closes and sweeps take it, requests do not (a phase change is one atomic store).
 * A client is an IPv4 address or an IPv6 /64: one host is commonly given a whole
 * /64, so counting single IPv6 addresses would cap nobody.
 *
 * The sweeper also shuts down a connection still waiting for request bytes whose
 * client has closed its side with nothing left unread: that request can never
 * complete, but libmicrohttpd 0.9.75 keeps such a connection (half way through a
 * body) until its idle timeout, so a client opening and abandoning requests would
 * pile up sockets in CLOSE-WAIT.
 *
 * The sweeper shuts a late socket down while holding the mutex, and libmicrohttpd
 * reports a connection closed (conn_guard_close, which takes the mutex) before it
 * closes the descriptor, so the descriptor shut down is never one reused by a newer
 * connection. */
#include "http/conn_guard.h"

#include "base/clock.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#define GUARD_BUCKETS  4096 /* power of two */
#define GUARD_SWEEP_MS 500

struct client_count {
    uint8_t key[16];
    unsigned n;
    struct client_count *next;
};

struct guarded_conn {
    struct conn_guard *g;
    struct guarded_conn *prev, *next;
    int fd;
    uint8_t key[16];
    bool counted;
    _Atomic int64_t deadline_ns; /* CLOCK_MONOTONIC; 0: none */
};

struct conn_guard {
    struct conn_guard_config cfg;
    struct mutex mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC; wakes the sweeper to stop */
    bool stop;
    pthread_t thread;
    struct client_count *buckets[GUARD_BUCKETS];
    struct guarded_conn *conns;
    size_t n_expired;
    /* The sweeper's scratch: connections waiting for bytes, polled at once. */
    struct pollfd *polled;
    struct guarded_conn **polled_conns;
    size_t polled_cap;
};

static bool client_key(const struct sockaddr *sa, uint8_t key[16])
{
    if (!netaddr_from_sockaddr(sa, key))
        return false;
    if (!netaddr_is_v4(key))
        memset(key + 8, 0, 8); /* IPv6: the /64 */
    return true;
}

static struct client_count **slot(struct conn_guard *g, const uint8_t key[16])
{
    mutex_assert_held(&g->mu);
    uint64_t h = hash_bytes(HASH_INIT, key, 16);
    struct client_count **p = &g->buckets[h & (GUARD_BUCKETS - 1)];
    while (*p != NULL && memcmp((*p)->key, key, 16) != 0)
        p = &(*p)->next;
    return p;
}

static bool exempt(const struct conn_guard *g, const struct sockaddr *sa)
{
    uint8_t addr[16];
    return g->cfg.max_per_client == 0 ||
           (netaddr_from_sockaddr(sa, addr) && net_list_has(g->cfg.exempt, addr));
}

static void shut(struct conn_guard *g, struct guarded_conn *c)
{
    /* Under mu, or libmicrohttpd could close c->fd and reuse it (see the top). */
    mutex_assert_held(&g->mu);
    /* Both directions: libmicrohttpd's next read sees the end and closes. */
    if (shutdown(c->fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
        log_warn(NULL, "cannot shut down a connection: %s", strerror(errno));
    atomic_store_explicit(&c->deadline_ns, 0, memory_order_relaxed);
    g->n_expired++;
}

/* True when the client closed its side and libmicrohttpd has read everything. */
static bool abandoned(const struct pollfd *p)
{
    int pending = 0;
    return (p->revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0 &&
           ioctl(p->fd, FIONREAD, &pending) == 0 && pending == 0;
}

static void sweep(struct conn_guard *g)
{
    mutex_assert_held(&g->mu); /* g->conns, and shut() */
    int64_t now = clock_mono_ns();
    size_t n = 0;
    for (struct guarded_conn *c = g->conns; c != NULL; c = c->next) {
        int64_t d = atomic_load_explicit(&c->deadline_ns, memory_order_relaxed);
        if (d == 0)
            continue;
        if (now > d) {
            shut(g, c);
            continue;
        }
        if (n == g->polled_cap) {
            g->polled_cap = g->polled_cap > 0 ? 2 * g->polled_cap : 64;
            g->polled = xrealloc(g->polled, g->polled_cap * sizeof(*g->polled));
            g->polled_conns = xrealloc(g->polled_conns, g->polled_cap * sizeof(*g->polled_conns));
        }
        g->polled[n] = (struct pollfd){c->fd, POLLRDHUP, 0};
        g->polled_conns[n++] = c;
    }
    if (n == 0 || poll(g->polled, n, 0) <= 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (abandoned(&g->polled[i]))
            shut(g, g->polled_conns[i]);
}

static void *sweeper_main(void *arg)
{
    pthread_setname_np(pthread_self(), "stet-sweeper"); /* for top -H, gdb, perf */
    struct conn_guard *g = arg;
    mutex_lock(&g->mu);
    while (!g->stop) {
        sweep(g);
        struct timespec next = clock_mono_after_ms(GUARD_SWEEP_MS);
        mutex_timedwait(&g->mu, &g->cv, &next);
    }
    mutex_unlock(&g->mu);
    return NULL;
}

struct conn_guard *conn_guard_new(const struct conn_guard_config *cfg)
{
    struct conn_guard *g = xcalloc(1, sizeof(*g));
    g->cfg = *cfg;
    mutex_init(&g->mu);
    clock_cond_init(&g->cv);
    int err = pthread_create(&g->thread, NULL, sweeper_main, g);
    if (err != 0) {
        log_error(NULL, "cannot start the connection sweeper: %s", strerror(err));
        pthread_cond_destroy(&g->cv);
        mutex_cleanup(&g->mu);
        free(g);
        return NULL;
    }
    return g;
}

void conn_guard_free(struct conn_guard *g)
{
    if (g == NULL)
        return;
    mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->cv);
    mutex_unlock(&g->mu);
    pthread_join(g->thread, NULL);
    for (size_t i = 0; i < GUARD_BUCKETS; i++)
        while (g->buckets[i] != NULL) {
            struct client_count *c = g->buckets[i];
            g->buckets[i] = c->next;
            free(c);
        }
    pthread_cond_destroy(&g->cv);
    mutex_cleanup(&g->mu);
    free(g->polled);
    free(g->polled_conns);
    free(g);
}

bool conn_guard_admit(struct conn_guard *g, const struct sockaddr *sa)
{
    uint8_t key[16];
    if (exempt(g, sa) || !client_key(sa, key))
        return true;
    mutex_lock(&g->mu);
    struct client_count *c = *slot(g, key);
    bool ok = c == NULL || c->n < g->cfg.max_per_client;
    mutex_unlock(&g->mu);
    return ok;
}

struct guarded_conn *conn_guard_open(struct conn_guard *g, int fd, const struct sockaddr *sa)
{
    struct guarded_conn *c = xcalloc(1, sizeof(*c));
    c->g = g;
    c->fd = fd;
    c->counted = !exempt(g, sa) && client_key(sa, c->key);
    atomic_init(&c->deadline_ns, 0);
    conn_guard_phase(c, CONN_AWAIT_HEAD);
    mutex_lock(&g->mu);
    if (c->counted) {
        struct client_count **p = slot(g, c->key);
        if (*p == NULL) {
            *p = xcalloc(1, sizeof(**p));
            memcpy((*p)->key, c->key, 16);
        }
        (*p)->n++;
    }
    c->next = g->conns;
    if (g->conns != NULL)
        g->conns->prev = c;
    g->conns = c;
    mutex_unlock(&g->mu);
    return c;
}

void conn_guard_close(struct conn_guard *g, struct guarded_conn *c)
{
    if (c == NULL)
        return;
    mutex_lock(&g->mu);
    if (c->counted) {
        struct client_count **p = slot(g, c->key);
        if (*p != NULL && --(*p)->n == 0) {
            struct client_count *gone = *p;
            *p = gone->next;
            free(gone);
        }
    }
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        g->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    mutex_unlock(&g->mu);
    free(c);
}

void conn_guard_phase(struct guarded_conn *c, enum conn_phase phase)
{
    int64_t d = 0;
    if (phase == CONN_AWAIT_HEAD)
        d = clock_mono_ns() + (int64_t)c->g->cfg.head_timeout_s * 1000000000;
    else if (phase == CONN_AWAIT_BODY)
        d = clock_mono_ns() + (int64_t)c->g->cfg.body_timeout_s * 1000000000;
    atomic_store_explicit(&c->deadline_ns, d, memory_order_relaxed);
}

unsigned conn_guard_count(struct conn_guard *g, const struct sockaddr *sa)
{
    uint8_t key[16];
    if (!client_key(sa, key))
        return 0;
    mutex_lock(&g->mu);
    struct client_count *c = *slot(g, key);
    unsigned n = c != NULL ? c->n : 0;
    mutex_unlock(&g->mu);
    return n;
}

size_t conn_guard_n_expired(struct conn_guard *g)
{
    mutex_lock(&g->mu);
    size_t n = g->n_expired;
    mutex_unlock(&g->mu);
    return n;
}
