/* The housekeeping thread: runs its task at start and again while the task says
 * there is more, and a stop during a long wait returns at once (a stop that waited
 * out the interval would hang this test for an hour, past its time limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "services/janitor.h"

#include <pthread.h>

struct task {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int runs;
    int more; /* answer "more to do" this many times */
};

static bool piece(void *arg)
{
    struct task *t = arg;
    pthread_mutex_lock(&t->mu);
    t->runs++;
    bool more = t->more > 0;
    if (more)
        t->more--;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    return more;
}

static void wait_runs(struct task *t, int n)
{
    pthread_mutex_lock(&t->mu);
    while (t->runs < n)
        pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

static void test_runs_at_start_and_while_there_is_more(void **state)
{
    (void)state;
    struct task t = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 3};
    struct janitor *j = NULL;
    assert_int_equal(janitor_start(JANITOR_INTERVAL_MAX, piece, &t, &j), 0);
    assert_non_null(j);
    /* At start, then three more pieces at once: the backlog. */
    wait_runs(&t, 4);
    janitor_stop(j);
    /* Nothing more ran: the next run was an interval (a day) away. */
    assert_int_equal(t.runs, 4);
}

static void test_runs_every_interval(void **state)
{
    (void)state;
    struct task t = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    struct janitor *j = NULL;
    assert_int_equal(janitor_start(1, piece, &t, &j), 0);
    wait_runs(&t, 3);
    janitor_stop(j);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct task t = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    struct janitor *j = (struct janitor *)&t;
    assert_int_equal(janitor_start(0, piece, &t, &j), STET_EINVAL);
    assert_null(j);
    assert_int_equal(janitor_start(JANITOR_INTERVAL_MAX + 1, piece, &t, &j), STET_EINVAL);
    assert_int_equal(janitor_start(10, NULL, &t, &j), STET_EINVAL);
    janitor_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_at_start_and_while_there_is_more),
        cmocka_unit_test(test_runs_every_interval),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
