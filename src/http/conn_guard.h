/* Keeps one client from holding the server's connections: a cap on open connections
 * per client address, and deadlines by which a connection must have sent a whole
 * request head (and then its body). A thread sweeps twice a second and shuts down
 * the sockets of connections past their deadline or abandoned by their client half
 * way through a request, which makes libmicrohttpd close them.
 * No libmicrohttpd type appears here: the server passes sockets and addresses. */
#ifndef STET_HTTP_CONN_GUARD_H
#define STET_HTTP_CONN_GUARD_H

#include "base/err.h"
#include "base/netaddr.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct conn_guard_config {
    unsigned max_per_client; /* open connections per client; 0: no cap */
    /* Addresses never capped: proxies, which carry many clients on their
     * connections. Borrowed; must outlive the guard. May be NULL. */
    const struct net_list *exempt;
    int head_timeout_s; /* accept (or the previous response) to a whole request head */
    int body_timeout_s; /* a whole head to a whole body */
};

struct conn_guard;
struct guarded_conn;

/* Starts the sweeper thread; NULL when it cannot start (logged). */
struct conn_guard *conn_guard_new(const struct conn_guard_config *cfg);
/* Stops the sweeper. Every connection must have been closed. NULL is a no-op. */
void conn_guard_free(struct conn_guard *g);

/* True when a new connection from `sa` stays within its client's cap. Checked at
 * accept and counted at conn_guard_open, so concurrent accepts on several threads
 * may overshoot the cap by at most their number. */
bool conn_guard_admit(struct conn_guard *g, const struct sockaddr *sa);
/* Tracks an accepted connection: counts it for its client and starts its head
 * deadline. `fd` must stay open until conn_guard_close. */
struct guarded_conn *conn_guard_open(struct conn_guard *g, int fd, const struct sockaddr *sa);
/* Stops tracking (before the socket is closed) and frees `c`. NULL is a no-op. */
void conn_guard_close(struct conn_guard *g, struct guarded_conn *c);

/* The connection's phase, which sets its deadline. */
enum conn_phase {
    CONN_AWAIT_HEAD, /* waiting for a request head: head_timeout_s */
    CONN_AWAIT_BODY, /* head read, body arriving: body_timeout_s */
    CONN_BUSY,       /* request complete: being answered or streaming, no deadline */
};
void conn_guard_phase(struct guarded_conn *c, enum conn_phase phase);

/* Open connections counted for the client of `sa` (tests, /metrics). */
unsigned conn_guard_count(struct conn_guard *g, const struct sockaddr *sa);
/* Connections shut down since start: past a deadline, or abandoned by their client
 * half way through a request. */
size_t conn_guard_n_expired(struct conn_guard *g);

#endif
