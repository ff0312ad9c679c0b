/* Domain objects as the API's JSON shapes (SPEC section 5). An email address
 * appears only when the caller says the reader owns the account. The comment's
 * shape is render/json.c's, shared with the live stream. */
#include "api/api.h"

#include "app.h"
#include "render/json.h"

json_t *json_user(const struct user *u, bool with_email)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)u->id, "username",
                          u->username, "display_name", u->display_name, "role", role_name(u->role),
                          "created_at", json_time(u->created_at));
    if (with_email && u->email != NULL)
        json_object_set_new(o, "email", json_string(u->email));
    return o;
}

json_t *json_story(struct req *req, const struct story *s, bool with_body)
{
    char *url = arena_printf(req->arena, "%s/stories/%s", req->app->cfg.base_url, s->slug);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:b}", "slug", s->slug, "title", s->title,
                          "byline", s->byline != NULL ? s->byline : "", "url", url, "published_at",
                          json_time(s->published_at), "comment_count", (json_int_t)s->n_comments,
                          "comments_open", s->comments_open);
    if (with_body)
        json_object_set_new(o, "body_html", json_string(s->body_html));
    return o;
}
