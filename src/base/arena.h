/* A region allocator: many allocations, one free. Each request owns one arena; the
 * parsed input, domain objects and rendered output of that request live in it and
 * die together when the request completes. Never freed piecemeal. */
#ifndef STET_BASE_ARENA_H
#define STET_BASE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* A new arena whose first block holds `block_size` bytes; free with arena_free. */
struct arena *arena_new(size_t block_size);
/* Releases every block; arena_free(NULL) is a no-op. */
void arena_free(struct arena *a);

/* `n` bytes aligned for any type; never NULL (aborts on exhaustion). */
void *arena_alloc(struct arena *a, size_t n);
/* Like arena_alloc, zero-filled. */
void *arena_zalloc(struct arena *a, size_t n);
/* Arena copies of strings, always NUL-terminated. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t len);
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Total bytes handed out so far (for the per-request limit and metrics). */
size_t arena_used(const struct arena *a);

#define ARENA_NEW(a, type)          ((type *)arena_zalloc((a), sizeof(type)))
#define ARENA_NEW_ARRAY(a, type, n) ((type *)arena_zalloc((a), sizeof(type) * (n)))

#endif
