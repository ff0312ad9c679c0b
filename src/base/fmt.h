/* Formatting without printf, for the paths every request takes (the access log, the
 * request id, a cached page's ETag): appends into a caller's fixed buffer, cut short
 * at its end and always NUL-terminated. */
#ifndef STET_BASE_FMT_H
#define STET_BASE_FMT_H

#include <stddef.h>
#include <stdint.h>

struct fmt {
    char *p;
    size_t len; /* bytes written, excluding the NUL */
    size_t cap; /* size of p, NUL included; at least 1 */
};

/* Over an array (not a pointer): FMT_ON(line). */
#define FMT_ON(array) ((struct fmt){(array), 0, sizeof(array)})

void fmt_bytes(struct fmt *f, const char *s, size_t len);
void fmt_cstr(struct fmt *f, const char *s);
/* Like fmt_bytes, for text a client chose (a path, a method): printable ASCII as it
 * is, every other byte and the backslash as \xNN, so no byte a client sends can
 * start a forged log line or drive a terminal. */
void fmt_escaped(struct fmt *f, const char *s, size_t len);
void fmt_char(struct fmt *f, char c);
void fmt_u64(struct fmt *f, uint64_t v);
void fmt_i64(struct fmt *f, int64_t v);
/* Lowercase hex, zero-padded to at least `width` digits. */
void fmt_hex(struct fmt *f, uint64_t v, int width);
/* v / 1000 with three decimals ("1.005" for 1005, "-0.250" for -250). */
void fmt_milli(struct fmt *f, int64_t v);

#endif
