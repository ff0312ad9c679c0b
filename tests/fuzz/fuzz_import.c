/* Fuzz target for the export readers: the first byte picks Disqus (even) or
 * WordPress (odd), the rest is the file. Any input must end in 0 or STET_EBADREQ with
 * a message and a line, and every record handed over must hold valid UTF-8 within its
 * limits and the ids its contract promises; anything else aborts the run. */
#include "base/utf8.h"
#include "import/import.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len > max || !utf8_valid(s, len))
        abort();
}

static int on_thread(void *ctx, struct import_thread *t)
{
    (void)ctx;
    if (t->source_id[0] == '\0' ||
        (t->identifier[0] == '\0' && t->link[0] == '\0' && t->slug[0] == '\0'))
        abort();
    check_text(t->source_id, IMPORT_MAX_ID);
    check_text(t->identifier, IMPORT_MAX_URL);
    check_text(t->link, IMPORT_MAX_URL);
    check_text(t->path, IMPORT_MAX_URL);
    check_text(t->title, IMPORT_MAX_TITLE);
    return 0;
}

static int on_post(void *ctx, struct import_post *p)
{
    (void)ctx;
    if (p->source_id[0] == '\0' || p->thread_source_id[0] == '\0')
        abort();
    check_text(p->source_id, IMPORT_MAX_ID);
    check_text(p->parent_source_id, IMPORT_MAX_ID);
    check_text(p->body, IMPORT_MAX_BODY);
    check_text(p->author_name, IMPORT_MAX_NAME);
    check_text(p->author_email, IMPORT_MAX_EMAIL);
    check_text(p->author_url, IMPORT_MAX_URL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct import_sink sink = {NULL, on_thread, on_post, NULL};
    struct import_stats st;
    struct import_error err;

    if (size == 0)
        return 0;
    enum import_format format = data[0] % 2 == 0 ? IMPORT_DISQUS : IMPORT_WXR;
    int rc = import_parse_mem(format, (const char *)data + 1, size - 1, &sink, &st, &err);
    if (rc != 0 && (rc != STET_EBADREQ || err.message[0] == '\0' || err.line <= 0))
        abort();
    return 0;
}
