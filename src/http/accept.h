/* Content negotiation for Accept-Encoding (RFC 9110 section 12.5.3). */
#ifndef STET_HTTP_ACCEPT_H
#define STET_HTTP_ACCEPT_H

#include "base/str.h"

#include <stdbool.h>

/* True when an Accept-Encoding value allows `coding` ("gzip"): named with a q
 * above zero, or not named while "*" is, with a q above zero. Names and the "q"
 * parameter are matched without regard to case; "x-gzip" counts as "gzip". A q
 * that is not a valid qvalue counts as 0, and an absent header allows nothing but
 * identity, which is what a server that only sometimes compresses should assume. */
bool accept_encoding_allows(struct str header, const char *coding);

#endif
