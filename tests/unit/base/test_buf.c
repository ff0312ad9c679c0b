/* Unit tests for base/buf: growth, NUL termination, printf, steal and reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

static void test_empty(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(b.len, 0);
    buf_printf(&b, "%s", ""); /* an empty format result must not break anything */
    assert_string_equal(buf_cstr(&b), "");
    buf_cleanup(&b);
    buf_cleanup(&b); /* idempotent */
}

static void test_growth(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 10000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[10000], '\0');
    for (int i = 0; i < 10000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    /* One append larger than several doublings. */
    char big[100000];
    memset(big, 'z', sizeof(big));
    buf_append(&b, big, sizeof(big));
    assert_int_equal(b.len, 110000);
    assert_int_equal(strlen(buf_cstr(&b)), 110000);
    assert_int_equal(b.data[109999], 'z');
    buf_append(&b, "", 0);
    assert_int_equal(b.len, 110000);
    buf_cleanup(&b);
    assert_null(b.data);
}

static void test_binary(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b\0", 4);
    buf_cleanup(&b);
}

static void test_printf(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "x=");
    buf_printf(&b, "%d,%s,%zu", -3, "yz", (size_t)7);
    assert_string_equal(buf_cstr(&b), "x=-3,yz,7");
    char long_src[5000];
    memset(long_src, 'k', sizeof(long_src) - 1);
    long_src[sizeof(long_src) - 1] = '\0';
    buf_printf(&b, "[%s]", long_src);
    assert_int_equal(b.len, 9 + 2 + sizeof(long_src) - 1);
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(b.data[b.len], '\0');
    buf_cleanup(&b);
}

static void test_reset(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_reset(&b); /* on an empty buffer */
    buf_puts(&b, "hello");
    size_t cap = b.cap;
    char *data = b.data;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(b.cap, cap);
    assert_ptr_equal(b.data, data);
    buf_puts(&b, "again");
    assert_string_equal(buf_cstr(&b), "again");
    buf_cleanup(&b);
}

static void test_steal(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "owned");
    size_t len = 0;
    char *s = buf_steal(&b, &len);
    assert_string_equal(s, "owned");
    assert_int_equal(len, 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(s);

    /* Stealing from an empty buffer still yields a freeable "". */
    s = buf_steal(&b, NULL);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    buf_puts(&b, "reuse");
    assert_string_equal(buf_cstr(&b), "reuse");
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),  cmocka_unit_test(test_growth), cmocka_unit_test(test_binary),
        cmocka_unit_test(test_printf), cmocka_unit_test(test_reset),  cmocka_unit_test(test_steal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
