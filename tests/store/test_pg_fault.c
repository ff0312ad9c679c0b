/* PostgreSQL behaviour under contention and outage, against the runner's throwaway
 * cluster (STET_TEST_PG_DSN and STET_TEST_PG_DIR; skipped without them): two nodes
 * registering the same name in different case, several nodes migrating one database
 * at once, and the server stopping and coming back (EUNAVAIL within seconds, then
 * success with no restart; the listener reconnects and says so). Pauses the shared
 * cluster: meson runs it alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/embedded.h"
#include "store/store.h"

#include "pgtest.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

static char g_url[1024];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- registration race ---- */

struct racer {
    struct store *st;
    pthread_barrier_t *start;
    const char *username;
    const char *email;
    int rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct user u = {.username = r->username,
                     .display_name = "Racer",
                     .email = r->email,
                     .role = ROLE_READER,
                     .created_at = 1};
    int64_t id;
    pthread_barrier_wait(r->start);
    r->rc = store_user_insert(r->st, &u, "hash", &id);
    return NULL;
}

static void test_register_race(void **state)
{
    (void)state;
    struct store *a, *b;
    struct arena *ar = arena_new(4096);
    pthread_barrier_t start;
    assert_int_equal(store_open(g_url, &a), 0);
    assert_int_equal(store_open(g_url, &b), 0);
    assert_int_equal(store_migrate(a, NULL), 0);
    for (int round = 0; round < 40; round++) {
        /* Even rounds race on the username, odd ones on the email; case differs. */
        bool by_name = round % 2 == 0;
        struct racer r[2] = {
            {.st = a,
             .start = &start,
             .username = arena_printf(ar, "Racer%d", round),
             .email = arena_printf(ar, "Race%d@X.example", round)},
            {.st = b,
             .start = &start,
             .username = arena_printf(ar, by_name ? "rACER%d" : "other%d", round),
             .email = arena_printf(ar, by_name ? "other%d@x.example" : "race%d@x.EXAMPLE", round)},
        };
        pthread_t th[2];
        pthread_barrier_init(&start, NULL, 2);
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_join(th[i], NULL), 0);
        pthread_barrier_destroy(&start);
        bool one_each = (r[0].rc == 0 && r[1].rc == STET_ECONFLICT) ||
                        (r[1].rc == 0 && r[0].rc == STET_ECONFLICT);
        if (!one_each)
            print_error("round %d: rc %d and %d\n", round, r[0].rc, r[1].rc);
        assert_true(one_each);
    }
    store_close(a);
    store_close(b);
    arena_free(ar);
}

/* ---- several nodes migrating at once ---- */

struct migrator {
    const char *url;
    pthread_barrier_t *start;
    int rc;
    int applied;
};

static void *migrate_node(void *arg)
{
    struct migrator *m = arg;
    struct store *st;
    pthread_barrier_wait(m->start);
    m->rc = store_open(m->url, &st);
    if (m->rc == 0) {
        m->rc = store_migrate(st, &m->applied);
        store_close(st);
    }
    return NULL;
}

static void test_concurrent_migrate(void **state)
{
    (void)state;
    enum { NODES = 4 };
    char url[1024];
    pthread_barrier_t start;
    struct migrator m[NODES];
    pthread_t th[NODES];
    int n_files = 0, total = 0;
    while (embedded_migrations_pg[n_files].name != NULL)
        n_files++;
    assert_non_null(pgtest_fresh_url("stet_migrate", url, sizeof(url)));
    pthread_barrier_init(&start, NULL, NODES);
    for (int i = 0; i < NODES; i++) {
        m[i] = (struct migrator){.url = url, .start = &start, .rc = -99, .applied = -1};
        assert_int_equal(pthread_create(&th[i], NULL, migrate_node, &m[i]), 0);
    }
    for (int i = 0; i < NODES; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(m[i].rc, 0);
        total += m[i].applied;
    }
    pthread_barrier_destroy(&start);
    /* Each migration ran exactly once, whoever ran it. */
    assert_int_equal(total, n_files);
}

/* ---- outage and recovery ---- */

struct heard {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n_ready;
    int64_t story_id, seq;
};

static void on_event(void *ctx, int64_t story_id, int64_t seq)
{
    struct heard *h = ctx;
    pthread_mutex_lock(&h->mu);
    if (story_id == 0 && seq == 0) {
        h->n_ready++;
    } else {
        h->story_id = story_id;
        h->seq = seq;
    }
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* Waits up to `secs` for `*what` to reach at least `want`. */
static bool wait_at_least(struct heard *h, const void *what, bool is_int, int64_t want, int secs)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += secs;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        int64_t v = is_int ? *(const int *)what : *(const int64_t *)what;
        if (v >= want || pthread_cond_timedwait(&h->cv, &h->mu, &until) != 0)
            break;
    }
    int64_t v = is_int ? *(const int *)what : *(const int64_t *)what;
    pthread_mutex_unlock(&h->mu);
    return v >= want;
}

static int resume_cluster(void **state)
{
    (void)state;
    return pgtest_cluster("resume", NULL, NULL, 0) == 0 ? 0 : -1;
}

static void test_outage_and_recovery(void **state)
{
    (void)state;
    struct store *st, *other = NULL;
    struct store_listener *l, *l2;
    struct arena *a = arena_new(8192);
    struct heard h = {.n_ready = 0};
    pthread_mutex_init(&h.mu, NULL);
    pthread_cond_init(&h.cv, NULL);

    assert_int_equal(store_open(g_url, &st), 0);
    assert_int_equal(store_migrate(st, NULL), 0);
    struct story s = {.slug = "outage",
                      .title = "t",
                      .body_src = "b",
                      .body_html = "b",
                      .published_at = 1,
                      .created_at = 1,
                      .comments_open = true};
    int64_t sid, uid, id, seq;
    assert_int_equal(store_story_insert(st, &s, &sid), 0);
    struct user u = {.username = "outager", .display_name = "O", .email = "o@x.example"};
    assert_int_equal(store_user_insert(st, &u, "h", &uid), 0);
    assert_int_equal(store_listener_start(g_url, on_event, &h, &l), 0);
    assert_true(wait_at_least(&h, &h.n_ready, true, 1, 10));

    assert_int_equal(pgtest_cluster("pause", NULL, NULL, 0), 0);
    struct story got;
    struct comment c = {.story_id = sid,
                        .author_id = uid,
                        .body_src = "b",
                        .body_html = "b",
                        .created_at = 2,
                        .status = COMMENT_VISIBLE};
    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        assert_int_equal(store_story_find(a, st, STR_LIT("outage"), &got), STET_EUNAVAIL);
        assert_int_equal(store_comment_insert(st, &c, &id, &seq), STET_EUNAVAIL);
        assert_int_equal(store_open(g_url, &other), STET_EUNAVAIL);
        assert_null(other);
        double took = now_s() - t0;
        print_message("while down: three operations answered in %.3f s\n", took);
        assert_true(took < 5.0);
    }
    /* A listener stuck retrying stops promptly. */
    struct heard h2 = {.n_ready = 0};
    pthread_mutex_init(&h2.mu, NULL);
    pthread_cond_init(&h2.cv, NULL);
    assert_int_equal(store_listener_start(g_url, on_event, &h2, &l2), 0);
    struct timespec nap = {0, 700 * 1000 * 1000};
    nanosleep(&nap, NULL);
    double t0 = now_s();
    store_listener_stop(l2);
    assert_true(now_s() - t0 < 1.0);
    assert_int_equal(h2.n_ready, 0);

    assert_int_equal(pgtest_cluster("resume", NULL, NULL, 0), 0);
    /* The very next operation works, on the same struct store. */
    assert_int_equal(store_story_find(a, st, STR_LIT("outage"), &got), 0);
    assert_int_equal(got.id, sid);
    assert_int_equal(store_comment_insert(st, &c, &id, &seq), 0);
    assert_int_equal(seq, 1);

    /* The listener comes back by itself (backoff at most 5 s), says so, and hears. */
    assert_true(wait_at_least(&h, &h.n_ready, true, 2, 15));
    assert_int_equal(store_comment_insert(st, &c, &id, &seq), 0);
    assert_int_equal(seq, 2);
    assert_true(wait_at_least(&h, &h.seq, false, 2, 10));
    assert_int_equal(h.story_id, sid);
    t0 = now_s();
    store_listener_stop(l);
    assert_true(now_s() - t0 < 1.0);

    store_close(st);
    pthread_cond_destroy(&h2.cv);
    pthread_mutex_destroy(&h2.mu);
    pthread_cond_destroy(&h.cv);
    pthread_mutex_destroy(&h.mu);
    arena_free(a);
}

int main(void)
{
    if (pgtest_env("STET_TEST_PG_DSN") == NULL || pgtest_env("STET_TEST_PG_DIR") == NULL) {
        fprintf(stderr, "pg fault tests: skipped (STET_TEST_PG_DSN and STET_TEST_PG_DIR unset)\n");
        return PGTEST_SKIP;
    }
    if (pgtest_fresh_url("stet_fault", g_url, sizeof(g_url)) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_race),
        cmocka_unit_test(test_concurrent_migrate),
        cmocka_unit_test_teardown(test_outage_and_recovery, resume_cluster),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
