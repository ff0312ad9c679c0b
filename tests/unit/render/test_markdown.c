/* Markdown to safe HTML: ordinary formatting, raw HTML shown as text, the link
 * allowlist and rel attribute, images as alt text, attribute escaping, and
 * pathological inputs that must finish (each case runs under an alarm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "render/markdown.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Generous: a hang fails the case, but no timing is asserted otherwise. */
#define CASE_ALARM_S 30

static struct arena *arena;

static int setup(void **state)
{
    (void)state;
    arena = arena_new(1 << 16);
    alarm(CASE_ALARM_S);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    alarm(0);
    arena_free(arena);
    return 0;
}

static const char *md(const char *src)
{
    char *out = NULL;
    assert_int_equal(md_to_safe_html(arena, src, strlen(src), &out), 0);
    assert_non_null(out);
    return out;
}

static void contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("expected %s in %s", needle, hay);
}

static void lacks(const char *hay, const char *needle)
{
    if (strstr(hay, needle) != NULL)
        fail_msg("unexpected %s in %s", needle, hay);
}

static void test_basic_formatting(void **state)
{
    (void)state;
    assert_string_equal(md("hello"), "<p>hello</p>\n");
    assert_string_equal(md("one\n\ntwo"), "<p>one</p>\n<p>two</p>\n");
    assert_string_equal(md("*em* **strong** `co<de>`"),
                        "<p><em>em</em> <strong>strong</strong> <code>co&lt;de&gt;</code></p>\n");
    assert_string_equal(md("~~gone~~"), "<p><del>gone</del></p>\n");
    assert_string_equal(md("```\nx < y\n```"), "<pre><code>x &lt; y\n</code></pre>\n");
    assert_string_equal(md("> quote"), "<blockquote>\n<p>quote</p>\n</blockquote>\n");
    assert_string_equal(md("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
    assert_string_equal(md(""), "");
    assert_string_equal(md("a & b \"c\""), "<p>a &amp; b &quot;c&quot;</p>\n");
}

static void test_raw_html_is_text(void **state)
{
    (void)state;
    const char *h = md("<script>alert(1)</script>");
    lacks(h, "<script");
    lacks(h, "raw HTML omitted");
    contains(h, "&lt;script&gt;alert(1)&lt;/script&gt;");

    h = md("hi <img src=x onerror=alert(1)> there");
    lacks(h, "<img");
    contains(h, "hi &lt;img src=x onerror=alert(1)&gt; there");

    h = md("<div onclick=\"x()\">\nblock\n</div>\n\nafter");
    lacks(h, "<div");
    contains(h, "&lt;div onclick=&quot;x()&quot;&gt;");
    contains(h, "<p>after</p>");

    h = md("<!-- c --> <?php x ?> <![CDATA[y]]>");
    lacks(h, "<!--");
    lacks(h, "<?");
    lacks(h, "<![");

    h = md("> <iframe src=//evil>\n\n- <style>x</style>");
    lacks(h, "<iframe");
    lacks(h, "<style");
}

static void test_link_kept_with_rel(void **state)
{
    (void)state;
    assert_string_equal(
        md("[x](https://e.com/a?b=1&c=2)"),
        "<p><a href=\"https://e.com/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">x</a></p>\n");
    assert_string_equal(md("[*b*](http://e.com)"),
                        "<p><a href=\"http://e.com\" rel=\"nofollow ugc noopener\"><em>b</em></a>"
                        "</p>\n");
    contains(md("[mail](mailto:a@b.c)"),
             "<a href=\"mailto:a@b.c\" rel=\"nofollow ugc noopener\">mail</a>");
    contains(md("[up](HTTPS://E.COM)"), "<a href=\"HTTPS://E.COM\" rel=\"nofollow ugc noopener\">");
    /* Titles are dropped, reference links resolve. */
    contains(md("[r][1]\n\n[1]: https://e.com \"t\""),
             "<a href=\"https://e.com\" rel=\"nofollow ugc noopener\">r</a>");
    lacks(md("[t](https://e.com \"title\")"), "title");
}

static void test_autolinks(void **state)
{
    (void)state;
    contains(
        md("see www.example.com now"),
        "<a href=\"http://www.example.com\" rel=\"nofollow ugc noopener\">www.example.com</a>");
    contains(md("see https://example.com/x now"),
             "<a href=\"https://example.com/x\" rel=\"nofollow ugc noopener\">"
             "https://example.com/x</a>");
    contains(md("<https://example.com>"),
             "<a href=\"https://example.com\" rel=\"nofollow ugc noopener\">");
    contains(md("mail me: a@example.com"),
             "<a href=\"mailto:a@example.com\" rel=\"nofollow ugc noopener\">a@example.com</a>");
}

static void test_bad_links_dropped(void **state)
{
    (void)state;
    const char *bad[] = {
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](java&#115;cript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "[x](//evil.com/a)",
        "[x](/relative/path)",
        "[x](relative.html)",
        "[x](#frag)",
        "[x](ftp://e.com)",
        "[x](https)",
        "<javascript:alert(1)>",
        "[x]: javascript:alert(1)\n\n[x]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *h = md(bad[i]);
        if (strstr(h, "href") != NULL || strstr(h, "<a") != NULL)
            fail_msg("link survived for %s: %s", bad[i], h);
        lacks(h, "javascript:alert(1)\"");
    }
    assert_string_equal(md("[x](javascript:alert(1))"), "<p>x</p>\n");
    assert_string_equal(md("a [**b** c](/rel) d"), "<p>a <strong>b</strong> c d</p>\n");
}

static void test_images_become_alt(void **state)
{
    (void)state;
    assert_string_equal(md("![a cat](https://e.com/cat.png)"), "<p>a cat</p>\n");
    const char *h = md("![*pix*](https://t.co/p.gif \"t\") and [![i](x.png)](https://e.com)");
    lacks(h, "<img");
    lacks(h, "p.gif");
    contains(h, "<em>pix</em>");
    contains(h, "<a href=\"https://e.com\" rel=\"nofollow ugc noopener\">i</a>");
}

static void test_attribute_breakout_escaped(void **state)
{
    (void)state;
    const char *h = md("[x](<https://e.com/\" onmouseover=\"alert(1)>)");
    lacks(h, "\" onmouseover");
    contains(h, "&quot;");
    contains(h, "%20onmouseover=");
    h = md("[x](https://e.com/'onmouseover='alert(1))");
    lacks(h, "'onmouseover");
    h = md("[x](https://e.com/<script>)");
    lacks(h, "<script");
}

static char *repeat(const char *unit, size_t times, const char *tail)
{
    size_t ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(ul * times + tl + 1);
    assert_non_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * ul, unit, ul);
    memcpy(s + ul * times, tail, tl + 1);
    return s;
}

static void run_pathological(const char *unit, size_t times, const char *tail)
{
    char *src = repeat(unit, times, tail);
    char *out = NULL;
    assert_int_equal(md_to_safe_html(arena, src, strlen(src), &out), 0);
    assert_non_null(out);
    free(src);
}

static void test_pathological_nesting(void **state)
{
    (void)state;
    run_pathological("[", 50000, "");
    run_pathological("[", 50000, "](https://e.com)");
    run_pathological("[a](", 20000, "");
    run_pathological(">", 50000, " deep");
    run_pathological("- ", 20000, "x");
    run_pathological("*a **a ", 20000, "");
    run_pathological("_", 50000, "x");
    run_pathological("![", 20000, "](x)");
    run_pathological("<a ", 20000, ">");
    run_pathological("`", 50000, "");
}

static void test_pathological_many(void **state)
{
    (void)state;
    run_pathological("[l](https://e.com/x) ", 10000, "");
    run_pathological("[l](javascript:x) ", 10000, "");
    run_pathological("www.e.com ", 10000, "");
    run_pathological("a@b.co ", 10000, "");
    run_pathological("@", 50000, "");
    run_pathological("~~a ", 20000, "");
    run_pathological("<b>", 20000, "");
    run_pathological("x", 1000000, "");
    run_pathological("[a]: https://e.com\n", 10000, "[a]");
    /* A deep blockquote holding many links exercises the tree rewrite. */
    char *deep = repeat(">", 5000, " ");
    char *links = repeat("[l](https://e.com) [m](/r) ", 2000, "");
    char *both = malloc(strlen(deep) + strlen(links) + 1);
    assert_non_null(both);
    memcpy(both, deep, strlen(deep));
    memcpy(both + strlen(deep), links, strlen(links) + 1);
    char *out;
    assert_int_equal(md_to_safe_html(arena, both, strlen(both), &out), 0);
    free(deep);
    free(links);
    free(both);
}

static void test_odd_bytes(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(md_to_safe_html(arena, "a\0<b>", 5, &out), 0);
    lacks(out, "<b>");
    assert_int_equal(md_to_safe_html(arena, "\xff\xfe<i>", 5, &out), 0);
    lacks(out, "<i>");
}

static void *thread_main(void *arg)
{
    (void)arg;
    struct arena *a = arena_new(1 << 14);
    void *bad = NULL;
    for (int i = 0; i < 300; i++) {
        char *out = NULL;
        const char *src = "~~x~~ www.e.com [y](https://e.com)";
        if (md_to_safe_html(a, src, strlen(src), &out) != 0 ||
            strcmp(out, "<p><del>x</del> <a href=\"http://www.e.com\" rel=\"nofollow ugc "
                        "noopener\">www.e.com</a> <a href=\"https://e.com\" rel=\"nofollow "
                        "ugc noopener\">y</a></p>\n") != 0)
            bad = arg;
    }
    arena_free(a);
    return bad;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[8];
    int ids[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, &ids[i]), 0);
    int failures = 0;
    for (int i = 0; i < 8; i++) {
        void *r;
        assert_int_equal(pthread_join(t[i], &r), 0);
        failures += r != NULL;
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    md_init();
    md_init(); /* idempotent */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic_formatting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_html_is_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_kept_with_rel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autolinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_links_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_images_become_alt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attribute_breakout_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pathological_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pathological_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
