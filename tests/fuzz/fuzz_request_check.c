/* Fuzz target for the request-head checks. Each input is read twice, as a head on the
 * wire (lines split at CRLF, headers at their first ':') and as raw parts (LF-separated
 * method, path, query, version, then "name:value" headers, bytes unrestricted). Either
 * way the check must not crash or read outside the input (the copies are exact-size
 * for ASan), and a head it passes must have at most one framing header, a Host exactly
 * where HTTP/1.1 needs it, and no control bytes in the target or the values. */
#include "http/request_check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_HEADERS = 32 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_control(struct str v)
{
    for (size_t i = 0; i < v.len; i++)
        if (((unsigned char)v.ptr[i] < 0x20 && v.ptr[i] != '\t') || v.ptr[i] == 0x7f)
            return true;
    return false;
}

/* What every head request_check passes must hold; aborts otherwise. */
static void check_passed(const struct request_head *h)
{
    size_t n_cl = 0, n_te = 0, n_host = 0;
    for (size_t i = 0; i < h->n_headers; i++) {
        const struct kv *kv = &h->headers[i];
        if (kv->name.len == 0 || has_control(kv->name) || has_control(kv->value))
            abort();
        n_cl += str_eq_nocase(kv->name, STR_LIT("Content-Length"));
        n_te += str_eq_nocase(kv->name, STR_LIT("Transfer-Encoding"));
        n_host += str_eq_nocase(kv->name, STR_LIT("Host"));
    }
    bool http11 = !str_eq(h->version, STR_LIT("HTTP/1.0"));
    if (n_cl + n_te > 1 || n_host > 1 || (http11 && n_host != 1))
        abort();
    if (h->path.len == 0 || has_control(h->path) || has_control(h->query))
        abort();
}

static void check(const struct request_head *h)
{
    enum request_flaw f = request_check(h);
    if (request_flaw_text(f) == NULL)
        abort();
    if (f == REQUEST_OK)
        check_passed(h);
}

/* The next line of s, ended by `sep` (not included); the whole rest if none. */
static struct str next_line(struct str *s, struct str sep)
{
    struct str line = *s;
    for (size_t i = 0; i + sep.len <= s->len; i++) {
        if (memcmp(s->ptr + i, sep.ptr, sep.len) == 0) {
            line.len = i;
            s->ptr += i + sep.len;
            s->len -= i + sep.len;
            return line;
        }
    }
    s->ptr += s->len;
    s->len = 0;
    return line;
}

/* "name:value", split at the first ':'; with `skip_ows`, the white space after it is
 * not part of the value (a line without ':' is all name). */
static struct kv split_header(struct str line, bool skip_ows)
{
    const char *colon = memchr(line.ptr, ':', line.len);
    if (colon == NULL)
        return (struct kv){line, {line.ptr + line.len, 0}};
    struct kv kv = {{line.ptr, (size_t)(colon - line.ptr)},
                    {colon + 1, line.len - (size_t)(colon - line.ptr) - 1}};
    while (skip_ows && kv.value.len > 0 && (kv.value.ptr[0] == ' ' || kv.value.ptr[0] == '\t')) {
        kv.value.ptr++;
        kv.value.len--;
    }
    return kv;
}

/* The request line at its first and last space, the target at its first '?'. False
 * without two spaces. */
static bool split_request_line(struct str line, struct request_head *h)
{
    const char *sp1 = memchr(line.ptr, ' ', line.len);
    const char *sp2 = line.ptr + line.len;
    while (sp2 > line.ptr && sp2[-1] != ' ')
        sp2--;
    if (sp1 == NULL || sp2 - 1 <= sp1)
        return false;
    h->method = (struct str){line.ptr, (size_t)(sp1 - line.ptr)};
    h->version = (struct str){sp2, (size_t)(line.ptr + line.len - sp2)};
    struct str target = {sp1 + 1, (size_t)(sp2 - 1 - (sp1 + 1))};
    h->path = next_line(&target, STR_LIT("?"));
    h->query = target;
    return true;
}

/* A test's reading of a head as sent, not a model of any server's parser: CRLF ends
 * a line, and a NUL, a lone CR or LF, or a folded line stays in the slices for the
 * check to see. False without a blank line or with too many header lines. */
static bool split_wire_head(struct str in, struct request_head *h, struct kv *kvs)
{
    if (!split_request_line(next_line(&in, STR_LIT("\r\n")), h))
        return false;
    h->headers = kvs;
    h->n_headers = 0;
    while (in.len > 0) {
        struct str line = next_line(&in, STR_LIT("\r\n"));
        if (line.len == 0)
            return true;
        if (h->n_headers == MAX_HEADERS)
            return false;
        kvs[h->n_headers++] = split_header(line, true);
    }
    return false;
}

static void check_wire(const char *copy, size_t size)
{
    struct kv kvs[MAX_HEADERS];
    struct request_head h = {0};
    if (split_wire_head((struct str){copy, size}, &h, kvs))
        check(&h);
}

static void check_parts(const char *copy, size_t size)
{
    struct str in = {copy, size};
    struct kv kvs[MAX_HEADERS];
    struct request_head h = {0};
    h.method = next_line(&in, STR_LIT("\n"));
    h.path = next_line(&in, STR_LIT("\n"));
    h.query = next_line(&in, STR_LIT("\n"));
    h.version = next_line(&in, STR_LIT("\n"));
    h.headers = kvs;
    while (in.len > 0 && h.n_headers < MAX_HEADERS)
        kvs[h.n_headers++] = split_header(next_line(&in, STR_LIT("\n")), false);
    check(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy lets ASan catch a read past the input. */
    char *copy = malloc(size > 0 ? size : 1);
    if (size > 0)
        memcpy(copy, data, size);
    check_wire(copy, size);
    check_parts(copy, size);
    free(copy);
    return 0;
}
