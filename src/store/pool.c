/* The connection pool, and the pool as one store. Through store_pool_store every
 * operation borrows a connection for its own length and gives it back, so no
 * caller holds one across password hashing, a rate-limit wait or the group
 * committer. Reads and writes borrow from separate sets: a write may wait for the
 * database's write lock while holding its connection, and must not keep a reader
 * from one. Comment inserts go to the group committer (group_commit.c), which has
 * its own connection. Story and session reads go through a memo (memo.c) tagged
 * with the data generation: the change watcher's stamp (other connections and
 * processes) plus this pool's own writes. The non-waiting store answers from the
 * memo or with STET_EAGAIN, never touching a connection: it is what I/O threads
 * get. With "sqlite::memory:" each connection would be its own database, so such a
 * pool has one connection for everything and neither committer nor memo. */
#include "store/store.h"

#include "base/log.h"
#include "base/xalloc.h"
#include "store/change_watch.h"
#include "store/group_commit.h"
#include "store/memo.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Bounds of the memos: a story and a session are a few hundred bytes to a few KB. */
#define POOL_MEMO_STORIES  1024
#define POOL_MEMO_SESSIONS 8192

/* What an operation does, which decides the set it borrows from and whether it
 * moves the data generation. */
enum use {
    USE_READ,
    USE_WRITE,
    /* A write no memoized read depends on (rate-limit buckets, site keys): moving
     * the generation for it would empty the memo under a login flood for nothing. */
    USE_QUIET_WRITE,
};

struct conn_set {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct store **idle; /* stack of the n_free connections not lent out */
    unsigned n_free;
    unsigned size;
};

/* The pool seen as a store; `nowait` never borrows a connection. */
struct pooled_store {
    struct store base; /* first, so a struct store * converts back */
    struct store_pool *pool;
    bool nowait;
};

struct store_pool {
    struct store **all; /* every connection, for free */
    unsigned n_all;
    struct conn_set sets[2];
    struct conn_set *reads;  /* sets[0], or the write set in a memory pool */
    struct conn_set *writes; /* sets[1] */
    struct group_commit *gc; /* NULL: inserts run on a borrowed connection */
    /* NULL: no memo (a memory pool, or a backend that cannot tell changes). */
    struct change_watch *watch;
    struct memo *stories;  /* by slug */
    struct memo *sessions; /* by token hash, valid for one `now` */
    /* Writes through this pool, counted after each one returned: the generation
     * moves before the writer's response goes out. */
    _Atomic uint64_t own_writes;
    struct pooled_store waiting, nowait;
};

static void set_init(struct conn_set *s, struct store **conns, unsigned n)
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

static struct store *set_take(struct conn_set *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->n_free == 0)
        pthread_cond_wait(&s->cv, &s->mu);
    struct store *c = s->idle[--s->n_free];
    pthread_mutex_unlock(&s->mu);
    return c;
}

static void set_put(struct conn_set *s, struct store *c)
{
    pthread_mutex_lock(&s->mu);
    assert(s->n_free < s->size);
    s->idle[s->n_free++] = c;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static struct pooled_store *to_pooled(struct store *st)
{
    return (struct pooled_store *)st;
}

static struct conn_set *set_for(struct store_pool *p, enum use use)
{
    return use == USE_READ ? p->reads : p->writes;
}

static int lease(struct store *st, enum use use, struct store **conn)
{
    struct pooled_store *ps = to_pooled(st);
    if (ps->nowait)
        return STET_EAGAIN;
    *conn = set_take(set_for(ps->pool, use));
    return 0;
}

/* Gives the connection back and passes `rc` through. */
static int give_back(struct store *st, struct store *conn, enum use use, int rc)
{
    struct store_pool *p = to_pooled(st)->pool;
    set_put(set_for(p, use), conn);
    if (use == USE_WRITE)
        atomic_fetch_add(&p->own_writes, 1);
    return rc;
}

/* The generation a memoized read is made at, taken before the read; false when the
 * memo must not be trusted now (no watcher, or its answer is not fresh). */
static bool memo_gen(struct store_pool *p, uint64_t *gen)
{
    uint64_t stamp;
    if (p->watch == NULL)
        return false;
    uint64_t own = atomic_load(&p->own_writes);
    bool fresh = change_watch_stamp(p->watch, &stamp);
    *gen = stamp + own; /* both only grow, so the sum moves whenever either does */
    return fresh;
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

/* ---- the pool's operations ---- */

static void pooled_close(struct store *st)
{
    (void)st; /* the pool owns it: store_pool_free */
}

static int pooled_migrate(struct store *st, int *applied)
{
    struct store *c;
    int rc = lease(st, USE_WRITE, &c);
    return rc != 0 ? rc : give_back(st, c, USE_WRITE, store_migrate(c, applied));
}

static int pooled_story_insert(struct store *st, const struct story *s, int64_t *id)
{
    struct store *c;
    int rc = lease(st, USE_WRITE, &c);
    return rc != 0 ? rc : give_back(st, c, USE_WRITE, store_story_insert(c, s, id));
}

static int pooled_story_find(struct arena *a, struct store *st, struct str slug, struct story *out)
{
    struct store_pool *p = to_pooled(st)->pool;
    uint64_t gen = 0;
    bool trusted = memo_gen(p, &gen);
    if (trusted && memo_get(p->stories, &story_type, slug.ptr, slug.len, gen, 0, a, out))
        return 0;
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    if (rc != 0)
        return rc;
    rc = give_back(st, c, USE_READ, store_story_find(a, c, slug, out));
    if (rc == 0 && trusted)
        memo_put(p->stories, &story_type, slug.ptr, slug.len, gen, 0, out);
    return rc;
}

static int pooled_story_list(struct arena *a, struct store *st, const struct store_page *pg,
                             struct story **out, size_t *n)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0 ? rc : give_back(st, c, USE_READ, store_story_list(a, c, pg, out, n));
}

static int pooled_story_set_open(struct store *st, int64_t story_id, bool open)
{
    struct store *c;
    int rc = lease(st, USE_WRITE, &c);
    return rc != 0 ? rc : give_back(st, c, USE_WRITE, store_story_set_open(c, story_id, open));
}

static int pooled_story_counts(struct store *st, const struct str *slugs, size_t n, int64_t *counts)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0 ? rc : give_back(st, c, USE_READ, store_story_counts(c, slugs, n, counts));
}

static int pooled_story_list_range(struct arena *a, struct store *st, int64_t from, int64_t to,
                                   const struct store_page *pg, struct story **out, size_t *n)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0 ? rc
                   : give_back(st, c, USE_READ, store_story_list_range(a, c, from, to, pg, out, n));
}

static int pooled_story_months(struct arena *a, struct store *st, int64_t from, int64_t to,
                               int limit, struct store_month **out, size_t *n)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0 ? rc
                   : give_back(st, c, USE_READ, store_story_months(a, c, from, to, limit, out, n));
}

static int pooled_user_insert(struct store *st, const struct user *u, const char *password_hash,
                              int64_t *id)
{
    struct store *c;
    int rc = lease(st, USE_WRITE, &c);
    return rc != 0 ? rc : give_back(st, c, USE_WRITE, store_user_insert(c, u, password_hash, id));
}

static int pooled_user_find_login(struct arena *a, struct store *st, struct str login,
                                  struct user *out, const char **password_hash)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0
               ? rc
               : give_back(st, c, USE_READ, store_user_find_login(a, c, login, out, password_hash));
}

static int pooled_user_find_id(struct arena *a, struct store *st, int64_t id, struct user *out)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0 ? rc : give_back(st, c, USE_READ, store_user_find_id(a, c, id, out));
}

static int pooled_user_set_role(struct store *st, struct str username, enum role role)
{
    struct store *c;
    int rc = lease(st, USE_WRITE, &c);
    return rc != 0 ? rc : give_back(st, c, USE_WRITE, store_user_set_role(c, username, role));
}

static int pooled_session_insert(struct store *st, const char *token_hash, int64_t user_id,
                                 int64_t created_at, int64_t expires_at)
{
    struct store *c;
    int rc = lease(st, USE_WRITE, &c);
    return rc != 0
               ? rc
               : give_back(st, c, USE_WRITE,
                           store_session_insert(c, token_hash, user_id, created_at, expires_at));
}

/* The answer depends on `now` (expiry) as well, so an entry serves one second. */
static int pooled_session_find(struct arena *a, struct store *st, const char *token_hash,
                               int64_t now, struct user *out)
{
    struct store_pool *p = to_pooled(st)->pool;
    size_t len = strlen(token_hash);
    uint64_t gen = 0;
    bool trusted = memo_gen(p, &gen);
    if (trusted && memo_get(p->sessions, &user_type, token_hash, len, gen, now, a, out))
        return 0;
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    if (rc != 0)
        return rc;
    rc = give_back(st, c, USE_READ, store_session_find(a, c, token_hash, now, out));
    if (rc == 0 && trusted)
        memo_put(p->sessions, &user_type, token_hash, len, gen, now, out);
    return rc;
}

static int pooled_session_delete(struct store *st, const char *token_hash)
{
    struct store *c;
    int rc = lease(st, USE_WRITE, &c);
    return rc != 0 ? rc : give_back(st, c, USE_WRITE, store_session_delete(c, token_hash));
}

static int pooled_comment_insert(struct store *st, const struct comment *c, int64_t *id,
                                 int64_t *event_seq)
{
    struct pooled_store *ps = to_pooled(st);
    struct store_pool *p = ps->pool;
    if (ps->nowait)
        return STET_EAGAIN;
    if (p->gc == NULL) {
        struct store *conn;
        int rc = lease(st, USE_WRITE, &conn);
        return rc != 0
                   ? rc
                   : give_back(st, conn, USE_WRITE, store_comment_insert(conn, c, id, event_seq));
    }
    if ((unsigned)c->status > COMMENT_DELETED)
        return STET_EINVAL; /* as the backends answer, without a trip to the committer */
    int rc = group_commit_insert(p->gc, c, id, event_seq);
    /* Committed on the committer's own connection, before this returned. */
    atomic_fetch_add(&p->own_writes, 1);
    return rc;
}

static int pooled_comment_insert_batch(struct store *st, const struct comment *const *cs, size_t n,
                                       int64_t *ids, int64_t *seqs, int *rcs)
{
    struct store *c;
    int rc = lease(st, USE_WRITE, &c);
    return rc != 0
               ? rc
               : give_back(st, c, USE_WRITE, store_comment_insert_batch(c, cs, n, ids, seqs, rcs));
}

static int pooled_comment_find(struct arena *a, struct store *st, int64_t id, struct comment *out)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0 ? rc : give_back(st, c, USE_READ, store_comment_find(a, c, id, out));
}

static int pooled_comment_list(struct arena *a, struct store *st, const struct comment_filter *f,
                               const struct store_page *pg, struct comment **out, size_t *n)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0 ? rc : give_back(st, c, USE_READ, store_comment_list(a, c, f, pg, out, n));
}

static int pooled_comment_position(struct store *st, int64_t story_id, int64_t id, int page_size,
                                   int64_t *n_before, int64_t *page_after)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0 ? rc
                   : give_back(
                         st, c, USE_READ,
                         store_comment_position(c, story_id, id, page_size, n_before, page_after));
}

static int pooled_comment_events(struct arena *a, struct store *st, int64_t story_id,
                                 int64_t after_seq, int limit, struct comment **out, size_t *n)
{
    struct store *c;
    int rc = lease(st, USE_READ, &c);
    return rc != 0 ? rc
                   : give_back(st, c, USE_READ,
                               store_comment_events(a, c, story_id, after_seq, limit, out, n));
}

static int pooled_rate_take(struct store *st, const struct store_rate_bucket *b, size_t n,
                            int64_t now_ms, int64_t *wait_ms)
{
    struct store *c;
    int rc = lease(st, USE_QUIET_WRITE, &c);
    return rc != 0 ? rc
                   : give_back(st, c, USE_QUIET_WRITE, store_rate_take(c, b, n, now_ms, wait_ms));
}

static int pooled_site_key(struct store *st, const char *name, const char *candidate, char *out)
{
    struct store *c;
    int rc = lease(st, USE_QUIET_WRITE, &c);
    return rc != 0 ? rc
                   : give_back(st, c, USE_QUIET_WRITE, store_site_key(c, name, candidate, out));
}

static int pooled_prune(struct store *st, int64_t now, int limit, int64_t *sessions,
                        int64_t *buckets)
{
    struct store *c;
    int rc = lease(st, USE_WRITE, &c);
    return rc != 0 ? rc
                   : give_back(st, c, USE_WRITE, store_prune(c, now, limit, sessions, buckets));
}

/* The bulk copier needs one connection across calls (its transaction): it borrows
 * one with store_pool_acquire instead. */
static int pooled_transaction(struct store *st, enum store_tx step)
{
    (void)st;
    (void)step;
    return STET_EINVAL;
}

static int pooled_table_export(struct store *st, const char *table, const char *const *columns,
                               size_t n, size_t n_key, store_row_fn fn, void *ctx)
{
    (void)st, (void)table, (void)columns, (void)n, (void)n_key, (void)fn, (void)ctx;
    return STET_EINVAL;
}

static int pooled_table_import_begin(struct store *st, const char *table,
                                     const char *const *columns, size_t n)
{
    (void)st, (void)table, (void)columns, (void)n;
    return STET_EINVAL;
}

static int pooled_table_import_row(struct store *st, const char *const *values, const size_t *lens,
                                   size_t n)
{
    (void)st, (void)values, (void)lens, (void)n;
    return STET_EINVAL;
}

static void pooled_table_import_end(struct store *st)
{
    (void)st;
}

static int pooled_table_sync_ids(struct store *st, const char *table, const char *column)
{
    (void)st, (void)table, (void)column;
    return STET_EINVAL;
}

static const struct store_ops pooled_ops = {
    .name = "pool",
    .close = pooled_close,
    .migrate = pooled_migrate,
    .story_insert = pooled_story_insert,
    .story_find = pooled_story_find,
    .story_list = pooled_story_list,
    .story_set_open = pooled_story_set_open,
    .story_counts = pooled_story_counts,
    .story_list_range = pooled_story_list_range,
    .story_months = pooled_story_months,
    .user_insert = pooled_user_insert,
    .user_find_login = pooled_user_find_login,
    .user_find_id = pooled_user_find_id,
    .user_set_role = pooled_user_set_role,
    .session_insert = pooled_session_insert,
    .session_find = pooled_session_find,
    .session_delete = pooled_session_delete,
    .comment_insert = pooled_comment_insert,
    .comment_insert_batch = pooled_comment_insert_batch,
    .comment_find = pooled_comment_find,
    .comment_list = pooled_comment_list,
    .comment_position = pooled_comment_position,
    .comment_events = pooled_comment_events,
    .rate_take = pooled_rate_take,
    .site_key = pooled_site_key,
    .prune = pooled_prune,
    .data_changed = NULL, /* the pool has its own watcher */
    .transaction = pooled_transaction,
    .table_export = pooled_table_export,
    .table_import_begin = pooled_table_import_begin,
    .table_import_row = pooled_table_import_row,
    .table_import_end = pooled_table_import_end,
    .table_sync_ids = pooled_table_sync_ids,
};

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
    if (p->all[0]->ops->data_changed == NULL)
        return 0;
    rc = change_watch_new(url, &p->watch);
    if (rc != 0)
        return rc;
    p->stories = memo_new(POOL_MEMO_STORIES);
    p->sessions = memo_new(POOL_MEMO_SESSIONS);
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
    p->waiting = (struct pooled_store){{&pooled_ops}, p, false};
    p->nowait = (struct pooled_store){{&pooled_ops}, p, true};
    for (unsigned i = 0; i < n_read + n_write; i++) {
        int rc = store_open(url, &p->all[i]);
        if (rc != 0) {
            p->n_all = i;
            store_pool_free(p);
            return rc;
        }
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
    for (size_t i = 0; i < 2; i++)
        set_cleanup(&p->sets[i]);
    for (unsigned i = 0; i < p->n_all; i++)
        store_close(p->all[i]);
    free(p->all);
    free(p);
}

struct store *store_pool_store(struct store_pool *p, bool nowait)
{
    return nowait ? &p->nowait.base : &p->waiting.base;
}

struct store *store_pool_acquire(struct store_pool *p)
{
    return set_take(p->writes);
}

void store_pool_release(struct store_pool *p, struct store *st)
{
    set_put(p->writes, st);
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
