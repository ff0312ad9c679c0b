/* Unit tests for base/mutex: the owner check that turns "called with mu held" into
 * an assertion. mutex_held is tested as a predicate (held by the locker only, not by
 * another thread, again after a condition wait that another thread's lock ran
 * through); one death test, in a child process, shows that mutex_assert_held really
 * aborts. In a build without STET_DEBUG_CHECKS (release) there is nothing to test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/mutex.h"

#include "death.h"

#include <errno.h>
#include <pthread.h>

#ifdef STET_DEBUG_CHECKS

struct shared {
    struct mutex m;
    pthread_cond_t cv;
    bool locked_elsewhere; /* under m */
    bool seen_held;        /* what the other thread's mutex_held said */
};

static void *peek(void *arg)
{
    struct shared *s = arg;
    s->seen_held = mutex_held(&s->m);
    return NULL;
}

static void held_by_the_locker_only(void **state)
{
    (void)state;
    struct shared s = {0};
    mutex_init(&s.m);
    assert_false(mutex_held(&s.m));
    mutex_lock(&s.m);
    assert_true(mutex_held(&s.m));

    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, peek, &s), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_false(s.seen_held); /* another thread does not hold what this one locked */

    mutex_unlock(&s.m);
    assert_false(mutex_held(&s.m));
    mutex_cleanup(&s.m);
}

/* Takes the mutex while the main thread waits on it, and wakes it. */
static void *lock_during_wait(void *arg)
{
    struct shared *s = arg;
    mutex_lock(&s->m);
    s->seen_held = mutex_held(&s->m);
    s->locked_elsewhere = true;
    pthread_cond_signal(&s->cv);
    mutex_unlock(&s->m);
    return NULL;
}

static void held_again_after_a_wait(void **state)
{
    (void)state;
    struct shared s = {0};
    mutex_init(&s.m);
    clock_cond_init(&s.cv);
    mutex_lock(&s.m);

    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, lock_during_wait, &s), 0);
    while (!s.locked_elsewhere)
        mutex_wait(&s.m, &s.cv);
    /* The other thread owned it in between; the wait must have taken it back. */
    assert_true(s.seen_held);
    assert_true(mutex_held(&s.m));
    mutex_unlock(&s.m);
    assert_int_equal(pthread_join(t, NULL), 0);

    /* A timed wait that times out gives the mutex back to its caller too. */
    mutex_lock(&s.m);
    struct timespec past = clock_mono_after_ms(0);
    assert_int_equal(mutex_timedwait(&s.m, &s.cv, &past), ETIMEDOUT);
    assert_true(mutex_held(&s.m));
    mutex_unlock(&s.m);

    pthread_cond_destroy(&s.cv);
    mutex_cleanup(&s.m);
}

static void assert_held(void *m)
{
    mutex_assert_held((struct mutex *)m);
}

static void assert_not_held(void *m)
{
    mutex_assert_not_held((struct mutex *)m);
}

static void assertions_abort_on_a_broken_claim(void **state)
{
    (void)state;
    struct mutex m;
    mutex_init(&m);
    assert_true(death_aborts(assert_held, &m));
    assert_false(death_aborts(assert_not_held, &m));
    mutex_lock(&m);
    assert_false(death_aborts(assert_held, &m)); /* the child inherits the lock's owner */
    assert_true(death_aborts(assert_not_held, &m));
    mutex_unlock(&m);
    mutex_cleanup(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(held_by_the_locker_only),
        cmocka_unit_test(held_again_after_a_wait),
        cmocka_unit_test(assertions_abort_on_a_broken_claim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

static void nothing_to_check(void **state)
{
    (void)state;
    skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(nothing_to_check)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
