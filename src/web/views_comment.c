/* One comment and its replies as the story page shows them. */
#include "web/views.h"

#include "render/html.h"
#include "web/web.h"

#include <string.h>

struct tval *view_comment(struct arena *a, const struct comment_node *node, const char *slug,
                          bool can_reply)
{
    const struct comment *c = node->c;
    struct tval *m = tval_map(a);
    tval_put_int(a, m, "id", c->id);
    tval_put_str(a, m, "parent_id",
                 c->parent_id != 0 ? arena_printf(a, "%lld", (long long)c->parent_id) : "");
    tval_put_str(a, m, "author", view_comment_author(c));
    tval_put_str(a, m, "author_username", c->author_username != NULL ? c->author_username : "");
    tval_put_bool(a, m, "is_legacy", c->is_legacy);
    tval_put_bool(a, m, "is_held", c->status == COMMENT_HELD);
    view_put_times(a, m, c->created_at);
    tval_put_html(a, m, "body_html", c->body_html);
    tval_put_str(
        a, m, "reply_url",
        can_reply && c->status == COMMENT_VISIBLE
            ? arena_printf(a, "/stories/%s?reply_to=%lld#comment-form", slug, (long long)c->id)
            : "");
    tval_put_int(a, m, "depth", node->depth);
    struct tval *replies = tval_list(a);
    for (const struct comment_node *ch = node->first_child; ch != NULL; ch = ch->next)
        tval_push(a, replies, view_comment(a, ch, slug, can_reply));
    tval_put(a, m, "replies", replies);
    tval_put_bool(a, m, "has_replies", node->first_child != NULL);
    return m;
}
