/* A hash table of rendered pages with a byte budget and first-in-first-out
 * eviction. Entries are reference-counted: the table holds one reference and each
 * response sent from an entry holds another, so replacing or evicting a page never
 * pulls bytes from under a response still being written to a socket. */
#include "web/page_cache.h"

#include "base/clock.h"
#include "base/hash.h"
#include "base/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_CACHE_BUCKETS 4096

struct entry {
    unsigned refs; /* the table's (while linked) plus one per holder; atomic */
    char key[PAGE_CACHE_KEY_MAX];
    uint64_t version;
    uint64_t ticket; /* page_cache_ticket when its render began */
    char *body;
    size_t len;
    char *gz; /* NULL: not compressed */
    size_t gz_len;
    struct deflated_part deflated;        /* .data NULL: none */
    struct http_prepared *sent, *sent_gz; /* NULL: stored without headers */
    struct entry *hash_next;
    struct entry *older, *newer; /* insertion order, for eviction */
};

struct page_cache {
    pthread_rwlock_t lock;
    struct entry *buckets[PAGE_CACHE_BUCKETS];
    struct entry *oldest, *newest;
    size_t bytes, max_bytes;
};

static struct entry **bucket(struct page_cache *pc, const char *key)
{
    uint64_t h = hash_bytes(HASH_INIT, key, strlen(key));
    return &pc->buckets[h % PAGE_CACHE_BUCKETS];
}

struct page_cache *page_cache_new(size_t max_bytes)
{
    struct page_cache *pc = xcalloc(1, sizeof(*pc));
    pthread_rwlock_init(&pc->lock, NULL);
    pc->max_bytes = max_bytes;
    return pc;
}

static void entry_free(struct entry *e)
{
    /* Requests still sending hold the entry, so by now nobody sends from these. */
    http_prepared_free(e->sent);
    http_prepared_free(e->sent_gz);
    free(e->body);
    free(e->gz);
    free(e->deflated.data);
    free(e);
}

static void entry_unref(struct entry *e)
{
    if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
        entry_free(e);
}

void page_ref_release(struct page_ref *ref)
{
    entry_unref((struct entry *)ref);
}

struct http_prepared *page_ref_prepared(struct page_ref *ref, bool is_gzip)
{
    struct entry *e = (struct entry *)ref;
    return is_gzip ? e->sent_gz : e->sent;
}

const struct deflated_part *page_ref_deflated(struct page_ref *ref)
{
    struct entry *e = (struct entry *)ref;
    return e->deflated.data != NULL ? &e->deflated : NULL;
}

void page_cache_free(struct page_cache *pc)
{
    if (pc == NULL)
        return;
    struct entry *e = pc->oldest;
    while (e != NULL) {
        struct entry *next = e->newer;
        entry_unref(e);
        e = next;
    }
    pthread_rwlock_destroy(&pc->lock);
    free(pc);
}

static struct entry *find(struct page_cache *pc, const char *key)
{
    for (struct entry *e = *bucket(pc, key); e != NULL; e = e->hash_next)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

struct page_ref *page_cache_get(struct page_cache *pc, const char *key, uint64_t version, bool gzip,
                                const char **body, size_t *len, bool *is_gzip)
{
    pthread_rwlock_rdlock(&pc->lock);
    struct entry *e = find(pc, key);
    if (e != NULL && e->version == version) {
        __atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
        *is_gzip = gzip && e->gz != NULL;
        *body = *is_gzip ? e->gz : e->body;
        *len = *is_gzip ? e->gz_len : e->len;
    } else {
        e = NULL;
    }
    pthread_rwlock_unlock(&pc->lock);
    return (struct page_ref *)e;
}

static size_t entry_bytes(const struct entry *e)
{
    return e->len + e->gz_len + e->deflated.len;
}

static void unlink_entry(struct page_cache *pc, struct entry *e)
{
    struct entry **p = bucket(pc, e->key);
    while (*p != e)
        p = &(*p)->hash_next;
    *p = e->hash_next;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        pc->oldest = e->newer;
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        pc->newest = e->older;
    pc->bytes -= entry_bytes(e);
}

#define PAGE_MAX_HEADERS 12

/* The monotonic clock, rather than a shared counter: every page view takes a
 * ticket, and a counter written by every I/O thread would bounce between CPUs. */
uint64_t page_cache_ticket(struct page_cache *pc)
{
    (void)pc;
    return (uint64_t)clock_mono_ns();
}

void page_cache_put(struct page_cache *pc, const char *key, uint64_t version, uint64_t ticket,
                    const char *body, size_t len, enum page_compression compress,
                    const char *content_type, const struct kv *headers, size_t n_headers)
{
    if (strlen(key) >= PAGE_CACHE_KEY_MAX || len + len / 2 > pc->max_bytes)
        return;
    /* Build the entry, compression included, before taking the lock. */
    struct entry *e = xcalloc(1, sizeof(*e));
    e->refs = 1;
    memcpy(e->key, key, strlen(key) + 1);
    e->version = version;
    e->ticket = ticket;
    /* NUL-terminated: a fragment is rendered into pages as a C string. */
    e->body = xmalloc(len + 1);
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    e->len = len;
    if (compress == PAGE_GZIP)
        e->gz = gzip_whole(body, len, &e->gz_len);
    else if (compress == PAGE_DEFLATE && !deflate_part(body, len, &e->deflated))
        e->deflated.data = NULL; /* served plain only */
    if (content_type != NULL && n_headers < PAGE_MAX_HEADERS) {
        e->sent = http_prepared_new(200, content_type, e->body, e->len, headers, n_headers);
        if (e->gz != NULL) {
            struct kv with_encoding[PAGE_MAX_HEADERS];
            memcpy(with_encoding, headers, n_headers * sizeof(*headers));
            with_encoding[n_headers] = (struct kv){STR_LIT("Content-Encoding"), STR_LIT("gzip")};
            e->sent_gz = http_prepared_new(200, content_type, e->gz, e->gz_len, with_encoding,
                                           n_headers + 1);
        }
    }

    pthread_rwlock_wrlock(&pc->lock);
    struct entry *old = find(pc, key);
    if (old != NULL && old->ticket > ticket) {
        pthread_rwlock_unlock(&pc->lock);
        entry_unref(e);
        return;
    }
    if (old != NULL) {
        unlink_entry(pc, old);
        entry_unref(old);
    }
    while (pc->oldest != NULL && pc->bytes + entry_bytes(e) > pc->max_bytes) {
        struct entry *victim = pc->oldest;
        unlink_entry(pc, victim);
        entry_unref(victim);
    }
    struct entry **b = bucket(pc, key);
    e->hash_next = *b;
    *b = e;
    e->older = pc->newest;
    if (pc->newest != NULL)
        pc->newest->newer = e;
    else
        pc->oldest = e;
    pc->newest = e;
    pc->bytes += entry_bytes(e);
    pthread_rwlock_unlock(&pc->lock);
}
