/* The connection pool: a fixed set of connections in two sets (reads and writes),
 * lent for one operation at a time through the pool's view (pooled.c) or for a
 * whole unit of work (store_pool_acquire), and the helpers that serve the view: the
 * group committer (group_commit.c), which has its own connection, and the change
 * watcher with the memos (change_watch.c, memo.c). Reads and writes borrow from
 * separate sets: a write may wait for the database's write lock while holding its
 * connection, and must not keep a reader from one. With "sqlite::memory:" each
 * connection would be its own database, so such a pool has one connection for
 * everything and neither committer nor memo. */
#include "store/pool_private.h"

#include "base/log.h"
#include "base/xalloc.h"
#include "store/change_watch.h"
#include "store/group_commit.h"
#include "store/memo.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Bounds of the memos: a story and a session are a few hundred bytes to a few KB. */
#define POOL_MEMO_STORIES  1024
#define POOL_MEMO_SESSIONS 8192
#define POOL_MEMO_OWN_HELD 8192

static void set_init(struct conn_set *s, struct sql_conn **conns, unsigned n)
{
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->idle = xcalloc(n, sizeof(*s->idle));
    memcpy(s->idle, conns, n * sizeof(*conns));
    s->n_free = n;
    s->size = n;
}

static void set_cleanup(struct conn_set *s)
{
    if (s->idle == NULL)
        return;
    /* Every connection must have come back: closing one in use would pull it out
     * from under its thread. */
    assert(s->n_free == s->size);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->idle);
}

static struct sql_conn *set_take(struct conn_set *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->n_free == 0)
        pthread_cond_wait(&s->cv, &s->mu);
    struct sql_conn *c = s->idle[--s->n_free];
    pthread_mutex_unlock(&s->mu);
    return c;
}

static void set_put(struct conn_set *s, struct sql_conn *c)
{
    pthread_mutex_lock(&s->mu);
    assert(s->n_free < s->size);
    s->idle[s->n_free++] = c;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- lending ---- */

static struct conn_set *set_for(struct store_pool *p, enum sql_use use)
{
    return use == SQL_USE_READ ? p->reads : p->writes;
}

struct sql_conn *pool_take(struct store_pool *p, enum sql_use use)
{
    return set_take(set_for(p, use));
}

void pool_give(struct store_pool *p, struct sql_conn *c, enum sql_use use)
{
    set_put(set_for(p, use), c);
    if (use == SQL_USE_WRITE)
        atomic_fetch_add(&p->own_writes, 1);
}

/* ---- the pool ---- */

static bool is_memory_url(const char *url)
{
    static const char mem[] = "sqlite::memory:";
    return strncmp(url, mem, sizeof(mem) - 1) == 0 &&
           (url[sizeof(mem) - 1] == '\0' || url[sizeof(mem) - 1] == '?');
}

/* The committer, and the watcher with the memo when the backend can tell changes. */
static int start_helpers(struct store_pool *p, const char *url)
{
    int rc = group_commit_new(url, STORE_GC_MAX_BATCH, &p->gc);
    if (rc != 0)
        return rc;
    if (p->all[0]->drv->data_changed == NULL)
        return 0;
    rc = change_watch_new(url, &p->watch);
    if (rc != 0)
        return rc;
    p->stories = memo_new(POOL_MEMO_STORIES);
    p->sessions = memo_new(POOL_MEMO_SESSIONS);
    p->settings = memo_new(1);
    p->own_held = memo_new(POOL_MEMO_OWN_HELD);
    return 0;
}

int store_pool_new(const char *url, unsigned n_read, unsigned n_write, struct store_pool **out)
{
    *out = NULL;
    if (n_read == 0 || n_write == 0)
        return STET_EINVAL;
    bool memory = is_memory_url(url);
    if (memory) {
        n_read = 0;
        n_write = 1;
    }
    struct store_pool *p = xcalloc(1, sizeof(*p));
    p->all = xcalloc(n_read + n_write, sizeof(*p->all));
    atomic_init(&p->own_writes, 0);
    pooled_init(&p->waiting, p, false);
    pooled_init(&p->nowait, p, true);
    for (unsigned i = 0; i < n_read + n_write; i++) {
        struct store *st;
        int rc = store_open(url, &st);
        if (rc != 0) {
            p->n_all = i;
            store_pool_free(p);
            return rc;
        }
        p->all[i] = sql_conn_of(st);
    }
    p->n_all = n_read + n_write;
    p->writes = &p->sets[1];
    set_init(p->writes, p->all + n_read, n_write);
    p->reads = p->writes;
    if (n_read > 0) {
        p->reads = &p->sets[0];
        set_init(p->reads, p->all, n_read);
    }
    if (!memory) {
        int rc = start_helpers(p, url);
        if (rc != 0) {
            store_pool_free(p);
            return rc;
        }
    }
    *out = p;
    return 0;
}

/* Nobody can be waiting in the committer, then, so its queue is empty by the time
 * it stops. */
void store_pool_free(struct store_pool *p)
{
    if (p == NULL)
        return;
    if (p->gc != NULL) {
        struct store_stats s;
        group_commit_stats(p->gc, &s);
        if (s.commits > 0)
            log_info(NULL,
                     "group commit: %" PRIu64 " comments in %" PRIu64
                     " transactions (largest %" PRIu64 "), %" PRIu64 " ms in the database",
                     s.batched_writes, s.commits, s.max_batch, s.db_time_us / 1000);
    }
    group_commit_free(p->gc);
    change_watch_free(p->watch);
    memo_free(p->stories);
    memo_free(p->sessions);
    memo_free(p->settings);
    memo_free(p->own_held);
    for (size_t i = 0; i < 2; i++)
        set_cleanup(&p->sets[i]);
    for (unsigned i = 0; i < p->n_all; i++)
        store_close(&p->all[i]->base);
    free(p->all);
    free(p);
}

struct store *store_pool_store(struct store_pool *p, bool nowait)
{
    return nowait ? &p->nowait.base : &p->waiting.base;
}

struct store *store_pool_acquire(struct store_pool *p)
{
    return &set_take(p->writes)->base;
}

void store_pool_release(struct store_pool *p, struct store *st)
{
    set_put(p->writes, sql_conn_of(st));
    /* Whatever the borrower did, it may have written. */
    atomic_fetch_add(&p->own_writes, 1);
}

void store_pool_stats(struct store_pool *p, struct store_stats *out)
{
    if (p->gc == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    group_commit_stats(p->gc, out);
}
