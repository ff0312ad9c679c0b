/* Form and query-string decoding. Bounded: the field count is checked before anything
 * is decoded, every output fits in the arena at the input's size, and each decoded
 * name and value must be NUL-free UTF-8 before a handler can see it. */
#include "http/form.h"

#include "base/utf8.h"
#include "http/limits.h"

#include <string.h>

int url_decode(struct arena *a, struct str in, bool plus_is_space, struct str *out)
{
    /* Decoding never grows the text, so one allocation of the input's size suffices. */
    char *dst = arena_alloc(a, in.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < in.len; i++) {
        char c = in.ptr[i];
        if (c == '%') {
            if (in.len - i < 3)
                return STET_EBADREQ;
            int hi = str_hex_digit(in.ptr[i + 1]);
            int lo = str_hex_digit(in.ptr[i + 2]);
            if (hi < 0 || lo < 0)
                return STET_EBADREQ;
            c = (char)(hi << 4 | lo);
            /* A NUL would silently cut the NUL-terminated copy short downstream. */
            if (c == '\0')
                return STET_EBADREQ;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '\0') {
            return STET_EBADREQ;
        }
        dst[n++] = c;
    }
    dst[n] = '\0';
    out->ptr = dst;
    out->len = n;
    return 0;
}

/* The next '&'-separated segment of `s` starting at *pos; advances *pos past it. */
static struct str next_segment(struct str s, size_t *pos)
{
    size_t start = *pos;
    const char *amp = memchr(s.ptr + start, '&', s.len - start);
    size_t end = amp != NULL ? (size_t)(amp - s.ptr) : s.len;
    *pos = amp != NULL ? end + 1 : s.len;
    return (struct str){s.ptr + start, end - start};
}

static int decode_text(struct arena *a, struct str in, struct str *out)
{
    int rc = url_decode(a, in, true, out);
    if (rc != 0)
        return rc;
    if (!utf8_valid(out->ptr, out->len))
        return STET_EBADREQ;
    return 0;
}

int form_parse(struct arena *a, struct str body, struct kvs *out)
{
    out->items = NULL;
    out->n = 0;
    if (body.ptr == NULL || body.len == 0)
        return 0;

    /* Count first so an oversized form is refused before any decoding work. */
    size_t n_fields = 0;
    for (size_t pos = 0; pos < body.len;) {
        struct str seg = next_segment(body, &pos);
        if (seg.len > 0 && ++n_fields > HTTP_MAX_FIELDS)
            return STET_EBADREQ;
    }
    if (n_fields == 0)
        return 0;

    struct kv *items = ARENA_NEW_ARRAY(a, struct kv, n_fields);
    size_t n = 0;
    for (size_t pos = 0; pos < body.len;) {
        struct str seg = next_segment(body, &pos);
        if (seg.len == 0)
            continue;
        /* A field without '=' is a name with an empty value, as browsers send it. */
        const char *eq = memchr(seg.ptr, '=', seg.len);
        struct str name = {seg.ptr, eq != NULL ? (size_t)(eq - seg.ptr) : seg.len};
        struct str value = eq != NULL ? (struct str){eq + 1, seg.len - name.len - 1} : STR_NULL;
        int rc = decode_text(a, name, &items[n].name);
        if (rc != 0)
            return rc;
        rc = decode_text(a, value, &items[n].value);
        if (rc != 0)
            return rc;
        n++;
    }
    out->items = items;
    out->n = n;
    return 0;
}
