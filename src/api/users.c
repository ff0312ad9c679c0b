/* Accounts over JSON: registration and API sessions (Bearer tokens). */
#include "domain/users.h"
#include "api/api.h"
#include "domain/sessions.h"
#include "web/respond.h"
#include "web/web.h"

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
    rc = user_create(&ctx, str_trim(username), str_trim(email), password, ROLE_READER, &u);
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
        return respond_api_error(req, 401, "invalid_credentials", web_state(req)->err.message,
                                 NULL);
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
        web_state(req)->err.message = "You must be logged in to do that.";
        return respond_error(req, STET_EUNAUTH);
    }
    struct dctx ctx = req_dctx(req);
    int rc = session_end(&ctx, web_state(req)->session_token);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_json(req, 204, NULL);
}
