/* The front page: the newest stories with their comment counts. */
#include "domain/stories.h"
#include "web/handlers.h"
#include "web/respond.h"
#include "web/views.h"
#include "web/web.h"

#define FRONT_PAGE_STORIES 30

int page_front_show(struct req *req)
{
    struct dctx ctx = req_dctx(req);
    struct story *stories;
    size_t n;
    const char *next;
    int rc = story_list_page(&ctx, FRONT_PAGE_STORIES, STR_NULL, &stories, &n, &next);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_page(req, 200, "front.html", NULL, view_front(req, stories, n));
}
