/* Imported comment bodies made safe to show: the HTML another system stored is
 * parsed the way a browser would (libxml2's HTML parser) and written back with only
 * p, br, a (http and https links, rel="nofollow ugc noopener"), b, strong, i, em,
 * blockquote, code, pre, ul, ol and li. Every other tag is dropped with its text kept,
 * except those whose content is code or a widget (script, style, iframe, svg...),
 * which go whole; every attribute but a link's href goes. */
#ifndef STET_IMPORT_LEGACY_HTML_H
#define STET_IMPORT_LEGACY_HTML_H

#include "base/arena.h"
#include "base/err.h"
#include "import/import.h"

#include <stdbool.h>
#include <stddef.h>

/* The longest body accepted: what the export reader hands over. */
#define LEGACY_HTML_MAX_IN IMPORT_MAX_BODY
/* The output is never longer than LEGACY_HTML_OUT_RATIO * len + LEGACY_HTML_OUT_SLACK
 * bytes (the worst case is a quote in a link, escaped to six bytes). */
#define LEGACY_HTML_OUT_RATIO 8
#define LEGACY_HTML_OUT_SLACK 1024
/* Allowed elements nest at most this deep; deeper ones are dropped, text kept. */
#define LEGACY_HTML_MAX_DEPTH 32

enum legacy_html_mode {
    /* Disqus: the body is HTML, line breaks in it are white space. */
    LEGACY_HTML_HTML,
    /* WordPress: the body is text whose line breaks are its formatting, with some
     * HTML; a blank line starts a paragraph and a line break is a <br />, as
     * WordPress's wpautop shows it (except inside <pre>, and not next to a block
     * tag). */
    LEGACY_HTML_AUTOP,
};

/* A sanitizer for many bodies in turn (an import's): its libxml2 parser context and
 * buffers are reused, since building a parser per body cost more than parsing it,
 * and a body without '<' or '&', or of the simple kind (simple_html.h), skips the
 * parser (it is written as the parser would have it). always_parse true parses every
 * body: for the tests that check the shortcuts write what the parser does. One
 * thread at a time; the caller frees it with legacy_html_free (NULL is a no-op). */
struct legacy_html;
struct legacy_html *legacy_html_new(bool always_parse);
void legacy_html_free(struct legacy_html *h);

/* The parser context is replaced after this many bodies: its dictionary keeps every
 * name it meets. A buffer grown past LEGACY_HTML_KEEP bytes by one body is freed. */
#define LEGACY_HTML_RENEW 1000
#define LEGACY_HTML_KEEP  (256 * 1024)

/* legacy_html_to_safe with sanitizer h. */
int legacy_html_clean(struct legacy_html *h, struct arena *a, const char *src, size_t len,
                      enum legacy_html_mode mode, char **out) STET_MUST_CHECK;

/* Writes the safe HTML for `src[0..len)` to `*out`, NUL-terminated in the arena.
 * Entities are decoded and the text re-escaped; bytes that are not UTF-8 (or are
 * characters HTML cannot hold) become U+FFFD, never an error; HTML comments
 * (WordPress's <!--more-->) are dropped, shortcodes stay text. Returns 0, or
 * STET_ELIMIT when len > LEGACY_HTML_MAX_IN or the output would pass its bound.
 * Thread-safe: it makes a sanitizer for the one body. */
int legacy_html_to_safe(struct arena *a, const char *src, size_t len, enum legacy_html_mode mode,
                        char **out) STET_MUST_CHECK;

#endif
