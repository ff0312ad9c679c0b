/* The page cache on its own: an entry answers only its own version, a held entry
 * keeps its bytes when replaced, a render that began earlier never replaces the
 * entry of one that began later (whatever order they finish in), and the byte
 * budget evicts the oldest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "web/page_cache.h"

#include <string.h>

/* The body cached for (key, version), or NULL; releases the entry. */
static const char *get(struct page_cache *pc, const char *key, uint64_t version, char *buf)
{
    const char *body;
    size_t len;
    bool gz;
    struct page_ref *ref = page_cache_get(pc, key, version, false, &body, &len, &gz);
    if (ref == NULL)
        return NULL;
    memcpy(buf, body, len + 1);
    page_ref_release(ref);
    return buf;
}

static void put(struct page_cache *pc, const char *key, uint64_t version, uint64_t ticket,
                const char *body)
{
    page_cache_put(pc, key, version, ticket, body, strlen(body), PAGE_PLAIN, NULL, NULL, 0);
}

static void versions_and_refs(void **state)
{
    (void)state;
    struct page_cache *pc = page_cache_new(1 << 20);
    char buf[64];
    put(pc, "a:x", 1, page_cache_ticket(pc), "one");
    assert_string_equal(get(pc, "a:x", 1, buf), "one");
    assert_null(get(pc, "a:x", 2, buf));
    assert_null(get(pc, "a:y", 1, buf));

    /* A held entry keeps its bytes through a replacement. */
    const char *body;
    size_t len;
    bool gz;
    struct page_ref *held = page_cache_get(pc, "a:x", 1, false, &body, &len, &gz);
    assert_non_null(held);
    put(pc, "a:x", 2, page_cache_ticket(pc), "two");
    assert_string_equal(body, "one");
    page_ref_release(held);
    assert_string_equal(get(pc, "a:x", 2, buf), "two");
    assert_null(get(pc, "a:x", 1, buf));
    page_cache_free(pc);
}

static void older_render_never_replaces_newer(void **state)
{
    (void)state;
    struct page_cache *pc = page_cache_new(1 << 20);
    char buf[64];
    /* Render A begins (reads version 1), render B begins later (reads version 2)
     * and finishes first; A finishes last. */
    uint64_t a = page_cache_ticket(pc), b = page_cache_ticket(pc);
    assert_true(b >= a);
    b = a + 1; /* B began strictly later */
    put(pc, "a:x", 2, b, "newer");
    put(pc, "a:x", 1, a, "older");
    assert_string_equal(get(pc, "a:x", 2, buf), "newer");
    assert_null(get(pc, "a:x", 1, buf));
    /* A later render replaces it. */
    put(pc, "a:x", 3, page_cache_ticket(pc), "latest");
    assert_string_equal(get(pc, "a:x", 3, buf), "latest");
    page_cache_free(pc);
}

static void budget_evicts_oldest(void **state)
{
    (void)state;
    char page[400];
    memset(page, 'p', sizeof(page) - 1);
    page[sizeof(page) - 1] = '\0';
    struct page_cache *pc = page_cache_new(1000);
    char buf[512];
    put(pc, "a:1", 1, page_cache_ticket(pc), page);
    put(pc, "a:2", 1, page_cache_ticket(pc), page);
    put(pc, "a:3", 1, page_cache_ticket(pc), page);
    assert_null(get(pc, "a:1", 1, buf));
    assert_non_null(get(pc, "a:2", 1, buf));
    assert_non_null(get(pc, "a:3", 1, buf));
    /* Too large for the budget: not stored at all. */
    char big[900];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    put(pc, "a:big", 1, page_cache_ticket(pc), big);
    assert_null(get(pc, "a:big", 1, buf));
    page_cache_free(pc);
}

/* A response still sending from an evicted page keeps its bytes; the table no
 * longer answers for it. (Run under ASan, a freed body is a hard failure.) */
static void held_entry_outlives_eviction(void **state)
{
    (void)state;
    char page[400];
    memset(page, 'p', sizeof(page) - 1);
    page[sizeof(page) - 1] = '\0';
    struct page_cache *pc = page_cache_new(1000);
    char buf[512];
    put(pc, "a:1", 1, 1, "first page");
    const char *body;
    size_t len;
    bool gz;
    struct page_ref *held = page_cache_get(pc, "a:1", 1, false, &body, &len, &gz);
    assert_non_null(held);
    put(pc, "a:2", 1, 2, page);
    put(pc, "a:3", 1, 3, page);
    put(pc, "a:4", 1, 4, page);
    assert_null(get(pc, "a:1", 1, buf));
    assert_int_equal(len, strlen("first page"));
    assert_memory_equal(body, "first page", len + 1);
    page_ref_release(held);
    page_cache_free(pc);
}

/* The budget is inclusive, eviction follows insertion (a read does not save a
 * page), and a replaced page counts as new. */
static void eviction_at_the_limit(void **state)
{
    (void)state;
    char page[501];
    memset(page, 'p', sizeof(page) - 1);
    page[sizeof(page) - 1] = '\0';
    char buf[1024];
    struct page_cache *pc = page_cache_new(1000);
    put(pc, "a:1", 1, 1, page);
    put(pc, "a:2", 1, 2, page);
    /* 500 + 500 bytes: exactly the budget, both kept. */
    assert_non_null(get(pc, "a:1", 1, buf));
    assert_non_null(get(pc, "a:2", 1, buf));
    /* a:1 was read just now, yet it is the oldest insertion: it goes. */
    put(pc, "a:3", 1, 3, page);
    assert_null(get(pc, "a:1", 1, buf));
    assert_non_null(get(pc, "a:2", 1, buf));
    /* Replacing a:2 makes it the newest: a:3 goes next, not a:2. */
    put(pc, "a:2", 2, 4, page);
    put(pc, "a:4", 1, 5, page);
    assert_null(get(pc, "a:3", 1, buf));
    assert_non_null(get(pc, "a:2", 2, buf));
    assert_non_null(get(pc, "a:4", 1, buf));
    /* A body whose copies could not fit (1.5 times its size past the budget) and a
     * key past PAGE_CACHE_KEY_MAX are not stored, and push nothing out. */
    char big[669];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    put(pc, "a:big", 1, 6, big);
    assert_null(get(pc, "a:big", 1, buf));
    char key[PAGE_CACHE_KEY_MAX + 1];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    put(pc, key, 1, 7, "x");
    assert_null(get(pc, key, 1, buf));
    assert_non_null(get(pc, "a:2", 2, buf));
    assert_non_null(get(pc, "a:4", 1, buf));
    page_cache_free(pc);
}

/* Two renders that began at the same tick read the same data: the later put wins,
 * so a page is never stuck behind one of equal age. */
static void equal_tickets_replace(void **state)
{
    (void)state;
    struct page_cache *pc = page_cache_new(1 << 20);
    char buf[64];
    put(pc, "a:x", 1, 10, "one");
    put(pc, "a:x", 2, 10, "two");
    assert_string_equal(get(pc, "a:x", 2, buf), "two");
    assert_null(get(pc, "a:x", 1, buf));
    page_cache_free(pc);
}

/* A whole page kept with its gzip copy answers each client with what it accepts,
 * and with headers the entry carries a prepared response for each variant. */
static void gzip_copy_and_prepared_responses(void **state)
{
    (void)state;
    struct page_cache *pc = page_cache_new(1 << 20);
    char html[600];
    memset(html, 'h', sizeof(html) - 1);
    html[sizeof(html) - 1] = '\0';
    const struct kv headers[] = {{STR_LIT("Cache-Control"), STR_LIT("no-cache")}};
    page_cache_put(pc, "a:z", 1, 1, html, sizeof(html) - 1, PAGE_GZIP, "text/html", headers, 1);
    const char *body;
    size_t len;
    bool gz;
    struct page_ref *ref = page_cache_get(pc, "a:z", 1, true, &body, &len, &gz);
    assert_non_null(ref);
    assert_true(gz);
    assert_true(len > 2 && (unsigned char)body[0] == 0x1f && (unsigned char)body[1] == 0x8b);
    assert_non_null(page_ref_prepared(ref, true));
    assert_non_null(page_ref_prepared(ref, false));
    assert_null(page_ref_deflated(ref));
    page_ref_release(ref);
    ref = page_cache_get(pc, "a:z", 1, false, &body, &len, &gz);
    assert_non_null(ref);
    assert_false(gz);
    assert_int_equal(len, sizeof(html) - 1);
    assert_string_equal(body, html);
    page_ref_release(ref);
    /* Without a content type: bytes only. */
    put(pc, "a:plain", 1, 2, "plain");
    ref = page_cache_get(pc, "a:plain", 1, true, &body, &len, &gz);
    assert_non_null(ref);
    assert_false(gz);
    assert_null(page_ref_prepared(ref, false));
    page_ref_release(ref);
    /* A fragment keeps deflate blocks instead, for framing per request. */
    page_cache_put(pc, "f:z", 1, 3, html, sizeof(html) - 1, PAGE_DEFLATE, NULL, NULL, 0);
    ref = page_cache_get(pc, "f:z", 1, true, &body, &len, &gz);
    assert_non_null(ref);
    assert_false(gz);
    assert_non_null(page_ref_deflated(ref));
    page_ref_release(ref);
    page_cache_free(pc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions_and_refs),
        cmocka_unit_test(older_render_never_replaces_newer),
        cmocka_unit_test(budget_evicts_oldest),
        cmocka_unit_test(held_entry_outlives_eviction),
        cmocka_unit_test(eviction_at_the_limit),
        cmocka_unit_test(equal_tickets_replace),
        cmocka_unit_test(gzip_copy_and_prepared_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
