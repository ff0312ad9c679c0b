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

/* Writes the safe HTML for `src[0..len)` to `*out`, NUL-terminated in the arena.
 * Entities are decoded and the text re-escaped; bytes that are not UTF-8 (or are
 * characters HTML cannot hold) become U+FFFD, never an error; HTML comments
 * (WordPress's <!--more-->) are dropped, shortcodes stay text. Returns 0, or
 * STET_ELIMIT when len > LEGACY_HTML_MAX_IN. Thread-safe. */
int legacy_html_to_safe(struct arena *a, const char *src, size_t len, enum legacy_html_mode mode,
                        char **out) STET_MUST_CHECK;

#endif
