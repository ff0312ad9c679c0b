/* Every limit on input that reaches the server, in one place. Exceeding one is
 * answered at once with 413 (bodies) or 431 (headers), or STET_ELIMIT. */
#ifndef STET_HTTP_LIMITS_H
#define STET_HTTP_LIMITS_H

#define HTTP_MAX_BODY (64 * 1024) /* request body bytes */
/* 12 KiB, not more: libmicrohttpd's per-connection pool is sized from it and every
 * open connection holds one, idle live-comment streams included (10,000 streams:
 * 220 MB at 16 KiB, 188 MB at 12 KiB). A Cookie header of up to ~7.5 KB still fits,
 * as libmicrohttpd 0.9.75 keeps two copies of it in the pool. */
#define HTTP_MAX_HEADERS (12 * 1024) /* request line + headers bytes */
#define HTTP_MAX_PATH    2048        /* path bytes */
#define HTTP_MAX_FIELDS  64          /* form or query fields */
/* Small, because a stream keeps its request's arena for as long as it is open. */
#define HTTP_ARENA_BLOCK    (1 * 1024) /* first arena block per request; grows by doubling */
#define HTTP_CONN_TIMEOUT_S 30         /* idle or slow connection, seconds */
#define HTTP_LISTEN_BACKLOG 1024
/* Logged for a request whose client left before a worker took it up, which is then
 * not run (nginx's "client closed request"). */
#define HTTP_STATUS_CLIENT_CLOSED 499
/* Niceness of the threads that run writes (posting, registering, logging in):
 * below the I/O and read threads, so CPU-heavy writes (Argon2id) wait for readers
 * rather than the other way round, without starving when the machine is idle. */
#define HTTP_WRITE_NICE 10
/* Forwarded / X-Forwarded-For lines read per request (each may list many hops). */
#define HTTP_MAX_FORWARD_LINES 8
#define HTTP_SHUTDOWN_GRACE_S  10    /* in-flight requests finish within this */
#define HTTP_MAX_CONNECTIONS   20000 /* open connections, idle streams included */

#endif
