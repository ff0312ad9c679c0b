/* The JSON API (/api/v1): handlers, and the helpers they share for reading JSON
 * bodies and query parameters and for turning domain objects into JSON. */
#ifndef STET_API_API_H
#define STET_API_API_H

#include "domain/types.h"
#include "http/req.h"
#include "render/json.h"

#include <jansson.h>

int api_users_create(struct req *req);
int api_sessions_create(struct req *req);
int api_sessions_delete(struct req *req);
int api_stories_list(struct req *req);
int api_stories_create(struct req *req);
int api_stories_update(struct req *req);
int api_stories_show(struct req *req);
int api_comments_list(struct req *req);
int api_comments_create(struct req *req);
int api_counts(struct req *req);
/* Moderation (moderation.c) */
int api_comments_approve(struct req *req);
int api_comments_reject(struct req *req);
int api_moderation_queue(struct req *req);
int api_audit_list(struct req *req);
/* Reports (reports.c), suspensions and roles (users.c) */
int api_reports_create(struct req *req);
int api_users_suspend(struct req *req);
int api_users_unsuspend(struct req *req);
int api_users_update(struct req *req);
/* A reader's own comment (comment_edit.c) */
int api_comments_edit(struct req *req);
int api_comments_delete(struct req *req);
/* The comment policies, admins only (policies.c) */
int api_policies_show(struct req *req);
int api_policies_update(struct req *req);

/* A field a handler accepts in a JSON body. Absent (or null) leaves the output
 * untouched and `present` false; present with the wrong type is EBADREQ. */
enum api_type { API_STRING, API_INT, API_BOOL };

struct api_field {
    const char *name;
    enum api_type type;
    struct str *str; /* for API_STRING: an arena copy */
    int64_t *num;    /* for API_INT */
    bool *present;   /* may be NULL */
    bool *flag;      /* for API_BOOL */
};

/* Parses the body as one JSON object and reads the declared fields; other fields
 * are ignored. EBADREQ (detail set) for malformed JSON, invalid UTF-8, a non-object
 * or a wrongly typed field. */
int api_parse_body(struct req *req, const struct api_field *fields, size_t n) STET_MUST_CHECK;
/* A query parameter as an integer in [min, max], `def` when absent; EBADREQ otherwise. */
int api_query_int(struct req *req, const char *name, int64_t min, int64_t max, int64_t def,
                  int64_t *out) STET_MUST_CHECK;
/* ?sort=oldest|newest: *newest_first (false when absent); EBADREQ otherwise. */
int api_query_sort(struct req *req, bool *newest_first) STET_MUST_CHECK;

/* JSON views; the caller owns the returned reference. */
json_t *json_user(const struct user *u, bool with_email);
json_t *json_story(struct req *req, const struct story *s, bool with_body);
/* json_comment: render/json.h. */

#endif
