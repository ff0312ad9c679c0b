/* A bounded queue that hands fixed-size items from one producer thread to one
 * consumer thread, in order. It is bounded twice: by a number of items and by their
 * total weight (the bytes an item holds elsewhere, as its arena), so that the memory
 * in flight stays flat however fast the producer runs. Either side can end the
 * exchange: the producer closes (the consumer takes what is left, then sees the end),
 * the consumer stops with a code (the producer's next put returns it, so a pipeline
 * stops at its first error while the consumer still drains what was put). */
#ifndef STET_BASE_HANDOFF_H
#define STET_BASE_HANDOFF_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

struct handoff;

/* A queue of at most `max_items` items of `item_size` bytes (max_items >= 1) and,
 * while it holds more than one, at most `max_weight` of weight: one item heavier
 * than that still passes, alone. Free with handoff_free. */
struct handoff *handoff_new(size_t item_size, size_t max_items, size_t max_weight);
/* Frees the queue; neither side may use it any more. Items left in it are dropped
 * as bytes: whatever they own is the caller's to free first. */
void handoff_free(struct handoff *h);

/* Producer: copies `item` in, waiting while the queue is full. 0 when it was put;
 * the consumer's code from handoff_stop when it has stopped (the item was not put
 * and stays the caller's). */
int handoff_put(struct handoff *h, const void *item, size_t weight) STET_MUST_CHECK;
/* Producer: nothing more will be put. */
void handoff_close(struct handoff *h);

/* Consumer: copies the oldest item out into `item`, waiting while the queue is
 * empty and open; false once it is closed and empty. */
bool handoff_take(struct handoff *h, void *item);
/* Consumer: takes no more interest; the producer's next put returns `code`
 * (nonzero). The consumer still takes what was put, to free it, until the end. */
void handoff_stop(struct handoff *h, int code);

#endif
