/* Unit tests for base/handoff: items pass between two threads whole and in order;
 * the queue never holds more than its bounds (items, weight; one heavy item alone);
 * a heavy item that must wait for room wakes a consumer waiting for more;
 * closing ends the consumer's loop after the last item; stopping makes the
 * producer's next put return the consumer's code while the consumer still drains.
 * The suite also runs under ThreadSanitizer (make test's TSan build). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/handoff.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

struct item {
    uint64_t seq;
    uint64_t check; /* a function of seq: a torn copy would not match */
    size_t weight;
};

#define N_ITEMS    20000
#define MAX_ITEMS  16
#define MAX_WEIGHT 1000

struct run {
    struct handoff *h;
    size_t n_put;      /* items the producer put */
    int put_rc;        /* the first nonzero put result */
    _Atomic long held; /* weight put and not yet taken, as the producer sees it */
    _Atomic long most; /* the most `held` ever was */
    _Atomic long count;
    _Atomic long most_count;
};

static size_t weight_of(uint64_t seq)
{
    /* Mostly light; every 97th heavier than the bound: it must pass alone. */
    return seq % 97 == 0 ? 5 * MAX_WEIGHT : (size_t)(seq % 50);
}

static void *produce(void *arg)
{
    struct run *r = arg;
    for (uint64_t seq = 0; seq < N_ITEMS; seq++) {
        struct item it = {seq, seq * 2654435761u, weight_of(seq)};
        /* Counted before the put, so the consumer never sees a weight not yet
         * counted; the bound checked is the queue's plus this one item. */
        long held = atomic_fetch_add(&r->held, (long)it.weight) + (long)it.weight;
        long count = atomic_fetch_add(&r->count, 1) + 1;
        int rc = handoff_put(r->h, &it, it.weight);
        if (rc != 0) {
            atomic_fetch_sub(&r->held, (long)it.weight);
            atomic_fetch_sub(&r->count, 1);
            r->put_rc = rc;
            break;
        }
        r->n_put++;
        long m = atomic_load(&r->most);
        while (held > m && !atomic_compare_exchange_weak(&r->most, &m, held))
            ;
        long mc = atomic_load(&r->most_count);
        while (count > mc && !atomic_compare_exchange_weak(&r->most_count, &mc, count))
            ;
    }
    handoff_close(r->h);
    return NULL;
}

static void items_pass_whole_in_order(void **state)
{
    (void)state;
    struct run r = {.h = handoff_new(sizeof(struct item), MAX_ITEMS, MAX_WEIGHT)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, produce, &r), 0);
    struct item it;
    uint64_t want = 0;
    while (handoff_take(r.h, &it)) {
        assert_int_equal(it.seq, want);
        assert_int_equal(it.check, it.seq * 2654435761u);
        atomic_fetch_sub(&r.held, (long)it.weight);
        atomic_fetch_sub(&r.count, 1);
        want++;
    }
    pthread_join(t, NULL);
    assert_int_equal(want, N_ITEMS);
    assert_int_equal(r.n_put, N_ITEMS);
    assert_int_equal(r.put_rc, 0);
    /* The queue's bounds, plus the item the producer was putting and one the
     * consumer had taken but not yet counted out: a heavy item is over the weight
     * bound only alone (and heavy ones are too far apart to meet). */
    assert_true(atomic_load(&r.most_count) <= MAX_ITEMS + 2);
    assert_true(atomic_load(&r.most) <= 5 * MAX_WEIGHT + MAX_WEIGHT + 50);
    handoff_free(r.h);
}

static void a_stop_reaches_the_producer(void **state)
{
    (void)state;
    struct run r = {.h = handoff_new(sizeof(struct item), MAX_ITEMS, MAX_WEIGHT)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, produce, &r), 0);
    struct item it;
    size_t taken = 0;
    while (handoff_take(r.h, &it)) {
        if (++taken == 100)
            handoff_stop(r.h, 42);
    }
    pthread_join(t, NULL);
    assert_int_equal(r.put_rc, 42);
    /* Everything put was taken (drained after the stop), and the producer stopped
     * within a queue's length of it. */
    assert_int_equal(taken, r.n_put);
    assert_true(r.n_put < 100 + MAX_ITEMS + 1);
    handoff_free(r.h);
}

static void *take_all(void *arg)
{
    struct run *r = arg;
    struct item it;
    while (handoff_take(r->h, &it))
        r->n_put++; /* here: the items taken */
    return NULL;
}

/* The consumer waits for the queue to fill; the producer puts one light item, then
 * one too heavy to fit beside it. Each would wait for the other if waiting did not
 * wake the other side. alarm() turns such a deadlock into a failed run. */
static void a_heavy_item_does_not_deadlock(void **state)
{
    (void)state;
    struct run r = {.h = handoff_new(sizeof(struct item), MAX_ITEMS, MAX_WEIGHT)};
    pthread_t t;
    alarm(60);
    assert_int_equal(pthread_create(&t, NULL, take_all, &r), 0);
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL); /* the consumer is waiting by now, most likely */
    struct item light = {1, 0, 1}, heavy = {2, 0, 2 * MAX_WEIGHT};
    assert_int_equal(handoff_put(r.h, &light, light.weight), 0);
    assert_int_equal(handoff_put(r.h, &heavy, heavy.weight), 0);
    handoff_close(r.h);
    pthread_join(t, NULL);
    alarm(0);
    assert_int_equal(r.n_put, 2);
    handoff_free(r.h);
}

static void a_closed_empty_queue_ends(void **state)
{
    (void)state;
    struct handoff *h = handoff_new(sizeof(int), 4, 100);
    int v = 7, got = 0;
    assert_int_equal(handoff_put(h, &v, 1), 0);
    handoff_close(h);
    assert_true(handoff_take(h, &got));
    assert_int_equal(got, 7);
    assert_false(handoff_take(h, &got));
    handoff_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(items_pass_whole_in_order),
        cmocka_unit_test(a_stop_reaches_the_producer),
        cmocka_unit_test(a_heavy_item_does_not_deadlock),
        cmocka_unit_test(a_closed_empty_queue_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
