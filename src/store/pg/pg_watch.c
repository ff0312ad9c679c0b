/* The process's watchers of stet_changes, one per database URL: a registry under a
 * mutex (acquire and release are rare: a connection's first change check, and its
 * close), each entry a listener thread that counts what it hears. */
#include "store/pg/pg_store.h"

#include "base/log.h"
#include "base/xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CHANGES_CHANNEL "stet_changes"

struct pg_watch {
    char *url;
    struct store_listener *listener;
    _Atomic uint64_t count;
    int refs; /* under registry_mu */
    struct pg_watch *next;
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pg_watch *registry;

static void on_change(void *ctx, int64_t story_id, int64_t seq)
{
    (void)story_id;
    (void)seq;
    struct pg_watch *w = ctx;
    atomic_fetch_add(&w->count, 1);
}

struct pg_watch *pg_watch_acquire(const char *url)
{
    pthread_mutex_lock(&registry_mu);
    struct pg_watch *w = registry;
    while (w != NULL && strcmp(w->url, url) != 0)
        w = w->next;
    if (w == NULL) {
        w = xcalloc(1, sizeof(*w));
        w->url = xstrdup(url);
        atomic_init(&w->count, 0);
        if (pg_listener_start_on(url, CHANGES_CHANNEL, on_change, w, &w->listener) != 0) {
            /* Logged; without a watcher every check answers "changed". */
            free(w->url);
            free(w);
            pthread_mutex_unlock(&registry_mu);
            return NULL;
        }
        w->next = registry;
        registry = w;
    }
    w->refs++;
    pthread_mutex_unlock(&registry_mu);
    return w;
}

void pg_watch_release(struct pg_watch *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&registry_mu);
    bool last = --w->refs == 0;
    if (last) {
        struct pg_watch **p = &registry;
        while (*p != w)
            p = &(*p)->next;
        *p = w->next;
    }
    pthread_mutex_unlock(&registry_mu);
    if (!last)
        return;
    pg_listener_stop(w->listener);
    free(w->url);
    free(w);
}

bool pg_watch_count(struct pg_watch *w, uint64_t *count)
{
    /* The listener counts a reconnection before it says it listens, so a count read
     * after `listening` includes it. */
    if (!pg_listener_listening(w->listener))
        return false;
    *count = atomic_load(&w->count);
    return true;
}
