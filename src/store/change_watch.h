/* Whether the database changed, answered without a database call: a thread with its
 * own connection asks the backend (store_ops.data_changed) about once a millisecond
 * while requests are asking, and counts what it hears. A request thread reads that
 * count and how fresh it is, so the pool's memo of reads can be trusted on threads
 * that must never wait for the database. Internal to store/. */
#ifndef STET_STORE_CHANGE_WATCH_H
#define STET_STORE_CHANGE_WATCH_H

#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

/* How often the thread asks while it is wanted, and how old its latest answer may
 * be for a reader to trust it. A change committed by another process or node shows
 * within CHANGE_WATCH_FRESH_MS (plus, on PostgreSQL, the NOTIFY's trip); this
 * process's own writes are counted by the pool at once. The margin over the
 * interval absorbs the scheduler on a busy machine: a watcher that falls behind
 * costs memo hits, never correctness. */
#define CHANGE_WATCH_INTERVAL_MS 1
#define CHANGE_WATCH_FRESH_MS    25
/* Without a reader asking for this long, the thread sleeps until one does. */
#define CHANGE_WATCH_IDLE_MS 1000

struct change_watch;

/* Opens the watcher's connection (store_open(url)) and starts its thread, asleep
 * until the first change_watch_stamp. store_open's errors; EIO when the thread
 * cannot start (logged). Free with change_watch_free. */
int change_watch_new(const char *url, struct change_watch **out) STET_MUST_CHECK;
/* Stops the thread and closes its connection. NULL is a no-op. */
void change_watch_free(struct change_watch *w);

/* Never blocks. *stamp grows by at least one with every change the thread heard
 * (and with every failed check). True when the answer is fresh: every commit made
 * more than CHANGE_WATCH_FRESH_MS ago by any connection or process is counted.
 * False when the thread is behind or asleep; it is woken, and the caller must not
 * trust a memo entry on this stamp. */
bool change_watch_stamp(struct change_watch *w, uint64_t *stamp);

#endif
