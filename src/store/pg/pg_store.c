/* The PostgreSQL backend of the store: one libpq connection per struct store, every
 * query a statement prepared once per connection and run with bound parameters,
 * multi-row writes in one transaction. Driver errors are logged here and mapped to
 * STET_E*; a lost connection is reset before the next operation. */
#include "store/pg/pg_store.h"

#include "base/buf.h"
#include "base/embedded.h"
#include "base/ident.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "base/url.h"
#include "base/xalloc.h"
#include "store/sql_ident.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Key of the session advisory lock held while migrating ("stet" in ASCII), so nodes
 * starting together apply each migration once. */
#define PG_MIGRATE_LOCK "1937007988"

/* The boolean type's OID (catalog/pg_type_d.h, which libpq does not install). */
#define PG_BOOLOID 16

/* Rows fetched per round trip when exporting a table through a cursor. */
#define PG_EXPORT_BATCH "500"

enum stmt_id {
    S_MIG_HAS,
    S_MIG_RECORD,
    S_STORY_INSERT,
    S_STORY_FIND,
    S_STORY_LIST,
    S_STORY_SET_OPEN,
    S_STORY_COUNT,
    S_STORY_RANGE_ASC,
    S_STORY_RANGE_DESC,
    S_STORY_MONTHS,
    S_USER_INSERT,
    S_USER_FIND_LOGIN,
    S_USER_FIND_ID,
    S_USER_SET_ROLE,
    S_USER_STORIES_BUMP,
    S_SESSION_INSERT,
    S_SESSION_FIND,
    S_SESSION_DELETE,
    S_COMMENT_INSERT,
    S_STORY_BUMP,
    S_NOTIFY,
    S_COMMENT_FIND,
    S_COMMENT_LIST_ASC,
    S_COMMENT_LIST_DESC,
    S_COMMENT_LIST_VIEWER_ASC,
    S_COMMENT_LIST_VIEWER_DESC,
    S_COMMENT_POSITION,
    S_COMMENT_EVENTS,
    S_RATE_TAKE,
    S_SITE_KEY,
    S_PRUNE_SESSIONS,
    S_PRUNE_BUCKETS,
    N_STMT
};

#define STORY_COLS                                                                                 \
    "id, slug, title, byline, body_src, body_html, published_at, created_at, comment_count, "      \
    "comments_open, event_seq, content_version"
#define USER_COLS "u.id, u.username, u.display_name, u.email, u.role, u.created_at"
#define COMMENT_COLS                                                                               \
    "c.id, c.story_id, s.slug, c.parent_id, c.author_id, u.username, u.display_name, "             \
    "c.legacy_author, c.body_src, c.body_html, c.created_at, c.edited_at, c.is_legacy, c.status, " \
    "c.event_seq, u.role"
#define COMMENT_JOINS " JOIN stories s ON s.id = c.story_id LEFT JOIN users u ON u.id = c.author_id"

/* A story's comments in commit order, which is id order (created_at comes from the
 * request's clock before the group commit, so it can disagree); the keyset is the
 * id alone. Visible comments only: one ordered range scan of comments_story
 * (story_id, status, id), no sort. The status is written as a range, and the order
 * as (status, id), on purpose: with "status = 'visible'" the planner reduces the
 * order to "id", which the primary key serves too, and for a story it guesses has
 * many comments it then walks the primary key of every story's comments, filtering,
 * to fill one page. Only comments_story serves (status, id) for one story. */
#define COMMENT_LIST(cmp, dir)                                                                     \
    "SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                        \
    " WHERE c.story_id = $1 AND c.status BETWEEN 'visible' AND 'visible' AND c.id " cmp " $2"      \
    " ORDER BY c.status " dir ", c.id " dir " LIMIT $3"

/* Visible plus the viewer's held comments: each branch is its own bounded range scan
 * of comments_story with its joins, so only the (at most 2 * limit) survivors get
 * sorted. (Joining the branches' ids back to comments instead lets the planner
 * mistake the branch sizes and scan the table.) The status is a range as above. */
#define COMMENT_BRANCH(status_cond, cmp, dir)                                                      \
    "(SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                       \
    " WHERE c.story_id = $1 AND " status_cond " AND c.id " cmp " $2"                               \
    " ORDER BY c.status " dir ", c.id " dir " LIMIT $3)"
/* clang-format off */
#define COMMENT_LIST_VIEWER(cmp, dir)                                                              \
    "SELECT p.* FROM ("                                                                            \
    COMMENT_BRANCH("c.status BETWEEN 'visible' AND 'visible'", cmp, dir)                           \
    " UNION ALL "                                                                                  \
    COMMENT_BRANCH("c.status BETWEEN 'held' AND 'held' AND c.author_id = $4", cmp, dir)            \
    ") p ORDER BY p.id " dir " LIMIT $3"
/* clang-format on */

struct stmt_def {
    const char *what; /* for log lines */
    const char *sql;
    int n_params;
    bool read_only; /* safe to run again after a lost connection */
};

static const struct stmt_def stmts[N_STMT] = {
    [S_MIG_HAS] = {"mig_has", "SELECT 1 FROM schema_migrations WHERE version = $1", 1, true},
    [S_MIG_RECORD] = {"mig_record",
                      "INSERT INTO schema_migrations (version, name, applied_at) "
                      "VALUES ($1, $2, $3)",
                      3, false},
    [S_STORY_INSERT] = {"story_insert",
                        "INSERT INTO stories (slug, title, byline, body_src, body_html, "
                        "published_at, created_at, comments_open) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                        8, false},
    [S_STORY_FIND] = {"story_find", "SELECT " STORY_COLS " FROM stories WHERE slug = $1", 1, true},
    [S_STORY_LIST] = {"story_list",
                      "SELECT " STORY_COLS " FROM stories WHERE (published_at, id) < ($1, $2) "
                      "ORDER BY published_at DESC, id DESC LIMIT $3",
                      3, true},
    [S_STORY_SET_OPEN] = {"story_set_open",
                          "UPDATE stories SET comments_open = $2, "
                          "content_version = content_version + 1 WHERE id = $1",
                          2, false},
    [S_STORY_COUNT] = {"story_count", "SELECT comment_count FROM stories WHERE slug = $1", 1, true},
    /* Both directions are one range scan of stories_published, no sort. */
    [S_STORY_RANGE_ASC] = {"story_list_range",
                           "SELECT " STORY_COLS " FROM stories WHERE published_at >= $1 "
                           "AND published_at < $2 AND (published_at, id) > ($3, $4) "
                           "ORDER BY published_at ASC, id ASC LIMIT $5",
                           5, true},
    [S_STORY_RANGE_DESC] = {"story_list_range",
                            "SELECT " STORY_COLS " FROM stories WHERE published_at >= $1 "
                            "AND published_at < $2 AND (published_at, id) < ($3, $4) "
                            "ORDER BY published_at DESC, id DESC LIMIT $5",
                            5, true},
    /* A month as its first second, as SQLite computes it: the year numbers differ
     * before the year 1 (PostgreSQL has no year 0), the instants do not. EXTRACT
     * reads a timestamp without time zone as UTC. */
    [S_STORY_MONTHS] = {"story_months",
                        "SELECT EXTRACT(EPOCH FROM date_trunc('month', "
                        "to_timestamp(published_at) AT TIME ZONE 'UTC'))::int8 AS month, "
                        "count(*) FROM stories WHERE published_at >= $1 AND published_at < $2 "
                        "GROUP BY month ORDER BY month DESC LIMIT $3",
                        3, true},
    /* The keys are base/ident.c's, computed here in C: the database never folds
     * (its lower() follows the locale and turns the Kelvin sign into "k"). */
    [S_USER_INSERT] = {"user_insert",
                       "INSERT INTO users (username, display_name, email, password_hash, role, "
                       "created_at, username_key, email_key) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                       8, false},
    /* A username key holds no '@' and an e-mail key always one: at most one row. */
    [S_USER_FIND_LOGIN] = {"user_find_login",
                           "SELECT " USER_COLS ", u.password_hash FROM users u "
                           "WHERE u.username_key = $1 OR u.email_key = $1",
                           1, true},
    [S_USER_FIND_ID] = {"user_find_id", "SELECT " USER_COLS " FROM users u WHERE u.id = $1", 1,
                        true},
    [S_USER_SET_ROLE] = {"user_set_role", "UPDATE users SET role = $2 WHERE username_key = $1", 2,
                         false},
    /* A role shows as the staff badge on every comment of the user: a real change
     * moves the content version of each story they commented on (comments_author). */
    [S_USER_STORIES_BUMP] = {"user_stories_bump",
                             "UPDATE stories SET content_version = content_version + 1 "
                             "WHERE id IN (SELECT c.story_id FROM users u JOIN comments c ON "
                             "c.author_id = u.id WHERE u.username_key = $1 AND u.role <> $2)",
                             2, false},
    [S_SESSION_INSERT] = {"session_insert",
                          "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
                          "VALUES ($1, $2, $3, $4)",
                          4, false},
    [S_SESSION_FIND] = {"session_find",
                        "SELECT " USER_COLS " FROM sessions se JOIN users u ON u.id = se.user_id "
                        "WHERE se.token_hash = $1 AND se.expires_at > $2",
                        2, true},
    [S_SESSION_DELETE] = {"session_delete", "DELETE FROM sessions WHERE token_hash = $1", 1, false},
    [S_COMMENT_INSERT] = {"comment_insert",
                          "INSERT INTO comments (story_id, parent_id, author_id, legacy_author, "
                          "body_src, body_html, created_at, edited_at, is_legacy, status, "
                          "event_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                          "RETURNING id",
                          11, false},
    /* The story row is the per-story sequence: its row lock, held to commit, is what
     * makes a story's event numbers gap-free and commit in order. */
    [S_STORY_BUMP] = {"story_bump",
                      "UPDATE stories SET comment_count = comment_count + 1, "
                      "event_seq = event_seq + 1, content_version = content_version + 1 "
                      "WHERE id = $1 RETURNING event_seq",
                      1, false},
    /* Delivered to listeners at commit, and never if the transaction rolls back. */
    [S_NOTIFY] = {"notify", "SELECT pg_notify('stet_events', $1::text || ':' || $2::text)", 2,
                  false},
    [S_COMMENT_FIND] = {"comment_find",
                        "SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS " WHERE c.id = $1",
                        1, true},
    [S_COMMENT_LIST_ASC] = {"comment_list_asc", COMMENT_LIST(">", "ASC"), 3, true},
    [S_COMMENT_LIST_DESC] = {"comment_list_desc", COMMENT_LIST("<", "DESC"), 3, true},
    [S_COMMENT_LIST_VIEWER_ASC] = {"comment_list_viewer_asc", COMMENT_LIST_VIEWER(">", "ASC"), 4,
                                   true},
    [S_COMMENT_LIST_VIEWER_DESC] = {"comment_list_viewer_desc", COMMENT_LIST_VIEWER("<", "DESC"), 4,
                                    true},
    /* The count of a story's visible comments before id $2, and the id of the last
     * one before the $3-sized page that $2 falls on (0 on the first page): one range
     * scan of comments_story, numbering the rows as it goes. */
    [S_COMMENT_POSITION] = {"comment_position",
                            "SELECT count(*), coalesce(max(CASE WHEN r = n / $3 * $3 - 1 "
                            "THEN id END), 0) FROM (SELECT id, row_number() OVER (ORDER BY id) "
                            "- 1 AS r, count(*) OVER () AS n FROM comments WHERE story_id = $1 "
                            "AND status BETWEEN 'visible' AND 'visible' AND id < $2) w",
                            3, true},
    /* One range scan of comments_events; held comments have no number. */
    [S_COMMENT_EVENTS] = {"comment_events",
                          "SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS
                          " WHERE c.story_id = $1 AND c.event_seq > $2 AND c.status = 'visible'"
                          " ORDER BY c.event_seq LIMIT $3",
                          3, true},
    /* A token bucket kept as the time it is full again (GCRA): a hit at $2 moves
     * that time on by one interval ($3) unless that would put it beyond the
     * bucket's whole span ($4 = capacity * interval) ahead of now. One statement:
     * the primary key makes concurrent first hits from several nodes land on one
     * row, and ON CONFLICT updates the row's latest version under its lock, so
     * each hit counts once. A bucket lost in a crash costs nothing, so its commit
     * does not wait for the WAL flush (set_config local to the statement's own
     * transaction, read at its commit). */
    [S_RATE_TAKE] = {"rate_take",
                     "INSERT INTO rate_buckets (bucket, full_at, last_denied) "
                     "SELECT $1::text, $2::bigint + $3::bigint, false "
                     "FROM (SELECT set_config('synchronous_commit', 'off', true)) s "
                     "ON CONFLICT (bucket) DO UPDATE SET full_at = CASE "
                     "WHEN greatest(rate_buckets.full_at, $2) + $3 <= $2 + $4::bigint "
                     "THEN greatest(rate_buckets.full_at, $2) + $3 ELSE rate_buckets.full_at END, "
                     "last_denied = greatest(rate_buckets.full_at, $2) + $3 > $2 + $4::bigint "
                     "RETURNING full_at, last_denied",
                     4, false},
    /* The update that changes nothing makes the statement return the stored key,
     * also when another node inserted it a moment ago. */
    [S_SITE_KEY] = {"site_key",
                    "INSERT INTO site_keys (name, secret) VALUES ($1, $2) "
                    "ON CONFLICT (name) DO UPDATE SET secret = site_keys.secret "
                    "RETURNING secret",
                    2, false},
    [S_PRUNE_SESSIONS] = {"prune_sessions",
                          "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM "
                          "sessions WHERE expires_at <= $1 LIMIT $2)",
                          2, false},
    [S_PRUNE_BUCKETS] = {"prune_buckets",
                         "DELETE FROM rate_buckets WHERE bucket IN (SELECT bucket FROM "
                         "rate_buckets WHERE full_at <= $1 LIMIT $2)",
                         2, false},
};

struct pg_store {
    struct store base; /* first, so a struct store * converts back */
    PGconn *conn;
    bool prepared[N_STMT];
    bool in_tx;
    bool down;           /* the last attempt to reach the server failed (logged once) */
    bool must_reset;     /* the server said it is closing this session */
    int64_t retry_after; /* monotonic ms before which a slow reconnect is not retried */
    int import_n;        /* columns of the prepared stet_import; 0: none */
    bool import_stale;   /* stet_import still exists on the session but is finished */
    /* For data_changed: this connection's writes, and what the previous call saw. */
    char *url;
    struct pg_watch *watch; /* NULL until the first call, or when it cannot start */
    bool watch_tried;
    bool seen;
    uint64_t writes;
    uint64_t seen_writes;
    uint64_t seen_heard;
};

static void pg_close(struct store *st);
static int pg_migrate(struct store *st, int *applied);
static int pg_story_insert(struct store *st, const struct story *s, int64_t *id);
static int pg_story_find(struct arena *a, struct store *st, struct str slug, struct story *out);
static int pg_story_list(struct arena *a, struct store *st, const struct store_page *pg,
                         struct story **out, size_t *n);
static int pg_story_set_open(struct store *st, int64_t story_id, bool open);
static int pg_story_counts(struct store *st, const struct str *slugs, size_t n, int64_t *counts);
static int pg_story_list_range(struct arena *a, struct store *st, int64_t from, int64_t to,
                               const struct store_page *pg, struct story **out, size_t *n);
static int pg_story_months(struct arena *a, struct store *st, int64_t from, int64_t to, int limit,
                           struct store_month **out, size_t *n);
static int pg_user_insert(struct store *st, const struct user *u, const char *password_hash,
                          int64_t *id);
static int pg_user_find_login(struct arena *a, struct store *st, struct str login, struct user *out,
                              const char **password_hash);
static int pg_user_find_id(struct arena *a, struct store *st, int64_t id, struct user *out);
static int pg_user_set_role(struct store *st, struct str username, enum role role);
static int pg_session_insert(struct store *st, const char *token_hash, int64_t user_id,
                             int64_t created_at, int64_t expires_at);
static int pg_session_find(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                           struct user *out);
static int pg_session_delete(struct store *st, const char *token_hash);
static int pg_comment_insert(struct store *st, const struct comment *c, int64_t *id,
                             int64_t *event_seq);
static int pg_comment_insert_batch(struct store *st, const struct comment *const *cs, size_t n,
                                   int64_t *ids, int64_t *seqs, int *rcs);
static int pg_comment_find(struct arena *a, struct store *st, int64_t id, struct comment *out);
static int pg_comment_list(struct arena *a, struct store *st, const struct comment_filter *f,
                           const struct store_page *pg, struct comment **out, size_t *n);
static int pg_comment_position(struct store *st, int64_t story_id, int64_t id, int page_size,
                               int64_t *n_before, int64_t *page_after);
static int pg_comment_events(struct arena *a, struct store *st, int64_t story_id, int64_t after_seq,
                             int limit, struct comment **out, size_t *n);
static int pg_rate_take(struct store *st, const struct store_rate_bucket *b, size_t n,
                        int64_t now_ms, int64_t *wait_ms);
static int pg_site_key(struct store *st, const char *name, const char *candidate, char *out);
static int pg_prune(struct store *st, int64_t now, int limit, int64_t *sessions, int64_t *buckets);
static int pg_data_changed(struct store *st, bool *changed);
static int pg_transaction(struct store *st, enum store_tx step);
static int pg_table_export(struct store *st, const char *table, const char *const *columns,
                           size_t n, size_t n_key, store_row_fn fn, void *ctx);
static int pg_table_import_begin(struct store *st, const char *table, const char *const *columns,
                                 size_t n);
static int pg_table_import_row(struct store *st, const char *const *values, const size_t *lens,
                               size_t n);
static void pg_table_import_end(struct store *st);
static int pg_table_sync_ids(struct store *st, const char *table, const char *column);

static const struct store_ops pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .migrate = pg_migrate,
    .story_insert = pg_story_insert,
    .story_find = pg_story_find,
    .story_list = pg_story_list,
    .story_set_open = pg_story_set_open,
    .story_counts = pg_story_counts,
    .story_list_range = pg_story_list_range,
    .story_months = pg_story_months,
    .user_insert = pg_user_insert,
    .user_find_login = pg_user_find_login,
    .user_find_id = pg_user_find_id,
    .user_set_role = pg_user_set_role,
    .session_insert = pg_session_insert,
    .session_find = pg_session_find,
    .session_delete = pg_session_delete,
    .comment_insert = pg_comment_insert,
    .comment_insert_batch = pg_comment_insert_batch,
    .comment_find = pg_comment_find,
    .comment_list = pg_comment_list,
    .comment_position = pg_comment_position,
    .comment_events = pg_comment_events,
    .rate_take = pg_rate_take,
    .site_key = pg_site_key,
    .prune = pg_prune,
    .data_changed = pg_data_changed,
    .transaction = pg_transaction,
    .table_export = pg_table_export,
    .table_import_begin = pg_table_import_begin,
    .table_import_row = pg_table_import_row,
    .table_import_end = pg_table_import_end,
    .table_sync_ids = pg_table_sync_ids,
};

static struct pg_store *to_pg(struct store *st)
{
    return (struct pg_store *)st;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq messages end in a newline (sometimes two lines); log lines must not. */
static int msg_len(const char *m)
{
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    return n > INT_MAX ? INT_MAX : (int)n;
}

/* One log line from a message that may span several ("ERROR: ...\nDETAIL: ..."). */
const char *pg_one_line(const char *m, char *buf, size_t size)
{
    snprintf(buf, size, "%.*s", msg_len(m), m);
    for (char *p = buf; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    }
    return buf;
}

/* libpq's receiver type takes a const PGresult *; the header cannot name it. */
static void on_notice(void *arg, const PGresult *r)
{
    pg_notice_receiver(arg, r);
}

/* ---- connection parameters ---- */

static void params_add(struct pg_params *p, size_t *cap, const char *k, const char *v)
{
    if (p->n + 1 >= *cap) {
        *cap = *cap * 2 + 8;
        p->keys = xrealloc(p->keys, *cap * sizeof(*p->keys));
        p->vals = xrealloc(p->vals, *cap * sizeof(*p->vals));
    }
    p->keys[p->n] = xstrdup(k);
    p->vals[p->n] = xstrdup(v);
    p->n++;
    p->keys[p->n] = NULL;
    p->vals[p->n] = NULL;
}

static bool params_has(const struct pg_params *p, const char *k)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->keys[i], k) == 0)
            return true;
    }
    return false;
}

/* Logs why `url` cannot be used, showing it redacted. libpq's reasons quote the piece
 * they could not read, which may be the password ("invalid percent-encoded token:
 * \"p%zzw\""), so every quoted piece of `why` is replaced too. */
static void log_bad_url(const char *url, const char *why)
{
    struct buf b = BUF_INIT;
    url_redact(&b, url);
    buf_puts(&b, ": ");
    bool quoted = false;
    for (size_t i = 0, n = (size_t)msg_len(why); i < n; i++) {
        if (why[i] == '"') {
            quoted = !quoted;
            buf_putc(&b, '"');
            if (quoted)
                buf_puts(&b, URL_REDACTED);
        } else if (!quoted) {
            buf_putc(&b, why[i] == '\n' || why[i] == '\t' ? ' ' : why[i]);
        }
    }
    log_error(NULL, "postgres: bad database URL %s", buf_cstr(&b));
    buf_cleanup(&b);
}

/* True when a host or port holds what only a password could have put there. libpq
 * ends the user info at the first '@' or '/', so in "postgresql://u:p@ss@db/x" the
 * host is "ss@db" and in "postgresql://u:pa/ss@db/x" the port is "pa", and its
 * connection errors would quote them. A Unix socket path may hold an '@' (an
 * abstract socket's name starts with one); a host name, an address or a port never. */
static bool password_spilled(const struct pg_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const char *v = p->vals[i];
        if (strcmp(p->keys[i], "port") == 0 && v[strspn(v, "0123456789,")] != '\0')
            return true;
        if (strcmp(p->keys[i], "host") != 0)
            continue;
        /* A comma-separated list of hosts. */
        for (const char *e = v; *e != '\0';) {
            size_t len = strcspn(e, ",");
            const char *at = memchr(e, '@', len);
            if (e[0] != '/' && at != NULL && at != e)
                return true;
            e += len + (e[len] == ',');
        }
    }
    return false;
}

int pg_params_from_url(const char *url, const char *app, bool listener, struct pg_params *out)
{
    char *err = NULL;
    size_t cap = 0;
    memset(out, 0, sizeof(*out));
    PQconninfoOption *opts = PQconninfoParse(url, &err);
    if (opts == NULL) {
        log_bad_url(url, err != NULL ? err : "out of memory");
        PQfreemem(err);
        return STET_EINVAL;
    }
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        /* Stet speaks UTF-8 whatever the URL says; text parameters are sent as is. */
        if (o->val != NULL && o->val[0] != '\0' && strcmp(o->keyword, "client_encoding") != 0)
            params_add(out, &cap, o->keyword, o->val);
    }
    PQconninfoFree(opts);
    if (password_spilled(out)) {
        log_bad_url(url, "a host or port holds part of the password; write '@' as %40 and '/' "
                         "as %2F in the user name and password");
        pg_params_cleanup(out);
        return STET_EINVAL;
    }
    params_add(out, &cap, "client_encoding", "UTF8");
    if (!params_has(out, "connect_timeout"))
        params_add(out, &cap, "connect_timeout", "5");
    if (!params_has(out, "application_name"))
        params_add(out, &cap, "application_name", app);
    if (listener) {
        static const char *const ka[][2] = {
            {"keepalives_idle", "30"}, {"keepalives_interval", "10"}, {"keepalives_count", "3"}};
        for (size_t i = 0; i < sizeof(ka) / sizeof(ka[0]); i++) {
            if (!params_has(out, ka[i][0]))
                params_add(out, &cap, ka[i][0], ka[i][1]);
        }
    }
    return 0;
}

void pg_params_cleanup(struct pg_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->keys[i]);
        free(p->vals[i]);
    }
    free(p->keys);
    free(p->vals);
    memset(p, 0, sizeof(*p));
}

int pg_store_conninfo(struct arena *a, const char *url, const char **out)
{
    struct pg_params p;
    struct buf b;
    int rc = pg_params_from_url(url, "stet", false, &p);
    if (rc != 0)
        return rc;
    buf_init(&b);
    for (size_t i = 0; i < p.n; i++) {
        if (strcmp(p.keys[i], "password") != 0)
            buf_printf(&b, "%s=%s\n", p.keys[i], p.vals[i]);
    }
    *out = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
    buf_cleanup(&b);
    pg_params_cleanup(&p);
    return 0;
}

/* ---- errors and the connection ---- */

/* Server notices (e.g. "relation already exists, skipping") are chatter; warnings
 * and out-of-band errors are worth a log line. */
void pg_notice_receiver(void *arg, const void *res)
{
    const PGresult *r = res;
    (void)arg;
    const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (sev != NULL && strcmp(sev, "NOTICE") != 0 && strcmp(sev, "INFO") != 0 &&
        strcmp(sev, "DEBUG") != 0 && strcmp(sev, "LOG") != 0) {
        char line[600];
        log_warn(NULL, "postgres: %s", pg_one_line(PQresultErrorMessage(r), line, sizeof(line)));
    }
}

static bool sqlstate_unavailable(const char *state)
{
    return state != NULL && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
                             strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0);
}

/* Maps a failed call (`r` may be NULL) to a STET_E* code, logging once unless the
 * outcome is an expected one (a unique value taken). */
static int fail(struct pg_store *ps, const PGresult *r, const char *what)
{
    char line[600];
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *m = r != NULL ? PQresultErrorMessage(r) : "";
    if (m[0] == '\0')
        m = PQerrorMessage(ps->conn);
    m = pg_one_line(m, line, sizeof(line));
    if (state != NULL && strcmp(state, "23505") == 0)
        return STET_ECONFLICT;
    if (PQstatus(ps->conn) != CONNECTION_OK || sqlstate_unavailable(state)) {
        /* The session is gone or going; reset before the next statement. */
        ps->must_reset = true;
        if (!ps->down)
            log_error(NULL, "postgres: %s: %s", what, m);
        ps->down = true;
        return STET_EUNAVAIL;
    }
    /* A foreign key names a row that does not exist; class 22 is data the server
     * will not store (bytes that are not UTF-8, a NUL): both are the caller's input. */
    if (state != NULL && (strcmp(state, "23503") == 0 || strncmp(state, "22", 2) == 0)) {
        log_warn(NULL, "postgres: %s: %s", what, m);
        return STET_EINVAL;
    }
    log_error(NULL, "postgres: %s: %s (%s)", what, m, state != NULL ? state : "-");
    return STET_EIO;
}

/* PQreset, then forget the statements prepared on the old session. A server that
 * refuses at once is asked again next time; one that took long to fail is left alone
 * for a second so that requests answer EUNAVAIL quickly instead of each waiting. */
static int reconnect(struct pg_store *ps)
{
    int64_t start = now_ms();
    if (ps->down && start < ps->retry_after)
        return STET_EUNAVAIL;
    PQreset(ps->conn);
    memset(ps->prepared, 0, sizeof(ps->prepared));
    ps->import_n = 0;
    ps->import_stale = false;
    ps->in_tx = false;
    ps->must_reset = false;
    if (PQstatus(ps->conn) == CONNECTION_OK) {
        if (ps->down)
            log_info(NULL, "postgres: reconnected");
        ps->down = false;
        ps->retry_after = 0;
        return 0;
    }
    if (!ps->down) {
        char line[600];
        log_error(NULL, "postgres: connection lost: %s",
                  pg_one_line(PQerrorMessage(ps->conn), line, sizeof(line)));
    }
    ps->down = true;
    int64_t end = now_ms();
    ps->retry_after = end - start >= 1000 ? end + 1000 : 0;
    ps->must_reset = true;
    return STET_EUNAVAIL;
}

/* An idle session has nothing to read unless the server closed it (a restart sends
 * an error and then EOF), so a readable socket is checked before it is trusted. */
static bool peer_closed(struct pg_store *ps)
{
    for (int i = 0; i < 4 && PQstatus(ps->conn) == CONNECTION_OK; i++) {
        struct pollfd pfd = {.fd = PQsocket(ps->conn), .events = POLLIN};
        if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
            break;
        if (!PQconsumeInput(ps->conn))
            break;
        (void)PQisBusy(ps->conn); /* parses what arrived */
        PGnotify *n;
        while ((n = PQnotifies(ps->conn)) != NULL)
            PQfreemem(n);
    }
    return PQstatus(ps->conn) != CONNECTION_OK;
}

/* Before a statement outside a transaction: a working session, or EUNAVAIL fast. */
static int ensure(struct pg_store *ps)
{
    if (ps->in_tx)
        return 0;
    if (!ps->must_reset && !peer_closed(ps))
        return 0;
    return reconnect(ps);
}

static void stmt_name(enum stmt_id id, char *out, size_t size)
{
    snprintf(out, size, "stet_%d", (int)id);
}

/* Statements are prepared on first use rather than in open, because before migrate
 * the tables they name do not exist yet. */
static int prepare(struct pg_store *ps, enum stmt_id id)
{
    char name[32];
    if (ps->prepared[id])
        return 0;
    stmt_name(id, name, sizeof(name));
    PGresult *r = PQprepare(ps->conn, name, stmts[id].sql, stmts[id].n_params, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(ps, r, stmts[id].what);
    PQclear(r);
    if (rc == 0)
        ps->prepared[id] = true;
    return rc;
}

/* Parameters: integers in text form, strings as their bytes ("binary" text, which is
 * the same bytes with a length, so slices need no copy or terminating NUL). */
enum { MAX_PARAMS = 12 };
struct params {
    int n;
    bool too_long;
    const char *val[MAX_PARAMS];
    int len[MAX_PARAMS];
    int fmt[MAX_PARAMS];
    char num[MAX_PARAMS][24];
};

static void p_i64(struct params *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof(p->num[p->n]), "%" PRId64, v);
    p->val[p->n] = p->num[p->n];
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void p_null(struct params *p)
{
    p->val[p->n] = NULL;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void p_i64_or_null(struct params *p, int64_t v)
{
    if (v == 0)
        p_null(p);
    else
        p_i64(p, v);
}

static void p_bool(struct params *p, bool v)
{
    p->val[p->n] = v ? "t" : "f";
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

/* NULL binds as "": the schema's text columns are NOT NULL. */
static void p_text(struct params *p, const char *ptr, size_t len)
{
    if (ptr == NULL) {
        ptr = "";
        len = 0;
    }
    if (len > INT_MAX / 2) {
        p->too_long = true;
        len = 0;
    }
    p->val[p->n] = ptr;
    p->len[p->n] = (int)len;
    p->fmt[p->n] = 1;
    p->n++;
}

static void p_cstr(struct params *p, const char *s)
{
    p_text(p, s, s != NULL ? strlen(s) : 0);
}

static void p_cstr_or_null(struct params *p, const char *s)
{
    if (s == NULL)
        p_null(p);
    else
        p_cstr(p, s);
}

/* Runs a prepared statement. 0 with *out set (PQclear it) when it succeeded, else
 * the mapped error. A read that lost its connection outside a transaction is tried
 * once more on a fresh one: nothing was changed, and the server may be back. */
static int exec(struct pg_store *ps, enum stmt_id id, const struct params *p, PGresult **out)
{
    char name[32];
    *out = NULL;
    if (p->too_long)
        return STET_ELIMIT;
    stmt_name(id, name, sizeof(name));
    for (int attempt = 0;; attempt++) {
        int rc = ensure(ps);
        if (rc == 0)
            rc = prepare(ps, id);
        if (rc == 0) {
            PGresult *r = PQexecPrepared(ps->conn, name, p->n, p->val, p->len, p->fmt, 0);
            ExecStatusType es = PQresultStatus(r);
            if (es == PGRES_TUPLES_OK || es == PGRES_COMMAND_OK) {
                if (!stmts[id].read_only)
                    ps->writes++;
                *out = r;
                return 0;
            }
            rc = fail(ps, r, stmts[id].what);
            PQclear(r);
        }
        if (rc != STET_EUNAVAIL || attempt > 0 || ps->in_tx || !stmts[id].read_only)
            return rc;
        ps->retry_after = 0;
    }
}

/* A statement whose rows are not needed. */
static int run(struct pg_store *ps, enum stmt_id id, const struct params *p, int64_t *changed)
{
    PGresult *r;
    int rc = exec(ps, id, p, &r);
    if (rc != 0)
        return rc;
    if (changed != NULL) {
        int64_t n = 0;
        const char *t = PQcmdTuples(r);
        if (str_to_i64(str_from(t), 0, INT64_MAX, &n) != 0)
            n = 0;
        *changed = n;
    }
    PQclear(r);
    return 0;
}

static int simple(struct pg_store *ps, const char *sql, const char *what)
{
    PGresult *r = PQexec(ps->conn, sql);
    ExecStatusType es = PQresultStatus(r);
    int rc = es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK ? 0 : fail(ps, r, what);
    PQclear(r);
    return rc;
}

static int tx_begin(struct pg_store *ps)
{
    int rc = ensure(ps);
    if (rc != 0)
        return rc;
    rc = simple(ps, "BEGIN", "begin");
    if (rc == 0)
        ps->in_tx = true;
    return rc;
}

static int tx_commit(struct pg_store *ps)
{
    ps->in_tx = false;
    return simple(ps, "COMMIT", "commit");
}

/* Called on any failure inside a transaction; a lost session rolled back by itself. */
static void tx_rollback(struct pg_store *ps)
{
    bool was = ps->in_tx;
    ps->in_tx = false;
    if (!was || PQstatus(ps->conn) != CONNECTION_OK ||
        PQtransactionStatus(ps->conn) == PQTRANS_IDLE)
        return;
    PGresult *r = PQexec(ps->conn, "ROLLBACK");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        ps->must_reset = true; /* leave no half-open transaction on a pooled session */
    PQclear(r);
}

int pg_store_open(const char *url, struct store **out)
{
    struct pg_params p;
    *out = NULL;
    int rc = pg_params_from_url(url, "stet", false, &p);
    if (rc != 0)
        return rc;
    PGconn *conn = PQconnectdbParams((const char *const *)p.keys, (const char *const *)p.vals, 0);
    pg_params_cleanup(&p);
    if (conn == NULL) {
        log_error(NULL, "postgres: connect: out of memory");
        return STET_EIO;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        char line[600];
        log_error(NULL, "postgres: connect: %s",
                  pg_one_line(PQerrorMessage(conn), line, sizeof(line)));
        PQfinish(conn);
        return STET_EUNAVAIL;
    }
    PQsetNoticeReceiver(conn, on_notice, NULL);
    struct pg_store *ps = xcalloc(1, sizeof(*ps));
    ps->base.ops = &pg_ops;
    ps->conn = conn;
    ps->url = xstrdup(url);
    *out = &ps->base;
    return 0;
}

int pg_store_has_schema(struct store *st, bool *has)
{
    struct pg_store *ps = to_pg(st);
    PGresult *r = PQexec(ps->conn, "SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        char line[600];
        log_error(NULL, "postgres: schema check: %s",
                  pg_one_line(PQerrorMessage(ps->conn), line, sizeof(line)));
        PQclear(r);
        return STET_EIO;
    }
    *has = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return 0;
}

static void pg_close(struct store *st)
{
    struct pg_store *ps = to_pg(st);
    pg_watch_release(ps->watch);
    PQfinish(ps->conn);
    free(ps->url);
    free(ps);
}

/* Other connections' commits come from the watcher, which hears them a moment after
 * they commit (LISTEN/NOTIFY); this connection's own writes are counted here, so
 * the caller sees them at once. The watcher starts with the first call, which, like
 * every call while it is not listening, answers "changed". */
static int pg_data_changed(struct store *st, bool *changed)
{
    struct pg_store *ps = to_pg(st);
    if (!ps->watch_tried) {
        ps->watch_tried = true;
        ps->watch = pg_watch_acquire(ps->url);
    }
    uint64_t heard = 0;
    bool listening = ps->watch != NULL && pg_watch_count(ps->watch, &heard);
    *changed = !ps->seen || !listening || heard != ps->seen_heard || ps->writes != ps->seen_writes;
    ps->seen = listening;
    ps->seen_heard = heard;
    ps->seen_writes = ps->writes;
    return 0;
}

/* ---- result readers ---- */

/* NULL for SQL NULL; otherwise an arena copy of the value's bytes. */
static const char *col_str_or_null(struct arena *a, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

static const char *col_str(struct arena *a, const PGresult *r, int row, int col)
{
    const char *s = col_str_or_null(a, r, row, col);
    return s != NULL ? s : arena_strndup(a, "", 0);
}

/* NULL reads as 0, like SQLite's column_int64. */
static int64_t col_i64(const PGresult *r, int row, int col)
{
    int64_t v = 0;
    if (PQgetisnull(r, row, col))
        return 0;
    struct str s = {PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col)};
    if (str_to_i64(s, INT64_MIN, INT64_MAX, &v) != 0)
        return 0;
    return v;
}

static bool col_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static void read_story(struct arena *a, const PGresult *r, int i, struct story *s)
{
    s->id = col_i64(r, i, 0);
    s->slug = col_str(a, r, i, 1);
    s->title = col_str(a, r, i, 2);
    s->byline = col_str(a, r, i, 3);
    s->body_src = col_str(a, r, i, 4);
    s->body_html = col_str(a, r, i, 5);
    s->published_at = col_i64(r, i, 6);
    s->created_at = col_i64(r, i, 7);
    s->n_comments = col_i64(r, i, 8);
    s->comments_open = col_bool(r, i, 9);
    s->event_seq = col_i64(r, i, 10);
    s->content_version = col_i64(r, i, 11);
}

/* The schema's CHECK keeps roles to the three names; anything else reads as the
 * least privileged role rather than failing the whole request. */
static enum role col_role(const PGresult *r, int i, int col)
{
    enum role role = ROLE_READER;
    if (!role_parse(PQgetvalue(r, i, col), (size_t)PQgetlength(r, i, col), &role))
        role = ROLE_READER;
    return role;
}

static void read_user(struct arena *a, const PGresult *r, int i, struct user *u)
{
    u->id = col_i64(r, i, 0);
    u->username = col_str(a, r, i, 1);
    u->display_name = col_str(a, r, i, 2);
    u->email = col_str(a, r, i, 3);
    u->role = col_role(r, i, 4);
    u->created_at = col_i64(r, i, 5);
}

static enum comment_status col_status(const PGresult *r, int i, int col)
{
    static const enum comment_status all[] = {COMMENT_VISIBLE, COMMENT_HELD, COMMENT_REJECTED,
                                              COMMENT_DELETED};
    const char *t = PQgetvalue(r, i, col);
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
        if (strcmp(t, comment_status_name(all[k])) == 0)
            return all[k];
    }
    /* Unknown text cannot pass the CHECK; hide such a row rather than show it. */
    return COMMENT_HELD;
}

static void read_comment(struct arena *a, const PGresult *r, int i, struct comment *c)
{
    c->id = col_i64(r, i, 0);
    c->story_id = col_i64(r, i, 1);
    c->story_slug = col_str(a, r, i, 2);
    c->parent_id = col_i64(r, i, 3);
    c->author_id = col_i64(r, i, 4);
    c->author_username = col_str_or_null(a, r, i, 5);
    c->author_display_name = col_str_or_null(a, r, i, 6);
    c->legacy_author = col_str_or_null(a, r, i, 7);
    c->body_src = col_str(a, r, i, 8);
    c->body_html = col_str(a, r, i, 9);
    c->created_at = col_i64(r, i, 10);
    c->edited_at = col_i64(r, i, 11);
    c->is_legacy = col_bool(r, i, 12);
    c->status = col_status(r, i, 13);
    c->event_seq = col_i64(r, i, 14);
    c->author_role = col_role(r, i, 15); /* NULL (no account) reads as reader */
}

/* A lookup key the server cannot hold (a NUL byte) matches nothing; one it rejects as
 * text (not UTF-8) matches nothing either, as on SQLite. */
static bool key_storable(struct str k)
{
    return k.len == 0 || memchr(k.ptr, '\0', k.len) == NULL;
}

static int lookup_rc(int rc)
{
    return rc == STET_EINVAL ? STET_ENOTFOUND : rc;
}

/* ---- migrations ---- */

static int cmp_file_name(const void *x, const void *y)
{
    const struct embedded_file *const *a = x;
    const struct embedded_file *const *b = y;
    return strcmp((*a)->name, (*b)->name);
}

/* "0001_init.sql" -> 1; -1 when the name does not start with digits and '_'. */
static int64_t migration_version(const char *name)
{
    int64_t v = 0;
    size_t i = 0;
    for (; name[i] >= '0' && name[i] <= '9'; i++) {
        if (i >= 9)
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    if (i == 0 || name[i] != '_')
        return -1;
    return v;
}

/* Applies one migration unless recorded, in its own transaction. */
static int migrate_one(struct pg_store *ps, const struct embedded_file *f, bool *ran)
{
    struct params p = {0};
    PGresult *r = NULL;
    int64_t version = migration_version(f->name);
    *ran = false;
    if (version < 0) {
        log_error(NULL, "postgres: migration %s: name must be NNNN_name.sql", f->name);
        return STET_EIO;
    }
    int rc = tx_begin(ps);
    if (rc != 0)
        return rc;
    p_i64(&p, version);
    rc = exec(ps, S_MIG_HAS, &p, &r);
    if (rc != 0)
        goto out;
    bool done = PQntuples(r) > 0;
    PQclear(r);
    if (done)
        goto out;
    char what[160];
    snprintf(what, sizeof(what), "migration %s", f->name);
    rc = simple(ps, (const char *)f->data, what);
    if (rc != 0)
        goto out;
    p = (struct params){0};
    p_i64(&p, version);
    p_cstr(&p, f->name);
    p_i64(&p, (int64_t)time(NULL));
    rc = run(ps, S_MIG_RECORD, &p, NULL);
    if (rc == 0)
        *ran = true;
out:
    if (rc == 0)
        rc = tx_commit(ps);
    if (rc != 0) {
        tx_rollback(ps);
        *ran = false;
    }
    return rc;
}

/* Applies the migrations numbered up to `max_version`, in order. */
static int migrate_upto(struct pg_store *ps, int64_t max_version, int *applied)
{
    size_t n_files = 0;
    int n_applied = 0;
    if (applied != NULL)
        *applied = 0;
    int rc = ensure(ps);
    if (rc != 0)
        return rc;
    /* Held for the whole run, so a second node waits and then finds nothing to do;
     * a session lock, released by the server too if this connection dies. */
    rc = simple(ps, "SELECT pg_advisory_lock(" PG_MIGRATE_LOCK ")", "migrate lock");
    if (rc != 0)
        return rc;
    rc = simple(ps,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                "migrate schema_migrations");

    while (embedded_migrations_pg[n_files].name != NULL)
        n_files++;
    const struct embedded_file **files = xcalloc(n_files + 1, sizeof(*files));
    for (size_t i = 0; i < n_files; i++)
        files[i] = &embedded_migrations_pg[i];
    qsort(files, n_files, sizeof(*files), cmp_file_name);
    for (size_t i = 0; i < n_files && rc == 0; i++) {
        bool ran;
        if (migration_version(files[i]->name) > max_version)
            break;
        rc = migrate_one(ps, files[i], &ran);
        if (ran) {
            n_applied++;
            log_info(NULL, "postgres: applied migration %s", files[i]->name);
        }
    }
    free(files);
    if (PQstatus(ps->conn) == CONNECTION_OK) {
        int urc = simple(ps, "SELECT pg_advisory_unlock(" PG_MIGRATE_LOCK ")", "migrate unlock");
        if (rc == 0)
            rc = urc;
    }
    if (applied != NULL)
        *applied = n_applied;
    return rc;
}

static int pg_migrate(struct store *st, int *applied)
{
    return migrate_upto(to_pg(st), INT64_MAX, applied);
}

int pg_store_migrate_upto(struct store *st, int64_t max_version, int *applied)
{
    return migrate_upto(to_pg(st), max_version, applied);
}

int pg_store_exec(struct store *st, const char *sql)
{
    struct pg_store *ps = to_pg(st);
    int rc = ensure(ps);
    return rc != 0 ? rc : simple(ps, sql, "exec");
}

/* ---- stories ---- */

static int check_page(const struct store_page *pg)
{
    if (pg == NULL || pg->limit < 0)
        return STET_EINVAL;
    return 0;
}

static int pg_story_insert(struct store *st, const struct story *s, int64_t *id)
{
    struct pg_store *ps = to_pg(st);
    struct params p = {0};
    PGresult *r;
    p_cstr(&p, s->slug);
    p_cstr(&p, s->title);
    p_cstr(&p, s->byline);
    p_cstr(&p, s->body_src);
    p_cstr(&p, s->body_html);
    p_i64(&p, s->published_at);
    p_i64(&p, s->created_at);
    p_bool(&p, s->comments_open);
    int rc = exec(ps, S_STORY_INSERT, &p, &r);
    if (rc != 0)
        return rc;
    if (id != NULL)
        *id = col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

static int pg_story_find(struct arena *a, struct store *st, struct str slug, struct story *out)
{
    struct pg_store *ps = to_pg(st);
    struct params p = {0};
    PGresult *r;
    if (!key_storable(slug))
        return STET_ENOTFOUND;
    p_text(&p, slug.ptr, slug.len);
    int rc = exec(ps, S_STORY_FIND, &p, &r);
    if (rc != 0)
        return lookup_rc(rc);
    rc = PQntuples(r) > 0 ? 0 : STET_ENOTFOUND;
    if (rc == 0)
        read_story(a, r, 0, out);
    PQclear(r);
    return rc;
}

/* Every row of `r` as a story in the arena; clears `r`. */
static void collect_stories(struct arena *a, PGresult *r, struct story **out, size_t *n)
{
    int cnt = PQntuples(r);
    struct story *arr = cnt > 0 ? ARENA_NEW_ARRAY(a, struct story, (size_t)cnt) : NULL;
    for (int i = 0; i < cnt; i++)
        read_story(a, r, i, &arr[i]);
    PQclear(r);
    *out = arr;
    *n = (size_t)cnt;
}

static int pg_story_list(struct arena *a, struct store *st, const struct store_page *pg,
                         struct story **out, size_t *n)
{
    struct pg_store *ps = to_pg(st);
    struct params p = {0};
    PGresult *r;
    *out = NULL;
    *n = 0;
    int rc = check_page(pg);
    if (rc != 0 || pg->limit == 0)
        return rc;
    /* No cursor: start above every possible row in (published_at DESC, id DESC). */
    p_i64(&p, pg->has_cursor ? pg->cursor_time : INT64_MAX);
    p_i64(&p, pg->has_cursor ? pg->cursor_id : INT64_MAX);
    p_i64(&p, pg->limit);
    rc = exec(ps, S_STORY_LIST, &p, &r);
    if (rc != 0)
        return rc;
    collect_stories(a, r, out, n);
    return 0;
}

static int pg_story_set_open(struct store *st, int64_t story_id, bool open)
{
    struct params p = {0};
    int64_t changed = 0;
    p_i64(&p, story_id);
    p_bool(&p, open);
    int rc = run(to_pg(st), S_STORY_SET_OPEN, &p, &changed);
    if (rc == 0 && changed == 0)
        return STET_ENOTFOUND;
    return rc;
}

static int pg_story_counts(struct store *st, const struct str *slugs, size_t n, int64_t *counts)
{
    struct pg_store *ps = to_pg(st);
    /* One point lookup per slug on the unique index; n is bounded by the caller. */
    for (size_t i = 0; i < n; i++) {
        struct params p = {0};
        PGresult *r;
        counts[i] = -1;
        if (!key_storable(slugs[i]))
            continue;
        p_text(&p, slugs[i].ptr, slugs[i].len);
        int rc = exec(ps, S_STORY_COUNT, &p, &r);
        if (rc == STET_EINVAL)
            continue;
        if (rc != 0)
            return rc;
        if (PQntuples(r) > 0)
            counts[i] = col_i64(r, 0, 0);
        PQclear(r);
    }
    return 0;
}

/* ---- the archive: stories by time range and by month ---- */

static int pg_story_list_range(struct arena *a, struct store *st, int64_t from, int64_t to,
                               const struct store_page *pg, struct story **out, size_t *n)
{
    struct pg_store *ps = to_pg(st);
    struct params p = {0};
    PGresult *r;
    *out = NULL;
    *n = 0;
    int rc = check_page(pg);
    if (rc != 0 || pg->limit == 0)
        return rc;
    /* No cursor: start beyond every possible row on the side the order starts from. */
    int64_t edge = pg->newest_first ? INT64_MAX : INT64_MIN;
    p_i64(&p, from);
    p_i64(&p, to);
    p_i64(&p, pg->has_cursor ? pg->cursor_time : edge);
    p_i64(&p, pg->has_cursor ? pg->cursor_id : edge);
    p_i64(&p, pg->limit);
    rc = exec(ps, pg->newest_first ? S_STORY_RANGE_DESC : S_STORY_RANGE_ASC, &p, &r);
    if (rc != 0)
        return rc;
    collect_stories(a, r, out, n);
    return 0;
}

static int pg_story_months(struct arena *a, struct store *st, int64_t from, int64_t to, int limit,
                           struct store_month **out, size_t *n)
{
    struct pg_store *ps = to_pg(st);
    struct params p = {0};
    PGresult *r;
    *out = NULL;
    *n = 0;
    if (limit < 1 || from < TIME_MIN)
        return STET_EINVAL;
    p_i64(&p, from);
    p_i64(&p, to);
    p_i64(&p, limit);
    int rc = exec(ps, S_STORY_MONTHS, &p, &r);
    if (rc != 0)
        return rc;
    int cnt = PQntuples(r);
    struct store_month *arr = cnt > 0 ? ARENA_NEW_ARRAY(a, struct store_month, (size_t)cnt) : NULL;
    for (int i = 0; i < cnt; i++) {
        arr[i].start = col_i64(r, i, 0);
        arr[i].n_stories = col_i64(r, i, 1);
    }
    PQclear(r);
    *out = arr;
    *n = (size_t)cnt;
    return 0;
}

/* ---- users and sessions ---- */

static int pg_user_insert(struct store *st, const struct user *u, const char *password_hash,
                          int64_t *id)
{
    struct params p = {0};
    PGresult *r;
    char name_key[IDENT_KEY_MAX + 1], email_key[IDENT_KEY_MAX + 1];
    struct str name = str_from(u->username), email = str_from(u->email);
    /* Without the shapes SPEC 6 allows there is no key to keep the account by. */
    if (!ident_is_username(name) || !ident_is_email(email))
        return STET_EINVAL;
    size_t name_len = ident_key(name, name_key), email_len = ident_key(email, email_key);
    p_cstr(&p, u->username);
    p_cstr(&p, u->display_name);
    p_cstr(&p, u->email);
    p_cstr(&p, password_hash);
    p_cstr(&p, role_name(u->role));
    p_i64(&p, u->created_at);
    p_text(&p, name_key, name_len);
    p_text(&p, email_key, email_len);
    int rc = exec(to_pg(st), S_USER_INSERT, &p, &r);
    if (rc != 0)
        return rc;
    if (id != NULL)
        *id = col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

static int pg_user_find_login(struct arena *a, struct store *st, struct str login, struct user *out,
                              const char **password_hash)
{
    struct params p = {0};
    PGresult *r;
    char key[IDENT_KEY_MAX + 1];
    /* A text that is neither a username nor an e-mail address names nobody. */
    size_t key_len = ident_key(login, key);
    if (key_len == 0)
        return STET_ENOTFOUND;
    p_text(&p, key, key_len);
    int rc = exec(to_pg(st), S_USER_FIND_LOGIN, &p, &r);
    if (rc != 0)
        return lookup_rc(rc);
    rc = PQntuples(r) > 0 ? 0 : STET_ENOTFOUND;
    if (rc == 0) {
        read_user(a, r, 0, out);
        if (password_hash != NULL)
            *password_hash = col_str(a, r, 0, 6);
    }
    PQclear(r);
    return rc;
}

static int pg_user_find_id(struct arena *a, struct store *st, int64_t id, struct user *out)
{
    struct params p = {0};
    PGresult *r;
    p_i64(&p, id);
    int rc = exec(to_pg(st), S_USER_FIND_ID, &p, &r);
    if (rc != 0)
        return rc;
    rc = PQntuples(r) > 0 ? 0 : STET_ENOTFOUND;
    if (rc == 0)
        read_user(a, r, 0, out);
    PQclear(r);
    return rc;
}

/* The stories first: their statement compares against the role before the change. */
static int pg_user_set_role(struct store *st, struct str username, enum role role)
{
    struct pg_store *ps = to_pg(st);
    struct params p = {0};
    int64_t changed = 0;
    char key[IDENT_KEY_MAX + 1];
    if ((unsigned)role > ROLE_ADMIN)
        return STET_EINVAL;
    if (!ident_is_username(username))
        return STET_ENOTFOUND;
    p_text(&p, key, ident_key(username, key));
    p_cstr(&p, role_name(role));
    int rc = tx_begin(ps);
    if (rc != 0)
        return rc;
    rc = run(ps, S_USER_STORIES_BUMP, &p, NULL);
    if (rc == 0)
        rc = run(ps, S_USER_SET_ROLE, &p, &changed);
    if (rc == 0 && changed == 0)
        rc = STET_ENOTFOUND;
    if (rc == 0)
        rc = tx_commit(ps);
    if (rc != 0)
        tx_rollback(ps);
    return lookup_rc(rc);
}

static bool token_hash_ok(const char *token_hash)
{
    return token_hash != NULL &&
           strnlen(token_hash, STORE_TOKEN_HASH_LEN + 1) == STORE_TOKEN_HASH_LEN;
}

static int pg_session_insert(struct store *st, const char *token_hash, int64_t user_id,
                             int64_t created_at, int64_t expires_at)
{
    struct params p = {0};
    if (!token_hash_ok(token_hash))
        return STET_EINVAL;
    p_cstr(&p, token_hash);
    p_i64(&p, user_id);
    p_i64(&p, created_at);
    p_i64(&p, expires_at);
    return run(to_pg(st), S_SESSION_INSERT, &p, NULL);
}

static int pg_session_find(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                           struct user *out)
{
    struct params p = {0};
    PGresult *r;
    if (!token_hash_ok(token_hash))
        return STET_ENOTFOUND;
    p_cstr(&p, token_hash);
    p_i64(&p, now);
    int rc = exec(to_pg(st), S_SESSION_FIND, &p, &r);
    if (rc != 0)
        return lookup_rc(rc);
    rc = PQntuples(r) > 0 ? 0 : STET_ENOTFOUND;
    if (rc == 0)
        read_user(a, r, 0, out);
    PQclear(r);
    return rc;
}

static int pg_session_delete(struct store *st, const char *token_hash)
{
    struct params p = {0};
    int64_t changed = 0;
    if (!token_hash_ok(token_hash))
        return STET_ENOTFOUND;
    p_cstr(&p, token_hash);
    int rc = run(to_pg(st), S_SESSION_DELETE, &p, &changed);
    if (rc == 0 && changed == 0)
        return STET_ENOTFOUND;
    return lookup_rc(rc);
}

/* ---- comments ---- */

/* The body of one comment insert, inside a transaction the caller opened: the story
 * first (its row lock orders concurrent inserts, and its new number goes into the
 * comment row), then the row, then the NOTIFY that other nodes receive at commit. */
static int comment_insert_in_tx(struct pg_store *ps, const struct comment *c, int64_t *id,
                                int64_t *event_seq)
{
    struct params p = {0};
    PGresult *r = NULL;
    int64_t seq = 0;
    int rc;
    if (c->status == COMMENT_VISIBLE) {
        p_i64(&p, c->story_id);
        rc = exec(ps, S_STORY_BUMP, &p, &r);
        if (rc != 0)
            return rc;
        if (PQntuples(r) == 0)
            rc = STET_EINVAL; /* no such story, as the foreign key would say */
        else
            seq = col_i64(r, 0, 0);
        PQclear(r);
        if (rc != 0)
            return rc;
    }
    p = (struct params){0};
    p_i64(&p, c->story_id);
    p_i64_or_null(&p, c->parent_id);
    p_i64_or_null(&p, c->author_id);
    p_cstr_or_null(&p, c->legacy_author);
    p_cstr(&p, c->body_src);
    p_cstr(&p, c->body_html);
    p_i64(&p, c->created_at);
    p_i64_or_null(&p, c->edited_at);
    p_bool(&p, c->is_legacy);
    p_cstr(&p, comment_status_name(c->status));
    p_i64_or_null(&p, seq);
    rc = exec(ps, S_COMMENT_INSERT, &p, &r);
    if (rc != 0)
        return rc;
    int64_t new_id = col_i64(r, 0, 0);
    PQclear(r);
    if (seq != 0) {
        p = (struct params){0};
        p_i64(&p, c->story_id);
        p_i64(&p, seq);
        rc = run(ps, S_NOTIFY, &p, NULL);
        if (rc != 0)
            return rc;
    }
    *id = new_id;
    *event_seq = seq;
    return 0;
}

static int pg_comment_insert(struct store *st, const struct comment *c, int64_t *id,
                             int64_t *event_seq)
{
    struct pg_store *ps = to_pg(st);
    int64_t new_id = 0, seq = 0;
    if ((unsigned)c->status > COMMENT_DELETED)
        return STET_EINVAL;
    int rc = tx_begin(ps);
    if (rc != 0)
        return rc;
    rc = comment_insert_in_tx(ps, c, &new_id, &seq);
    if (rc == 0)
        rc = tx_commit(ps);
    if (rc != 0) {
        tx_rollback(ps);
        return rc;
    }
    if (id != NULL)
        *id = new_id;
    if (event_seq != NULL)
        *event_seq = seq;
    return 0;
}

/* Each row runs in a savepoint; the previous row's is released in the same round
 * trip that sets the next one. A NOTIFY made in a savepoint that is rolled back is
 * never sent. */
static int pg_comment_insert_batch(struct store *st, const struct comment *const *cs, size_t n,
                                   int64_t *ids, int64_t *seqs, int *rcs)
{
    struct pg_store *ps = to_pg(st);
    bool have_savepoint = false;
    int rc = tx_begin(ps);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ids[i] = 0;
        seqs[i] = 0;
        if ((unsigned)cs[i]->status > COMMENT_DELETED) {
            rcs[i] = STET_EINVAL;
            continue;
        }
        rc = simple(
            ps, have_savepoint ? "RELEASE SAVEPOINT gc_row; SAVEPOINT gc_row" : "SAVEPOINT gc_row",
            "savepoint");
        if (rc != 0)
            break;
        have_savepoint = true;
        rcs[i] = comment_insert_in_tx(ps, cs[i], &ids[i], &seqs[i]);
        if (rcs[i] != 0) {
            ids[i] = 0;
            seqs[i] = 0;
            if (rcs[i] == STET_EUNAVAIL) {
                rc = rcs[i];
                break;
            }
            rc = simple(ps, "ROLLBACK TO SAVEPOINT gc_row", "rollback to savepoint");
        }
    }
    if (rc == 0) {
        /* COMMIT of a failed transaction "succeeds" by rolling back; catch that. */
        if (PQtransactionStatus(ps->conn) != PQTRANS_INTRANS) {
            log_error(NULL, "postgres: group commit: the transaction had failed");
            rc = STET_EIO;
        } else {
            rc = tx_commit(ps);
        }
    }
    if (rc != 0) {
        tx_rollback(ps);
        for (size_t i = 0; i < n; i++) {
            ids[i] = 0;
            seqs[i] = 0;
            rcs[i] = rc;
        }
    }
    return rc;
}

static int pg_comment_find(struct arena *a, struct store *st, int64_t id, struct comment *out)
{
    struct params p = {0};
    PGresult *r;
    p_i64(&p, id);
    int rc = exec(to_pg(st), S_COMMENT_FIND, &p, &r);
    if (rc != 0)
        return rc;
    rc = PQntuples(r) > 0 ? 0 : STET_ENOTFOUND;
    if (rc == 0)
        read_comment(a, r, 0, out);
    PQclear(r);
    return rc;
}

static int read_comments(struct arena *a, PGresult *r, struct comment **out, size_t *n)
{
    int cnt = PQntuples(r);
    struct comment *arr = cnt > 0 ? ARENA_NEW_ARRAY(a, struct comment, (size_t)cnt) : NULL;
    for (int i = 0; i < cnt; i++)
        read_comment(a, r, i, &arr[i]);
    PQclear(r);
    *out = arr;
    *n = (size_t)cnt;
    return 0;
}

static int pg_comment_list(struct arena *a, struct store *st, const struct comment_filter *f,
                           const struct store_page *pg, struct comment **out, size_t *n)
{
    struct params p = {0};
    PGresult *r;
    enum stmt_id id;
    *out = NULL;
    *n = 0;
    int rc = check_page(pg);
    if (rc != 0 || pg->limit == 0)
        return rc;
    if (f->viewer_id != 0)
        id = pg->newest_first ? S_COMMENT_LIST_VIEWER_DESC : S_COMMENT_LIST_VIEWER_ASC;
    else
        id = pg->newest_first ? S_COMMENT_LIST_DESC : S_COMMENT_LIST_ASC;
    /* No cursor: start beyond every row in the chosen direction. The keyset is the
     * id alone (cursor_time plays no part). */
    int64_t start = pg->newest_first ? INT64_MAX : INT64_MIN;
    p_i64(&p, f->story_id);
    p_i64(&p, pg->has_cursor ? pg->cursor_id : start);
    p_i64(&p, pg->limit);
    if (f->viewer_id != 0)
        p_i64(&p, f->viewer_id);
    rc = exec(to_pg(st), id, &p, &r);
    if (rc != 0)
        return rc;
    return read_comments(a, r, out, n);
}

static int pg_comment_position(struct store *st, int64_t story_id, int64_t id, int page_size,
                               int64_t *n_before, int64_t *page_after)
{
    struct params p = {0};
    PGresult *r;
    *n_before = 0;
    *page_after = 0;
    if (page_size < 1)
        return STET_EINVAL;
    p_i64(&p, story_id);
    p_i64(&p, id);
    p_i64(&p, page_size);
    int rc = exec(to_pg(st), S_COMMENT_POSITION, &p, &r);
    if (rc != 0)
        return rc;
    /* An aggregate: always one row. */
    if (PQntuples(r) == 1) {
        *n_before = col_i64(r, 0, 0);
        *page_after = col_i64(r, 0, 1);
    }
    PQclear(r);
    return 0;
}

static int pg_comment_events(struct arena *a, struct store *st, int64_t story_id, int64_t after_seq,
                             int limit, struct comment **out, size_t *n)
{
    struct params p = {0};
    PGresult *r;
    *out = NULL;
    *n = 0;
    if (limit < 0)
        return STET_EINVAL;
    if (limit == 0)
        return 0;
    p_i64(&p, story_id);
    p_i64(&p, after_seq);
    p_i64(&p, limit);
    int rc = exec(to_pg(st), S_COMMENT_EVENTS, &p, &r);
    if (rc != 0)
        return rc;
    return read_comments(a, r, out, n);
}

/* ---- rate limits and housekeeping ---- */

/* One bucket's upsert; *wait receives its wait (0: a token was taken). */
static int take_one(struct pg_store *ps, const struct store_rate_bucket *b, int64_t now_ms,
                    int64_t *wait)
{
    struct params p = {0};
    PGresult *r;
    int64_t span = b->interval_ms * b->capacity;
    p_text(&p, b->key, STORE_RATE_KEY_LEN);
    p_i64(&p, now_ms);
    p_i64(&p, b->interval_ms);
    p_i64(&p, span);
    int rc = exec(ps, S_RATE_TAKE, &p, &r);
    if (rc != 0)
        return rc;
    bool got = PQntuples(r) == 1;
    int64_t full_at = got ? col_i64(r, 0, 0) : 0;
    bool denied = got && col_bool(r, 0, 1);
    PQclear(r);
    if (!got) {
        log_error(NULL, "postgres: rate_take: no bucket returned");
        return STET_EIO;
    }
    /* Denied: the stored time plus one interval is over the span ahead of now, and
     * a hit is allowed again once it no longer is. */
    *wait = denied ? full_at + b->interval_ms - span - now_ms : 0;
    return 0;
}

/* All or none: the takes run in one transaction, rolled back when a bucket had no
 * token, so a refused request spends nothing anywhere. */
static int pg_rate_take(struct store *st, const struct store_rate_bucket *b, size_t n,
                        int64_t now_ms, int64_t *wait_ms)
{
    struct pg_store *ps = to_pg(st);
    if (!store_rate_args_ok(b, n, now_ms))
        return STET_EINVAL;
    int64_t wait = 0;
    int rc = tx_begin(ps);
    for (size_t i = 0; i < n && rc == 0; i++) {
        int64_t w = 0;
        rc = take_one(ps, &b[i], now_ms, &w);
        if (w > wait)
            wait = w;
    }
    if (rc == 0 && wait == 0)
        rc = tx_commit(ps);
    if (rc != 0 || wait > 0)
        tx_rollback(ps);
    if (rc != 0)
        return rc;
    *wait_ms = wait;
    return 0;
}

static int pg_site_key(struct store *st, const char *name, const char *candidate, char *out)
{
    struct params p = {0};
    PGresult *r;
    if (name == NULL || name[0] == '\0' ||
        strnlen(name, STORE_SITE_KEY_NAME_MAX + 1) > STORE_SITE_KEY_NAME_MAX ||
        !store_is_hex(candidate, STORE_SITE_KEY_LEN))
        return STET_EINVAL;
    p_cstr(&p, name);
    p_text(&p, candidate, STORE_SITE_KEY_LEN);
    int rc = exec(to_pg(st), S_SITE_KEY, &p, &r);
    if (rc != 0)
        return rc;
    bool ok = PQntuples(r) == 1 && store_is_hex(PQgetvalue(r, 0, 0), STORE_SITE_KEY_LEN);
    if (ok)
        memcpy(out, PQgetvalue(r, 0, 0), STORE_SITE_KEY_LEN + 1);
    PQclear(r);
    if (!ok) {
        log_error(NULL, "postgres: site_key: the stored key is not %d hex digits",
                  STORE_SITE_KEY_LEN);
        return STET_EIO;
    }
    return 0;
}

static int pg_prune(struct store *st, int64_t now, int limit, int64_t *sessions, int64_t *buckets)
{
    struct pg_store *ps = to_pg(st);
    int64_t n_sessions = 0, n_buckets = 0;
    if (limit < 1 || now < 0 || now > STORE_RATE_NOW_MAX_MS / 1000)
        return STET_EINVAL;
    int rc = tx_begin(ps);
    if (rc != 0)
        return rc;
    struct params p = {0};
    p_i64(&p, now);
    p_i64(&p, limit);
    rc = run(ps, S_PRUNE_SESSIONS, &p, &n_sessions);
    if (rc == 0) {
        p = (struct params){0};
        p_i64(&p, now * 1000);
        p_i64(&p, limit);
        rc = run(ps, S_PRUNE_BUCKETS, &p, &n_buckets);
    }
    if (rc == 0)
        rc = tx_commit(ps);
    if (rc != 0) {
        tx_rollback(ps);
        return rc;
    }
    *sessions = n_sessions;
    *buckets = n_buckets;
    return 0;
}

/* ---- bulk copy ---- */

static int pg_transaction(struct store *st, enum store_tx step)
{
    struct pg_store *ps = to_pg(st);
    int rc;
    switch (step) {
    case STORE_TX_SNAPSHOT:
        if ((rc = ensure(ps)) != 0)
            return rc;
        rc = simple(ps, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "begin snapshot");
        if (rc == 0)
            ps->in_tx = true;
        return rc;
    case STORE_TX_WRITE:
        return tx_begin(ps);
    case STORE_TX_COMMIT:
        if (!ps->in_tx)
            return 0;
        /* COMMIT of a failed transaction "succeeds" by rolling back; say so instead. */
        if (PQtransactionStatus(ps->conn) != PQTRANS_INTRANS) {
            tx_rollback(ps);
            log_error(NULL, "postgres: commit: the transaction had failed; rolled back");
            return STET_EIO;
        }
        return tx_commit(ps);
    case STORE_TX_ROLLBACK:
        tx_rollback(ps);
        return 0;
    }
    return STET_EINVAL;
}

static void put_list(struct buf *b, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%s", i > 0 ? ", " : "", names[i]);
}

/* Hands one fetched batch to fn, booleans rewritten to the copier's "0"/"1". */
static int export_batch(const PGresult *r, size_t n, const char **vals, size_t *lens,
                        store_row_fn fn, void *ctx)
{
    for (int row = 0; row < PQntuples(r); row++) {
        for (size_t i = 0; i < n; i++) {
            int col = (int)i;
            if (PQgetisnull(r, row, col)) {
                vals[i] = NULL;
                lens[i] = 0;
            } else if (PQftype(r, col) == PG_BOOLOID) {
                vals[i] = PQgetvalue(r, row, col)[0] == 't' ? "1" : "0";
                lens[i] = 1;
            } else {
                vals[i] = PQgetvalue(r, row, col);
                lens[i] = (size_t)PQgetlength(r, row, col);
            }
        }
        int rc = fn(ctx, vals, lens, n);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A cursor, so a large table streams in batches instead of arriving whole. */
static int pg_table_export(struct store *st, const char *table, const char *const *columns,
                           size_t n, size_t n_key, store_row_fn fn, void *ctx)
{
    struct pg_store *ps = to_pg(st);
    struct buf sql;
    bool own_tx = !ps->in_tx, declared = false;
    if (!store_ident_ok(table) || !store_idents_ok(columns, n) || n_key == 0 || n_key > n ||
        n > INT_MAX || fn == NULL)
        return STET_EINVAL;
    int rc = own_tx ? tx_begin(ps) : 0;
    if (rc != 0)
        return rc;
    buf_init(&sql);
    buf_puts(&sql, "DECLARE stet_export NO SCROLL CURSOR FOR SELECT ");
    put_list(&sql, columns, n);
    buf_printf(&sql, " FROM %s ORDER BY ", table);
    put_list(&sql, columns, n_key);
    rc = simple(ps, buf_cstr(&sql), "table_export");
    buf_cleanup(&sql);
    declared = rc == 0;
    const char **vals = xcalloc(n, sizeof(*vals));
    size_t *lens = xcalloc(n, sizeof(*lens));
    while (rc == 0) {
        PGresult *r = PQexec(ps->conn, "FETCH FORWARD " PG_EXPORT_BATCH " FROM stet_export");
        if (PQresultStatus(r) != PGRES_TUPLES_OK || (size_t)PQnfields(r) != n) {
            rc = fail(ps, r, "table_export fetch");
            PQclear(r);
            break;
        }
        bool last = PQntuples(r) == 0;
        rc = export_batch(r, n, vals, lens, fn, ctx);
        PQclear(r);
        if (last)
            break;
    }
    free(vals);
    free(lens);
    /* A caller's transaction goes on, so its cursor must go; a failed one cannot. */
    if (declared && PQtransactionStatus(ps->conn) == PQTRANS_INTRANS) {
        int crc = simple(ps, "CLOSE stet_export", "table_export close");
        if (rc == 0)
            rc = crc;
    }
    if (own_tx) {
        if (rc == 0)
            rc = pg_transaction(st, STORE_TX_COMMIT);
        else
            tx_rollback(ps);
    }
    return rc;
}

static int pg_table_import_begin(struct store *st, const char *table, const char *const *columns,
                                 size_t n)
{
    struct pg_store *ps = to_pg(st);
    struct buf sql;
    if (!store_ident_ok(table) || !store_idents_ok(columns, n) || n > 1000)
        return STET_EINVAL;
    pg_table_import_end(st);
    int rc = ensure(ps);
    if (rc != 0)
        return rc;
    if (ps->import_stale) {
        rc = simple(ps, "DEALLOCATE stet_import", "table_import deallocate");
        if (rc != 0)
            return rc;
        ps->import_stale = false;
    }
    buf_init(&sql);
    buf_printf(&sql, "INSERT INTO %s (", table);
    put_list(&sql, columns, n);
    buf_puts(&sql, ") VALUES (");
    for (size_t i = 0; i < n; i++)
        buf_printf(&sql, "%s$%zu", i > 0 ? ", " : "", i + 1);
    buf_puts(&sql, ")");
    /* Untyped parameters take the types of their target columns, so decimal text
     * becomes BIGINT and "0"/"1" BOOLEAN by the server's own input rules. */
    PGresult *r = PQprepare(ps->conn, "stet_import", buf_cstr(&sql), (int)n, NULL);
    buf_cleanup(&sql);
    rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(ps, r, "table_import prepare");
    PQclear(r);
    if (rc == 0)
        ps->import_n = (int)n;
    return rc;
}

static int pg_table_import_row(struct store *st, const char *const *values, const size_t *lens,
                               size_t n)
{
    struct pg_store *ps = to_pg(st);
    if (ps->import_n == 0 || n != (size_t)ps->import_n)
        return STET_EINVAL;
    for (size_t i = 0; i < n; i++) {
        /* Text parameters end at the first NUL; the server could not store one anyway. */
        if (values[i] != NULL && memchr(values[i], '\0', lens[i]) != NULL) {
            log_warn(NULL, "postgres: table_import: a text value holds a NUL byte");
            return STET_EINVAL;
        }
    }
    PGresult *r = PQexecPrepared(ps->conn, "stet_import", (int)n, values, NULL, NULL, 0);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(ps, r, "table_import");
    PQclear(r);
    ps->writes++;
    return rc;
}

/* A statement cannot be dropped inside a failed transaction; then it is dropped
 * before the next import instead. */
static void pg_table_import_end(struct store *st)
{
    struct pg_store *ps = to_pg(st);
    if (ps->import_n == 0)
        return;
    ps->import_n = 0;
    ps->import_stale = true;
    if (PQstatus(ps->conn) != CONNECTION_OK)
        return;
    PGTransactionStatusType ts = PQtransactionStatus(ps->conn);
    if (ts != PQTRANS_IDLE && ts != PQTRANS_INTRANS)
        return;
    PGresult *r = PQexec(ps->conn, "DEALLOCATE stet_import");
    if (PQresultStatus(r) == PGRES_COMMAND_OK)
        ps->import_stale = false;
    PQclear(r);
}

static int pg_table_sync_ids(struct store *st, const char *table, const char *column)
{
    struct pg_store *ps = to_pg(st);
    struct buf sql;
    if (!store_ident_ok(table) || !store_ident_ok(column))
        return STET_EINVAL;
    int rc = ensure(ps);
    if (rc != 0)
        return rc;
    /* setval is strict: on an empty table max() is NULL and the sequence stays. */
    buf_init(&sql);
    buf_printf(&sql, "SELECT setval(pg_get_serial_sequence('%s', '%s'), max(%s)) FROM %s", table,
               column, column, table);
    rc = simple(ps, buf_cstr(&sql), "table_sync_ids");
    buf_cleanup(&sql);
    return rc;
}

/* ---- test support ---- */

int pg_store_list_plans(struct arena *a, struct store *st, int64_t story_id, int64_t viewer_id,
                        int64_t after_seq, const char **plan)
{
    static const char *const modes[] = {"force_custom_plan", "force_generic_plan"};
    const struct {
        const char *name;
        enum stmt_id id;
        const char *args;
    } lists[] = {
        {"story_list", S_STORY_LIST, "9223372036854775807, 9223372036854775807, 20"},
        {"story_counts", S_STORY_COUNT, "'no-such-slug'"},
        {"comment_list_asc", S_COMMENT_LIST_ASC,
         arena_printf(a, "%" PRId64 ", -9223372036854775808, 50", story_id)},
        {"comment_list_desc", S_COMMENT_LIST_DESC,
         arena_printf(a, "%" PRId64 ", 9223372036854775807, 50", story_id)},
        {"comment_list_viewer_asc", S_COMMENT_LIST_VIEWER_ASC,
         arena_printf(a, "%" PRId64 ", -9223372036854775808, 50, %" PRId64, story_id, viewer_id)},
        {"comment_list_viewer_desc", S_COMMENT_LIST_VIEWER_DESC,
         arena_printf(a, "%" PRId64 ", 9223372036854775807, 50, %" PRId64, story_id, viewer_id)},
        /* A stream catching up is a few numbers behind. */
        {"comment_events", S_COMMENT_EVENTS,
         arena_printf(a, "%" PRId64 ", %" PRId64 ", 50", story_id, after_seq)},
        {"user_find_login", S_USER_FIND_LOGIN, "'somebody'"},
        {"session_find", S_SESSION_FIND,
         "'0123456789abcdef0123456789abcdef0123456789abcdef01234567"
         "89abcdef', 0"},
    };
    struct pg_store *ps = to_pg(st);
    struct buf b;
    int rc = ensure(ps);
    if (rc != 0)
        return rc;
    rc = simple(ps, "ANALYZE", "analyze");
    buf_init(&b);
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]) && rc == 0; m++) {
        rc = simple(ps, arena_printf(a, "SET plan_cache_mode = %s", modes[m]), "explain");
        for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]) && rc == 0; i++) {
            char name[32];
            rc = prepare(ps, lists[i].id);
            if (rc != 0)
                break;
            stmt_name(lists[i].id, name, sizeof(name));
            PGresult *r =
                PQexec(ps->conn, arena_printf(a, "EXPLAIN EXECUTE %s (%s)", name, lists[i].args));
            if (PQresultStatus(r) != PGRES_TUPLES_OK) {
                rc = fail(ps, r, "explain");
                PQclear(r);
                break;
            }
            buf_printf(&b, "== %s %s\n", lists[i].name, modes[m]);
            for (int k = 0; k < PQntuples(r); k++)
                buf_printf(&b, "%s\n", PQgetvalue(r, k, 0));
            PQclear(r);
        }
    }
    if (rc == 0)
        rc = simple(ps, "RESET plan_cache_mode", "explain");
    if (rc == 0)
        *plan = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
    buf_cleanup(&b);
    return rc;
}

int pg_store_lib_version(void)
{
    return PQlibVersion();
}
