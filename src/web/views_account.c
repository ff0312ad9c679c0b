/* The register and login forms. */
#include "web/views.h"

#include "base/html.h"
#include "web/web.h"

/* A form's problems: the summary (the one message, linked to its field, or a count
 * with a list of messages each linked to its field) and each field's own message,
 * "FIELD_error", which the template shows next to the field and names in the
 * field's aria-describedby, with "FIELD_invalid" for aria-invalid. */
static void put_problems(struct arena *a, struct tval *fm, const struct field_errors *fe)
{
    struct tval *list = tval_list(a);
    for (size_t i = 0; i < fe->n; i++) {
        const struct field_error *e = &fe->items[i];
        struct tval *item = tval_map(a);
        tval_put_str(a, item, "field", e->field);
        tval_put_str(a, item, "message", e->message);
        tval_push(a, list, item);
        /* Templates cannot compare strings, so each field gets its own keys. */
        tval_put_str(a, fm, arena_printf(a, "%s_error", e->field), e->message);
        tval_put_str(a, fm, arena_printf(a, "%s_describedby", e->field),
                     arena_printf(a, "%s-error", e->field));
        tval_put_bool(a, fm, arena_printf(a, "%s_invalid", e->field), true);
    }
    if (fe->n == 1) {
        tval_put_str(a, fm, "error", fe->items[0].message);
        tval_put_str(a, fm, "error_field", fe->items[0].field);
    } else {
        tval_put_str(a, fm, "error",
                     arena_printf(a, "There are %zu problems with what you entered:", fe->n));
        tval_put(a, fm, "errors", list);
        tval_put_bool(a, fm, "many", true);
    }
}

/* The shared part of the account forms: where they post, the CSRF token, where to
 * go afterwards, the problems, and the link to the other account form. */
static struct tval *account_form(struct req *req, struct tval *page, const char *action,
                                 struct str next, const struct field_errors *problems,
                                 const char *other_key, const char *other_path)
{
    struct arena *a = req->arena;
    struct tval *fm = tval_map(a);
    const char *safe_next = view_safe_next(a, next);
    tval_put_str(a, fm, "action", action);
    tval_put_str(a, fm, "csrf", req_csrf(req));
    tval_put_str(a, fm, "next", safe_next);
    if (problems != NULL && problems->n > 0)
        put_problems(a, fm, problems);
    tval_put(a, page, "form", fm);
    tval_put_str(a, page, other_key, view_with_next(a, other_path, safe_next));
    return fm;
}

struct tval *view_register(struct req *req, struct str username, struct str email, struct str next,
                           const struct field_errors *problems)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    struct tval *fm = account_form(req, m, "/register", next, problems, "login_url", "/login");
    tval_put_str(a, fm, "username", arena_strndup(a, username.ptr, username.len));
    tval_put_str(a, fm, "email", arena_strndup(a, email.ptr, email.len));
    return m;
}

struct tval *view_login(struct req *req, struct str login, struct str next,
                        const struct field_errors *problems, const char *error)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    struct tval *fm = account_form(req, m, "/login", next, problems, "register_url", "/register");
    tval_put_str(a, fm, "login", arena_strndup(a, login.ptr, login.len));
    if (error != NULL) {
        /* Wrong credentials name no field: the same answer whichever part was wrong,
         * so both fields point at the summary. */
        tval_put_str(a, fm, "error", error);
        for (size_t i = 0; i < 2; i++) {
            const char *f = i == 0 ? "login" : "password";
            tval_put_bool(a, fm, arena_printf(a, "%s_invalid", f), true);
            tval_put_str(a, fm, arena_printf(a, "%s_describedby", f), "form-error");
        }
    }
    return m;
}
