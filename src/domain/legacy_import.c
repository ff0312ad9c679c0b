/* The legacy importer's rules (legacy_import.h) over the store's legacy operations
 * (store/legacy.h), inside one write transaction. */
#include "domain/legacy_import.h"

#include "base/buf.h"
#include "base/hash.h"
#include "base/str.h"
#include "base/xalloc.h"
#include "domain/spam_filter.h"
#include "domain/stories.h"
#include "domain/validate.h"
#include "store/legacy.h"

#include <stdlib.h>
#include <string.h>

/* Stories made by an import are published with an editor's rights: whoever runs
 * the import owns the site. */
static const struct user importer = {
    .username = "import", .display_name = "import", .role = ROLE_ADMIN};

/* The comments this import inserted lately, by legacy id, in a fixed table (a slot
 * per hash, a newer id taking an older one's slot): a reply whose parent is found
 * here was put under it by the insert itself, which looks its parent up in the
 * same statement, so the store need not check afterwards whether it was. Replies
 * mostly follow their parents closely; a parent not found here is only checked. */
#define RECENT_SLOTS  4096
#define RECENT_ID_MAX 48

struct recent {
    int64_t story_id; /* 0: an empty slot */
    char legacy_id[RECENT_ID_MAX];
};

struct legacy_import {
    struct dctx ctx; /* ctx.a is replaced by each call's arena */
    const struct legacy_options *opts;
    bool in_tx;
    int64_t mark;      /* the largest comment id before the import */
    int64_t n_waiting; /* posts kept for a thread not seen yet */
    struct legacy_summary sum;
    /* The last thread looked up: posts of one thread usually come together, so this
     * saves most lookups without holding a map of threads. */
    struct buf cached_id;
    struct store_legacy_thread cached;
    bool has_cached;
    struct recent recent[RECENT_SLOTS];
};

/* ---- slugs ---- */

/* The byte at s[*i], a %XX escape decoded (WordPress keeps a non-ASCII post name
 * percent-encoded); *i moves past it. */
static unsigned char next_byte(const char *s, size_t len, size_t *i)
{
    if (s[*i] == '%' && *i + 2 < len) {
        int hi = str_hex_digit(s[*i + 1]), lo = str_hex_digit(s[*i + 2]);
        if (hi >= 0 && lo >= 0) {
            *i += 3;
            return (unsigned char)(hi * 16 + lo);
        }
    }
    return (unsigned char)s[(*i)++];
}

static const char *slug_of(struct arena *a, const char *s, size_t len)
{
    char *out = arena_alloc(a, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = next_byte(s, len, &i);
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (keep)
            out[n++] = (char)c;
        else if (n > 0 && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    if (n > SLUG_MAX) {
        /* A cut at a word's end reads better, unless that loses too much. */
        size_t cut = SLUG_MAX;
        while (cut > SLUG_MAX * 3 / 4 && out[cut] != '-')
            cut--;
        n = out[cut] == '-' ? cut : SLUG_MAX;
        while (n > 0 && out[n - 1] == '-')
            n--;
    }
    out[n] = '\0';
    return n > 0 ? out : NULL;
}

const char *legacy_slug(struct arena *a, const char *s)
{
    return slug_of(a, s, strlen(s));
}

const char *legacy_slug_from_path(struct arena *a, const char *path)
{
    size_t end = strlen(path);
    while (end > 0 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    return end > start ? slug_of(a, path + start, end - start) : NULL;
}

/* A name that is a key rather than a word (Disqus identifiers are often "123
 * https://..."; a URL is matched by its path already) names no slug. */
static const char *slug_from_name(struct arena *a, const char *name)
{
    if (name[0] == '\0' || strpbrk(name, " \t\r\n/:?#") != NULL)
        return NULL;
    return legacy_slug(a, name);
}

/* ---- threads and stories ---- */

/* The story a thread maps to: the first of its slugs (by the --match rule) that
 * names an existing story. *story_id 0 and *new_slug the slug a story would be
 * made under when none does. */
static int match_story(struct legacy_import *li, struct arena *a, const struct legacy_thread *t,
                       int64_t *story_id, const char **new_slug)
{
    enum legacy_match m = li->opts->match;
    const char *cand[2];
    size_t n = 0;
    *story_id = 0;
    *new_slug = NULL;
    if (m != LEGACY_MATCH_SLUG && (cand[n] = legacy_slug_from_path(a, t->path)) != NULL)
        n++;
    if (m != LEGACY_MATCH_PATH && (cand[n] = slug_from_name(a, t->name)) != NULL)
        n++;
    for (size_t i = 0; i < n; i++) {
        struct story s;
        int rc = store_story_find(a, li->ctx.st, str_from(cand[i]), &s);
        if (rc == 0) {
            *story_id = s.id;
            return 0;
        }
        if (rc != STET_ENOTFOUND)
            return rc;
    }
    /* A link that names its story by query alone (?p=12) leaves the title, as
     * WordPress itself makes a post's name. */
    if (!t->is_deleted)
        *new_slug = n > 0 ? cand[0] : legacy_slug(a, t->title);
    return 0;
}

/* The export's title as a story title: one line of at most TITLE_MAX characters
 * (white space and control characters become single spaces); the slug when empty. */
static const char *story_title(struct arena *a, const char *title, const char *slug)
{
    size_t len = strlen(title), n = 0, chars = 0;
    char *out = arena_alloc(a, len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)title[i];
        bool space = c < 0x20 || c == 0x7f || c == ' ';
        if (space && (n == 0 || out[n - 1] == ' '))
            continue;
        if ((c & 0xC0) != 0x80 && chars++ == TITLE_MAX)
            break; /* at a character's first byte: nothing is cut in half */
        out[n++] = space ? ' ' : (char)c;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n > 0 ? out : slug;
}

/* Remembers thread `id` as mapped to t->story_id (only a thread with a story is
 * cached: its other fields are not needed again). */
static void remember(struct legacy_import *li, const char *id, const struct store_legacy_thread *t)
{
    buf_reset(&li->cached_id);
    buf_puts(&li->cached_id, id);
    li->cached = (struct store_legacy_thread){
        .story_id = t->story_id, .published_at = t->published_at, .title = ""};
    li->has_cached = true;
}

static int find_thread(struct legacy_import *li, struct arena *a, const char *id,
                       struct store_legacy_thread *out)
{
    if (li->has_cached && strcmp(buf_cstr(&li->cached_id), id) == 0) {
        *out = li->cached;
        out->thread_id = id;
        return 0;
    }
    return store_legacy_thread_find(a, li->ctx.st, id, out);
}

/* Thread t's story, made now for the comment that needs it when the import may make
 * stories and none has that slug yet (another thread of the export may have made it
 * already). t->story_id stays 0 when the post has no story. */
static int story_for(struct legacy_import *li, struct arena *a, struct store_legacy_thread *t)
{
    if (t->story_id != 0 || !li->opts->create_stories || t->new_slug == NULL)
        return 0;
    struct dctx ctx = li->ctx;
    ctx.a = a;
    ctx.err = NULL;
    struct story s;
    bool created = false;
    int rc = store_story_find(a, ctx.st, str_from(t->new_slug), &s);
    if (rc == STET_ENOTFOUND) {
        struct story_input in = {
            .slug = str_from(t->new_slug),
            .title = str_from(t->title),
            .published_at = t->published_at,
        };
        rc = story_create(&ctx, &importer, &in, &s);
        /* Validation runs before any statement, so a refusal leaves the transaction
         * usable: the thread then has no story, like one that matched none. */
        if (rc == STET_EINVAL)
            return 0;
        created = true;
    }
    if (rc != 0)
        return rc;
    t->story_id = s.id;
    return store_legacy_thread_set_story(ctx.st, t->thread_id, s.id, created);
}

static struct recent *recent_slot(struct legacy_import *li, const char *legacy_id)
{
    return &li->recent[hash_bytes(HASH_INIT, legacy_id, strlen(legacy_id)) % RECENT_SLOTS];
}

static bool recently_inserted(struct legacy_import *li, const char *legacy_id, int64_t story_id)
{
    const struct recent *r = recent_slot(li, legacy_id);
    return r->story_id == story_id && strcmp(r->legacy_id, legacy_id) == 0;
}

static void remember_inserted(struct legacy_import *li, const char *legacy_id, int64_t story_id)
{
    size_t len = strlen(legacy_id);
    if (len >= RECENT_ID_MAX)
        return;
    struct recent *r = recent_slot(li, legacy_id);
    r->story_id = story_id;
    memcpy(r->legacy_id, legacy_id, len + 1);
}

/* Comment c of thread t: under its story, or counted as without one. */
static int place(struct legacy_import *li, struct arena *a, struct store_legacy_thread *t,
                 struct store_legacy_comment *c)
{
    int rc = story_for(li, a, t);
    if (rc != 0)
        return rc;
    if (t->story_id == 0) {
        li->sum.n_no_story++;
        return 0;
    }
    c->story_id = t->story_id;
    c->source = li->opts->source;
    if (c->created_at <= 0)
        c->created_at = t->published_at;
    c->parent_known =
        c->parent_legacy_id != NULL && recently_inserted(li, c->parent_legacy_id, c->story_id);
    bool inserted;
    rc = store_legacy_insert(li->ctx.st, c, &inserted);
    if (rc != 0)
        return rc;
    if (!inserted) {
        li->sum.n_already++;
    } else {
        remember_inserted(li, c->legacy_id, c->story_id);
        li->sum.n_imported++;
        if (c->status == COMMENT_HELD)
            li->sum.n_held++;
    }
    return 0;
}

/* Thread `thread_id` has just come: the posts that came before it are placed now,
 * in their order, one at a time (a body can be large). */
static int place_waiting(struct legacy_import *li, const char *thread_id)
{
    int rc = 0;
    while (rc == 0 && li->n_waiting > 0) {
        struct arena *a = arena_new(16 * 1024);
        struct store_legacy_thread t;
        struct store_legacy_comment c;
        rc = store_legacy_thread_find(a, li->ctx.st, thread_id, &t);
        if (rc == 0)
            rc = store_legacy_early_take(a, li->ctx.st, thread_id, &c);
        if (rc == STET_ENOTFOUND) {
            arena_free(a);
            return 0;
        }
        if (rc == 0) {
            li->n_waiting--;
            rc = place(li, a, &t, &c);
        }
        arena_free(a);
    }
    return rc;
}

/* The text of safe HTML for the spam filter's words: tags dropped, the entities
 * legacy_html writes decoded. The tags' own words (href, p) would otherwise teach
 * the filter that markup is spam, as only imported spam carries it. */
static const char *html_text(struct arena *a, const char *html)
{
    static const struct {
        const char *entity;
        char c;
    } entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    size_t len = strlen(html), n = 0;
    char *out = arena_alloc(a, len + 1);
    for (size_t i = 0; i < len;) {
        if (html[i] == '<') {
            const char *end = strchr(html + i, '>');
            i = end != NULL ? (size_t)(end - html) + 1 : len;
            out[n++] = ' ';
            continue;
        }
        size_t k = 0;
        for (; html[i] == '&' && k < sizeof(entities) / sizeof(entities[0]); k++) {
            size_t elen = strlen(entities[k].entity);
            if (strncmp(html + i, entities[k].entity, elen) == 0) {
                out[n++] = entities[k].c;
                i += elen;
                break;
            }
        }
        if (html[i] != '&' || k == sizeof(entities) / sizeof(entities[0]))
            out[n++] = html[i++];
    }
    out[n] = '\0';
    return out;
}

/* A spam post trains the filter the first time an import meets it; it is never
 * kept as a comment. */
static int train_spam(struct legacy_import *li, struct arena *a, const char *legacy_id,
                      const char *html)
{
    bool first;
    li->sum.n_spam++;
    int rc = store_legacy_spam_seen(li->ctx.st, li->opts->source, legacy_id, &first);
    if (rc != 0 || !first)
        return rc;
    struct dctx ctx = li->ctx;
    ctx.a = a;
    return spam_filter_train(&ctx, str_from(html_text(a, html)), html, true);
}

static const char *legacy_id_of(struct legacy_import *li, struct arena *a, const char *thread_id,
                                const char *id)
{
    return li->opts->ids_per_thread ? arena_printf(a, "%s:%s", thread_id, id) : id;
}

static const char *or_null(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

bool legacy_post_is_kept(const struct legacy_post *p)
{
    return p->is_comment && p->state != LEGACY_DELETED;
}

int legacy_import_post(struct legacy_import *li, struct arena *a, const struct legacy_post *p)
{
    if (!p->is_comment) {
        li->sum.n_pings++;
        return 0;
    }
    if (p->state == LEGACY_DELETED) {
        li->sum.n_deleted++;
        return 0;
    }
    const char *html = p->body_html;
    if (html == NULL)
        return STET_EINVAL;
    const char *legacy_id = legacy_id_of(li, a, p->thread_id, p->id);
    if (p->state == LEGACY_SPAM)
        return train_spam(li, a, legacy_id, html);
    bool held = p->state == LEGACY_PENDING;
    struct store_legacy_comment c = {
        .legacy_id = legacy_id,
        .parent_legacy_id =
            p->parent_id[0] != '\0' ? legacy_id_of(li, a, p->thread_id, p->parent_id) : NULL,
        .author = or_null(p->author_name),
        .email = or_null(p->author_email),
        .body_src = p->body,
        .body_html = html,
        .created_at = p->created_at,
        .status = held ? COMMENT_HELD : COMMENT_VISIBLE,
        .hold_reason = held ? LEGACY_HOLD_REASON : NULL,
    };
    struct store_legacy_thread t;
    int rc = find_thread(li, a, p->thread_id, &t);
    if (rc == STET_ENOTFOUND) {
        /* Its thread may come later in the file; if it never does, the post is
         * counted at the end as without a thread. */
        li->n_waiting++;
        return store_legacy_early_add(li->ctx.st, p->thread_id, &c);
    }
    if (rc == 0)
        rc = place(li, a, &t, &c);
    if (rc == 0 && t.story_id != 0)
        remember(li, p->thread_id, &t);
    return rc;
}

int legacy_import_thread(struct legacy_import *li, struct arena *a, const struct legacy_thread *t)
{
    struct store_legacy_thread rec = {.thread_id = t->id, .published_at = t->created_at};
    int rc = match_story(li, a, t, &rec.story_id, &rec.new_slug);
    if (rc != 0)
        return rc;
    rec.title = rec.new_slug != NULL ? story_title(a, t->title, rec.new_slug) : "";
    if (rec.published_at <= 0)
        rec.published_at = li->ctx.now;
    bool is_new;
    rc = store_legacy_thread_put(li->ctx.st, &rec, &is_new);
    if (rc != 0 || !is_new || li->n_waiting == 0)
        return rc;
    return place_waiting(li, t->id);
}

int legacy_import_begin(const struct dctx *ctx, const struct legacy_options *opts,
                        struct legacy_import **out)
{
    int64_t mark;
    *out = NULL;
    int rc = store_legacy_begin(ctx->st, &mark);
    if (rc != 0)
        return rc;
    struct legacy_import *li = xcalloc(1, sizeof(*li));
    li->ctx = *ctx;
    li->opts = opts;
    li->in_tx = true;
    li->mark = mark;
    buf_init(&li->cached_id);
    *out = li;
    return 0;
}

int legacy_import_end(struct legacy_import *li, bool commit, struct legacy_summary *out)
{
    struct store_legacy_totals tot;
    int rc = store_legacy_end(li->ctx.st, li->opts->source, li->mark, &tot);
    if (rc == 0) {
        li->sum.n_orphans = tot.n_orphans;
        li->sum.n_no_thread = tot.n_early_left;
        li->sum.n_stories_matched = tot.n_stories_matched;
        li->sum.n_stories_created = tot.n_stories_created;
    }
    int end = store_legacy_finish(li->ctx.st, rc == 0 && commit);
    if (rc == 0)
        rc = end;
    li->in_tx = false;
    *out = li->sum;
    return rc;
}

void legacy_import_free(struct legacy_import *li)
{
    if (li == NULL)
        return;
    /* A rollback cannot fail; nothing would be left to do if it did. */
    if (li->in_tx && store_legacy_finish(li->ctx.st, false) != 0)
        li->in_tx = false;
    buf_cleanup(&li->cached_id);
    free(li);
}
