/* The ways to stories: the front page (the newest, then older pages through keyset
 * cursors), the archive's months and each month's stories. None is cached: each
 * reads a few index rows, and the first run on an I/O thread gets STET_EAGAIN from
 * the store and is run again on a worker. */
#include "base/timefmt.h"
#include "domain/stories.h"
#include "web/handlers.h"
#include "web/respond.h"
#include "web/views.h"
#include "web/web.h"

#define FRONT_PAGE_STORIES 30
#define MONTH_PAGE_STORIES 50

int page_front_show(struct req *req)
{
    struct dctx ctx = req_dctx(req);
    struct story_span span = {
        .from = TIME_MIN, .to = TIME_MAX + 1, .newest_first = true, .limit = FRONT_PAGE_STORIES};
    struct str before = STR_NULL, after = STR_NULL;
    struct story_window w;
    req_query(req, "before", &before);
    req_query(req, "after", &after);
    int rc = story_window_load(&ctx, &span, before, after, &w);
    if (rc != 0)
        return respond_error(req, rc);
    if (w.at_start)
        return respond_redirect(req, "/");
    bool first = before.len == 0 && after.len == 0;
    return respond_page(req, 200, "front.html", first ? NULL : "Older stories",
                        view_front(req, &w, first));
}

int page_archive_show(struct req *req)
{
    struct dctx ctx = req_dctx(req);
    struct str before = STR_NULL;
    struct story_month *months;
    size_t n;
    const char *next;
    req_query(req, "before", &before);
    int rc = story_months(&ctx, before, &months, &n, &next);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_page(req, 200, "archive.html", "Archive",
                        view_archive(req, months, n, next, before.len == 0));
}

int page_archive_month(struct req *req)
{
    struct dctx ctx = req_dctx(req);
    struct str year, month, before = STR_NULL, after = STR_NULL;
    struct story_window w;
    int y, m;
    int rc = req_path_param(req, "year", &year);
    if (rc == 0)
        rc = req_path_param(req, "month", &month);
    if (rc != 0)
        return respond_error(req, rc);
    req_query(req, "before", &before);
    req_query(req, "after", &after);
    rc = story_month_load(&ctx, year, month, MONTH_PAGE_STORIES, before, after, &y, &m, &w);
    if (rc != 0)
        return respond_error(req, rc);
    if (w.at_start)
        return respond_redirect(req, arena_printf(req->arena, "/archive/%04d/%02d", y, m));
    return respond_page(req, 200, "archive_month.html", view_month_title(req->arena, y, m),
                        view_archive_month(req, y, m, &w));
}
