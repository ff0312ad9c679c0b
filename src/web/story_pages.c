/* The story page and the comment form posted from it. */
#include "domain/comments.h"
#include "web/handlers.h"
#include "web/respond.h"
#include "web/views.h"
#include "web/web.h"

static int show(struct req *req, int status, struct str slug,
                const struct comment_form_view *form)
{
    struct dctx ctx = req_dctx(req);
    struct story_page page;
    int rc = story_page_load(&ctx, req_viewer(req), slug, &page);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_page(req, status, "story.html", page.story.title,
                        view_story(req, &page, form));
}

/* A positive comment id, or 0 when absent; EBADREQ when present and not a number. */
static int parse_id(struct str s, int64_t *out)
{
    *out = 0;
    if (s.len == 0)
        return 0;
    return str_to_i64(s, 1, INT64_MAX, out) == 0 ? 0 : STET_EBADREQ;
}

int page_story_show(struct req *req)
{
    struct str slug, reply_to = STR_NULL;
    struct comment_form_view form = {0};
    int rc = req_path_param(req, "slug", &slug);
    if (rc != 0)
        return respond_error(req, rc);
    if (req_query(req, "reply_to", &reply_to) && parse_id(reply_to, &form.parent_id) != 0)
        form.parent_id = 0;
    return show(req, 200, slug, &form);
}

int page_comment_post(struct req *req)
{
    struct comment_form_view form = {.body = req_form(req, "body")};
    struct comment c;
    struct str slug;
    int rc = req_path_param(req, "slug", &slug);
    if (rc != 0)
        return respond_error(req, rc);
    rc = parse_id(req_form(req, "parent_id"), &form.parent_id);
    if (rc != 0)
        return respond_error(req, rc);

    struct dctx ctx = req_dctx(req);
    rc = comment_post(&ctx, req_viewer(req), slug, form.body, form.parent_id, &c);
    if (rc == STET_EINVAL) {
        form.error = web_state(req)->err.message;
        return show(req, 422, slug, &form);
    }
    if (rc != 0)
        return respond_error(req, rc);
    return respond_redirect(req, arena_printf(req->arena, "/stories/%s#comment-%lld", c.story_slug,
                                              (long long)c.id));
}
