/* The libmicrohttpd side of a prepared response, shared by prepared.c and the
 * server that queues it; private to http/. */
#ifndef STET_HTTP_PREPARED_MHD_H
#define STET_HTTP_PREPARED_MHD_H

#include <microhttpd.h>
#include <stddef.h>

struct http_prepared {
    struct MHD_Response *mr;
    int status;
    size_t len;
};

#endif
