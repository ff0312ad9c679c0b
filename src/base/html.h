/* Escaping for the place text lands: HTML text and quoted attributes, URL
 * components. Every string that came from a user passes through one of these: the
 * pages' templates, comment Markdown (render/) and imported legacy HTML (import/),
 * which is why it lives in base/. */
#ifndef STET_BASE_HTML_H
#define STET_BASE_HTML_H

#include "base/arena.h"
#include "base/buf.h"

#include <stddef.h>

/* Escapes & < > " ' so the result is safe in HTML text and in a quoted attribute. */
void html_escape(struct buf *out, const char *s, size_t len);
/* Arena copy of `s`, HTML-escaped. */
char *html_escape_dup(struct arena *a, const char *s);
/* Writes the start tag of a link a reader wrote, to `url` (len bytes, a scheme the
 * caller has checked): spaces and control bytes percent-encoded so the href stays
 * one token, the rest escaped for the quoted attribute, and rel="nofollow ugc
 * noopener" (SPEC 6). */
void html_user_link_open(struct buf *out, const char *url, size_t len);
/* Percent-encodes everything but unreserved characters (RFC 3986: A-Z a-z 0-9 - . _ ~). */
void url_encode(struct buf *out, const char *s, size_t len);
/* Arena copy of `s`, percent-encoded. */
char *url_encode_dup(struct arena *a, const char *s);

#endif
