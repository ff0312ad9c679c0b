/* A fixed set of store connections shared by worker threads: a thread borrows one
 * for the length of a request and gives it back. The connections' comment inserts
 * go through the pool's group committer (group_commit.c), so concurrent posts share
 * one transaction. Story and session reads go through a memo (memo.c) when the
 * backend can tell whether the database changed: a hot story page or a returning
 * reader then costs a change check instead of a query. With "sqlite::memory:" each
 * connection is its own private database, so data is not shared between them and
 * there is neither committer nor memo. */
#include "store/store.h"

#include "base/log.h"
#include "base/xalloc.h"
#include "store/group_commit.h"
#include "store/memo.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The backend's ops with comment_insert redirected to the committer. A pooled
 * connection's `ops` points here; every other op still reaches the backend, which
 * finds its own connection from the struct store pointer as before. */
struct pooled_ops {
    struct store_ops ops; /* first, so a store's ops pointer converts back */
    const struct store_ops *backend;
    struct group_commit *gc;
    /* NULL when the backend cannot tell changes (store_ops.data_changed). */
    struct memo *stories;  /* by slug */
    struct memo *sessions; /* by token hash, valid for one `now` */
    _Atomic uint64_t *gen; /* the pool's data generation */
};

/* Bounds of the memos: a story and a session are a few hundred bytes to a few KB. */
#define POOL_MEMO_STORIES  1024
#define POOL_MEMO_SESSIONS 8192

struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned size;
    unsigned n_free;
    struct store **all;      /* every connection, for free */
    struct store **idle;     /* stack of the n_free connections not lent out */
    struct group_commit *gc; /* NULL: inserts run on the borrowed connection */
    struct pooled_ops pooled;
    /* Moves whenever any connection saw a change; a memo entry is good only for the
     * generation it was read at. */
    _Atomic uint64_t gen;
};

static int pooled_comment_insert(struct store *st, const struct comment *c, int64_t *id,
                                 int64_t *event_seq)
{
    const struct pooled_ops *po = (const struct pooled_ops *)st->ops;
    if ((unsigned)c->status > COMMENT_DELETED)
        return STET_EINVAL; /* as the backends answer, without a trip to the committer */
    int rc = group_commit_insert(po->gc, c, id, event_seq);
    /* Committed on the committer's own connection: where pooled ones hear of that
     * late, the memo must not wait for it. */
    if (rc == 0 && po->gen != NULL && po->backend->data_changed_late)
        atomic_fetch_add(po->gen, 1);
    return rc;
}

/* The generation `st` may read at: moved first if the database changed since this
 * connection last looked. Asked on every memoized read, not once per borrowing, so a
 * request that wrote through this connection sees its own write at its next read. */
static int current_gen(const struct pooled_ops *po, struct store *st, uint64_t *gen)
{
    bool changed;
    int rc = po->backend->data_changed(st, &changed);
    if (rc != 0)
        return rc;
    if (changed)
        atomic_fetch_add(po->gen, 1);
    *gen = atomic_load(po->gen);
    return 0;
}

static const struct memo_type story_type = {
    .size = sizeof(struct story),
    .n_strings = 5,
    .string_offsets = {offsetof(struct story, slug), offsetof(struct story, title),
                       offsetof(struct story, byline), offsetof(struct story, body_src),
                       offsetof(struct story, body_html)},
};

static const struct memo_type user_type = {
    .size = sizeof(struct user),
    .n_strings = 3,
    .string_offsets = {offsetof(struct user, username), offsetof(struct user, display_name),
                       offsetof(struct user, email)},
};

static int memo_story_find(struct arena *a, struct store *st, struct str slug, struct story *out)
{
    const struct pooled_ops *po = (const struct pooled_ops *)st->ops;
    uint64_t gen;
    int rc = current_gen(po, st, &gen);
    if (rc != 0)
        return rc;
    if (memo_get(po->stories, &story_type, slug.ptr, slug.len, gen, 0, a, out))
        return 0;
    rc = po->backend->story_find(a, st, slug, out);
    if (rc == 0)
        memo_put(po->stories, &story_type, slug.ptr, slug.len, gen, 0, out);
    return rc;
}

/* The answer depends on `now` (expiry) as well, so an entry serves one second. */
static int memo_session_find(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                             struct user *out)
{
    const struct pooled_ops *po = (const struct pooled_ops *)st->ops;
    size_t len = strlen(token_hash);
    uint64_t gen;
    int rc = current_gen(po, st, &gen);
    if (rc != 0)
        return rc;
    if (memo_get(po->sessions, &user_type, token_hash, len, gen, now, a, out))
        return 0;
    rc = po->backend->session_find(a, st, token_hash, now, out);
    if (rc == 0)
        memo_put(po->sessions, &user_type, token_hash, len, gen, now, out);
    return rc;
}

static bool is_memory_url(const char *url)
{
    static const char mem[] = "sqlite::memory:";
    return strncmp(url, mem, sizeof(mem) - 1) == 0 &&
           (url[sizeof(mem) - 1] == '\0' || url[sizeof(mem) - 1] == '?');
}

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
    if (!is_memory_url(url)) {
        int rc = group_commit_new(url, STORE_GC_MAX_BATCH, &p->gc);
        if (rc != 0) {
            store_pool_free(p);
            return rc;
        }
        p->pooled.backend = p->all[0]->ops;
        p->pooled.ops = *p->all[0]->ops;
        p->pooled.ops.comment_insert = pooled_comment_insert;
        p->pooled.gc = p->gc;
        if (p->pooled.backend->data_changed != NULL) {
            p->pooled.gen = &p->gen;
            p->pooled.stories = memo_new(POOL_MEMO_STORIES);
            p->pooled.sessions = memo_new(POOL_MEMO_SESSIONS);
            p->pooled.ops.story_find = memo_story_find;
            p->pooled.ops.session_find = memo_session_find;
        }
        for (unsigned i = 0; i < size; i++)
            p->all[i]->ops = &p->pooled.ops;
    }
    *out = p;
    return 0;
}

/* Every connection must have been released: closing one in use would pull it out
 * from under its thread. Nobody can be waiting in the committer, then, so its queue
 * is empty by the time it stops. */
void store_pool_free(struct store_pool *p)
{
    if (p == NULL)
        return;
    assert(p->n_free == p->size);
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
    memo_free(p->pooled.stories);
    memo_free(p->pooled.sessions);
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
    /* Where other connections hear of commits late, whatever this borrower wrote
     * reaches the memo's generation now, before its response goes out: the reader's
     * next request must see it, whichever connection serves it. */
    bool changed;
    if (p->pooled.gen != NULL && p->pooled.backend->data_changed_late &&
        p->pooled.backend->data_changed(st, &changed) == 0 && changed)
        atomic_fetch_add(&p->gen, 1);
    pthread_mutex_lock(&p->mu);
    assert(p->n_free < p->size);
    p->idle[p->n_free++] = st;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void store_pool_stats(struct store_pool *p, struct store_stats *out)
{
    if (p->gc == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    group_commit_stats(p->gc, out);
}
