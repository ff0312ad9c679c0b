/* A reader's Edit, Delete and Report pages for one comment: forms that work without
 * JavaScript, reached from the links every comment carries on the story page (shown
 * to whom they concern by the reader's own stylesheet, view_you_css). Every page
 * checks the reader itself through the domain; a POST that succeeds answers 303 to
 * where the reader lands, with a one-shot notice. */
#include "domain/comment_edit.h"
#include "domain/comments.h"
#include "domain/reports.h"
#include "domain/stories.h"
#include "web/flash.h"
#include "web/handlers.h"
#include "web/respond.h"
#include "web/views.h"
#include "web/web.h"

#include <string.h>

/* The domain's checks for one action: the comment and whether the reader may act. */
typedef int (*find_fn)(const struct dctx *ctx, const struct user *actor, int64_t id,
                       struct comment *out);

/* The comment of the address, checked by `find`, and its story. A comment of
 * another story than the address names is no comment of this address (ENOTFOUND).
 * Returns `find`'s error; *c is filled (id not 0) when the reader may see it. */
static int load(struct req *req, find_fn find, struct comment *c, struct story *story)
{
    struct str slug;
    int64_t id;
    *c = (struct comment){0};
    int rc = req_path_param(req, "slug", &slug);
    if (rc == 0)
        rc = req_path_id(req, "id", &id);
    if (rc != 0)
        return rc;
    struct dctx ctx = req_dctx(req);
    rc = find(&ctx, req_viewer(req), id, c);
    if (c->id != 0 && (c->story_slug == NULL || !str_eq_cstr(slug, c->story_slug)))
        return STET_ENOTFOUND;
    if (c->id == 0)
        return rc != 0 ? rc : STET_ENOTFOUND;
    int found = story_get(&ctx, slug, story);
    return found != 0 ? found : rc;
}

/* Where a comment is read: its permalink when it is on the page, its entry among
 * the author's own held comments beside the form when held, else its story. */
static const char *landing(struct req *req, const struct comment *c)
{
    if (c->status == COMMENT_VISIBLE)
        return arena_printf(req->arena, "/stories/%s/comments/%lld", c->story_slug,
                            (long long)c->id);
    if (c->status == COMMENT_HELD)
        return arena_printf(req->arena, "/stories/%s#held-%lld", c->story_slug, (long long)c->id);
    return arena_printf(req->arena, "/stories/%s", c->story_slug);
}

static bool own(struct req *req, const struct comment *c)
{
    return req_viewer(req) != NULL && c->author_id == req_viewer(req)->id;
}

/* The edit page: the form, or, when the domain refuses the edit for a reason the
 * reader should read (someone else's comment, the window passed, comments closed),
 * the comment with that reason and the text typed, to copy. */
static int show_edit(struct req *req, int rc, struct comment_action_view *v)
{
    const char *title = "Edit your comment";
    if (rc == STET_EFORBIDDEN || rc == STET_ECLOSED) {
        const char *message = req_err(req)->message;
        v->refused = message != NULL ? message : "This comment cannot be edited.";
        return respond_page(req, respond_status(rc), "comment_edit.html", title,
                            view_comment_action(req, v));
    }
    if (rc != 0)
        return respond_error(req, rc);
    return respond_page(req, v->error != NULL ? respond_status(STET_EINVAL) : 200,
                        "comment_edit.html", title, view_comment_action(req, v));
}

int page_comment_edit_show(struct req *req)
{
    struct comment c;
    struct story story;
    int rc = load(req, comment_edit_find, &c, &story);
    if (c.id == 0)
        return respond_error(req, rc);
    struct comment_action_view v = {.story = &story, .c = &c, .own = own(req, &c)};
    if (rc == 0)
        v.text = str_from(c.body_src);
    return show_edit(req, rc, &v);
}

/* "40 s", "3 min": how long to wait before trying again. */
static const char *wait_text(struct req *req, int seconds)
{
    if (seconds <= 0)
        seconds = 60;
    if (seconds < 120)
        return arena_printf(req->arena, "%d s", seconds);
    return arena_printf(req->arena, "%d min", (seconds + 59) / 60);
}

int page_comment_edit_post(struct req *req)
{
    struct comment c, edited;
    struct story story;
    int rc = load(req, comment_edit_find, &c, &story);
    if (c.id == 0)
        return respond_error(req, rc);
    struct comment_action_view v = {
        .story = &story, .c = &c, .own = own(req, &c), .text = req_form(req, "body")};
    if (rc != 0)
        return show_edit(req, rc, &v);
    struct dctx ctx = req_dctx(req);
    rc = comment_edit(&ctx, req_viewer(req), c.id, v.text, &edited);
    if (rc == 0) {
        flash_set(req, FLASH_COMMENT_EDITED);
        return respond_redirect(req, landing(req, &edited));
    }
    const struct err_detail *err = req_err(req);
    switch (rc) {
    case STET_EINVAL:
        v.error = err->message != NULL ? err->message : "The text breaks a rule.";
        return respond_page(req, 422, "comment_edit.html", "Edit your comment",
                            view_comment_action(req, &v));
    case STET_ERATE: {
        int wait = err->retry_after > 0 ? err->retry_after : 60;
        v.error = err->message != NULL ? err->message : "You are editing too fast.";
        v.advice = arena_printf(req->arena,
                                "Wait %s, then press Save changes again. Your text "
                                "is kept.",
                                wait_text(req, wait));
        resp_add_header(req, "Retry-After", arena_printf(req->arena, "%d", wait));
        return respond_page(req, 429, "comment_edit.html", "Edit your comment",
                            view_comment_action(req, &v));
    }
    case STET_EFORBIDDEN:
    case STET_ECLOSED: /* the window passed or comments closed while the reader wrote */
        return show_edit(req, rc, &v);
    default:
        return respond_error(req, rc);
    }
}

int page_comment_delete_show(struct req *req)
{
    struct comment c;
    struct story story;
    int rc = load(req, comment_delete_find, &c, &story);
    if (rc != 0)
        return respond_error(req, rc);
    struct comment_action_view v = {.story = &story, .c = &c, .own = own(req, &c)};
    return respond_page(req, 200, "comment_delete.html",
                        v.own ? "Delete your comment" : "Delete a comment",
                        view_comment_action(req, &v));
}

int page_comment_delete_post(struct req *req)
{
    struct comment c;
    struct story story;
    int rc = load(req, comment_delete_find, &c, &story);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    rc = comment_delete(&ctx, req_viewer(req), c.id);
    if (rc != 0)
        return respond_error(req, rc);
    /* A moderator deleting someone else's comment reads no "your comment". */
    flash_set(req, own(req, &c) ? FLASH_COMMENT_DELETED : FLASH_MOD_DELETED);
    /* Back to the comments it left, not the story's top. */
    return respond_redirect(req, arena_printf(req->arena, "/stories/%s#comments", c.story_slug));
}

int page_comment_report_show(struct req *req)
{
    struct comment c;
    struct story story;
    int rc = load(req, report_find, &c, &story);
    if (rc != 0)
        return respond_error(req, rc);
    struct comment_action_view v = {.story = &story, .c = &c};
    return respond_page(req, 200, "comment_report.html", "Report a comment",
                        view_comment_action(req, &v));
}

int page_comment_report_post(struct req *req)
{
    struct comment c;
    struct story story;
    struct report r;
    int rc = load(req, report_find, &c, &story);
    if (rc != 0)
        return respond_error(req, rc);
    struct comment_action_view v = {.story = &story, .c = &c, .text = req_form(req, "reason")};
    struct dctx ctx = req_dctx(req);
    rc = report_comment(&ctx, req_viewer(req), c.id, v.text, &r);
    if (rc == 0) {
        flash_set(req, FLASH_COMMENT_REPORTED);
        return respond_redirect(req, landing(req, &c));
    }
    /* A bad reason, a report sent twice, a suspension begun meanwhile: the form
     * again with the reason kept. */
    if (rc != STET_EINVAL && rc != STET_ECONFLICT && rc != STET_EFORBIDDEN)
        return respond_error(req, rc);
    const char *message = req_err(req)->message;
    v.error = message != NULL ? message : "The report was not sent.";
    return respond_page(req, respond_status(rc), "comment_report.html", "Report a comment",
                        view_comment_action(req, &v));
}

/* "/comments/ID": what the reader may do with the comment, the one link every
 * comment of the story page carries (its markup is shared by every reader, so it
 * cannot hold the reader's own choices). No slug: the link stays short. */
int page_comment_actions_show(struct req *req)
{
    int64_t id;
    struct comment c;
    struct comment_permissions may;
    struct story story;
    int rc = req_path_id(req, "id", &id);
    if (rc != 0)
        return respond_error(req, rc);
    struct dctx ctx = req_dctx(req);
    rc = comment_permissions_find(&ctx, req_viewer(req), id, &c, &may);
    if (rc == 0)
        rc = story_get(&ctx, str_from(c.story_slug), &story);
    if (rc != 0)
        return respond_error(req, rc);
    struct comment_action_view v = {.story = &story, .c = &c, .own = own(req, &c)};
    return respond_page(req, 200, "comment_actions.html",
                        v.own ? "Your comment" : "A comment: what you can do",
                        view_comment_permissions(req, &v, &may));
}
