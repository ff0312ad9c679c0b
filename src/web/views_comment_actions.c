/* A comment's Edit, Delete and Report pages: the comment quoted as the story page
 * shows it (its stored safe HTML), the story it belongs to, and the form. */
#include "web/views.h"

#include "base/timefmt.h"
#include "domain/comment_edit.h"
#include "domain/reports.h"
#include "web/web.h"

/* "1,000" as the comment form writes its limit. */
static const char *grouped(struct arena *a, int n)
{
    return n >= 1000 ? arena_printf(a, "%d,%03d", n / 1000, n % 1000) : arena_printf(a, "%d", n);
}

struct tval *view_comment_action(struct req *req, const struct comment_action_view *v)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    const struct comment *c = v->c;
    const char *url =
        arena_printf(a, "/stories/%s/comments/%lld", v->story->slug, (long long)c->id);
    char local[TIMEFMT_LOCAL_LEN], iso[TIMEFMT_ISO_LEN];

    tval_put_str(a, m, "story_title", v->story->title);
    tval_put_str(a, m, "story_url", arena_printf(a, "/stories/%s", v->story->slug));
    tval_put_str(a, m, "comment_url", url);
    tval_put_str(a, m, "author", view_comment_author(c));
    tval_put_bool(a, m, "own", v->own);
    time_format_iso(c->created_at, iso);
    time_format_local(c->created_at, local);
    tval_put_str(a, m, "date_iso", arena_strdup(a, iso));
    tval_put_str(a, m, "date_local", arena_strdup(a, local));
    tval_put_html(a, m, "body_html", c->body_html);
    tval_put_str(a, m, "csrf", req_csrf(req));
    tval_put_str(a, m, "text", arena_strndup(a, v->text.ptr, v->text.len));
    if (v->error != NULL)
        tval_put_str(a, m, "error", v->error);
    if (v->advice != NULL)
        tval_put_str(a, m, "advice", v->advice);
    if (v->refused != NULL) {
        tval_put_str(a, m, "refused", v->refused);
        if (v->text.len > 0)
            tval_put_str(a, m, "draft", arena_strndup(a, v->text.ptr, v->text.len));
    }

    /* Each page's form posts to its own address; the edit form's limits are the
     * comment form's. */
    tval_put_str(a, m, "action", arena_strndup(a, req->path.ptr, req->path.len));
    int max = req->app->cfg.comment_max_length;
    tval_put_int(a, m, "max_length", max);
    tval_put_str(a, m, "max_length_text", grouped(a, max));
    tval_put_int(a, m, "reason_max", REPORT_REASON_MAX);
    tval_put_str(a, m, "form_js_url", req->app->comment_form_js_url);
    /* The draft script keeps an edit apart from the story's own comment form. */
    tval_put_str(a, m, "draft_key", arena_printf(a, "edit-%lld", (long long)c->id));
    if (req->app->env.edit_window > 0) {
        time_format_local(c->created_at + req->app->env.edit_window, local);
        tval_put_str(a, m, "edit_until", arena_strdup(a, local));
    }
    return m;
}

struct tval *view_comment_permissions(struct req *req, const struct comment_action_view *v,
                                      const struct comment_permissions *may)
{
    struct arena *a = req->arena;
    struct tval *m = view_comment_action(req, v);
    const struct comment *c = v->c;
    const char *url =
        arena_printf(a, "/stories/%s/comments/%lld", v->story->slug, (long long)c->id);
    /* The same action pages as ever, under the story's address. */
    if (may->edit)
        tval_put_str(a, m, "edit_url", arena_printf(a, "%s/edit", url));
    if (may->del)
        tval_put_str(a, m, "delete_url", arena_printf(a, "%s/delete", url));
    if (may->report)
        tval_put_str(a, m, "report_url", arena_printf(a, "%s/report", url));
    if (may->moderate)
        tval_put_str(a, m, "moderate_url",
                     arena_printf(a, "/moderation/comments/%lld", (long long)c->id));
    tval_put_bool(a, m, "any", may->edit || may->del || may->report || may->moderate);
    tval_put_bool(a, m, "is_held", c->status == COMMENT_HELD);
    /* An author looking for Edit learns why it is missing. */
    if (v->own && !may->edit && c->status != COMMENT_REJECTED)
        tval_put_str(a, m, "edit_closed",
                     "It can no longer be edited: the edit window has passed, comments are "
                     "closed, or your account is suspended.");
    /* Back to where the comment is read: a held one sits in its author's list. */
    if (c->status == COMMENT_HELD)
        tval_put_str(a, m, "comment_url",
                     arena_printf(a, "/stories/%s#held-%lld", v->story->slug, (long long)c->id));
    return m;
}
