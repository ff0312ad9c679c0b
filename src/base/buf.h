/* A growable byte buffer (string builder) on the heap. The owner calls buf_cleanup;
 * the contents stay NUL-terminated so `b.data` can be handed to C APIs. */
#ifndef STET_BASE_BUF_H
#define STET_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_init(struct buf *b);
void buf_cleanup(struct buf *b);
/* Empties the buffer, keeping its storage. */
void buf_reset(struct buf *b);
/* Cuts the contents back to their first `len` bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The contents as a C string ("" when empty); valid until the next append. */
const char *buf_cstr(const struct buf *b);
/* Moves the contents out; the caller frees the result and `b` is left empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
