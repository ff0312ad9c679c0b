/* base/handoff.h: a ring of items under one mutex, with a condition for each side.
 * A side waits only when it must, and the other wakes it only when it waits and the
 * queue has come half way back (half full for the consumer, half empty for the
 * producer), or when the other must wait too: each wake-up then moves many items,
 * not one, and a queue that is neither full nor empty costs a lock and no system
 * call. */
#include "base/handoff.h"

#include "base/mutex.h"
#include "base/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct handoff {
    struct mutex mu;
    pthread_cond_t can_put, can_take;
    size_t item_size, max_items, max_weight;
    unsigned char *items; /* max_items slots of item_size */
    size_t *weights;
    /* The rest is under mu. */
    size_t head, count, weight;
    bool closed;
    int stop_code; /* 0: the consumer goes on */
    bool putter_waits, taker_waits;
};

struct handoff *handoff_new(size_t item_size, size_t max_items, size_t max_weight)
{
    struct handoff *h = xcalloc(1, sizeof(*h));
    mutex_init(&h->mu);
    pthread_cond_init(&h->can_put, NULL);
    pthread_cond_init(&h->can_take, NULL);
    h->item_size = item_size;
    h->max_items = max_items > 0 ? max_items : 1;
    h->max_weight = max_weight;
    h->items = xcalloc(h->max_items, item_size);
    h->weights = xcalloc(h->max_items, sizeof(*h->weights));
    return h;
}

void handoff_free(struct handoff *h)
{
    if (h == NULL)
        return;
    pthread_cond_destroy(&h->can_put);
    pthread_cond_destroy(&h->can_take);
    mutex_cleanup(&h->mu);
    free(h->items);
    free(h->weights);
    free(h);
}

/* Under mu: the consumer has enough to take to be worth waking. */
static bool half_full(const struct handoff *h)
{
    return h->closed || h->count * 2 >= h->max_items || h->weight * 2 >= h->max_weight;
}

/* Under mu: the producer has enough room to be worth waking. */
static bool half_empty(const struct handoff *h)
{
    return h->count == 0 || (h->count * 2 <= h->max_items && h->weight * 2 <= h->max_weight);
}

/* Under mu: wakes the consumer if it waits. Called when there is enough to take,
 * and whenever the producer is about to wait itself: a side never sleeps while the
 * other does (a heavy item waiting for room must not wait on a consumer that waits
 * for the queue to fill). */
static void wake_taker(struct handoff *h)
{
    if (h->taker_waits) {
        h->taker_waits = false;
        pthread_cond_signal(&h->can_take);
    }
}

/* Under mu: the same for the producer. */
static void wake_putter(struct handoff *h)
{
    if (h->putter_waits) {
        h->putter_waits = false;
        pthread_cond_signal(&h->can_put);
    }
}

/* Under mu: an item of `weight` fits now. */
static bool has_room(const struct handoff *h, size_t weight)
{
    if (h->count == h->max_items)
        return false;
    return h->count == 0 || h->weight + weight <= h->max_weight;
}

int handoff_put(struct handoff *h, const void *item, size_t weight)
{
    mutex_lock(&h->mu);
    while (h->stop_code == 0 && !has_room(h, weight)) {
        wake_taker(h);
        h->putter_waits = true;
        mutex_wait(&h->mu, &h->can_put);
    }
    int code = h->stop_code;
    if (code == 0) {
        size_t slot = (h->head + h->count) % h->max_items;
        memcpy(h->items + slot * h->item_size, item, h->item_size);
        h->weights[slot] = weight;
        h->count++;
        h->weight += weight;
        if (half_full(h))
            wake_taker(h);
    }
    mutex_unlock(&h->mu);
    return code;
}

void handoff_close(struct handoff *h)
{
    mutex_lock(&h->mu);
    h->closed = true;
    wake_taker(h);
    mutex_unlock(&h->mu);
}

bool handoff_take(struct handoff *h, void *item)
{
    mutex_lock(&h->mu);
    while (h->count == 0 && !h->closed) {
        wake_putter(h);
        h->taker_waits = true;
        mutex_wait(&h->mu, &h->can_take);
    }
    bool got = h->count > 0;
    if (got) {
        memcpy(item, h->items + h->head * h->item_size, h->item_size);
        h->weight -= h->weights[h->head];
        h->head = (h->head + 1) % h->max_items;
        h->count--;
        if (half_empty(h))
            wake_putter(h);
    }
    mutex_unlock(&h->mu);
    return got;
}

void handoff_stop(struct handoff *h, int code)
{
    mutex_lock(&h->mu);
    if (h->stop_code == 0)
        h->stop_code = code != 0 ? code : STET_EIO;
    wake_putter(h);
    mutex_unlock(&h->mu);
}
