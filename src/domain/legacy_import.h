/* Bringing another system's comments into stet (`stet import disqus|wordpress`): which
 * story a thread of the export belongs to, which posts become legacy comments, held
 * ones, spam the filter learns from, or nothing, and the count of each. The caller
 * reads the export (src/import, through cli/) and hands over one thread or post at a
 * time; the whole import is one transaction on the context's store, which must be
 * one connection (store_pool_acquire), so it commits whole or leaves the database as
 * it was. Memory stays flat: what must be remembered between records lives in the
 * transaction's scratch tables (store/legacy.h). */
#ifndef STET_DOMAIN_LEGACY_IMPORT_H
#define STET_DOMAIN_LEGACY_IMPORT_H

#include "domain/context.h"

#include <stdbool.h>
#include <stdint.h>

/* The reason a held imported comment shows in the moderation queue. */
#define LEGACY_HOLD_REASON "imported: pending"

/* How a thread finds its story (--match). A story's slug is compared with the last
 * segment of the thread's link path ("/2019/05/city-council/" -> "city-council"),
 * or with the thread's own name (WordPress post_name, a Disqus identifier that is
 * one word), each made a slug by legacy_slug. */
enum legacy_match {
    LEGACY_MATCH_PATH_THEN_SLUG, /* the default */
    LEGACY_MATCH_PATH,
    LEGACY_MATCH_SLUG,
};

/* What became of a post in the system it comes from. */
enum legacy_state {
    LEGACY_APPROVED,
    LEGACY_PENDING, /* arrives held, LEGACY_HOLD_REASON */
    LEGACY_SPAM,    /* never shown: trains the spam filter once */
    LEGACY_DELETED, /* never shown, not kept */
};

struct legacy_options {
    const char *source; /* comments.legacy_source: "disqus", "wordpress" */
    /* WordPress numbers comments per site, but a merged export repeats them under
     * other items: a comment is then named by its item and its id ("11:4"). */
    bool ids_per_thread;
    enum legacy_match match;
    bool create_stories;
};

/* A thread (Disqus) or item (WordPress). Strings are never NULL. */
struct legacy_thread {
    const char *id;    /* never "" */
    const char *path;  /* the link's path, "" when none */
    const char *name;  /* WordPress post_name, Disqus identifier; may be "" */
    const char *title; /* for a story made for it */
    int64_t created_at;
    bool is_deleted; /* deleted in Disqus: no story is made for it */
};

/* A post or comment. Strings are never NULL. */
struct legacy_post {
    const char *id;
    const char *thread_id;
    const char *parent_id; /* "" for a top-level post */
    const char *body;      /* as exported, NUL-terminated */
    /* The body as safe HTML, made by the caller's sanitizer (the domain never parses
     * HTML itself) when legacy_post_is_kept says the post may be kept; NULL
     * otherwise. */
    const char *body_html;
    int64_t created_at; /* 0 when unknown: the thread's date, or now */
    enum legacy_state state;
    bool is_comment; /* false: a pingback, trackback or another system's note */
    const char *author_name;
    const char *author_email; /* kept private (comments.legacy_email) */
};

/* What the import did, for the summary. */
struct legacy_summary {
    int64_t n_stories_matched;
    int64_t n_stories_created;
    int64_t n_imported;  /* new comments, held ones included */
    int64_t n_held;      /* of those, held for moderation */
    int64_t n_spam;      /* not shown; each trained the filter once */
    int64_t n_deleted;   /* not shown, not kept */
    int64_t n_pings;     /* pingbacks, trackbacks, other types: not comments */
    int64_t n_already;   /* imported before */
    int64_t n_orphans;   /* replies whose parent never came, now top-level */
    int64_t n_no_thread; /* posts whose thread is not in the file */
    int64_t n_no_story;  /* posts whose thread matched no story (and none was made) */
};

struct legacy_import;

/* Starts an import on ctx->st (one connection: EINVAL for a pool's view) in a write
 * transaction. `ctx` and `opts` must outlive the import; ctx->a is not used (each
 * call takes its own arena). *out is freed with legacy_import_free. Store errors. */
int legacy_import_begin(const struct dctx *ctx, const struct legacy_options *opts,
                        struct legacy_import **out) STET_MUST_CHECK;

/* One thread of the export: matched to a story now, a story made when its first
 * comment needs one (--create-stories). Scratch allocations go to `a`. Store errors. */
int legacy_import_thread(struct legacy_import *li, struct arena *a,
                         const struct legacy_thread *t) STET_MUST_CHECK;

/* True when post `p` may be kept, as a comment or as spam the filter learns from:
 * its body_html is then needed, and other posts need none. */
bool legacy_post_is_kept(const struct legacy_post *p);

/* One post, placed under its thread's story or counted as skipped; a post whose
 * thread has not come yet waits for it. Scratch allocations go to `a`. Store errors;
 * EINVAL for a kept post without body_html. */
int legacy_import_post(struct legacy_import *li, struct arena *a,
                       const struct legacy_post *p) STET_MUST_CHECK;

/* Finishes: replies get the parents that came late, stories their counts, and the
 * transaction commits (`commit`) or rolls back (a dry run). *out receives the
 * summary either way. After an error nothing is written. */
int legacy_import_end(struct legacy_import *li, bool commit,
                      struct legacy_summary *out) STET_MUST_CHECK;

/* Rolls back an import not ended; NULL is a no-op. */
void legacy_import_free(struct legacy_import *li);

/* The slug `s` would be as a story's address: ASCII letters lowered, %XX decoded,
 * every run of other bytes one '-', no '-' at either end, at most SLUG_MAX bytes
 * (cut at a '-' when one falls in the last quarter). NULL when nothing is left. In
 * `a`. */
const char *legacy_slug(struct arena *a, const char *s);
/* The slug of a link path's last non-empty segment ("/2019/05/story/" -> "story");
 * NULL for "" or "/". */
const char *legacy_slug_from_path(struct arena *a, const char *path);

#endif
