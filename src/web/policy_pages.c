/* The admins' policies page: GET shows every comment policy, POST saves the form
 * all or nothing (303 back with a one-shot notice; a refused value shows the page
 * again with why and everything typed, 422). Moderators, readers and visitors get
 * the moderators' 403 page (with a login link for a visitor) and nothing changes. */
#include "domain/policies.h"
#include "web/flash.h"
#include "web/handlers.h"
#include "web/respond.h"
#include "web/views.h"
#include "web/web.h"

#include <string.h>

_Static_assert(POLICY_N == sizeof(((struct policy_form *)0)->values) / sizeof(struct str),
               "struct policy_form holds one value per policy");

#define POLICIES_URL "/moderation/policies"

/* A visitor or a non-admin: the moderators' 403 page with the domain's reason.
 * Any other error goes to respond_error unchanged. */
static int deny(struct req *req, int rc)
{
    if (rc != STET_EUNAUTH && rc != STET_EFORBIDDEN)
        return respond_error(req, rc);
    const char *message = web_state(req)->err.message;
    return respond_page(
        req, 403, "moderation_denied.html", "Admins only",
        view_moderation_denied(req, message != NULL ? message : "Only an admin can do that.",
                               POLICIES_URL));
}

/* The page under `status`, re-showing `form` (NULL: the values in effect). */
static int show(struct req *req, int status, const struct policy_form *form)
{
    struct policy_entry entries[POLICY_N];
    struct dctx ctx = req_dctx(req);
    int rc = policies_list(&ctx, req_viewer(req), entries);
    if (rc != 0)
        return deny(req, rc);
    return respond_page(req, status, "moderation_policies.html",
                        form != NULL ? "Error: Comment policies" : "Comment policies",
                        view_moderation_policies(req, entries, form));
}

int page_moderation_policies(struct req *req)
{
    return show(req, 200, NULL);
}

/* The form as changes, in policy_names order: a checked reset box wins over the
 * value next to it. */
static void read_form(struct req *req, struct policy_form *form, struct policy_change *ch)
{
    for (size_t k = 0; k < POLICY_N; k++) {
        const char *name = policy_names[k];
        form->values[k] = req_form(req, name);
        form->reset[k] = req_form(req, arena_printf(req->arena, "reset_%s", name)).len > 0;
        ch[k] = (struct policy_change){str_from(name), form->values[k], form->reset[k]};
    }
}

int page_moderation_policies_post(struct req *req)
{
    struct policy_form form = {0};
    struct policy_change ch[POLICY_N];
    size_t n_changed = 0;
    read_form(req, &form, ch);
    struct dctx ctx = req_dctx(req);
    int rc = policies_change(&ctx, req_viewer(req), ch, POLICY_N, &n_changed);
    if (rc == STET_EUNAUTH || rc == STET_EFORBIDDEN)
        return deny(req, rc);
    if (rc == STET_EINVAL) {
        const struct err_detail *err = &web_state(req)->err;
        form.error = err->message;
        form.error_field = err->field;
        return show(req, 422, &form);
    }
    if (rc != 0)
        return respond_error(req, rc);
    flash_set(req, n_changed > 0 ? FLASH_POLICIES_SAVED : FLASH_POLICIES_UNCHANGED);
    return respond_redirect(req, POLICIES_URL);
}
