/* Streaming responses (Server-Sent Events): a body produced bit by bit for as long
 * as the client stays. While the producer has nothing to say the connection is
 * suspended — it costs no thread, no polling and no timeout — until another thread
 * wakes it. */
#ifndef STET_HTTP_STREAM_H
#define STET_HTTP_STREAM_H

#include "http/req.h"

#include <stddef.h>
#include <sys/types.h>

/* The producer, called on the connection's I/O thread whenever the connection can
 * take bytes. Returns how many bytes it wrote into buf (at most `max`), 0 when it has
 * nothing now (the connection is parked until http_stream_wake), or -1 to end the
 * stream. Each call should write what is ready, not wait: it runs on an I/O thread.
 * It is only asked for more once the previous bytes are in the socket, so it should
 * keep a cursor (e.g. the last event id sent) rather than a queue: a client that
 * stops reading then costs nothing but its socket buffers, and is closed by the
 * transport after HTTP_CONN_TIMEOUT_S without progress. */
typedef ssize_t (*http_stream_fn)(void *ctx, char *buf, size_t max);
/* Called exactly once when the stream is over (client gone, producer ended, or
 * server stopping), on an I/O thread, at the latest before http_server_stop
 * returns. After it returns nobody may wake the stream again and http/ never
 * touches ctx again; the owner should serialise done against its own calls of
 * http_stream_wake (one lock around both). */
typedef void (*http_stream_done_fn)(void *ctx);

struct http_stream;

/* Answers `req` with status 200 and `content_type`, the body coming from `produce`
 * (chunked under HTTP/1.1). Adds `Cache-Control: no-cache` and
 * `X-Accel-Buffering: no` unless the handler set those headers; other response
 * headers added to req before or after still apply. Call it at most once per
 * request, instead of resp_set. The stream object belongs to http/ and stays valid
 * until `done` has been called, which happens in every case, even when the
 * response is never sent (HEAD: at once, without calling produce).
 *
 * A client that goes away while its stream is parked is noticed the next time the
 * stream is woken (the socket is checked before parking again), so an owner should
 * wake its streams now and then, e.g. to send an SSE comment every 30 s. */
struct http_stream *resp_stream(struct req *req, const char *content_type, http_stream_fn produce,
                                http_stream_done_fn done, void *ctx);

/* Makes the stream call its producer again soon. Thread-safe and cheap; never
 * lost: a wake that arrives while the producer runs makes it run once more before
 * the stream parks. Must not be called once its `done` callback has returned. */
void http_stream_wake(struct http_stream *s);

#endif
