/* The watcher thread and the two numbers it publishes: the stamp, and when the check
 * behind it began. It is published stamp first, time second (release), and read
 * time first, stamp second (acquire), so a reader that sees a fresh time also sees
 * every change counted by that check.
 *
 * Sleeping: the thread sleeps while no reader asked for CHANGE_WATCH_IDLE_MS. A
 * reader stores the time it asked, then reads `asleep`; the thread stores `asleep`,
 * then reads that time (all sequentially consistent): one of the two sees the
 * other, so a reader never leaves the thread asleep while it is wanted. */
#include "store/change_watch.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/xalloc.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_NS 1000000LL
/* After a failed check (logged by the store), the next one waits this long, so a
 * database in trouble is not asked, or logged about, a thousand times a second. */
#define CHANGE_WATCH_BACKOFF_MS 100

struct change_watch {
    struct store *conn; /* the thread's own */
    pthread_t thread;
    struct mutex mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC; wakes the thread early */
    bool stop;         /* under mu */
    atomic_bool asleep;
    _Atomic uint64_t stamp;
    _Atomic int64_t checked_ns; /* start of the latest good check; 0: none yet */
    _Atomic int64_t wanted_ns;  /* the latest time a reader asked (to a millisecond) */
};

static bool idle(struct change_watch *w)
{
    return clock_mono_ns() - atomic_load(&w->wanted_ns) > CHANGE_WATCH_IDLE_MS * MS_NS;
}

/* One look at the database. A failed one counts as a change (whatever happened is
 * unknown) and leaves the time alone, so readers stop trusting the stamp once the
 * last good check is too old. */
static bool check(struct change_watch *w)
{
    int64_t began = clock_mono_ns();
    bool changed = true;
    int rc = store_data_changed(w->conn, &changed);
    if (rc != 0 || changed)
        atomic_fetch_add_explicit(&w->stamp, 1, memory_order_release);
    if (rc == 0)
        atomic_store_explicit(&w->checked_ns, began, memory_order_release);
    return rc == 0;
}

static void *watch_main(void *arg)
{
    pthread_setname_np(pthread_self(), "stet-watch"); /* for top -H, gdb, perf */
    struct change_watch *w = arg;
    mutex_lock(&w->mu);
    while (!w->stop) {
        if (idle(w)) {
            atomic_store(&w->asleep, true);
            while (!w->stop && idle(w))
                mutex_wait(&w->mu, &w->cv);
            atomic_store(&w->asleep, false);
            continue;
        }
        mutex_unlock(&w->mu);
        bool ok = check(w);
        mutex_lock(&w->mu);
        struct timespec next =
            clock_mono_after_ms(ok ? CHANGE_WATCH_INTERVAL_MS : CHANGE_WATCH_BACKOFF_MS);
        if (!w->stop)
            mutex_timedwait(&w->mu, &w->cv, &next);
    }
    mutex_unlock(&w->mu);
    return NULL;
}

int change_watch_new(const char *url, struct change_watch **out)
{
    *out = NULL;
    struct change_watch *w = xcalloc(1, sizeof(*w));
    int rc = store_open(url, &w->conn);
    if (rc != 0) {
        free(w);
        return rc;
    }
    atomic_init(&w->asleep, false);
    atomic_init(&w->stamp, 0);
    atomic_init(&w->checked_ns, 0);
    atomic_init(&w->wanted_ns, 0);
    mutex_init(&w->mu);
    clock_cond_init(&w->cv);
    int err = pthread_create(&w->thread, NULL, watch_main, w);
    if (err != 0) {
        log_error(NULL, "store: cannot start the change watcher: %s", strerror(err));
        pthread_cond_destroy(&w->cv);
        mutex_cleanup(&w->mu);
        store_close(w->conn);
        free(w);
        return STET_EIO;
    }
    *out = w;
    return 0;
}

void change_watch_free(struct change_watch *w)
{
    if (w == NULL)
        return;
    mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    mutex_cleanup(&w->mu);
    store_close(w->conn);
    free(w);
}

bool change_watch_stamp(struct change_watch *w, uint64_t *stamp)
{
    int64_t now = clock_mono_ns();
    /* Written at most once a millisecond: every request thread reads this line. */
    if (now - atomic_load_explicit(&w->wanted_ns, memory_order_relaxed) > MS_NS)
        atomic_store(&w->wanted_ns, now);
    int64_t checked = atomic_load_explicit(&w->checked_ns, memory_order_acquire);
    *stamp = atomic_load_explicit(&w->stamp, memory_order_acquire);
    bool fresh = checked != 0 && now - checked <= CHANGE_WATCH_FRESH_MS * MS_NS;
    if (!fresh && atomic_load(&w->asleep)) {
        mutex_lock(&w->mu);
        pthread_cond_signal(&w->cv);
        mutex_unlock(&w->mu);
    }
    return fresh;
}
