/* One-shot notices in a cookie. The cookie holds a fixed name from the table
 * below, so what a page shows is always stet's own text, whatever a client sends. */
#include "web/flash.h"

#include "http/cookie.h"
#include "web/web.h"

static const struct {
    enum flash f;
    const char *name; /* the cookie's value: cookie-safe */
    /* The text: `lead`, or, when `tail` is set, `lead`, the reader's name and `tail`
     * (a table of printf formats would need a non-literal format). */
    const char *lead;
    const char *tail;
} flashes[] = {
    {FLASH_REGISTERED, "registered", "Welcome, ",
     " \xe2\x80\x94 you are registered and logged in."},
    {FLASH_COMMENT_POSTED, "comment-posted", "Your comment was posted.", NULL},
    {FLASH_COMMENT_HELD, "comment-held",
     "Your comment was received. A moderator will read it before it is shown.", NULL},
    {FLASH_COMMENT_EDITED, "comment-edited", "Your comment was updated.", NULL},
    {FLASH_COMMENT_DELETED, "comment-deleted", "Your comment was deleted.", NULL},
    {FLASH_COMMENT_REPORTED, "comment-reported", "Thank you. A moderator will look at it.", NULL},
    {FLASH_MOD_APPROVED, "mod-approved", "The comment was approved.", NULL},
    {FLASH_MOD_REJECTED, "mod-rejected", "The comment was rejected.", NULL},
    {FLASH_MOD_DELETED, "mod-deleted", "The comment was deleted.", NULL},
    {FLASH_STORY_OPENED, "story-opened", "Comments are open on this story.", NULL},
    {FLASH_STORY_CLOSED, "story-closed", "Comments are closed on this story.", NULL},
    {FLASH_USER_SUSPENDED, "user-suspended", "The account was suspended.", NULL},
    {FLASH_USER_BANNED, "user-banned", "The account was banned.", NULL},
    {FLASH_USER_UNSUSPENDED, "user-unsuspended", "The suspension was lifted.", NULL},
    {FLASH_USER_ROLE, "user-role", "The role was changed.", NULL},
    {FLASH_POLICIES_SAVED, "policies-saved",
     "The policies were saved. Every new comment follows them from now on.", NULL},
    {FLASH_POLICIES_UNCHANGED, "policies-unchanged", "Nothing was changed.", NULL},
};

#define N_FLASHES (sizeof(flashes) / sizeof(flashes[0]))

void flash_set(struct req *req, enum flash f)
{
    for (size_t i = 0; i < N_FLASHES; i++)
        if (flashes[i].f == f)
            resp_add_header(req, "Set-Cookie",
                            cookie_build(req->arena, FLASH_COOKIE, flashes[i].name, FLASH_MAX_AGE_S,
                                         req->app->cfg.base_https));
}

static bool flash_cookie(struct req *req, struct str *value)
{
    struct str header;
    return req_header(req, "Cookie", &header) && cookie_get(header, FLASH_COOKIE, value) &&
           value->len > 0;
}

bool flash_pending(struct req *req, enum flash f)
{
    struct str value;
    if (!flash_cookie(req, &value))
        return false;
    for (size_t i = 0; i < N_FLASHES; i++)
        if (flashes[i].f == f)
            return str_eq_cstr(value, flashes[i].name);
    return false;
}

const char *flash_take(struct req *req)
{
    const struct user *viewer = req_viewer(req);
    struct str value;
    struct web_state *ws = web_state(req);
    if (viewer == NULL || ws->flash_taken || !flash_cookie(req, &value))
        return NULL;
    ws->flash_taken = true;
    /* Cleared whatever it holds: an unknown name is stale or forged. */
    resp_add_header(req, "Set-Cookie",
                    cookie_build(req->arena, FLASH_COOKIE, "", 0, req->app->cfg.base_https));
    /* A page that tells one reader something is for that reader, once. */
    if (!resp_has_header(req, "Cache-Control"))
        resp_add_header(req, "Cache-Control", "private, no-store");
    for (size_t i = 0; i < N_FLASHES; i++) {
        if (!str_eq_cstr(value, flashes[i].name))
            continue;
        if (flashes[i].tail == NULL)
            return flashes[i].lead;
        const char *name = viewer->display_name != NULL && viewer->display_name[0] != '\0'
                               ? viewer->display_name
                               : viewer->username;
        return arena_printf(req->arena, "%s%s%s", flashes[i].lead, name, flashes[i].tail);
    }
    return NULL;
}
