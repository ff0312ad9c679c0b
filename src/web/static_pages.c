/* Static assets compiled into the binary, and the health check. Assets are served
 * with a year-long immutable cache: their URLs carry a content hash. */
#include "app.h"
#include "web/handlers.h"
#include "web/respond.h"
#include "web/web.h"

#include <string.h>

static const char *content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot != NULL && strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (dot != NULL && strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (dot != NULL && strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    return "application/octet-stream";
}

int page_static_file(struct req *req)
{
    struct str name;
    int rc = req_path_param(req, "file", &name);
    if (rc != 0)
        return respond_error(req, rc);
    for (const struct embedded_file *f = embedded_static; f->name != NULL; f++) {
        if (!str_eq_cstr(name, f->name))
            continue;
        resp_add_header(req, "Cache-Control", "public, max-age=31536000, immutable");
        return respond_bytes(req, 200, content_type(f->name), (const char *)f->data, f->len);
    }
    return respond_error(req, STET_ENOTFOUND);
}

int page_favicon(struct req *req)
{
    /* No icon yet; answering 204 with a long cache keeps browsers from asking on
     * every page. */
    resp_add_header(req, "Cache-Control", "public, max-age=86400");
    return respond_bytes(req, 204, "image/x-icon", "", 0);
}

int page_healthz(struct req *req)
{
    resp_add_header(req, "Cache-Control", "no-store");
    return respond_bytes(req, 200, "text/plain; charset=utf-8", "ok", 2);
}
