/* The register and login forms. */
#include "web/views.h"

#include "render/html.h"
#include "web/web.h"

#include <string.h>

/* The shared part of the account forms: where they post, the CSRF token, where to
 * go afterwards, the error, and the link to the other account form. */
static struct tval *account_form(struct req *req, struct tval *page, const char *action,
                                 struct str next, const struct err_detail *err,
                                 const char *other_key, const char *other_path)
{
    struct arena *a = req->arena;
    struct tval *fm = tval_map(a);
    const char *safe_next = view_safe_next(a, next);
    tval_put_str(a, fm, "action", action);
    tval_put_str(a, fm, "csrf", req_csrf(req));
    tval_put_str(a, fm, "next", safe_next);
    if (err != NULL && err->message != NULL) {
        tval_put_str(a, fm, "error", err->message);
        if (err->field != NULL) {
            tval_put_str(a, fm, "error_field", err->field);
            /* Templates cannot compare strings, so each field gets its own flag. */
            tval_put_bool(a, fm, arena_printf(a, "%s_invalid", err->field), true);
        }
    }
    tval_put(a, page, "form", fm);
    tval_put_str(a, page, other_key, view_with_next(a, other_path, safe_next));
    return fm;
}

struct tval *view_register(struct req *req, struct str username, struct str email, struct str next,
                           const struct err_detail *err)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    struct tval *fm = account_form(req, m, "/register", next, err, "login_url", "/login");
    tval_put_str(a, fm, "username", arena_strndup(a, username.ptr, username.len));
    tval_put_str(a, fm, "email", arena_strndup(a, email.ptr, email.len));
    return m;
}

struct tval *view_login(struct req *req, struct str login, struct str next, const char *error)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    /* A login error names no field: the same answer whichever part was wrong. */
    struct err_detail err = {.message = error};
    struct tval *fm = account_form(req, m, "/login", next, &err, "register_url", "/register");
    tval_put_str(a, fm, "login", arena_strndup(a, login.ptr, login.len));
    return m;
}
