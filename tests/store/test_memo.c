/* The pool's memo of reads and the change detection under it, on a SQLite file
 * (default) or on PostgreSQL (--pg, see pgtest.h): memo entries round-trip with
 * their strings and match only their key, generation and tag; data_changed sees
 * other connections' commits (at once on SQLite, through NOTIFY on PostgreSQL) and
 * this connection's own writes at once; a read through the pool sees the pool's own
 * writes at once and another connection's (the command line, another node) once
 * the change watcher saw them; and the store that must not wait answers only from
 * the memo, never with what the database no longer says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/memo.h"
#include "store/pg/pg_store.h"
#include "store/store.h"

#include "death.h"
#include "pgtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_dir[] = "/tmp/stet-memo-XXXXXX";
static char g_url[1024];
static bool g_sqlite = true;

/* PostgreSQL hears other connections' commits a moment later (NOTIFY). */
#define POLL_TRIES 500
#define POLL_US    20000

struct pair {
    int64_t n;
    const char *a;
    const char *b;
};

static const struct memo_type pair_type = {
    .size = sizeof(struct pair),
    .n_strings = 2,
    .string_offsets = {offsetof(struct pair, a), offsetof(struct pair, b)},
};

static void memo_round_trip_and_matching(void **state)
{
    (void)state;
    struct memo *m = memo_new(4);
    struct arena *a = arena_new(1024);
    struct pair in = {42, "alpha", NULL}, out;
    char big[64];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';

    memo_put(m, &pair_type, "k1", 2, 7, 0, &in);
    in.a = "changed after put"; /* the memo keeps its own copy */
    assert_true(memo_get(m, &pair_type, "k1", 2, 7, 0, a, &out));
    assert_int_equal(out.n, 42);
    assert_string_equal(out.a, "alpha");
    assert_null(out.b);
    assert_false(memo_get(m, &pair_type, "k1", 2, 8, 0, a, &out)); /* another generation */
    assert_false(memo_get(m, &pair_type, "k1", 2, 7, 1, a, &out)); /* another tag */
    assert_false(memo_get(m, &pair_type, "k2", 2, 7, 0, a, &out)); /* another key */
    assert_false(memo_get(m, &pair_type, "k", 1, 7, 0, a, &out));  /* a prefix of it */

    /* Many keys in four slots: each one present reads back as its own. */
    for (int i = 0; i < 64; i++) {
        char key[16];
        int n = snprintf(key, sizeof(key), "key-%d", i);
        struct pair p = {i, key, big};
        memo_put(m, &pair_type, key, (size_t)n, 1, 0, &p);
    }
    int hits = 0;
    for (int i = 0; i < 64; i++) {
        char key[16];
        int n = snprintf(key, sizeof(key), "key-%d", i);
        if (memo_get(m, &pair_type, key, (size_t)n, 1, 0, a, &out)) {
            hits++;
            assert_int_equal(out.n, i);
            assert_string_equal(out.a, key);
            assert_string_equal(out.b, big);
        }
    }
    assert_in_range(hits, 1, 4);

    /* A key over the limit is not stored. */
    char long_key[MEMO_KEY_MAX + 2];
    memset(long_key, 'k', sizeof(long_key));
    memo_put(m, &pair_type, long_key, sizeof(long_key), 1, 0, &in);
    assert_false(memo_get(m, &pair_type, long_key, sizeof(long_key), 1, 0, a, &out));

    arena_free(a);
    memo_free(m);
}

/* Eight string fields, the most a struct memo_type can name. */
struct eight {
    int64_t n;
    const char *s[8];
};

#define EIGHT_AT(i) offsetof(struct eight, s) + (i) * sizeof(const char *)
static const struct memo_type eight_type = {
    .size = sizeof(struct eight),
    .n_strings = 8,
    .string_offsets = {EIGHT_AT(0), EIGHT_AT(1), EIGHT_AT(2), EIGHT_AT(3), EIGHT_AT(4), EIGHT_AT(5),
                       EIGHT_AT(6), EIGHT_AT(7)},
};

/* The limits memo.h promises, at their edges: a key of exactly MEMO_KEY_MAX bytes is
 * stored and one byte more is not; a type with all eight string fields (some NULL)
 * round-trips. */
/* A list is one entry: its objects and their strings read back as put, the empty
 * list is a hit with no objects, and a list never answers a single-object lookup. */
static void memo_lists_round_trip(void **state)
{
    (void)state;
    struct memo *m = memo_new(2);
    struct arena *a = arena_new(1024);
    struct pair in[3] = {{1, "one", NULL}, {2, NULL, "two"}, {3, "three", "3"}};
    void *out = NULL;
    size_t n = 99;
    struct pair single;

    memo_put_list(m, &pair_type, "list", 4, 5, 0, in, 3);
    in[0].a = "changed after put";
    assert_true(memo_get_list(m, &pair_type, "list", 4, 5, 0, a, &out, &n));
    assert_int_equal(n, 3);
    const struct pair *got = out;
    assert_int_equal(got[0].n, 1);
    assert_string_equal(got[0].a, "one");
    assert_null(got[0].b);
    assert_null(got[1].a);
    assert_string_equal(got[1].b, "two");
    assert_string_equal(got[2].a, "three");
    assert_string_equal(got[2].b, "3");
    assert_false(memo_get(m, &pair_type, "list", 4, 5, 0, a, &single));
    assert_false(memo_get_list(m, &pair_type, "list", 4, 6, 0, a, &out, &n));

    memo_put_list(m, &pair_type, "list", 4, 6, 0, NULL, 0);
    assert_true(memo_get_list(m, &pair_type, "list", 4, 6, 0, a, &out, &n));
    assert_int_equal(n, 0);
    assert_null(out);
    arena_free(a);
    memo_free(m);
}

static void memo_limits_at_their_edges(void **state)
{
    (void)state;
    struct memo *m = memo_new(8);
    struct arena *a = arena_new(1024);
    struct pair in = {1, "edge", "case"}, out;
    char key[MEMO_KEY_MAX + 1];
    memset(key, 'k', sizeof(key));

    memo_put(m, &pair_type, key, MEMO_KEY_MAX, 1, 0, &in);
    assert_true(memo_get(m, &pair_type, key, MEMO_KEY_MAX, 1, 0, a, &out));
    assert_string_equal(out.b, "case");
    memo_put(m, &pair_type, key, MEMO_KEY_MAX + 1, 1, 0, &in);
    assert_false(memo_get(m, &pair_type, key, MEMO_KEY_MAX + 1, 1, 0, a, &out));

    struct eight e = {8, {"zero", NULL, "two", "", "four", NULL, "six", "seven"}}, eo;
    memo_put(m, &eight_type, "eight", 5, 1, 0, &e);
    assert_true(memo_get(m, &eight_type, "eight", 5, 1, 0, a, &eo));
    assert_int_equal(eo.n, 8);
    for (size_t i = 0; i < 8; i++) {
        if (e.s[i] == NULL)
            assert_null(eo.s[i]);
        else
            assert_string_equal(eo.s[i], e.s[i]);
    }

    arena_free(a);
    memo_free(m);
}

/* A type naming a string field that is not inside the object. */
static void put_with_a_field_outside(void *arg)
{
    (void)arg;
    static const struct memo_type bad = {
        .size = sizeof(struct pair), .n_strings = 1, .string_offsets = {sizeof(struct pair)}};
    struct pair in[2] = {{1, "a", "b"}, {2, "c", "d"}};
    struct memo *m = memo_new(1);
    memo_put(m, &bad, "k", 1, 1, 0, in);
    memo_free(m);
}

/* An entry put as a pair, read back as the larger struct eight. */
static void get_with_a_larger_type(void *arg)
{
    (void)arg;
    struct pair in = {1, "a", "b"};
    struct eight out;
    struct memo *m = memo_new(1);
    struct arena *a = arena_new(1024);
    memo_put(m, &pair_type, "k", 1, 1, 0, &in);
    (void)memo_get(m, &eight_type, "k", 1, 1, 0, a, &out);
    arena_free(a);
    memo_free(m);
}

/* Programmer errors in a struct memo_type would make the memo copy past an object;
 * they abort instead (assert, on in every build). */
static void memo_aborts_on_a_broken_type(void **state)
{
    (void)state;
    assert_true(death_aborts(put_with_a_field_outside, NULL));
    assert_true(death_aborts(get_with_a_larger_type, NULL));
}

static struct store *open_conn(void)
{
    struct store *st = NULL;
    assert_int_equal(store_open(g_url, &st), 0);
    return st;
}

static bool changed(struct store *st)
{
    bool c = false;
    assert_int_equal(store_data_changed(st, &c), 0);
    return c;
}

/* Asks until the answer is "unchanged": on PostgreSQL the first answers are
 * "changed" until the connection's watcher listens. */
static void settle(struct store *st)
{
    for (int i = 0; i < POLL_TRIES; i++) {
        if (!changed(st))
            return;
        usleep(POLL_US);
    }
    fail_msg("data_changed never settled");
}

/* Another connection committed: seen at the next call on SQLite, soon on PostgreSQL. */
static void sees_other(struct store *st)
{
    for (int i = 0; i < POLL_TRIES; i++) {
        if (changed(st))
            return;
        assert_false(g_sqlite);
        usleep(POLL_US);
    }
    fail_msg("another connection's commit was never seen");
}

static int64_t add_story(struct store *st, const char *slug)
{
    struct story s = {.slug = slug,
                      .title = "Title",
                      .byline = "",
                      .body_src = "b",
                      .body_html = "<p>b</p>",
                      .published_at = 1700000000,
                      .created_at = 1700000000,
                      .comments_open = true};
    int64_t id = 0;
    assert_int_equal(store_story_insert(st, &s, &id), 0);
    return id;
}

static void data_changed_sees_every_writer(void **state)
{
    (void)state;
    struct store *x = open_conn(), *y = open_conn();
    assert_true(changed(x)); /* the first answer */
    settle(x);
    add_story(y, "dc-other");
    sees_other(x);
    settle(x);
    add_story(x, "dc-own");
    assert_true(changed(x)); /* this connection wrote: at once, on every backend */
    settle(x);
    settle(y);
    store_close(x);
    store_close(y);
    if (!g_sqlite)
        return;

    /* An in-memory database answers the same way. */
    struct store *mem = NULL;
    assert_int_equal(store_open("sqlite::memory:", &mem), 0);
    assert_int_equal(store_migrate(mem, NULL), 0);
    assert_true(changed(mem));
    assert_false(changed(mem));
    assert_false(changed(mem));
    add_story(mem, "dc-memory");
    assert_true(changed(mem));
    assert_false(changed(mem));
    store_close(mem);
}

static bool story_open(struct store *st, struct arena *a, const char *slug)
{
    struct story s;
    assert_int_equal(store_story_find(a, st, str_from(slug), &s), 0);
    assert_string_equal(s.slug, slug);
    return s.comments_open;
}

/* A pooled read after another connection's change: the new value once the pool's
 * change watcher saw the commit (within CHANGE_WATCH_FRESH_MS on SQLite, plus the
 * NOTIFY's trip on PostgreSQL). */
static void open_becomes(struct store *st, struct arena *a, const char *slug, bool want)
{
    for (int i = 0; i < POLL_TRIES; i++) {
        if (story_open(st, a, slug) == want)
            return;
        usleep(POLL_US);
    }
    fail_msg("a pooled read kept the old comments_open");
}

/* A read through the store that never borrows a connection: from the memo, or
 * EAGAIN. Returns the rc; *open is set on 0. */
static int nowait_open(struct store *nw, struct arena *a, const char *slug, bool *open)
{
    struct story s;
    int rc = store_story_find(a, nw, str_from(slug), &s);
    if (rc == 0)
        *open = s.comments_open;
    return rc;
}

static void pooled_reads_follow_every_change(void **state)
{
    (void)state;
    struct store_pool *pool = NULL;
    assert_int_equal(store_pool_new(g_url, 2, 2, &pool), 0);
    struct store *ps = store_pool_store(pool, false), *nw = store_pool_store(pool, true);
    struct store *other = open_conn();
    struct arena *a = arena_new(4096);
    int64_t id = add_story(other, "memo-story");
    bool open = false;

    /* The non-waiting store answers only what the memo holds. */
    int rc = nowait_open(nw, a, "memo-story", &open);
    assert_true(rc == STET_EAGAIN || (rc == 0 && open));
    open_becomes(ps, a, "memo-story", true);
    for (int i = 0; i < POLL_TRIES && nowait_open(nw, a, "memo-story", &open) != 0; i++) {
        usleep(POLL_US); /* the watcher's first check vouches for the memo */
        open_becomes(ps, a, "memo-story", true);
    }
    assert_int_equal(nowait_open(nw, a, "memo-story", &open), 0);
    assert_true(open);
    /* Other calls always need a connection. */
    struct story *list;
    size_t n;
    struct store_page pg = {.limit = 10};
    assert_int_equal(store_story_list(a, nw, &pg, &list, &n), STET_EAGAIN);
    assert_int_equal(store_story_set_open(nw, id, false), STET_EAGAIN);

    /* Another connection (as `stet story close` would): once seen, the memo entry
     * is gone, so the non-waiting store no longer has an answer. */
    assert_int_equal(store_story_set_open(other, id, false), 0);
    open_becomes(ps, a, "memo-story", false);
    for (int i = 0; i < POLL_TRIES; i++) {
        rc = nowait_open(nw, a, "memo-story", &open);
        if (rc == 0 && !open)
            break;
        assert_true(rc == STET_EAGAIN || (rc == 0 && !open));
        usleep(POLL_US);
        open_becomes(ps, a, "memo-story", false);
    }

    /* Through the pool: the writer's next read sees it at once, on any backend. */
    assert_int_equal(store_story_set_open(ps, id, true), 0);
    assert_true(story_open(ps, a, "memo-story"));
    rc = nowait_open(nw, a, "memo-story", &open);
    assert_true(rc == STET_EAGAIN || (rc == 0 && open));

    /* A comment through the group committer moves the count at once. */
    struct comment c = {.story_id = id,
                        .author_id = 0,
                        .legacy_author = "old",
                        .is_legacy = true,
                        .body_src = "hi",
                        .body_html = "<p>hi</p>",
                        .created_at = 1700000001,
                        .status = COMMENT_VISIBLE};
    int64_t cid = 0, seq = 0;
    struct story s;
    assert_int_equal(store_story_find(a, ps, str_from("memo-story"), &s), 0);
    int64_t before = s.n_comments;
    assert_int_equal(store_comment_insert(nw, &c, &cid, &seq), STET_EAGAIN);
    assert_int_equal(store_comment_insert(ps, &c, &cid, &seq), 0);
    assert_int_equal(store_story_find(a, ps, str_from("memo-story"), &s), 0);
    assert_int_equal(s.n_comments, before + 1);
    assert_int_equal(s.event_seq, seq);

    /* Sessions: found, then gone once deleted elsewhere, and never past expiry. */
    struct user u = {.username = "memo-user",
                     .display_name = "Memo",
                     .email = "memo@example.org",
                     .created_at = 1700000000};
    int64_t uid = 0;
    assert_int_equal(store_user_insert(other, &u, "$argon2id$fake", &uid), 0);
    const char *hash = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    assert_int_equal(store_session_insert(other, hash, uid, 1700000000, 1700000100), 0);
    struct user got;
    for (int i = 0; i < POLL_TRIES; i++) {
        if (store_session_find(a, ps, hash, 1700000099, &got) == 0)
            break;
        usleep(POLL_US);
    }
    assert_int_equal(store_session_find(a, ps, hash, 1700000099, &got), 0);
    assert_string_equal(got.username, "memo-user");
    assert_int_equal(store_session_find(a, ps, hash, 1700000100, &got), STET_ENOTFOUND);
    assert_int_equal(store_session_delete(other, hash), 0);
    for (int i = 0; i < POLL_TRIES; i++) {
        rc = store_session_find(a, ps, hash, 1700000050, &got);
        if (rc == STET_ENOTFOUND)
            break;
        assert_int_equal(rc, 0);
        usleep(POLL_US);
    }
    assert_int_equal(store_session_find(a, ps, hash, 1700000050, &got), STET_ENOTFOUND);

    if (!g_sqlite) {
        /* A change nobody is told of is not seen: proof that reads come from the
         * memo, and that the triggers' NOTIFY is what keeps it right. */
        settle(other); /* the process's listener (one per URL) listens */
        assert_int_equal(store_story_set_open(ps, id, false), 0);
        /* The write's own NOTIFY comes back a moment later and moves the pool's
         * generation once more: wait for it, and for the watcher to count it. */
        sees_other(other);
        settle(other);
        usleep(100000);
        for (int i = 0; i < 3; i++)
            assert_false(story_open(ps, a, "memo-story"));
        assert_int_equal(store_exec_sql(other,
                                        "ALTER TABLE stories DISABLE TRIGGER stories_changes;"
                                        "UPDATE stories SET comments_open = TRUE WHERE slug = "
                                        "'memo-story';"
                                        "ALTER TABLE stories ENABLE TRIGGER stories_changes;"),
                         0);
        /* The memo answers only while the watcher vouches for it (a check within
         * CHANGE_WATCH_FRESH_MS); on a loaded machine a read may find it stale and
         * go to the database, which is right but proves nothing. So: some read in
         * a second must still answer from the memo, which was never told. */
        bool memo_answered = false;
        for (int i = 0; i < 50 && !memo_answered; i++) {
            usleep(20000);
            memo_answered = !story_open(ps, a, "memo-story");
        }
        assert_true(memo_answered);
        assert_int_equal(store_story_set_open(other, id, true), 0); /* told this time */
        open_becomes(ps, a, "memo-story", true);
    }

    arena_free(a);
    store_close(other);
    store_pool_free(pool);
}

/* The pool's list of `f` once its answer has `want` rows (the watcher must first see
 * another connection's commit); its first row's id. */
static int64_t own_held_becomes(struct store *st, struct arena *a, const struct comment_filter *f,
                                size_t want)
{
    struct store_page pg = {.limit = 20};
    struct comment *list;
    size_t n = 0;
    for (int i = 0; i < POLL_TRIES; i++) {
        assert_int_equal(store_comment_list(a, st, f, &pg, &list, &n), 0);
        if (n == want)
            return n > 0 ? list[0].id : 0;
        usleep(POLL_US);
    }
    fail_msg("a reader's held list kept %zu rows, not %zu", n, want);
    return 0;
}

/* The non-waiting view's answer for `f` once it has one from the memo. */
static size_t own_held_from_memo(struct store *nw, struct store *ps, struct arena *a,
                                 const struct comment_filter *f, size_t want)
{
    struct store_page pg = {.limit = 20};
    struct comment *list;
    size_t n = 0;
    for (int i = 0; i < POLL_TRIES; i++) {
        int rc = store_comment_list(a, nw, f, &pg, &list, &n);
        if (rc == 0)
            return n;
        assert_int_equal(rc, STET_EAGAIN);
        usleep(POLL_US);
        own_held_becomes(ps, a, f, want);
    }
    fail_msg("the memo never answered a reader's held list");
    return 0;
}

/* Every logged-in story page lists its reader's held comments: the empty answer
 * comes from the memo (so the I/O thread's non-waiting view has it) and follows a
 * change made by another connection; a list with comments is always read (it may be
 * large), so the non-waiting view has no answer for it. */
static void pooled_own_held_follows_changes(void **state)
{
    (void)state;
    struct store_pool *pool = NULL;
    assert_int_equal(store_pool_new(g_url, 2, 2, &pool), 0);
    struct store *ps = store_pool_store(pool, false), *nw = store_pool_store(pool, true);
    struct store *other = open_conn();
    struct arena *a = arena_new(4096);
    int64_t sid = add_story(other, "memo-held");
    struct user u = {.username = "memo-held-user",
                     .display_name = "Held",
                     .email = "memo-held@example.org",
                     .created_at = 1700000000};
    int64_t uid = 0, cid = 0, seq = 0;
    assert_int_equal(store_user_insert(other, &u, "$argon2id$fake", &uid), 0);
    struct comment c = {.story_id = sid,
                        .author_id = uid,
                        .body_src = "wait for me",
                        .body_html = "<p>wait for me</p>",
                        .created_at = 1700000001,
                        .status = COMMENT_HELD,
                        .hold_reason = "policy: pre-moderation"};
    assert_int_equal(store_comment_insert(other, &c, &cid, &seq), 0);
    const struct comment_filter f = {.story_id = sid, .viewer_id = uid, .own_held_only = true};

    assert_int_equal(own_held_becomes(ps, a, &f, 1), cid);
    struct store_page pg = {.limit = 20};
    struct comment *list;
    size_t n;
    assert_int_equal(store_comment_list(a, nw, &f, &pg, &list, &n), STET_EAGAIN);
    char sql[128];
    snprintf(sql, sizeof(sql), "UPDATE comments SET status = 'visible' WHERE id = %lld",
             (long long)cid);
    assert_int_equal(store_exec_sql(other, sql), 0);
    own_held_becomes(ps, a, &f, 0);
    assert_int_equal(own_held_from_memo(nw, ps, a, &f, 0), 0);

    arena_free(a);
    store_close(other);
    store_pool_free(pool);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--pg") == 0) {
        if (pgtest_env("STET_TEST_PG_DSN") == NULL) {
            fprintf(stderr, "memo on postgres: skipped (STET_TEST_PG_DSN is not set)\n");
            return PGTEST_SKIP;
        }
        if (pgtest_fresh_url("stet_memo", g_url, sizeof(g_url)) == NULL)
            return 1;
        g_sqlite = false;
    } else {
        if (mkdtemp(g_dir) == NULL)
            return 1;
        snprintf(g_url, sizeof(g_url), "sqlite:%s/memo.db", g_dir);
    }
    struct store *st = NULL;
    if (store_open(g_url, &st) != 0 || store_migrate(st, NULL) != 0)
        return 1;
    store_close(st);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memo_round_trip_and_matching),
        cmocka_unit_test(memo_lists_round_trip),
        cmocka_unit_test(memo_limits_at_their_edges),
        cmocka_unit_test(memo_aborts_on_a_broken_type),
        cmocka_unit_test(data_changed_sees_every_writer),
        cmocka_unit_test(pooled_reads_follow_every_change),
        cmocka_unit_test(pooled_own_held_follows_changes),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (!g_sqlite)
        return failed;

    const char *names[] = {"memo.db", "memo.db-wal", "memo.db-shm"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", g_dir, names[i]);
        unlink(p);
    }
    rmdir(g_dir);
    return failed;
}
