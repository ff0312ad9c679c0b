/* The housekeeping thread: waits on a condition variable with a monotonic
 * deadline, so a stop ends the wait at once and a wall-clock jump neither stalls
 * nor hurries the schedule. */
#include "services/janitor.h"

#include "base/clock.h"
#include "base/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct janitor {
    pthread_mutex_t mu;
    pthread_cond_t cond; /* signalled by janitor_stop */
    pthread_t thread;
    bool stopping;
    int interval_s;
    janitor_fn fn;
    void *ctx;
};

static bool stopping(struct janitor *j)
{
    pthread_mutex_lock(&j->mu);
    bool s = j->stopping;
    pthread_mutex_unlock(&j->mu);
    return s;
}

/* Runs fn until it says it is done or a stop is asked for. */
static void run_pieces(struct janitor *j)
{
    bool more;
    do {
        more = j->fn(j->ctx);
    } while (more && !stopping(j));
}

/* Waits one interval; false when told to stop instead. */
static bool wait_interval(struct janitor *j)
{
    struct timespec deadline = clock_mono_after_ms((int64_t)j->interval_s * 1000);
    pthread_mutex_lock(&j->mu);
    while (!j->stopping) {
        if (pthread_cond_timedwait(&j->cond, &j->mu, &deadline) == ETIMEDOUT)
            break;
    }
    bool go_on = !j->stopping;
    pthread_mutex_unlock(&j->mu);
    return go_on;
}

static void *janitor_main(void *arg)
{
    pthread_setname_np(pthread_self(), "stet-janitor"); /* for top -H, gdb, perf */
    struct janitor *j = arg;
    do
        run_pieces(j);
    while (wait_interval(j));
    return NULL;
}

int janitor_start(int interval_s, janitor_fn fn, void *ctx, struct janitor **out)
{
    *out = NULL;
    if (interval_s < 1 || interval_s > JANITOR_INTERVAL_MAX || fn == NULL)
        return STET_EINVAL;
    struct janitor *j = xcalloc(1, sizeof(*j));
    j->interval_s = interval_s;
    j->fn = fn;
    j->ctx = ctx;
    pthread_mutex_init(&j->mu, NULL);
    clock_cond_init(&j->cond);
    if (pthread_create(&j->thread, NULL, janitor_main, j) != 0) {
        pthread_cond_destroy(&j->cond);
        pthread_mutex_destroy(&j->mu);
        free(j);
        return STET_EIO;
    }
    *out = j;
    return 0;
}

void janitor_stop(struct janitor *j)
{
    if (j == NULL)
        return;
    pthread_mutex_lock(&j->mu);
    j->stopping = true;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);
    pthread_cond_destroy(&j->cond);
    pthread_mutex_destroy(&j->mu);
    free(j);
}
