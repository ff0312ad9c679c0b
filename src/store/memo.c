/* The pool's memo of reads. Each entry is one heap block: the key, then the object
 * (or a list's objects) with its string fields turned into offsets, then the strings; a hit copies
 * the block into the request's arena with one memcpy and turns the offsets back into pointers. */
#include "store/memo.h"

#include "base/hash.h"
#include "base/xalloc.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The object starts at a multiple of this in a block (and in the arena copy). */
#define MEMO_ALIGN 16
/* How many string fields a struct memo_type can name. */
#define MEMO_MAX_STRINGS (sizeof(((struct memo_type *)0)->string_offsets) / sizeof(size_t))
/* memo_new rounds up to a power of two; past this the doubling would overflow. */
#define MEMO_MAX_SLOTS ((SIZE_MAX >> 1) + 1)

struct memo_slot {
    uint64_t gen;
    int64_t tag;
    size_t key_len;
    size_t obj_at; /* offset of the object in `block` */
    size_t len;    /* bytes of block from obj_at on */
    size_t n;      /* objects at obj_at */
    char *block;   /* NULL: empty */
};

struct memo {
    pthread_mutex_t mu;
    size_t mask;
    struct memo_slot *slots;
};

struct memo *memo_new(size_t n_slots)
{
    assert(n_slots <= MEMO_MAX_SLOTS);
    size_t n = 1;
    while (n < n_slots)
        n <<= 1;
    struct memo *m = xcalloc(1, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
    m->mask = n - 1;
    m->slots = xcalloc(n, sizeof(*m->slots));
    return m;
}

void memo_free(struct memo *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i <= m->mask; i++)
        free(m->slots[i].block);
    free(m->slots);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static size_t slot_of(const struct memo *m, const char *key, size_t len)
{
    uint64_t h = hash_bytes(HASH_INIT, key, len);
    return (size_t)(h ^ (h >> 32)) & m->mask;
}

static size_t align_up(size_t n)
{
    return (n + MEMO_ALIGN - 1) & ~(size_t)(MEMO_ALIGN - 1);
}

static const char *string_get(const void *obj, const struct memo_type *t, size_t i)
{
    const char *str;
    memcpy(&str, (const char *)obj + t->string_offsets[i], sizeof(str));
    return str;
}

static void string_set(void *obj, const struct memo_type *t, size_t i, const char *str)
{
    memcpy((char *)obj + t->string_offsets[i], &str, sizeof(str));
}

/* A type's string fields must be whole pointers inside the object, or the copy would
 * read and write past it; at most MEMO_MAX_STRINGS of them, or `lens` overflows. */
static bool type_ok(const struct memo_type *t)
{
    if (t->n_strings > MEMO_MAX_STRINGS)
        return false;
    for (size_t i = 0; i < t->n_strings; i++)
        if (t->size < sizeof(const char *) || t->string_offsets[i] > t->size - sizeof(const char *))
            return false;
    return true;
}

/* The entry for (key, gen, tag) copied into `a`, its string fields made pointers
 * again: *objs holds *n objects (NULL when none). False when there is no entry. */
static bool get_copy(struct memo *m, const struct memo_type *t, const char *key, size_t key_len,
                     uint64_t gen, int64_t tag, struct arena *a, void **objs, size_t *n)
{
    assert(type_ok(t));
    struct memo_slot *s = &m->slots[slot_of(m, key, key_len)];
    char *copy = NULL;
    size_t len = 0;
    bool hit = false;
    pthread_mutex_lock(&m->mu);
    if (s->block != NULL && s->gen == gen && s->tag == tag && s->key_len == key_len &&
        memcmp(s->block, key, key_len) == 0) {
        hit = true;
        len = s->len;
        *n = s->n;
        if (len > 0) {
            copy = arena_alloc(a, len);
            memcpy(copy, s->block + s->obj_at, len);
        }
    }
    pthread_mutex_unlock(&m->mu);
    if (!hit)
        return false;
    /* One memo holds one type: an entry put with a smaller one would be read past. */
    size_t strings_at = align_up(*n * t->size);
    assert(len >= strings_at);
    /* A string field holds its offset from the first object plus one; 0 stands for
     * NULL. */
    for (size_t k = 0; k < *n; k++) {
        char *obj = copy + k * t->size;
        for (size_t i = 0; i < t->n_strings; i++) {
            uintptr_t off = (uintptr_t)string_get(obj, t, i);
            assert(off == 0 || (off > strings_at && off <= len)); /* after the objects */
            string_set(obj, t, i, off == 0 ? NULL : copy + (off - 1));
        }
    }
    *objs = *n > 0 ? copy : NULL;
    return true;
}

bool memo_get(struct memo *m, const struct memo_type *t, const char *key, size_t key_len,
              uint64_t gen, int64_t tag, struct arena *a, void *out)
{
    void *objs;
    size_t n = 0;
    if (!get_copy(m, t, key, key_len, gen, tag, a, &objs, &n) || n != 1)
        return false;
    memcpy(out, objs, t->size);
    return true;
}

bool memo_get_list(struct memo *m, const struct memo_type *t, const char *key, size_t key_len,
                   uint64_t gen, int64_t tag, struct arena *a, void **out, size_t *n)
{
    return get_copy(m, t, key, key_len, gen, tag, a, out, n);
}

void memo_put(struct memo *m, const struct memo_type *t, const char *key, size_t key_len,
              uint64_t gen, int64_t tag, const void *obj)
{
    memo_put_list(m, t, key, key_len, gen, tag, obj, 1);
}

void memo_put_list(struct memo *m, const struct memo_type *t, const char *key, size_t key_len,
                   uint64_t gen, int64_t tag, const void *objs, size_t n)
{
    assert(type_ok(t));
    if (key_len > MEMO_KEY_MAX || n > MEMO_LIST_MAX)
        return;
    size_t obj_at = align_up(key_len), strings_at = align_up(n * t->size), len = strings_at;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < t->n_strings; i++) {
            const char *str = string_get((const char *)objs + k * t->size, t, i);
            len += str != NULL ? strlen(str) + 1 : 0;
        }
    }
    char *block = xmalloc(obj_at + len + 1);
    memcpy(block, key, key_len);
    char *copy = block + obj_at;
    if (n > 0)
        memcpy(copy, objs, n * t->size);
    memset(copy + n * t->size, 0, strings_at - n * t->size);
    size_t at = strings_at;
    for (size_t k = 0; k < n; k++) {
        char *obj = copy + k * t->size;
        for (size_t i = 0; i < t->n_strings; i++) {
            const char *str = string_get(obj, t, i);
            if (str == NULL)
                continue; /* and the copied field already says so */
            size_t l = strlen(str) + 1;
            memcpy(copy + at, str, l);
            string_set(obj, t, i, (const char *)(uintptr_t)(at + 1));
            at += l;
        }
    }
    /* The strings filled exactly `len` bytes, which get_copy copies: nothing unwritten. */
    assert(at == len);

    struct memo_slot *s = &m->slots[slot_of(m, key, key_len)];
    pthread_mutex_lock(&m->mu);
    char *old = s->block;
    *s = (struct memo_slot){gen, tag, key_len, obj_at, len, n, block};
    pthread_mutex_unlock(&m->mu);
    free(old);
}
