/* Live comments: which streams listen to which story, and delivery of each comment
 * that becomes visible, is edited or leaves the page to every open stream of its story, on this
 * node and — through the store's change notifications — on every other node. */
#ifndef STET_WEB_LIVE_H
#define STET_WEB_LIVE_H

#include "domain/types.h"
#include "http/req.h"
#include "store/store.h"

#include <stdint.h>

/* A comment line this often keeps proxies from closing idle streams. */
#define LIVE_KEEPALIVE_S 15
/* Recent events kept per story, shared by its streams; a stream further behind reads
 * from the database instead. */
#define LIVE_RING 256
/* The ring's rendered bytes: past this its oldest events are dropped (the newest one
 * always stays). 256 ordinary events (1-4 KB each) fit, so only outsized comments
 * make streams fall back to the database early; with them a story's ring stays near
 * this size instead of 256 times the largest event. */
#define LIVE_RING_BYTES (1024 * 1024)
/* The cap on what one stream stages: a catch-up batch (events read from the database
 * for a stream behind the ring) stops taking events once their rendered text reaches
 * this many bytes; it takes at least one, so an event larger than this is held
 * whole. A stream holds at most one batch and copies straight from it into its
 * connection, so a stream that never reads pins at most this plus one event, about
 * what an idle stream costs anyway (~19 KB of connection state). Streams at the same
 * position share a batch. 8 to 16 ordinary events fit, one query per batch. */
#define LIVE_STAGE_BYTES (16 * 1024)
/* Rows one hub query reads at most (the ring's fetch; a catch-up batch reads about
 * as many as LIVE_STAGE_BYTES will take, judging by the previous batch), which bounds
 * the hub's transient memory to this many comment rows. */
#define LIVE_FETCH_ROWS 16

struct live;

/* Starts the hub: its own thread and store connection for fetching events, and the
 * store's listener for other nodes' changes. NULL when the database cannot be
 * opened (logged). Free with live_free after the HTTP server has stopped. */
struct live *live_new(const char *db_url);
/* Starts the hub on `st`, an open connection it takes over (live_free closes it),
 * without a listener: only live_publish tells it of changes. For one process on its
 * own database, and tests. NULL when the thread cannot start (`st` is closed). */
struct live *live_new_on(struct store *st);
void live_free(struct live *lv);

/* Tells the hub that `story_id` has events up to `seq` (called after commit, from
 * any thread; never blocks on the database). story_id 0: anything may have changed. */
void live_publish(struct live *lv, int64_t story_id, int64_t seq);

/* Answers `req` with an event stream for `story`: every latest event numbered after
 * `after_seq`, oldest first, then live ones, each exactly once. Past events are read
 * by the hub in small batches as the client drains them; nothing here touches the
 * database, so it cannot fail. story->event_seq is only a hint of where the story
 * stands (it may be stale); nothing is skipped on its account. */
void live_subscribe(struct live *lv, struct req *req, const struct story *story, int64_t after_seq);

/* Open streams, for metrics and tests. */
size_t live_n_streams(struct live *lv);

#endif
