/* The live-comments hub. Streams subscribe per story; the hub's own thread (never a
 * request thread, never while a request holds a store connection) fetches each
 * story's new events once into a ring of rendered Server-Sent Events shared by its
 * streams, and reads older events in small batches for streams that are behind the
 * ring, when they ask. Event numbers are the story's own (1, 2, 3 in commit order),
 * so a client resuming with Last-Event-ID gets exactly what it missed.
 *
 * An event is a comment's latest change: each change (it became visible, was edited,
 * left the page) gives the comment the story's next number in the change's own
 * transaction, so a number the comment has left behind has no row any more, and a
 * stream that missed both hears only the newer. The row's state names the event
 * (event_render): "comment", "updated" or "removed".
 *
 * What a stream holds: a cursor (the number of the last event it sent or skipped),
 * a reference to the event it is in the middle of sending, and at most one catch-up
 * batch (LIVE_STAGE_BYTES). It copies straight from those shared events into its
 * connection, and asks for more only once its connection has taken the previous
 * bytes, so a client that stops reading pins one batch, however long the backlog.
 *
 * Invariants (under the lock), which make every event arrive once and in order:
 *  1. A channel's ring holds, for every comment of its story, the latest of its
 *     fetched events numbered in (floor, last_seq] (none if a later one was
 *     fetched), in slot seq % LIVE_RING, and nothing else; last_seq - floor <=
 *     LIVE_RING. Nothing is known about numbers up to floor: a new channel starts
 *     with floor = last_seq = the subscribing request's story->event_seq, a snapshot
 *     that may be stale (the memo, another node), so an empty slot means
 *     "superseded" only above floor. Only the hub thread moves floor and last_seq,
 *     and both only grow.
 *  2. A stream's cursor only grows, and it sends an event only when the event's
 *     number is above its cursor (then the cursor becomes that number): no repeats.
 *  3. A stream with cursor >= floor reads the ring; one below floor reads a batch
 *     holding every latest event in (after, upto] with after <= cursor < upto,
 *     and moves its cursor to upto when done. A batch's query starts after the
 *     channel's last_seq was read, and every event up to that number had committed
 *     by then (it was fetched, or is a committed snapshot's), so a batch cut by
 *     neither its row limit nor LIVE_STAGE_BYTES covers up to that number even
 *     where the query found no rows. Together with 1: no gaps.
 *  4. Every commit reaches live_publish (this node after commit, others by NOTIFY,
 *     a listener reconnect as story 0) or, on SQLite, which has no listener, the
 *     hub's poll of the database for other processes' commits (refetch_all), and a
 *     channel fetches after its last_seq when created and whenever told of a higher
 *     number, so the ring reaches every committed event.
 * The old rule compared the stream's position with its own request's snapshot and
 * took an empty slot at or below a newer channel's starting point for a superseded
 * event, so a stream that subscribed between another request's snapshot and the
 * channel's creation skipped events; 1 and 3 are the cure.
 *
 * Locking: one mutex guards channels, batches, streams, reference counts and the work
 * list. http_stream_wake is called with it held so a stream cannot end (and be freed)
 * between the decision to wake it and the wake; the producer takes the same mutex,
 * and http/ calls the producer without holding any lock of its own. Events are
 * immutable once made, so only their reference counts need the lock. */
#include "web/live.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "http/stream.h"
#include "render/json.h"
#include "store/store.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVE_BUCKETS 4096
/* How often a hub without a listener (SQLite) asks whether another process
 * committed, while streams are open. */
#define LIVE_POLL_MS 250

static const char RETRY_TEXT[] = "retry: 3000\n\n";
static const char PING_TEXT[] = ": keep-alive\n\n";

/* One rendered event; freed with its last reference (ring slot, batch, stream). */
struct event {
    int64_t seq;
    int64_t comment_id; /* whose latest change it was when read */
    size_t refs;
    size_t len;
    char text[];
};

/* Every latest event when read with a number in (after, upto], oldest first (maybe
 * none); shared by the streams whose cursor lies in [after, upto). Lives while a
 * stream holds it. */
struct batch {
    int64_t after, upto;
    size_t refs;
    size_t n;
    struct event *ev[LIVE_FETCH_ROWS];
    struct batch *next;
};

struct channel;

struct sub {
    struct live *lv;
    struct channel *ch;
    struct http_stream *stream; /* NULL until answered, and again once ended */
    int64_t cursor;             /* every event up to this number is sent or skipped */
    const char *note;           /* fixed text being sent (retry, keep-alive), or NULL */
    size_t note_len, note_off;
    struct event *cur; /* the event being sent, or NULL */
    size_t cur_off;
    struct batch *batch; /* catch-up events the cursor lies in, or NULL */
    bool ping_due;
    bool waiting; /* on ch->waiting, for a batch the hub is to read */
    struct sub *prev, *next;
    struct sub *wait_prev, *wait_next;
};

struct channel {
    int64_t story_id;
    int64_t floor;    /* see invariant 1 */
    int64_t last_seq; /* every event up to this number has committed */
    struct event *ring[LIVE_RING];
    size_t ring_bytes;
    struct batch *batches;
    size_t batch_event_len; /* mean event size of the last batch read; 0: none yet */
    struct sub *subs;
    struct sub *waiting;
    size_t n_subs;
    bool ring_due;   /* fetch after last_seq */
    bool batch_turn; /* with both due, a batch goes next */
    bool queued, fetching;
    bool retry; /* a fetch failed: wait for the keep-alive tick or a publish */
    struct channel *hash_next;
    struct channel *work_next;
};

struct live {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool stop;
    struct store *st; /* the hub thread's own connection */
    struct store_listener *listener;
    struct channel *buckets[LIVE_BUCKETS];
    struct channel *work_head, *work_tail;
    size_t n_streams;
};

static int64_t max_i64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* ---- events and batches (caller holds the lock unless the object is unshared) ---- */

/* A comment's latest event as Server-Sent Events text, its type and data read from
 * the row: a visible comment is "comment" (new) or, once edited, "updated", with the
 * API's JSON; any other status is "removed" with the id alone, because a rejected,
 * held or deleted comment's text and author must not leave the server. (A client
 * that never saw the comment treats "updated" as new.) The JSON is compact, so it
 * holds no newline and fits one data line. */
static struct event *event_render(const struct comment *c)
{
    /* A placeholder is the comment turned "comment deleted" in place: its data is
     * json_comment's deleted form, without author or text. */
    bool shown = c->status == COMMENT_VISIBLE || c->is_placeholder;
    const char *type = !shown                                   ? "removed"
                       : c->is_placeholder || c->edited_at != 0 ? "updated"
                                                                : "comment";
    json_t *doc = shown ? json_comment(c) : json_pack("{s:I}", "id", (json_int_t)c->id);
    char *json = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    const char *data = json != NULL ? json : "{}";
    char head[64];
    int head_len =
        snprintf(head, sizeof(head), "id: %lld\nevent: %s\ndata: ", (long long)c->event_seq, type);
    size_t data_len = strlen(data);
    struct event *e = xmalloc(sizeof(*e) + (size_t)head_len + data_len + 2);
    e->seq = c->event_seq;
    e->comment_id = c->id;
    e->refs = 1;
    e->len = (size_t)head_len + data_len + 2;
    memcpy(e->text, head, (size_t)head_len);
    memcpy(e->text + head_len, data, data_len);
    memcpy(e->text + head_len + data_len, "\n\n", 2);
    free(json);
    return e;
}

static void event_release(struct event *e)
{
    if (e != NULL && --e->refs == 0)
        free(e);
}

static void batch_release(struct channel *ch, struct batch *b)
{
    if (--b->refs > 0)
        return;
    struct batch **p = &ch->batches;
    while (*p != b)
        p = &(*p)->next;
    *p = b->next;
    for (size_t i = 0; i < b->n; i++)
        event_release(b->ev[i]);
    free(b);
}

/* The batch that covers `cursor`, or NULL. */
static struct batch *batch_find(struct channel *ch, int64_t cursor)
{
    for (struct batch *b = ch->batches; b != NULL; b = b->next)
        if (b->after <= cursor && cursor < b->upto)
            return b;
    return NULL;
}

/* ---- channels ---- */

static struct channel **bucket(struct live *lv, int64_t story_id)
{
    return &lv->buckets[(uint64_t)story_id % LIVE_BUCKETS];
}

static struct channel *channel_find(struct live *lv, int64_t story_id)
{
    for (struct channel *c = *bucket(lv, story_id); c != NULL; c = c->hash_next)
        if (c->story_id == story_id)
            return c;
    return NULL;
}

/* Caller holds the lock. Puts the channel on the hub's list (once). */
static void queue_work(struct live *lv, struct channel *ch)
{
    if (ch->queued)
        return;
    ch->queued = true;
    ch->work_next = NULL;
    if (lv->work_tail != NULL)
        lv->work_tail->work_next = ch;
    else
        lv->work_head = ch;
    lv->work_tail = ch;
    pthread_cond_signal(&lv->cv);
}

static void queue_ring_fetch(struct live *lv, struct channel *ch)
{
    ch->ring_due = true;
    queue_work(lv, ch);
}

static void channel_free(struct channel *ch)
{
    assert(ch->batches == NULL && ch->subs == NULL);
    for (size_t i = 0; i < LIVE_RING; i++)
        event_release(ch->ring[i]);
    free(ch);
}

/* Caller holds the lock. A channel lives while it has streams or work in flight. */
static void channel_release_if_idle(struct live *lv, struct channel *ch)
{
    if (ch->n_subs > 0 || ch->queued || ch->fetching)
        return;
    struct channel **p = bucket(lv, ch->story_id);
    while (*p != ch)
        p = &(*p)->hash_next;
    *p = ch->hash_next;
    channel_free(ch);
}

/* Caller holds the lock. */
static void wake_all(struct channel *ch)
{
    for (struct sub *s = ch->subs; s != NULL; s = s->next)
        if (s->stream != NULL)
            http_stream_wake(s->stream);
}

/* Forgets every ring event numbered up to `f` (invariant 1 then holds for the new
 * floor). */
static void raise_floor(struct channel *ch, int64_t f)
{
    if (f <= ch->floor)
        return;
    for (size_t i = 0; i < LIVE_RING; i++) {
        struct event *e = ch->ring[i];
        if (e != NULL && e->seq <= f) {
            ch->ring_bytes -= e->len;
            event_release(e);
            ch->ring[i] = NULL;
        }
    }
    ch->floor = f;
}

/* Adds the next fetched event (numbered above last_seq), taking its reference. The
 * comment's older events leave the ring, as their rows left the database: a stream
 * that had not reached them gets only the newer one, just as a catch-up batch
 * would, so a removed comment's text is never replayed to it (invariant 1). */
static void ring_put(struct channel *ch, struct event *e)
{
    assert(e->seq > ch->last_seq);
    raise_floor(ch, e->seq - LIVE_RING);
    for (size_t i = 0; i < LIVE_RING; i++) {
        struct event *old = ch->ring[i];
        if (old != NULL && old->comment_id == e->comment_id) {
            ch->ring_bytes -= old->len;
            event_release(old);
            ch->ring[i] = NULL;
        }
    }
    struct event **slot = &ch->ring[e->seq % LIVE_RING];
    assert(*slot == NULL);
    *slot = e;
    ch->ring_bytes += e->len;
    ch->last_seq = e->seq;
}

/* Drops the oldest events while the ring is over LIVE_RING_BYTES, keeping the
 * newest: streams still before them read those from the database. */
static void ring_trim(struct channel *ch)
{
    if (ch->ring_bytes <= LIVE_RING_BYTES)
        return;
    int64_t f = ch->floor;
    size_t bytes = ch->ring_bytes;
    while (bytes > LIVE_RING_BYTES && f < ch->last_seq - 1) {
        f++;
        struct event *e = ch->ring[f % LIVE_RING];
        if (e != NULL && e->seq == f)
            bytes -= e->len;
    }
    raise_floor(ch, f);
}

/* ---- the hub thread ---- */

static int read_events(struct live *lv, struct arena *a, int64_t story_id, int64_t after, int rows,
                       struct comment **cs, size_t *n)
{
    return store_comment_events(a, lv->st, story_id, after, rows, cs, n);
}

/* Rows for the next batch: about as many as LIVE_STAGE_BYTES will take, judging by
 * the last batch, so a story of outsized comments is not read LIVE_FETCH_ROWS rows
 * at a time to keep one. */
static int batch_rows(const struct channel *ch)
{
    if (ch->batch_event_len == 0)
        return LIVE_FETCH_ROWS;
    size_t rows = LIVE_STAGE_BYTES / ch->batch_event_len + 1;
    return rows < LIVE_FETCH_ROWS ? (int)rows : LIVE_FETCH_ROWS;
}

/* Fetches a channel's new events into its ring. Called with the lock held; drops it
 * around the query and the rendering. */
static void fetch_ring(struct live *lv, struct channel *ch)
{
    int64_t story_id = ch->story_id, after = ch->last_seq;
    struct arena *a = arena_new(16 * 1024);
    struct comment *cs = NULL;
    size_t n = 0;
    struct event *fresh[LIVE_FETCH_ROWS];

    ch->ring_due = false;
    ch->fetching = true;
    pthread_mutex_unlock(&lv->mu);
    int rc = read_events(lv, a, story_id, after, LIVE_FETCH_ROWS, &cs, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        fresh[i] = event_render(&cs[i]);
    arena_free(a);
    pthread_mutex_lock(&lv->mu);
    ch->fetching = false;
    if (rc != 0) {
        /* Logged by the store; tried again at the next keep-alive tick or publish. */
        ch->retry = true;
        ch->ring_due = true;
        return;
    }
    ch->retry = false;
    /* Only this thread moves last_seq, so the rows still follow it. */
    for (size_t i = 0; i < n; i++)
        ring_put(ch, fresh[i]);
    ring_trim(ch);
    if (n == LIVE_FETCH_ROWS)
        ch->ring_due = true; /* there may be more */
    if (n > 0)
        wake_all(ch);
}

/* The waiting stream furthest behind: its batch may cover the others too. */
static int64_t first_waiting_cursor(const struct channel *ch)
{
    int64_t c = INT64_MAX;
    for (const struct sub *s = ch->waiting; s != NULL; s = s->wait_next)
        if (s->cursor < c)
            c = s->cursor;
    return c;
}

static void unlink_waiting(struct channel *ch, struct sub *s)
{
    if (s->wait_prev != NULL)
        s->wait_prev->wait_next = s->wait_next;
    else
        ch->waiting = s->wait_next;
    if (s->wait_next != NULL)
        s->wait_next->wait_prev = s->wait_prev;
    s->wait_prev = s->wait_next = NULL;
    s->waiting = false;
}

/* Hands `b` to every waiting stream it covers and wakes them; keeps it only if one
 * took it. */
static void batch_deliver(struct channel *ch, struct batch *b)
{
    struct sub *s = ch->waiting;
    while (s != NULL) {
        struct sub *next = s->wait_next;
        if (b->after <= s->cursor && s->cursor < b->upto) {
            unlink_waiting(ch, s);
            s->batch = b;
            b->refs++;
            if (s->stream != NULL)
                http_stream_wake(s->stream);
        }
        s = next;
    }
    if (b->refs == 0) {
        for (size_t i = 0; i < b->n; i++)
            event_release(b->ev[i]);
        free(b);
        return;
    }
    b->next = ch->batches;
    ch->batches = b;
}

/* Reads one catch-up batch for the waiting stream furthest behind. Called with the
 * lock held; drops it around the query and the rendering. The waiting streams may
 * end meanwhile: only numbers are carried across. */
static void fetch_batch(struct live *lv, struct channel *ch)
{
    int64_t story_id = ch->story_id;
    int64_t after = first_waiting_cursor(ch);
    int64_t horizon = ch->last_seq; /* committed before the query starts (invariant 3) */
    int rows = batch_rows(ch);
    struct arena *a = arena_new(16 * 1024);
    struct comment *cs = NULL;
    size_t n = 0;
    struct batch *b = xcalloc(1, sizeof(*b));

    ch->fetching = true;
    pthread_mutex_unlock(&lv->mu);
    int rc = read_events(lv, a, story_id, after, rows, &cs, &n);
    size_t bytes = 0;
    for (size_t i = 0; rc == 0 && i < n && bytes < LIVE_STAGE_BYTES; i++) {
        b->ev[b->n] = event_render(&cs[i]);
        bytes += b->ev[b->n]->len;
        b->n++;
    }
    b->after = after;
    if (rc == 0 && (b->n < n || n == (size_t)rows))
        b->upto = b->ev[b->n - 1]->seq; /* cut by bytes or rows: more may follow */
    else if (rc == 0)
        b->upto = max_i64(n > 0 ? cs[n - 1].event_seq : after, horizon);
    arena_free(a);
    pthread_mutex_lock(&lv->mu);
    ch->fetching = false;
    if (rc != 0) {
        free(b);
        ch->retry = true;
        return;
    }
    ch->retry = false;
    if (b->n > 0)
        ch->batch_event_len = bytes / b->n;
    batch_deliver(ch, b);
}

static bool has_work(const struct channel *ch)
{
    return !ch->retry && (ch->ring_due || ch->waiting != NULL);
}

/* One fetch for the channel at the head of the list: the ring first, since it serves
 * every stream that is not behind, then ring and batches take turns, so that a story
 * with a steady flow of comments still serves the streams catching up. Caller holds
 * the lock. */
static void work_one(struct live *lv)
{
    struct channel *ch = lv->work_head;
    lv->work_head = ch->work_next;
    if (lv->work_head == NULL)
        lv->work_tail = NULL;
    ch->queued = false;
    if (ch->ring_due && (ch->waiting == NULL || !ch->batch_turn)) {
        fetch_ring(lv, ch);
        ch->batch_turn = true;
    } else if (ch->waiting != NULL) {
        fetch_batch(lv, ch);
        ch->batch_turn = false;
    }
    if (has_work(ch))
        queue_work(lv, ch); /* at the tail: other stories get their turn */
    channel_release_if_idle(lv, ch);
}

static void keepalive_tick(struct live *lv)
{
    for (size_t i = 0; i < LIVE_BUCKETS; i++) {
        for (struct channel *c = lv->buckets[i]; c != NULL; c = c->hash_next) {
            if (c->retry) {
                c->retry = false;
                queue_ring_fetch(lv, c);
            }
            for (struct sub *s = c->subs; s != NULL; s = s->next) {
                s->ping_due = true;
                if (s->stream != NULL)
                    http_stream_wake(s->stream);
            }
        }
    }
}

/* Every open story's ring fetches what it has not seen, as after a listener's
 * reconnect: a fetch that finds nothing new costs one indexed read. */
static void refetch_all(struct live *lv)
{
    for (size_t i = 0; i < LIVE_BUCKETS; i++)
        for (struct channel *c = lv->buckets[i]; c != NULL; c = c->hash_next)
            queue_ring_fetch(lv, c);
}

/* SQLite has no listener, and this process publishes only its own commits; another
 * process's (`stet comment reject` on the server, a second `stet serve`) would reach
 * no open page. So while streams are open the hub asks its own connection whether
 * anyone committed since it last asked (PRAGMA data_version: no I/O beyond the WAL
 * index) and, if so, refetches every channel. Called with the lock held; drops it
 * around the store call. */
static void poll_other_processes(struct live *lv)
{
    bool changed = true;
    pthread_mutex_unlock(&lv->mu);
    /* An error counts as a change: the fetches then fail and retry on the tick. */
    if (store_data_changed(lv->st, &changed) != 0)
        changed = true;
    pthread_mutex_lock(&lv->mu);
    if (changed && !lv->stop)
        refetch_all(lv);
}

static bool timespec_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *hub_main(void *arg)
{
    pthread_setname_np(pthread_self(), "stet-live"); /* for top -H, gdb, perf */
    struct live *lv = arg;
    struct timespec next, next_poll = clock_mono_after_ms(LIVE_POLL_MS);
    clock_gettime(CLOCK_MONOTONIC, &next);
    next.tv_sec += LIVE_KEEPALIVE_S;

    pthread_mutex_lock(&lv->mu);
    while (!lv->stop) {
        if (lv->work_head != NULL) {
            work_one(lv);
            continue;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec ||
            (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec)) {
            keepalive_tick(lv);
            next = now;
            next.tv_sec += LIVE_KEEPALIVE_S;
            continue;
        }
        bool polls = lv->listener == NULL && lv->n_streams > 0;
        if (polls && !timespec_before(&now, &next_poll)) {
            poll_other_processes(lv);
            next_poll = clock_mono_after_ms(LIVE_POLL_MS);
            continue;
        }
        pthread_cond_timedwait(&lv->cv, &lv->mu,
                               polls && timespec_before(&next_poll, &next) ? &next_poll : &next);
    }
    pthread_mutex_unlock(&lv->mu);
    return NULL;
}

void live_publish(struct live *lv, int64_t story_id, int64_t seq)
{
    if (lv == NULL)
        return;
    pthread_mutex_lock(&lv->mu);
    if (story_id == 0) {
        /* The listener reconnected: anything may have happened meanwhile. */
        for (size_t i = 0; i < LIVE_BUCKETS; i++)
            for (struct channel *c = lv->buckets[i]; c != NULL; c = c->hash_next)
                queue_ring_fetch(lv, c);
    } else {
        struct channel *ch = channel_find(lv, story_id);
        if (ch != NULL && seq > ch->last_seq)
            queue_ring_fetch(lv, ch);
    }
    pthread_mutex_unlock(&lv->mu);
}

static void store_event(void *ctx, int64_t story_id, int64_t seq)
{
    live_publish(ctx, story_id, seq);
}

static struct live *live_alloc(void)
{
    struct live *lv = xcalloc(1, sizeof(*lv));
    pthread_mutex_init(&lv->mu, NULL);
    clock_cond_init(&lv->cv);
    return lv;
}

static struct live *live_start(struct live *lv)
{
    if (pthread_create(&lv->thread, NULL, hub_main, lv) != 0) {
        log_error(NULL, "live comments: cannot start the hub thread");
        lv->thread = 0;
        live_free(lv);
        return NULL;
    }
    return lv;
}

struct live *live_new(const char *db_url)
{
    struct live *lv = live_alloc();
    if (store_open(db_url, &lv->st) != 0) {
        log_error(NULL, "live comments: cannot open the database");
        live_free(lv);
        return NULL;
    }
    if (store_listener_start(db_url, store_event, lv, &lv->listener) != 0) {
        log_error(NULL, "live comments: cannot listen for other nodes' changes");
        live_free(lv);
        return NULL;
    }
    return live_start(lv);
}

struct live *live_new_on(struct store *st)
{
    struct live *lv = live_alloc();
    lv->st = st;
    return live_start(lv);
}

void live_free(struct live *lv)
{
    if (lv == NULL)
        return;
    /* The listener calls into the hub: stop it first. */
    store_listener_stop(lv->listener);
    if (lv->thread != 0) {
        pthread_mutex_lock(&lv->mu);
        lv->stop = true;
        pthread_cond_signal(&lv->cv);
        pthread_mutex_unlock(&lv->mu);
        pthread_join(lv->thread, NULL);
    }
    /* Streams have ended with the HTTP server; only idle channels can remain. */
    for (size_t i = 0; i < LIVE_BUCKETS; i++) {
        struct channel *c = lv->buckets[i];
        while (c != NULL) {
            struct channel *next = c->hash_next;
            channel_free(c);
            c = next;
        }
    }
    if (lv->st != NULL)
        store_close(lv->st);
    pthread_cond_destroy(&lv->cv);
    pthread_mutex_destroy(&lv->mu);
    free(lv);
}

/* ---- streams (the producer runs on the connection's I/O thread) ---- */

/* Caller holds the lock. */
static void start_event(struct sub *s, struct event *e)
{
    e->refs++;
    s->cur = e;
    s->cur_off = 0;
    s->cursor = e->seq;
}

/* The first ring event after the cursor, moving the cursor past empty slots (those
 * events are superseded: invariant 1); NULL when the ring has nothing newer. */
static struct event *ring_next(struct channel *ch, struct sub *s)
{
    while (s->cursor < ch->last_seq) {
        struct event *e = ch->ring[(s->cursor + 1) % LIVE_RING];
        if (e != NULL && e->seq == s->cursor + 1)
            return e;
        s->cursor++;
    }
    return NULL;
}

/* Picks what `s` sends next: an event (from its batch, the ring, or a batch another
 * stream at its position holds) or a keep-alive. False when nothing is ready; a
 * stream behind the ring is then put on the list for the hub, which wakes it when
 * its batch is read. Caller holds the lock. */
static bool next_piece(struct live *lv, struct sub *s)
{
    struct channel *ch = s->ch;
    for (;;) {
        if (s->batch != NULL) {
            struct batch *b = s->batch;
            for (size_t i = 0; i < b->n; i++) {
                if (b->ev[i]->seq > s->cursor) {
                    start_event(s, b->ev[i]);
                    return true;
                }
            }
            s->cursor = max_i64(s->cursor, b->upto);
            s->batch = NULL;
            batch_release(ch, b);
        }
        if (s->cursor >= ch->floor) {
            struct event *e = ring_next(ch, s);
            if (e != NULL) {
                start_event(s, e);
                return true;
            }
            break;
        }
        s->batch = batch_find(ch, s->cursor);
        if (s->batch != NULL && s->waiting)
            unlink_waiting(ch, s); /* another stream's batch serves it */
        if (s->batch == NULL) {
            if (!s->waiting) {
                s->waiting = true;
                s->wait_next = ch->waiting;
                if (ch->waiting != NULL)
                    ch->waiting->wait_prev = s;
                ch->waiting = s;
                if (!ch->retry)
                    queue_work(lv, ch);
            }
            break;
        }
        s->batch->refs++;
    }
    if (s->ping_due) {
        s->ping_due = false;
        s->note = PING_TEXT;
        s->note_len = sizeof(PING_TEXT) - 1;
        s->note_off = 0;
        return true;
    }
    return false;
}

static size_t copy_out(char *dst, size_t room, const char *src, size_t len, size_t *off)
{
    size_t n = len - *off < room ? len - *off : room;
    memcpy(dst, src + *off, n);
    *off += n;
    return n;
}

static ssize_t produce(void *ctx, char *dst, size_t max)
{
    struct sub *s = ctx;
    struct live *lv = s->lv;
    size_t n = 0;

    pthread_mutex_lock(&lv->mu);
    while (n < max) {
        if (s->note != NULL) {
            n += copy_out(dst + n, max - n, s->note, s->note_len, &s->note_off);
            if (s->note_off == s->note_len)
                s->note = NULL;
        } else if (s->cur != NULL) {
            n += copy_out(dst + n, max - n, s->cur->text, s->cur->len, &s->cur_off);
            if (s->cur_off == s->cur->len) {
                event_release(s->cur);
                s->cur = NULL;
            }
        } else if (!next_piece(lv, s)) {
            break;
        }
    }
    pthread_mutex_unlock(&lv->mu);
    return (ssize_t)n;
}

static void stream_done(void *ctx)
{
    struct sub *s = ctx;
    struct live *lv = s->lv;
    struct channel *ch = s->ch;

    pthread_mutex_lock(&lv->mu);
    s->stream = NULL;
    if (s->waiting)
        unlink_waiting(ch, s);
    if (s->batch != NULL)
        batch_release(ch, s->batch);
    event_release(s->cur);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        ch->subs = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    ch->n_subs--;
    lv->n_streams--;
    channel_release_if_idle(lv, ch);
    pthread_mutex_unlock(&lv->mu);
    free(s);
}

void live_subscribe(struct live *lv, struct req *req, const struct story *story, int64_t after_seq)
{
    struct sub *s = xcalloc(1, sizeof(*s));
    s->lv = lv;
    s->cursor = after_seq;
    s->note = RETRY_TEXT;
    s->note_len = sizeof(RETRY_TEXT) - 1;

    pthread_mutex_lock(&lv->mu);
    struct channel *ch = channel_find(lv, story->id);
    if (ch == NULL) {
        ch = xcalloc(1, sizeof(*ch));
        ch->story_id = story->id;
        ch->floor = ch->last_seq = story->event_seq;
        ch->hash_next = *bucket(lv, story->id);
        *bucket(lv, story->id) = ch;
        /* Events committed before the channel existed were published to nobody. */
        queue_ring_fetch(lv, ch);
    } else if (story->event_seq > ch->last_seq) {
        /* This request saw a commit whose news has not reached the hub yet. */
        queue_ring_fetch(lv, ch);
    }
    s->ch = ch;
    s->next = ch->subs;
    if (ch->subs != NULL)
        ch->subs->prev = s;
    ch->subs = s;
    ch->n_subs++;
    lv->n_streams++;
    s->stream = resp_stream(req, "text/event-stream; charset=utf-8", produce, stream_done, s);
    pthread_mutex_unlock(&lv->mu);
}

size_t live_n_streams(struct live *lv)
{
    pthread_mutex_lock(&lv->mu);
    size_t n = lv->n_streams;
    pthread_mutex_unlock(&lv->mu);
    return n;
}
