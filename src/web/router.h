/* The route table's shape and the matcher: a path like /stories/{slug}/comments
 * matches segment by segment, `{name}` capturing one non-empty segment. */
#ifndef STET_WEB_ROUTER_H
#define STET_WEB_ROUTER_H

#include "base/arena.h"
#include "base/err.h"
#include "http/req.h"

enum route_flag {
    ROUTE_API = 1 << 0,    /* JSON in and out; Bearer authentication */
    ROUTE_FORM = 1 << 1,   /* urlencoded form body, filtered to the declared fields */
    ROUTE_CSRF = 1 << 2,   /* form must carry the CSRF token of its cookie */
    ROUTE_NOAUTH = 1 << 3, /* never looks at the session (static files, health) */
    /* With ROUTE_CSRF: a wrong or missing token on a form from this site reaches the
     * handler (web_state.csrf_stale) instead of a 403 page, so it can show the form
     * again with what the reader wrote; it must not act on the request. So does a
     * session that cannot be read (web_state.auth_failed: the database is down). */
    ROUTE_CSRF_RESHOW = 1 << 4,
};

typedef int (*route_handler_fn)(struct req *req);

struct route {
    unsigned methods; /* enum http_method bits; GET also answers HEAD */
    const char *pattern;
    route_handler_fn handler;
    unsigned flags;
    const char *const *fields; /* form fields the handler may see; NULL-terminated */
};

/* Finds the route for `method` and `path`. ENOTFOUND when no pattern matches,
 * EMETHOD when one matches for other methods (their bits in `allowed`). Captured
 * parameters are appended to `params` (arena). */
int router_match(struct arena *a, const struct route *routes, size_t n, enum http_method method,
                 struct str path, const struct route **out, struct kvs *params,
                 unsigned *allowed) STET_MUST_CHECK;

#endif
