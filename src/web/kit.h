/* The handler kit: what a request handler outside web/ (the JSON API) may use of the
 * web layer, and the only web header api/ includes. Reading the request (path and
 * query parameters, declared form fields, the reader, the domain context and its
 * error detail) and answering it (JSON, errors through the one STET_E* -> HTTP
 * mapping). web/dispatch.c and web/respond.c implement it; web/web.h and
 * web/respond.h include it, so HTML handlers see the same declarations. */
#ifndef STET_WEB_KIT_H
#define STET_WEB_KIT_H

#include "base/err.h"
#include "base/str.h"
#include "domain/context.h"
#include "http/req.h"

#include <jansson.h>
#include <stdbool.h>

/* A domain context over the request arena and store; errors detail into the
 * request's error detail (req_err). */
struct dctx req_dctx(struct req *req);
/* The detail (message, field) of the request's last domain error, which
 * respond_error shows; a handler may set it before answering an error of its own.
 * Lives as long as the request. */
struct err_detail *req_err(struct req *req);
/* A path parameter captured by the route, or ENOTFOUND. */
int req_path_param(struct req *req, const char *name, struct str *out) STET_MUST_CHECK;
/* A path parameter that names a row by its id (a comment's {id}): a positive
 * decimal integer, or ENOTFOUND when absent, malformed or not positive, since such
 * an id names nothing. *id is set only on success. */
int req_path_id(struct req *req, const char *name, int64_t *id) STET_MUST_CHECK;
/* A declared form field; empty slice when absent. */
struct str req_form(struct req *req, const char *name);
/* A query parameter, percent-decoded; false when absent. (A malformed query string
 * never reaches a handler: dispatch answers 400.) */
bool req_query(struct req *req, const char *name, struct str *out);
/* The session token this request carries (cookie or Bearer header), borrowed from
 * the request; empty when none. */
struct str req_session_token(struct req *req);
/* The logged-in reader or NULL. */
static inline const struct user *req_viewer(const struct req *req)
{
    return req->user;
}

/* Answers the error `rc` (STET_E*), with the message and field of the request's
 * error detail when set: JSON for API routes, an HTML error page otherwise.
 * Returns 0. */
int respond_error(struct req *req, int rc);
/* Answers an API error with an explicit code and message (e.g. invalid_credentials). */
int respond_api_error(struct req *req, int status, const char *code, const char *message,
                      const char *field);
/* Answers JSON; takes the reference to `doc` (NULL with 204). Returns 0. */
int respond_json(struct req *req, int status, json_t *doc);
/* HTTP status for a STET_E* code. */
int respond_status(int rc);

#endif
