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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions_and_refs),
        cmocka_unit_test(older_render_never_replaces_newer),
        cmocka_unit_test(budget_evicts_oldest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
