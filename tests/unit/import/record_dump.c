/* The record-to-text sink of record_dump.h. */
#include "record_dump.h"

#include "base/timefmt.h"

#include <stdio.h>

static const char *const state_names[] = {"approved", "pending", "spam", "deleted"};
static const char *const kind_names[] = {"comment", "pingback", "trackback", "other"};

static void put_date(struct buf *out, const char *key, int64_t t)
{
    char iso[TIMEFMT_ISO_LEN];
    if (t == 0) {
        buf_printf(out, " %s=0", key);
        return;
    }
    time_format_iso(t, iso);
    buf_printf(out, " %s=%s", key, iso);
}

/* Line breaks and tabs visible, so a record stays on its line. */
static void put_text(struct buf *out, const char *key, const char *s)
{
    buf_printf(out, " %s=", key);
    for (; *s != '\0'; s++) {
        if (*s == '\n')
            buf_puts(out, "\\n");
        else if (*s == '\t')
            buf_puts(out, "\\t");
        else
            buf_putc(out, *s);
    }
}

static int on_thread(void *ctx, struct import_thread *t)
{
    struct buf *out = ctx;
    buf_printf(out, "T %s", t->source_id);
    put_text(out, "ident", t->identifier);
    put_text(out, "slug", t->slug);
    put_text(out, "link", t->link);
    put_text(out, "path", t->path);
    put_text(out, "title", t->title);
    put_text(out, "status", t->status);
    put_text(out, "type", t->post_type);
    put_date(out, "at", t->created_at);
    buf_printf(out, " closed=%d deleted=%d\n", t->is_closed, t->is_deleted);
    return 0;
}

static int on_post(void *ctx, struct import_post *p)
{
    struct buf *out = ctx;
    buf_printf(out, "P %s/%s parent=%s %s %s", p->thread_source_id, p->source_id,
               p->parent_source_id, state_names[p->state], kind_names[p->kind]);
    put_text(out, "kind", p->kind_name);
    put_date(out, "at", p->created_at);
    put_text(out, "name", p->author_name);
    put_text(out, "email", p->author_email);
    put_text(out, "user", p->author_username);
    put_text(out, "url", p->author_url);
    put_text(out, "ip", p->author_ip);
    put_text(out, "uid", p->author_user_id);
    buf_printf(out, " anon=%d", p->is_anonymous);
    put_text(out, "body", p->body);
    buf_putc(out, '\n');
    return 0;
}

struct import_sink record_dump_sink(struct buf *out)
{
    return (struct import_sink){out, on_thread, on_post, NULL};
}

int record_dump_fixture(enum import_format format, const char *name, struct buf *out,
                        struct import_stats *stats, struct import_error *err)
{
    char path[512];
    struct import_sink sink = record_dump_sink(out);
    snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, name);
    return import_parse_file(format, path, &sink, stats, err);
}
