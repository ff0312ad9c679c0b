/* The out-of-line half of base/mutex.h: setup, teardown and, in checked builds, the
 * thread id the owner check records. */
#include "base/mutex.h"

void mutex_init(struct mutex *m)
{
    pthread_mutex_init(&m->mu, NULL);
#ifdef STET_DEBUG_CHECKS
    atomic_init(&m->owner, 0);
#endif
}

void mutex_cleanup(struct mutex *m)
{
    /* Destroying a locked mutex is undefined; in a checked build it is caught here. */
    mutex_assert_not_held(m);
    pthread_mutex_destroy(&m->mu);
}

#ifdef STET_DEBUG_CHECKS
/* The address of a thread-local object is nonzero and unique among live threads, and
 * costs no system call (pthread_t need not even be an integer). */
static _Thread_local char self_tag;

uintptr_t mutex_self(void)
{
    return (uintptr_t)&self_tag;
}
#endif
