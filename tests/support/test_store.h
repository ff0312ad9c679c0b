/* Test support: a migrated in-memory SQLite store for domain tests, and a way to
 * make one of its operations fail (fault injection without a second backend). */
#ifndef STET_TESTS_TEST_STORE_H
#define STET_TESTS_TEST_STORE_H

#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>

static inline struct store *test_store_new(void)
{
    struct store *st;
    int applied;
    if (store_open("sqlite::memory:", &st) != 0 || store_migrate(st, &applied) != 0) {
        fprintf(stderr, "cannot open the test store\n");
        abort();
    }
    return st;
}

/* Replaces the store's ops table by a patched copy the test controls; the copy
 * must outlive the store's use (tests keep it static). */
static inline struct store_ops *test_store_patch(struct store *st, struct store_ops *copy)
{
    *copy = *st->ops;
    st->ops = copy;
    return copy;
}

#endif
