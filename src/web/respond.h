/* Building responses: HTML pages through the layout, JSON documents, redirects,
 * and the one mapping from STET_E* codes to HTTP statuses and API error codes. */
#ifndef STET_WEB_RESPOND_H
#define STET_WEB_RESPOND_H

#include "http/req.h"
#include "render/template.h"
#include "web/gzip_parts.h"
#include "web/kit.h"

#include <jansson.h>

/* Renders `tmpl` with `ctx` into the layout (titled `title`) and answers `status`.
 * Always returns 0 (a render failure becomes a logged 500). */
int respond_page(struct req *req, int status, const char *tmpl, const char *title,
                 struct tval *ctx);

/* Stands for a fragment in a page rendered around it (see respond_page_around). An
 * HTML comment: no escaped value can produce it, as escaping turns every '<' a
 * reader typed into "&lt;". Put it in `ctx` where the fragment goes, unescaped. */
#define RESPOND_FRAGMENT_HOLE "<!--stet:fragment-->"
/* Like respond_page, for a page whose `ctx` holds RESPOND_FRAGMENT_HOLE once: only
 * the parts around it are rendered, and the body is sent as [before, fragment,
 * after] without copying `fragment`, which must live until the request is over
 * (a held page-cache entry). With `fragment_z` (the fragment's deflate blocks,
 * living as long) the page is sent gzip-encoded instead, the parts around framed
 * as stored blocks. */
int respond_page_around(struct req *req, int status, const char *tmpl, const char *title,
                        struct tval *ctx, struct str fragment,
                        const struct deflated_part *fragment_z);
/* respond_error, respond_api_error, respond_json, respond_status: web/kit.h. */
/* 303 See Other to a local path. Returns 0. */
int respond_redirect(struct req *req, const char *location);
/* A plain or static body with its content type. Returns 0. */
int respond_bytes(struct req *req, int status, const char *content_type, const char *body,
                  size_t len);

/* Headers every HTML page carries (security policy), first the one every response
 * carries (nosniff): dispatch adds them to each answer, and a cached page bakes them
 * into its prepared response. */
#define RESPOND_N_HTML_HEADERS 3
extern const struct kv respond_html_headers[RESPOND_N_HTML_HEADERS];

#endif
