/* The transport's side of streaming responses, private to http/: how server.c turns
 * a struct http_stream into a libmicrohttpd response, and the per-server registry
 * that lets a stopping server end every open stream. */
#ifndef STET_HTTP_STREAM_MHD_H
#define STET_HTTP_STREAM_MHD_H

#include "base/mutex.h"
#include "http/stream.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Every stream whose response exists, so that http_server_stop can end them. */
struct stream_registry {
    struct mutex mu;
    struct http_stream *head; /* doubly linked through the streams */
    size_t n;
    bool ending; /* set once by stream_registry_end_all */
};

void stream_registry_init(struct stream_registry *r);
/* The registry must be empty: all responses destroyed (MHD_stop_daemon did that). */
void stream_registry_cleanup(struct stream_registry *r);
/* Ends every registered stream: parked ones are resumed and end without calling
 * their producer again; streams registered later end at once. Returns how many
 * streams were open. */
size_t stream_registry_end_all(struct stream_registry *r);

/* Registers `s` and builds its response, to be queued on `conn` by the caller (from
 * the connection's I/O thread). Takes ownership of `s` in every case: when this
 * returns NULL the stream's done has run and `s` is gone; otherwise destroying the
 * last reference to the response ends it. */
struct MHD_Response *stream_response_new(struct http_stream *s, struct stream_registry *r,
                                         struct MHD_Connection *conn);
/* Ends a stream whose response was never built: runs done and frees `s`. */
void stream_abandon(struct http_stream *s);
/* Body bytes produced so far; read on the connection's I/O thread only. */
uint64_t stream_bytes(const struct http_stream *s);

#endif
