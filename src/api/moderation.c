/* Moderation over JSON: a moderator approves or rejects a comment, reads the queue
 * of comments waiting for a decision; an admin reads the audit log. */
#include "domain/moderation.h"
#include "api/api.h"
#include "web/kit.h"

#define API_QUEUE_DEFAULT 50
#define API_AUDIT_DEFAULT 50

/* approve and reject: {note?}; an empty body is a decision without a note. */
static int decide(struct req *req, bool approve)
{
    struct str note = STR_NULL;
    const struct api_field fields[] = {{"note", API_STRING, &note, NULL, NULL, NULL}};
    struct comment c;
    int64_t id = 0;
    int rc = req_path_id(req, "id", &id);
    struct dctx ctx = req_dctx(req);
    /* Who may decide is answered before anything about the body. */
    if (rc == 0)
        rc = moderation_check(&ctx, req_viewer(req));
    if (rc == 0 && req->body.len > 0)
        rc = api_parse_body(req, fields, 1);
    if (rc == 0)
        rc = approve ? comment_approve(&ctx, req_viewer(req), id, note, &c)
                     : comment_reject(&ctx, req_viewer(req), id, note, &c);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 200, json_pack("{s:o}", "comment", json_comment(&c)));
}

int api_comments_approve(struct req *req)
{
    return decide(req, true);
}

int api_comments_reject(struct req *req)
{
    return decide(req, false);
}

/* A comment of the queue: the API's comment, why it waits, and its spam score in
 * [0, 1] (null: not scored: staff, imported, or nothing known when it was posted). */
static json_t *queue_entry(const struct comment *c)
{
    const char *why[MODERATION_REASONS_MAX];
    size_t n = moderation_reasons(c, why);
    json_t *reasons = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(reasons, json_string(why[i]));
    json_t *doc = json_comment(c);
    json_object_set_new(doc, "reasons", reasons);
    json_object_set_new(doc, "report_count", json_integer(c->report_count));
    json_object_set_new(doc, "spam_score",
                        c->has_spam_score ? json_real((double)c->spam_score / 1000.0)
                                          : json_null());
    return doc;
}

int api_moderation_queue(struct req *req)
{
    struct str cursor = STR_NULL;
    struct comment *cs;
    size_t n;
    const char *next;
    int64_t limit;
    bool newest = false;
    int rc = api_query_int(req, "limit", 1, MODERATION_PAGE_MAX, API_QUEUE_DEFAULT, &limit);
    if (rc == 0)
        rc = api_query_sort(req, &newest);
    if (rc != 0)
        return respond_error(req, rc);
    req_query(req, "cursor", &cursor);
    struct dctx ctx = req_dctx(req);
    rc = moderation_queue_page(&ctx, req_viewer(req), newest, (int)limit, cursor, &cs, &n, &next);
    if (rc != 0)
        return respond_error(req, rc);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, queue_entry(&cs[i]));
    return respond_json(req, 200,
                        json_pack("{s:o, s:o}", "comments", list, "next_cursor",
                                  next != NULL ? json_string(next) : json_null()));
}

static json_t *audit_entry(const struct store_audit *e)
{
    return json_pack("{s:I, s:o, s:o, s:s, s:s, s:s}", "id", (json_int_t)e->id, "at",
                     json_time(e->at), "actor",
                     e->actor != NULL ? json_string(e->actor) : json_null(), "action", e->action,
                     "target", e->target, "note", e->note);
}

int api_audit_list(struct req *req)
{
    struct str cursor = STR_NULL;
    struct store_audit *es;
    size_t n;
    const char *next;
    int64_t limit;
    int rc = api_query_int(req, "limit", 1, AUDIT_PAGE_MAX, API_AUDIT_DEFAULT, &limit);
    if (rc != 0)
        return respond_error(req, rc);
    req_query(req, "cursor", &cursor);
    struct dctx ctx = req_dctx(req);
    rc = audit_page(&ctx, req_viewer(req), (int)limit, cursor, &es, &n, &next);
    if (rc != 0)
        return respond_error(req, rc);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, audit_entry(&es[i]));
    return respond_json(req, 200,
                        json_pack("{s:o, s:o}", "entries", list, "next_cursor",
                                  next != NULL ? json_string(next) : json_null()));
}
