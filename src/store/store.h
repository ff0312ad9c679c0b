/* The one storage interface. Each backend (store/sqlite, store/pg) fills a
 * struct store_ops; the rest of stet calls the store_* wrappers below and never sees
 * SQL or a driver type. A struct store is one connection, used by one thread at a
 * time; struct store_pool hands them out.
 *
 * Every operation returns 0 or a negative STET_E* code: ENOTFOUND (no row),
 * ECONFLICT (a unique value taken), EUNAVAIL (database unreachable), EIO (anything
 * else; the backend has logged the driver's message). Objects read are allocated in
 * the caller's arena. Each operation is atomic: it commits or changes nothing. */
#ifndef STET_STORE_STORE_H
#define STET_STORE_STORE_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "domain/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_TOKEN_HASH_LEN 64 /* hex of a 32-byte hash */

/* Keyset page request over (sort key, id). `has_cursor` false: first page. */
struct store_page {
    int limit;              /* rows wanted; the backend returns at most limit */
    bool has_cursor;
    int64_t cursor_time;    /* sort key of the last row already seen */
    int64_t cursor_id;      /* id of the last row already seen */
    bool newest_first;
};

struct comment_filter {
    int64_t story_id;
    int64_t viewer_id; /* also return this user's own held comments; 0: none */
};

struct store;

struct store_ops {
    const char *name; /* "sqlite", "postgres" */
    void (*close)(struct store *st);
    /* Applies every migration not yet recorded in schema_migrations, each in a
     * transaction. `applied` (may be NULL) receives how many ran. */
    int (*migrate)(struct store *st, int *applied);

    int (*story_insert)(struct store *st, const struct story *s, int64_t *id);
    int (*story_find)(struct arena *a, struct store *st, struct str slug, struct story *out);
    /* Newest published first (published_at DESC, id DESC); cursor on those keys. */
    int (*story_list)(struct arena *a, struct store *st, const struct store_page *pg,
                      struct story **out, size_t *n);
    int (*story_set_open)(struct store *st, int64_t story_id, bool open);
    /* counts[i] = visible comments of slugs[i], or -1 when no such story. */
    int (*story_counts)(struct store *st, const struct str *slugs, size_t n, int64_t *counts);

    /* ECONFLICT when the username or email is taken, without regard to case. */
    int (*user_insert)(struct store *st, const struct user *u, const char *password_hash,
                       int64_t *id);
    /* By username or email, without regard to case; `password_hash` may be NULL. */
    int (*user_find_login)(struct arena *a, struct store *st, struct str login,
                           struct user *out, const char **password_hash);
    int (*user_find_id)(struct arena *a, struct store *st, int64_t id, struct user *out);
    int (*user_set_role)(struct store *st, struct str username, enum role role);

    int (*session_insert)(struct store *st, const char *token_hash, int64_t user_id,
                          int64_t created_at, int64_t expires_at);
    /* The session's user when the session exists and expires after `now`. */
    int (*session_find)(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                        struct user *out);
    int (*session_delete)(struct store *st, const char *token_hash);

    /* Inserts and, when the comment is visible, bumps the story's count and its
     * event_seq and gives the comment that number (c->event_seq is ignored;
     * `event_seq` receives it, 0 for an invisible comment), all in one transaction.
     * Because the story row is updated in the transaction, event numbers of a story
     * commit in increasing order. On PostgreSQL the transaction also sends
     * NOTIFY stet_events, 'STORY_ID:SEQ' so other nodes learn of it at commit. */
    int (*comment_insert)(struct store *st, const struct comment *c, int64_t *id,
                          int64_t *event_seq);
    int (*comment_find)(struct arena *a, struct store *st, int64_t id, struct comment *out);
    /* Visible comments of a story (and the viewer's own held ones), ordered by
     * (created_at, id), oldest first unless pg->newest_first. */
    int (*comment_list)(struct arena *a, struct store *st, const struct comment_filter *f,
                        const struct store_page *pg, struct comment **out, size_t *n);
    /* Visible comments of a story with event_seq > after_seq, by event_seq, at most
     * `limit` (the live stream's catch-up and fan-out). */
    int (*comment_events)(struct arena *a, struct store *st, int64_t story_id, int64_t after_seq,
                          int limit, struct comment **out, size_t *n);
};

struct store {
    const struct store_ops *ops;
};

/* Opens one connection for a URL: "sqlite:PATH" (":memory:" allowed) or
 * "postgres://..." / "postgresql://...". EINVAL for an unknown scheme, EUNAVAIL or
 * EIO when it cannot be opened (logged). Close with store_close. */
int store_open(const char *url, struct store **out) STET_MUST_CHECK;
void store_close(struct store *st);

/* A fixed set of connections shared by threads. */
struct store_pool;
int store_pool_new(const char *url, unsigned size, struct store_pool **out) STET_MUST_CHECK;
void store_pool_free(struct store_pool *p);
/* Blocks until a connection is free. */
struct store *store_pool_acquire(struct store_pool *p);
void store_pool_release(struct store_pool *p, struct store *st);


static inline STET_MUST_CHECK int store_migrate(struct store *st, int *applied)
{
    return st->ops->migrate(st, applied);
}
static inline STET_MUST_CHECK int store_story_insert(struct store *st, const struct story *s,
                                                     int64_t *id)
{
    return st->ops->story_insert(st, s, id);
}
static inline STET_MUST_CHECK int store_story_find(struct arena *a, struct store *st,
                                                   struct str slug, struct story *out)
{
    return st->ops->story_find(a, st, slug, out);
}
static inline STET_MUST_CHECK int store_story_list(struct arena *a, struct store *st,
                                                   const struct store_page *pg,
                                                   struct story **out, size_t *n)
{
    return st->ops->story_list(a, st, pg, out, n);
}
static inline STET_MUST_CHECK int store_story_set_open(struct store *st, int64_t id, bool open)
{
    return st->ops->story_set_open(st, id, open);
}
static inline STET_MUST_CHECK int store_story_counts(struct store *st, const struct str *slugs,
                                                     size_t n, int64_t *counts)
{
    return st->ops->story_counts(st, slugs, n, counts);
}
static inline STET_MUST_CHECK int store_user_insert(struct store *st, const struct user *u,
                                                    const char *password_hash, int64_t *id)
{
    return st->ops->user_insert(st, u, password_hash, id);
}
static inline STET_MUST_CHECK int store_user_find_login(struct arena *a, struct store *st,
                                                        struct str login, struct user *out,
                                                        const char **password_hash)
{
    return st->ops->user_find_login(a, st, login, out, password_hash);
}
static inline STET_MUST_CHECK int store_user_find_id(struct arena *a, struct store *st,
                                                     int64_t id, struct user *out)
{
    return st->ops->user_find_id(a, st, id, out);
}
static inline STET_MUST_CHECK int store_user_set_role(struct store *st, struct str username,
                                                      enum role role)
{
    return st->ops->user_set_role(st, username, role);
}
static inline STET_MUST_CHECK int store_session_insert(struct store *st, const char *token_hash,
                                                       int64_t user_id, int64_t created_at,
                                                       int64_t expires_at)
{
    return st->ops->session_insert(st, token_hash, user_id, created_at, expires_at);
}
static inline STET_MUST_CHECK int store_session_find(struct arena *a, struct store *st,
                                                     const char *token_hash, int64_t now,
                                                     struct user *out)
{
    return st->ops->session_find(a, st, token_hash, now, out);
}
static inline STET_MUST_CHECK int store_session_delete(struct store *st, const char *token_hash)
{
    return st->ops->session_delete(st, token_hash);
}
static inline STET_MUST_CHECK int store_comment_insert(struct store *st, const struct comment *c,
                                                       int64_t *id, int64_t *event_seq)
{
    return st->ops->comment_insert(st, c, id, event_seq);
}
static inline STET_MUST_CHECK int store_comment_find(struct arena *a, struct store *st,
                                                     int64_t id, struct comment *out)
{
    return st->ops->comment_find(a, st, id, out);
}
static inline STET_MUST_CHECK int store_comment_list(struct arena *a, struct store *st,
                                                     const struct comment_filter *f,
                                                     const struct store_page *pg,
                                                     struct comment **out, size_t *n)
{
    return st->ops->comment_list(a, st, f, pg, out, n);
}
static inline STET_MUST_CHECK int store_comment_events(struct arena *a, struct store *st,
                                                       int64_t story_id, int64_t after_seq,
                                                       int limit, struct comment **out, size_t *n)
{
    return st->ops->comment_events(a, st, story_id, after_seq, limit, out, n);
}

/* Change notifications from other nodes. On PostgreSQL a thread holds its own
 * connection with LISTEN stet_events and calls `fn(ctx, story_id, seq)` for each
 * notification, in commit order; when the connection drops it reconnects by itself
 * (with backoff) and then calls `fn(ctx, 0, 0)`: "anything may have changed while I
 * was away". SQLite is one process: *out is set to NULL and nothing runs (the
 * process publishes its own changes). EINVAL for an unknown URL scheme. */
typedef void (*store_event_fn)(void *ctx, int64_t story_id, int64_t seq);
struct store_listener;
int store_listener_start(const char *url, store_event_fn fn, void *ctx,
                         struct store_listener **out) STET_MUST_CHECK;
/* Stops the thread and closes its connection; NULL is a no-op. */
void store_listener_stop(struct store_listener *l);

#endif
