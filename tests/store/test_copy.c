/* Checks store_copy (`stet migrate-data`): a SQLite site with users, sessions,
 * stories, threaded and held comments, legacy rows, rate-limit buckets and the key
 * naming them is copied
 * to another SQLite database and, with STET_TEST_PG_DIR (fresh databases are
 * needed), to PostgreSQL and back; every row of every table must arrive unchanged,
 * a non-empty destination is refused, and a failure part-way leaves it empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "store/copy.h"
#include "store/sql/driver.h"
#include "store/store.h"

#include "pgtest.h"
#include "test_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_dir[] = "/tmp/stet-copy-XXXXXX";

/* Rate-limit bucket names and a site key: 64 hex digits each. */
#define HEX16    "0123456789abcdef"
#define BUCKET_A HEX16 HEX16 HEX16 "000000000000000a"
#define BUCKET_B HEX16 HEX16 HEX16 "000000000000000b"
#define BUCKET_C HEX16 HEX16 HEX16 "000000000000000c"
#define SITE_KEY "fedcba9876543210" HEX16 HEX16 HEX16
static unsigned g_files;

/* A new SQLite database file in the test's directory. */
static const char *file_url(struct arena *a)
{
    return arena_printf(a, "sqlite:%s/db%u.sqlite", g_dir, ++g_files);
}

static struct store *open_url(const char *url)
{
    struct store *st;
    assert_int_equal(store_open(url, &st), 0);
    return st;
}

/* ---- rows as comparable strings ---- */

struct rows {
    char **v;
    size_t n, cap;
};

/* One row as "N;" for NULL or "LEN:BYTES;" per value, so no two rows collide. */
static int collect(void *ctx, const char *const *values, const size_t *lens, size_t n)
{
    struct rows *r = ctx;
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (values[i] == NULL) {
            buf_puts(&b, "N;");
            continue;
        }
        assert_int_equal(values[i][lens[i]], '\0');
        buf_printf(&b, "%zu:", lens[i]);
        buf_append(&b, values[i], lens[i]);
        buf_putc(&b, ';');
    }
    if (r->n == r->cap) {
        r->cap = r->cap * 2 + 16;
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
        assert_non_null(r->v);
    }
    r->v[r->n++] = buf_steal(&b, NULL);
    return 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void rows_free(struct rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i]);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* Every row of `t`, sorted (text keys collate differently per backend). */
static void dump(struct store *st, const struct store_table *t, struct rows *out)
{
    memset(out, 0, sizeof(*out));
    assert_int_equal(
        store_table_export(st, t->name, t->columns, t->n_columns, t->n_key, collect, out), 0);
    if (out->n > 0)
        qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

static int64_t count_rows(struct store *st, const char *table)
{
    size_t n_tables;
    const struct store_table *t = store_tables(&n_tables);
    for (size_t i = 0; i < n_tables; i++) {
        if (strcmp(t[i].name, table) == 0) {
            struct rows r;
            dump(st, &t[i], &r);
            int64_t n = (int64_t)r.n;
            rows_free(&r);
            return n;
        }
    }
    fail_msg("no table %s", table);
    return -1;
}

static void assert_same(struct store *a, struct store *b)
{
    size_t n_tables;
    const struct store_table *t = store_tables(&n_tables);
    for (size_t i = 0; i < n_tables; i++) {
        struct rows ra, rb;
        dump(a, &t[i], &ra);
        dump(b, &t[i], &rb);
        if (ra.n != rb.n)
            fail_msg("table %s: %zu rows vs %zu", t[i].name, ra.n, rb.n);
        for (size_t k = 0; k < ra.n; k++) {
            if (strcmp(ra.v[k], rb.v[k]) != 0)
                fail_msg("table %s differs:\n  %s\n  %s", t[i].name, ra.v[k], rb.v[k]);
        }
        rows_free(&ra);
        rows_free(&rb);
    }
}

static void assert_empty(struct store *st)
{
    size_t n_tables;
    const struct store_table *t = store_tables(&n_tables);
    for (size_t i = 0; i < n_tables; i++) {
        if (count_rows(st, t[i].name) != 0)
            fail_msg("table %s is not empty", t[i].name);
    }
}

/* ---- a site to move ---- */

static const char token_a[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char token_b[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct site {
    int64_t alice, bob, story1, story2, root, reply, held, legacy;
};

static int64_t add_user(struct store *st, const char *name, enum role role, const char *hash)
{
    char email[64];
    snprintf(email, sizeof(email), "%s@x.example", name);
    struct user u = {.username = name,
                     .display_name = "Zoë \"Q\" <b>O'Hara</b>",
                     .email = email,
                     .role = role,
                     .created_at = 1700000000};
    int64_t id = 0;
    assert_int_equal(store_user_insert(st, &u, hash, &id), 0);
    return id;
}

static int64_t add_comment(struct store *st, int64_t story, int64_t author, int64_t parent,
                           int64_t at, enum comment_status status)
{
    struct comment c = {.story_id = story,
                        .parent_id = parent,
                        .author_id = author,
                        .body_src = "Line one\nline 'two' -- \\ \"three\" ✓",
                        .body_html = "<p>Line one<br>line &#39;two&#39;</p>",
                        .created_at = at,
                        .status = status};
    int64_t id = 0;
    assert_int_equal(store_comment_insert(st, &c, &id, NULL), 0);
    return id;
}

/* store_rate_take on the one bucket `key`. */
static int take1(struct store *st, const char *key, int64_t now_ms, int64_t interval_ms,
                 int capacity, int64_t *wait_ms)
{
    const struct store_rate_bucket b = {key, interval_ms, capacity};
    return store_rate_take(st, &b, 1, now_ms, wait_ms);
}

static void fill(struct store *st, struct site *s)
{
    s->alice = add_user(st, "alice", ROLE_ADMIN, "$argon2id$v=19$m=65536,t=2$c2FsdA$aGFzaA");
    s->bob = add_user(st, "bob", ROLE_READER, "$argon2id$bob");
    (void)add_user(st, "mod", ROLE_MODERATOR, "$argon2id$mod");
    assert_int_equal(store_session_insert(st, token_a, s->alice, 100, 4000000000), 0);
    assert_int_equal(store_session_insert(st, token_b, s->bob, 100, 200), 0);

    struct story one = {.slug = "first-story",
                        .title = "First 'story'",
                        .byline = "By A",
                        .body_src = "*body*",
                        .body_html = "<p><em>body</em></p>",
                        .published_at = 1700000100,
                        .created_at = 1700000000,
                        .comments_open = true};
    assert_int_equal(store_story_insert(st, &one, &s->story1), 0);
    struct story two = one;
    two.slug = "closed-story";
    two.byline = "";
    two.comments_open = false;
    assert_int_equal(store_story_insert(st, &two, &s->story2), 0);
    struct story three = one;
    three.slug = "no-comments";
    int64_t story3;
    assert_int_equal(store_story_insert(st, &three, &story3), 0);

    s->root = add_comment(st, s->story1, s->alice, 0, 10, COMMENT_VISIBLE);
    s->reply = add_comment(st, s->story1, s->bob, s->root, 20, COMMENT_VISIBLE);
    (void)add_comment(st, s->story1, s->alice, s->reply, 30, COMMENT_VISIBLE);
    s->held = add_comment(st, s->story1, s->bob, s->root, 40, COMMENT_HELD);
    (void)add_comment(st, s->story2, s->bob, 0, 50, COMMENT_DELETED);
    (void)add_comment(st, s->story2, s->alice, 0, 60, COMMENT_VISIBLE);
    /* A legacy comment: no author, an edit time, its origin's keys. */
    struct comment lc = {.story_id = s->story1,
                         .legacy_author = "Old Reader",
                         .body_src = "legacy",
                         .body_html = "<p>legacy</p>",
                         .created_at = 5,
                         .edited_at = 7,
                         .is_legacy = true,
                         .status = COMMENT_VISIBLE};
    assert_int_equal(store_comment_insert(st, &lc, &s->legacy, NULL), 0);

    /* An emptied bucket, one with tokens left, one whose last hit was refused. */
    int64_t wait;
    for (int i = 0; i < 3; i++)
        assert_int_equal(take1(st, BUCKET_A, 600000, 1000, 3, &wait), 0);
    assert_int_equal(take1(st, BUCKET_B, 600000, 1000, 3, &wait), 0);
    assert_int_equal(take1(st, BUCKET_C, 600000, 1000, 1, &wait), 0);
    assert_int_equal(take1(st, BUCKET_C, 600000, 1000, 1, &wait), 0);
    assert_int_equal(wait, 1000);
    char key[STORE_SITE_KEY_LEN + 1];
    assert_int_equal(store_site_key(st, "rate_limits", SITE_KEY, key), 0);
}

/* Legacy keys have no store operation (the importer writes them); set them here,
 * with a report, an audit entry, a suspension, an admin's setting and the spam
 * filter's data (a comment scored and trained, a token and the totals), so every
 * table and column of moderation has a row to copy. */
static void fill_legacy_keys(struct store *st, const struct site *s)
{
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "UPDATE comments SET legacy_source = 'disqus', legacy_id = '00042' WHERE id = %lld;"
             "INSERT INTO reports (comment_id, reporter_id, reason, created_at) "
             "VALUES (%lld, %lld, 'rude', 1700000200);"
             "UPDATE comments SET report_count = 1 WHERE id = %lld;"
             "INSERT INTO audit_log (at, actor_id, action, target, note) "
             "VALUES (1700000300, %lld, 'user.suspend', 'user:bob', 'cool off');"
             "UPDATE users SET suspended_until = 1800000000, suspension_reason = 'cool off' "
             "WHERE id = %lld;"
             "UPDATE comments SET spam_score = 970, spam_hash = -4242424242, "
             "spam_tokens = '[\"cheap\",\"pills\"]', spam_trained = 'spam' WHERE id = %lld;"
             "INSERT INTO spam_tokens (token, spam, ham) VALUES ('cheap', 1, 0);"
             "INSERT INTO spam_totals (id, spam, ham) VALUES (1, 1, 0);"
             "INSERT INTO site_settings (key, value, changed_at, changed_by) "
             "VALUES ('max_links', '2', 1700000400, %lld);"
             "UPDATE comments SET legacy_email = 'zoe@example.org' WHERE id = %lld;"
             "INSERT INTO legacy_spam (legacy_source, legacy_id) VALUES ('disqus', '00043');",
             (long long)s->legacy, (long long)s->root, (long long)s->bob, (long long)s->root,
             (long long)s->alice, (long long)s->bob, (long long)s->held, (long long)s->alice,
             (long long)s->legacy);
    assert_int_equal(store_exec_sql(st, sql), 0);
}

struct progress_log {
    char text[512];
};

static void on_progress(void *ctx, const char *table, int64_t rows)
{
    struct progress_log *p = ctx;
    size_t len = strlen(p->text);
    snprintf(p->text + len, sizeof(p->text) - len, "%s=%lld ", table, (long long)rows);
}

/* The copy works as a site, not only as rows: logins, sessions, threads, the held
 * comment for its author, new ids and event numbers continuing after the old ones. */
static void check_usable(struct store *st, const struct site *s)
{
    struct arena *a = arena_new(8192);
    struct user u;
    const char *hash = NULL;
    assert_int_equal(store_user_find_login(a, st, str_from("ALICE@x.example"), &u, &hash), 0);
    assert_int_equal(u.id, s->alice);
    assert_int_equal(u.role, ROLE_ADMIN);
    assert_string_equal(hash, "$argon2id$v=19$m=65536,t=2$c2FsdA$aGFzaA");
    assert_int_equal(store_session_find(a, st, token_a, 1000, &u), 0);
    assert_int_equal(u.id, s->alice);
    assert_int_equal(store_session_find(a, st, token_b, 1000, &u), STET_ENOTFOUND);

    struct story story;
    assert_int_equal(store_story_find(a, st, str_from("closed-story"), &story), 0);
    assert_false(story.comments_open);
    assert_int_equal(store_story_find(a, st, str_from("first-story"), &story), 0);
    assert_true(story.comments_open);
    assert_int_equal(story.n_comments, 4);
    assert_int_equal(story.event_seq, 4);

    struct comment c;
    assert_int_equal(store_comment_find(a, st, s->reply, &c), 0);
    assert_int_equal(c.parent_id, s->root);
    assert_int_equal(c.event_seq, 2);
    assert_int_equal(store_comment_find(a, st, s->legacy, &c), 0);
    assert_true(c.is_legacy);
    assert_null(c.author_username);
    assert_string_equal(c.legacy_author, "Old Reader");
    assert_int_equal(c.edited_at, 7);

    struct comment_filter f = {.story_id = s->story1, .viewer_id = s->bob};
    struct store_page pg = {.limit = 50};
    struct comment *list;
    size_t n;
    assert_int_equal(store_comment_list(a, st, &f, &pg, &list, &n), 0);
    assert_int_equal(n, 5); /* four visible and bob's held one */

    /* Generated ids continue after the copied ones (PostgreSQL: resynced sequence). */
    int64_t carol = add_user(st, "carol", ROLE_READER, "h");
    assert_true(carol > s->bob);
    int64_t seq = 0, id = 0;
    struct comment nc = {.story_id = s->story1,
                         .author_id = carol,
                         .body_src = "new",
                         .body_html = "<p>new</p>",
                         .created_at = 99,
                         .status = COMMENT_VISIBLE};
    assert_int_equal(store_comment_insert(st, &nc, &id, &seq), 0);
    assert_true(id > s->legacy);
    assert_int_equal(seq, 5);
    /* The buckets and their key arrived: the emptied one is still empty. */
    int64_t wait = -1;
    assert_int_equal(take1(st, BUCKET_A, 600000, 1000, 3, &wait), 0);
    assert_int_equal(wait, 1000);
    char key[STORE_SITE_KEY_LEN + 1];
    assert_int_equal(store_site_key(st, "rate_limits", BUCKET_A, key), 0);
    assert_string_equal(key, SITE_KEY);
    arena_free(a);
}

/* ---- cases ---- */

/* The copier's table list must name every table and column of the schema, or a
 * move would silently leave data behind. */
static void test_table_list_matches_schema(void **state)
{
    (void)state;
    struct store *st = test_store_new();
    assert_int_equal(
        store_exec_sql(st, "CREATE TEMP TABLE schema_cols AS SELECT m.name AS t, p.name AS c "
                           "FROM sqlite_master m, pragma_table_info(m.name) p "
                           "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' "
                           "AND m.name <> 'schema_migrations'"),
        0);
    static const char *const cols[] = {"t", "c"};
    struct rows r = {0};
    assert_int_equal(store_table_export(st, "schema_cols", cols, 2, 2, collect, &r), 0);
    size_t n_tables, n_listed = 0;
    const struct store_table *t = store_tables(&n_tables);
    for (size_t i = 0; i < n_tables; i++) {
        assert_true(t[i].n_key >= 1 && t[i].n_key <= t[i].n_columns);
        for (size_t k = 0; k < t[i].n_columns; k++) {
            char want[200];
            snprintf(want, sizeof(want), "%zu:%s;%zu:%s;", strlen(t[i].name), t[i].name,
                     strlen(t[i].columns[k]), t[i].columns[k]);
            bool found = false;
            for (size_t j = 0; j < r.n && !found; j++)
                found = strcmp(r.v[j], want) == 0;
            if (!found)
                fail_msg("listed column not in the schema: %s", want);
            n_listed++;
        }
    }
    if (r.n != n_listed)
        fail_msg("the schema has %zu columns, the copier lists %zu", r.n, n_listed);
    rows_free(&r);
    store_close(st);
}

static void test_copy_sqlite_to_sqlite(void **state)
{
    (void)state;
    struct arena *a = arena_new(4096);
    struct store *src = open_url(file_url(a));
    struct store *dst = open_url(file_url(a));
    struct site s;
    assert_int_equal(store_migrate(src, NULL), 0);
    fill(src, &s);
    fill_legacy_keys(src, &s);

    struct progress_log log = {{0}};
    assert_int_equal(store_copy(src, dst, on_progress, &log), 0);
    assert_string_equal(
        log.text, "users=3 stories=3 sessions=2 comments=7 reports=1 audit_log=1 rate_buckets=3 "
                  "site_keys=1 site_settings=1 spam_tokens=1 spam_totals=1 legacy_spam=1 ");
    assert_same(src, dst);
    assert_int_equal(count_rows(dst, "comments"), 7);

    /* A destination with rows is refused and left as it was, also when the rows
     * are only in a table the check might forget. */
    assert_int_equal(store_copy(src, dst, NULL, NULL), STET_ECONFLICT);
    assert_same(src, dst);
    struct store *other = open_url("sqlite::memory:");
    int64_t wait;
    assert_int_equal(store_migrate(other, NULL), 0);
    assert_int_equal(take1(other, BUCKET_A, 1, 1, 1, &wait), 0);
    assert_int_equal(store_copy(src, other, NULL, NULL), STET_ECONFLICT);
    assert_int_equal(count_rows(other, "users"), 0);
    store_close(other);

    check_usable(dst, &s);
    /* The source is untouched by a copy. */
    assert_int_equal(count_rows(src, "users"), 3);

    /* An empty site copies as an empty site, into an unmigrated database. */
    struct store *empty = open_url("sqlite::memory:");
    struct store *empty2 = open_url("sqlite::memory:");
    log.text[0] = '\0';
    assert_int_equal(store_copy(empty, empty2, on_progress, &log), 0);
    assert_string_equal(
        log.text, "users=0 stories=0 sessions=0 comments=0 reports=0 audit_log=0 rate_buckets=0 "
                  "site_keys=0 site_settings=0 spam_tokens=0 spam_totals=0 legacy_spam=0 ");
    assert_empty(empty2);
    store_close(empty);
    store_close(empty2);

    store_close(src);
    store_close(dst);
    arena_free(a);
}

/* A reply stored with a smaller id than its parent (an imported reply that came
 * before its parent): the copy meets it first and checks the reference at the end. */
static int64_t make_unordered(struct store *st, const struct site *s)
{
    char sql[200];
    int64_t late = add_comment(st, s->story1, s->bob, 0, 70, COMMENT_VISIBLE);
    snprintf(sql, sizeof(sql), "UPDATE comments SET parent_id = %lld WHERE id = %lld",
             (long long)late, (long long)s->root);
    assert_int_equal(store_exec_sql(st, sql), 0);
    return late;
}

/* A reply whose parent is gone (written with the checks off, as only a damaged
 * database holds): a real failure found at the copy's end, users and stories in. */
static void make_dangling(struct store *st, const struct site *s)
{
    char sql[200];
    snprintf(sql, sizeof(sql),
             "PRAGMA foreign_keys = OFF; UPDATE comments SET parent_id = 999999 WHERE id = %lld;"
             "PRAGMA foreign_keys = ON;",
             (long long)s->root);
    assert_int_equal(store_exec_sql(st, sql), 0);
}

static int g_rows_left;
static int (*g_real_row)(struct sql_conn *, const char *const *, const size_t *, size_t);

static int failing_row(struct sql_conn *c, const char *const *values, const size_t *lens, size_t n)
{
    if (g_rows_left-- <= 0)
        return STET_EIO;
    return g_real_row(c, values, lens, n);
}

static void test_copy_failure_leaves_destination_empty(void **state)
{
    (void)state;
    struct arena *a = arena_new(4096);
    struct store *src = open_url(file_url(a));
    struct store *bad = open_url(file_url(a));
    struct store *dst = open_url(file_url(a));
    struct site s, s2;
    assert_int_equal(store_migrate(src, NULL), 0);
    assert_int_equal(store_migrate(bad, NULL), 0);
    fill(src, &s);
    fill(bad, &s2);
    /* A reply older than its parent (as the legacy importer writes one) copies. */
    make_unordered(bad, &s2);
    struct store *unordered = open_url(file_url(a));
    assert_int_equal(store_copy(bad, unordered, NULL, NULL), 0);
    assert_same(bad, unordered);
    store_close(unordered);
    make_dangling(bad, &s2);

    assert_int_equal(store_copy(bad, dst, NULL, NULL), STET_EINVAL);
    assert_empty(dst);

    /* An injected failure on the 6th row (in the stories). */
    struct sql_conn *dst_conn = sql_conn_of(dst);
    const struct sql_copy_ops *real = dst_conn->copy;
    static struct sql_copy_ops patched;
    patched = *real;
    g_real_row = real->import_row;
    patched.import_row = failing_row;
    dst_conn->copy = &patched;
    g_rows_left = 5;
    assert_int_equal(store_copy(src, dst, NULL, NULL), STET_EIO);
    dst_conn->copy = real;
    assert_empty(dst);

    /* Nothing was left behind that would stop a good copy. */
    assert_int_equal(store_copy(src, dst, NULL, NULL), 0);
    assert_same(src, dst);

    store_close(src);
    store_close(bad);
    store_close(dst);
    arena_free(a);
}

static void test_store_ops_refuse_bad_identifiers(void **state)
{
    (void)state;
    struct store *st = test_store_new();
    static const char *const ok[] = {"id"};
    static const char *const bad[] = {"id; DROP TABLE users"};
    static const char *const upper[] = {"ID"};
    struct rows r = {0};
    assert_int_equal(store_table_export(st, "users", ok, 1, 1, collect, &r), 0);
    assert_int_equal(store_table_export(st, "users", bad, 1, 1, collect, &r), STET_EINVAL);
    assert_int_equal(store_table_export(st, "users", upper, 1, 1, collect, &r), STET_EINVAL);
    assert_int_equal(store_table_export(st, "users x", ok, 1, 1, collect, &r), STET_EINVAL);
    assert_int_equal(store_table_export(st, "users", ok, 1, 2, collect, &r), STET_EINVAL);
    assert_int_equal(store_table_export(st, "users", ok, 0, 0, collect, &r), STET_EINVAL);
    assert_int_equal(store_table_import_begin(st, "users", bad, 1), STET_EINVAL);
    assert_int_equal(store_table_import_begin(st, "", ok, 1), STET_EINVAL);
    assert_int_equal(store_table_sync_ids(st, "users", "id)"), STET_EINVAL);
    /* A row without a prepared import, or of the wrong width. */
    const char *v[] = {"1"};
    size_t l[] = {1};
    assert_int_equal(store_table_import_row(st, v, l, 1), STET_EINVAL);
    assert_int_equal(store_table_import_begin(st, "users", ok, 1), 0);
    assert_int_equal(store_table_import_row(st, v, l, 2), STET_EINVAL);
    store_table_import_end(st);
    store_table_import_end(st); /* twice is harmless */
    assert_int_equal(r.n, 0);
    store_close(st);
}

/* SQLite -> PostgreSQL -> SQLite: what comes back is what left. */
static void test_copy_through_postgres(void **state)
{
    (void)state;
    char url1[1024], url2[1024], url3[1024], url4[1024];
    if (pgtest_env("STET_TEST_PG_DIR") == NULL || pgtest_env("STET_PG_CLUSTER") == NULL) {
        fprintf(stderr, "copy through postgres: skipped (STET_TEST_PG_DIR is not set)\n");
        skip();
    }
    struct arena *a = arena_new(4096);
    struct store *src = open_url(file_url(a));
    struct site s;
    assert_int_equal(store_migrate(src, NULL), 0);
    fill(src, &s);
    fill_legacy_keys(src, &s);

    const char *u1 = pgtest_fresh_url("stet_copy", url1, sizeof(url1));
    assert_non_null(u1);
    struct store *pg = open_url(u1);
    struct progress_log log = {{0}};
    assert_int_equal(store_copy(src, pg, on_progress, &log), 0);
    assert_string_equal(
        log.text, "users=3 stories=3 sessions=2 comments=7 reports=1 audit_log=1 rate_buckets=3 "
                  "site_keys=1 site_settings=1 spam_tokens=1 spam_totals=1 legacy_spam=1 ");
    assert_same(src, pg);
    assert_int_equal(store_copy(src, pg, NULL, NULL), STET_ECONFLICT);

    struct store *back = open_url(file_url(a));
    assert_int_equal(store_copy(pg, back, NULL, NULL), 0);
    assert_same(src, back);
    check_usable(pg, &s);
    check_usable(back, &s);

    /* A failure part-way through on PostgreSQL leaves it empty and usable. */
    struct store *bad = open_url(file_url(a));
    struct site s2;
    assert_int_equal(store_migrate(bad, NULL), 0);
    fill(bad, &s2);
    /* A reply older than its parent copies: the reference is checked at the end. */
    make_unordered(bad, &s2);
    const char *u4 = pgtest_fresh_url("stet_copy", url4, sizeof(url4));
    assert_non_null(u4);
    struct store *pg4 = open_url(u4);
    assert_int_equal(store_copy(bad, pg4, NULL, NULL), 0);
    assert_same(bad, pg4);
    store_close(pg4);
    make_dangling(bad, &s2);
    const char *u2 = pgtest_fresh_url("stet_copy", url2, sizeof(url2));
    assert_non_null(u2);
    struct store *pg2 = open_url(u2);
    assert_int_equal(store_copy(bad, pg2, NULL, NULL), STET_EINVAL);
    assert_empty(pg2);
    assert_int_equal(store_copy(src, pg2, NULL, NULL), 0);
    assert_same(src, pg2);

    /* PostgreSQL -> PostgreSQL, and a NUL byte that PostgreSQL cannot hold. */
    const char *u3 = pgtest_fresh_url("stet_copy", url3, sizeof(url3));
    assert_non_null(u3);
    struct store *pg3 = open_url(u3);
    assert_int_equal(store_copy(pg2, pg3, NULL, NULL), 0);
    assert_same(src, pg3);
    store_close(pg3);
    struct store *nul = open_url("sqlite::memory:");
    assert_int_equal(store_migrate(nul, NULL), 0);
    assert_int_equal(store_exec_sql(nul, "INSERT INTO site_keys VALUES ('a' || char(0) || 'b', "
                                         "'" SITE_KEY "')"),
                     0);
    u3 = pgtest_fresh_url("stet_copy", url3, sizeof(url3));
    assert_non_null(u3);
    pg3 = open_url(u3);
    assert_int_equal(store_copy(nul, pg3, NULL, NULL), STET_EINVAL);
    assert_empty(pg3);
    store_close(pg3);
    store_close(nul);

    store_close(bad);
    store_close(pg2);
    store_close(back);
    store_close(pg);
    store_close(src);
    arena_free(a);
}

static int remove_dir(void **state)
{
    (void)state;
    for (unsigned i = 1; i <= g_files; i++) {
        static const char *const suffix[] = {"", "-wal", "-shm"};
        for (size_t k = 0; k < 3; k++) {
            char p[256];
            snprintf(p, sizeof(p), "%s/db%u.sqlite%s", g_dir, i, suffix[k]);
            unlink(p);
        }
    }
    return rmdir(g_dir);
}

int main(void)
{
    if (mkdtemp(g_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_list_matches_schema),
        cmocka_unit_test(test_copy_sqlite_to_sqlite),
        cmocka_unit_test(test_copy_failure_leaves_destination_empty),
        cmocka_unit_test(test_store_ops_refuse_bad_identifiers),
        cmocka_unit_test(test_copy_through_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, remove_dir);
}
