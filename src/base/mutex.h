/* A pthread mutex that knows its holder in checked builds, so that a comment such as
 * "called with mu held" becomes an assertion. STET_DEBUG_CHECKS is set by meson.build
 * in every build but release (NDEBUG is never set: assert() stays on everywhere), and
 * without it a struct mutex is a bare pthread_mutex_t and every check below compiles
 * to nothing. With it, locking a mutex this thread already holds (a self-deadlock),
 * unlocking or waiting on one it does not hold, and destroying a held one abort at
 * once with the assertion that names the broken claim. */
#ifndef STET_BASE_MUTEX_H
#define STET_BASE_MUTEX_H

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#ifdef STET_DEBUG_CHECKS
#include <stdatomic.h>
#endif

struct mutex {
    pthread_mutex_t mu;
#ifdef STET_DEBUG_CHECKS
    /* mutex_self() of the holding thread; 0: free. Atomic because mutex_held reads
     * it without the lock; relaxed suffices, since a thread only ever compares it
     * with its own id, which no other thread writes. */
    _Atomic uintptr_t owner;
#endif
};

/* A default (non-recursive) mutex in the caller's storage. */
void mutex_init(struct mutex *m);
/* Destroys `m`, which no thread may hold (a checked build catches the caller
 * holding it). */
void mutex_cleanup(struct mutex *m);

#ifdef STET_DEBUG_CHECKS
/* This thread's id as recorded in struct mutex: nonzero, distinct for every live
 * thread. */
uintptr_t mutex_self(void);

/* True when the calling thread holds `m`. A predicate, so that tests can check the
 * bookkeeping without aborting; code asserts it through mutex_assert_held. Exists
 * only in checked builds: a release build cannot tell. */
static inline bool mutex_held(const struct mutex *m)
{
    return atomic_load_explicit(&m->owner, memory_order_relaxed) == mutex_self();
}

static inline void mutex_set_owner(struct mutex *m, uintptr_t owner)
{
    atomic_store_explicit(&m->owner, owner, memory_order_relaxed);
}

#define mutex_assert_held(m)     assert(mutex_held(m))
#define mutex_assert_not_held(m) assert(!mutex_held(m))
#else
#define mutex_set_owner(m, owner) ((void)(m), (void)(owner))
#define mutex_assert_held(m)      ((void)(m))
#define mutex_assert_not_held(m)  ((void)(m))
#endif

/* 0 as the owner: nobody. A macro so that release builds never call mutex_self. */
#ifdef STET_DEBUG_CHECKS
#define MUTEX_SELF mutex_self()
#else
#define MUTEX_SELF 0
#endif

static inline void mutex_lock(struct mutex *m)
{
    mutex_assert_not_held(m); /* a default mutex locked twice by one thread hangs */
    pthread_mutex_lock(&m->mu);
    mutex_set_owner(m, MUTEX_SELF);
}

static inline void mutex_unlock(struct mutex *m)
{
    mutex_assert_held(m);
    mutex_set_owner(m, 0);
    pthread_mutex_unlock(&m->mu);
}

/* pthread_cond_wait on `cv` with `m`, which the caller holds; the wait gives `m` up
 * and takes it back, and the recorded owner follows. */
static inline void mutex_wait(struct mutex *m, pthread_cond_t *cv)
{
    mutex_assert_held(m);
    mutex_set_owner(m, 0);
    pthread_cond_wait(cv, &m->mu);
    mutex_set_owner(m, MUTEX_SELF);
}

/* pthread_cond_timedwait: 0, or ETIMEDOUT once `deadline` (on cv's clock) passed. */
static inline int mutex_timedwait(struct mutex *m, pthread_cond_t *cv,
                                  const struct timespec *deadline)
{
    mutex_assert_held(m);
    mutex_set_owner(m, 0);
    int rc = pthread_cond_timedwait(cv, &m->mu, deadline);
    mutex_set_owner(m, MUTEX_SELF);
    return rc;
}

#endif
