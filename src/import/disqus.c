/* Disqus's XML export: a <disqus> root holding <category>, <thread dsq:id> and
 * <post dsq:id> elements side by side, a post naming its thread and parent by dsq:id.
 * Each thread and post is handed over when its element closes, in file order: a post
 * may come before its thread, and matching them up is the caller's work. */
#include "import/reader.h"

#include "base/xalloc.h"

#include <stdlib.h>
#include <string.h>

enum dq_record {
    DQ_NONE,
    DQ_THREAD,
    DQ_POST,
    DQ_OTHER, /* <category> and anything unknown: read past */
};

enum dq_field {
    DQ_IDENT,
    DQ_LINK,
    DQ_TITLE,
    DQ_CREATED,
    DQ_CLOSED,
    DQ_DELETED,
    DQ_SPAM,
    DQ_BODY,
    DQ_IP,
    DQ_NAME,
    DQ_EMAIL,
    DQ_USERNAME,
    DQ_ANONYMOUS,
    DQ_N_FIELDS,
};

/* Where each value lives: in which record, inside <author> or not, under which name. */
struct dq_spec {
    enum dq_record record;
    bool in_author;
    const char *name;
    enum dq_field field;
    size_t max;
    enum import_over over;
};

static const struct dq_spec dq_specs[] = {
    {DQ_THREAD, false, "id", DQ_IDENT, IMPORT_MAX_URL, IMPORT_OVER_DROP},
    {DQ_THREAD, false, "link", DQ_LINK, IMPORT_MAX_URL, IMPORT_OVER_DROP},
    {DQ_THREAD, false, "title", DQ_TITLE, IMPORT_MAX_TITLE, IMPORT_OVER_SHORTEN},
    {DQ_THREAD, false, "createdAt", DQ_CREATED, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {DQ_THREAD, false, "isClosed", DQ_CLOSED, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {DQ_THREAD, false, "isDeleted", DQ_DELETED, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {DQ_POST, false, "message", DQ_BODY, IMPORT_MAX_BODY, IMPORT_OVER_SKIP},
    {DQ_POST, false, "createdAt", DQ_CREATED, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {DQ_POST, false, "isDeleted", DQ_DELETED, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {DQ_POST, false, "isSpam", DQ_SPAM, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
    {DQ_POST, false, "ipAddress", DQ_IP, IMPORT_MAX_IP, IMPORT_OVER_DROP},
    {DQ_POST, true, "name", DQ_NAME, IMPORT_MAX_NAME, IMPORT_OVER_SHORTEN},
    {DQ_POST, true, "email", DQ_EMAIL, IMPORT_MAX_EMAIL, IMPORT_OVER_DROP},
    {DQ_POST, true, "username", DQ_USERNAME, IMPORT_MAX_NAME, IMPORT_OVER_SHORTEN},
    {DQ_POST, true, "isAnonymous", DQ_ANONYMOUS, IMPORT_MAX_WORD, IMPORT_OVER_DROP},
};

struct dq_state {
    enum dq_record record;
    bool in_author;
    /* The record's arena from its start tag (its dsq:id attributes live there) until
     * it is handed over or dropped. */
    struct arena *arena;
    const char *source_id, *thread_ref, *parent_ref;
    bool oversize; /* an id over its limit: the record is skipped */
    struct import_field fields[DQ_N_FIELDS];
};

void import_disqus_init(struct import_run *run)
{
    struct dq_state *st = xcalloc(1, sizeof(*st));
    run->format_state = st;
}

void import_disqus_cleanup(struct import_run *run)
{
    struct dq_state *st = run->format_state;
    for (int i = 0; i < DQ_N_FIELDS; i++)
        buf_cleanup(&st->fields[i].text);
    arena_free(st->arena);
    free(st);
    run->format_state = NULL;
}

static void record_begin(struct import_run *run, struct dq_state *st, enum dq_record record)
{
    st->record = record;
    st->in_author = false;
    st->oversize = false;
    st->thread_ref = st->parent_ref = "";
    for (int i = 0; i < DQ_N_FIELDS; i++)
        import_field_reset(&st->fields[i]);
    st->arena = arena_new(2048);
    st->source_id = import_attr_id(run, st->arena, IMPORT_NS_DSQ, "id", &st->oversize);
}

static void record_drop(struct dq_state *st)
{
    arena_free(st->arena);
    st->arena = NULL;
    st->record = DQ_NONE;
}

static const struct dq_spec *find_spec(const struct dq_state *st, const char *name)
{
    for (size_t i = 0; i < sizeof(dq_specs) / sizeof(dq_specs[0]); i++) {
        const struct dq_spec *s = &dq_specs[i];
        if (s->record == st->record && s->in_author == st->in_author && s->name[0] == name[0] &&
            strcmp(s->name, name) == 0)
            return s;
    }
    return NULL;
}

static int64_t record_date(struct import_run *run, struct import_field *f)
{
    int64_t t = 0;
    if (import_parse_date(import_field_word(f), &t) != 0) {
        run->stats->n_bad_dates++;
        return 0;
    }
    return t;
}

static int thread_end(struct import_run *run, struct dq_state *st)
{
    struct import_field *f = st->fields;
    struct import_thread *t = ARENA_NEW(st->arena, struct import_thread);
    bool skip = st->oversize;
    int rc;

    t->arena = st->arena;
    t->source_id = st->source_id;
    t->identifier = import_field_value(run, t->arena, &f[DQ_IDENT], &skip);
    t->link = import_field_value(run, t->arena, &f[DQ_LINK], &skip);
    t->title = import_field_value(run, t->arena, &f[DQ_TITLE], &skip);
    t->slug = t->status = t->post_type = "";
    if (t->source_id[0] == '\0' && !skip) {
        run->stats->n_threads_no_id++;
        record_drop(st);
        return 0;
    }
    if (skip) {
        run->stats->n_oversize++;
        record_drop(st);
        return 0;
    }
    if (t->identifier[0] == '\0' && t->link[0] == '\0') {
        run->stats->n_threads_unlinked++;
        record_drop(st);
        return 0;
    }
    t->path = import_link_path(run, t->arena, t->link);
    t->created_at = record_date(run, &f[DQ_CREATED]);
    t->is_closed = import_parse_flag(import_field_word(&f[DQ_CLOSED]));
    t->is_deleted = import_parse_flag(import_field_word(&f[DQ_DELETED]));
    st->arena = NULL;
    st->record = DQ_NONE;
    run->stats->n_threads++;
    rc = run->sink->on_thread(run->sink->ctx, t);
    arena_free(t->arena);
    return rc;
}

static int post_end(struct import_run *run, struct dq_state *st)
{
    struct import_field *f = st->fields;
    struct import_post *p = ARENA_NEW(st->arena, struct import_post);
    bool skip = st->oversize;
    int rc;

    p->arena = st->arena;
    p->source_id = st->source_id;
    p->thread_source_id = st->thread_ref;
    p->parent_source_id = st->parent_ref;
    p->body = import_field_value(run, p->arena, &f[DQ_BODY], &skip);
    if (p->source_id[0] == '\0' && !skip) {
        run->stats->n_posts_no_id++;
        record_drop(st);
        return 0;
    }
    if (skip) {
        run->stats->n_oversize++;
        record_drop(st);
        return 0;
    }
    if (p->thread_source_id[0] == '\0') {
        run->stats->n_posts_no_thread++;
        record_drop(st);
        return 0;
    }
    if (p->body[0] == '\0')
        run->stats->n_posts_empty++;
    p->created_at = record_date(run, &f[DQ_CREATED]);
    /* Spam wins over deleted: a spam post is kept for the spam classifier. */
    if (import_parse_flag(import_field_word(&f[DQ_SPAM])))
        p->state = IMPORT_SPAM;
    else if (import_parse_flag(import_field_word(&f[DQ_DELETED])))
        p->state = IMPORT_DELETED;
    else
        p->state = IMPORT_APPROVED;
    p->kind = IMPORT_COMMENT;
    p->kind_name = "";
    p->author_name = import_field_value(run, p->arena, &f[DQ_NAME], &skip);
    p->author_email = import_field_value(run, p->arena, &f[DQ_EMAIL], &skip);
    p->author_username = import_field_value(run, p->arena, &f[DQ_USERNAME], &skip);
    p->author_ip = import_field_value(run, p->arena, &f[DQ_IP], &skip);
    p->author_url = p->author_user_id = "";
    p->is_anonymous = import_parse_flag(import_field_word(&f[DQ_ANONYMOUS]));
    st->arena = NULL;
    st->record = DQ_NONE;
    run->stats->n_posts++;
    rc = run->sink->on_post(run->sink->ctx, p);
    arena_free(p->arena);
    return rc;
}

static int root_start(struct import_run *run, const char *name)
{
    char msg[IMPORT_ERR_MAX];

    if (strcmp(name, "disqus") == 0)
        return 0;
    snprintf(msg, sizeof(msg), "not a Disqus export: the root element is <%.64s>, not <disqus>",
             name);
    return import_run_fail(run, msg);
}

static int dq_start(struct import_run *run, int depth, const char *name, enum import_ns ns)
{
    struct dq_state *st = run->format_state;
    (void)ns;

    if (depth == 0)
        return root_start(run, name);
    if (depth == 1) {
        if (strcmp(name, "thread") == 0) {
            record_begin(run, st, DQ_THREAD);
        } else if (strcmp(name, "post") == 0) {
            record_begin(run, st, DQ_POST);
        } else {
            run->stats->n_categories += strcmp(name, "category") == 0;
            st->record = DQ_OTHER;
        }
        return 0;
    }
    if (st->record != DQ_THREAD && st->record != DQ_POST)
        return 0;
    if (depth == 2 && strcmp(name, "author") == 0) {
        st->in_author = true;
        return 0;
    }
    if (depth == 2 && st->record == DQ_POST && strcmp(name, "thread") == 0) {
        st->thread_ref = import_attr_id(run, st->arena, IMPORT_NS_DSQ, "id", &st->oversize);
        return 0;
    }
    if (depth == 2 && st->record == DQ_POST && strcmp(name, "parent") == 0) {
        st->parent_ref = import_attr_id(run, st->arena, IMPORT_NS_DSQ, "id", &st->oversize);
        return 0;
    }
    if (depth != (st->in_author ? 3 : 2))
        return 0;
    const struct dq_spec *s = find_spec(st, name);
    if (s == NULL)
        return 0;
    struct import_field *f = &st->fields[s->field];
    f->max = s->max;
    f->over_policy = s->over;
    import_field_begin(run, f, depth);
    return 0;
}

static int dq_end(struct import_run *run, int depth, const char *name, enum import_ns ns)
{
    struct dq_state *st = run->format_state;
    (void)ns;

    import_field_end(run, depth);
    if (depth == 2 && strcmp(name, "author") == 0) {
        st->in_author = false;
        return 0;
    }
    if (depth != 1)
        return 0;
    if (st->record == DQ_THREAD)
        return thread_end(run, st);
    if (st->record == DQ_POST)
        return post_end(run, st);
    st->record = DQ_NONE;
    return 0;
}

const struct import_format_ops import_disqus_ops = {dq_start, dq_end};
