/* A reader's own comment over JSON: PATCH /api/v1/comments/{id} edits it, DELETE
 * deletes it (SPEC 5, "Moderation and a reader's own comments"). */
#include "domain/comment_edit.h"
#include "api/api.h"
#include "web/kit.h"

/* The {id} of the path; a malformed one names no comment. */
static int comment_id(struct req *req, int64_t *id)
{
    struct str s;
    int rc = req_path_param(req, "id", &s);
    if (rc == 0 && str_to_i64(s, 1, INT64_MAX, id) != 0)
        rc = STET_ENOTFOUND;
    return rc;
}

int api_comments_edit(struct req *req)
{
    struct str body = STR_NULL;
    const struct api_field fields[] = {
        {"body", API_STRING, &body, NULL, NULL},
    };
    struct comment c;
    int64_t id;
    int rc = comment_id(req, &id);
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
    int rc = comment_id(req, &id);
    struct dctx ctx = req_dctx(req);
    if (rc == 0)
        rc = comment_delete(&ctx, req_viewer(req), id);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 204, NULL);
}
