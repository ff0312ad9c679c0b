/* Group commit through store_pool, on a SQLite file (default) or on PostgreSQL
 * (--pg, see pgtest.h; skipped when unset): the batch write's per-row outcomes,
 * 64 concurrent posters losing nothing with gap-free event numbers, a bad row failing
 * alone inside a shared batch, a failed transaction acknowledging nothing, and the
 * SQLite synchronous option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/copy.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

#include "pgtest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    N_THREADS = 64,
    N_PER_THREAD = 50,
    N_STORIES = 4,
    N_BAD_GROUP = 15, /* posters in the bad-row test, the bad one included */
};

static const char *g_url; /* a migrated database shared by every case */
static bool g_sqlite;
static char g_dir[] = "/tmp/stet-gc-XXXXXX";
static unsigned g_tag;
static unsigned g_seq;

static const char *uniq(struct arena *a, const char *prefix)
{
    return arena_printf(a, "%s-%u-%u", prefix, g_tag, ++g_seq);
}

static struct store *open_store(void)
{
    struct store *st = NULL;
    assert_int_equal(store_open(g_url, &st), 0);
    return st;
}

static int64_t add_story(struct arena *a, struct store *st)
{
    struct story s = {
        .slug = uniq(a, "gc"),
        .title = "T",
        .byline = "B",
        .body_src = "b",
        .body_html = "<p>b</p>",
        .published_at = 1700000000,
        .created_at = 1700000000,
        .comments_open = true,
    };
    int64_t id = 0;
    assert_int_equal(store_story_insert(st, &s, &id), 0);
    return id;
}

static int64_t add_user(struct arena *a, struct store *st)
{
    struct user u = {
        .username = uniq(a, "gcu"),
        .display_name = "U",
        .email = arena_printf(a, "%s@x.example", uniq(a, "gcm")),
        .role = ROLE_READER,
        .created_at = 1700000000,
    };
    int64_t id = 0;
    assert_int_equal(store_user_insert(st, &u, "$argon2id$fake", &id), 0);
    return id;
}

static struct comment make_comment(int64_t story, int64_t user, int64_t parent,
                                   enum comment_status status)
{
    return (struct comment){.story_id = story,
                            .parent_id = parent,
                            .author_id = user,
                            .body_src = "gc body",
                            .body_html = "<p>gc body</p>",
                            .created_at = 1700000100,
                            .status = status};
}

static struct story find_story(struct arena *a, struct store *st, int64_t id)
{
    /* No lookup by id: page through the (few) stories of this run's database. */
    struct store_page pg = {.limit = 100};
    for (;;) {
        struct story *rows;
        size_t n;
        assert_int_equal(store_story_list(a, st, &pg, &rows, &n), 0);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++)
            if (rows[i].id == id)
                return rows[i];
        pg.has_cursor = true;
        pg.cursor_time = rows[n - 1].published_at;
        pg.cursor_id = rows[n - 1].id;
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the backend's batch write ---- */

static void test_batch_per_row_results(void **state)
{
    (void)state;
    struct arena *a = arena_new(4096);
    struct store *st = open_store();
    int64_t sa = add_story(a, st), sb = add_story(a, st), u = add_user(a, st);

    struct comment c[7] = {
        make_comment(sa, u, 0, COMMENT_VISIBLE),
        make_comment(sa, u, INT64_MAX - 3, COMMENT_VISIBLE), /* unknown parent */
        make_comment(sa, u, 0, COMMENT_HELD),
        make_comment(sa, u, 0, (enum comment_status)42),
        make_comment(sb, u, 0, COMMENT_VISIBLE),
        make_comment(INT64_MAX - 5, u, 0, COMMENT_VISIBLE), /* unknown story */
        make_comment(sa, u, 0, COMMENT_VISIBLE),
    };
    const struct comment *cs[7];
    int64_t ids[7], seqs[7];
    int rcs[7];
    for (int i = 0; i < 7; i++) {
        cs[i] = &c[i];
        ids[i] = seqs[i] = -9;
        rcs[i] = -999;
    }
    assert_int_equal(store_comment_insert_batch(st, cs, 7, ids, seqs, rcs), 0);
    const int want_rc[7] = {0, STET_EINVAL, 0, STET_EINVAL, 0, STET_EINVAL, 0};
    const int64_t want_seq[7] = {1, 0, 0, 0, 1, 0, 2};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(rcs[i], want_rc[i]);
        assert_int_equal(seqs[i], want_seq[i]);
        if (rcs[i] == 0)
            assert_true(ids[i] > 0);
        else
            assert_int_equal(ids[i], 0);
    }
    assert_true(ids[0] != ids[2] && ids[2] != ids[4] && ids[4] != ids[6]);

    /* What committed is exactly the good rows, each as a single insert leaves it. */
    struct comment got;
    assert_int_equal(store_comment_find(a, st, ids[6], &got), 0);
    assert_int_equal(got.event_seq, 2);
    assert_int_equal(got.story_id, sa);
    assert_int_equal(store_comment_find(a, st, ids[2], &got), 0);
    assert_int_equal(got.status, COMMENT_HELD);
    struct story s = find_story(a, st, sa);
    assert_int_equal(s.n_comments, 2);
    assert_int_equal(s.event_seq, 2);
    s = find_story(a, st, sb);
    assert_int_equal(s.n_comments, 1);
    assert_int_equal(s.event_seq, 1);

    /* An empty batch is an empty transaction; the next single insert numbers on. */
    assert_int_equal(store_comment_insert_batch(st, cs, 0, ids, seqs, rcs), 0);
    int64_t seq = 0;
    assert_int_equal(store_comment_insert(st, &c[0], NULL, &seq), 0);
    assert_int_equal(seq, 3);
    store_close(st);
    arena_free(a);
}

/* SQLite only: a batch whose transaction cannot start (another connection holds the
 * write lock past busy_timeout) gives every row the error and stores nothing. */
static void test_batch_failed_transaction(void **state)
{
    (void)state;
    if (!g_sqlite)
        skip();
    struct arena *a = arena_new(4096);
    struct store *st = open_store(), *locker = open_store();
    int64_t sa = add_story(a, st), u = add_user(a, st);
    struct comment c[3] = {make_comment(sa, u, 0, COMMENT_VISIBLE),
                           make_comment(sa, u, 0, COMMENT_HELD),
                           make_comment(sa, u, 0, COMMENT_VISIBLE)};
    const struct comment *cs[3] = {&c[0], &c[1], &c[2]};
    int64_t ids[3] = {-1, -1, -1}, seqs[3] = {-1, -1, -1};
    int rcs[3] = {1, 1, 1};
    assert_int_equal(store_transaction(locker, STORE_TX_WRITE), 0);
    int rc = store_comment_insert_batch(st, cs, 3, ids, seqs, rcs);
    assert_int_equal(rc, STET_EUNAVAIL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rcs[i], rc);
        assert_int_equal(ids[i], 0);
        assert_int_equal(seqs[i], 0);
    }
    assert_int_equal(store_transaction(locker, STORE_TX_COMMIT), 0);
    struct story s = find_story(a, st, sa);
    assert_int_equal(s.n_comments, 0);
    assert_int_equal(s.event_seq, 0);
    assert_int_equal(store_comment_insert_batch(st, cs, 3, ids, seqs, rcs), 0);
    assert_int_equal(seqs[2], 2);
    store_close(locker);
    store_close(st);
    arena_free(a);
}

/* ---- 64 posters through the pool ---- */

struct burst {
    struct store_pool *pool;
    int64_t stories[N_STORIES];
    int64_t users[N_THREADS];
    int64_t ids[N_THREADS][N_PER_THREAD];
    int64_t seqs[N_THREADS][N_PER_THREAD];
    int rcs[N_THREADS][N_PER_THREAD];
    pthread_barrier_t go;
};

struct burst_arg {
    struct burst *b;
    int t;
};

static enum comment_status burst_status(int k)
{
    return k % 10 == 9 ? COMMENT_HELD : COMMENT_VISIBLE;
}

static void *burst_worker(void *arg)
{
    struct burst_arg *ba = arg;
    struct burst *b = ba->b;
    int t = ba->t;
    pthread_barrier_wait(&b->go);
    for (int k = 0; k < N_PER_THREAD; k++) {
        /* Through the pool, as the HTTP workers post. */
        struct store *st = store_pool_store(b->pool, false);
        struct comment c = make_comment(b->stories[(t + k) % N_STORIES], b->users[t],
                                        k > 0 ? b->ids[t][k - 1] : 0, burst_status(k));
        b->rcs[t][k] = store_comment_insert(st, &c, &b->ids[t][k], &b->seqs[t][k]);
    }
    return NULL;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t p = *(const int64_t *)x, q = *(const int64_t *)y;
    return (p > q) - (p < q);
}

static void test_pool_burst(void **state)
{
    (void)state;
    struct burst *b = calloc(1, sizeof(*b));
    struct burst_arg args[N_THREADS];
    pthread_t th[N_THREADS];
    struct arena *a = arena_new(1 << 16);
    assert_non_null(b);
    assert_int_equal(store_pool_new(g_url, 1, N_THREADS, &b->pool), 0);
    struct store_stats before;
    store_pool_stats(b->pool, &before);
    assert_int_equal(before.commits, 0);
    assert_int_equal(before.batched_writes, 0);

    struct store *st = store_pool_acquire(b->pool);
    for (int i = 0; i < N_STORIES; i++)
        b->stories[i] = add_story(a, st);
    for (int i = 0; i < N_THREADS; i++)
        b->users[i] = add_user(a, st);
    store_pool_release(b->pool, st);

    pthread_barrier_init(&b->go, NULL, N_THREADS);
    for (int i = 0; i < N_THREADS; i++) {
        args[i] = (struct burst_arg){b, i};
        assert_int_equal(pthread_create(&th[i], NULL, burst_worker, &args[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&b->go);

    /* Every post acknowledged, every id distinct. */
    static int64_t all[N_THREADS * N_PER_THREAD];
    size_t n_all = 0;
    for (int t = 0; t < N_THREADS; t++) {
        for (int k = 0; k < N_PER_THREAD; k++) {
            if (b->rcs[t][k] != 0)
                fail_msg("thread %d post %d: rc %d", t, k, b->rcs[t][k]);
            all[n_all++] = b->ids[t][k];
        }
    }
    qsort(all, n_all, sizeof(all[0]), cmp_i64);
    for (size_t i = 1; i < n_all; i++)
        assert_true(all[i] > all[i - 1]);

    /* Per story: the numbers handed out are exactly 1..n, the row holds its own,
     * the count and the story's sequence are exactly n. */
    st = store_pool_acquire(b->pool);
    static int64_t seqs[N_THREADS * N_PER_THREAD];
    for (int s = 0; s < N_STORIES; s++) {
        size_t n = 0;
        for (int t = 0; t < N_THREADS; t++) {
            for (int k = 0; k < N_PER_THREAD; k++) {
                if ((t + k) % N_STORIES != s)
                    continue;
                if (burst_status(k) == COMMENT_HELD)
                    assert_int_equal(b->seqs[t][k], 0);
                else
                    seqs[n++] = b->seqs[t][k];
            }
        }
        qsort(seqs, n, sizeof(seqs[0]), cmp_i64);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(seqs[i], (int64_t)i + 1);
        struct story row = find_story(a, st, b->stories[s]);
        assert_int_equal(row.n_comments, (int64_t)n);
        assert_int_equal(row.event_seq, (int64_t)n);
        /* The live stream's view: every number once, in order. */
        int64_t after = 0;
        for (;;) {
            struct comment *ev;
            size_t n_ev;
            assert_int_equal(store_comment_events(a, st, b->stories[s], after, 100, &ev, &n_ev), 0);
            if (n_ev == 0)
                break;
            for (size_t i = 0; i < n_ev; i++)
                assert_int_equal(ev[i].event_seq, ++after);
        }
        assert_int_equal(after, (int64_t)n);
    }
    /* Every row is there, with its own story, author, parent and number. */
    for (int t = 0; t < N_THREADS; t++) {
        for (int k = 0; k < N_PER_THREAD; k++) {
            struct comment c;
            assert_int_equal(store_comment_find(a, st, b->ids[t][k], &c), 0);
            assert_int_equal(c.story_id, b->stories[(t + k) % N_STORIES]);
            assert_int_equal(c.author_id, b->users[t]);
            assert_int_equal(c.parent_id, k > 0 ? b->ids[t][k - 1] : 0);
            assert_int_equal(c.event_seq, b->seqs[t][k]);
            assert_int_equal(c.status, burst_status(k));
        }
    }
    store_pool_release(b->pool, st);

    struct store_stats s;
    store_pool_stats(b->pool, &s);
    fprintf(stderr, "group commit: %llu rows in %llu commits (avg %.1f, max %llu), %llu us\n",
            (unsigned long long)s.batched_writes, (unsigned long long)s.commits,
            (double)s.batched_writes / (double)(s.commits ? s.commits : 1),
            (unsigned long long)s.max_batch, (unsigned long long)s.db_time_us);
    assert_int_equal(s.batched_writes, N_THREADS * N_PER_THREAD);
    assert_true(s.commits >= 1);
    assert_true(s.batched_writes > s.commits * 3 / 2); /* batches of more than 1.5 */
    assert_true(s.max_batch > 1 && s.max_batch <= STORE_GC_MAX_BATCH);
    assert_true(s.db_time_us > 0);
    store_pool_free(b->pool);
    arena_free(a);
    free(b);
}

/* ---- one bad row inside a shared batch ---- */

struct poster {
    struct store_pool *pool;
    struct comment c;
    int64_t id;
    int64_t seq;
    int rc;
    pthread_t th;
};

static void *poster_main(void *arg)
{
    struct poster *p = arg;
    p->id = p->seq = -7;
    p->rc = store_comment_insert(store_pool_store(p->pool, false), &p->c, &p->id, &p->seq);
    return NULL;
}

static void start_posters(struct poster *ps, int from, int to)
{
    for (int i = from; i < to; i++)
        assert_int_equal(pthread_create(&ps[i].th, NULL, poster_main, &ps[i]), 0);
}

/* The committer is held up on its first row (another connection holds the story's
 * row lock, or SQLite's write lock) while 7 good posts, then a bad one (unknown
 * parent), then 7 good ones queue behind it; they all go in the second batch. */
static void test_bad_row_fails_alone(void **state)
{
    (void)state;
    struct arena *a = arena_new(4096);
    struct store_pool *pool;
    struct poster ps[N_BAD_GROUP + 1];
    const int bad = 8;
    assert_int_equal(store_pool_new(g_url, 1, N_BAD_GROUP + 1, &pool), 0);
    struct store *st = store_pool_acquire(pool);
    int64_t story = add_story(a, st), u = add_user(a, st);
    store_pool_release(pool, st);
    for (int i = 0; i <= N_BAD_GROUP; i++) {
        ps[i] = (struct poster){
            .pool = pool,
            .c = make_comment(story, u, i == bad ? INT64_MAX - 1 : 0, COMMENT_VISIBLE)};
    }
    struct store_stats s0, s1;
    store_pool_stats(pool, &s0);

    struct store *locker = open_store();
    assert_int_equal(store_transaction(locker, STORE_TX_WRITE), 0);
    assert_int_equal(store_story_set_open(locker, story, true), 0);
    start_posters(ps, 0, 1);
    sleep_ms(300); /* the committer now waits for the lock with post 0 */
    start_posters(ps, 1, bad);
    sleep_ms(300);
    start_posters(ps, bad, bad + 1);
    sleep_ms(300);
    start_posters(ps, bad + 1, N_BAD_GROUP + 1);
    sleep_ms(300);
    assert_int_equal(store_transaction(locker, STORE_TX_COMMIT), 0);
    for (int i = 0; i <= N_BAD_GROUP; i++)
        assert_int_equal(pthread_join(ps[i].th, NULL), 0);
    store_close(locker);

    store_pool_stats(pool, &s1);
    assert_int_equal(s1.commits - s0.commits, 2);
    assert_int_equal(s1.batched_writes - s0.batched_writes, N_BAD_GROUP + 1);
    assert_true(s1.max_batch >= N_BAD_GROUP);

    assert_int_equal(ps[bad].rc, STET_EINVAL);
    assert_int_equal(ps[bad].id, -7); /* untouched, as on a direct insert */
    assert_int_equal(ps[bad].seq, -7);
    assert_int_equal(ps[0].seq, 1); /* the first batch */
    int64_t seen[N_BAD_GROUP + 1] = {0};
    for (int i = 0; i <= N_BAD_GROUP; i++) {
        if (i == bad)
            continue;
        assert_int_equal(ps[i].rc, 0);
        assert_true(ps[i].id > 0);
        assert_true(ps[i].seq >= 1 && ps[i].seq <= N_BAD_GROUP);
        assert_int_equal(seen[ps[i].seq], 0);
        seen[ps[i].seq] = ps[i].id;
    }
    st = store_pool_acquire(pool);
    struct story row = find_story(a, st, story);
    assert_int_equal(row.n_comments, N_BAD_GROUP);
    assert_int_equal(row.event_seq, N_BAD_GROUP);
    struct comment_filter f = {.story_id = story};
    struct store_page pg = {.limit = 100};
    struct comment *list;
    size_t n;
    assert_int_equal(store_comment_list(a, st, &f, &pg, &list, &n), 0);
    assert_int_equal(n, N_BAD_GROUP);
    store_pool_release(pool, st);
    store_pool_free(pool);
    arena_free(a);
}

/* ---- without a committer, and SQLite's durability option ---- */

static void test_memory_pool_has_no_committer(void **state)
{
    (void)state;
    struct store_pool *pool;
    struct arena *a = arena_new(4096);
    assert_int_equal(store_pool_new("sqlite::memory:", 1, 1, &pool), 0);
    struct store *st = store_pool_acquire(pool);
    assert_int_equal(store_migrate(st, NULL), 0);
    int64_t story = add_story(a, st), u = add_user(a, st);
    struct comment c = make_comment(story, u, 0, COMMENT_VISIBLE);
    int64_t id = 0, seq = 0;
    assert_int_equal(store_comment_insert(st, &c, &id, &seq), 0);
    assert_int_equal(seq, 1);
    c.status = (enum comment_status)9;
    assert_int_equal(store_comment_insert(st, &c, &id, &seq), STET_EINVAL);
    store_pool_release(pool, st);
    struct store_stats s = {.commits = 99};
    store_pool_stats(pool, &s);
    assert_int_equal(s.commits, 0);
    assert_int_equal(s.batched_writes, 0);
    store_pool_free(pool);
    arena_free(a);
}

static int sync_level(const char *url)
{
    struct store *st = NULL;
    int level = -1;
    assert_int_equal(store_open(url, &st), 0);
    assert_int_equal(sqlite_store_synchronous(st, &level), 0);
    store_close(st);
    return level;
}

static void test_sqlite_synchronous(void **state)
{
    (void)state;
    if (!g_sqlite)
        skip();
    char url[512], odd[300];
    assert_int_equal(sync_level(g_url), 2); /* FULL by default */
    snprintf(url, sizeof(url), "%s?synchronous=normal", g_url);
    assert_int_equal(sync_level(url), 1);
    snprintf(url, sizeof(url), "%s?synchronous=full", g_url);
    assert_int_equal(sync_level(url), 2);

    /* The pool's connections, the committer's included, take the option. */
    struct store_pool *pool;
    snprintf(url, sizeof(url), "%s?synchronous=normal", g_url);
    assert_int_equal(store_pool_new(url, 1, 1, &pool), 0);
    struct store *st = store_pool_acquire(pool);
    int level = -1;
    assert_int_equal(sqlite_store_synchronous(st, &level), 0);
    assert_int_equal(level, 1);
    store_pool_release(pool, st);
    store_pool_free(pool);

    /* Anything else after '?' is still part of the file name. */
    snprintf(odd, sizeof(odd), "%s/odd.db?synchronous=off", g_dir);
    snprintf(url, sizeof(url), "sqlite:%s", odd);
    assert_int_equal(sync_level(url), 2);
    assert_int_equal(access(odd, F_OK), 0);
    unlink(odd);
    struct store *bad = (struct store *)&bad;
    assert_int_equal(store_open("sqlite:?synchronous=normal", &bad), STET_EINVAL);
    assert_null(bad);
}

static void cleanup_dir(void)
{
    static const char *const names[] = {"gc.db", "gc.db-wal", "gc.db-shm"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char p[300];
        snprintf(p, sizeof(p), "%s/%s", g_dir, names[i]);
        unlink(p);
    }
    rmdir(g_dir);
}

int main(int argc, char **argv)
{
    static char url[1024];
    g_tag = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    if (argc > 1 && strcmp(argv[1], "--pg") == 0) {
        if (pgtest_env("STET_TEST_PG_DSN") == NULL) {
            fprintf(stderr, "group commit on postgres: skipped (STET_TEST_PG_DSN is not set)\n");
            return PGTEST_SKIP;
        }
        g_url = pgtest_fresh_url("stet_gc", url, sizeof(url));
        if (g_url == NULL)
            return 1;
    } else {
        if (mkdtemp(g_dir) == NULL)
            return 1;
        snprintf(url, sizeof(url), "sqlite:%s/gc.db", g_dir);
        g_url = url;
        g_sqlite = true;
    }
    struct store *st = NULL;
    if (store_open(g_url, &st) != 0 || store_migrate(st, NULL) != 0) {
        fprintf(stderr, "group commit: cannot open and migrate the database\n");
        store_close(st);
        return 1;
    }
    store_close(st);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_per_row_results),
        cmocka_unit_test(test_batch_failed_transaction),
        cmocka_unit_test(test_pool_burst),
        cmocka_unit_test(test_bad_row_fails_alone),
        cmocka_unit_test(test_memory_pool_has_no_committer),
        cmocka_unit_test(test_sqlite_synchronous),
    };
    fprintf(stderr, "group commit on %s\n", g_sqlite ? "sqlite (file)" : "postgres");
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (g_sqlite)
        cleanup_dir();
    return failed;
}
