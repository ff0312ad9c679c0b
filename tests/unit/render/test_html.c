/* html_escape and url_encode: every special character, UTF-8 passthrough, and the
 * arena-copy variants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/html.h"

#include <string.h>

static void check_escape(const char *in, const char *want)
{
    struct buf b = BUF_INIT;
    html_escape(&b, in, strlen(in));
    assert_string_equal(buf_cstr(&b), want);
    buf_cleanup(&b);
}

static void check_url(const char *in, const char *want)
{
    struct buf b = BUF_INIT;
    url_encode(&b, in, strlen(in));
    if (strcmp(buf_cstr(&b), want) != 0)
        fail_msg("url_encode(%s) = %s, want %s", in, buf_cstr(&b), want);
    buf_cleanup(&b);
}

static void test_escape_all_five(void **state)
{
    (void)state;
    check_escape("&", "&amp;");
    check_escape("<", "&lt;");
    check_escape(">", "&gt;");
    check_escape("\"", "&quot;");
    check_escape("'", "&#39;");
    check_escape("<a href=\"x\" title='y'>&amp;</a>",
                 "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
}

static void test_escape_passthrough(void **state)
{
    (void)state;
    check_escape("", "");
    check_escape("plain text 123", "plain text 123");
    check_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    check_escape("a<b", "a&lt;b");
}

static void test_escape_appends_and_embedded_nul(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "x=");
    html_escape(&b, "a\0<", 3);
    assert_int_equal(b.len, 2 + 1 + 1 + 4);
    assert_memory_equal(b.data, "x=a\0&lt;", 8);
    buf_cleanup(&b);
}

static void test_escape_dup(void **state)
{
    (void)state;
    struct arena *a = arena_new(1024);
    assert_string_equal(html_escape_dup(a, "<b>'hi'</b>"), "&lt;b&gt;&#39;hi&#39;&lt;/b&gt;");
    assert_string_equal(html_escape_dup(a, ""), "");
    arena_free(a);
}

static void test_url_encode(void **state)
{
    (void)state;
    check_url("AZaz09-._~", "AZaz09-._~");
    check_url("a b", "a%20b");
    check_url("a/b", "a%2Fb");
    check_url("?&=#", "%3F%26%3D%23");
    check_url("caf\xc3\xa9", "caf%C3%A9");
    check_url("\xff\x01", "%FF%01");
    check_url("+%", "%2B%25");
    check_url("", "");
}

static void test_url_encode_dup(void **state)
{
    (void)state;
    struct arena *a = arena_new(1024);
    assert_string_equal(url_encode_dup(a, "q=a b&c"), "q%3Da%20b%26c");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_all_five),
        cmocka_unit_test(test_escape_passthrough),
        cmocka_unit_test(test_escape_appends_and_embedded_nul),
        cmocka_unit_test(test_escape_dup),
        cmocka_unit_test(test_url_encode),
        cmocka_unit_test(test_url_encode_dup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
