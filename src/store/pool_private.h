/* The pool's parts that its view (pooled.c) shares with the pool itself (pool.c).
 * Private to those two files. */
#ifndef STET_STORE_POOL_PRIVATE_H
#define STET_STORE_POOL_PRIVATE_H

#include "store/sql/exec.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct change_watch;
struct group_commit;
struct memo;

struct conn_set {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sql_conn **idle; /* stack of the n_free connections not lent out */
    unsigned n_free;
    unsigned size;
};

/* The pool seen as a store (pooled.c); `nowait` never borrows a connection. */
struct pooled_store {
    struct store base; /* first, so a struct store * converts back */
    struct store_pool *pool;
    bool nowait;
};

struct store_pool {
    struct sql_conn **all; /* every connection, for free */
    unsigned n_all;
    struct conn_set sets[2];
    struct conn_set *reads;  /* sets[0], or the write set in a memory pool */
    struct conn_set *writes; /* sets[1] */
    struct group_commit *gc; /* NULL: inserts run on a borrowed connection */
    /* NULL: no memo (a memory pool, or a driver that cannot tell changes). */
    struct change_watch *watch;
    struct memo *stories;  /* by slug */
    struct memo *sessions; /* by token hash, valid for one `now` */
    struct memo *settings; /* the list of site settings, one entry */
    struct memo *own_held; /* a reader's held comments on a story, by both ids */
    /* Writes through this pool, counted after each one returned: the generation
     * moves before the writer's response goes out. */
    _Atomic uint64_t own_writes;
    struct pooled_store waiting, nowait;
};

/* A connection of the set for `use`, waiting for one to be free; pool_give puts it
 * back and, for SQL_USE_WRITE, moves the data generation. */
struct sql_conn *pool_take(struct store_pool *p, enum sql_use use);
void pool_give(struct store_pool *p, struct sql_conn *c, enum sql_use use);

/* Makes `v` the pool's view (waiting, or not with `nowait`). */
void pooled_init(struct pooled_store *v, struct store_pool *p, bool nowait);

#endif
