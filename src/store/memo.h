/* A bounded, thread-safe memo of database reads for the connection pool: a key maps
 * to a private copy of the object read, tagged with the pool's data generation at
 * the time of the read. A lookup hits only at the same generation, and the pool
 * moves the generation whenever the database may have changed, so a hit always
 * equals what the database would answer (store_ops.data_changed). Internal to
 * store/. */
#ifndef STET_STORE_MEMO_H
#define STET_STORE_MEMO_H

#include "base/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMO_KEY_MAX 128
/* The most objects one list entry holds (memo_put_list). */
#define MEMO_LIST_MAX 1024

/* How to copy one kind of object: its size and where its string fields are
 * (offsetof of each `const char *`; a field may be NULL). */
struct memo_type {
    size_t size;
    size_t n_strings;
    size_t string_offsets[8];
};

struct memo;

/* `n_slots` is rounded up to a power of two. Each key has one slot (direct-mapped):
 * a newer entry replaces whatever held its slot, which bounds memory at n_slots
 * objects without any bookkeeping. */
struct memo *memo_new(size_t n_slots);
void memo_free(struct memo *m);

/* Copies the object stored for (key, gen, tag) into *out, its strings into `a`.
 * False when there is none (never stored, replaced, or another gen or tag). */
bool memo_get(struct memo *m, const struct memo_type *t, const char *key, size_t key_len,
              uint64_t gen, int64_t tag, struct arena *a, void *out);
/* Stores a private copy of `obj` (strings included) for (key, gen, tag). Keys over
 * MEMO_KEY_MAX bytes are not stored. */
void memo_put(struct memo *m, const struct memo_type *t, const char *key, size_t key_len,
              uint64_t gen, int64_t tag, const void *obj);

/* The same for a list of `n` objects of type `t` (an array), stored as one entry:
 * a read whose whole answer is several rows, the empty answer included. Lists over
 * MEMO_LIST_MAX objects are not stored. A hit copies them into `a`: *out (NULL
 * when n is 0) and *n. A memo holds either single objects or lists of one type. */
bool memo_get_list(struct memo *m, const struct memo_type *t, const char *key, size_t key_len,
                   uint64_t gen, int64_t tag, struct arena *a, void **out, size_t *n);
void memo_put_list(struct memo *m, const struct memo_type *t, const char *key, size_t key_len,
                   uint64_t gen, int64_t tag, const void *objs, size_t n);

#endif
