/* Digits are produced backwards into a small scratch array, then appended. */
#include "base/fmt.h"

#include <string.h>

void fmt_bytes(struct fmt *f, const char *s, size_t len)
{
    size_t room = f->cap - 1 - f->len;
    if (len > room)
        len = room;
    memcpy(f->p + f->len, s, len);
    f->len += len;
    f->p[f->len] = '\0';
}

void fmt_escaped(struct fmt *f, const char *s, size_t len)
{
    static const char xdigits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            fmt_char(f, (char)c);
            continue;
        }
        char esc[4] = {'\\', 'x', xdigits[c >> 4], xdigits[c & 15]};
        fmt_bytes(f, esc, sizeof(esc));
    }
}

void fmt_cstr(struct fmt *f, const char *s)
{
    fmt_bytes(f, s, strlen(s));
}

void fmt_char(struct fmt *f, char c)
{
    fmt_bytes(f, &c, 1);
}

static void digits(struct fmt *f, uint64_t v, unsigned base, int width)
{
    static const char xdigits[] = "0123456789abcdef";
    char tmp[64];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = xdigits[v % base];
        v /= base;
    } while (v != 0);
    while (sizeof(tmp) - i < (size_t)width && i > 0)
        tmp[--i] = '0';
    fmt_bytes(f, tmp + i, sizeof(tmp) - i);
}

void fmt_u64(struct fmt *f, uint64_t v)
{
    digits(f, v, 10, 1);
}

void fmt_i64(struct fmt *f, int64_t v)
{
    if (v < 0) {
        fmt_char(f, '-');
        digits(f, -(uint64_t)v, 10, 1); /* INT64_MIN included */
        return;
    }
    digits(f, (uint64_t)v, 10, 1);
}

void fmt_hex(struct fmt *f, uint64_t v, int width)
{
    digits(f, v, 16, width);
}

void fmt_milli(struct fmt *f, int64_t v)
{
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    if (v < 0)
        fmt_char(f, '-');
    digits(f, u / 1000, 10, 1);
    fmt_char(f, '.');
    digits(f, u % 1000, 10, 3);
}
