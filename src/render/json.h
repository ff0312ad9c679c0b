/* Domain objects as JSON (SPEC section 5) where more than one layer shows them: a
 * comment is the same document in the API and in the live stream's events. */
#ifndef STET_RENDER_JSON_H
#define STET_RENDER_JSON_H

#include "domain/types.h"

#include <jansson.h>
#include <stdint.h>

/* A Unix time as an ISO 8601 string in the site's time zone, or null for 0. The
 * caller owns the returned reference. */
json_t *json_time(int64_t t);

/* A comment as the API shows it; the caller owns the returned reference. A deleted
 * one (a "comment deleted" placeholder) is only its place: id, story, parent_id,
 * created_at and "status":"deleted", never its author or text. */
json_t *json_comment(const struct comment *c);

#endif
