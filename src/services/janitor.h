/* Housekeeping on a timer: a thread of its own runs a task once at start and then
 * every interval, and stops promptly when asked. `stet serve` uses it to delete
 * expired sessions and idle rate-limit buckets; what the task does is the caller's
 * (this layer sees neither store nor domain). */
#ifndef STET_SERVICES_JANITOR_H
#define STET_SERVICES_JANITOR_H

#include "base/err.h"

#include <stdbool.h>

#define JANITOR_INTERVAL_MAX (24 * 3600) /* seconds */

/* One bounded piece of work. Returns true when it stopped with work left: it is
 * then run again at once (unless the janitor is stopping), so a backlog is worked
 * off in pieces without making a stop wait for all of it. */
typedef bool (*janitor_fn)(void *ctx);

struct janitor;

/* Starts the thread: fn(ctx) runs at once, then every `interval_s` seconds
 * (1..JANITOR_INTERVAL_MAX) measured on the monotonic clock. EINVAL for an interval
 * out of range, EIO when the thread cannot start. Stop with janitor_stop. */
int janitor_start(int interval_s, janitor_fn fn, void *ctx, struct janitor **out) STET_MUST_CHECK;
/* Ends a wait at once, lets a call of fn under way finish, joins and frees. NULL is
 * a no-op. */
void janitor_stop(struct janitor *j);

#endif
