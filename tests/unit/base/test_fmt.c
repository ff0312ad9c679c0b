/* base/fmt: numbers in every form it writes, and truncation at the buffer's end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/fmt.h"

#include <stdio.h>
#include <string.h>

static void numbers(void **state)
{
    (void)state;
    char out[128];
    struct fmt f = FMT_ON(out);
    fmt_u64(&f, 0);
    fmt_char(&f, ' ');
    fmt_u64(&f, UINT64_MAX);
    fmt_char(&f, ' ');
    fmt_i64(&f, INT64_MIN);
    fmt_char(&f, ' ');
    fmt_i64(&f, -7);
    fmt_char(&f, ' ');
    fmt_hex(&f, 0xbeef, 8);
    fmt_char(&f, ' ');
    fmt_hex(&f, UINT64_MAX, 4);
    fmt_char(&f, ' ');
    fmt_milli(&f, 1005);
    fmt_char(&f, ' ');
    fmt_milli(&f, -250);
    fmt_char(&f, ' ');
    fmt_milli(&f, 0);
    assert_string_equal(out, "0 18446744073709551615 -9223372036854775808 -7 0000beef "
                             "ffffffffffffffff 1.005 -0.250 0.000");
    assert_int_equal(f.len, strlen(out));
}

static void matches_printf(void **state)
{
    (void)state;
    const int64_t samples[] = {1, 9, 10, 99, 100, 12345, 999999, 1000000, -1, -1000, INT64_MAX};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        char want[64], got[64];
        struct fmt f = FMT_ON(got);
        snprintf(want, sizeof(want), "%lld|%llx", (long long)samples[i],
                 (unsigned long long)samples[i]);
        fmt_i64(&f, samples[i]);
        fmt_char(&f, '|');
        fmt_hex(&f, (uint64_t)samples[i], 1);
        assert_string_equal(got, want);
    }
}

static void truncates(void **state)
{
    (void)state;
    char out[6];
    struct fmt f = FMT_ON(out);
    fmt_cstr(&f, "abc");
    fmt_u64(&f, 12345);
    assert_string_equal(out, "abc12");
    assert_int_equal(f.len, 5);
    fmt_char(&f, 'z'); /* full: nothing more, still terminated */
    assert_string_equal(out, "abc12");
    fmt_bytes(&f, "", 0);
    assert_int_equal(f.len, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers),
        cmocka_unit_test(matches_printf),
        cmocka_unit_test(truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
