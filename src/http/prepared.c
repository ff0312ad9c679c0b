/* libmicrohttpd responses are reference-counted and may be queued on any number of
 * connections from any thread, which is what lets one object serve every reader of
 * a cached page. */
#include "http/prepared.h"

#include "base/log.h"
#include "base/xalloc.h"
#include "http/prepared_mhd.h"

#include <stdint.h>
#include <stdlib.h>

struct http_prepared *http_prepared_new(int status, const char *content_type, const char *body,
                                        size_t len, const struct kv *headers, size_t n_headers)
{
    /* PERSISTENT: the owner keeps the body alive (see the header). */
    struct MHD_Response *mr =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (mr == NULL) {
        log_error(NULL, "cannot build a prepared response");
        return NULL;
    }
    for (size_t i = 0; i < n_headers; i++)
        if (MHD_add_response_header(mr, headers[i].name.ptr, headers[i].value.ptr) == MHD_NO)
            log_warn(NULL, "prepared response header %s refused", headers[i].name.ptr);
    if (content_type != NULL)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    struct http_prepared *p = xmalloc(sizeof(*p));
    p->mr = mr;
    p->status = status;
    p->len = len;
    return p;
}

void http_prepared_free(struct http_prepared *p)
{
    if (p == NULL)
        return;
    MHD_destroy_response(p->mr);
    free(p);
}

void resp_prepared(struct req *req, struct http_prepared *p)
{
    req->resp.prepared = p;
    req->resp.status = p->status;
}
