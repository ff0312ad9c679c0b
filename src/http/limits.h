/* Every limit on input that reaches the server, in one place. Exceeding one is
 * answered at once with 413 (bodies) or 431 (headers), or STET_ELIMIT. */
#ifndef STET_HTTP_LIMITS_H
#define STET_HTTP_LIMITS_H

#define HTTP_MAX_BODY         (64 * 1024) /* request body bytes */
#define HTTP_MAX_HEADERS      (16 * 1024) /* request line + headers bytes */
#define HTTP_MAX_PATH         2048        /* path bytes */
#define HTTP_MAX_FIELDS       64          /* form or query fields */
#define HTTP_ARENA_BLOCK      (4 * 1024)  /* first arena block per request; grows by doubling */
#define HTTP_CONN_TIMEOUT_S   30          /* idle or slow connection, seconds */
#define HTTP_SHUTDOWN_GRACE_S 10          /* in-flight requests finish within this */
#define HTTP_MAX_CONNECTIONS  20000       /* open connections, idle streams included */

#endif
