/* One comment and its replies as the story page shows them. The markup is shared by
 * every reader (it is cached), so what concerns one reader is left to the page around
 * it: the "you" marker is a hidden element that the reader's own stylesheet shows
 * (view_you_css), and one "Actions" link leads to what that reader may do
 * (/comments/ID, comment_action_pages.c). */
#include "web/views.h"

#include "base/html.h"
#include "base/timefmt.h"
#include "web/web.h"

#include <string.h>

/* When, three ways: the ISO instant for machines and live.js, the date and time of day
 * in the site's zone as the text (live.js turns it into "2 h ago"), and the full date
 * with the zone for the title. */
static void put_comment_times(struct arena *a, struct tval *m, const struct comment *c)
{
    char iso[TIMEFMT_ISO_LEN], local[TIMEFMT_LOCAL_LEN], full[TIMEFMT_FULL_LEN];
    time_format_iso(c->created_at, iso);
    time_format_local(c->created_at, local);
    time_format_local_full(c->created_at, full);
    tval_put_str(a, m, "date_iso", arena_strdup(a, iso));
    tval_put_str(a, m, "date_local", arena_strdup(a, local));
    tval_put_str(a, m, "date_full", arena_strdup(a, full));
    /* Set by an author's edit (domain/comment_edit.c) or copied from another system.
     * Every key is set, empty when unused: a reply's scope would otherwise see its
     * parent's. */
    if (c->edited_at == 0) {
        tval_put_str(a, m, "edited_iso", "");
        return;
    }
    time_format_iso(c->edited_at, iso);
    time_format_local_full(c->edited_at, full);
    tval_put_str(a, m, "edited_iso", arena_strdup(a, iso));
    tval_put_str(a, m, "edited_full", arena_strdup(a, full));
}

/* Whom a reply answers, when the page does not show it by nesting: a reply below
 * COMMENT_THREAD_DEPTH hangs beside its parent (an earlier sibling, see
 * comment_tree_build), and a reply whose parent is on an earlier page hangs at the
 * top level. `shown` is the comment it hangs under (NULL: top level) and `siblings`
 * the first comment hanging there. */
static void put_in_reply_to(struct arena *a, struct tval *m, const struct comment *c,
                            const struct comment_node *shown, const struct comment_node *siblings,
                            const char *slug)
{
    if (c->parent_id == 0 || (shown != NULL && shown->c->id == c->parent_id)) {
        tval_put_str(a, m, "in_reply_to_url", ""); /* not the enclosing comment's */
        return;
    }
    for (const struct comment_node *s = siblings; s != NULL && s->c != c; s = s->next) {
        if (s->c->id == c->parent_id) {
            tval_put_str(a, m, "in_reply_to_url",
                         arena_printf(a, "#comment-%lld", (long long)c->parent_id));
            tval_put_str(a, m, "in_reply_to",
                         s->c->is_placeholder ? "a deleted comment" : view_comment_author(s->c));
            return;
        }
    }
    /* Not on this page: its permalink finds the page that holds it. */
    tval_put_str(a, m, "in_reply_to_url",
                 arena_printf(a, "/stories/%s/comments/%lld", slug, (long long)c->parent_id));
    tval_put_str(a, m, "in_reply_to", "an earlier comment");
}

static struct tval *comment_map(struct arena *a, const struct comment_node *node,
                                const struct comment_node *shown,
                                const struct comment_node *siblings, const char *slug,
                                bool can_reply);

static void put_replies(struct arena *a, struct tval *m, const struct comment_node *node,
                        const char *slug, bool can_reply)
{
    struct tval *replies = tval_list(a);
    for (const struct comment_node *ch = node->first_child; ch != NULL; ch = ch->next)
        tval_push(a, replies, comment_map(a, ch, node, node->first_child, slug, can_reply));
    tval_put(a, m, "replies", replies);
    tval_put_bool(a, m, "has_replies", node->first_child != NULL);
}

/* A "comment deleted" placeholder: its place in the thread, its permalink and its
 * replies, nothing of its author or text. The keys the full comment sets are set
 * empty, so its scope never shows its parent's. */
static void put_placeholder(struct arena *a, struct tval *m)
{
    tval_put_bool(a, m, "is_placeholder", true);
    tval_put_str(a, m, "author", "");
    tval_put_str(a, m, "author_username", "");
    tval_put_bool(a, m, "is_staff", false);
    tval_put_bool(a, m, "is_legacy", false);
    tval_put_bool(a, m, "is_held", false);
    tval_put_str(a, m, "edited_iso", "");
    tval_put_html(a, m, "body_html", "");
    tval_put_str(a, m, "reply_url", "");
}

static struct tval *comment_map(struct arena *a, const struct comment_node *node,
                                const struct comment_node *shown,
                                const struct comment_node *siblings, const char *slug,
                                bool can_reply)
{
    const struct comment *c = node->c;
    struct tval *m = tval_map(a);
    tval_put_int(a, m, "id", c->id);
    tval_put_str(a, m, "parent_id",
                 c->parent_id != 0 ? arena_printf(a, "%lld", (long long)c->parent_id) : "");
    tval_put_int(a, m, "depth", node->depth);
    put_in_reply_to(a, m, c, shown, siblings, slug);
    if (c->is_placeholder) {
        put_comment_times(a, m, c);
        put_placeholder(a, m);
        put_replies(a, m, node, slug, can_reply);
        return m;
    }
    tval_put_bool(a, m, "is_placeholder", false);
    tval_put_str(a, m, "author", view_comment_author(c));
    tval_put_str(a, m, "author_username", c->author_username != NULL ? c->author_username : "");
    tval_put_bool(a, m, "is_staff", c->author_username != NULL && c->author_role != ROLE_READER);
    tval_put_str(a, m, "author_role", role_name(c->author_role));
    tval_put_bool(a, m, "is_legacy", c->is_legacy);
    tval_put_bool(a, m, "is_held", c->status == COMMENT_HELD);
    put_comment_times(a, m, c);
    tval_put_html(a, m, "body_html", c->body_html);
    tval_put_str(
        a, m, "reply_url",
        can_reply && c->status == COMMENT_VISIBLE
            ? arena_printf(a, "/stories/%s?reply_to=%lld#comment-form", slug, (long long)c->id)
            : "");
    put_replies(a, m, node, slug, can_reply);
    return m;
}

struct tval *view_comment(struct arena *a, const struct comment_node *node, const char *slug,
                          bool can_reply)
{
    /* A top-level comment with a parent: that parent is not on this page. */
    return comment_map(a, node, NULL, NULL, slug, can_reply);
}

const char *view_you_css(struct arena *a, const char *username)
{
    /* A username is letters, digits and "_.-" (ident_is_username), nothing that could
     * end the quoted attribute value. A child combinator: the comment's own marker,
     * not its replies'. */
    return arena_printf(a,
                        "/* %s's own comments on stet's pages. */\n"
                        ".comment[data-author=\"%s\"] > .comment-meta > .comment-you "
                        "{ display: inline-block; }\n",
                        username, username);
}
