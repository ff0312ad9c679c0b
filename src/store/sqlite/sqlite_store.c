/* The SQLite backend of the store: one sqlite3 connection per struct store, every
 * query a cached prepared statement with bound parameters, multi-row writes in one
 * BEGIN IMMEDIATE transaction. Driver errors are logged here and mapped to STET_E*. */
#include "store/sqlite/sqlite_store.h"

#include "base/buf.h"
#include "base/embedded.h"
#include "base/ident.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "base/xalloc.h"
#include "store/sql_ident.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
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
    S_BEGIN_SNAPSHOT,
    S_SAVEPOINT,
    S_ROLLBACK_TO,
    S_RELEASE,
    S_DATA_VERSION,
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
 * (story_id, status, id), no sort. */
#define COMMENT_LIST(cmp, dir)                                                                     \
    "SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                        \
    " WHERE c.story_id = ?1 AND c.status = 'visible' AND c.id " cmp " ?2"                          \
    " ORDER BY c.id " dir " LIMIT ?3"

/* Visible plus the viewer's held comments: each branch is its own bounded range scan
 * of comments_story, so only the (at most 2 * limit) survivors get sorted. */
#define COMMENT_BRANCH(status_cond, cmp, dir)                                                      \
    "SELECT id FROM (SELECT id FROM comments WHERE story_id = ?1 AND " status_cond " AND id " cmp  \
    " ?2 ORDER BY id " dir " LIMIT ?3)"
/* clang-format off */
#define COMMENT_LIST_VIEWER(cmp, dir)                                                              \
    "SELECT " COMMENT_COLS " FROM ("                                                               \
    COMMENT_BRANCH("status = 'visible'", cmp, dir)                                                 \
    " UNION ALL "                                                                                  \
    COMMENT_BRANCH("status = 'held' AND author_id = ?4", cmp, dir)                                 \
    ") p JOIN comments c ON c.id = p.id" COMMENT_JOINS                                             \
    " ORDER BY c.id " dir " LIMIT ?3"
/* clang-format on */

/* The count of a story's visible comments before id ?2, and the id of the last one
 * before the ?3-sized page that ?2 falls on (0 on the first page): one range scan
 * of comments_story (story_id, status, id), numbering the rows as it goes. */
#define COMMENT_POSITION                                                                           \
    "SELECT count(*), coalesce(max(CASE WHEN r = n / ?3 * ?3 - 1 THEN id END), 0) FROM "           \
    "(SELECT id, row_number() OVER (ORDER BY id) - 1 AS r, count(*) OVER () AS n FROM comments"    \
    " WHERE story_id = ?1 AND status = 'visible' AND id < ?2) w"

static const char *const stmt_sql[N_STMT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_MIG_HAS] = "SELECT 1 FROM schema_migrations WHERE version = ?1",
    [S_MIG_RECORD] =
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
    [S_STORY_INSERT] = "INSERT INTO stories (slug, title, byline, body_src, body_html, "
                       "published_at, created_at, comments_open) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_STORY_FIND] = "SELECT " STORY_COLS " FROM stories WHERE slug = ?1",
    [S_STORY_LIST] = "SELECT " STORY_COLS " FROM stories WHERE (published_at, id) < (?1, ?2) "
                     "ORDER BY published_at DESC, id DESC LIMIT ?3",
    [S_STORY_SET_OPEN] = "UPDATE stories SET comments_open = ?2, "
                         "content_version = content_version + 1 WHERE id = ?1",
    [S_STORY_COUNT] = "SELECT comment_count FROM stories WHERE slug = ?1",
    /* Both directions are one range scan of stories_published, no sort. */
    [S_STORY_RANGE_ASC] = "SELECT " STORY_COLS " FROM stories WHERE published_at >= ?1 "
                          "AND published_at < ?2 AND (published_at, id) > (?3, ?4) "
                          "ORDER BY published_at ASC, id ASC LIMIT ?5",
    [S_STORY_RANGE_DESC] = "SELECT " STORY_COLS " FROM stories WHERE published_at >= ?1 "
                           "AND published_at < ?2 AND (published_at, id) < (?3, ?4) "
                           "ORDER BY published_at DESC, id DESC LIMIT ?5",
    /* A month as its first second: the number both backends can compute alike. */
    [S_STORY_MONTHS] = "SELECT CAST(strftime('%s', published_at, 'unixepoch', 'start of month') "
                       "AS INTEGER) AS month, count(*) FROM stories "
                       "WHERE published_at >= ?1 AND published_at < ?2 "
                       "GROUP BY month ORDER BY month DESC LIMIT ?3",
    /* The keys are base/ident.c's, computed here in C: the database never folds. */
    [S_USER_INSERT] =
        "INSERT INTO users (username, display_name, email, password_hash, role, "
        "created_at, username_key, email_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    /* A username key holds no '@' and an e-mail key always one: at most one row. */
    [S_USER_FIND_LOGIN] = "SELECT " USER_COLS ", u.password_hash FROM users u "
                          "WHERE u.username_key = ?1 OR u.email_key = ?1",
    [S_USER_FIND_ID] = "SELECT " USER_COLS " FROM users u WHERE u.id = ?1",
    [S_USER_SET_ROLE] = "UPDATE users SET role = ?2 WHERE username_key = ?1",
    /* A role shows as the staff badge on every comment of the user: a real change
     * moves the content version of each story they commented on (comments_author). */
    [S_USER_STORIES_BUMP] = "UPDATE stories SET content_version = content_version + 1 "
                            "WHERE id IN (SELECT c.story_id FROM users u JOIN comments c ON "
                            "c.author_id = u.id WHERE u.username_key = ?1 AND u.role <> ?2)",
    [S_SESSION_INSERT] = "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
                         "VALUES (?1, ?2, ?3, ?4)",
    [S_SESSION_FIND] = "SELECT " USER_COLS " FROM sessions se JOIN users u ON u.id = se.user_id "
                       "WHERE se.token_hash = ?1 AND se.expires_at > ?2",
    [S_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
    [S_COMMENT_INSERT] =
        "INSERT INTO comments (story_id, parent_id, author_id, legacy_author, "
        "body_src, body_html, created_at, edited_at, is_legacy, status, event_seq) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    /* The story row is the per-story sequence: bumping it under the write lock is what
     * makes event numbers gap-free and commit in order. */
    [S_STORY_BUMP] = "UPDATE stories SET comment_count = comment_count + 1, "
                     "event_seq = event_seq + 1, content_version = content_version + 1 "
                     "WHERE id = ?1 RETURNING event_seq",
    [S_COMMENT_FIND] = "SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS " WHERE c.id = ?1",
    [S_COMMENT_LIST_ASC] = COMMENT_LIST(">", "ASC"),
    [S_COMMENT_LIST_DESC] = COMMENT_LIST("<", "DESC"),
    [S_COMMENT_LIST_VIEWER_ASC] = COMMENT_LIST_VIEWER(">", "ASC"),
    [S_COMMENT_LIST_VIEWER_DESC] = COMMENT_LIST_VIEWER("<", "DESC"),
    [S_COMMENT_POSITION] = COMMENT_POSITION,
    /* One range scan of comments_events; held comments have no number. */
    [S_COMMENT_EVENTS] = "SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS
                         " WHERE c.story_id = ?1 AND c.event_seq > ?2 AND c.status = 'visible'"
                         " ORDER BY c.event_seq LIMIT ?3",
    /* A token bucket kept as the time it is full again (GCRA): a hit at ?2 moves
     * that time on by one interval (?3) unless that would put it beyond the
     * bucket's whole span (?4 = capacity * interval) ahead of now. One statement,
     * so concurrent hits from any connection are each counted once. In the DO
     * UPDATE, a bare column is the stored row's value. */
    [S_RATE_TAKE] =
        "INSERT INTO rate_buckets (bucket, full_at, last_denied) VALUES (?1, ?2 + ?3, 0) "
        "ON CONFLICT (bucket) DO UPDATE SET "
        "full_at = CASE WHEN max(full_at, ?2) + ?3 <= ?2 + ?4 "
        "THEN max(full_at, ?2) + ?3 ELSE full_at END, "
        "last_denied = max(full_at, ?2) + ?3 > ?2 + ?4 "
        "RETURNING full_at, last_denied",
    /* The update that changes nothing makes the statement return the stored key. */
    [S_SITE_KEY] = "INSERT INTO site_keys (name, secret) VALUES (?1, ?2) "
                   "ON CONFLICT (name) DO UPDATE SET secret = site_keys.secret RETURNING secret",
    [S_PRUNE_SESSIONS] = "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM "
                         "sessions WHERE expires_at <= ?1 LIMIT ?2)",
    [S_PRUNE_BUCKETS] = "DELETE FROM rate_buckets WHERE bucket IN (SELECT bucket FROM "
                        "rate_buckets WHERE full_at <= ?1 LIMIT ?2)",
    /* Deferred: the snapshot starts at the first read and holds no write lock. */
    [S_BEGIN_SNAPSHOT] = "BEGIN DEFERRED",
    /* One per row of a group commit, so a failing row undoes only itself. */
    [S_SAVEPOINT] = "SAVEPOINT gc_row",
    [S_ROLLBACK_TO] = "ROLLBACK TO gc_row",
    [S_RELEASE] = "RELEASE gc_row",
    /* Moves when another connection, in any process, committed since this one last
     * asked; this connection's own writes do not move it (total_changes covers them). */
    [S_DATA_VERSION] = "PRAGMA data_version",
};

struct sqlite_store {
    struct store base; /* first, so a struct store * converts back */
    sqlite3 *db;
    sqlite3_stmt *stmts[N_STMT];
    sqlite3_stmt *import; /* the bulk copier's INSERT, between import begin and end */
    size_t import_n;
    bool sync_full; /* the durability level set at open, restored after rate hits */
    /* Restoring it failed: every statement tries again first and fails while it
     * cannot, rather than write with less durability than promised. */
    bool sync_lost;
    char deny_pragma[2][32]; /* tests: the pragma's name and value to refuse */
    /* What data_changed saw at its previous call. */
    bool seen;
    int64_t seen_version;
    int64_t seen_writes;
};

static void sq_close(struct store *st);
static int sq_migrate(struct store *st, int *applied);
static int sq_story_insert(struct store *st, const struct story *s, int64_t *id);
static int sq_story_find(struct arena *a, struct store *st, struct str slug, struct story *out);
static int sq_story_list(struct arena *a, struct store *st, const struct store_page *pg,
                         struct story **out, size_t *n);
static int sq_story_set_open(struct store *st, int64_t story_id, bool open);
static int sq_story_counts(struct store *st, const struct str *slugs, size_t n, int64_t *counts);
static int sq_story_list_range(struct arena *a, struct store *st, int64_t from, int64_t to,
                               const struct store_page *pg, struct story **out, size_t *n);
static int sq_story_months(struct arena *a, struct store *st, int64_t from, int64_t to, int limit,
                           struct store_month **out, size_t *n);
static int sq_user_insert(struct store *st, const struct user *u, const char *password_hash,
                          int64_t *id);
static int sq_user_find_login(struct arena *a, struct store *st, struct str login, struct user *out,
                              const char **password_hash);
static int sq_user_find_id(struct arena *a, struct store *st, int64_t id, struct user *out);
static int sq_user_set_role(struct store *st, struct str username, enum role role);
static int sq_session_insert(struct store *st, const char *token_hash, int64_t user_id,
                             int64_t created_at, int64_t expires_at);
static int sq_session_find(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                           struct user *out);
static int sq_session_delete(struct store *st, const char *token_hash);
static int sq_comment_insert(struct store *st, const struct comment *c, int64_t *id,
                             int64_t *event_seq);
static int sq_comment_insert_batch(struct store *st, const struct comment *const *cs, size_t n,
                                   int64_t *ids, int64_t *seqs, int *rcs);
static int sq_comment_find(struct arena *a, struct store *st, int64_t id, struct comment *out);
static int sq_comment_list(struct arena *a, struct store *st, const struct comment_filter *f,
                           const struct store_page *pg, struct comment **out, size_t *n);
static int sq_comment_position(struct store *st, int64_t story_id, int64_t id, int page_size,
                               int64_t *n_before, int64_t *page_after);
static int sq_comment_events(struct arena *a, struct store *st, int64_t story_id, int64_t after_seq,
                             int limit, struct comment **out, size_t *n);
static int sq_rate_take(struct store *st, const struct store_rate_bucket *b, size_t n,
                        int64_t now_ms, int64_t *wait_ms);
static int sq_site_key(struct store *st, const char *name, const char *candidate, char *out);
static int sq_prune(struct store *st, int64_t now, int limit, int64_t *sessions, int64_t *buckets);
static int sq_data_changed(struct store *st, bool *changed);
static int sq_transaction(struct store *st, enum store_tx step);
static int sq_table_export(struct store *st, const char *table, const char *const *columns,
                           size_t n, size_t n_key, store_row_fn fn, void *ctx);
static int sq_table_import_begin(struct store *st, const char *table, const char *const *columns,
                                 size_t n);
static int sq_table_import_row(struct store *st, const char *const *values, const size_t *lens,
                               size_t n);
static void sq_table_import_end(struct store *st);
static int sq_table_sync_ids(struct store *st, const char *table, const char *column);

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .story_insert = sq_story_insert,
    .story_find = sq_story_find,
    .story_list = sq_story_list,
    .story_set_open = sq_story_set_open,
    .story_counts = sq_story_counts,
    .story_list_range = sq_story_list_range,
    .story_months = sq_story_months,
    .user_insert = sq_user_insert,
    .user_find_login = sq_user_find_login,
    .user_find_id = sq_user_find_id,
    .user_set_role = sq_user_set_role,
    .session_insert = sq_session_insert,
    .session_find = sq_session_find,
    .session_delete = sq_session_delete,
    .comment_insert = sq_comment_insert,
    .comment_insert_batch = sq_comment_insert_batch,
    .comment_find = sq_comment_find,
    .comment_list = sq_comment_list,
    .comment_position = sq_comment_position,
    .comment_events = sq_comment_events,
    .rate_take = sq_rate_take,
    .site_key = sq_site_key,
    .prune = sq_prune,
    .data_changed = sq_data_changed,
    .transaction = sq_transaction,
    .table_export = sq_table_export,
    .table_import_begin = sq_table_import_begin,
    .table_import_row = sq_table_import_row,
    .table_import_end = sq_table_import_end,
    .table_sync_ids = sq_table_sync_ids,
};

static struct sqlite_store *to_sq(struct store *st)
{
    return (struct sqlite_store *)st;
}

/* Maps a failed SQLite call to a STET_E* code, logging once unless the outcome is an
 * expected one (a unique value taken). `rc` is an extended result code. */
static int fail(struct sqlite_store *ss, int rc, const char *what)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return STET_ECONFLICT;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        log_warn(NULL, "sqlite: %s: %s", what, sqlite3_errmsg(ss->db));
        return STET_EINVAL;
    default:
        break;
    }
    log_error(NULL, "sqlite: %s: %s (%d)", what, sqlite3_errmsg(ss->db), rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
        return STET_EUNAVAIL;
    default:
        return STET_EIO;
    }
}

/* Puts synchronous back to the level chosen at open (see sq_rate_take). The pragma
 * takes effect while it is prepared, so it cannot be a cached statement. */
static int sync_restore(struct sqlite_store *ss)
{
    int rc = sqlite3_exec(
        ss->db, ss->sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", NULL,
        NULL, NULL);
    ss->sync_lost = rc != SQLITE_OK;
    return rc == SQLITE_OK ? 0 : fail(ss, rc, "restore synchronous");
}

/* Statements are prepared on first use rather than in open, because before migrate
 * the tables they name do not exist yet. */
static int stmt_get(struct sqlite_store *ss, enum stmt_id id, sqlite3_stmt **out)
{
    if (ss->sync_lost && sync_restore(ss) != 0)
        return STET_EIO;
    if (ss->stmts[id] == NULL) {
        int rc = sqlite3_prepare_v3(ss->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &ss->stmts[id], NULL);
        if (rc != SQLITE_OK) {
            ss->stmts[id] = NULL;
            return fail(ss, rc, "prepare");
        }
    }
    *out = ss->stmts[id];
    return 0;
}

/* Every use ends here: a statement left un-reset would hold its read transaction
 * open, pinning an old snapshot and blocking WAL checkpoints. */
static void stmt_done(sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

/* Text that must not be NULL in the schema; a NULL pointer binds as "". The bytes
 * stay owned by the caller until stmt_done, hence SQLITE_STATIC. */
static int bind_text(sqlite3_stmt *q, int i, const char *p, size_t len)
{
    if (p == NULL) {
        p = "";
        len = 0;
    }
    return sqlite3_bind_text64(q, i, p, len, SQLITE_STATIC, SQLITE_UTF8);
}

static int bind_cstr(sqlite3_stmt *q, int i, const char *s)
{
    return bind_text(q, i, s, s != NULL ? strlen(s) : 0);
}

static int bind_cstr_or_null(sqlite3_stmt *q, int i, const char *s)
{
    if (s == NULL)
        return sqlite3_bind_null(q, i);
    return bind_text(q, i, s, strlen(s));
}

static int bind_nonzero_or_null(sqlite3_stmt *q, int i, int64_t v)
{
    if (v == 0)
        return sqlite3_bind_null(q, i);
    return sqlite3_bind_int64(q, i, v);
}

/* NULL for SQL NULL; otherwise an arena copy (text may legally hold NUL bytes, so
 * the length comes from the column, not strlen). */
static const char *col_str_or_null(struct arena *a, sqlite3_stmt *q, int i)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = sqlite3_column_text(q, i);
    int n = sqlite3_column_bytes(q, i);
    if (t == NULL || n <= 0)
        return arena_strndup(a, "", 0);
    return arena_strndup(a, (const char *)t, (size_t)n);
}

static const char *col_str(struct arena *a, sqlite3_stmt *q, int i)
{
    const char *s = col_str_or_null(a, q, i);
    return s != NULL ? s : arena_strndup(a, "", 0);
}

/* Runs a statement that returns no rows (or whose rows are ignored) and resets it. */
static int run(struct sqlite_store *ss, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    int ret = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : fail(ss, rc, what);
    stmt_done(q);
    return ret;
}

static int run_id(struct sqlite_store *ss, enum stmt_id id, const char *what)
{
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, id, &q);
    if (rc != 0)
        return rc;
    return run(ss, q, what);
}

static int tx_begin(struct sqlite_store *ss)
{
    return run_id(ss, S_BEGIN, "begin");
}

static int tx_commit(struct sqlite_store *ss)
{
    return run_id(ss, S_COMMIT, "commit");
}

/* Called on any failure inside a transaction; a no-op when SQLite already rolled
 * back on its own (some errors do). */
static void tx_rollback(struct sqlite_store *ss)
{
    if (sqlite3_get_autocommit(ss->db))
        return;
    if (run_id(ss, S_ROLLBACK, "rollback") != 0)
        return;
}

/* One bind failure is as good as any: it can only be SQLITE_NOMEM/TOOBIG/RANGE. */
static int bind_failed(struct sqlite_store *ss, sqlite3_stmt *q, int rc, const char *what)
{
    int ret = fail(ss, rc, what);
    stmt_done(q);
    return ret;
}

int sqlite_store_open(const char *path, struct store **out)
{
    return sqlite_store_open_sync(path, true, out);
}

/* True when the connection's database holds stet's schema (schema_migrations, which
 * `migrate` creates first). Read before any pragma, so that looking at an empty or
 * foreign file never writes to it (journal_mode = WAL would). */
static int has_schema(struct sqlite_store *ss, bool *has)
{
    static const char sql[] =
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(ss->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return fail(ss, rc, "schema check");
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(ss, rc, "schema check");
    *has = rc == SQLITE_ROW;
    return 0;
}

/* `create`: SQLITE_OPEN_CREATE, for migrate and serve; without it a missing file,
 * or one without stet's schema, is STET_ENOTFOUND and not logged (the command says
 * how to make the database). */
static int open_conn(const char *path, bool sync_full, bool create, struct store **out)
{
    /* FULL: a COMMIT returns after the WAL is fsynced. NORMAL in WAL mode fsyncs
     * only at checkpoints: safe against a crash of the process, not of the machine.
     * Every read looks its pages up in the WAL's index, so a long WAL slows every
     * page view (measured: half the speed at 2.7 MB): checkpoint after ~400 KB
     * instead of SQLite's 4 MB default. */
    static const char pragmas_full[] = "PRAGMA busy_timeout = 5000;"
                                       "PRAGMA journal_mode = WAL;"
                                       "PRAGMA wal_autocheckpoint = 100;"
                                       "PRAGMA synchronous = FULL;"
                                       "PRAGMA foreign_keys = ON;";
    static const char pragmas_normal[] = "PRAGMA busy_timeout = 5000;"
                                         "PRAGMA journal_mode = WAL;"
                                         "PRAGMA wal_autocheckpoint = 100;"
                                         "PRAGMA synchronous = NORMAL;"
                                         "PRAGMA foreign_keys = ON;";
    const char *pragmas = sync_full ? pragmas_full : pragmas_normal;
    *out = NULL;
    if (path == NULL || path[0] == '\0') {
        log_error(NULL, "sqlite: empty database path");
        return STET_EINVAL;
    }
    struct sqlite_store *ss = xcalloc(1, sizeof(*ss));
    ss->base.ops = &sqlite_ops;
    ss->sync_full = sync_full;
    /* NOMUTEX: a connection is used by one thread at a time (the pool hands it out). */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &ss->db, flags, NULL);
    if (rc != SQLITE_OK) {
        int ret;
        if (!create && (rc & 0xff) == SQLITE_CANTOPEN && access(path, F_OK) != 0 &&
            errno == ENOENT) {
            ret = STET_ENOTFOUND;
        } else if (ss->db == NULL) {
            log_error(NULL, "sqlite: open %s: out of memory", path);
            ret = STET_EIO;
        } else {
            log_error(NULL, "sqlite: open %s: %s", path, sqlite3_errmsg(ss->db));
            ret = (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_BUSY ? STET_EUNAVAIL
                                                                               : STET_EIO;
        }
        sqlite3_close(ss->db);
        free(ss);
        return ret;
    }
    sqlite3_extended_result_codes(ss->db, 1);
    if (!create) {
        /* The pragma below sets it too, for every connection; the check comes first. */
        sqlite3_busy_timeout(ss->db, 5000);
        bool has = false;
        int ret = has_schema(ss, &has);
        if (ret != 0 || !has) {
            sqlite3_close(ss->db);
            free(ss);
            return ret != 0 ? ret : STET_ENOTFOUND;
        }
    }
    rc = sqlite3_exec(ss->db, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int ret = fail(ss, rc, "open pragmas");
        sqlite3_close(ss->db);
        free(ss);
        return ret;
    }
    *out = &ss->base;
    return 0;
}

int sqlite_store_open_sync(const char *path, bool sync_full, struct store **out)
{
    return open_conn(path, sync_full, true, out);
}

int sqlite_store_open_existing(const char *path, bool sync_full, struct store **out)
{
    return open_conn(path, sync_full, false, out);
}

static void sq_close(struct store *st)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_finalize(ss->import);
    for (int i = 0; i < N_STMT; i++)
        sqlite3_finalize(ss->stmts[i]);
    /* With every statement finalized this cannot fail with SQLITE_BUSY. */
    sqlite3_close(ss->db);
    free(ss);
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

/* Applies one migration unless recorded; checks inside the write transaction so two
 * processes migrating at once cannot both apply it. *ran is set when it did. */
static int migrate_one(struct sqlite_store *ss, const struct embedded_file *f, bool *ran)
{
    sqlite3_stmt *q = NULL;
    int64_t version = migration_version(f->name);
    *ran = false;
    if (version < 0) {
        log_error(NULL, "sqlite: migration %s: name must be NNNN_name.sql", f->name);
        return STET_EIO;
    }
    int rc = tx_begin(ss);
    if (rc != 0)
        return rc;
    rc = stmt_get(ss, S_MIG_HAS, &q);
    if (rc != 0)
        goto out;
    sqlite3_bind_int64(q, 1, version);
    int step = sqlite3_step(q);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = fail(ss, step, "migrate check");
    stmt_done(q);
    if (rc != 0 || step == SQLITE_ROW)
        goto out;

    step = sqlite3_exec(ss->db, (const char *)f->data, NULL, NULL, NULL);
    if (step != SQLITE_OK) {
        char what[160];
        snprintf(what, sizeof(what), "migration %s", f->name);
        rc = fail(ss, step, what);
        goto out;
    }
    rc = stmt_get(ss, S_MIG_RECORD, &q);
    if (rc != 0)
        goto out;
    sqlite3_bind_int64(q, 1, version);
    if ((step = bind_cstr(q, 2, f->name)) != SQLITE_OK) {
        rc = bind_failed(ss, q, step, "migrate record");
        goto out;
    }
    sqlite3_bind_int64(q, 3, (int64_t)time(NULL));
    rc = run(ss, q, "migrate record");
    if (rc == 0)
        *ran = true;
out:
    if (rc == 0)
        rc = tx_commit(ss);
    if (rc != 0) {
        tx_rollback(ss);
        *ran = false;
    }
    return rc;
}

/* Applies the migrations numbered up to `max_version`, in order. */
static int migrate_upto(struct sqlite_store *ss, int64_t max_version, int *applied)
{
    size_t n_files = 0;
    int n_applied = 0;
    if (applied != NULL)
        *applied = 0;
    int rc = sqlite3_exec(ss->db,
                          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                          "KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(ss, rc, "migrate schema_migrations");

    while (embedded_migrations_sqlite[n_files].name != NULL)
        n_files++;
    const struct embedded_file **files = xcalloc(n_files + 1, sizeof(*files));
    for (size_t i = 0; i < n_files; i++)
        files[i] = &embedded_migrations_sqlite[i];
    qsort(files, n_files, sizeof(*files), cmp_file_name);

    rc = 0;
    for (size_t i = 0; i < n_files && rc == 0; i++) {
        bool ran;
        if (migration_version(files[i]->name) > max_version)
            break;
        rc = migrate_one(ss, files[i], &ran);
        if (ran) {
            n_applied++;
            log_info(NULL, "sqlite: applied migration %s", files[i]->name);
        }
    }
    free(files);
    if (applied != NULL)
        *applied = n_applied;
    return rc;
}

static int sq_migrate(struct store *st, int *applied)
{
    return migrate_upto(to_sq(st), INT64_MAX, applied);
}

int sqlite_store_migrate_upto(struct store *st, int64_t max_version, int *applied)
{
    return migrate_upto(to_sq(st), max_version, applied);
}

int sqlite_store_synchronous(struct store *st, int *level)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(ss->db, "PRAGMA synchronous", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return fail(ss, rc, "pragma synchronous");
    rc = sqlite3_step(q);
    int ret = rc == SQLITE_ROW ? 0 : fail(ss, rc, "pragma synchronous");
    if (ret == 0)
        *level = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return ret;
}

int sqlite_store_exec(struct store *st, const char *sql)
{
    struct sqlite_store *ss = to_sq(st);
    int rc = sqlite3_exec(ss->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(ss, rc, "exec");
}

/* ---- row readers ---- */

static void read_story(struct arena *a, sqlite3_stmt *q, struct story *s)
{
    s->id = sqlite3_column_int64(q, 0);
    s->slug = col_str(a, q, 1);
    s->title = col_str(a, q, 2);
    s->byline = col_str(a, q, 3);
    s->body_src = col_str(a, q, 4);
    s->body_html = col_str(a, q, 5);
    s->published_at = sqlite3_column_int64(q, 6);
    s->created_at = sqlite3_column_int64(q, 7);
    s->n_comments = sqlite3_column_int64(q, 8);
    s->comments_open = sqlite3_column_int64(q, 9) != 0;
    s->event_seq = sqlite3_column_int64(q, 10);
    s->content_version = sqlite3_column_int64(q, 11);
}

/* The schema's CHECK keeps roles to the three names; anything else reads as the
 * least privileged role rather than failing the whole request. */
static enum role col_role(sqlite3_stmt *q, int i)
{
    enum role r = ROLE_READER;
    const unsigned char *t = sqlite3_column_text(q, i);
    int n = sqlite3_column_bytes(q, i);
    if (t != NULL && !role_parse((const char *)t, (size_t)n, &r))
        r = ROLE_READER;
    return r;
}

static void read_user(struct arena *a, sqlite3_stmt *q, struct user *u)
{
    u->id = sqlite3_column_int64(q, 0);
    u->username = col_str(a, q, 1);
    u->display_name = col_str(a, q, 2);
    u->email = col_str(a, q, 3);
    u->role = col_role(q, 4);
    u->created_at = sqlite3_column_int64(q, 5);
}

static enum comment_status col_status(sqlite3_stmt *q, int i)
{
    static const enum comment_status all[] = {COMMENT_VISIBLE, COMMENT_HELD, COMMENT_REJECTED,
                                              COMMENT_DELETED};
    const char *t = (const char *)sqlite3_column_text(q, i);
    for (size_t k = 0; t != NULL && k < sizeof(all) / sizeof(all[0]); k++) {
        if (strcmp(t, comment_status_name(all[k])) == 0)
            return all[k];
    }
    /* Unknown text cannot pass the CHECK; hide such a row rather than show it. */
    return COMMENT_HELD;
}

static void read_comment(struct arena *a, sqlite3_stmt *q, struct comment *c)
{
    c->id = sqlite3_column_int64(q, 0);
    c->story_id = sqlite3_column_int64(q, 1);
    c->story_slug = col_str(a, q, 2);
    c->parent_id = sqlite3_column_int64(q, 3); /* NULL reads as 0 */
    c->author_id = sqlite3_column_int64(q, 4);
    c->author_username = col_str_or_null(a, q, 5);
    c->author_display_name = col_str_or_null(a, q, 6);
    c->legacy_author = col_str_or_null(a, q, 7);
    c->body_src = col_str(a, q, 8);
    c->body_html = col_str(a, q, 9);
    c->created_at = sqlite3_column_int64(q, 10);
    c->edited_at = sqlite3_column_int64(q, 11);
    c->is_legacy = sqlite3_column_int64(q, 12) != 0;
    c->status = col_status(q, 13);
    c->event_seq = sqlite3_column_int64(q, 14); /* NULL reads as 0 */
    c->author_role = col_role(q, 15);           /* NULL (no account) reads as reader */
}

/* Steps a single-row query: 0 with the row current, ENOTFOUND, or the mapped error.
 * On non-zero the statement has been reset. */
static int step_one(struct sqlite_store *ss, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        return 0;
    int ret = rc == SQLITE_DONE ? STET_ENOTFOUND : fail(ss, rc, what);
    stmt_done(q);
    return ret;
}

/* Grows an arena array of `size`-byte elements up to `limit` entries; old copies are
 * abandoned in the arena, which is cheap next to a query. */
static void *grow(struct arena *a, void *arr, size_t size, size_t n, size_t *cap, size_t limit)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap == 0 ? 16 : *cap * 2;
    if (ncap > limit)
        ncap = limit;
    void *fresh = arena_alloc(a, size * ncap);
    if (n > 0)
        memcpy(fresh, arr, size * n);
    *cap = ncap;
    return fresh;
}

static int check_page(const struct store_page *pg)
{
    if (pg == NULL || pg->limit < 0)
        return STET_EINVAL;
    return 0;
}

/* ---- stories ---- */

static int sq_story_insert(struct store *st, const struct story *s, int64_t *id)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, S_STORY_INSERT, &q);
    if (rc != 0)
        return rc;
    int b = bind_cstr(q, 1, s->slug);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 2, s->title);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 3, s->byline);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 4, s->body_src);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 5, s->body_html);
    if (b != SQLITE_OK)
        return bind_failed(ss, q, b, "story_insert");
    sqlite3_bind_int64(q, 6, s->published_at);
    sqlite3_bind_int64(q, 7, s->created_at);
    sqlite3_bind_int(q, 8, s->comments_open ? 1 : 0);
    rc = run(ss, q, "story_insert");
    if (rc == 0 && id != NULL)
        *id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

static int sq_story_find(struct arena *a, struct store *st, struct str slug, struct story *out)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, S_STORY_FIND, &q);
    if (rc != 0)
        return rc;
    if ((rc = bind_text(q, 1, slug.ptr, slug.len)) != SQLITE_OK)
        return bind_failed(ss, q, rc, "story_find");
    rc = step_one(ss, q, "story_find");
    if (rc != 0)
        return rc;
    read_story(a, q, out);
    stmt_done(q);
    return 0;
}

/* Steps `q` (bound, at most `limit` rows) into an array of stories in the arena. */
static int collect_stories(struct arena *a, struct sqlite_store *ss, sqlite3_stmt *q, int limit,
                           const char *what, struct story **out, size_t *n)
{
    struct story *arr = NULL;
    size_t cap = 0, cnt = 0;
    int rc = 0;
    for (;;) {
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = fail(ss, step, what);
            break;
        }
        arr = grow(a, arr, sizeof(*arr), cnt, &cap, (size_t)limit);
        read_story(a, q, &arr[cnt++]);
    }
    stmt_done(q);
    if (rc != 0)
        return rc;
    *out = arr;
    *n = cnt;
    return 0;
}

static int sq_story_list(struct arena *a, struct store *st, const struct store_page *pg,
                         struct story **out, size_t *n)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    *out = NULL;
    *n = 0;
    int rc = check_page(pg);
    if (rc != 0 || pg->limit == 0)
        return rc;
    rc = stmt_get(ss, S_STORY_LIST, &q);
    if (rc != 0)
        return rc;
    /* No cursor: start above every possible row in (published_at DESC, id DESC). */
    sqlite3_bind_int64(q, 1, pg->has_cursor ? pg->cursor_time : INT64_MAX);
    sqlite3_bind_int64(q, 2, pg->has_cursor ? pg->cursor_id : INT64_MAX);
    sqlite3_bind_int64(q, 3, pg->limit);
    return collect_stories(a, ss, q, pg->limit, "story_list", out, n);
}

static int sq_story_set_open(struct store *st, int64_t story_id, bool open)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, S_STORY_SET_OPEN, &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, story_id);
    sqlite3_bind_int(q, 2, open ? 1 : 0);
    rc = run(ss, q, "story_set_open");
    if (rc == 0 && sqlite3_changes(ss->db) == 0)
        return STET_ENOTFOUND;
    return rc;
}

static int sq_story_counts(struct store *st, const struct str *slugs, size_t n, int64_t *counts)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, S_STORY_COUNT, &q);
    if (rc != 0)
        return rc;
    /* One point lookup per slug on the unique index; n is bounded by the caller. */
    for (size_t i = 0; i < n; i++) {
        if ((rc = bind_text(q, 1, slugs[i].ptr, slugs[i].len)) != SQLITE_OK)
            return bind_failed(ss, q, rc, "story_counts");
        rc = step_one(ss, q, "story_counts");
        if (rc == STET_ENOTFOUND) {
            counts[i] = -1;
            continue;
        }
        if (rc != 0)
            return rc;
        counts[i] = sqlite3_column_int64(q, 0);
        stmt_done(q);
    }
    return 0;
}

/* ---- the archive: stories by time range and by month ---- */

static int sq_story_list_range(struct arena *a, struct store *st, int64_t from, int64_t to,
                               const struct store_page *pg, struct story **out, size_t *n)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    *out = NULL;
    *n = 0;
    int rc = check_page(pg);
    if (rc != 0 || pg->limit == 0)
        return rc;
    rc = stmt_get(ss, pg->newest_first ? S_STORY_RANGE_DESC : S_STORY_RANGE_ASC, &q);
    if (rc != 0)
        return rc;
    /* No cursor: start beyond every possible row on the side the order starts from. */
    int64_t edge = pg->newest_first ? INT64_MAX : INT64_MIN;
    sqlite3_bind_int64(q, 1, from);
    sqlite3_bind_int64(q, 2, to);
    sqlite3_bind_int64(q, 3, pg->has_cursor ? pg->cursor_time : edge);
    sqlite3_bind_int64(q, 4, pg->has_cursor ? pg->cursor_id : edge);
    sqlite3_bind_int64(q, 5, pg->limit);
    return collect_stories(a, ss, q, pg->limit, "story_list_range", out, n);
}

static int sq_story_months(struct arena *a, struct store *st, int64_t from, int64_t to, int limit,
                           struct store_month **out, size_t *n)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    struct store_month *arr = NULL;
    size_t cap = 0, cnt = 0;
    *out = NULL;
    *n = 0;
    if (limit < 1 || from < TIME_MIN)
        return STET_EINVAL;
    int rc = stmt_get(ss, S_STORY_MONTHS, &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, from);
    sqlite3_bind_int64(q, 2, to);
    sqlite3_bind_int64(q, 3, limit);
    for (;;) {
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = fail(ss, step, "story_months");
            break;
        }
        arr = grow(a, arr, sizeof(*arr), cnt, &cap, (size_t)limit);
        arr[cnt].start = sqlite3_column_int64(q, 0);
        arr[cnt++].n_stories = sqlite3_column_int64(q, 1);
    }
    stmt_done(q);
    if (rc != 0)
        return rc;
    *out = arr;
    *n = cnt;
    return 0;
}

/* ---- users and sessions ---- */

static int sq_user_insert(struct store *st, const struct user *u, const char *password_hash,
                          int64_t *id)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    char name_key[IDENT_KEY_MAX + 1], email_key[IDENT_KEY_MAX + 1];
    struct str name = str_from(u->username), email = str_from(u->email);
    /* Without the shapes SPEC 6 allows there is no key to keep the account by. */
    if (!ident_is_username(name) || !ident_is_email(email))
        return STET_EINVAL;
    size_t name_len = ident_key(name, name_key), email_len = ident_key(email, email_key);
    int rc = stmt_get(ss, S_USER_INSERT, &q);
    if (rc != 0)
        return rc;
    int b = bind_cstr(q, 1, u->username);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 2, u->display_name);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 3, u->email);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 4, password_hash);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 5, role_name(u->role));
    if (b == SQLITE_OK)
        b = bind_text(q, 7, name_key, name_len);
    if (b == SQLITE_OK)
        b = bind_text(q, 8, email_key, email_len);
    if (b != SQLITE_OK)
        return bind_failed(ss, q, b, "user_insert");
    sqlite3_bind_int64(q, 6, u->created_at);
    rc = run(ss, q, "user_insert");
    if (rc == 0 && id != NULL)
        *id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

static int sq_user_find_login(struct arena *a, struct store *st, struct str login, struct user *out,
                              const char **password_hash)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    char key[IDENT_KEY_MAX + 1];
    /* A text that is neither a username nor an e-mail address names nobody. */
    size_t key_len = ident_key(login, key);
    if (key_len == 0)
        return STET_ENOTFOUND;
    int rc = stmt_get(ss, S_USER_FIND_LOGIN, &q);
    if (rc != 0)
        return rc;
    if ((rc = bind_text(q, 1, key, key_len)) != SQLITE_OK)
        return bind_failed(ss, q, rc, "user_find_login");
    rc = step_one(ss, q, "user_find_login");
    if (rc != 0)
        return rc;
    read_user(a, q, out);
    if (password_hash != NULL)
        *password_hash = col_str(a, q, 6);
    stmt_done(q);
    return 0;
}

static int sq_user_find_id(struct arena *a, struct store *st, int64_t id, struct user *out)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, S_USER_FIND_ID, &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    rc = step_one(ss, q, "user_find_id");
    if (rc != 0)
        return rc;
    read_user(a, q, out);
    stmt_done(q);
    return 0;
}

/* Runs one of user_set_role's statements, which both take the username key (?1) and
 * the new role's name (?2); `changed` receives the rows it changed. */
static int run_key_role(struct sqlite_store *ss, enum stmt_id id, const char *key, size_t key_len,
                        enum role role, int64_t *changed)
{
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, id, &q);
    if (rc != 0)
        return rc;
    int b = bind_text(q, 1, key, key_len);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 2, role_name(role));
    if (b != SQLITE_OK)
        return bind_failed(ss, q, b, "user_set_role");
    rc = run(ss, q, "user_set_role");
    *changed = rc == 0 ? sqlite3_changes64(ss->db) : 0;
    return rc;
}

/* The stories first: their statement compares against the role before the change. */
static int sq_user_set_role(struct store *st, struct str username, enum role role)
{
    struct sqlite_store *ss = to_sq(st);
    char key[IDENT_KEY_MAX + 1];
    int64_t stories = 0, users = 0;
    if ((unsigned)role > ROLE_ADMIN)
        return STET_EINVAL;
    if (!ident_is_username(username))
        return STET_ENOTFOUND;
    size_t key_len = ident_key(username, key);
    int rc = tx_begin(ss);
    if (rc != 0)
        return rc;
    rc = run_key_role(ss, S_USER_STORIES_BUMP, key, key_len, role, &stories);
    if (rc == 0)
        rc = run_key_role(ss, S_USER_SET_ROLE, key, key_len, role, &users);
    if (rc == 0 && users == 0)
        rc = STET_ENOTFOUND;
    if (rc == 0)
        rc = tx_commit(ss);
    if (rc != 0)
        tx_rollback(ss);
    return rc;
}

static bool token_hash_ok(const char *token_hash)
{
    return token_hash != NULL &&
           strnlen(token_hash, STORE_TOKEN_HASH_LEN + 1) == STORE_TOKEN_HASH_LEN;
}

static int sq_session_insert(struct store *st, const char *token_hash, int64_t user_id,
                             int64_t created_at, int64_t expires_at)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    if (!token_hash_ok(token_hash))
        return STET_EINVAL;
    int rc = stmt_get(ss, S_SESSION_INSERT, &q);
    if (rc != 0)
        return rc;
    if ((rc = bind_cstr(q, 1, token_hash)) != SQLITE_OK)
        return bind_failed(ss, q, rc, "session_insert");
    sqlite3_bind_int64(q, 2, user_id);
    sqlite3_bind_int64(q, 3, created_at);
    sqlite3_bind_int64(q, 4, expires_at);
    return run(ss, q, "session_insert");
}

static int sq_session_find(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                           struct user *out)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    if (!token_hash_ok(token_hash))
        return STET_ENOTFOUND;
    int rc = stmt_get(ss, S_SESSION_FIND, &q);
    if (rc != 0)
        return rc;
    if ((rc = bind_cstr(q, 1, token_hash)) != SQLITE_OK)
        return bind_failed(ss, q, rc, "session_find");
    sqlite3_bind_int64(q, 2, now);
    rc = step_one(ss, q, "session_find");
    if (rc != 0)
        return rc;
    read_user(a, q, out);
    stmt_done(q);
    return 0;
}

static int sq_session_delete(struct store *st, const char *token_hash)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    if (!token_hash_ok(token_hash))
        return STET_ENOTFOUND;
    int rc = stmt_get(ss, S_SESSION_DELETE, &q);
    if (rc != 0)
        return rc;
    if ((rc = bind_cstr(q, 1, token_hash)) != SQLITE_OK)
        return bind_failed(ss, q, rc, "session_delete");
    rc = run(ss, q, "session_delete");
    if (rc == 0 && sqlite3_changes(ss->db) == 0)
        return STET_ENOTFOUND;
    return rc;
}

/* ---- comments ---- */

static int comment_insert_row(struct sqlite_store *ss, const struct comment *c, int64_t seq)
{
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, S_COMMENT_INSERT, &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, c->story_id);
    bind_nonzero_or_null(q, 2, c->parent_id);
    bind_nonzero_or_null(q, 3, c->author_id);
    int b = bind_cstr_or_null(q, 4, c->legacy_author);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 5, c->body_src);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 6, c->body_html);
    if (b == SQLITE_OK)
        b = bind_cstr(q, 10, comment_status_name(c->status));
    if (b != SQLITE_OK)
        return bind_failed(ss, q, b, "comment_insert");
    sqlite3_bind_int64(q, 7, c->created_at);
    bind_nonzero_or_null(q, 8, c->edited_at);
    sqlite3_bind_int(q, 9, c->is_legacy ? 1 : 0);
    bind_nonzero_or_null(q, 11, seq);
    return run(ss, q, "comment_insert");
}

/* The body of one comment insert, inside a transaction the caller opened: the story
 * first (its new number goes into the comment row), then the row. */
static int comment_insert_in_tx(struct sqlite_store *ss, const struct comment *c, int64_t *id,
                                int64_t *event_seq)
{
    sqlite3_stmt *q = NULL;
    int64_t seq = 0;
    int rc;
    if (c->status == COMMENT_VISIBLE) {
        rc = stmt_get(ss, S_STORY_BUMP, &q);
        if (rc != 0)
            return rc;
        sqlite3_bind_int64(q, 1, c->story_id);
        rc = step_one(ss, q, "comment_insert count");
        if (rc == STET_ENOTFOUND)
            rc = STET_EINVAL; /* no such story, as the foreign key would say */
        if (rc != 0)
            return rc;
        seq = sqlite3_column_int64(q, 0);
        stmt_done(q);
    }
    rc = comment_insert_row(ss, c, seq);
    if (rc != 0)
        return rc;
    *id = sqlite3_last_insert_rowid(ss->db);
    *event_seq = seq;
    return 0;
}

static int sq_comment_insert(struct store *st, const struct comment *c, int64_t *id,
                             int64_t *event_seq)
{
    struct sqlite_store *ss = to_sq(st);
    int64_t new_id = 0, seq = 0;
    if ((unsigned)c->status > COMMENT_DELETED)
        return STET_EINVAL;
    int rc = tx_begin(ss);
    if (rc != 0)
        return rc;
    rc = comment_insert_in_tx(ss, c, &new_id, &seq);
    if (rc == 0)
        rc = tx_commit(ss);
    if (rc != 0) {
        tx_rollback(ss);
        return rc;
    }
    if (id != NULL)
        *id = new_id;
    if (event_seq != NULL)
        *event_seq = seq;
    return 0;
}

static int sq_comment_insert_batch(struct store *st, const struct comment *const *cs, size_t n,
                                   int64_t *ids, int64_t *seqs, int *rcs)
{
    struct sqlite_store *ss = to_sq(st);
    int rc = tx_begin(ss);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ids[i] = 0;
        seqs[i] = 0;
        if ((unsigned)cs[i]->status > COMMENT_DELETED) {
            rcs[i] = STET_EINVAL;
            continue;
        }
        rc = run_id(ss, S_SAVEPOINT, "savepoint");
        if (rc != 0)
            break;
        rcs[i] = comment_insert_in_tx(ss, cs[i], &ids[i], &seqs[i]);
        if (rcs[i] != 0) {
            ids[i] = 0;
            seqs[i] = 0;
            /* Some errors (I/O, out of memory) end the whole transaction. */
            if (sqlite3_get_autocommit(ss->db)) {
                rc = rcs[i];
                break;
            }
            rc = run_id(ss, S_ROLLBACK_TO, "rollback to savepoint");
            if (rc != 0)
                break;
        }
        rc = run_id(ss, S_RELEASE, "release savepoint");
    }
    if (rc == 0)
        rc = tx_commit(ss);
    if (rc != 0) {
        tx_rollback(ss);
        for (size_t i = 0; i < n; i++) {
            ids[i] = 0;
            seqs[i] = 0;
            rcs[i] = rc;
        }
    }
    return rc;
}

static int sq_comment_find(struct arena *a, struct store *st, int64_t id, struct comment *out)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, S_COMMENT_FIND, &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    rc = step_one(ss, q, "comment_find");
    if (rc != 0)
        return rc;
    read_comment(a, q, out);
    stmt_done(q);
    return 0;
}

static int sq_comment_list(struct arena *a, struct store *st, const struct comment_filter *f,
                           const struct store_page *pg, struct comment **out, size_t *n)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    struct comment *arr = NULL;
    size_t cap = 0, cnt = 0;
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
    rc = stmt_get(ss, id, &q);
    if (rc != 0)
        return rc;
    /* No cursor: start beyond every row in the chosen direction. The keyset is the
     * id alone (cursor_time plays no part). */
    int64_t start = pg->newest_first ? INT64_MAX : INT64_MIN;
    sqlite3_bind_int64(q, 1, f->story_id);
    sqlite3_bind_int64(q, 2, pg->has_cursor ? pg->cursor_id : start);
    sqlite3_bind_int64(q, 3, pg->limit);
    if (f->viewer_id != 0)
        sqlite3_bind_int64(q, 4, f->viewer_id);
    for (;;) {
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = fail(ss, step, "comment_list");
            break;
        }
        arr = grow(a, arr, sizeof(*arr), cnt, &cap, (size_t)pg->limit);
        read_comment(a, q, &arr[cnt++]);
    }
    stmt_done(q);
    if (rc != 0)
        return rc;
    *out = arr;
    *n = cnt;
    return 0;
}

static int sq_comment_position(struct store *st, int64_t story_id, int64_t id, int page_size,
                               int64_t *n_before, int64_t *page_after)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    *n_before = 0;
    *page_after = 0;
    if (page_size < 1)
        return STET_EINVAL;
    int rc = stmt_get(ss, S_COMMENT_POSITION, &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, story_id);
    sqlite3_bind_int64(q, 2, id);
    sqlite3_bind_int64(q, 3, page_size);
    rc = step_one(ss, q, "comment_position"); /* an aggregate: always one row */
    if (rc != 0)
        return rc;
    *n_before = sqlite3_column_int64(q, 0);
    *page_after = sqlite3_column_int64(q, 1);
    stmt_done(q);
    return 0;
}

static int sq_comment_events(struct arena *a, struct store *st, int64_t story_id, int64_t after_seq,
                             int limit, struct comment **out, size_t *n)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    struct comment *arr = NULL;
    size_t cap = 0, cnt = 0;
    *out = NULL;
    *n = 0;
    if (limit < 0)
        return STET_EINVAL;
    if (limit == 0)
        return 0;
    int rc = stmt_get(ss, S_COMMENT_EVENTS, &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, story_id);
    sqlite3_bind_int64(q, 2, after_seq);
    sqlite3_bind_int64(q, 3, limit);
    for (;;) {
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = fail(ss, step, "comment_events");
            break;
        }
        arr = grow(a, arr, sizeof(*arr), cnt, &cap, (size_t)limit);
        read_comment(a, q, &arr[cnt++]);
    }
    stmt_done(q);
    if (rc != 0)
        return rc;
    *out = arr;
    *n = cnt;
    return 0;
}

/* ---- rate limits and housekeeping ---- */

/* Pages of WAL after which a commit checkpoints: the open pragmas' value. */
#define SQ_WAL_AUTOCHECKPOINT 100

/* A rate bucket lost in a power cut costs nothing, so its commit skips the fsync
 * that account and comment writes pay for. The level is per connection: it is
 * lowered for the one statement and then restored, and the connection refuses to
 * run anything while a restore has failed (sync_lost). The commit must not
 * checkpoint meanwhile either: a checkpoint without fsync could let a later
 * writer reuse the WAL before the pages copied out of it reached the disk, losing
 * other, durable commits. Inside a caller's transaction the level cannot change,
 * and nothing is lowered. True when something was lowered. */
static bool fast_commit_begin(struct sqlite_store *ss)
{
    if (!sqlite3_get_autocommit(ss->db))
        return false;
    int rc = sqlite3_exec(ss->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        (void)fail(ss, rc, "rate_take: lower synchronous"); /* logged; stays durable */
        return false;
    }
    sqlite3_wal_autocheckpoint(ss->db, 0);
    return true;
}

static int fast_commit_end(struct sqlite_store *ss, bool lowered)
{
    if (!lowered)
        return 0;
    sqlite3_wal_autocheckpoint(ss->db, SQ_WAL_AUTOCHECKPOINT);
    return sync_restore(ss);
}

/* One bucket's upsert; *wait receives its wait (0: a token was taken). */
static int take_one(struct sqlite_store *ss, const struct store_rate_bucket *b, int64_t now_ms,
                    int64_t *wait)
{
    sqlite3_stmt *q = NULL;
    int64_t span = b->interval_ms * b->capacity;
    int rc = stmt_get(ss, S_RATE_TAKE, &q);
    if (rc != 0)
        return rc;
    if ((rc = bind_text(q, 1, b->key, STORE_RATE_KEY_LEN)) != SQLITE_OK)
        return bind_failed(ss, q, rc, "rate_take");
    sqlite3_bind_int64(q, 2, now_ms);
    sqlite3_bind_int64(q, 3, b->interval_ms);
    sqlite3_bind_int64(q, 4, span);
    rc = step_one(ss, q, "rate_take");
    if (rc != 0)
        return rc == STET_ENOTFOUND ? STET_EIO : rc;
    int64_t full_at = sqlite3_column_int64(q, 0);
    bool denied = sqlite3_column_int64(q, 1) != 0;
    stmt_done(q);
    /* Denied: the stored time plus one interval is over the span ahead of now, and
     * a hit is allowed again once it no longer is. */
    *wait = denied ? full_at + b->interval_ms - span - now_ms : 0;
    return 0;
}

/* All or none: the takes run in one transaction, rolled back when a bucket had no
 * token, so a refused request spends nothing anywhere. */
static int sq_rate_take(struct store *st, const struct store_rate_bucket *b, size_t n,
                        int64_t now_ms, int64_t *wait_ms)
{
    struct sqlite_store *ss = to_sq(st);
    if (!store_rate_args_ok(b, n, now_ms))
        return STET_EINVAL;
    bool lowered = fast_commit_begin(ss);
    int64_t wait = 0;
    int rc = tx_begin(ss);
    for (size_t i = 0; i < n && rc == 0; i++) {
        int64_t w = 0;
        rc = take_one(ss, &b[i], now_ms, &w);
        if (w > wait)
            wait = w;
    }
    if (rc == 0 && wait == 0)
        rc = tx_commit(ss);
    if (rc != 0 || wait > 0)
        tx_rollback(ss);
    int restored = fast_commit_end(ss, lowered);
    if (rc != 0)
        return rc;
    if (restored != 0)
        return restored;
    *wait_ms = wait;
    return 0;
}

static int sq_site_key(struct store *st, const char *name, const char *candidate, char *out)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    if (name == NULL || name[0] == '\0' ||
        strnlen(name, STORE_SITE_KEY_NAME_MAX + 1) > STORE_SITE_KEY_NAME_MAX ||
        !store_is_hex(candidate, STORE_SITE_KEY_LEN))
        return STET_EINVAL;
    int rc = stmt_get(ss, S_SITE_KEY, &q);
    if (rc != 0)
        return rc;
    int b = bind_cstr(q, 1, name);
    if (b == SQLITE_OK)
        b = bind_text(q, 2, candidate, STORE_SITE_KEY_LEN);
    if (b != SQLITE_OK)
        return bind_failed(ss, q, b, "site_key");
    rc = step_one(ss, q, "site_key");
    if (rc != 0)
        return rc == STET_ENOTFOUND ? STET_EIO : rc;
    const char *secret = (const char *)sqlite3_column_text(q, 0);
    rc = store_is_hex(secret, STORE_SITE_KEY_LEN) ? 0 : STET_EIO;
    if (rc == 0)
        memcpy(out, secret, STORE_SITE_KEY_LEN + 1);
    else
        log_error(NULL, "sqlite: site_key: the stored key is not %d hex digits",
                  STORE_SITE_KEY_LEN);
    stmt_done(q);
    return rc;
}

/* One DELETE of at most `limit` rows whose time column is at most `until`. */
static int prune_one(struct sqlite_store *ss, enum stmt_id id, int64_t until, int limit, int64_t *n)
{
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, id, &q);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(q, 1, until);
    sqlite3_bind_int(q, 2, limit);
    rc = run(ss, q, "prune");
    if (rc == 0)
        *n = sqlite3_changes64(ss->db);
    return rc;
}

static int sq_prune(struct store *st, int64_t now, int limit, int64_t *sessions, int64_t *buckets)
{
    struct sqlite_store *ss = to_sq(st);
    int64_t n_sessions = 0, n_buckets = 0;
    if (limit < 1 || now < 0 || now > STORE_RATE_NOW_MAX_MS / 1000)
        return STET_EINVAL;
    int rc = tx_begin(ss);
    if (rc != 0)
        return rc;
    rc = prune_one(ss, S_PRUNE_SESSIONS, now, limit, &n_sessions);
    if (rc == 0)
        rc = prune_one(ss, S_PRUNE_BUCKETS, now * 1000, limit, &n_buckets);
    if (rc == 0)
        rc = tx_commit(ss);
    if (rc != 0) {
        tx_rollback(ss);
        return rc;
    }
    *sessions = n_sessions;
    *buckets = n_buckets;
    return 0;
}

/* ---- change detection ---- */

static int sq_data_changed(struct store *st, bool *changed)
{
    struct sqlite_store *ss = to_sq(st);
    /* Counts every row this connection inserted, updated or deleted, rolled back or
     * not: a spurious "changed" costs a re-read, a missed one would serve stale data. */
    int64_t writes = sqlite3_total_changes64(ss->db);
    sqlite3_stmt *q = NULL;
    int rc = stmt_get(ss, S_DATA_VERSION, &q);
    if (rc != 0) {
        ss->seen = false;
        return rc;
    }
    rc = step_one(ss, q, "data_version");
    if (rc != 0) {
        ss->seen = false; /* whatever happened meanwhile, the next call says changed */
        return rc == STET_ENOTFOUND ? STET_EIO : rc;
    }
    int64_t version = sqlite3_column_int64(q, 0);
    stmt_done(q);
    *changed = !ss->seen || version != ss->seen_version || writes != ss->seen_writes;
    ss->seen = true;
    ss->seen_version = version;
    ss->seen_writes = writes;
    return 0;
}

/* ---- bulk copy ---- */

static int sq_transaction(struct store *st, enum store_tx step)
{
    struct sqlite_store *ss = to_sq(st);
    switch (step) {
    case STORE_TX_SNAPSHOT:
        return run_id(ss, S_BEGIN_SNAPSHOT, "begin snapshot");
    case STORE_TX_WRITE:
        return tx_begin(ss);
    case STORE_TX_COMMIT:
        return sqlite3_get_autocommit(ss->db) ? 0 : tx_commit(ss);
    case STORE_TX_ROLLBACK:
        tx_rollback(ss);
        return 0;
    }
    return STET_EINVAL;
}

static void put_list(struct buf *b, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%s", i > 0 ? ", " : "", names[i]);
}

/* A one-off statement from trusted text (identifiers already checked). */
static int prepare_once(struct sqlite_store *ss, const char *sql, sqlite3_stmt **q,
                        const char *what)
{
    int rc = sqlite3_prepare_v2(ss->db, sql, -1, q, NULL);
    if (rc != SQLITE_OK) {
        *q = NULL;
        return fail(ss, rc, what);
    }
    return 0;
}

static int sq_table_export(struct store *st, const char *table, const char *const *columns,
                           size_t n, size_t n_key, store_row_fn fn, void *ctx)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = NULL;
    struct buf sql;
    if (!store_ident_ok(table) || !store_idents_ok(columns, n) || n_key == 0 || n_key > n ||
        n > INT_MAX || fn == NULL)
        return STET_EINVAL;
    buf_init(&sql);
    buf_puts(&sql, "SELECT ");
    put_list(&sql, columns, n);
    buf_printf(&sql, " FROM %s ORDER BY ", table);
    put_list(&sql, columns, n_key);
    int rc = prepare_once(ss, buf_cstr(&sql), &q, "table_export");
    buf_cleanup(&sql);
    if (rc != 0)
        return rc;
    const char **vals = xcalloc(n, sizeof(*vals));
    size_t *lens = xcalloc(n, sizeof(*lens));
    for (;;) {
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = fail(ss, step, "table_export");
            break;
        }
        for (size_t i = 0; i < n; i++) {
            /* column_text renders integers in decimal, and the schema keeps booleans
             * as 0/1 integers, so every value is already in the copier's format. */
            if (sqlite3_column_type(q, (int)i) == SQLITE_NULL) {
                vals[i] = NULL;
                lens[i] = 0;
                continue;
            }
            const unsigned char *t = sqlite3_column_text(q, (int)i);
            vals[i] = t != NULL ? (const char *)t : "";
            lens[i] = t != NULL ? (size_t)sqlite3_column_bytes(q, (int)i) : 0;
        }
        rc = fn(ctx, vals, lens, n);
        if (rc != 0)
            break;
    }
    free(vals);
    free(lens);
    sqlite3_finalize(q);
    return rc;
}

static int sq_table_import_begin(struct store *st, const char *table, const char *const *columns,
                                 size_t n)
{
    struct sqlite_store *ss = to_sq(st);
    struct buf sql;
    if (!store_ident_ok(table) || !store_idents_ok(columns, n) || n > 999)
        return STET_EINVAL;
    sq_table_import_end(st);
    buf_init(&sql);
    buf_printf(&sql, "INSERT INTO %s (", table);
    put_list(&sql, columns, n);
    buf_puts(&sql, ") VALUES (");
    for (size_t i = 0; i < n; i++)
        buf_printf(&sql, "%s?%zu", i > 0 ? ", " : "", i + 1);
    buf_puts(&sql, ")");
    int rc = prepare_once(ss, buf_cstr(&sql), &ss->import, "table_import");
    buf_cleanup(&sql);
    if (rc == 0)
        ss->import_n = n;
    return rc;
}

static int sq_table_import_row(struct store *st, const char *const *values, const size_t *lens,
                               size_t n)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_stmt *q = ss->import;
    if (q == NULL || n != ss->import_n)
        return STET_EINVAL;
    for (size_t i = 0; i < n; i++) {
        /* Text everywhere: each column's affinity turns decimal text back into an
         * integer, so ids and flags land as integers, and text keeps its bytes. */
        int b = values[i] == NULL ? sqlite3_bind_null(q, (int)i + 1)
                                  : bind_text(q, (int)i + 1, values[i], lens[i]);
        if (b != SQLITE_OK)
            return bind_failed(ss, q, b, "table_import");
    }
    return run(ss, q, "table_import");
}

static void sq_table_import_end(struct store *st)
{
    struct sqlite_store *ss = to_sq(st);
    sqlite3_finalize(ss->import);
    ss->import = NULL;
    ss->import_n = 0;
}

/* An INTEGER PRIMARY KEY takes max(id) + 1 by itself. */
static int sq_table_sync_ids(struct store *st, const char *table, const char *column)
{
    (void)st;
    return store_ident_ok(table) && store_ident_ok(column) ? 0 : STET_EINVAL;
}

/* ---- test support ---- */

static int deny_pragma_auth(void *arg, int action, const char *a1, const char *a2, const char *db,
                            const char *trigger)
{
    const struct sqlite_store *ss = arg;
    (void)db, (void)trigger;
    if (action == SQLITE_PRAGMA && a1 != NULL && a2 != NULL &&
        sqlite3_stricmp(a1, ss->deny_pragma[0]) == 0 &&
        sqlite3_stricmp(a2, ss->deny_pragma[1]) == 0)
        return SQLITE_DENY;
    return SQLITE_OK;
}

int sqlite_store_deny_pragma(struct store *st, const char *name, const char *value)
{
    struct sqlite_store *ss = to_sq(st);
    if (name == NULL) {
        sqlite3_set_authorizer(ss->db, NULL, NULL);
        return 0;
    }
    char(*d)[32] = ss->deny_pragma;
    if (snprintf(d[0], sizeof(d[0]), "%s", name) >= (int)sizeof(d[0]) ||
        snprintf(d[1], sizeof(d[1]), "%s", value) >= (int)sizeof(d[1]))
        return STET_EINVAL;
    return sqlite3_set_authorizer(ss->db, deny_pragma_auth, ss) == SQLITE_OK ? 0 : STET_EIO;
}

int sqlite_store_list_plans(struct arena *a, struct store *st, const char **plan)
{
    static const struct {
        const char *name;
        enum stmt_id id;
    } lists[] = {
        {"story_list", S_STORY_LIST},
        {"story_counts", S_STORY_COUNT},
        {"comment_list_asc", S_COMMENT_LIST_ASC},
        {"comment_list_desc", S_COMMENT_LIST_DESC},
        {"comment_list_viewer_asc", S_COMMENT_LIST_VIEWER_ASC},
        {"comment_list_viewer_desc", S_COMMENT_LIST_VIEWER_DESC},
        {"comment_events", S_COMMENT_EVENTS},
        {"user_find_login", S_USER_FIND_LOGIN},
        {"session_find", S_SESSION_FIND},
    };
    struct sqlite_store *ss = to_sq(st);
    struct buf b;
    int rc = 0;
    buf_init(&b);
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]) && rc == 0; i++) {
        sqlite3_stmt *q = NULL;
        char *sql = arena_printf(a, "EXPLAIN QUERY PLAN %s", stmt_sql[lists[i].id]);
        int prc = sqlite3_prepare_v2(ss->db, sql, -1, &q, NULL);
        if (prc != SQLITE_OK) {
            rc = fail(ss, prc, "explain");
            break;
        }
        buf_printf(&b, "== %s\n", lists[i].name);
        while ((prc = sqlite3_step(q)) == SQLITE_ROW)
            buf_printf(&b, "%s\n", (const char *)sqlite3_column_text(q, 3));
        if (prc != SQLITE_DONE)
            rc = fail(ss, prc, "explain");
        sqlite3_finalize(q);
    }
    if (rc == 0)
        *plan = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
    buf_cleanup(&b);
    return rc;
}

const char *sqlite_store_lib_version(void)
{
    return sqlite3_libversion();
}
