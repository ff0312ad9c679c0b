/* Bump allocation over a chain of blocks; large requests get a block of their own so
 * the common small allocation stays a pointer increment. */
#include "base/arena.h"

#include "base/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct block {
    struct block *next;
    size_t size;
    size_t used;
    /* Data follows, aligned by the header's own size being a multiple of 16. */
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
    struct block *head;
    size_t block_size; /* the next block's size: doubles as the arena grows */
    size_t used;
};

#define ARENA_MAX_BLOCK (1024 * 1024)

static struct block *block_new(size_t size)
{
    struct block *b = xmalloc(sizeof(*b) + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

struct arena *arena_new(size_t block_size)
{
    struct arena *a = xmalloc(sizeof(*a));
    a->block_size = block_size < 256 ? 256 : block_size;
    a->head = block_new(a->block_size);
    a->used = 0;
    return a;
}

void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    struct block *b = a->head;
    while (b != NULL) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n) {
        fprintf(stderr, "stet: arena allocation of %zu bytes overflows\n", n);
        abort();
    }
    struct block *b = a->head;
    if (b->size - b->used < need) {
        if (need > a->block_size / 2) {
            /* A big allocation gets its own block behind the head, so the head's
             * remaining space stays usable for small ones. */
            struct block *big = block_new(need);
            big->used = need;
            big->next = b->next;
            b->next = big;
            a->used += need;
            return big->data;
        }
        /* Growing geometrically keeps a small first block cheap for requests that
         * need little (an idle stream keeps its request's arena) without making a
         * big page pay for many small blocks. */
        if (a->block_size < ARENA_MAX_BLOCK)
            a->block_size *= 2;
        b = block_new(a->block_size);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += need;
    return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (len > 0)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    /* Most strings fit in what is left of the current block: format straight into
     * it and format a second time only when it did not fit (printf was a fifth of
     * a cached page's cost when every call measured first). Allocations start
     * 16-byte aligned, so the free space does too. */
    struct block *b = a->head;
    size_t room = b->size - b->used;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf((char *)b->data + b->used, room, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    if ((size_t)n < room) {
        char *p = (char *)b->data + b->used;
        size_t need = ((size_t)n + 1 + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
        if (need > room)
            need = room;
        b->used += need;
        a->used += need;
        return p;
    }
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_used(const struct arena *a)
{
    return a->used;
}
