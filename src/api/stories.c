/* Stories over JSON: list, show, create (admins), edit (comments_open: moderators; the
 * text: admins), and comment counts for widgets. */
#include "domain/stories.h"
#include "api/api.h"
#include "base/timefmt.h"
#include "web/kit.h"

#include <string.h>

#define API_STORIES_DEFAULT 20

int api_stories_list(struct req *req)
{
    int64_t limit;
    struct str cursor = STR_NULL;
    struct story *stories;
    size_t n;
    const char *next;
    int rc = api_query_int(req, "limit", 1, STORY_PAGE_MAX, API_STORIES_DEFAULT, &limit);
    if (rc != 0)
        return respond_error(req, rc);
    req_query(req, "cursor", &cursor);
    struct dctx ctx = req_dctx(req);
    rc = story_list_page(&ctx, (int)limit, cursor, &stories, &n, &next);
    if (rc != 0)
        return respond_error(req, rc);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_story(req, &stories[i], false));
    return respond_json(req, 200,
                        json_pack("{s:o, s:o}", "stories", list, "next_cursor",
                                  next != NULL ? json_string(next) : json_null()));
}

int api_stories_show(struct req *req)
{
    struct str slug;
    struct story s;
    int rc = req_path_param(req, "slug", &slug);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    rc = story_get(&ctx, slug, &s);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 200, json_pack("{s:o}", "story", json_story(req, &s, true)));
}

int api_stories_create(struct req *req)
{
    struct story_input in = {0};
    struct str published = STR_NULL;
    bool has_published;
    const struct api_field fields[] = {
        {"slug", API_STRING, &in.slug, NULL, NULL, NULL},
        {"title", API_STRING, &in.title, NULL, NULL, NULL},
        {"byline", API_STRING, &in.byline, NULL, NULL, NULL},
        {"body", API_STRING, &in.body, NULL, NULL, NULL},
        {"published_at", API_STRING, &published, NULL, &has_published, NULL},
    };
    struct story s;
    struct dctx ctx = req_dctx(req);
    int rc = story_check_editor(&ctx, req_viewer(req));
    if (rc == 0)
        rc = api_parse_body(req, fields, sizeof(fields) / sizeof(fields[0]));
    if (rc == 0 && has_published && time_parse_iso(published, &in.published_at) != 0)
        rc = err_set(ctx.err, STET_EINVAL, "published_at",
                     "published_at must be an ISO 8601 date and time from the year 0000 to "
                     "9999, without a leap second, e.g. 2026-11-30T08:00:00Z.");
    if (rc == 0)
        rc = story_create(&ctx, req_viewer(req), &in, &s);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 201, json_pack("{s:o}", "story", json_story(req, &s, true)));
}

int api_stories_update(struct req *req)
{
    struct str slug, title = STR_NULL, byline = STR_NULL, body = STR_NULL;
    bool has_title, has_byline, has_body;
    struct story_patch p = {0};
    const struct api_field fields[] = {
        {"title", API_STRING, &title, NULL, &has_title, NULL},
        {"byline", API_STRING, &byline, NULL, &has_byline, NULL},
        {"body", API_STRING, &body, NULL, &has_body, NULL},
        {"comments_open", API_BOOL, NULL, NULL, &p.has_open, &p.comments_open},
    };
    struct story s;
    struct dctx ctx = req_dctx(req);
    int rc = req_path_param(req, "slug", &slug);
    if (rc == 0)
        rc = api_parse_body(req, fields, sizeof(fields) / sizeof(fields[0]));
    if (rc == 0) {
        p.title = has_title ? &title : NULL;
        p.byline = has_byline ? &byline : NULL;
        p.body = has_body ? &body : NULL;
        rc = story_edit(&ctx, req_viewer(req), slug, &p, &s);
    }
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 200, json_pack("{s:o}", "story", json_story(req, &s, true)));
}

#define COUNTS_MAX_SLUGS STORY_PAGE_MAX

int api_counts(struct req *req)
{
    struct str list = STR_NULL;
    struct str slugs[COUNTS_MAX_SLUGS];
    int64_t counts[COUNTS_MAX_SLUGS];
    size_t n = 0;
    struct dctx ctx = req_dctx(req);

    req_query(req, "stories", &list);
    for (size_t i = 0, start = 0; i <= list.len; i++) {
        if (i < list.len && list.ptr[i] != ',')
            continue;
        if (i > start) {
            if (n == COUNTS_MAX_SLUGS)
                return respond_error(req, err_set(ctx.err, STET_EBADREQ, "stories",
                                                  "At most 100 stories at a time."));
            slugs[n++] = (struct str){list.ptr + start, i - start};
        }
        start = i + 1;
    }
    int rc = story_counts(&ctx, slugs, n, counts);
    if (rc != 0)
        return respond_error(req, rc);
    json_t *obj = json_object();
    for (size_t i = 0; i < n; i++)
        if (counts[i] >= 0)
            json_object_setn_new(obj, slugs[i].ptr, slugs[i].len, json_integer(counts[i]));
    return respond_json(req, 200, json_pack("{s:o}", "counts", obj));
}
