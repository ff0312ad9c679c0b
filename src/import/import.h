/* Streaming readers for the comment exports other systems write: Disqus's XML export
 * and WordPress's WXR. Each hands typed records (a thread, a post) to the caller's
 * callbacks in file order, with memory that stays flat whatever the file's size, and
 * counts what it had to repair or leave out instead of failing on it. Only a file
 * that is not well-formed XML (malformed, truncated, not XML at all) stops a parse,
 * with the line where it went wrong. Nothing here knows the store. */
#ifndef STET_IMPORT_IMPORT_H
#define STET_IMPORT_IMPORT_H

#include "base/arena.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on one value, in bytes of UTF-8. A post's body or an id over its limit
 * makes the parser skip the record (n_oversize): a cut id would name another record
 * and a cut body would misquote its author. A title or a name is shortened at a
 * character boundary (n_truncated); an e-mail, URL, IP address or link over its
 * limit is left empty (n_fields_dropped). WordPress keeps a comment in a MySQL TEXT
 * (65,535 bytes), Disqus caps a message lower still, so the body limit leaves room
 * for escaping without admitting a runaway value. */
#define IMPORT_MAX_BODY  (256 * 1024)
#define IMPORT_MAX_ID    256
#define IMPORT_MAX_TITLE 1024
#define IMPORT_MAX_NAME  256
#define IMPORT_MAX_EMAIL 320
#define IMPORT_MAX_URL   2048
#define IMPORT_MAX_IP    64
#define IMPORT_MAX_WORD  64 /* status, post type, comment type, a flag, a date */

/* The progress callback runs at most once per this many bytes consumed (and once at
 * the end). */
#define IMPORT_PROGRESS_STEP (1024 * 1024)

enum import_format {
    IMPORT_DISQUS,
    IMPORT_WXR,
};

/* A story as the export knows it: a Disqus <thread>, a WordPress <item>. Strings are
 * never NULL ("" when the export has none) and live in `arena`. */
struct import_thread {
    /* The parser frees the record's arena after the callback returns, unless the
     * callback took the record by setting this to NULL; it then frees the arena
     * itself with arena_free. */
    struct arena *arena;
    const char *source_id;  /* Disqus dsq:id, WordPress wp:post_id; never "" */
    const char *identifier; /* Disqus <id> (the site's own key, often "123 URL") */
    const char *slug;       /* WordPress wp:post_name */
    const char *link;       /* as exported, trimmed */
    /* The link's path without query or fragment ("/2019/05/story/"), "" when there is
     * no link or it names the story by query alone ("/?p=123": see n_query_links). */
    const char *path;
    const char *title;
    const char *status;    /* WordPress wp:status ("publish", "draft"...) */
    const char *post_type; /* WordPress wp:post_type ("post", "page", "attachment"...) */
    int64_t created_at;    /* Unix seconds, 0 when unknown (n_bad_dates) */
    bool is_closed;        /* Disqus isClosed, WordPress comment_status "closed" */
    bool is_deleted;       /* Disqus isDeleted */
};

/* What became of a post in the system it comes from. */
enum import_state {
    IMPORT_APPROVED, /* shown there */
    IMPORT_PENDING,  /* WordPress approved 0 (and any value WordPress does not write) */
    IMPORT_SPAM,     /* Disqus isSpam (even when also deleted), WordPress "spam" */
    IMPORT_DELETED,  /* Disqus isDeleted, WordPress "trash" and "post-trashed" */
};

enum import_kind {
    IMPORT_COMMENT,   /* Disqus posts; WordPress comment_type "", "comment" or absent */
    IMPORT_PINGBACK,  /* WordPress "pingback" */
    IMPORT_TRACKBACK, /* WordPress "trackback" */
    IMPORT_OTHER,     /* any other comment_type (plugins' "review", "order_note"...) */
};

/* A reader's comment. A post is named by the pair (thread_source_id, source_id) in
 * both formats: WordPress numbers comments per site, but two items of a merged
 * export can carry the same comment_id. Strings are never NULL and live in `arena`. */
struct import_post {
    struct arena *arena; /* ownership as in struct import_thread */
    const char *source_id;
    const char *thread_source_id;
    const char *parent_source_id; /* "" for a top-level post (WordPress parent 0) */
    /* As exported: Disqus HTML, WordPress text with line breaks and some HTML. Pass
     * it through legacy_html_to_safe before it reaches a page; "" when the export has
     * no body (n_posts_empty). */
    const char *body;
    int64_t created_at; /* Unix seconds, 0 when unknown (n_bad_dates) */
    enum import_state state;
    enum import_kind kind;
    const char *kind_name; /* WordPress comment_type as exported */
    const char *author_name;
    const char *author_email;    /* private: never shown */
    const char *author_username; /* Disqus username */
    const char *author_url;      /* WordPress comment_author_url */
    const char *author_ip;
    const char *author_user_id; /* WordPress comment_user_id, "" for 0 */
    bool is_anonymous;          /* Disqus isAnonymous */
};

/* What the parse met, for the summary a user reads. Records skipped are not handed
 * to the callbacks; the rest are counted in n_threads and n_posts. */
struct import_stats {
    uint64_t n_threads;
    uint64_t n_posts;
    uint64_t n_bytes; /* bytes of the file consumed */
    /* Skipped: a thread with neither an identifier nor a link nor (WordPress) a slug
     * could match no story; its posts then name a thread the caller never saw. */
    uint64_t n_threads_unlinked;
    uint64_t n_threads_no_id; /* skipped: no dsq:id / wp:post_id */
    uint64_t n_posts_no_id;   /* skipped: no dsq:id / comment_id */
    /* Skipped: a Disqus post without <thread dsq:id>, a WordPress comment in an item
     * without wp:post_id. */
    uint64_t n_posts_no_thread;
    uint64_t n_oversize;       /* skipped: a body or an id over its limit */
    uint64_t n_posts_empty;    /* handed over with body "" */
    uint64_t n_bad_dates;      /* handed over with created_at 0 */
    uint64_t n_date_fallbacks; /* WordPress: comment_date_gmt missing, comment_date used */
    uint64_t n_untyped;        /* WordPress: no comment_type element (a comment) */
    uint64_t n_query_links;    /* a link that names its story by query only (?p=N) */
    uint64_t n_truncated;      /* a title or name shortened to its limit */
    uint64_t n_fields_dropped; /* an e-mail, URL, IP or link over its limit, left "" */
    uint64_t n_bytes_repaired; /* invalid UTF-8 or control bytes replaced by U+FFFD */
    uint64_t n_late_fields;    /* WordPress: item fields after its first comment, ignored */
    uint64_t n_categories;     /* Disqus <category> elements, read past */
};

/* The callbacks a parse feeds. on_thread and on_post return 0 to go on, or an error
 * code that stops the parse and becomes its result, unchanged. on_progress (may be
 * NULL) gets the bytes consumed so far (libxml2's xmlTextReaderByteConsumed), every
 * IMPORT_PROGRESS_STEP bytes or so, and the file's size at the end. */
struct import_sink {
    void *ctx;
    int (*on_thread)(void *ctx, struct import_thread *t);
    int (*on_post)(void *ctx, struct import_post *p);
    void (*on_progress)(void *ctx, uint64_t bytes);
};

#define IMPORT_ERR_MAX 256

/* Why a parse stopped on its input: the caller prints "stet: FILE:LINE: message".
 * line is 0 when no line applies (the file cannot be opened or read). */
struct import_error {
    int line;
    char message[IMPORT_ERR_MAX];
};

/* Parses the export at `path` (fd 0 when path is "-") as `format`, handing each
 * record to `sink` as it is read. `stats` is zeroed, then filled (also when the parse
 * fails: records handed over so far). Returns 0; STET_EBADREQ when the file is not a
 * well-formed export of that format (`err` says where and why); STET_EIO when it
 * cannot be opened or read (`err` says why); or a callback's error, unchanged (`err`
 * then empty). Records already handed over before an error stay the caller's to undo.
 * Thread-safe: one parse holds no state outside its own call. */
int import_parse_file(enum import_format format, const char *path, const struct import_sink *sink,
                      struct import_stats *stats, struct import_error *err) STET_MUST_CHECK;

/* The same over `data[0..len)` (tests, fuzzing); never STET_EIO. */
int import_parse_mem(enum import_format format, const char *data, size_t len,
                     const struct import_sink *sink, struct import_stats *stats,
                     struct import_error *err) STET_MUST_CHECK;

/* The format's name as the command line spells it ("disqus", "wordpress"). */
const char *import_format_name(enum import_format format);

#endif
