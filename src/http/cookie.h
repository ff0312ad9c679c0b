/* Cookie request-header parsing and Set-Cookie building. */
#ifndef STET_HTTP_COOKIE_H
#define STET_HTTP_COOKIE_H

#include "base/arena.h"
#include "base/str.h"

#include <stdbool.h>
#include <stdint.h>

/* Finds cookie `name` in a Cookie header value ("a=1; b=2"); the value is a slice
 * of `header` with surrounding double quotes removed. False when absent. */
bool cookie_get(struct str header, const char *name, struct str *out);

/* A Set-Cookie value: "name=value; Path=/; HttpOnly; SameSite=Lax[; Secure][; Max-Age=N]".
 * max_age < 0 means a session cookie; 0 deletes. Value must be cookie-safe
 * (the caller passes hex or base64url tokens). Result lives in the arena. */
const char *cookie_build(struct arena *a, const char *name, const char *value, int64_t max_age,
                         bool secure);

#endif
