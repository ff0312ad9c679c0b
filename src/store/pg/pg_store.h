/* The PostgreSQL driver of the SQL core (store/sql/driver.h), private to store/:
 * store.c opens it for "postgres://" and "postgresql://" URLs. The connection
 * parameters and messages (pg_conninfo.c) are shared with the LISTEN thread
 * (pg_listener.c) and the change watch (pg_watch.c). No libpq type appears here, so
 * including it never pulls in <libpq-fe.h>. */
#ifndef STET_STORE_PG_PG_STORE_H
#define STET_STORE_PG_PG_STORE_H

#include "base/arena.h"
#include "store/sql/queries.h"
#include "store/store.h"

/* Connection keywords and values for libpq, NULL-terminated arrays on the heap. */
struct pg_params {
    char **keys;
    char **vals;
    size_t n;
};

/* Parses a libpq URL and adds what stet always wants: connect_timeout=5 and
 * application_name=`app` unless the URL sets them, and client_encoding=UTF8. With
 * `listener`, short TCP keepalives too, so a silently dead peer is noticed. EINVAL
 * (logged without the URL, which may hold a password) when it does not parse. */
int pg_params_from_url(const char *url, const char *app, bool listener,
                       struct pg_params *out) STET_MUST_CHECK;
void pg_params_cleanup(struct pg_params *p);

/* `m` (a libpq message, which may span lines and ends in a newline) as one log
 * line in `buf`; returns buf. */
const char *pg_one_line(const char *m, char *buf, size_t size);

/* Logs the server's warnings (and errors sent outside a query, such as "terminating
 * connection") as log lines instead of libpq's default raw stderr print. Its
 * signature is libpq's PQnoticeReceiver; `r` is a const PGresult *. */
void pg_notice_receiver(void *arg, const void *r);

/* Opens one connection (connect_timeout=5 and application_name=stet unless the URL
 * sets them). EUNAVAIL when the server cannot be reached, EINVAL for a malformed
 * URL, EIO otherwise (logged). Close with store_close. */
int pg_store_open(const char *url, struct store **out) STET_MUST_CHECK;
/* Whether the connection's database holds stet's schema (the schema_migrations
 * table `stet migrate` creates first, on the search path): false for a new, empty
 * database. EIO (logged) when it cannot tell. */
int pg_store_has_schema(struct store *st, bool *has) STET_MUST_CHECK;

/* Starts the LISTEN thread for store_listener_start; see store.h. Never blocks on
 * the network: the thread connects (and reconnects) by itself. EINVAL for a
 * malformed URL. Stop with pg_listener_stop. */
int pg_listener_start(const char *url, store_event_fn fn, void *ctx,
                      struct store_listener **out) STET_MUST_CHECK;
void pg_listener_stop(struct store_listener *l);
/* The same on another channel (a plain identifier stet owns, e.g. "stet_changes"),
 * calling fn(ctx, 0, 0) for each notification and after each (re)connection. */
int pg_listener_start_on(const char *url, const char *channel, store_event_fn fn, void *ctx,
                         struct store_listener **out) STET_MUST_CHECK;
/* True while LISTEN is in effect: notifications from then on arrive. */
bool pg_listener_listening(struct store_listener *l);

/* Commits by other connections and processes, seen through LISTEN stet_changes
 * (migration 0004's triggers notify on every change to site data): one listening
 * connection per database URL per process, shared by all of that URL's
 * connections, started on first use and stopped with the last. */
struct pg_watch;
struct pg_watch *pg_watch_acquire(const char *url);
void pg_watch_release(struct pg_watch *w);
/* Notifications and reconnections counted so far; false while not listening, when
 * anything may have changed unseen. */
bool pg_watch_count(struct pg_watch *w, uint64_t *count);

/* For tests: EXPLAIN EXECUTE of query `q` with `args` (SQL literals, comma
 * separated), as a generic or a custom plan, one line per plan node, allocated in
 * `a`. The store must be one migrated PostgreSQL connection (EINVAL otherwise). */
int pg_store_explain(struct arena *a, struct store *st, enum sql_query q, const char *args,
                     bool generic, const char **plan) STET_MUST_CHECK;

/* For tests: the connection's libpq URL parameters after the defaults are added,
 * as "key=value" lines with any password left out, allocated in `a`. */
int pg_store_conninfo(struct arena *a, const char *url, const char **out) STET_MUST_CHECK;

/* The libpq version running, as PQlibVersion numbers it (150018 for 15.18). */
int pg_store_lib_version(void);

#endif
