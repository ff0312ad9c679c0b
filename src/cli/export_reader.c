/* The streaming reader of a site export. jansson parses whole documents only, so the
 * two outer levels (the document object and its "tables" object of arrays) are walked
 * here, byte by byte over a sliding window of the file, and each value inside them (a
 * row, a header field) is handed to jansson alone, with JSON_DISABLE_EOF_CHECK telling
 * where it ended. Only one value is ever held, so memory stays flat for a site of any
 * size. */
#include "cli/export.h"

#include "base/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The window starts at this size and doubles, up to EXPORT_MAX_VALUE, only for a
 * value that does not fit. */
#define WINDOW_START (1024 * 1024)
/* Before parsing a value, at least this much of it is read ahead, so that a row is
 * rarely parsed twice. */
#define READ_AHEAD (64 * 1024)

struct reader {
    FILE *in;
    char *buf;
    size_t cap, start, end; /* unconsumed bytes: buf[start, end) */
    bool eof;
    int64_t line;   /* line of buf[start], from 1 */
    int64_t offset; /* file offset of buf[start] */
    struct export_error *err;
    const struct export_reader_ops *ops;
    void *ctx;
};

static size_t avail(const struct reader *r)
{
    return r->end - r->start;
}

/* Points the error at the next unconsumed byte and says what is wrong there. */
static int fail_here(struct reader *r, const char *what)
{
    r->err->line = r->line;
    r->err->offset = r->offset;
    return export_fail(r->err, "%s", what);
}

/* Reads more of the file: after the bytes held, growing the window when it is full.
 * 0 with r->eof set at the end of the file. */
static int fill(struct reader *r)
{
    if (r->eof)
        return 0;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, avail(r));
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        if (r->cap >= EXPORT_MAX_VALUE)
            return fail_here(r, "a value larger than 64 MiB");
        r->cap *= 2;
        r->buf = xrealloc(r->buf, r->cap);
    }
    size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->in);
    r->end += got;
    if (got == 0) {
        if (ferror(r->in)) {
            r->err->line = r->line;
            r->err->offset = r->offset;
            snprintf(r->err->message, sizeof(r->err->message), "read error: %s", strerror(errno));
            return STET_EIO;
        }
        r->eof = true;
    }
    return 0;
}

static void consume(struct reader *r, size_t n)
{
    const char *p = r->buf + r->start, *stop = p + n;
    while ((p = memchr(p, '\n', (size_t)(stop - p))) != NULL) {
        r->line++;
        p++;
    }
    r->start += n;
    r->offset += (int64_t)n;
}

/* The next byte that is not JSON whitespace, not consumed; -1 at the end. */
static int peek(struct reader *r, int *c)
{
    for (;;) {
        while (r->start < r->end) {
            char ch = r->buf[r->start];
            if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
                *c = (unsigned char)ch;
                return 0;
            }
            consume(r, 1);
        }
        if (r->eof) {
            *c = -1;
            return 0;
        }
        int rc = fill(r);
        if (rc != 0)
            return rc;
    }
}

/* Consumes `want` after optional whitespace; `what` names what was expected. */
static int expect(struct reader *r, char want, const char *what)
{
    int c, rc = peek(r, &c);
    if (rc != 0)
        return rc;
    if (c == -1)
        return fail_here(r, "the document ends early (truncated?)");
    if (c != want) {
        char msg[128];
        snprintf(msg, sizeof(msg), "expected %s", what);
        return fail_here(r, msg);
    }
    consume(r, 1);
    return 0;
}

/* A key: "name" where name is [a-z0-9_], then the colon. */
static int read_key(struct reader *r, char key[EXPORT_MAX_KEY + 1])
{
    int rc = expect(r, '"', "a quoted key");
    if (rc != 0)
        return rc;
    while (avail(r) < EXPORT_MAX_KEY + 1 && !r->eof)
        if ((rc = fill(r)) != 0)
            return rc;
    size_t n = 0;
    for (; n < avail(r) && n <= EXPORT_MAX_KEY; n++) {
        char ch = r->buf[r->start + n];
        if (ch == '"')
            break;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return fail_here(r, "a key must be a plain name (a-z, 0-9, _)");
    }
    if (n > EXPORT_MAX_KEY)
        return fail_here(r, "a key longer than 64 characters");
    if (n == avail(r))
        return fail_here(r, "the document ends early (truncated?)");
    if (n == 0)
        return fail_here(r, "an empty key");
    memcpy(key, r->buf + r->start, n);
    key[n] = '\0';
    consume(r, n + 1);
    return expect(r, ':', "':' after a key");
}

/* One JSON value, parsed by jansson from the window; the window grows until the
 * value fits. jansson's line and position are relative to the value's start. */
static int read_value(struct reader *r, size_t flags, json_t **out)
{
    int c, rc = peek(r, &c);
    if (rc != 0)
        return rc;
    while (avail(r) < READ_AHEAD && !r->eof)
        if ((rc = fill(r)) != 0)
            return rc;
    for (;;) {
        json_error_t je;
        size_t n = avail(r);
        json_t *v = json_loadb(r->buf + r->start, n, flags | JSON_DISABLE_EOF_CHECK, &je);
        size_t pos = je.position > 0 ? (size_t)je.position : 0;
        /* Success that ends where the bytes held end may be a number cut short; a
         * failure near the end may be a value or a UTF-8 sequence cut short. */
        bool maybe_cut = v != NULL ? pos >= n : pos + 4 >= n;
        if (maybe_cut && !r->eof) {
            json_decref(v);
            size_t before = n;
            if ((rc = fill(r)) != 0)
                return rc;
            if (avail(r) == before && !r->eof)
                return fail_here(r, "internal: the window did not grow");
            continue;
        }
        if (v == NULL) {
            r->err->line = r->line + (je.line > 0 ? je.line - 1 : 0);
            r->err->offset = r->offset + (int64_t)pos;
            bool cut = json_error_code(&je) == json_error_premature_end_of_input;
            return export_fail(r->err, "%s",
                               cut ? "the document ends early (truncated?)" : je.text);
        }
        r->err->line = r->line;
        r->err->offset = r->offset;
        consume(r, pos);
        *out = v;
        return 0;
    }
}

/* After an element: ',' (more follow) or `close`. */
static int next_or_close(struct reader *r, char close, bool *more)
{
    int c, rc = peek(r, &c);
    if (rc != 0)
        return rc;
    if (c == ',' || c == close) {
        consume(r, 1);
        *more = c == ',';
        return 0;
    }
    return fail_here(r, c == -1 ? "the document ends early (truncated?)"
                                : (close == ']' ? "expected ',' or ']'" : "expected ',' or '}'"));
}

/* Whether the container about to be read is empty; consumes its closing byte then. */
static int empty_container(struct reader *r, char close, bool *empty)
{
    int c, rc = peek(r, &c);
    if (rc != 0)
        return rc;
    *empty = c == close;
    if (*empty)
        consume(r, 1);
    return 0;
}

static int read_rows(struct reader *r)
{
    int rc = expect(r, '[', "'[' opening a table's rows");
    bool more = true;
    if (rc == 0)
        rc = empty_container(r, ']', &more);
    more = !more;
    while (rc == 0 && more) {
        json_t *row = NULL;
        rc = read_value(r, JSON_REJECT_DUPLICATES, &row);
        if (rc != 0)
            break;
        /* read_value left err pointing at the row's first byte. */
        if (!json_is_object(row)) {
            rc = export_fail(r->err, "a row must be an object");
        } else {
            rc = r->ops->row(r->ctx, row, r->err);
        }
        json_decref(row);
        if (rc == 0)
            rc = next_or_close(r, ']', &more);
    }
    return rc;
}

static int read_tables(struct reader *r)
{
    int rc = expect(r, '{', "'{' opening \"tables\"");
    bool more = true;
    if (rc == 0)
        rc = empty_container(r, '}', &more);
    more = !more;
    while (rc == 0 && more) {
        char name[EXPORT_MAX_KEY + 1];
        rc = read_key(r, name);
        if (rc == 0) {
            r->err->line = r->line;
            r->err->offset = r->offset;
            rc = r->ops->table_begin(r->ctx, name, r->err);
        }
        if (rc == 0)
            rc = read_rows(r);
        if (rc == 0) {
            r->err->line = r->line;
            r->err->offset = r->offset;
            rc = r->ops->table_end(r->ctx, r->err);
        }
        if (rc == 0)
            rc = next_or_close(r, '}', &more);
    }
    return rc;
}

/* Top-level keys are few and known; remembering them refuses a repeated one. */
#define MAX_FIELDS 16

static int read_document(struct reader *r)
{
    char seen[MAX_FIELDS][EXPORT_MAX_KEY + 1];
    size_t n_seen = 0;
    int rc = expect(r, '{', "'{': an export is a JSON object");
    bool more = true;
    if (rc == 0)
        rc = empty_container(r, '}', &more);
    more = !more;
    while (rc == 0 && more) {
        char key[EXPORT_MAX_KEY + 1];
        if ((rc = read_key(r, key)) != 0)
            break;
        for (size_t i = 0; i < n_seen; i++)
            if (strcmp(seen[i], key) == 0)
                return fail_here(r, "a key given twice");
        if (n_seen == MAX_FIELDS)
            return fail_here(r, "too many fields");
        memcpy(seen[n_seen++], key, sizeof(key));
        if (strcmp(key, "tables") == 0) {
            rc = read_tables(r);
        } else {
            json_t *v = NULL;
            rc = read_value(r, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &v);
            if (rc == 0)
                rc = r->ops->field(r->ctx, key, v, r->err);
            json_decref(v);
        }
        if (rc == 0)
            rc = next_or_close(r, '}', &more);
    }
    int c;
    if (rc == 0 && (rc = peek(r, &c)) == 0 && c != -1)
        rc = fail_here(r, "text after the end of the document");
    return rc;
}

int export_read(FILE *in, const struct export_reader_ops *ops, void *ctx, struct export_error *err)
{
    struct reader r = {
        .in = in,
        .buf = xmalloc(WINDOW_START),
        .cap = WINDOW_START,
        .line = 1,
        .err = err,
        .ops = ops,
        .ctx = ctx,
    };
    memset(err, 0, sizeof(*err));
    int rc = read_document(&r);
    free(r.buf);
    return rc;
}
