/* The front page's context: the newest stories with their comment counts. */
#include "web/views.h"

#include "render/html.h"
#include "web/web.h"

#include <string.h>

static const char *comments_label(struct arena *a, int64_t n)
{
    if (n == 0)
        return "No comments";
    return n == 1 ? "1 comment" : arena_printf(a, "%lld comments", (long long)n);
}

struct tval *view_front(struct req *req, const struct story *stories, size_t n)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    struct tval *list = tval_list(a);
    for (size_t i = 0; i < n; i++) {
        const struct story *s = &stories[i];
        struct tval *sm = tval_map(a);
        tval_put_str(a, sm, "slug", s->slug);
        tval_put_str(a, sm, "title", s->title);
        tval_put_str(a, sm, "url", arena_printf(a, "/stories/%s", s->slug));
        tval_put_str(a, sm, "byline", s->byline);
        view_put_times(a, sm, s->published_at);
        tval_put_int(a, sm, "comment_count", s->n_comments);
        tval_put_str(a, sm, "comments_label", comments_label(a, s->n_comments));
        tval_push(a, list, sm);
    }
    tval_put(a, m, "stories", list);
    tval_put_bool(a, m, "has_stories", n > 0);
    return m;
}
