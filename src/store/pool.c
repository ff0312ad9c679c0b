/* A fixed set of store connections shared by worker threads: a thread borrows one
 * for the length of a request and gives it back. With "sqlite::memory:" each
 * connection is its own private database, so data is not shared between them. */
#include "store/store.h"

#include "base/xalloc.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned size;
    unsigned n_free;
    struct store **all;  /* every connection, for free */
    struct store **idle; /* stack of the n_free connections not lent out */
};

int store_pool_new(const char *url, unsigned size, struct store_pool **out)
{
    *out = NULL;
    if (size == 0)
        return STET_EINVAL;
    struct store_pool *p = xcalloc(1, sizeof(*p));
    p->all = xcalloc(size, sizeof(*p->all));
    p->idle = xcalloc(size, sizeof(*p->idle));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (unsigned i = 0; i < size; i++) {
        int rc = store_open(url, &p->all[i]);
        if (rc != 0) {
            p->size = i;
            p->n_free = i;
            store_pool_free(p);
            return rc;
        }
        p->idle[i] = p->all[i];
    }
    p->size = size;
    p->n_free = size;
    *out = p;
    return 0;
}

/* Every connection must have been released: closing one in use would pull it out
 * from under its thread. */
void store_pool_free(struct store_pool *p)
{
    if (p == NULL)
        return;
    assert(p->n_free == p->size);
    for (unsigned i = 0; i < p->size; i++)
        store_close(p->all[i]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->all);
    free(p->idle);
    free(p);
}

struct store *store_pool_acquire(struct store_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->n_free == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    struct store *st = p->idle[--p->n_free];
    pthread_mutex_unlock(&p->mu);
    return st;
}

void store_pool_release(struct store_pool *p, struct store *st)
{
    pthread_mutex_lock(&p->mu);
    assert(p->n_free < p->size);
    p->idle[p->n_free++] = st;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void store_pool_stats(struct store_pool *p, struct store_stats *out)
{
    /* Filled in by group commit; zero until then. */
    (void)p;
    memset(out, 0, sizeof(*out));
}
