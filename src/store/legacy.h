/* The legacy importer's storage (`stet import disqus|wordpress`, domain/legacy_import.c):
 * comments brought from another system, their threads' stories, replies whose parent
 * comes later, and spam already trained. An import is one write transaction on one
 * connection (store_open, store_pool_acquire; a pool's view is EINVAL), opened by
 * store_legacy_begin and ended by store_legacy_finish, so it commits whole or leaves
 * nothing; the store's other operations that are one statement (store_story_find,
 * store_story_insert, store_spam_train) may run inside it. Until store_legacy_end the
 * import keeps scratch tables in that transaction (never seen by another connection,
 * dropped at the end, gone with a rollback), so its memory stays flat: no map of
 * posts or threads is held in the process. */
#ifndef STET_STORE_LEGACY_H
#define STET_STORE_LEGACY_H

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* Walks up a thread at most this many parents when looking for a circle that a
 * late parent closed (store_legacy_end); deeper threads than this are not met in
 * practice, and a walk past it only misses a circle whose own members find it. */
#define STORE_LEGACY_MAX_DEPTH 10000

/* Replies whose parent came late are fixed up this many per statement: a statement
 * holds every page it changes in memory until it ends. */
#define STORE_LEGACY_BATCH 256

/* A thread of the export and the story it maps to. */
struct store_legacy_thread {
    const char *thread_id; /* the export's id; never empty */
    int64_t story_id;      /* 0: no story (yet) */
    /* The slug of the story to create when a comment needs one; NULL: none can be. */
    const char *new_slug;
    const char *title;
    int64_t published_at;
};

/* One comment to import. Strings other than the ids may be NULL (stored as NULL,
 * or "" for the bodies). */
struct store_legacy_comment {
    int64_t story_id;
    const char *source;           /* comments.legacy_source: "disqus", "wordpress" */
    const char *legacy_id;        /* the post's id in the source; unique per source */
    const char *parent_legacy_id; /* NULL or "": a top-level comment */
    const char *author;           /* legacy_author; NULL: anonymous */
    const char *email;            /* legacy_email: private, never shown */
    const char *body_src;         /* as the export had it */
    const char *body_html;        /* made safe by the caller */
    int64_t created_at;
    enum comment_status status; /* COMMENT_VISIBLE or COMMENT_HELD */
    const char *hold_reason;    /* NULL unless held */
    /* The caller knows this import inserted the parent under the same story, so the
     * insert's own lookup finds it: the store skips asking whether it did. */
    bool parent_known;
};

/* What store_legacy_end did and found. */
struct store_legacy_totals {
    int64_t n_orphans;         /* replies re-rooted: their parent never came */
    int64_t n_early_left;      /* posts whose thread never came (not imported) */
    int64_t n_stories_matched; /* distinct existing stories the threads mapped to */
    int64_t n_stories_created; /* distinct stories made by store_legacy_thread_set_story */
};

/* Opens the import's write transaction, makes the scratch tables and sets *mark,
 * the largest comment id so far (the import's comments lie above it). EINVAL on a
 * pool's view or a connection already in a transaction. On an error nothing is
 * left open. */
int store_legacy_begin(struct store *st, int64_t *mark) STET_MUST_CHECK;
/* Commits the transaction (`commit`) or rolls it back, and puts the connection's
 * settings back. A failed commit is EIO (logged) and has rolled back. Called once
 * after store_legacy_begin succeeded, also after an error. */
int store_legacy_finish(struct store *st, bool commit) STET_MUST_CHECK;

/* Records a thread; a thread id recorded before keeps its first mapping (*is_new
 * false). */
int store_legacy_thread_put(struct store *st, const struct store_legacy_thread *t,
                            bool *is_new) STET_MUST_CHECK;
/* The thread recorded as `thread_id`, strings in `a`; ENOTFOUND when none. */
int store_legacy_thread_find(struct arena *a, struct store *st, const char *thread_id,
                             struct store_legacy_thread *out) STET_MUST_CHECK;
/* The thread now maps to `story_id`; `created`: the import made that story. */
int store_legacy_thread_set_story(struct store *st, const char *thread_id, int64_t story_id,
                                  bool created) STET_MUST_CHECK;

/* Inserts comment `c` as a legacy comment (is_legacy, no account, no live event):
 * *inserted false, and nothing changed, when (c->source, c->legacy_id) was imported
 * before, by this import or an earlier one. Its parent is the comment imported as
 * c->parent_legacy_id under the same story; when there is none yet the reply is
 * kept top-level and remembered, and store_legacy_end gives it its parent or leaves
 * it re-rooted. The story's count moves at store_legacy_end, once per story. EINVAL
 * for a status other than visible or held, a missing id or an unknown story. */
int store_legacy_insert(struct store *st, const struct store_legacy_comment *c,
                        bool *inserted) STET_MUST_CHECK;

/* Keeps comment `c` (story_id not used) until its thread `thread_id` is known. */
int store_legacy_early_add(struct store *st, const char *thread_id,
                           const struct store_legacy_comment *c) STET_MUST_CHECK;
/* Takes the oldest comment kept for `thread_id` out of the waiting ones into *out
 * (strings in `a`; source and story_id left 0); ENOTFOUND when none waits. */
int store_legacy_early_take(struct arena *a, struct store *st, const char *thread_id,
                            struct store_legacy_comment *out) STET_MUST_CHECK;

/* Records that spam post (source, legacy_id) trained the spam filter: *first false
 * when an earlier import already did. */
int store_legacy_spam_seen(struct store *st, const char *source, const char *legacy_id,
                           bool *first) STET_MUST_CHECK;

/* Ends the import's work, still inside its transaction (store_legacy_finish
 * follows): the replies that
 * waited get their parents (one statement) or stay re-rooted, no parent chain is
 * left circular, every story a thread maps to (store_legacy_thread_put,
 * store_legacy_thread_set_story) that gained visible comments above `mark` from
 * `source` changes once (count, event number, content version: pages and ETags
 * follow), and the scratch tables go. */
int store_legacy_end(struct store *st, const char *source, int64_t mark,
                     struct store_legacy_totals *out) STET_MUST_CHECK;

#endif
