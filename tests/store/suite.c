/* The shared harness of the store conformance suites (see suite.h). */
#include "suite.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "pgtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *g_url = "sqlite::memory:";
bool g_pool;
unsigned g_tag;
unsigned g_seq;

/* The pool's SQLite file lives in a temporary folder, removed by suite_end. */
static char pool_dir[] = "/tmp/stet-suite-pool-XXXXXX";
static char pool_url[256];
static char pg_url[1024];

bool suite_start(int argc, char **argv, const char *name, const char *db_prefix, int *exit_code)
{
    const char *env = getenv("STET_TEST_STORE_URL");
    *exit_code = 1;
    if (argc > 1 && strcmp(argv[argc - 1], "--pool") == 0) {
        g_pool = true;
        argc--;
        if (argc == 1) {
            /* A file, not :memory:, so the pool's connections share one database. */
            if (mkdtemp(pool_dir) == NULL)
                return false;
            snprintf(pool_url, sizeof(pool_url), "sqlite:%s/store.db", pool_dir);
            env = pool_url;
        }
    }
    if (argc > 1 && strcmp(argv[1], "--pg") == 0) {
        if (pgtest_env("STET_TEST_PG_DSN") == NULL) {
            fprintf(stderr, "%s on postgres: skipped (STET_TEST_PG_DSN is not set)\n", name);
            *exit_code = PGTEST_SKIP;
            return false;
        }
        g_url = pgtest_fresh_url(db_prefix, pg_url, sizeof(pg_url));
        if (g_url == NULL)
            return false;
    } else if (argc > 1) {
        g_url = argv[1];
    } else if (env != NULL && env[0] != '\0') {
        g_url = env;
    }
    g_tag = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    /* Only the scheme: a server URL may carry a password. */
    fprintf(stderr, "%s on %.*s%s\n", name, (int)strcspn(g_url, ":"), g_url,
            g_pool ? " through a pool (group commit)" : "");
    *exit_code = 0;
    return true;
}

int suite_end(int failed)
{
    if (pool_url[0] != '\0') {
        static const char *const suffix[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < 3; i++) {
            char p[300];
            snprintf(p, sizeof(p), "%s/store.db%s", pool_dir, suffix[i]);
            unlink(p);
        }
        rmdir(pool_dir);
    }
    return failed;
}

int suite_fx_open(struct suite_fx *f)
{
    if (g_pool) {
        /* The pool as the server uses it: every operation borrows a connection. */
        if (store_pool_new(g_url, 1, 1, &f->pool) != 0)
            return -1;
        f->st = store_pool_store(f->pool, false);
    } else if (store_open(g_url, &f->st) != 0) {
        return -1;
    }
    if (store_migrate(f->st, NULL) != 0) {
        suite_fx_close(f);
        return -1;
    }
    f->a = arena_new(16384);
    return 0;
}

void suite_fx_close(struct suite_fx *f)
{
    if (f->pool != NULL)
        store_pool_free(f->pool);
    else
        store_close(f->st);
    arena_free(f->a);
    *f = (struct suite_fx){0};
}

int suite_setup(void **state)
{
    struct suite_fx *f = calloc(1, sizeof(*f));
    if (f == NULL || suite_fx_open(f) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

int suite_teardown(void **state)
{
    struct suite_fx *f = *state;
    suite_fx_close(f);
    free(f);
    return 0;
}

const char *suite_uniq(struct arena *a, const char *prefix)
{
    return arena_printf(a, "%s-%u-%u", prefix, g_tag, ++g_seq);
}

int suite_exec_sql(struct suite_fx *f, const char *sql)
{
    if (f->pool == NULL)
        return store_exec_sql(f->st, sql);
    struct store *c = store_pool_acquire(f->pool);
    int rc = store_exec_sql(c, sql);
    store_pool_release(f->pool, c);
    return rc;
}

int64_t suite_add_story(struct suite_fx *f, const char *slug)
{
    struct story s = {
        .slug = slug,
        .title = "A title",
        .body_src = "Body",
        .body_html = "<p>Body</p>",
        .published_at = 1700000000,
        .created_at = 1700000000,
        .comments_open = true,
    };
    int64_t id = 0;
    assert_int_equal(store_story_insert(f->st, &s, &id), 0);
    return id;
}

int64_t suite_add_user(struct suite_fx *f, const char *username, enum role role)
{
    struct user u = {
        .username = username,
        .display_name = username,
        .email = arena_printf(f->a, "%s@example.com", username),
        .role = role,
        .created_at = 1700000000,
    };
    int64_t id = 0;
    assert_int_equal(store_user_insert(f->st, &u, "$argon2id$fakehash", &id), 0);
    return id;
}

int64_t suite_add_comment(struct suite_fx *f, int64_t story_id, int64_t author_id,
                          enum comment_status status)
{
    struct comment c = {
        .story_id = story_id,
        .author_id = author_id,
        .body_src = "words",
        .body_html = "<p>words</p>",
        .created_at = 1700000100,
        .status = status,
    };
    int64_t id = 0, seq = 0;
    assert_int_equal(store_comment_insert(f->st, &c, &id, &seq), 0);
    return id;
}

struct story suite_story_of(struct suite_fx *f, const char *slug)
{
    struct story s;
    assert_int_equal(store_story_find(f->a, f->st, str_from(slug), &s), 0);
    return s;
}

struct comment suite_comment_of(struct suite_fx *f, int64_t id)
{
    struct comment c;
    assert_int_equal(store_comment_find(f->a, f->st, id, &c), 0);
    return c;
}
