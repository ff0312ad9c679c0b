/* Database URLs made fit for a log line or an error message: the password in one
 * never leaves the process in any text stet writes. */
#ifndef STET_BASE_URL_H
#define STET_BASE_URL_H

#include "base/buf.h"

/* The text that replaces a hidden value. */
#define URL_REDACTED "***"

/* Appends `url` (NULL: nothing) to `out` with each secret (a non-empty run of bytes)
 * replaced by URL_REDACTED and everything else copied byte for byte:
 *  - "scheme://user:PASSWORD@host/db": the password. libpq ends the user info at the
 *    first '@' or '/', so a password holding an unencoded '@', '/' or '?' would be
 *    read differently by another parser; the part hidden runs from the first ':' to
 *    the last '@' of the whole URL, which covers every reading (a query value holding
 *    an '@' then hides a little too much, never too little);
 *  - "?password=X&sslpassword=Y" in a URI's query string, the name compared after
 *    percent-decoding and ignoring case ("?%70assword=" is libpq's "password="),
 *    and a parameter without '=' right after such a value (the rest of a password
 *    that held an unencoded '&', which libpq itself rejects);
 *  - the same two keys in a libpq "key=value ..." string (quoted values included),
 *    and a bare word right after such a value (the rest of an unquoted password
 *    that held a space, which libpq itself rejects).
 * A percent-encoded password is hidden whole, in its encoded form. */
void url_redact(struct buf *out, const char *url);

#endif
