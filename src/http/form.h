/* application/x-www-form-urlencoded and query-string decoding. */
#ifndef STET_HTTP_FORM_H
#define STET_HTTP_FORM_H

#include "base/arena.h"
#include "base/err.h"
#include "http/req.h"

/* Decodes `a=1&b=x+y%21` into arena-allocated pairs ('+' is a space, %XX a byte).
 * Empty segments are skipped. STET_EBADREQ on a bad %-escape, a decoded value that
 * is not valid UTF-8 or holds a NUL, or more than HTTP_MAX_FIELDS fields. */
int form_parse(struct arena *a, struct str body, struct kvs *out) STET_MUST_CHECK;

/* Percent-decodes one component ('+' kept as '+' when `plus_is_space` is false).
 * STET_EBADREQ on a bad escape. The result is NUL-terminated in the arena. */
int url_decode(struct arena *a, struct str in, bool plus_is_space, struct str *out) STET_MUST_CHECK;

#endif
