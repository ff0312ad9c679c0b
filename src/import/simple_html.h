/* The sanitizer's shortcut for the HTML nearly every exported comment is: paragraphs
 * (<p>...</p>) of text with <b>, <strong>, <i>, <em>, <code>, <br> and http(s)
 * links, properly nested, in lower case, with only the five common entities. Such a
 * body is written out as libxml2's parser and the sanitizer's walk would write it
 * (tests/unit/import and the fuzz target compare the two), at a fraction of the
 * cost; anything else, however harmless, is declined and goes to the parser. What
 * it writes is safe by construction whatever it reads: every tag is one of ours and
 * every text and href is escaped here. */
#ifndef STET_IMPORT_SIMPLE_HTML_H
#define STET_IMPORT_SIMPLE_HTML_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends the safe HTML of s[0..len) (valid UTF-8) to `out` and returns true, or
 * returns false with `out` as it was when s is not of the simple kind. */
bool simple_html_clean(struct buf *out, const char *s, size_t len);

#endif
