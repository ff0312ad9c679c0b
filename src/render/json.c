/* The JSON views shared by the API and the live stream. No request or process state
 * reaches them, so both render a comment byte for byte the same. */
#include "render/json.h"

#include "base/timefmt.h"

json_t *json_time(int64_t t)
{
    char iso[TIMEFMT_ISO_LEN];
    if (t == 0)
        return json_null();
    time_format_iso(t, iso);
    return json_string(iso);
}

/* No text of a deleted comment leaves the server, whoever asks. */
static json_t *deleted_comment(const struct comment *c)
{
    return json_pack("{s:I, s:s, s:o, s:o, s:s}", "id", (json_int_t)c->id, "story",
                     c->story_slug != NULL ? c->story_slug : "", "parent_id",
                     c->parent_id != 0 ? json_integer(c->parent_id) : json_null(), "created_at",
                     json_time(c->created_at), "status", comment_status_name(COMMENT_DELETED));
}

json_t *json_comment(const struct comment *c)
{
    json_t *author;
    if (c->status == COMMENT_DELETED)
        return deleted_comment(c);
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
