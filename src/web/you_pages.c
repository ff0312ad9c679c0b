/* The reader's own stylesheet: it shows the "you" marker on that reader's comments.
 * The comment markup is cached and shared by every reader, and the Content-Security-
 * Policy (style-src 'self') refuses an inline style, so the page of a logged-in
 * reader links this stylesheet instead: it works without JavaScript, and a browser
 * keeps it as long as the static assets. */
#include "app.h"
#include "base/ident.h"
#include "web/handlers.h"
#include "web/respond.h"
#include "web/views.h"
#include "web/web.h"

#include <string.h>

int page_you_css(struct req *req)
{
    struct str name;
    int rc = req_path_param(req, "username", &name);
    if (rc != 0)
        return respond_error(req, rc);
    if (!ident_is_username(name))
        return respond_error(req, STET_ENOTFOUND);
    /* The text depends on the address alone, whoever asks; its URL carries the
     * static assets' version (view_layout), so a new release asks again. */
    const char *css = view_you_css(req->arena, arena_strndup(req->arena, name.ptr, name.len));
    resp_add_header(req, "Cache-Control", "public, max-age=31536000, immutable");
    return respond_bytes(req, 200, "text/css; charset=utf-8", css, strlen(css));
}
