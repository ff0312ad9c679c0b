/* WordPress's WXR export: RSS 2.0 whose <item>s are posts and pages, each holding its
 * comments as <wp:comment> children. An item is handed over as a thread when its
 * first comment starts (or when it ends, without comments), so that its comments,
 * handed over as each closes, never wait in memory; WordPress writes every item
 * field before the comments, and a field that comes later is counted and ignored. */
#include "import/reader.h"

#include "base/xalloc.h"

#include <stdlib.h>
#include <string.h>

enum wx_field {
    WX_TITLE,
    WX_LINK,
    WX_POST_ID,
    WX_SLUG,
    WX_STATUS,
    WX_POST_TYPE,
    WX_DATE_GMT,
    WX_DATE,
    WX_COMMENT_STATUS,
    WX_C_ID,
    WX_C_NAME,
    WX_C_EMAIL,
    WX_C_URL,
    WX_C_IP,
    WX_C_DATE,
    WX_C_DATE_GMT,
    WX_C_BODY,
    WX_C_APPROVED,
    WX_C_TYPE,
    WX_C_PARENT,
    WX_C_USER,
    WX_N_FIELDS,
};

struct wx_spec {
    bool in_comment;
    enum import_ns ns;
    const char *name;
    enum wx_field field;
    size_t max;
    enum import_over over;
};

static const struct wx_spec wx_specs[] = {
    {false, IMPORT_NS_NONE, "title", WX_TITLE, IMPORT_MAX_TITLE, IMPORT_OVER_SHORTEN},
    {false, IMPORT_NS_NONE, "link", WX_LINK, IMPORT_MAX_URL, IMPORT_OVER_DROP},
    {false, IMPORT_NS_WP, "post_id", WX_POST_ID, IMPORT_MAX_ID, IMPORT_OVER_SKIP},
    {false, IMPORT_NS_WP, "post_name", WX_SLUG, IMPORT_MAX_URL, IMPORT_OVER_DROP},
    {false, IMPORT_NS_WP, "status", WX_STATUS, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {false, IMPORT_NS_WP, "post_type", WX_POST_TYPE, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {false, IMPORT_NS_WP, "post_date_gmt", WX_DATE_GMT, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {false, IMPORT_NS_WP, "post_date", WX_DATE, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {false, IMPORT_NS_WP, "comment_status", WX_COMMENT_STATUS, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {true, IMPORT_NS_WP, "comment_id", WX_C_ID, IMPORT_MAX_ID, IMPORT_OVER_SKIP},
    {true, IMPORT_NS_WP, "comment_author", WX_C_NAME, IMPORT_MAX_NAME, IMPORT_OVER_SHORTEN},
    {true, IMPORT_NS_WP, "comment_author_email", WX_C_EMAIL, IMPORT_MAX_EMAIL, IMPORT_OVER_DROP},
    {true, IMPORT_NS_WP, "comment_author_url", WX_C_URL, IMPORT_MAX_URL, IMPORT_OVER_DROP},
    {true, IMPORT_NS_WP, "comment_author_IP", WX_C_IP, IMPORT_MAX_IP, IMPORT_OVER_DROP},
    {true, IMPORT_NS_WP, "comment_date", WX_C_DATE, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {true, IMPORT_NS_WP, "comment_date_gmt", WX_C_DATE_GMT, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {true, IMPORT_NS_WP, "comment_content", WX_C_BODY, IMPORT_MAX_BODY, IMPORT_OVER_SKIP},
    {true, IMPORT_NS_WP, "comment_approved", WX_C_APPROVED, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {true, IMPORT_NS_WP, "comment_type", WX_C_TYPE, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {true, IMPORT_NS_WP, "comment_parent", WX_C_PARENT, IMPORT_MAX_ID, IMPORT_OVER_SKIP},
    {true, IMPORT_NS_WP, "comment_user_id", WX_C_USER, IMPORT_MAX_ID, IMPORT_OVER_DROP},
};

struct wx_state {
    bool in_item, in_comment;
    bool item_emitted; /* the item went out as a thread: later fields are ignored */
    /* The item's wp:post_id once it went out, for its comments; "" when it had none. */
    char item_id[IMPORT_MAX_ID + 1];
    struct import_field fields[WX_N_FIELDS];
};

void import_wxr_init(struct import_run *run)
{
    run->format_state = xcalloc(1, sizeof(struct wx_state));
}

void import_wxr_cleanup(struct import_run *run)
{
    struct wx_state *st = run->format_state;
    for (int i = 0; i < WX_N_FIELDS; i++)
        buf_cleanup(&st->fields[i].text);
    free(st);
    run->format_state = NULL;
}

static const struct wx_spec *find_spec(bool in_comment, enum import_ns ns, const char *name)
{
    for (size_t i = 0; i < sizeof(wx_specs) / sizeof(wx_specs[0]); i++) {
        const struct wx_spec *s = &wx_specs[i];
        if (s->in_comment == in_comment && s->ns == ns && s->name[0] == name[0] &&
            strcmp(s->name, name) == 0)
            return s;
    }
    return NULL;
}

static void reset_fields(struct wx_state *st, int from, int to)
{
    for (int i = from; i < to; i++)
        import_field_reset(&st->fields[i]);
}

/* A date from the first of two fields that parses; *fell_back when the second did. */
static int64_t pick_date(struct import_run *run, struct import_field *gmt,
                         struct import_field *local, bool *fell_back)
{
    int64_t t = 0;
    if (import_parse_date(import_field_word(gmt), &t) == 0)
        return t;
    if (import_parse_date(import_field_word(local), &t) == 0) {
        *fell_back = true;
        return t;
    }
    run->stats->n_bad_dates++;
    return 0;
}

/* Hands the item over as a thread, or counts why not. */
static int item_emit(struct import_run *run, struct wx_state *st)
{
    struct import_field *f = st->fields;
    struct arena *a = arena_new(2048);
    struct import_thread *t = ARENA_NEW(a, struct import_thread);
    bool skip = false, fell_back = false;
    int rc;

    st->item_emitted = true;
    st->item_id[0] = '\0';
    t->arena = a;
    t->source_id = import_field_value(run, a, &f[WX_POST_ID], &skip);
    t->link = import_field_value(run, a, &f[WX_LINK], &skip);
    t->slug = import_field_value(run, a, &f[WX_SLUG], &skip);
    t->title = import_field_value(run, a, &f[WX_TITLE], &skip);
    t->identifier = "";
    if (skip || t->source_id[0] == '\0') {
        if (skip)
            run->stats->n_oversize++;
        else
            run->stats->n_threads_no_id++;
        arena_free(a);
        return 0;
    }
    /* Its comments refer to it by id even when it cannot be matched to a story. */
    memcpy(st->item_id, t->source_id, strlen(t->source_id) + 1);
    if (t->link[0] == '\0' && t->slug[0] == '\0') {
        run->stats->n_threads_unlinked++;
        arena_free(a);
        return 0;
    }
    t->path = import_link_path(run, a, t->link);
    t->status = arena_strdup(a, import_field_word(&f[WX_STATUS]));
    t->post_type = arena_strdup(a, import_field_word(&f[WX_POST_TYPE]));
    t->created_at = pick_date(run, &f[WX_DATE_GMT], &f[WX_DATE], &fell_back);
    t->is_closed = strcmp(import_field_word(&f[WX_COMMENT_STATUS]), "closed") == 0;
    run->stats->n_threads++;
    rc = run->sink->on_thread(run->sink->ctx, t);
    arena_free(t->arena);
    return rc;
}

static enum import_state comment_state(const char *approved)
{
    if (strcmp(approved, "1") == 0)
        return IMPORT_APPROVED;
    if (strcmp(approved, "spam") == 0)
        return IMPORT_SPAM;
    if (strcmp(approved, "trash") == 0 || strcmp(approved, "post-trashed") == 0)
        return IMPORT_DELETED;
    /* "0", and anything WordPress does not write, waits for a moderator. */
    return IMPORT_PENDING;
}

static enum import_kind comment_kind(struct import_run *run, struct import_field *type)
{
    const char *s = import_field_word(type);
    if (!type->seen) {
        run->stats->n_untyped++;
        return IMPORT_COMMENT;
    }
    if (s[0] == '\0' || strcmp(s, "comment") == 0)
        return IMPORT_COMMENT;
    if (strcmp(s, "pingback") == 0)
        return IMPORT_PINGBACK;
    if (strcmp(s, "trackback") == 0)
        return IMPORT_TRACKBACK;
    return IMPORT_OTHER;
}

/* WordPress writes 0 for "none" in parent and user_id. */
static const char *zero_is_none(const char *s)
{
    return strcmp(s, "0") == 0 ? "" : s;
}

static int comment_end(struct import_run *run, struct wx_state *st)
{
    struct import_field *f = st->fields;
    struct arena *a = arena_new(2048);
    struct import_post *p = ARENA_NEW(a, struct import_post);
    bool skip = false, fell_back = false;
    int rc;

    p->arena = a;
    p->source_id = import_field_value(run, a, &f[WX_C_ID], &skip);
    p->parent_source_id = zero_is_none(import_field_value(run, a, &f[WX_C_PARENT], &skip));
    p->body = import_field_value(run, a, &f[WX_C_BODY], &skip);
    p->thread_source_id = arena_strdup(a, st->item_id);
    if (!skip && p->source_id[0] == '\0')
        run->stats->n_posts_no_id++;
    else if (skip)
        run->stats->n_oversize++;
    else if (p->thread_source_id[0] == '\0')
        run->stats->n_posts_no_thread++;
    if (skip || p->source_id[0] == '\0' || p->thread_source_id[0] == '\0') {
        arena_free(a);
        return 0;
    }
    if (p->body[0] == '\0')
        run->stats->n_posts_empty++;
    p->created_at = pick_date(run, &f[WX_C_DATE_GMT], &f[WX_C_DATE], &fell_back);
    run->stats->n_date_fallbacks += fell_back;
    p->state = comment_state(import_field_word(&f[WX_C_APPROVED]));
    p->kind = comment_kind(run, &f[WX_C_TYPE]);
    p->kind_name = arena_strdup(a, import_field_word(&f[WX_C_TYPE]));
    p->author_name = import_field_value(run, a, &f[WX_C_NAME], &skip);
    p->author_email = import_field_value(run, a, &f[WX_C_EMAIL], &skip);
    p->author_url = import_field_value(run, a, &f[WX_C_URL], &skip);
    p->author_ip = import_field_value(run, a, &f[WX_C_IP], &skip);
    p->author_user_id = zero_is_none(import_field_value(run, a, &f[WX_C_USER], &skip));
    p->author_username = "";
    run->stats->n_posts++;
    rc = run->sink->on_post(run->sink->ctx, p);
    arena_free(p->arena);
    return rc;
}

static int root_start(struct import_run *run, const char *name)
{
    char msg[IMPORT_ERR_MAX];

    if (strcmp(name, "rss") != 0) {
        snprintf(msg, sizeof(msg), "not a WordPress export: the root element is <%.64s>, not <rss>",
                 name);
        return import_run_fail(run, msg);
    }
    if (!import_declares_ns(run, "http://wordpress.org/export/"))
        return import_run_fail(run, "not a WordPress export: an RSS feed without WordPress's "
                                    "export namespace (http://wordpress.org/export/)");
    return 0;
}

static int field_start(struct import_run *run, struct wx_state *st, const char *name,
                       enum import_ns ns, int depth)
{
    const struct wx_spec *s = find_spec(st->in_comment, ns, name);
    if (s == NULL)
        return 0;
    if (!st->in_comment && st->item_emitted) {
        run->stats->n_late_fields++;
        return 0;
    }
    struct import_field *f = &st->fields[s->field];
    f->max = s->max;
    f->over_policy = s->over;
    import_field_begin(run, f, depth);
    return 0;
}

static int wx_start(struct import_run *run, int depth, const char *name, enum import_ns ns)
{
    struct wx_state *st = run->format_state;
    int rc;

    if (depth == 0)
        return root_start(run, name);
    if (depth == 2 && ns == IMPORT_NS_NONE && strcmp(name, "item") == 0) {
        st->in_item = true;
        st->item_emitted = false;
        st->item_id[0] = '\0';
        reset_fields(st, 0, WX_N_FIELDS);
        return 0;
    }
    if (!st->in_item)
        return 0;
    if (depth == 3 && ns == IMPORT_NS_WP && strcmp(name, "comment") == 0) {
        if (!st->item_emitted) {
            rc = item_emit(run, st);
            if (rc != 0)
                return rc;
        }
        st->in_comment = true;
        reset_fields(st, WX_C_ID, WX_N_FIELDS);
        return 0;
    }
    if (depth == (st->in_comment ? 4 : 3))
        return field_start(run, st, name, ns, depth);
    return 0;
}

static int wx_end(struct import_run *run, int depth, const char *name, enum import_ns ns)
{
    struct wx_state *st = run->format_state;

    import_field_end(run, depth);
    if (!st->in_item)
        return 0;
    if (depth == 3 && st->in_comment && ns == IMPORT_NS_WP && strcmp(name, "comment") == 0) {
        st->in_comment = false;
        return comment_end(run, st);
    }
    if (depth == 2) {
        st->in_item = false;
        if (!st->item_emitted)
            return item_emit(run, st);
    }
    return 0;
}

const struct import_format_ops import_wxr_ops = {wx_start, wx_end};
