/* The contexts of the pages that lead to stories: the front page with its older
 * pages, the archive's list of months and a month of the archive. */
#include "web/views.h"

#include "base/html.h"
#include "web/web.h"

#include <string.h>

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

static const char *comments_label(struct arena *a, int64_t n)
{
    if (n == 0)
        return "No comments";
    return n == 1 ? "1 comment" : arena_printf(a, "%lld comments", (long long)n);
}

static const char *month_name(struct arena *a, int y, int m)
{
    return arena_printf(a, "%s %d", month_names[m - 1], y);
}

/* The keys of templates/story_item.html for each story. */
static struct tval *story_items(struct arena *a, const struct story *stories, size_t n)
{
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
    return list;
}

static void push_link(struct arena *a, struct tval *links, const char *cls, const char *rel,
                      const char *url, const char *text)
{
    struct tval *l = tval_map(a);
    tval_put_str(a, l, "class", cls);
    if (rel != NULL)
        tval_put_str(a, l, "rel", rel);
    tval_put_str(a, l, "url", url);
    tval_put_str(a, l, "text", text);
    tval_push(a, links, l);
}

/* templates/pager.html's "pager" for a window of stories at `base`: the links in
 * the order the page reads, rel="prev" before rel="next". Cursors are digits and
 * dots: they go into a query as they are. */
static void put_story_pager(struct arena *a, struct tval *m, const char *label, const char *base,
                            const struct story_window *w, bool newest_first, const char *older_text,
                            const char *newer_text)
{
    if (w->older == NULL && w->newer == NULL)
        return;
    struct tval *links = tval_list(a);
    const char *older = w->older ? arena_printf(a, "%s?before=%s", base, w->older) : NULL;
    const char *newer = w->newer ? arena_printf(a, "%s?after=%s", base, w->newer) : NULL;
    const char *first = newest_first ? newer : older, *second = newest_first ? older : newer;
    if (first != NULL)
        push_link(a, links, newest_first ? "pager-newer" : "pager-older", "prev", first,
                  newest_first ? newer_text : older_text);
    if (second != NULL)
        push_link(a, links, newest_first ? "pager-older" : "pager-newer", "next", second,
                  newest_first ? older_text : newer_text);
    struct tval *p = tval_map(a);
    tval_put_str(a, p, "label", label);
    tval_put(a, p, "links", links);
    tval_put(a, m, "pager", p);
}

struct tval *view_front(struct req *req, const struct story_window *w, bool first_page)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    tval_put_str(a, m, "heading", first_page ? "Latest stories" : "Older stories");
    tval_put(a, m, "stories", story_items(a, w->stories, w->n));
    tval_put_bool(a, m, "has_stories", w->n > 0);
    tval_put_bool(a, m, "first_page", first_page);
    put_story_pager(a, m, "More stories", "/", w, true, "Older stories", "Newer stories");
    return m;
}

/* Months newest first, grouped under their years. */
struct tval *view_archive(struct req *req, const struct story_month *months, size_t n,
                          const char *next_before, bool first_page)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    struct tval *years = tval_list(a), *year_months = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct story_month *mo = &months[i];
        if (i == 0 || mo->year != months[i - 1].year) {
            struct tval *y = tval_map(a);
            tval_put_str(a, y, "year", arena_printf(a, "%d", mo->year));
            year_months = tval_list(a);
            tval_put(a, y, "months", year_months);
            tval_push(a, years, y);
        }
        struct tval *mm = tval_map(a);
        tval_put_str(a, mm, "key", arena_printf(a, "%04d-%02d", mo->year, mo->month));
        tval_put_str(a, mm, "url", arena_printf(a, "/archive/%04d/%02d", mo->year, mo->month));
        tval_put_str(a, mm, "name", month_name(a, mo->year, mo->month));
        tval_put_int(a, mm, "n_stories", mo->n_stories);
        tval_put_str(a, mm, "count_label",
                     mo->n_stories == 1
                         ? "1 story"
                         : arena_printf(a, "%lld stories", (long long)mo->n_stories));
        tval_push(a, year_months, mm);
    }
    tval_put(a, m, "years", years);
    tval_put_bool(a, m, "has_months", n > 0);
    if (next_before != NULL || !first_page) {
        struct tval *links = tval_list(a), *p = tval_map(a);
        if (!first_page)
            push_link(a, links, "pager-newer", NULL, "/archive", "Latest months");
        if (next_before != NULL)
            push_link(a, links, "pager-older", "next",
                      arena_printf(a, "/archive?before=%s", next_before), "Earlier months");
        tval_put_str(a, p, "label", "More months");
        tval_put(a, p, "links", links);
        tval_put(a, m, "pager", p);
    }
    return m;
}

struct tval *view_archive_month(struct req *req, int year, int month, const struct story_window *w)
{
    struct arena *a = req->arena;
    struct tval *m = tval_map(a);
    tval_put_str(a, m, "key", arena_printf(a, "%04d-%02d", year, month));
    tval_put_str(a, m, "name", month_name(a, year, month));
    tval_put(a, m, "stories", story_items(a, w->stories, w->n));
    tval_put_bool(a, m, "has_stories", w->n > 0);
    put_story_pager(a, m, "More stories from this month",
                    arena_printf(a, "/archive/%04d/%02d", year, month), w, false, "Earlier stories",
                    "Later stories");
    return m;
}

const char *view_month_title(struct arena *a, int year, int month)
{
    return month_name(a, year, month);
}
