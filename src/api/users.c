/* Accounts over JSON: registration and API sessions (Bearer tokens). */
#include "domain/users.h"
#include "api/api.h"
#include "domain/sessions.h"
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
        {"username", API_STRING, &username, NULL, NULL},
        {"email", API_STRING, &email, NULL, NULL},
        {"password", API_STRING, &password, NULL, NULL},
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
        {"login", API_STRING, &login, NULL, NULL},
        {"password", API_STRING, &password, NULL, NULL},
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
