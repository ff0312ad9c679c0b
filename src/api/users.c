/* Accounts over JSON: registration, API sessions (Bearer tokens), and moderation of
 * accounts: suspensions, bans and role changes. */
#include "domain/users.h"
#include "api/api.h"
#include "base/timefmt.h"
#include "domain/sessions.h"
#include "domain/suspensions.h"
#include "web/kit.h"

/* SPEC 5's error, its `code`, `message` and `field` those of the first problem of
 * the answer's kind (ctx->err), and beside them every problem of the request in
 * "errors": [{code, field, message}], so a client can show them all at once. The
 * codes are err_name's, which for EINVAL and ECONFLICT are SPEC 5's "invalid" and
 * "conflict". */
static int respond_problems(struct req *req, int rc, const struct field_errors *fe)
{
    const struct err_detail *first = req_err(req);
    json_t *list = json_array();
    for (size_t i = 0; i < fe->n; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "code", err_name(fe->items[i].rc),
                                              "field", fe->items[i].field, "message",
                                              fe->items[i].message));
    json_t *err = json_pack("{s:s, s:s, s:s, s:o}", "code", err_name(rc), "message", first->message,
                            "field", first->field, "errors", list);
    return respond_json(req, respond_status(rc), json_pack("{s:o}", "error", err));
}

int api_users_create(struct req *req)
{
    struct str username = STR_NULL, email = STR_NULL, password = STR_NULL;
    const struct api_field fields[] = {
        {"username", API_STRING, &username, NULL, NULL, NULL},
        {"email", API_STRING, &email, NULL, NULL, NULL},
        {"password", API_STRING, &password, NULL, NULL, NULL},
    };
    struct user u;
    int rc = api_parse_body(req, fields, 3);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    struct field_errors problems;
    rc = user_register(&ctx, str_trim(username), str_trim(email), password, &problems, &u);
    if (rc == STET_EINVAL || rc == STET_ECONFLICT)
        return respond_problems(req, rc, &problems);
    if (rc != 0)
        return respond_error(req, rc);
    /* The owner's e-mail: for the client that asked, not for any cache on the way. */
    resp_add_header(req, "Cache-Control", "no-store");
    return respond_json(req, 201, json_pack("{s:o}", "user", json_user(&u, true)));
}

int api_sessions_create(struct req *req)
{
    struct str login = STR_NULL, password = STR_NULL;
    const struct api_field fields[] = {
        {"login", API_STRING, &login, NULL, NULL, NULL},
        {"password", API_STRING, &password, NULL, NULL, NULL},
    };
    char token[TOKEN_LEN + 1];
    struct user u;
    int rc = api_parse_body(req, fields, 2);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    rc = user_login(&ctx, str_trim(login), password, &u);
    if (rc == STET_EUNAUTH)
        return respond_api_error(req, 401, "invalid_credentials", req_err(req)->message, NULL);
    if (rc == 0)
        rc = session_start(&ctx, u.id, token);
    if (rc != 0)
        return respond_error(req, rc);
    json_t *doc = json_pack("{s:s, s:o}", "token", token, "user", json_user(&u, true));
    secret_wipe(token, sizeof(token));
    /* A bearer token: no cache, shared or the client's own, may keep a copy. */
    resp_add_header(req, "Cache-Control", "no-store");
    return respond_json(req, 201, doc);
}

int api_sessions_delete(struct req *req)
{
    if (req_viewer(req) == NULL) {
        req_err(req)->message = "You must be logged in to do that.";
        return respond_error(req, STET_EUNAUTH);
    }
    struct dctx ctx = req_dctx(req);
    int rc = session_end(&ctx, req_session_token(req));
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 204, NULL);
}

/* ---- moderation of accounts: suspensions, bans, roles ---- */

int api_users_suspend(struct req *req)
{
    struct str name, until_s = STR_NULL, reason = STR_NULL;
    bool has_until = false;
    const struct api_field fields[] = {
        {"until", API_STRING, &until_s, NULL, &has_until, NULL},
        {"reason", API_STRING, &reason, NULL, NULL, NULL},
    };
    int64_t until = 0;
    int rc = req_path_param(req, "name", &name);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    /* Who may act is told before anything about the body. */
    rc = user_check_role(&ctx, req_viewer(req), ROLE_MODERATOR);
    if (rc == 0)
        rc = api_parse_body(req, fields, 2);
    if (rc == 0 && has_until && time_parse_iso(until_s, &until) != 0)
        rc = err_set(ctx.err, STET_EINVAL, "until",
                     "until must be an ISO 8601 date and time, e.g. 2026-11-30T08:00:00Z.");
    if (rc == 0)
        rc = user_suspend(&ctx, req_viewer(req), name, until, reason);
    if (rc != 0)
        return respond_error(req, rc);
    reason = str_trim(reason);
    json_t *doc =
        json_pack("{s:s%, s:o, s:s%}", "username", name.ptr, name.len, "until",
                  has_until ? json_time(until) : json_null(), "reason", reason.ptr, reason.len);
    return respond_json(req, 201, json_pack("{s:o}", "suspension", doc));
}

int api_users_unsuspend(struct req *req)
{
    struct str name;
    int rc = req_path_param(req, "name", &name);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    rc = user_unsuspend(&ctx, req_viewer(req), name);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 204, NULL);
}

int api_users_update(struct req *req)
{
    struct str name, role = STR_NULL;
    bool has_role = false;
    const struct api_field fields[] = {{"role", API_STRING, &role, NULL, &has_role, NULL}};
    struct user u;
    int rc = req_path_param(req, "name", &name);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    /* Only an admin's body is read: anyone else is refused before it is parsed. */
    rc = user_check_role(&ctx, req_viewer(req), ROLE_ADMIN);
    if (rc == 0)
        rc = api_parse_body(req, fields, 1);
    if (rc == 0 && !has_role)
        rc = err_set(ctx.err, STET_EINVAL, "role", "Nothing to change: give a role.");
    if (rc == 0)
        rc = user_change_role_by(&ctx, req_viewer(req), name, role, &u);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 200, json_pack("{s:o}", "user", json_user(&u, false)));
}
