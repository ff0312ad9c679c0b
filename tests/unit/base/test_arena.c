/* Unit tests for base/arena: bump allocation across blocks, big allocations,
 * 16-byte alignment, zeroing, string copies and printf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"

#include <string.h>

static void test_many_small(void **state)
{
    (void)state;
    struct arena *a = arena_new(1024);
    unsigned char *ptrs[2000];
    for (size_t i = 0; i < 2000; i++) {
        ptrs[i] = arena_alloc(a, 24);
        memset(ptrs[i], (int)(i & 0xff), 24);
    }
    /* Every block's contents survive later allocations: nothing overlaps. */
    for (size_t i = 0; i < 2000; i++)
        for (size_t k = 0; k < 24; k++)
            assert_int_equal(ptrs[i][k], (unsigned char)(i & 0xff));
    assert_true(arena_used(a) >= 2000 * 24);
    arena_free(a);
}

static void test_big(void **state)
{
    (void)state;
    struct arena *a = arena_new(256);
    char *small1 = arena_strdup(a, "before");
    size_t big_n = 1024 * 1024;
    unsigned char *big = arena_alloc(a, big_n);
    memset(big, 0xab, big_n);
    char *small2 = arena_strdup(a, "after");
    assert_string_equal(small1, "before");
    assert_string_equal(small2, "after");
    assert_int_equal(big[0], 0xab);
    assert_int_equal(big[big_n - 1], 0xab);
    assert_true(arena_used(a) >= big_n);
    /* Several big ones in a row, interleaved with small ones. */
    for (int i = 0; i < 8; i++) {
        unsigned char *p = arena_alloc(a, 4096 + (size_t)i);
        memset(p, i, 4096 + (size_t)i);
        assert_non_null(arena_alloc(a, 3));
    }
    arena_free(a);
}

static void test_sizes_around_block(void **state)
{
    (void)state;
    /* Sizes from tiny to several blocks, each filled with its own byte and checked at
     * the end, so an allocation placed in a block too small for it shows up. */
    struct arena *a = arena_new(512);
    enum { N = 200 };
    unsigned char *ptrs[N];
    size_t sizes[N];
    for (size_t i = 0; i < N; i++) {
        sizes[i] = (i * 37) % 1800 + 1;
        ptrs[i] = arena_alloc(a, sizes[i]);
        memset(ptrs[i], (int)(i % 251), sizes[i]);
    }
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(ptrs[i][0], i % 251);
        assert_int_equal(ptrs[i][sizes[i] - 1], i % 251);
        for (size_t k = 0; k < sizes[i]; k += 64)
            assert_int_equal(ptrs[i][k], i % 251);
    }
    arena_free(a);
}

static void test_alignment(void **state)
{
    (void)state;
    struct arena *a = arena_new(300);
    for (size_t n = 0; n < 600; n++) {
        void *p = arena_alloc(a, n % 37 + (n % 50 == 0 ? 500 : 0));
        assert_int_equal((uintptr_t)p % 16, 0);
    }
    arena_free(a);
}

static void test_zalloc(void **state)
{
    (void)state;
    struct arena *a = arena_new(512);
    /* Dirty the first block, then start a fresh one and check zeroing there too. */
    for (int i = 0; i < 64; i++)
        memset(arena_alloc(a, 64), 0xff, 64);
    struct pair {
        int x;
        char *s;
        double d;
    } *p = ARENA_NEW(a, struct pair);
    assert_int_equal(p->x, 0);
    assert_null(p->s);
    int *arr = ARENA_NEW_ARRAY(a, int, 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(arr[i], 0);
    arena_free(a);
}

static void test_strings(void **state)
{
    (void)state;
    struct arena *a = arena_new(256);
    char *s = arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(arena_strndup(a, "", 0), "");
    assert_string_equal(arena_strndup(a, "xyz", 0), "");
    /* strndup copies exactly len bytes, even past a NUL in the source. */
    char *z = arena_strndup(a, "a\0b", 3);
    assert_int_equal(z[0], 'a');
    assert_int_equal(z[1], '\0');
    assert_int_equal(z[2], 'b');
    assert_int_equal(z[3], '\0');
    assert_string_equal(arena_strdup(a, "dup"), "dup");
    assert_string_equal(arena_printf(a, "%s-%d-%05.1f", "x", 42, 3.14159), "x-42-003.1");
    assert_string_equal(arena_printf(a, "%s", ""), "");
    char long_src[3000];
    memset(long_src, 'q', sizeof(long_src) - 1);
    long_src[sizeof(long_src) - 1] = '\0';
    char *lp = arena_printf(a, "<%s>", long_src);
    assert_int_equal(strlen(lp), sizeof(long_src) + 1);
    assert_int_equal(lp[0], '<');
    assert_int_equal(lp[sizeof(long_src)], '>');
    arena_free(a);
}

static void test_free_null(void **state)
{
    (void)state;
    arena_free(NULL);
    struct arena *a = arena_new(0); /* a tiny size is rounded up, still works */
    assert_int_equal(arena_used(a), 0);
    assert_non_null(arena_alloc(a, 1000));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_small),
        cmocka_unit_test(test_big),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_zalloc),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_sizes_around_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
