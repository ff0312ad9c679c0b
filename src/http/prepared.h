/* Responses built once and sent many times: a cached page's status, headers and
 * body become one libmicrohttpd response object that every request for that page
 * queues as is — no header building, no copy, no teardown per request. */
#ifndef STET_HTTP_PREPARED_H
#define STET_HTTP_PREPARED_H

#include "http/req.h"

struct http_prepared;

/* Builds a response from `body` (borrowed: it must stay valid until
 * http_prepared_free and until every request sent from it is over), the content
 * type and `headers`. NULL when libmicrohttpd refuses it (logged). */
struct http_prepared *http_prepared_new(int status, const char *content_type, const char *body,
                                        size_t len, const struct kv *headers, size_t n_headers);
/* Drops the builder's reference; requests still sending keep theirs. NULL: no-op. */
void http_prepared_free(struct http_prepared *p);

/* Answers `req` with `p`. The caller keeps `p` (and its body) alive until the
 * request is over, e.g. with req_on_done. Headers added to req are not sent. */
void resp_prepared(struct req *req, struct http_prepared *p);

#endif
