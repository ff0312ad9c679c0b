/* A libcurl write callback that collects an answer's body up to a bound, shared by
 * the services that fetch (weather, akismet). */
#ifndef STET_SERVICES_CURL_BODY_H
#define STET_SERVICES_CURL_BODY_H

#include "base/buf.h"

#include <stddef.h>

/* CURLOPT_WRITEDATA for curl_body_write: the buffer to fill and its bound. */
struct curl_body {
    struct buf *buf;
    size_t max;
};

/* CURLOPT_WRITEFUNCTION: appends to body->buf while the body stays within
 * body->max bytes; past it, returns a short count, so libcurl stops the transfer
 * with CURLE_WRITE_ERROR (the caller reports "answer too large"). */
size_t curl_body_write(char *data, size_t size, size_t nmemb, void *body);

#endif
