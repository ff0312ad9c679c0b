/* The store conformance suite: written against store/store.h only, so the same
 * cases run on every backend. The URL comes from argv[1], else STET_TEST_STORE_URL,
 * else "sqlite::memory:". The database must start empty (test_migrate counts the
 * migrations it applies); names carry a per-run tag so a shared server database
 * does not collide with earlier runs of the other cases. With --pg the URL is
 * STET_TEST_PG_DSN (or a fresh database in STET_TEST_PG_DIR's cluster, see pgtest.h),
 * and the run is skipped when it is unset. With --pool (alone: on a fresh SQLite
 * file; after --pg: on PostgreSQL) every case's connection comes from a store_pool,
 * so each comment insert goes through the group committer and must behave exactly
 * as a direct one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/embedded.h"
#include "base/timefmt.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

#include "pgtest.h"
#include "suite.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t add_story(struct suite_fx *f, const char *slug, int64_t published_at)
{
    struct story s = {
        .slug = slug,
        .title = "A title",
        .byline = "By Someone",
        .body_src = "Body *src*",
        .body_html = "<p>Body <em>src</em></p>",
        .published_at = published_at,
        .created_at = published_at - 10,
        .comments_open = true,
    };
    int64_t id = 0;
    assert_int_equal(store_story_insert(f->st, &s, &id), 0);
    assert_true(id > 0);
    return id;
}

static int64_t add_user(struct suite_fx *f, const char *username, const char *email)
{
    struct user u = {
        .username = username,
        .display_name = "Display Name",
        .email = email,
        .role = ROLE_READER,
        .created_at = 1700000000,
    };
    int64_t id = 0;
    assert_int_equal(store_user_insert(f->st, &u, "$argon2id$fakehash", &id), 0);
    assert_true(id > 0);
    return id;
}

static int64_t add_comment_seq(struct suite_fx *f, int64_t story_id, int64_t author_id,
                               int64_t parent_id, int64_t created_at, enum comment_status status,
                               int64_t *seq)
{
    struct comment c = {
        .story_id = story_id,
        .parent_id = parent_id,
        .author_id = author_id,
        .body_src = "hello",
        .body_html = "<p>hello</p>",
        .created_at = created_at,
        .status = status,
    };
    int64_t id = 0, got_seq = -1;
    assert_int_equal(store_comment_insert(f->st, &c, &id, &got_seq), 0);
    assert_true(id > 0);
    /* Only a visible comment gets an event number. */
    if (status == COMMENT_VISIBLE)
        assert_true(got_seq > 0);
    else
        assert_int_equal(got_seq, 0);
    if (seq != NULL)
        *seq = got_seq;
    return id;
}

static int64_t add_comment(struct suite_fx *f, int64_t story_id, int64_t author_id,
                           int64_t parent_id, int64_t created_at, enum comment_status status)
{
    return add_comment_seq(f, story_id, author_id, parent_id, created_at, status, NULL);
}

static int64_t count_of(struct suite_fx *f, const char *slug)
{
    int64_t n = -2;
    struct str s = str_from(slug);
    assert_int_equal(store_story_counts(f->st, &s, 1, &n), 0);
    return n;
}

/* ---- migrations and opening ---- */

static void test_migrate(void **state)
{
    (void)state;
    const struct embedded_file *files =
        strncmp(g_url, "postgres", 8) == 0 ? embedded_migrations_pg : embedded_migrations_sqlite;
    int n_files = 0;
    while (files[n_files].name != NULL)
        n_files++;
    assert_true(n_files >= 1);

    struct store *st;
    int applied = -1;
    assert_int_equal(store_open(g_url, &st), 0);
    assert_int_equal(store_migrate(st, &applied), 0);
    assert_int_equal(applied, n_files);
    applied = -1;
    assert_int_equal(store_migrate(st, &applied), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(store_migrate(st, NULL), 0);
    store_close(st);
}

static void test_open_rejects_bad_urls(void **state)
{
    (void)state;
    struct store *st = (struct store *)&st;
    assert_int_equal(store_open("mysql://localhost/x", &st), STET_EINVAL);
    assert_null(st);
    assert_int_equal(store_open("", &st), STET_EINVAL);
    assert_int_equal(store_open("sqlite", &st), STET_EINVAL);
    assert_int_equal(store_open("sqlite:", &st), STET_EINVAL);
    assert_int_equal(store_open("SQLITE::memory:", &st), STET_EINVAL);
    if (strncmp(g_url, "sqlite:", 7) == 0) {
        assert_int_equal(store_open("sqlite:/nonexistent-dir/for/stet/x.db", &st), STET_EUNAVAIL);
        assert_null(st);
    }
    store_close(NULL);
}

/* ---- stories ---- */

static void test_story_insert_find(void **state)
{
    struct suite_fx *f = *state;
    const char *slug = suite_uniq(f->a, "story");
    int64_t id = add_story(f, slug, 1700000100);

    struct story s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_story_find(f->a, f->st, str_from(slug), &s), 0);
    assert_int_equal(s.id, id);
    assert_string_equal(s.slug, slug);
    assert_string_equal(s.title, "A title");
    assert_string_equal(s.byline, "By Someone");
    assert_string_equal(s.body_src, "Body *src*");
    assert_string_equal(s.body_html, "<p>Body <em>src</em></p>");
    assert_int_equal(s.published_at, 1700000100);
    assert_int_equal(s.created_at, 1700000090);
    assert_int_equal(s.n_comments, 0);
    assert_true(s.comments_open);

    /* A slice that is a prefix of a real slug is a different slug. */
    assert_int_equal(store_story_find(f->a, f->st, (struct str){slug, strlen(slug) - 1}, &s),
                     STET_ENOTFOUND);
    assert_int_equal(store_story_find(f->a, f->st, STR_LIT("no-such-story"), &s), STET_ENOTFOUND);
    assert_int_equal(store_story_find(f->a, f->st, STR_NULL, &s), STET_ENOTFOUND);

    /* NULL byline is stored as "". */
    struct story nb = {.slug = suite_uniq(f->a, "nobyline"),
                       .title = "t",
                       .body_src = "b",
                       .body_html = "b",
                       .published_at = 1,
                       .created_at = 1};
    int64_t nb_id;
    assert_int_equal(store_story_insert(f->st, &nb, &nb_id), 0);
    assert_int_equal(store_story_find(f->a, f->st, str_from(nb.slug), &s), 0);
    assert_string_equal(s.byline, "");
    assert_false(s.comments_open);
}

static void test_story_duplicate_slug(void **state)
{
    struct suite_fx *f = *state;
    const char *slug = suite_uniq(f->a, "dup");
    add_story(f, slug, 1700000000);
    struct story s = {.slug = slug,
                      .title = "other",
                      .byline = "",
                      .body_src = "x",
                      .body_html = "x",
                      .published_at = 5,
                      .created_at = 5};
    int64_t id = -5;
    assert_int_equal(store_story_insert(f->st, &s, &id), STET_ECONFLICT);
    assert_int_equal(id, -5);
    struct story got;
    assert_int_equal(store_story_find(f->a, f->st, str_from(slug), &got), 0);
    assert_string_equal(got.title, "A title");
}

/* Pages through the whole list, which may hold other cases' stories too, and checks
 * the order is strict and that ours appear once each, in the expected order. */
static void test_story_list_paging(void **state)
{
    struct suite_fx *f = *state;
    /* Far-future times keep these at the head of the list; three ties on T. */
    const int64_t T = 4102444800 + (int64_t)(g_tag % 100000) * 10;
    const int64_t times[] = {T, T - 1, T, T + 5, T - 2, T, T - 1};
    enum { N = sizeof(times) / sizeof(times[0]) };
    int64_t ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = add_story(f, suite_uniq(f->a, "list"), times[i]);
    /* Expected newest-first order of ours: T+5, then T ties by id desc, T-1 ties, T-2. */
    const int64_t want[N] = {ids[3], ids[5], ids[2], ids[0], ids[6], ids[1], ids[4]};

    struct store_page pg = {.limit = 3};
    int64_t seen[N];
    int n_seen = 0;
    int64_t last_time = INT64_MAX, last_id = INT64_MAX;
    size_t total = 0;
    for (int page = 0; page < 100000; page++) {
        struct story *rows;
        size_t n;
        assert_int_equal(store_story_list(f->a, f->st, &pg, &rows, &n), 0);
        assert_true(n <= 3);
        for (size_t i = 0; i < n; i++) {
            /* Strictly after the previous row in (published_at DESC, id DESC). */
            assert_true(rows[i].published_at < last_time ||
                        (rows[i].published_at == last_time && rows[i].id < last_id));
            last_time = rows[i].published_at;
            last_id = rows[i].id;
            for (int k = 0; k < N; k++) {
                if (rows[i].id == ids[k]) {
                    assert_true(n_seen < N);
                    seen[n_seen++] = rows[i].id;
                }
            }
        }
        total += n;
        if (n < 3)
            break;
        pg.has_cursor = true;
        pg.cursor_time = rows[n - 1].published_at;
        pg.cursor_id = rows[n - 1].id;
    }
    assert_true(total >= N);
    assert_int_equal(n_seen, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], want[i]);

    /* A cursor in the middle of the T ties resumes right after it. */
    struct store_page mid = {.limit = 2, .has_cursor = true, .cursor_time = T, .cursor_id = ids[5]};
    struct story *rows;
    size_t n;
    assert_int_equal(store_story_list(f->a, f->st, &mid, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, ids[2]);
    assert_int_equal(rows[1].id, ids[0]);

    struct store_page zero = {.limit = 0};
    assert_int_equal(store_story_list(f->a, f->st, &zero, &rows, &n), 0);
    assert_int_equal(n, 0);
    struct store_page neg = {.limit = -1};
    assert_int_equal(store_story_list(f->a, f->st, &neg, &rows, &n), STET_EINVAL);
}

/* The archive's reads: a time range in either order with a cursor, and months with
 * their counts. Months of a far year of this run's own keep other cases out. */
static void test_story_range_and_months(void **state)
{
    struct suite_fx *f = *state;
    struct store_month *months;
    struct story *rows;
    size_t n;
    int64_t jan, feb, mar, apr;
    /* A year no earlier run left stories in (a PostgreSQL database may be reused). */
    for (int year = 5000 + (int)(g_tag % 4000);; year++) {
        char day[32];
        snprintf(day, sizeof(day), "%04d-01-01", year);
        assert_int_equal(time_parse_iso(str_from(day), &jan), 0);
        snprintf(day, sizeof(day), "%04d-02-01", year);
        assert_int_equal(time_parse_iso(str_from(day), &feb), 0);
        snprintf(day, sizeof(day), "%04d-03-01", year);
        assert_int_equal(time_parse_iso(str_from(day), &mar), 0);
        snprintf(day, sizeof(day), "%04d-04-01", year);
        assert_int_equal(time_parse_iso(str_from(day), &apr), 0);
        assert_int_equal(store_story_months(f->a, f->st, jan, apr, 1, &months, &n), 0);
        if (n == 0)
            break;
    }
    /* Oldest first: January's first second, two ties, February's last second, March's
     * first. */
    int64_t ids[5] = {
        add_story(f, suite_uniq(f->a, "rng"), jan),
        add_story(f, suite_uniq(f->a, "rng"), jan + 100),
        add_story(f, suite_uniq(f->a, "rng"), jan + 100),
        add_story(f, suite_uniq(f->a, "rng"), mar - 1),
        add_story(f, suite_uniq(f->a, "rng"), mar),
    };

    struct store_page asc = {.limit = 10};
    assert_int_equal(store_story_list_range(f->a, f->st, jan, apr, &asc, &rows, &n), 0);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rows[i].id, ids[i]);
    struct store_page desc = {.limit = 10, .newest_first = true};
    assert_int_equal(store_story_list_range(f->a, f->st, jan, apr, &desc, &rows, &n), 0);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rows[i].id, ids[4 - i]);
    /* Cursors between the ties, each way; limits; the range's ends. */
    struct store_page after = {
        .limit = 2, .has_cursor = true, .cursor_time = jan + 100, .cursor_id = ids[1]};
    assert_int_equal(store_story_list_range(f->a, f->st, jan, apr, &after, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, ids[2]);
    assert_int_equal(rows[1].id, ids[3]);
    struct store_page before = {.limit = 10,
                                .has_cursor = true,
                                .cursor_time = jan + 100,
                                .cursor_id = ids[2],
                                .newest_first = true};
    assert_int_equal(store_story_list_range(f->a, f->st, jan, apr, &before, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, ids[1]);
    assert_int_equal(rows[1].id, ids[0]);
    assert_int_equal(store_story_list_range(f->a, f->st, feb, mar, &asc, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, ids[3]);
    struct store_page zero = {.limit = 0}, neg = {.limit = -1};
    assert_int_equal(store_story_list_range(f->a, f->st, jan, apr, &zero, &rows, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_story_list_range(f->a, f->st, jan, apr, &neg, &rows, &n), STET_EINVAL);

    assert_int_equal(store_story_months(f->a, f->st, jan, apr, 10, &months, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(months[0].start, mar);
    assert_int_equal(months[0].n_stories, 1);
    assert_int_equal(months[1].start, feb);
    assert_int_equal(months[1].n_stories, 1);
    assert_int_equal(months[2].start, jan);
    assert_int_equal(months[2].n_stories, 3);
    assert_int_equal(store_story_months(f->a, f->st, jan, mar, 1, &months, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(months[0].start, feb);
    assert_int_equal(store_story_months(f->a, f->st, jan, apr, 0, &months, &n), STET_EINVAL);
    assert_int_equal(store_story_months(f->a, f->st, TIME_MIN - 1, apr, 5, &months, &n),
                     STET_EINVAL);
    /* The year 0000, where the backends' calendars differ in name only. */
    add_story(f, suite_uniq(f->a, "rng"), TIME_MIN + 86400 * 40);
    assert_int_equal(
        store_story_months(f->a, f->st, TIME_MIN, TIME_MIN + 86400 * 60, 5, &months, &n), 0);
    assert_true(n >= 1);
    assert_int_equal(months[0].start, TIME_MIN + 86400 * 31);
}

static void test_story_set_open(void **state)
{
    struct suite_fx *f = *state;
    const char *slug = suite_uniq(f->a, "open");
    int64_t id = add_story(f, slug, 1700000000);
    struct story s;
    assert_int_equal(store_story_set_open(f->st, id, false), 0);
    assert_int_equal(store_story_find(f->a, f->st, str_from(slug), &s), 0);
    assert_false(s.comments_open);
    assert_int_equal(store_story_set_open(f->st, id, true), 0);
    assert_int_equal(store_story_find(f->a, f->st, str_from(slug), &s), 0);
    assert_true(s.comments_open);
    assert_int_equal(store_story_set_open(f->st, INT64_MAX, false), STET_ENOTFOUND);
}

static int64_t version_of(struct suite_fx *f, const char *slug)
{
    struct story s;
    assert_int_equal(store_story_find(f->a, f->st, str_from(slug), &s), 0);
    return s.content_version;
}

/* Every change a story page renders moves the story's content version, in the
 * same transaction (issue 10 item 3); through --pool the comments take the group
 * commit's batch path and the reads come through the memo. */
static void test_content_version(void **state)
{
    struct suite_fx *f = *state;
    const char *a_slug = suite_uniq(f->a, "cva"), *b_slug = suite_uniq(f->a, "cvb");
    const char *c_slug = suite_uniq(f->a, "cvc");
    int64_t a_id = add_story(f, a_slug, 1700000000);
    int64_t b_id = add_story(f, b_slug, 1700000001);
    add_story(f, c_slug, 1700000002);
    const char *name = suite_uniq(f->a, "cvuser");
    int64_t alice = add_user(f, name, suite_uniq(f->a, "cvuser@x.example"));

    int64_t v = version_of(f, a_slug);
    add_comment(f, a_id, alice, 0, 100, COMMENT_VISIBLE);
    assert_true(version_of(f, a_slug) > v);
    add_comment(f, b_id, alice, 0, 101, COMMENT_VISIBLE);

    v = version_of(f, a_slug);
    assert_int_equal(store_story_set_open(f->st, a_id, false), 0);
    assert_true(version_of(f, a_slug) > v);
    v = version_of(f, a_slug);
    assert_int_equal(store_story_set_open(f->st, a_id, true), 0);
    assert_true(version_of(f, a_slug) > v);

    /* A role change moves every story the user commented on, and only those. */
    int64_t va = version_of(f, a_slug), vb = version_of(f, b_slug);
    int64_t vc = version_of(f, c_slug);
    assert_int_equal(store_user_set_role(f->st, str_from(name), ROLE_MODERATOR), 0);
    assert_true(version_of(f, a_slug) > va);
    assert_true(version_of(f, b_slug) > vb);
    assert_int_equal(version_of(f, c_slug), vc);
    /* Setting the role it already has, or a failed change, moves nothing. */
    va = version_of(f, a_slug);
    assert_int_equal(store_user_set_role(f->st, str_from(name), ROLE_MODERATOR), 0);
    assert_int_equal(version_of(f, a_slug), va);
    assert_int_equal(store_user_set_role(f->st, str_from(name), (enum role)7), STET_EINVAL);
    assert_int_equal(version_of(f, a_slug), va);
    assert_int_equal(store_user_set_role(f->st, STR_LIT("no-such-cv-user"), ROLE_ADMIN),
                     STET_ENOTFOUND);
    assert_int_equal(version_of(f, a_slug), va);
}

static void test_story_counts(void **state)
{
    struct suite_fx *f = *state;
    const char *sa = suite_uniq(f->a, "ca");
    const char *sb = suite_uniq(f->a, "cb");
    int64_t a_id = add_story(f, sa, 1700000000);
    add_story(f, sb, 1700000001);
    int64_t uid = add_user(f, suite_uniq(f->a, "counter"), suite_uniq(f->a, "counter@x.example"));
    add_comment(f, a_id, uid, 0, 10, COMMENT_VISIBLE);
    add_comment(f, a_id, uid, 0, 11, COMMENT_VISIBLE);

    struct str slugs[] = {str_from(sa), STR_LIT("no-such-slug"), str_from(sb), STR_NULL};
    int64_t counts[4] = {-9, -9, -9, -9};
    assert_int_equal(store_story_counts(f->st, slugs, 4, counts), 0);
    assert_int_equal(counts[0], 2);
    assert_int_equal(counts[1], -1);
    assert_int_equal(counts[2], 0);
    assert_int_equal(counts[3], -1);
    assert_int_equal(store_story_counts(f->st, slugs, 0, counts), 0);
}

/* ---- users and sessions ---- */

static void test_user_insert_conflicts(void **state)
{
    struct suite_fx *f = *state;
    const char *name = arena_printf(f->a, "Alice_%u", g_tag);
    const char *email = arena_printf(f->a, "alice.%u@Example.com", g_tag);
    int64_t id = add_user(f, name, email);

    struct user dup = {.username = arena_printf(f->a, "aLICE_%u", g_tag),
                       .display_name = "x",
                       .email = suite_uniq(f->a, "other@example.com"),
                       .created_at = 1};
    int64_t dup_id = -5;
    assert_int_equal(store_user_insert(f->st, &dup, "h", &dup_id), STET_ECONFLICT);
    assert_int_equal(dup_id, -5);
    dup.username = suite_uniq(f->a, "bob");
    dup.email = arena_printf(f->a, "ALICE.%u@example.COM", g_tag);
    assert_int_equal(store_user_insert(f->st, &dup, "h", &dup_id), STET_ECONFLICT);

    /* Login by username in another case, then by email in another case. */
    struct user u;
    const char *hash = NULL;
    assert_int_equal(store_user_find_login(
                         f->a, f->st, str_from(arena_printf(f->a, "ALICE_%u", g_tag)), &u, &hash),
                     0);
    assert_int_equal(u.id, id);
    assert_string_equal(u.username, name);
    assert_string_equal(u.email, email);
    assert_string_equal(u.display_name, "Display Name");
    assert_int_equal(u.role, ROLE_READER);
    assert_int_equal(u.created_at, 1700000000);
    assert_string_equal(hash, "$argon2id$fakehash");
    assert_int_equal(
        store_user_find_login(
            f->a, f->st, str_from(arena_printf(f->a, "ALICE.%u@EXAMPLE.COM", g_tag)), &u, NULL),
        0);
    assert_int_equal(u.id, id);
    assert_int_equal(store_user_find_login(f->a, f->st, STR_LIT("nobody-at-all"), &u, &hash),
                     STET_ENOTFOUND);
    /* A prefix of the username is not the username. */
    assert_int_equal(store_user_find_login(f->a, f->st, (struct str){name, 5}, &u, NULL),
                     STET_ENOTFOUND);

    memset(&u, 0, sizeof(u));
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_string_equal(u.username, name);
    assert_int_equal(store_user_find_id(f->a, f->st, -1, &u), STET_ENOTFOUND);
}

static void test_user_set_role(void **state)
{
    struct suite_fx *f = *state;
    const char *name = suite_uniq(f->a, "Role");
    int64_t id = add_user(f, name, suite_uniq(f->a, "role@x.example"));
    struct user u;
    char *upper = arena_strdup(f->a, name);
    upper[0] = 'r';
    assert_int_equal(store_user_set_role(f->st, str_from(upper), ROLE_ADMIN), 0);
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_int_equal(u.role, ROLE_ADMIN);
    assert_int_equal(store_user_set_role(f->st, str_from(name), ROLE_MODERATOR), 0);
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_int_equal(u.role, ROLE_MODERATOR);
    assert_int_equal(store_user_set_role(f->st, STR_LIT("no-such-user"), ROLE_ADMIN),
                     STET_ENOTFOUND);
    assert_int_equal(store_user_set_role(f->st, str_from(name), (enum role)7), STET_EINVAL);
    assert_int_equal(store_user_find_id(f->a, f->st, id, &u), 0);
    assert_int_equal(u.role, ROLE_MODERATOR);
}

static int64_t login_id(struct suite_fx *f, const char *login)
{
    struct user u;
    int rc = store_user_find_login(f->a, f->st, str_from(login), &u, NULL);
    return rc == 0 ? u.id : rc;
}

/* One folding rule on every backend (SPEC 6): ASCII case only, for lookup,
 * uniqueness and roles alike. PostgreSQL's lower() folded the Kelvin sign U+212A
 * into "k", so "\u212Aate" logged in as kate there, while SQLite's did not. */
static void test_user_identity_keys(void **state)
{
    struct suite_fx *f = *state;
#define KELVIN "\xe2\x84\xaa"
    const char *name = arena_printf(f->a, "Kate_%u", g_tag);
    const char *email = arena_printf(f->a, "kate.%u@example.org", g_tag);
    int64_t kate = add_user(f, name, email);

    assert_int_equal(login_id(f, arena_printf(f->a, "KATE_%u", g_tag)), kate);
    assert_int_equal(login_id(f, arena_printf(f->a, "kaTe.%u@EXAMPLE.org", g_tag)), kate);
    /* Not a username (a character outside A-Z a-z 0-9 _ . -) and no '@': nobody. */
    assert_int_equal(login_id(f, arena_printf(f->a, KELVIN "ate_%u", g_tag)), STET_ENOTFOUND);
    assert_int_equal(login_id(f, arena_printf(f->a, KELVIN "ATE_%u", g_tag)), STET_ENOTFOUND);
    const char *kelvin_email = arena_printf(f->a, KELVIN "ate.%u@example.org", g_tag);
    assert_int_equal(login_id(f, kelvin_email), STET_ENOTFOUND);

    /* That address is another address under the rule: it registers as its own
     * account, and logs into that one, never into kate's. */
    int64_t other = add_user(f, suite_uniq(f->a, "kelvin"), kelvin_email);
    assert_true(other != kate);
    assert_int_equal(login_id(f, kelvin_email), other);
    assert_int_equal(login_id(f, arena_printf(f->a, KELVIN "ATE.%u@Example.ORG", g_tag)), other);
    assert_int_equal(login_id(f, email), kate);

    /* Uniqueness uses the same key. */
    int64_t id = -5;
    struct user dup = {.username = suite_uniq(f->a, "dup"),
                       .display_name = "d",
                       .email = arena_printf(f->a, "KATE.%u@Example.Org", g_tag)};
    assert_int_equal(store_user_insert(f->st, &dup, "h", &id), STET_ECONFLICT);
    dup.username = arena_printf(f->a, "kATE_%u", g_tag);
    dup.email = suite_uniq(f->a, "dup@x.example");
    assert_int_equal(store_user_insert(f->st, &dup, "h", &id), STET_ECONFLICT);

    /* What SPEC 6 does not allow has no key and is not stored. */
    const char *const bad_names[] = {"ka", KELVIN "ate", "kate@x", "a b c", ""};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        dup.username = bad_names[i];
        dup.email = suite_uniq(f->a, "bad@x.example");
        assert_int_equal(store_user_insert(f->st, &dup, "h", &id), STET_EINVAL);
    }
    dup.username = suite_uniq(f->a, "bad");
    const char *const bad_emails[] = {"no-at-sign", "a b@c", "a@b@c", "@x", ""};
    for (size_t i = 0; i < sizeof(bad_emails) / sizeof(bad_emails[0]); i++) {
        dup.email = bad_emails[i];
        assert_int_equal(store_user_insert(f->st, &dup, "h", &id), STET_EINVAL);
    }
    dup.username = NULL;
    assert_int_equal(store_user_insert(f->st, &dup, "h", &id), STET_EINVAL);
    assert_int_equal(id, -5);

    /* Roles are set by the same key. */
    assert_int_equal(
        store_user_set_role(f->st, str_from(arena_printf(f->a, "KATE_%u", g_tag)), ROLE_MODERATOR),
        0);
    struct user u;
    assert_int_equal(store_user_find_id(f->a, f->st, kate, &u), 0);
    assert_int_equal(u.role, ROLE_MODERATOR);
    assert_int_equal(store_user_set_role(
                         f->st, str_from(arena_printf(f->a, KELVIN "ATE_%u", g_tag)), ROLE_ADMIN),
                     STET_ENOTFOUND);
    assert_int_equal(store_user_set_role(f->st, str_from(email), ROLE_ADMIN), STET_ENOTFOUND);
    assert_int_equal(store_user_find_id(f->a, f->st, kate, &u), 0);
    assert_int_equal(u.role, ROLE_MODERATOR);
#undef KELVIN
}

static const char *token_for(struct arena *a, unsigned n)
{
    /* 64 hex characters, distinct per run and per n. */
    return arena_printf(a, "%016x%016x%016x%016x", g_tag, n, 0xabcdefu, n * 7u + 1);
}

static void test_sessions(void **state)
{
    struct suite_fx *f = *state;
    const char *name = suite_uniq(f->a, "sess");
    int64_t uid = add_user(f, name, suite_uniq(f->a, "sess@x.example"));
    const char *tok = token_for(f->a, ++g_seq);
    assert_int_equal(strlen(tok), STORE_TOKEN_HASH_LEN);

    assert_int_equal(store_session_insert(f->st, tok, uid, 1000, 2000), 0);
    assert_int_equal(store_session_insert(f->st, tok, uid, 1000, 2000), STET_ECONFLICT);

    struct user u;
    assert_int_equal(store_session_find(f->a, f->st, tok, 1999, &u), 0);
    assert_int_equal(u.id, uid);
    assert_string_equal(u.username, name);
    /* Expiry is exclusive: at expires_at the session is gone. */
    assert_int_equal(store_session_find(f->a, f->st, tok, 2000, &u), STET_ENOTFOUND);
    assert_int_equal(store_session_find(f->a, f->st, tok, 5000, &u), STET_ENOTFOUND);
    assert_int_equal(store_session_find(f->a, f->st, token_for(f->a, ++g_seq), 1500, &u),
                     STET_ENOTFOUND);
    assert_int_equal(store_session_find(f->a, f->st, "short", 1500, &u), STET_ENOTFOUND);

    assert_int_equal(store_session_delete(f->st, tok), 0);
    assert_int_equal(store_session_find(f->a, f->st, tok, 1500, &u), STET_ENOTFOUND);
    assert_int_equal(store_session_delete(f->st, tok), STET_ENOTFOUND);

    /* Malformed hashes and unknown users change nothing. */
    assert_int_equal(store_session_insert(f->st, "abc", uid, 1, 2), STET_EINVAL);
    assert_int_equal(store_session_insert(f->st, token_for(f->a, ++g_seq), INT64_MAX - 3, 1, 2),
                     STET_EINVAL);
}

/* ---- comments ---- */

static void test_comment_insert_counts_and_held(void **state)
{
    struct suite_fx *f = *state;
    const char *slug = suite_uniq(f->a, "cm");
    int64_t sid = add_story(f, slug, 1700000000);
    int64_t alice = add_user(f, suite_uniq(f->a, "calice"), suite_uniq(f->a, "calice@x.example"));
    int64_t bob = add_user(f, suite_uniq(f->a, "cbob"), suite_uniq(f->a, "cbob@x.example"));

    int64_t v1 = add_comment(f, sid, alice, 0, 100, COMMENT_VISIBLE);
    assert_int_equal(count_of(f, slug), 1);
    int64_t h1 = add_comment(f, sid, bob, 0, 101, COMMENT_HELD);
    assert_int_equal(count_of(f, slug), 1);
    add_comment(f, sid, bob, 0, 102, COMMENT_REJECTED);
    add_comment(f, sid, alice, 0, 103, COMMENT_DELETED);
    int64_t v2 = add_comment(f, sid, bob, 0, 104, COMMENT_VISIBLE);
    assert_int_equal(count_of(f, slug), 2);
    struct story s;
    assert_int_equal(store_story_find(f->a, f->st, str_from(slug), &s), 0);
    assert_int_equal(s.n_comments, 2);

    struct store_page pg = {.limit = 50};
    struct comment_filter flt = {.story_id = sid};
    struct comment *rows;
    size_t n;
    /* Anonymous and alice see only visible; bob also sees his own held one. */
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, v1);
    assert_int_equal(rows[1].id, v2);
    flt.viewer_id = alice;
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), 0);
    assert_int_equal(n, 2);
    flt.viewer_id = bob;
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0].id, v1);
    assert_int_equal(rows[1].id, h1);
    assert_int_equal(rows[1].status, COMMENT_HELD);
    assert_int_equal(rows[2].id, v2);
    assert_int_equal(rows[2].status, COMMENT_VISIBLE);

    /* A failed insert changes nothing: unknown story, unknown parent, unknown author. */
    struct comment bad = {.story_id = INT64_MAX - 7,
                          .author_id = alice,
                          .body_src = "x",
                          .body_html = "x",
                          .created_at = 200,
                          .status = COMMENT_VISIBLE};
    int64_t id = -5;
    assert_int_equal(store_comment_insert(f->st, &bad, &id, NULL), STET_EINVAL);
    assert_int_equal(id, -5);
    bad.story_id = sid;
    bad.parent_id = INT64_MAX - 7;
    assert_int_equal(store_comment_insert(f->st, &bad, &id, NULL), STET_EINVAL);
    bad.parent_id = 0;
    bad.author_id = INT64_MAX - 7;
    assert_int_equal(store_comment_insert(f->st, &bad, &id, NULL), STET_EINVAL);
    assert_int_equal(id, -5);
    assert_int_equal(count_of(f, slug), 2);
    flt.viewer_id = 0;
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), 0);
    assert_int_equal(n, 2);
    /* The store is still usable after the rolled-back transactions. */
    add_comment(f, sid, alice, 0, 300, COMMENT_VISIBLE);
    assert_int_equal(count_of(f, slug), 3);
}

/* A reader's own held comments on one story, for the block only they see: none of
 * another author's, another story's, or their own visible, rejected or deleted
 * ones; in id order either way, paged by the id, and only with a viewer. */
static void test_comment_list_own_held(void **state)
{
    struct suite_fx *f = *state;
    int64_t sid = add_story(f, suite_uniq(f->a, "oh"), 1700000000);
    int64_t other = add_story(f, suite_uniq(f->a, "oh2"), 1700000000);
    int64_t ann = add_user(f, suite_uniq(f->a, "ohann"), suite_uniq(f->a, "ohann@x.example"));
    int64_t bob = add_user(f, suite_uniq(f->a, "ohbob"), suite_uniq(f->a, "ohbob@x.example"));
    add_comment(f, sid, ann, 0, 100, COMMENT_VISIBLE);
    int64_t h1 = add_comment(f, sid, ann, 0, 101, COMMENT_HELD);
    add_comment(f, sid, bob, 0, 102, COMMENT_HELD);
    add_comment(f, other, ann, 0, 103, COMMENT_HELD);
    add_comment(f, sid, ann, 0, 104, COMMENT_REJECTED);
    add_comment(f, sid, ann, 0, 105, COMMENT_DELETED);
    int64_t h2 = add_comment(f, sid, ann, 0, 106, COMMENT_HELD);

    struct comment_filter flt = {.story_id = sid, .viewer_id = ann, .own_held_only = true};
    struct store_page pg = {.limit = 50};
    struct comment *rows;
    size_t n;
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, h1);
    assert_int_equal(rows[1].id, h2);
    assert_int_equal(rows[1].status, COMMENT_HELD);
    assert_int_equal(rows[1].author_id, ann);
    pg.newest_first = true;
    pg.limit = 1;
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, h2);
    pg.has_cursor = true;
    pg.cursor_id = h2;
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, h1);
    flt.viewer_id = bob;
    pg = (struct store_page){.limit = 50};
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_not_equal(rows[0].id, h1);
    /* Whose held comments? Nobody's is a caller's mistake. */
    flt.viewer_id = 0;
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), STET_EINVAL);
}

static void test_comment_threads_and_find(void **state)
{
    struct suite_fx *f = *state;
    const char *slug = suite_uniq(f->a, "thread");
    int64_t sid = add_story(f, slug, 1700000000);
    const char *name = suite_uniq(f->a, "threader");
    int64_t uid = add_user(f, name, suite_uniq(f->a, "threader@x.example"));

    int64_t root = add_comment(f, sid, uid, 0, 100, COMMENT_VISIBLE);
    int64_t reply = add_comment(f, sid, uid, root, 101, COMMENT_VISIBLE);
    int64_t deeper = add_comment(f, sid, uid, reply, 102, COMMENT_VISIBLE);
    struct comment legacy = {.story_id = sid,
                             .parent_id = root,
                             .legacy_author = "Old Bob",
                             .body_src = "from before",
                             .body_html = "<p>from before</p>",
                             .created_at = 50,
                             .edited_at = 60,
                             .is_legacy = true,
                             .status = COMMENT_VISIBLE};
    int64_t leg_id;
    assert_int_equal(store_comment_insert(f->st, &legacy, &leg_id, NULL), 0);

    struct comment c;
    assert_int_equal(store_comment_find(f->a, f->st, deeper, &c), 0);
    assert_int_equal(c.id, deeper);
    assert_int_equal(c.story_id, sid);
    assert_string_equal(c.story_slug, slug);
    assert_int_equal(c.parent_id, reply);
    assert_int_equal(c.author_id, uid);
    assert_string_equal(c.author_username, name);
    assert_string_equal(c.author_display_name, "Display Name");
    assert_null(c.legacy_author);
    assert_string_equal(c.body_src, "hello");
    assert_string_equal(c.body_html, "<p>hello</p>");
    assert_int_equal(c.created_at, 102);
    assert_int_equal(c.edited_at, 0);
    assert_false(c.is_legacy);
    assert_int_equal(c.status, COMMENT_VISIBLE);
    assert_int_equal(c.author_role, ROLE_READER);

    /* The author's role as it is now, for the staff badge. */
    assert_int_equal(store_user_set_role(f->st, str_from(name), ROLE_MODERATOR), 0);
    assert_int_equal(store_comment_find(f->a, f->st, root, &c), 0);
    assert_int_equal(c.parent_id, 0);
    assert_int_equal(c.author_role, ROLE_MODERATOR);

    assert_int_equal(store_comment_find(f->a, f->st, leg_id, &c), 0);
    assert_int_equal(c.author_id, 0);
    assert_null(c.author_username);
    assert_null(c.author_display_name);
    assert_string_equal(c.legacy_author, "Old Bob");
    assert_true(c.is_legacy);
    assert_int_equal(c.author_role, ROLE_READER);
    assert_int_equal(c.edited_at, 60);
    assert_int_equal(c.parent_id, root);

    assert_int_equal(store_comment_find(f->a, f->st, INT64_MAX - 1, &c), STET_ENOTFOUND);
    assert_int_equal(store_comment_find(f->a, f->st, 0, &c), STET_ENOTFOUND);
    assert_int_equal(store_comment_find(f->a, f->st, -3, &c), STET_ENOTFOUND);

    struct store_page pg = {.limit = 10};
    struct comment_filter flt = {.story_id = sid};
    struct comment *rows;
    size_t n;
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &pg, &rows, &n), 0);
    assert_int_equal(n, 4);
    /* Commit (id) order: the legacy row came last, whatever its created_at (50). */
    assert_int_equal(rows[0].id, root);
    assert_int_equal(rows[1].id, reply);
    assert_int_equal(rows[2].id, deeper);
    assert_int_equal(rows[3].id, leg_id);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(rows[i].story_slug, slug);
    assert_null(rows[3].author_username);
    assert_string_equal(rows[0].author_username, name);
}

/* Pages a story's comments with `limit` and checks the concatenation equals
 * `want` (ids in the expected order). */
static void page_all(struct suite_fx *f, const struct comment_filter *flt, bool newest_first,
                     int limit, const int64_t *want, size_t n_want)
{
    struct store_page pg = {.limit = limit, .newest_first = newest_first};
    size_t got = 0;
    for (int guard = 0; guard < 1000; guard++) {
        struct comment *rows;
        size_t n;
        assert_int_equal(store_comment_list(f->a, f->st, flt, &pg, &rows, &n), 0);
        assert_true(n <= (size_t)limit);
        for (size_t i = 0; i < n; i++) {
            assert_true(got < n_want);
            assert_int_equal(rows[i].id, want[got]);
            got++;
        }
        if (n < (size_t)limit)
            break;
        pg.has_cursor = true;
        /* The keyset is the id; a time here must change nothing. */
        pg.cursor_time = newest_first ? INT64_MIN : INT64_MAX;
        pg.cursor_id = rows[n - 1].id;
    }
    assert_int_equal(got, n_want);
}

static void test_comment_list_paging(void **state)
{
    struct suite_fx *f = *state;
    int64_t sid = add_story(f, suite_uniq(f->a, "paging"), 1700000000);
    int64_t other_sid = add_story(f, suite_uniq(f->a, "paging-other"), 1700000000);
    int64_t u1 = add_user(f, suite_uniq(f->a, "pager1"), suite_uniq(f->a, "pager1@x.example"));
    int64_t u2 = add_user(f, suite_uniq(f->a, "pager2"), suite_uniq(f->a, "pager2@x.example"));

    /* Inserted out of time order, with ties, and a held comment by u2 in between: as
     * a group commit can give ids against the order of the requests' clocks. */
    const int64_t times[] = {30, 10, 20, 10, 30, 10, 40, 20, 5, 30};
    const enum comment_status st[] = {
        COMMENT_VISIBLE, COMMENT_VISIBLE, COMMENT_HELD,    COMMENT_VISIBLE, COMMENT_VISIBLE,
        COMMENT_VISIBLE, COMMENT_VISIBLE, COMMENT_VISIBLE, COMMENT_HELD,    COMMENT_VISIBLE};
    enum { N = sizeof(times) / sizeof(times[0]) };
    int64_t ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = add_comment(f, sid, i % 2 ? u1 : u2, 0, times[i], st[i]);
    add_comment(f, other_sid, u2, 0, 15, COMMENT_VISIBLE);
    add_comment(f, other_sid, u2, 0, 15, COMMENT_HELD);

    /* Expected: commit order, which is id order (ids rise with insertion order),
     * whatever created_at says. */
    const int64_t vis_asc[] = {ids[0], ids[1], ids[3], ids[4], ids[5], ids[6], ids[7], ids[9]};
    const int64_t u2_asc[] = {ids[0], ids[1], ids[2], ids[3], ids[4],
                              ids[5], ids[6], ids[7], ids[8], ids[9]};
    int64_t vis_desc[8], u2_desc[10];
    for (int i = 0; i < 8; i++)
        vis_desc[i] = vis_asc[7 - i];
    for (int i = 0; i < 10; i++)
        u2_desc[i] = u2_asc[9 - i];

    struct comment_filter anon = {.story_id = sid};
    struct comment_filter as_u1 = {.story_id = sid, .viewer_id = u1};
    struct comment_filter as_u2 = {.story_id = sid, .viewer_id = u2};
    for (int limit = 1; limit <= 11; limit += 2) {
        page_all(f, &anon, false, limit, vis_asc, 8);
        page_all(f, &anon, true, limit, vis_desc, 8);
        page_all(f, &as_u1, false, limit, vis_asc, 8);
        page_all(f, &as_u2, false, limit, u2_asc, 10);
        page_all(f, &as_u2, true, limit, u2_desc, 10);
    }

    struct comment_filter none = {.story_id = INT64_MAX - 2};
    struct store_page pg = {.limit = 5};
    struct comment *rows;
    size_t n = 9;
    assert_int_equal(store_comment_list(f->a, f->st, &none, &pg, &rows, &n), 0);
    assert_int_equal(n, 0);
    pg.limit = -1;
    assert_int_equal(store_comment_list(f->a, f->st, &anon, &pg, &rows, &n), STET_EINVAL);
}

/* ---- live-event numbers ---- */

static void test_event_numbers(void **state)
{
    struct suite_fx *f = *state;
    /* A publication time no other case uses, so a cursor can pick story a alone. */
    const int64_t t_a = 3000000000 + (int64_t)(g_tag % 100000) * 10;
    const char *sa = suite_uniq(f->a, "ev-a");
    const char *sb = suite_uniq(f->a, "ev-b");
    int64_t a = add_story(f, sa, t_a);
    int64_t b = add_story(f, sb, t_a + 1);
    int64_t u = add_user(f, suite_uniq(f->a, "evu"), suite_uniq(f->a, "evu@x.example"));
    int64_t seq = -1;

    struct story s;
    assert_int_equal(store_story_find(f->a, f->st, str_from(sa), &s), 0);
    assert_int_equal(s.event_seq, 0);

    int64_t a1 = add_comment_seq(f, a, u, 0, 10, COMMENT_VISIBLE, &seq);
    assert_int_equal(seq, 1);
    add_comment_seq(f, b, u, 0, 10, COMMENT_VISIBLE, &seq);
    assert_int_equal(seq, 1);
    int64_t held = add_comment_seq(f, a, u, 0, 11, COMMENT_HELD, &seq);
    assert_int_equal(seq, 0);
    int64_t a2 = add_comment_seq(f, a, u, a1, 5, COMMENT_VISIBLE, &seq);
    assert_int_equal(seq, 2);
    add_comment_seq(f, b, u, 0, 12, COMMENT_VISIBLE, &seq);
    assert_int_equal(seq, 2);
    add_comment_seq(f, a, u, 0, 13, COMMENT_REJECTED, &seq);
    assert_int_equal(seq, 0);
    int64_t a3 = add_comment_seq(f, a, u, 0, 14, COMMENT_VISIBLE, &seq);
    assert_int_equal(seq, 3);

    /* A failed insert rolls back its number with it. */
    struct comment bad = {.story_id = a,
                          .parent_id = INT64_MAX - 9,
                          .author_id = u,
                          .body_src = "x",
                          .body_html = "x",
                          .created_at = 15,
                          .status = COMMENT_VISIBLE};
    int64_t id = -5;
    seq = -5;
    assert_int_equal(store_comment_insert(f->st, &bad, &id, &seq), STET_EINVAL);
    assert_int_equal(seq, -5);
    int64_t a4 = add_comment_seq(f, a, u, 0, 16, COMMENT_VISIBLE, &seq);
    assert_int_equal(seq, 4);
    /* The out-parameters may be NULL. */
    bad.parent_id = 0;
    assert_int_equal(store_comment_insert(f->st, &bad, NULL, NULL), 0);

    assert_int_equal(store_story_find(f->a, f->st, str_from(sa), &s), 0);
    assert_int_equal(s.event_seq, 5);
    assert_int_equal(s.n_comments, 5);
    assert_int_equal(store_story_find(f->a, f->st, str_from(sb), &s), 0);
    assert_int_equal(s.event_seq, 2);
    assert_int_equal(s.n_comments, 2);

    /* story_list fills it too: the cursor just above story a returns it first. */
    struct store_page pg = {.limit = 1, .has_cursor = true, .cursor_time = t_a, .cursor_id = a + 1};
    struct story *rows;
    size_t n;
    assert_int_equal(store_story_list(f->a, f->st, &pg, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, a);
    assert_int_equal(rows[0].event_seq, 5);

    struct comment c;
    const int64_t ids[] = {a1, a2, a3, a4};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(store_comment_find(f->a, f->st, ids[i], &c), 0);
        assert_int_equal(c.event_seq, i + 1);
    }
    assert_int_equal(store_comment_find(f->a, f->st, held, &c), 0);
    assert_int_equal(c.event_seq, 0);

    /* comment_list reports the numbers, and lists in the order they were given
     * (commit order), although a2's created_at (5) is older than a1's (10): a page
     * and a live stream show the same order. */
    struct comment_filter flt = {.story_id = a, .viewer_id = u};
    struct store_page cp = {.limit = 20};
    struct comment *cs;
    assert_int_equal(store_comment_list(f->a, f->st, &flt, &cp, &cs, &n), 0);
    assert_int_equal(n, 6);
    assert_int_equal(cs[0].id, a1);
    assert_int_equal(cs[0].event_seq, 1);
    assert_int_equal(cs[1].id, held);
    assert_int_equal(cs[1].event_seq, 0);
    assert_int_equal(cs[2].id, a2);
    assert_int_equal(cs[2].event_seq, 2);
    int64_t last_seq = 0;
    for (size_t i = 0; i < n; i++) {
        if (cs[i].event_seq == 0)
            continue;
        assert_true(cs[i].event_seq > last_seq);
        last_seq = cs[i].event_seq;
    }
    assert_int_equal(last_seq, 5);
}

static void test_comment_events(void **state)
{
    struct suite_fx *f = *state;
    const char *slug = suite_uniq(f->a, "events");
    int64_t sid = add_story(f, slug, 1700000000);
    int64_t other = add_story(f, suite_uniq(f->a, "events-other"), 1700000000);
    const char *name = suite_uniq(f->a, "eventer");
    int64_t u = add_user(f, name, suite_uniq(f->a, "eventer@x.example"));
    enum { N = 7 };
    int64_t ids[N];
    /* Times run backwards: event order is commit order, not created_at. */
    for (int i = 0; i < N; i++) {
        int64_t seq;
        ids[i] = add_comment_seq(f, sid, u, 0, 100 - i, COMMENT_VISIBLE, &seq);
        assert_int_equal(seq, i + 1);
        add_comment(f, sid, u, 0, 100, COMMENT_HELD);
        add_comment(f, other, u, 0, 100, COMMENT_VISIBLE);
    }

    int64_t after = 0;
    int got = 0;
    for (int page = 0; page < 10; page++) {
        struct comment *rows;
        size_t n;
        assert_int_equal(store_comment_events(f->a, f->st, sid, after, 3, &rows, &n), 0);
        assert_true(n <= 3);
        for (size_t i = 0; i < n; i++) {
            assert_true(got < N);
            assert_int_equal(rows[i].id, ids[got]);
            assert_int_equal(rows[i].event_seq, got + 1);
            assert_int_equal(rows[i].story_id, sid);
            assert_string_equal(rows[i].story_slug, slug);
            assert_string_equal(rows[i].author_username, name);
            assert_string_equal(rows[i].body_html, "<p>hello</p>");
            assert_int_equal(rows[i].status, COMMENT_VISIBLE);
            got++;
        }
        if (n == 0)
            break;
        after = rows[n - 1].event_seq;
    }
    assert_int_equal(got, N);

    struct comment *rows;
    size_t n = 99;
    assert_int_equal(store_comment_events(f->a, f->st, sid, -5, 2, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].event_seq, 1);
    assert_int_equal(store_comment_events(f->a, f->st, sid, N, 10, &rows, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_comment_events(f->a, f->st, sid, 0, 0, &rows, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_comment_events(f->a, f->st, INT64_MAX - 4, 0, 10, &rows, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_comment_events(f->a, f->st, sid, 0, -1, &rows, &n), STET_EINVAL);
}

/* ---- change listener ---- */

struct heard {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n_ready; /* fn(ctx, 0, 0) calls */
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

/* Waits up to `secs` for `*what` to reach `want`. */
static bool wait_heard(struct heard *h, const int64_t *what, int64_t want, int secs)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += secs;
    pthread_mutex_lock(&h->mu);
    while (*what != want) {
        if (pthread_cond_timedwait(&h->cv, &h->mu, &until) != 0)
            break;
    }
    bool ok = *what == want;
    pthread_mutex_unlock(&h->mu);
    return ok;
}

static void test_listener(void **state)
{
    struct suite_fx *f = *state;
    struct store_listener *l = (struct store_listener *)&l;
    struct heard h = {.n_ready = 0};
    pthread_mutex_init(&h.mu, NULL);
    pthread_cond_init(&h.cv, NULL);
    assert_int_equal(store_listener_start("mysql://x", on_event, &h, &l), STET_EINVAL);
    assert_null(l);
    store_listener_stop(NULL);

    assert_int_equal(store_listener_start(g_url, on_event, &h, &l), 0);
    if (strncmp(g_url, "sqlite:", 7) == 0) {
        assert_null(l); /* one process: nothing to listen to */
    } else {
        assert_non_null(l);
        /* The first fn(ctx, 0, 0) says LISTEN is in place. */
        pthread_mutex_lock(&h.mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        while (h.n_ready == 0 && pthread_cond_timedwait(&h.cv, &h.mu, &until) == 0) {
        }
        assert_int_equal(h.n_ready, 1);
        pthread_mutex_unlock(&h.mu);
        int64_t sid = add_story(f, suite_uniq(f->a, "heard"), 1700000000);
        int64_t u = add_user(f, suite_uniq(f->a, "hearer"), suite_uniq(f->a, "hearer@x.example"));
        add_comment(f, sid, u, 0, 1, COMMENT_HELD); /* no event */
        add_comment(f, sid, u, 0, 2, COMMENT_VISIBLE);
        add_comment(f, sid, u, 0, 3, COMMENT_VISIBLE);
        assert_true(wait_heard(&h, &h.seq, 2, 10));
        assert_int_equal(h.story_id, sid);
    }
    store_listener_stop(l);
    pthread_cond_destroy(&h.cv);
    pthread_mutex_destroy(&h.mu);
}

/* ---- hostile input ---- */

static void test_hostile_strings(void **state)
{
    struct suite_fx *f = *state;
    const char *evil = "'; DROP TABLE users; --";
    const char *quotes = "it's \"quoted\" \\ back\\slash %s %n ?1 $1 :x @y";
    const char *slug = arena_printf(f->a, "%s-%u", evil, g_tag);
    struct story s = {.slug = slug,
                      .title = quotes,
                      .byline = "O'Brien",
                      .body_src = "Ünïcödé ✓ 日本語",
                      .body_html = "<script>alert('x')</script>",
                      .published_at = 1,
                      .created_at = 1};
    int64_t sid;
    assert_int_equal(store_story_insert(f->st, &s, &sid), 0);
    struct story got;
    assert_int_equal(store_story_find(f->a, f->st, str_from(slug), &got), 0);
    assert_string_equal(got.slug, slug);
    assert_string_equal(got.title, quotes);
    assert_string_equal(got.byline, "O'Brien");
    assert_string_equal(got.body_src, "Ünïcödé ✓ 日本語");
    assert_string_equal(got.body_html, "<script>alert('x')</script>");
    assert_int_equal(store_story_find(f->a, f->st, str_from("' OR '1'='1"), &got), STET_ENOTFOUND);

    /* A username cannot hold such text (SPEC 6) and the store refuses it; the free
     * text of an account (display name) and an address with a quote can. */
    struct user bad = {.username = arena_printf(f->a, "%s%u", evil, g_tag),
                       .display_name = "x",
                       .email = suite_uniq(f->a, "evil@y.example")};
    int64_t bad_id;
    assert_int_equal(store_user_insert(f->st, &bad, "h", &bad_id), STET_EINVAL);
    const char *uname = suite_uniq(f->a, "quoted");
    const char *uemail = arena_printf(f->a, "o'brien';--%u@y.example", g_tag);
    struct user hostile = {.username = uname, .display_name = evil, .email = uemail};
    int64_t uid;
    assert_int_equal(store_user_insert(f->st, &hostile, "h", &uid), 0);
    struct user u;
    assert_int_equal(store_user_find_login(f->a, f->st, str_from(uemail), &u, NULL), 0);
    assert_int_equal(u.id, uid);
    assert_string_equal(u.username, uname);
    assert_string_equal(u.display_name, evil);
    assert_string_equal(u.email, uemail);
    assert_int_equal(store_user_find_login(f->a, f->st, STR_LIT("' OR 1=1 --"), &u, NULL),
                     STET_ENOTFOUND);
    assert_int_equal(store_user_find_login(f->a, f->st, STR_LIT("' OR 1=1 --@x"), &u, NULL),
                     STET_ENOTFOUND);

    struct comment c = {.story_id = sid,
                        .author_id = uid,
                        .legacy_author = evil,
                        .body_src = evil,
                        .body_html = quotes,
                        .created_at = 1,
                        .status = COMMENT_VISIBLE};
    int64_t cid;
    assert_int_equal(store_comment_insert(f->st, &c, &cid, NULL), 0);
    struct comment gc;
    assert_int_equal(store_comment_find(f->a, f->st, cid, &gc), 0);
    assert_string_equal(gc.body_src, evil);
    assert_string_equal(gc.body_html, quotes);
    assert_string_equal(gc.legacy_author, evil);
    assert_string_equal(gc.story_slug, slug);

    /* Keys no backend can store (a NUL byte, bytes that are not UTF-8) match nothing. */
    assert_int_equal(store_story_find(f->a, f->st, (struct str){"a\0b", 3}, &got), STET_ENOTFOUND);
    assert_int_equal(store_user_find_login(f->a, f->st, (struct str){"\xff\xfe", 2}, &u, NULL),
                     STET_ENOTFOUND);
    struct str bad_slugs[] = {{"\xc3\x28", 2}, {"x\0", 2}};
    int64_t bad_counts[2] = {0, 0};
    assert_int_equal(store_story_counts(f->st, bad_slugs, 2, bad_counts), 0);
    assert_int_equal(bad_counts[0], -1);
    assert_int_equal(bad_counts[1], -1);

    /* The users table survived: a fresh insert and lookup still work. */
    add_user(f, suite_uniq(f->a, "survivor"), suite_uniq(f->a, "survivor@x.example"));
}

/* ---- pool ---- */

enum { POOL_SIZE = 2, POOL_THREADS = 4, POOL_ROUNDS = 50 };

struct pool_shared {
    struct store_pool *pool;
    pthread_mutex_t mu;
    struct store *held[POOL_THREADS];
    int n_held;
    int max_held;
    int errors;
};

static void *pool_worker(void *arg)
{
    struct pool_shared *sh = arg;
    struct arena *a = arena_new(4096);
    for (int i = 0; i < POOL_ROUNDS; i++) {
        struct store *st = store_pool_acquire(sh->pool);
        pthread_mutex_lock(&sh->mu);
        /* Nobody else may hold the same connection. */
        for (int k = 0; k < sh->n_held; k++) {
            if (sh->held[k] == st)
                sh->errors++;
        }
        sh->held[sh->n_held++] = st;
        if (sh->n_held > sh->max_held)
            sh->max_held = sh->n_held;
        pthread_mutex_unlock(&sh->mu);

        /* Each sqlite::memory: connection is its own database, so migrate it here. */
        struct user u;
        if (store_migrate(st, NULL) != 0 ||
            store_user_find_id(a, st, INT64_MAX - 11, &u) != STET_ENOTFOUND)
            sh->errors++;
        sched_yield();

        pthread_mutex_lock(&sh->mu);
        for (int k = 0; k < sh->n_held; k++) {
            if (sh->held[k] == st) {
                sh->held[k] = sh->held[--sh->n_held];
                break;
            }
        }
        pthread_mutex_unlock(&sh->mu);
        store_pool_release(sh->pool, st);
    }
    arena_free(a);
    return NULL;
}

static void test_pool_threads(void **state)
{
    (void)state;
    struct pool_shared sh = {.n_held = 0};
    pthread_t th[POOL_THREADS];
    assert_int_equal(store_pool_new(g_url, 1, POOL_SIZE, &sh.pool), 0);
    pthread_mutex_init(&sh.mu, NULL);
    for (int i = 0; i < POOL_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, pool_worker, &sh), 0);
    for (int i = 0; i < POOL_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_mutex_destroy(&sh.mu);
    assert_int_equal(sh.errors, 0);
    assert_true(sh.max_held >= 1 && sh.max_held <= POOL_SIZE);
    assert_int_equal(sh.n_held, 0);
    store_pool_free(sh.pool);
    store_pool_free(NULL);

    struct store_pool *p = (struct store_pool *)&p;
    assert_int_equal(store_pool_new(g_url, 0, 1, &p), STET_EINVAL);
    assert_null(p);
    assert_int_equal(store_pool_new(g_url, 1, 0, &p), STET_EINVAL);
    assert_null(p);
    assert_int_equal(store_pool_new("nope://x", 2, 2, &p), STET_EINVAL);
    assert_null(p);
}

/* ---- rate limits, site keys, housekeeping ---- */

/* A bucket name of this run (64 lowercase hex digits). */
static const char *bucket_for(struct arena *a)
{
    unsigned n = ++g_seq;
    return arena_printf(a, "%016x%016x%016x%016x", g_tag, n, 0xb0c4e7u, n * 3u);
}

/* store_rate_take on the one bucket `key`. */
static int take1(struct store *st, const char *key, int64_t now_ms, int64_t interval_ms,
                 int capacity, int64_t *wait_ms)
{
    const struct store_rate_bucket b = {key, interval_ms, capacity};
    return store_rate_take(st, &b, 1, now_ms, wait_ms);
}

/* One hit; returns the wait (0: allowed). */
static int64_t take(struct suite_fx *f, const char *key, int64_t now_ms, int64_t interval_ms,
                    int capacity)
{
    int64_t wait = -1;
    assert_int_equal(take1(f->st, key, now_ms, interval_ms, capacity, &wait), 0);
    assert_true(wait >= 0);
    return wait;
}

/* A full bucket lets `capacity` hits through at once, then says exactly when the
 * next token comes; tokens come back one per interval, never beyond capacity. */
static void test_rate_take_refill(void **state)
{
    struct suite_fx *f = *state;
    const int64_t t = INT64_C(1700000000000);
    const char *k = bucket_for(f->a), *other = bucket_for(f->a);
    for (int i = 0; i < 3; i++)
        assert_int_equal(take(f, k, t, 1000, 3), 0);
    assert_int_equal(take(f, k, t, 1000, 3), 1000);
    assert_int_equal(take(f, k, t + 1, 1000, 3), 999);
    assert_int_equal(take(f, k, t + 999, 1000, 3), 1);
    /* Refused hits took nothing: the token is there at exactly t + 1000. */
    assert_int_equal(take(f, k, t + 1000, 1000, 3), 0);
    assert_int_equal(take(f, k, t + 1000, 1000, 3), 1000);
    /* Part of a refill: 2.5 intervals give two tokens, the third is 500 ms off. */
    assert_int_equal(take(f, k, t + 3500, 1000, 3), 0);
    assert_int_equal(take(f, k, t + 3500, 1000, 3), 0);
    assert_int_equal(take(f, k, t + 3500, 1000, 3), 500);
    /* A long pause fills the bucket, but only to its capacity. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(take(f, k, t + 1000000, 1000, 3), 0);
    assert_int_equal(take(f, k, t + 1000000, 1000, 3), 1000);
    /* Another bucket is full all along; a clock going back finds none. */
    assert_int_equal(take(f, other, t, 1000, 3), 0);
    assert_int_equal(take(f, k, t, 1000, 3), 1001000);
    /* Capacity 1 and intervals of a year are just numbers. */
    const char *slow = bucket_for(f->a);
    assert_int_equal(take(f, slow, 0, STORE_RATE_INTERVAL_MAX, 1), 0);
    assert_int_equal(take(f, slow, 5, STORE_RATE_INTERVAL_MAX, 1), STORE_RATE_INTERVAL_MAX - 5);
    const char *wide = bucket_for(f->a);
    assert_int_equal(
        take(f, wide, STORE_RATE_NOW_MAX_MS, STORE_RATE_INTERVAL_MAX, STORE_RATE_CAPACITY_MAX), 0);
}

static void test_rate_take_refuses_bad_arguments(void **state)
{
    struct suite_fx *f = *state;
    const char *k = bucket_for(f->a);
    char upper[STORE_RATE_KEY_LEN + 1];
    memcpy(upper, k, sizeof(upper));
    upper[0] = 'A';
    const struct {
        const char *key;
        int64_t now, interval;
        int capacity;
    } bad[] = {
        {NULL, 1, 1, 1},
        {"abc", 1, 1, 1},
        {upper, 1, 1, 1},
        {arena_printf(f->a, "%s0", k), 1, 1, 1},
        {"'); DELETE FROM rate_buckets; --", 1, 1, 1},
        {k, -1, 1, 1},
        {k, STORE_RATE_NOW_MAX_MS + 1, 1, 1},
        {k, 1, 0, 1},
        {k, 1, STORE_RATE_INTERVAL_MAX + 1, 1},
        {k, 1, 1, 0},
        {k, 1, 1, STORE_RATE_CAPACITY_MAX + 1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t wait = 77;
        assert_int_equal(
            take1(f->st, bad[i].key, bad[i].now, bad[i].interval, bad[i].capacity, &wait),
            STET_EINVAL);
        assert_int_equal(wait, 77);
    }
    /* Not 1..STORE_RATE_TAKE_MAX buckets, or one bad bucket among good ones. */
    struct store_rate_bucket many[STORE_RATE_TAKE_MAX + 1];
    for (size_t i = 0; i < STORE_RATE_TAKE_MAX + 1; i++)
        many[i] = (struct store_rate_bucket){bucket_for(f->a), 1000, 1};
    int64_t wait = 77;
    assert_int_equal(store_rate_take(f->st, many, 0, 1, &wait), STET_EINVAL);
    assert_int_equal(store_rate_take(f->st, NULL, 1, 1, &wait), STET_EINVAL);
    assert_int_equal(store_rate_take(f->st, many, STORE_RATE_TAKE_MAX + 1, 1, &wait), STET_EINVAL);
    many[1].capacity = 0;
    assert_int_equal(store_rate_take(f->st, many, 2, 1, &wait), STET_EINVAL);
    assert_int_equal(wait, 77);
    /* Nothing was taken by the refusals. */
    assert_int_equal(take(f, k, INT64_C(1700000000000), 1, 1), 0);
    assert_int_equal(take(f, many[0].key, INT64_C(1700000000000), 1, 1), 0);
}

/* Several buckets at once: a token from each, or from none; the wait is until
 * every one has a token. */
static void test_rate_take_all_or_none(void **state)
{
    struct suite_fx *f = *state;
    const int64_t t = INT64_C(1700000000000);
    struct store_rate_bucket b[3] = {
        {bucket_for(f->a), 60000, 2},
        {bucket_for(f->a), 5000, 1},
        {bucket_for(f->a), 3000, 1},
    };
    int64_t wait = -1;
    assert_int_equal(store_rate_take(f->st, b, 3, t, &wait), 0);
    assert_int_equal(wait, 0);
    /* b[1] and b[2] are empty: refused with the longer wait, and b[0] keeps its
     * second token however often that happens. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(store_rate_take(f->st, b, 3, t + 1000 * i, &wait), 0);
        assert_int_equal(wait, 5000 - 1000 * i);
    }
    assert_int_equal(take(f, b[2].key, t + 3000, 3000, 1), 0);
    assert_int_equal(store_rate_take(f->st, b, 2, t + 4000, &wait), 0);
    assert_int_equal(wait, 1000);
    assert_int_equal(store_rate_take(f->st, b, 2, t + 5000, &wait), 0);
    assert_int_equal(wait, 0);
    /* Both of b[0]'s tokens went to the two hits that got through. */
    assert_int_equal(take(f, b[0].key, t + 5000, 60000, 2), 55000);
}

enum { RATE_THREADS = 4, RATE_HITS = 60, RATE_CAPACITY = 37 };

struct rate_shared {
    const char *url;
    const char *key;
    int64_t now_ms;
    int64_t wait[RATE_THREADS][RATE_HITS];
    int errors[RATE_THREADS];
};

struct rate_arg {
    struct rate_shared *sh;
    int idx;
};

static void *rate_worker(void *arg)
{
    struct rate_arg *ra = arg;
    struct rate_shared *sh = ra->sh;
    struct store *st;
    if (store_open(sh->url, &st) != 0) {
        sh->errors[ra->idx]++;
        return NULL;
    }
    for (int i = 0; i < RATE_HITS; i++) {
        if (take1(st, sh->key, sh->now_ms, 60000, RATE_CAPACITY, &sh->wait[ra->idx][i]) != 0)
            sh->errors[ra->idx]++;
        if (i % 8 == 0)
            sched_yield();
    }
    store_close(st);
    return NULL;
}

/* A database file for cases that need several connections to one SQLite
 * database (each sqlite::memory: connection is its own); else g_url. */
struct shared_db {
    char dir[64];
    char url[256];
    bool file;
};

static const char *shared_db_open(struct shared_db *db)
{
    db->file = strncmp(g_url, "sqlite:", 7) == 0;
    if (!db->file)
        return g_url;
    snprintf(db->dir, sizeof(db->dir), "/tmp/stet-rate-XXXXXX");
    assert_non_null(mkdtemp(db->dir));
    snprintf(db->url, sizeof(db->url), "sqlite:%s/rate.db", db->dir);
    return db->url;
}

static void shared_db_remove(struct shared_db *db)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    if (!db->file)
        return;
    for (size_t i = 0; i < 3; i++) {
        char p[300];
        snprintf(p, sizeof(p), "%s/rate.db%s", db->dir, suffix[i]);
        unlink(p);
    }
    assert_int_equal(rmdir(db->dir), 0);
}

/* Hits on one bucket from several connections at the same moment: exactly
 * `capacity` get through, and every refused one is told the same exact wait. */
static void test_rate_take_threads(void **state)
{
    (void)state;
    static struct rate_shared sh;
    struct shared_db db;
    struct arena *a = arena_new(1024);
    memset(&sh, 0, sizeof(sh));
    sh.url = shared_db_open(&db);
    struct store *st;
    assert_int_equal(store_open(sh.url, &st), 0);
    assert_int_equal(store_migrate(st, NULL), 0);
    sh.key = bucket_for(a);
    sh.now_ms = INT64_C(1700000000000);

    pthread_t th[RATE_THREADS];
    struct rate_arg args[RATE_THREADS];
    for (int i = 0; i < RATE_THREADS; i++) {
        args[i] = (struct rate_arg){&sh, i};
        assert_int_equal(pthread_create(&th[i], NULL, rate_worker, &args[i]), 0);
    }
    for (int i = 0; i < RATE_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    int allowed = 0;
    for (int i = 0; i < RATE_THREADS; i++) {
        assert_int_equal(sh.errors[i], 0);
        for (int k = 0; k < RATE_HITS; k++) {
            if (sh.wait[i][k] == 0)
                allowed++;
            else
                assert_int_equal(sh.wait[i][k], 60000);
        }
    }
    assert_int_equal(allowed, RATE_CAPACITY);
    int64_t wait = -1;
    assert_int_equal(take1(st, sh.key, sh.now_ms + 60000, 60000, RATE_CAPACITY, &wait), 0);
    assert_int_equal(wait, 0);
    store_close(st);
    arena_free(a);
    shared_db_remove(&db);
}

struct key_shared {
    const char *url;
    const char *name;
    char got[RATE_THREADS][STORE_SITE_KEY_LEN + 1];
    int errors[RATE_THREADS];
};

struct key_arg {
    struct key_shared *sh;
    int idx;
};

static void *key_worker(void *arg)
{
    struct key_arg *ka = arg;
    struct store *st;
    char candidate[STORE_SITE_KEY_LEN + 1];
    snprintf(candidate, sizeof(candidate), "%064x", (unsigned)ka->idx + 1);
    if (store_open(ka->sh->url, &st) != 0) {
        ka->sh->errors[ka->idx]++;
        return NULL;
    }
    if (store_site_key(st, ka->sh->name, candidate, ka->sh->got[ka->idx]) != 0)
        ka->sh->errors[ka->idx]++;
    store_close(st);
    return NULL;
}

/* The first key stored under a name stays: later candidates, and candidates sent
 * by several connections at once, all get that one. */
static void test_site_key(void **state)
{
    struct suite_fx *f = *state;
    const char *name = suite_uniq(f->a, "key");
    const char *c1 = bucket_for(f->a), *c2 = bucket_for(f->a);
    char out[STORE_SITE_KEY_LEN + 1] = "";
    assert_int_equal(store_site_key(f->st, name, c1, out), 0);
    assert_string_equal(out, c1);
    assert_int_equal(store_site_key(f->st, name, c2, out), 0);
    assert_string_equal(out, c1);
    assert_int_equal(store_site_key(f->st, suite_uniq(f->a, "key"), c2, out), 0);
    assert_string_equal(out, c2);

    char big[STORE_SITE_KEY_NAME_MAX + 2];
    memset(big, 'n', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(store_site_key(f->st, big, c1, out), STET_EINVAL);
    assert_int_equal(store_site_key(f->st, "", c1, out), STET_EINVAL);
    assert_int_equal(store_site_key(f->st, NULL, c1, out), STET_EINVAL);
    assert_int_equal(store_site_key(f->st, name, "abc", out), STET_EINVAL);
    assert_int_equal(store_site_key(f->st, name, NULL, out), STET_EINVAL);

    static struct key_shared sh;
    struct shared_db db;
    memset(&sh, 0, sizeof(sh));
    sh.url = shared_db_open(&db);
    sh.name = suite_uniq(f->a, "raced");
    struct store *st;
    assert_int_equal(store_open(sh.url, &st), 0);
    assert_int_equal(store_migrate(st, NULL), 0);
    pthread_t th[RATE_THREADS];
    struct key_arg args[RATE_THREADS];
    for (int i = 0; i < RATE_THREADS; i++) {
        args[i] = (struct key_arg){&sh, i};
        assert_int_equal(pthread_create(&th[i], NULL, key_worker, &args[i]), 0);
    }
    for (int i = 0; i < RATE_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < RATE_THREADS; i++) {
        assert_int_equal(sh.errors[i], 0);
        assert_string_equal(sh.got[i], sh.got[0]);
    }
    store_close(st);
    shared_db_remove(&db);
}

static void add_session(struct suite_fx *f, const char *tok, int64_t uid, int64_t expires_at)
{
    assert_int_equal(store_session_insert(f->st, tok, uid, 1, expires_at), 0);
}

static bool session_exists(struct suite_fx *f, const char *tok)
{
    struct user u;
    int rc = store_session_find(f->a, f->st, tok, 0, &u); /* as of a time before any expiry */
    assert_true(rc == 0 || rc == STET_ENOTFOUND);
    return rc == 0;
}

/* Housekeeping removes expired sessions and buckets that are full again, at most
 * `limit` of each per call, and nothing else. The times here (seconds after 1970)
 * are older than those of any other case, so the counts are this case's alone; a
 * deleted row is seen by asking as of an earlier time. */
static void test_prune(void **state)
{
    struct suite_fx *f = *state;
    int64_t uid = add_user(f, suite_uniq(f->a, "prune"), suite_uniq(f->a, "prune@x.example"));
    const char *gone[3], *kept = token_for(f->a, ++g_seq);
    for (int i = 0; i < 3; i++) {
        gone[i] = token_for(f->a, ++g_seq);
        add_session(f, gone[i], uid, 10 + i); /* expired at 10, 11, 12 */
    }
    add_session(f, kept, uid, 21);
    /* Full again at 15 s (capacity 2, one back per 2.5 s: emptied at 10 s) and
     * at 30 s; the second one must stay. */
    const char *full = bucket_for(f->a), *busy = bucket_for(f->a);
    assert_int_equal(take(f, full, 10000, 2500, 2), 0);
    assert_int_equal(take(f, full, 10000, 2500, 2), 0);
    assert_int_equal(take(f, busy, 20000, 5000, 2), 0);
    assert_int_equal(take(f, busy, 20000, 5000, 2), 0);

    int64_t sessions = -1, buckets = -1;
    assert_int_equal(store_prune(f->st, 20, 2, &sessions, &buckets), 0);
    assert_int_equal(sessions, 2);
    assert_int_equal(buckets, 1);
    assert_int_equal(store_prune(f->st, 20, 2, &sessions, &buckets), 0);
    assert_int_equal(sessions, 1);
    assert_int_equal(buckets, 0);
    assert_int_equal(store_prune(f->st, 20, 2, &sessions, &buckets), 0);
    assert_int_equal(sessions, 0);
    assert_int_equal(buckets, 0);
    for (int i = 0; i < 3; i++)
        assert_false(session_exists(f, gone[i]));
    assert_true(session_exists(f, kept));
    /* The full bucket is gone (a hit as of 10 s finds a fresh one), the other one
     * still holds its state. */
    assert_int_equal(take(f, full, 10000, 2500, 2), 0);
    assert_int_equal(take(f, full, 10000, 2500, 2), 0);
    assert_int_equal(take(f, busy, 20000, 5000, 2), 5000);

    assert_int_equal(store_prune(f->st, 20, 0, &sessions, &buckets), STET_EINVAL);
    assert_int_equal(store_prune(f->st, -1, 10, &sessions, &buckets), STET_EINVAL);
}

/* SQLite: a rate take lowers synchronous for its own commit only. When putting it
 * back fails, the connection must not go on writing with less durability than it
 * promises: every operation fails until the level is back (issue 8, item 9). */
static void test_sqlite_rate_take_keeps_durability(void **state)
{
    (void)state;
    if (strncmp(g_url, "sqlite:", 7) != 0)
        skip();
    struct arena *a = arena_new(1024);
    struct store *st;
    int level = -1;
    int64_t wait = -1, id = 0;
    struct user u = {.username = suite_uniq(a, "durable"),
                     .display_name = "D",
                     .email = suite_uniq(a, "durable@x.example"),
                     .created_at = 1};
    assert_int_equal(store_open(g_url, &st), 0);
    assert_int_equal(store_migrate(st, NULL), 0);
    assert_int_equal(take1(st, bucket_for(a), 1000, 1000, 1, &wait), 0);
    assert_int_equal(sqlite_store_synchronous(st, &level), 0);
    assert_int_equal(level, 2);

    assert_int_equal(sqlite_store_deny_pragma(st, "synchronous", "FULL"), 0);
    assert_int_equal(take1(st, bucket_for(a), 1000, 1000, 1, &wait), STET_EIO);
    assert_int_equal(sqlite_store_synchronous(st, &level), 0);
    assert_int_equal(level, 0);
    assert_int_equal(store_user_insert(st, &u, "$argon2id$x", &id), STET_EIO);
    assert_int_equal(sqlite_store_deny_pragma(st, NULL, NULL), 0);
    assert_int_equal(store_user_insert(st, &u, "$argon2id$x", &id), 0);
    assert_int_equal(sqlite_store_synchronous(st, &level), 0);
    assert_int_equal(level, 2);
    store_close(st);
    arena_free(a);
}

/* ---- enum names shared with the schema ---- */

static void test_type_names(void **state)
{
    (void)state;
    enum role r = ROLE_ADMIN;
    assert_string_equal(role_name(ROLE_READER), "reader");
    assert_string_equal(role_name(ROLE_MODERATOR), "moderator");
    assert_string_equal(role_name(ROLE_ADMIN), "admin");
    assert_string_equal(role_name((enum role)42), "unknown");
    assert_true(role_parse("moderator", 9, &r));
    assert_int_equal(r, ROLE_MODERATOR);
    assert_true(role_parse("readerXYZ", 6, &r));
    assert_int_equal(r, ROLE_READER);
    assert_false(role_parse("Admin", 5, &r));
    assert_false(role_parse("admi", 4, &r));
    assert_false(role_parse("admin ", 6, &r));
    assert_false(role_parse("", 0, &r));
    assert_false(role_parse(NULL, 0, &r));
    assert_string_equal(comment_status_name(COMMENT_VISIBLE), "visible");
    assert_string_equal(comment_status_name(COMMENT_HELD), "held");
    assert_string_equal(comment_status_name(COMMENT_REJECTED), "rejected");
    assert_string_equal(comment_status_name(COMMENT_DELETED), "deleted");
    assert_string_equal(comment_status_name((enum comment_status) - 1), "unknown");
}

int main(int argc, char **argv)
{
    int exit_code;
    if (!suite_start(argc, argv, "store suite", "stet_store", &exit_code))
        return exit_code;
    /* test_migrate must run first: it needs the database still empty. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate),
        cmocka_unit_test(test_open_rejects_bad_urls),
        SUITE_TEST(test_story_insert_find),
        SUITE_TEST(test_story_duplicate_slug),
        SUITE_TEST(test_story_list_paging),
        SUITE_TEST(test_story_range_and_months),
        SUITE_TEST(test_story_set_open),
        SUITE_TEST(test_content_version),
        SUITE_TEST(test_story_counts),
        SUITE_TEST(test_user_insert_conflicts),
        SUITE_TEST(test_user_set_role),
        SUITE_TEST(test_user_identity_keys),
        SUITE_TEST(test_sessions),
        SUITE_TEST(test_comment_insert_counts_and_held),
        SUITE_TEST(test_comment_list_own_held),
        SUITE_TEST(test_comment_threads_and_find),
        SUITE_TEST(test_comment_list_paging),
        SUITE_TEST(test_event_numbers),
        SUITE_TEST(test_comment_events),
        SUITE_TEST(test_listener),
        SUITE_TEST(test_hostile_strings),
        cmocka_unit_test(test_pool_threads),
        SUITE_TEST(test_rate_take_refill),
        SUITE_TEST(test_rate_take_refuses_bad_arguments),
        SUITE_TEST(test_rate_take_all_or_none),
        cmocka_unit_test(test_rate_take_threads),
        SUITE_TEST(test_site_key),
        SUITE_TEST(test_prune),
        cmocka_unit_test(test_sqlite_rate_take_keeps_durability),
        cmocka_unit_test(test_type_names),
    };
    return suite_end(cmocka_run_group_tests(tests, NULL, NULL));
}
