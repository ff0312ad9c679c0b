/* Domain objects as the API's JSON shapes (SPEC section 5). An email address
 * appears only when the caller says the reader owns the account. */
#include "api/api.h"

#include "app.h"
#include "base/timefmt.h"

static json_t *json_time(int64_t t)
{
    char iso[TIMEFMT_ISO_LEN];
    if (t == 0)
        return json_null();
    time_format_iso(t, iso);
    return json_string(iso);
}

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

json_t *json_comment(const struct comment *c)
{
    json_t *author;
    if (c->is_legacy || c->author_username == NULL)
        author = json_pack("{s:s}", "name", c->legacy_author != NULL ? c->legacy_author : "");
    else
        author =
            json_pack("{s:s, s:s, s:s}", "username", c->author_username, "display_name",
                      c->author_display_name != NULL ? c->author_display_name : c->author_username,
                      "role", role_name(c->author_role));
    return json_pack("{s:I, s:s, s:o, s:o, s:s, s:o, s:o, s:b, s:s}", "id", (json_int_t)c->id,
                     "story", c->story_slug != NULL ? c->story_slug : "", "parent_id",
                     c->parent_id != 0 ? json_integer(c->parent_id) : json_null(), "author", author,
                     "body_html", c->body_html, "created_at", json_time(c->created_at), "edited_at",
                     json_time(c->edited_at), "legacy", c->is_legacy, "status",
                     comment_status_name(c->status));
}
