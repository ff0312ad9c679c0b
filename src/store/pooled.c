/* A pool's view as a store: every operation of the SQL core, each on a connection
 * the pool lends it for its own length (so no caller holds one across password
 * hashing, a rate-limit wait or the group committer), with five of them wrapped.
 * Story and session reads, the list of site settings and a reader's own held
 * comments on a story go through a memo tagged
 * with the data generation: the change watcher's stamp (other connections and
 * processes) plus this pool's own writes. Comment inserts go to the group
 * committer. The non-waiting view answers from the memo or with STET_EAGAIN, never
 * touching a connection: it is what I/O threads get. */
#include "store/pool_private.h"

#include "store/change_watch.h"
#include "store/group_commit.h"
#include "store/memo.h"
#include "store/sql/ops.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static struct pooled_store *to_view(struct store *st)
{
    return (struct pooled_store *)st;
}

static int view_take(struct store *st, enum sql_use use, struct sql_conn **c)
{
    struct pooled_store *v = to_view(st);
    if (v->nowait)
        return STET_EAGAIN;
    *c = pool_take(v->pool, use);
    return 0;
}

static void view_give(struct store *st, struct sql_conn *c, enum sql_use use)
{
    pool_give(to_view(st)->pool, c, use);
}

static const struct store_lessor view_lessor = {.take = view_take, .give = view_give};

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

static int pooled_story_find(struct arena *a, struct store *st, struct str slug, struct story *out)
{
    struct store_pool *p = to_view(st)->pool;
    uint64_t gen = 0;
    bool trusted = memo_gen(p, &gen);
    if (trusted && memo_get(p->stories, &story_type, slug.ptr, slug.len, gen, 0, a, out))
        return 0;
    int rc = sql_story_find(a, st, slug, out);
    if (rc == 0 && trusted)
        memo_put(p->stories, &story_type, slug.ptr, slug.len, gen, 0, out);
    return rc;
}

/* The answer depends on `now` (expiry) as well, so an entry serves one second. */
static int pooled_session_find(struct arena *a, struct store *st, const char *token_hash,
                               int64_t now, struct user *out)
{
    struct store_pool *p = to_view(st)->pool;
    size_t len = strlen(token_hash);
    uint64_t gen = 0;
    bool trusted = memo_gen(p, &gen);
    if (trusted && memo_get(p->sessions, &user_type, token_hash, len, gen, now, a, out))
        return 0;
    int rc = sql_session_find(a, st, token_hash, now, out);
    if (rc == 0 && trusted)
        memo_put(p->sessions, &user_type, token_hash, len, gen, now, out);
    return rc;
}

static const struct memo_type setting_type = {
    .size = sizeof(struct store_setting),
    .n_strings = 3,
    .string_offsets = {offsetof(struct store_setting, key), offsetof(struct store_setting, value),
                       offsetof(struct store_setting, changed_by)},
};

/* Every post reads the settings (the admins' policies), and they change a few times
 * a year: the whole list is one entry, the empty list included, so a busy site reads
 * them from memory until a change is heard from any node. */
static int pooled_setting_list(struct arena *a, struct store *st, struct store_setting **out,
                               size_t *n)
{
    static const char key[] = "settings";
    struct store_pool *p = to_view(st)->pool;
    uint64_t gen = 0;
    bool trusted = memo_gen(p, &gen);
    void *objs;
    if (trusted &&
        memo_get_list(p->settings, &setting_type, key, sizeof(key) - 1, gen, 0, a, &objs, n)) {
        *out = objs;
        return 0;
    }
    int rc = sql_setting_list(a, st, out, n);
    if (rc == 0 && trusted)
        memo_put_list(p->settings, &setting_type, key, sizeof(key) - 1, gen, 0, *out, *n);
    return rc;
}

static const struct memo_type comment_type = {
    .size = sizeof(struct comment),
    .n_strings = 7,
    .string_offsets = {offsetof(struct comment, story_slug),
                       offsetof(struct comment, author_username),
                       offsetof(struct comment, author_display_name),
                       offsetof(struct comment, legacy_author), offsetof(struct comment, body_src),
                       offsetof(struct comment, body_html), offsetof(struct comment, hold_reason)},
};

/* Every logged-in story page lists its reader's held comments, almost always none:
 * that empty answer comes from memory until anything changes, so the page stays on
 * the I/O thread. Only the empty answer is kept: a list of held comments is up to a
 * page of full comment bodies, and thousands of readers' lists would hold more
 * memory than the memo's slot count suggests. Other lists are read. */
static int pooled_comment_list(struct arena *a, struct store *st, const struct comment_filter *f,
                               const struct store_page *pg, struct comment **out, size_t *n)
{
    if (!f->own_held_only)
        return sql_comment_list(a, st, f, pg, out, n);
    struct store_pool *p = to_view(st)->pool;
    char key[MEMO_KEY_MAX];
    int len = snprintf(key, sizeof(key), "%lld:%lld:%d:%d:%d:%lld:%lld", (long long)f->story_id,
                       (long long)f->viewer_id, pg->limit, pg->newest_first, pg->has_cursor,
                       (long long)pg->cursor_time, (long long)pg->cursor_id);
    uint64_t gen = 0;
    bool trusted = memo_gen(p, &gen) && len > 0 && (size_t)len < sizeof(key);
    void *objs;
    if (trusted &&
        memo_get_list(p->own_held, &comment_type, key, (size_t)len, gen, 0, a, &objs, n)) {
        *out = objs;
        return 0;
    }
    int rc = sql_comment_list(a, st, f, pg, out, n);
    if (rc == 0 && trusted && *n == 0)
        memo_put_list(p->own_held, &comment_type, key, (size_t)len, gen, 0, *out, *n);
    return rc;
}

static int pooled_comment_insert(struct store *st, const struct comment *c, int64_t *id,
                                 int64_t *event_seq)
{
    struct pooled_store *v = to_view(st);
    struct store_pool *p = v->pool;
    if (v->nowait)
        return STET_EAGAIN;
    if (p->gc == NULL)
        return sql_comment_insert(st, c, id, event_seq);
    if ((unsigned)c->status > COMMENT_DELETED)
        return STET_EINVAL; /* as the core answers, without a trip to the committer */
    int rc = group_commit_insert(p->gc, c, id, event_seq);
    /* Committed on the committer's own connection, before this returned. */
    atomic_fetch_add(&p->own_writes, 1);
    return rc;
}

static const struct store_ops pooled_ops = {
    SQL_PLAIN_OPS,
    .story_find = pooled_story_find,
    .session_find = pooled_session_find,
    .comment_insert = pooled_comment_insert,
    .setting_list = pooled_setting_list,
    .comment_list = pooled_comment_list,
};

void pooled_init(struct pooled_store *v, struct store_pool *p, bool nowait)
{
    *v = (struct pooled_store){{&pooled_ops, &view_lessor}, p, nowait};
}
