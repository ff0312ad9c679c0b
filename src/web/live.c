/* The live-comments hub. Streams subscribe per story; new events are fetched once
 * per story by the hub's own thread (never on a request thread, never while a
 * request holds a store connection) into a ring of rendered Server-Sent Events,
 * and every stream of that story is woken to copy them out. Event numbers are the
 * story's own (1, 2, 3 in commit order), so a client resuming with Last-Event-ID
 * gets exactly what it missed.
 *
 * Locking: one mutex guards channels, streams and the work list. http_stream_wake
 * is called with it held so a stream cannot end (and be freed) between the decision
 * to wake it and the wake; the producer takes the same mutex, and http/ calls the
 * producer without holding any lock of its own. */
#include "web/live.h"

#include "api/api.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "http/stream.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVE_BUCKETS 4096

struct event {
    int64_t seq; /* 0: empty slot */
    char *text;
    size_t len;
};

struct channel;

struct sub {
    struct live *lv;
    struct channel *ch;
    struct http_stream *stream; /* NULL until answered, and again once ended */
    int64_t sent_seq;           /* last event number staged for this client */
    struct buf out;             /* staged bytes not yet handed to http/ */
    size_t out_off;
    bool ping_due;
    struct sub *prev, *next;
};

struct channel {
    int64_t story_id;
    int64_t last_seq; /* every event up to this number has been fetched */
    int64_t want_seq; /* a fetch is wanted up to at least this number */
    struct event ring[LIVE_RING];
    struct sub *subs;
    size_t n_subs;
    bool queued, fetching, retry;
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
    struct channel *work;
    size_t n_streams;
};

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

/* Caller holds the lock. Queues a fetch of everything after ch->last_seq. */
static void queue_fetch(struct live *lv, struct channel *ch, int64_t want)
{
    if (want > ch->want_seq)
        ch->want_seq = want;
    if (!ch->queued) {
        ch->queued = true;
        ch->work_next = lv->work;
        lv->work = ch;
        pthread_cond_signal(&lv->cv);
    }
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
    for (size_t i = 0; i < LIVE_RING; i++)
        free(ch->ring[i].text);
    free(ch);
}

/* Caller holds the lock. */
static void wake_all(struct channel *ch)
{
    for (struct sub *s = ch->subs; s != NULL; s = s->next)
        if (s->stream != NULL)
            http_stream_wake(s->stream);
}

/* One event as Server-Sent Events text, heap-allocated. The JSON is compact, so it
 * holds no newline and fits one data line. */
static char *render_event(const struct comment *c, size_t *len)
{
    json_t *doc = json_comment(c);
    char *json = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    struct buf b = BUF_INIT;
    buf_printf(&b, "id: %lld\nevent: comment\ndata: %s\n\n", (long long)c->event_seq,
               json != NULL ? json : "{}");
    free(json);
    return buf_steal(&b, len);
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
                queue_fetch(lv, c, INT64_MAX);
    } else {
        struct channel *ch = channel_find(lv, story_id);
        if (ch != NULL && seq > ch->last_seq)
            queue_fetch(lv, ch, seq);
    }
    pthread_mutex_unlock(&lv->mu);
}

static void store_event(void *ctx, int64_t story_id, int64_t seq)
{
    live_publish(ctx, story_id, seq);
}

/* Fetches a channel's new events with the hub's connection. Called with the lock
 * held; drops it around the query. */
static void fetch(struct live *lv, struct channel *ch)
{
    int64_t story_id = ch->story_id, after = ch->last_seq;
    struct arena *a = arena_new(16 * 1024);
    struct comment *cs = NULL;
    size_t n = 0;

    ch->fetching = true;
    pthread_mutex_unlock(&lv->mu);
    int rc = store_comment_events(a, lv->st, story_id, after, LIVE_RING, &cs, &n);
    struct event fresh[LIVE_RING];
    for (size_t i = 0; rc == 0 && i < n; i++) {
        fresh[i].seq = cs[i].event_seq;
        fresh[i].text = render_event(&cs[i], &fresh[i].len);
    }
    pthread_mutex_lock(&lv->mu);
    ch->fetching = false;
    if (rc != 0) {
        /* Logged by the store; try again at the next keep-alive tick. */
        ch->retry = true;
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (fresh[i].seq <= ch->last_seq) {
            free(fresh[i].text);
            continue;
        }
        struct event *slot = &ch->ring[fresh[i].seq % LIVE_RING];
        free(slot->text);
        *slot = fresh[i];
        ch->last_seq = fresh[i].seq;
    }
    if (rc == 0 && n == LIVE_RING && ch->want_seq > ch->last_seq)
        queue_fetch(lv, ch, ch->want_seq); /* more than one ring's worth arrived */
    if (n > 0)
        wake_all(ch);
    arena_free(a);
    channel_release_if_idle(lv, ch);
}

static void keepalive_tick(struct live *lv)
{
    for (size_t i = 0; i < LIVE_BUCKETS; i++) {
        for (struct channel *c = lv->buckets[i]; c != NULL; c = c->hash_next) {
            if (c->retry) {
                c->retry = false;
                queue_fetch(lv, c, INT64_MAX);
            }
            for (struct sub *s = c->subs; s != NULL; s = s->next) {
                s->ping_due = true;
                if (s->stream != NULL)
                    http_stream_wake(s->stream);
            }
        }
    }
}

static void *hub_main(void *arg)
{
    struct live *lv = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    next.tv_sec += LIVE_KEEPALIVE_S;

    pthread_mutex_lock(&lv->mu);
    while (!lv->stop) {
        if (lv->work != NULL) {
            struct channel *ch = lv->work;
            lv->work = ch->work_next;
            ch->queued = false;
            fetch(lv, ch);
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
        pthread_cond_timedwait(&lv->cv, &lv->mu, &next);
    }
    pthread_mutex_unlock(&lv->mu);
    return NULL;
}

struct live *live_new(const char *db_url)
{
    struct live *lv = xcalloc(1, sizeof(*lv));
    pthread_condattr_t ca;
    pthread_mutex_init(&lv->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&lv->cv, &ca);
    pthread_condattr_destroy(&ca);
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
    if (pthread_create(&lv->thread, NULL, hub_main, lv) != 0) {
        log_error(NULL, "live comments: cannot start the hub thread");
        lv->thread = 0;
        live_free(lv);
        return NULL;
    }
    return lv;
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
            for (size_t k = 0; k < LIVE_RING; k++)
                free(c->ring[k].text);
            free(c);
            c = next;
        }
    }
    if (lv->st != NULL)
        store_close(lv->st);
    pthread_cond_destroy(&lv->cv);
    pthread_mutex_destroy(&lv->mu);
    free(lv);
}

/* Stages the next piece of output for `s`; false when there is nothing to send.
 * *end is set when the client fell so far behind that the ring no longer holds its
 * next event: ending the stream makes EventSource reconnect with Last-Event-ID and
 * catch up from the database. Caller holds the lock. */
static bool stage(struct sub *s, bool *end)
{
    struct channel *ch = s->ch;
    while (s->sent_seq < ch->last_seq) {
        int64_t next = s->sent_seq + 1;
        struct event *e = &ch->ring[next % LIVE_RING];
        if (e->seq == next) {
            buf_append(&s->out, e->text, e->len);
            s->sent_seq = next;
            return true;
        }
        if (next <= ch->last_seq - LIVE_RING) {
            *end = true;
            return false;
        }
        /* A hole: that comment is no longer visible. */
        s->sent_seq = next;
    }
    if (s->ping_due) {
        s->ping_due = false;
        buf_puts(&s->out, ": keep-alive\n\n");
        return true;
    }
    return false;
}

static ssize_t produce(void *ctx, char *dst, size_t max)
{
    struct sub *s = ctx;
    struct live *lv = s->lv;
    bool end = false;
    ssize_t n = 0;

    pthread_mutex_lock(&lv->mu);
    if (s->out_off == s->out.len) {
        buf_reset(&s->out);
        s->out_off = 0;
        if (!stage(s, &end)) {
            pthread_mutex_unlock(&lv->mu);
            return end ? -1 : 0;
        }
    }
    size_t left = s->out.len - s->out_off;
    n = (ssize_t)(left < max ? left : max);
    memcpy(dst, s->out.data + s->out_off, (size_t)n);
    s->out_off += (size_t)n;
    pthread_mutex_unlock(&lv->mu);
    return n;
}

/* Caller holds the lock. */
static void unlink_sub(struct live *lv, struct sub *s)
{
    struct channel *ch = s->ch;
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        ch->subs = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    ch->n_subs--;
    lv->n_streams--;
    channel_release_if_idle(lv, ch);
}

static void stream_done(void *ctx)
{
    struct sub *s = ctx;
    struct live *lv = s->lv;
    pthread_mutex_lock(&lv->mu);
    s->stream = NULL;
    unlink_sub(lv, s);
    pthread_mutex_unlock(&lv->mu);
    buf_cleanup(&s->out);
    free(s);
}

int live_subscribe(struct live *lv, struct req *req, struct store *st, const struct story *story,
                   int64_t after_seq)
{
    struct sub *s = xcalloc(1, sizeof(*s));
    s->lv = lv;
    s->sent_seq = after_seq;
    buf_puts(&s->out, "retry: 3000\n\n");

    /* Join the channel before reading the backlog: an event committed meanwhile is
     * then either in the backlog or fetched for the channel, never in neither. */
    pthread_mutex_lock(&lv->mu);
    struct channel *ch = channel_find(lv, story->id);
    if (ch == NULL) {
        ch = xcalloc(1, sizeof(*ch));
        ch->story_id = story->id;
        ch->last_seq = story->event_seq;
        ch->hash_next = *bucket(lv, story->id);
        *bucket(lv, story->id) = ch;
        queue_fetch(lv, ch, INT64_MAX);
    }
    s->ch = ch;
    s->next = ch->subs;
    if (ch->subs != NULL)
        ch->subs->prev = s;
    ch->subs = s;
    ch->n_subs++;
    lv->n_streams++;
    pthread_mutex_unlock(&lv->mu);

    /* The backlog is read and rendered outside the lock; until the stream exists
     * nothing else touches this subscriber's output. */
    struct comment *cs = NULL;
    size_t n = 0;
    int rc = 0;
    if (after_seq < story->event_seq)
        rc = store_comment_events(req->arena, st, story->id, after_seq, LIVE_CATCHUP_MAX, &cs, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t len;
        char *text = render_event(&cs[i], &len);
        buf_append(&s->out, text, len);
        free(text);
        s->sent_seq = cs[i].event_seq;
    }

    pthread_mutex_lock(&lv->mu);
    if (rc != 0) {
        unlink_sub(lv, s);
        pthread_mutex_unlock(&lv->mu);
        buf_cleanup(&s->out);
        free(s);
        return rc;
    }
    s->stream = resp_stream(req, "text/event-stream; charset=utf-8", produce, stream_done, s);
    pthread_mutex_unlock(&lv->mu);
    return 0;
}

size_t live_n_streams(struct live *lv)
{
    pthread_mutex_lock(&lv->mu);
    size_t n = lv->n_streams;
    pthread_mutex_unlock(&lv->mu);
    return n;
}
