/* Reports over JSON: a reader flags a comment for the moderators. */
#include "domain/reports.h"
#include "api/api.h"
#include "web/kit.h"

int api_reports_create(struct req *req)
{
    struct str reason = STR_NULL;
    const struct api_field fields[] = {{"reason", API_STRING, &reason, NULL, NULL, NULL}};
    struct report r;
    int64_t id = 0;
    int rc = req_path_id(req, "id", &id);
    if (rc != 0)
        return respond_error(req, rc);
    /* Anonymous readers learn they must log in before being told about their JSON. */
    struct dctx ctx = req_dctx(req);
    if (req_viewer(req) != NULL)
        rc = api_parse_body(req, fields, 1);
    if (rc == 0)
        rc = report_comment(&ctx, req_viewer(req), id, reason, &r);
    if (rc != 0)
        return respond_error(req, rc);
    json_t *doc = json_pack("{s:I, s:s, s:o}", "comment_id", (json_int_t)r.comment_id, "reason",
                            r.reason, "created_at", json_time(r.created_at));
    return respond_json(req, 201, json_pack("{s:o}", "report", doc));
}
