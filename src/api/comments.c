/* Comments over JSON: a story's comments page by page, and posting one. */
#include "domain/comments.h"
#include "api/api.h"
#include "web/kit.h"

#define API_COMMENTS_DEFAULT 50

int api_comments_list(struct req *req)
{
    struct str slug, cursor = STR_NULL;
    struct story story;
    struct comment *cs;
    size_t n;
    const char *next;
    int64_t limit;
    bool newest = false;
    int rc = req_path_param(req, "slug", &slug);
    if (rc == 0)
        rc = api_query_int(req, "limit", 1, COMMENT_PAGE_MAX, API_COMMENTS_DEFAULT, &limit);
    if (rc == 0)
        rc = api_query_sort(req, &newest);
    if (rc != 0)
        return respond_error(req, rc);
    req_query(req, "cursor", &cursor);
    struct dctx ctx = req_dctx(req);
    rc = comment_list_page(&ctx, req_viewer(req), slug, newest, (int)limit, cursor, &story, &cs, &n,
                           &next);
    if (rc != 0)
        return respond_error(req, rc);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_comment(&cs[i]));
    return respond_json(req, 200,
                        json_pack("{s:I, s:o, s:o}", "count", (json_int_t)story.n_comments,
                                  "comments", list, "next_cursor",
                                  next != NULL ? json_string(next) : json_null()));
}

int api_comments_create(struct req *req)
{
    struct str slug, body = STR_NULL;
    int64_t parent_id = 0;
    const struct api_field fields[] = {
        {"body", API_STRING, &body, NULL, NULL, NULL},
        {"parent_id", API_INT, NULL, &parent_id, NULL, NULL},
    };
    struct comment c;
    int rc = req_path_param(req, "slug", &slug);
    if (rc != 0)
        return respond_error(req, rc);
    /* Anonymous posters learn they must register before being told about their JSON. */
    struct dctx ctx = req_dctx(req);
    if (req_viewer(req) != NULL)
        rc = api_parse_body(req, fields, 2);
    if (rc == 0)
        rc = comment_post(&ctx, req_viewer(req), slug, body, parent_id, &c);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 201, json_pack("{s:o}", "comment", json_comment(&c)));
}
