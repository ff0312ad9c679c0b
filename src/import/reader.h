/* What the two export readers share (internal to src/import): the walk over
 * libxml2's xmlTextReader with per-reader error capture, the bounded value
 * collector, and the small parsers for dates, flags and links. disqus.c and wxr.c
 * each supply the element handlers of their format. */
#ifndef STET_IMPORT_READER_H
#define STET_IMPORT_READER_H

#include "base/buf.h"
#include "import/import.h"

#include <stdbool.h>
#include <stdint.h>

#include <libxml/xmlreader.h>

/* The namespaces the formats use, told apart by URI, never by prefix. */
enum import_ns {
    IMPORT_NS_NONE,  /* no namespace (RSS's own elements) */
    IMPORT_NS_WP,    /* http://wordpress.org/export/1.x/ */
    IMPORT_NS_DSQ,   /* http://disqus.com/disqus-internals (the dsq:id attribute) */
    IMPORT_NS_OTHER, /* Disqus's default namespace, dc:, content:, excerpt:... */
};

/* What happens to a value longer than its limit (import.h explains the choice). */
enum import_over {
    IMPORT_OVER_SKIP,    /* the record is skipped (ids, bodies) */
    IMPORT_OVER_SHORTEN, /* cut at a character boundary (titles, names) */
    IMPORT_OVER_DROP,    /* left "" (e-mail, URL, IP, link, words) */
};

/* One value being read: the text of an element and its descendants, leading white
 * space skipped, at most `max` bytes kept (plus the start of the character that
 * crosses it). */
struct import_field {
    struct buf text;
    size_t max;
    enum import_over over_policy;
    bool seen; /* the element appeared in this record */
    bool over; /* more than max bytes arrived */
};

struct import_run;

/* A format's element handlers. on_start sees every element (empty ones too, followed
 * at once by on_end); depth 0 is the root. Either returns 0 or an error that stops
 * the parse (STET_EBADREQ after import_run_fail, or a callback's code). */
struct import_format_ops {
    int (*on_start)(struct import_run *run, int depth, const char *name, enum import_ns ns);
    int (*on_end)(struct import_run *run, int depth, const char *name, enum import_ns ns);
};

struct import_run {
    xmlTextReaderPtr reader;
    const struct import_sink *sink;
    struct import_stats *stats;
    struct import_error *err;
    void *format_state;
    /* The value being collected, and the depth of its element; NULL between values. */
    struct import_field *field;
    int field_depth;
    uint64_t last_progress;
    bool root_closed;
};

/* Starts collecting `f` (emptied first) for the element at `depth`. */
void import_field_begin(struct import_run *run, struct import_field *f, int depth);
/* Stops collecting when the element at `depth` is the one being collected. */
void import_field_end(struct import_run *run, int depth);
/* Empties a field for the next record. */
void import_field_reset(struct import_field *f);
/* The field's value as an arena string, trailing white space trimmed; "" when absent.
 * Over its limit it is shortened or left "" (counted in stats), or, for
 * IMPORT_OVER_SKIP, *skip is set (counted by the caller, once per record). */
const char *import_field_value(struct import_run *run, struct arena *a,
                               const struct import_field *f, bool *skip);
/* The field's trimmed text as a NUL-terminated string in its own buffer (words,
 * flags, dates); "" when absent or over its limit. Valid until the field changes. */
const char *import_field_word(struct import_field *f);

/* An attribute of the current element by namespace class and local name, trimmed,
 * as an arena string ("" when absent). Over IMPORT_MAX_ID bytes sets *skip. */
const char *import_attr_id(struct import_run *run, struct arena *a, enum import_ns ns,
                           const char *name, bool *skip);
/* True when the current element declares a namespace whose URI starts with `prefix`. */
bool import_declares_ns(struct import_run *run, const char *prefix);

/* Stops the parse with `message` at the reader's current line; returns STET_EBADREQ. */
int import_run_fail(struct import_run *run, const char *message);
/* Reports progress when IMPORT_PROGRESS_STEP more bytes have been consumed. */
void import_run_progress(struct import_run *run);

/* "true" (any case) is true, everything else false. */
bool import_parse_flag(const char *s);
/* Disqus's "2012-03-04T05:06:07Z" (any ISO 8601 offset, fractions allowed) or
 * WordPress's "2012-03-04 05:06:07" (read as UTC) to Unix seconds; STET_EINVAL for
 * anything else, WordPress's "0000-00-00 00:00:00" included. */
int import_parse_date(const char *s, int64_t *out) STET_MUST_CHECK;
/* The path of an absolute or root-relative link, as an arena string: "" when the link
 * is empty or names its story by query only ("/?p=12", counted in n_query_links). */
const char *import_link_path(struct import_run *run, struct arena *a, const char *link);

/* The two formats' element handlers (disqus.c, wxr.c); each allocates and frees its
 * own state in run->format_state through init and cleanup. */
void import_disqus_init(struct import_run *run);
void import_disqus_cleanup(struct import_run *run);
extern const struct import_format_ops import_disqus_ops;
void import_wxr_init(struct import_run *run);
void import_wxr_cleanup(struct import_run *run);
extern const struct import_format_ops import_wxr_ops;

#endif
