/* Monotonic time for deadlines and timed waits: a wall-clock jump (NTP, an
 * operator's `date`) never shortens or stretches them. */
#ifndef STET_BASE_CLOCK_H
#define STET_BASE_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t clock_mono_ns(void);
/* The CLOCK_MONOTONIC instant `ms` milliseconds from now, for
 * pthread_cond_timedwait on a condition made by clock_cond_init. */
struct timespec clock_mono_after_ms(int64_t ms);
/* Initializes `cv` so that its timed waits run on CLOCK_MONOTONIC. */
void clock_cond_init(pthread_cond_t *cv);

#endif
