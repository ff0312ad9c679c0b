/* Test support: a store that does nothing of its own. Every operation aborts the
 * test unless the test gave it one, so a test states exactly which store calls the
 * code under test may make, and a call it did not expect fails loudly. */
#ifndef STET_TESTS_FAKE_STORE_H
#define STET_TESTS_FAKE_STORE_H

#include "store/store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*fake_store_any_fn)(void);

static inline void fake_store_unexpected(void)
{
    fprintf(stderr, "fake store: an operation the test did not expect was called\n");
    abort();
}

/* Fills every slot of `ops` with fake_store_unexpected. The slots are all function
 * pointers; calling the stand-in through another slot's type never returns, so no
 * argument or result is ever used. Set the operations the test allows afterwards. */
static inline void fake_store_ops_init(struct store_ops *ops)
{
    _Static_assert(sizeof(struct store_ops) % sizeof(fake_store_any_fn) == 0,
                   "struct store_ops holds only function pointers");
    fake_store_any_fn fn = fake_store_unexpected;
    char *p = (char *)ops;
    for (size_t off = 0; off < sizeof(*ops); off += sizeof(fn))
        memcpy(p + off, &fn, sizeof(fn));
}

/* Makes the pool's two faces (waiting and non-waiting, store_pool_store) run
 * `ops` instead of the pool's own: what web/ reaches through req_store. `ops`
 * must outlive the pool's use. */
static inline void fake_store_install(struct store_pool *p, const struct store_ops *ops)
{
    store_pool_store(p, false)->ops = ops;
    store_pool_store(p, true)->ops = ops;
}

#endif
