/* Group commit: posters on many threads queue their comments here and block; one
 * thread takes everything queued, writes it in one transaction with
 * comment_insert_batch (one fsync for all), then wakes each poster with its own
 * row's result. Comments that arrive while a batch commits wait for the next one,
 * so batches grow with the load and a lone poster waits for nothing but its own
 * commit: no timer, no artificial delay. */
#include "store/group_commit.h"

#include "base/log.h"
#include "base/mutex.h"
#include "base/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One blocked poster; lives on the poster's stack for the length of the call. */
struct waiter {
    const struct comment *c;
    int64_t id;
    int64_t seq;
    int rc;
    bool done;
    pthread_cond_t cv;
    struct waiter *next;
};

struct group_commit {
    struct mutex mu;
    pthread_cond_t work; /* the committer waits here for a non-empty queue or stop */
    struct waiter *head; /* FIFO of queued posters */
    struct waiter **tail;
    bool stop;
    pthread_t thread;
    struct store *st; /* the committer's own connection; only its thread uses it */
    unsigned max_batch;
    struct store_stats stats; /* under mu */
    /* The committer's batch buffers, max_batch entries each. */
    struct waiter **batch;
    const struct comment **cs;
    int64_t *ids;
    int64_t *seqs;
    int *rcs;
};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Takes up to max_batch posters off the queue, in arrival order. Called with mu. */
static size_t take_batch(struct group_commit *gc)
{
    mutex_assert_held(&gc->mu);
    size_t n = 0;
    while (gc->head != NULL && n < gc->max_batch) {
        struct waiter *w = gc->head;
        gc->head = w->next;
        gc->batch[n] = w;
        gc->cs[n] = w->c;
        n++;
    }
    if (gc->head == NULL)
        gc->tail = &gc->head;
    return n;
}

static void *committer_main(void *arg)
{
    pthread_setname_np(pthread_self(), "stet-commit"); /* for top -H, gdb, perf */
    struct group_commit *gc = arg;
    mutex_lock(&gc->mu);
    for (;;) {
        while (gc->head == NULL && !gc->stop)
            mutex_wait(&gc->mu, &gc->work);
        if (gc->head == NULL)
            break; /* stopping, and nothing left to write */
        size_t n = take_batch(gc);
        mutex_unlock(&gc->mu);

        uint64_t t0 = mono_us();
        int rc = store_comment_insert_batch(gc->st, gc->cs, n, gc->ids, gc->seqs, gc->rcs);
        /* The backend already gave every row the transaction's error; this only
         * makes sure nothing is acknowledged when the batch did not commit. */
        for (size_t i = 0; rc != 0 && i < n; i++)
            gc->rcs[i] = rc;
        uint64_t dt = mono_us() - t0;

        mutex_lock(&gc->mu);
        gc->stats.commits++;
        gc->stats.batched_writes += n;
        if (n > gc->stats.max_batch)
            gc->stats.max_batch = n;
        gc->stats.db_time_us += dt;
        /* Signalled under mu: a poster can only return (and drop its waiter) after
         * this thread lets go of mu, and by then it no longer touches the waiter. */
        for (size_t i = 0; i < n; i++) {
            struct waiter *w = gc->batch[i];
            w->id = gc->ids[i];
            w->seq = gc->seqs[i];
            w->rc = gc->rcs[i];
            w->done = true;
            pthread_cond_signal(&w->cv);
        }
    }
    mutex_unlock(&gc->mu);
    return NULL;
}

/* Everything but the thread, which is not running (any more) when this is called. */
static void release(struct group_commit *gc)
{
    pthread_cond_destroy(&gc->work);
    mutex_cleanup(&gc->mu);
    store_close(gc->st);
    free(gc->batch);
    free(gc->cs);
    free(gc->ids);
    free(gc->seqs);
    free(gc->rcs);
    free(gc);
}

int group_commit_new(const char *url, unsigned max_batch, struct group_commit **out)
{
    *out = NULL;
    if (max_batch == 0 || max_batch > STORE_GC_MAX_BATCH)
        return STET_EINVAL;
    struct store *st = NULL;
    int rc = store_open(url, &st);
    if (rc != 0)
        return rc;
    struct group_commit *gc = xcalloc(1, sizeof(*gc));
    gc->st = st;
    gc->max_batch = max_batch;
    gc->tail = &gc->head;
    gc->batch = xcalloc(max_batch, sizeof(*gc->batch));
    gc->cs = xcalloc(max_batch, sizeof(*gc->cs));
    gc->ids = xcalloc(max_batch, sizeof(*gc->ids));
    gc->seqs = xcalloc(max_batch, sizeof(*gc->seqs));
    gc->rcs = xcalloc(max_batch, sizeof(*gc->rcs));
    mutex_init(&gc->mu);
    pthread_cond_init(&gc->work, NULL);
    int err = pthread_create(&gc->thread, NULL, committer_main, gc);
    if (err != 0) {
        log_error(NULL, "store: cannot start the group-commit thread: %s", strerror(err));
        release(gc);
        return STET_EIO;
    }
    *out = gc;
    return 0;
}

void group_commit_free(struct group_commit *gc)
{
    if (gc == NULL)
        return;
    mutex_lock(&gc->mu);
    gc->stop = true;
    pthread_cond_signal(&gc->work);
    mutex_unlock(&gc->mu);
    pthread_join(gc->thread, NULL);
    release(gc);
}

int group_commit_insert(struct group_commit *gc, const struct comment *c, int64_t *id,
                        int64_t *event_seq)
{
    struct waiter w = {.c = c};
    pthread_cond_init(&w.cv, NULL);
    mutex_lock(&gc->mu);
    *gc->tail = &w;
    gc->tail = &w.next;
    /* Only an idle committer waits on `work`; a busy one looks at the queue when it
     * finishes its batch. */
    pthread_cond_signal(&gc->work);
    while (!w.done)
        mutex_wait(&gc->mu, &w.cv);
    mutex_unlock(&gc->mu);
    pthread_cond_destroy(&w.cv);
    if (w.rc != 0)
        return w.rc;
    if (id != NULL)
        *id = w.id;
    if (event_seq != NULL)
        *event_seq = w.seq;
    return 0;
}

void group_commit_stats(struct group_commit *gc, struct store_stats *out)
{
    mutex_lock(&gc->mu);
    *out = gc->stats;
    mutex_unlock(&gc->mu);
}
