/* Rendered pages kept in memory until something they show changes. An entry is
 * found by key ("a:SLUG" for a whole anonymous story page) and is valid only for
 * the version it was rendered at: the caller derives the version from what the
 * page shows (the story's event number and state, the weather...), so a change
 * anywhere — this node, another node, the command line — is seen at the next
 * request, with no time-based guessing. A gzip copy is made once per entry. */
#ifndef STET_WEB_PAGE_CACHE_H
#define STET_WEB_PAGE_CACHE_H

#include "base/arena.h"
#include "http/prepared.h"
#include "web/gzip_parts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_CACHE_MAX_BYTES (64u * 1024 * 1024)
#define PAGE_CACHE_KEY_MAX   128

struct page_cache;

struct page_cache *page_cache_new(size_t max_bytes);
void page_cache_free(struct page_cache *pc);

/* A held entry: its bytes stay valid until page_ref_release, even if the entry is
 * replaced or evicted meanwhile (a response can be sent straight from it). */
struct page_ref;

/* On a hit, *body and *len give the entry's bytes — the gzip copy when `gzip` and
 * one exists (*is_gzip says which), else the plain ones, NUL-terminated — and the
 * returned reference must be released. NULL when there is no entry for `key` at
 * `version`. Thread-safe. */
struct page_ref *page_cache_get(struct page_cache *pc, const char *key, uint64_t version, bool gzip,
                                const char **body, size_t *len, bool *is_gzip);
void page_ref_release(struct page_ref *ref);
/* The prepared response of a held entry for the variant page_cache_get chose, or
 * NULL when the entry was stored without headers. Valid while the reference is. */
struct http_prepared *page_ref_prepared(struct page_ref *ref, bool is_gzip);

/* The compressed copy an entry keeps besides its bytes. */
enum page_compression {
    PAGE_PLAIN,   /* none */
    PAGE_GZIP,    /* a whole page: a gzip copy, sent as it is */
    PAGE_DEFLATE, /* a fragment: deflate blocks, framed per request (gzip_around) */
};

/* A number that never decreases between calls: taken by a render before it reads
 * what the page shows, it orders renders by how new their data can be. */
uint64_t page_cache_ticket(struct page_cache *pc);

/* Stores a copy of `body` for `key` at `version`, rendered under `ticket`, with
 * the compressed copy `compress` asks for. It replaces the entry for `key` unless
 * that one was rendered under a later ticket (a render that began later read data
 * at least as new: a slow render of an older version must not push out a newer
 * page). With a content type, the entry also gets prepared responses (status 200,
 * `headers`, and Content-Encoding for the gzip copy) that requests can send as they
 * are. Oldest entries are dropped past the byte budget. */
void page_cache_put(struct page_cache *pc, const char *key, uint64_t version, uint64_t ticket,
                    const char *body, size_t len, enum page_compression compress,
                    const char *content_type, const struct kv *headers, size_t n_headers);
/* A held fragment's deflate blocks (PAGE_DEFLATE), or NULL. Valid while the
 * reference is. */
const struct deflated_part *page_ref_deflated(struct page_ref *ref);

#endif
