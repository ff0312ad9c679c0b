/* A reader's own comment over JSON: PATCH /api/v1/comments/{id} edits it, DELETE
 * deletes it (SPEC 5, "Moderation and a reader's own comments"). */
#include "domain/comment_edit.h"
#include "api/api.h"
#include "web/kit.h"

int api_comments_edit(struct req *req)
{
    struct str body = STR_NULL;
    const struct api_field fields[] = {
        {"body", API_STRING, &body, NULL, NULL, NULL},
    };
    struct comment c;
    int64_t id;
    int rc = req_path_id(req, "id", &id);
    /* Anonymous callers learn they must log in before being told about their JSON. */
    struct dctx ctx = req_dctx(req);
    if (rc == 0 && req_viewer(req) != NULL)
        rc = api_parse_body(req, fields, 1);
    if (rc == 0)
        rc = comment_edit(&ctx, req_viewer(req), id, body, &c);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 200, json_pack("{s:o}", "comment", json_comment(&c)));
}

int api_comments_delete(struct req *req)
{
    int64_t id;
    int rc = req_path_id(req, "id", &id);
    struct dctx ctx = req_dctx(req);
    if (rc == 0)
        rc = comment_delete(&ctx, req_viewer(req), id);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 204, NULL);
}
