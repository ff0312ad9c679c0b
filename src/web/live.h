/* Live comments: which streams listen to which story, and delivery of each comment
 * that becomes visible to every open stream of its story, on this node and — through
 * the store's change notifications — on every other node. */
#ifndef STET_WEB_LIVE_H
#define STET_WEB_LIVE_H

#include "domain/types.h"
#include "http/req.h"
#include "store/store.h"

#include <stdint.h>

/* A comment line this often keeps proxies from closing idle streams. */
#define LIVE_KEEPALIVE_S 15
#define LIVE_RING        256  /* recent events kept per story for streams that fall behind */
#define LIVE_CATCHUP_MAX 1000 /* events sent on connect to a client resuming from an old id */

struct live;

/* Starts the hub: its own thread and store connection for fetching new events, and
 * the store's listener for other nodes' changes. NULL when the database cannot be
 * opened (logged). Free with live_free after the HTTP server has stopped. */
struct live *live_new(const char *db_url);
void live_free(struct live *lv);

/* Tells the hub that `story_id` has events up to `seq` (called after commit, from
 * any thread; never blocks on the database). */
void live_publish(struct live *lv, int64_t story_id, int64_t seq);

/* Answers `req` with an event stream for `story`, first replaying its events after
 * `after_seq` (from the request's store connection), then live ones. Returns 0, or a
 * STET_E* code when the catch-up query fails (nothing was answered then). */
int live_subscribe(struct live *lv, struct req *req, struct store *st, const struct story *story,
                   int64_t after_seq) STET_MUST_CHECK;

/* Open streams, for metrics and tests. */
size_t live_n_streams(struct live *lv);

#endif
