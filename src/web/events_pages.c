/* The live-comments stream of a story page (Server-Sent Events). */
#include "domain/stories.h"
#include "web/handlers.h"
#include "web/live.h"
#include "web/respond.h"
#include "web/web.h"

/* Where the client wants to resume: the Last-Event-ID header (sent by EventSource
 * on reconnect), else ?last_event_id= (the page's first connect); -1 when neither. */
static int resume_point(struct req *req, int64_t *out)
{
    struct str v;
    *out = -1;
    if (!req_header(req, "Last-Event-ID", &v) && !req_query(req, "last_event_id", &v))
        return 0;
    v = str_trim(v);
    if (v.len == 0)
        return 0;
    return str_to_i64(v, 0, INT64_MAX, out) == 0 ? 0 : STET_EBADREQ;
}

int page_story_events(struct req *req)
{
    struct str slug;
    struct story story;
    int64_t after;
    int rc = req_path_param(req, "slug", &slug);
    if (rc == 0)
        rc = resume_point(req, &after);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    rc = story_get(&ctx, slug, &story);
    if (rc != 0)
        return respond_error(req, rc);
    live_subscribe(req->app->live, req, &story, after >= 0 ? after : story.event_seq);
    return 0;
}
