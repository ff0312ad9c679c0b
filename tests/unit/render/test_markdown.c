/* Markdown to safe HTML: ordinary formatting, raw HTML shown as text, the link
 * allowlist and rel attribute, images as alt text, attribute escaping, and
 * pathological inputs that must finish (each case runs under an alarm) within the
 * output bound, deep nesting cut at MD_MAX_DEPTH, and the plain-text fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"
#include "render/markdown.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Generous: a hang fails the case, but no timing is asserted otherwise. */
#define CASE_ALARM_S 30

static struct arena *arena;

/* How every code block opens: focusable and labelled, so a keyboard can scroll it. */
#define PRE "<pre class=\"code-block\" tabindex=\"0\" role=\"group\" aria-label=\"Code block\">"

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

static const char *md_comment(const char *src)
{
    char *out = NULL;
    assert_int_equal(md_comment_to_safe_html(arena, src, strlen(src), &out), 0);
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
    assert_string_equal(md("```\nx < y\n```"), PRE "<code>x &lt; y\n</code></pre>\n");
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

static size_t out_bound(size_t len)
{
    return MD_OUT_RATIO * len + MD_OUT_SLACK;
}

/* Renders src[0..len) and checks the output bound every input must meet. */
static const char *md_bounded(const char *src, size_t len)
{
    char *out = NULL;
    assert_int_equal(md_to_safe_html(arena, src, len, &out), 0);
    assert_non_null(out);
    if (strlen(out) > out_bound(len))
        fail_msg("%zu bytes of HTML from %zu of input (bound %zu): %.200s", strlen(out), len,
                 out_bound(len), out);
    return out;
}

static void run_pathological(const char *unit, size_t times, const char *tail)
{
    char *src = repeat(unit, times, tail);
    md_bounded(src, strlen(src));
    free(src);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
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

/* The comment from issue 8: 10,000 characters that rendered to 135 KB. The first
 * MD_MAX_DEPTH quotes stay quotes, the rest of the line is text. */
static void test_quote_bomb_is_cut(void **state)
{
    (void)state;
    char *src = repeat("> ", 4999, "a");
    assert_int_equal(strlen(src), 9999);
    const char *h = md_bounded(src, strlen(src));
    assert_int_equal(count(h, "<blockquote>"), MD_MAX_DEPTH);
    assert_int_equal(count(h, "</blockquote>"), MD_MAX_DEPTH);
    contains(h, "<p>&gt; &gt; &gt; ");
    contains(h, "&gt; a</p>");
    lacks(h, "\\");
    assert_true(strlen(h) < 4 * strlen(src));
    free(src);
}

static void test_depth_limit_exact(void **state)
{
    (void)state;
    char *at = repeat(">", MD_MAX_DEPTH, " x");
    char *past = repeat(">", MD_MAX_DEPTH + 1, " x");
    const char *h = md_bounded(at, strlen(at));
    assert_int_equal(count(h, "<blockquote>"), MD_MAX_DEPTH);
    contains(h, "<p>x</p>");
    h = md_bounded(past, strlen(past));
    assert_int_equal(count(h, "<blockquote>"), MD_MAX_DEPTH);
    contains(h, "<p>&gt; x</p>");
    free(at);
    free(past);

    /* Lists count the same, bullets and ordered alike, and so do mixed containers. */
    char *dashes = repeat("- ", MD_MAX_DEPTH + 5, "x");
    h = md_bounded(dashes, strlen(dashes));
    assert_int_equal(count(h, "<ul>"), MD_MAX_DEPTH);
    contains(h, "<li>- - - - - x</li>");
    free(dashes);
    char *ordered = repeat("1. ", MD_MAX_DEPTH + 2, "x");
    h = md_bounded(ordered, strlen(ordered));
    assert_int_equal(count(h, "<ol>"), MD_MAX_DEPTH);
    contains(h, "<li>1. 1. x</li>");
    free(ordered);
    char *mixed = repeat("> - 1) ", 20, "x");
    h = md_bounded(mixed, strlen(mixed));
    assert_int_equal(count(h, "<blockquote>") + count(h, "<ul>") + count(h, "<ol>"), MD_MAX_DEPTH);
    free(mixed);

    /* A bare CR ends a line for cmark, so it must for the depth scan too. */
    char *quotes = repeat("> ", MD_MAX_DEPTH + 8, "x");
    for (size_t i = 0; i < 2; i++) {
        struct buf b = BUF_INIT;
        buf_puts(&b, i == 0 ? "a\r" : "a\r\n");
        buf_puts(&b, quotes);
        h = md_bounded(b.data, b.len);
        assert_int_equal(count(h, "<blockquote>"), MD_MAX_DEPTH);
        buf_cleanup(&b);
    }
    free(quotes);
}

/* Indentation continues list items, so lines that nest by indentation alone are cut
 * too: spaces, and tabs (one character, four columns). */
static void test_indented_nesting_is_cut(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    for (int i = 0; i < 200; i++) {
        for (int j = 0; j < i; j++)
            buf_puts(&b, "  ");
        buf_puts(&b, "* a\n");
    }
    const char *h = md_bounded(b.data, b.len);
    assert_true(count(h, "<ul>") <= MD_MAX_DEPTH);
    assert_true(count(h, "<ul>") >= MD_MAX_DEPTH - 1);
    buf_reset(&b);
    for (int i = 0; i < 300; i++) {
        for (int j = 0; j < i; j++)
            buf_puts(&b, "\t");
        buf_puts(&b, "- > - a\n");
    }
    h = md_bounded(b.data, b.len);
    assert_true(count(h, "<ul>") + count(h, "<blockquote>") <= 2 * MD_MAX_DEPTH);
    buf_cleanup(&b);
}

/* Ordinary nesting renders exactly as cmark renders it, with nothing escaped. */
static void test_ordinary_nesting_unchanged(void **state)
{
    (void)state;
    assert_string_equal(md("> > > three deep\n> >\n> > back to two"),
                        "<blockquote>\n<blockquote>\n<blockquote>\n<p>three deep</p>\n"
                        "</blockquote>\n<p>back to two</p>\n</blockquote>\n</blockquote>\n");
    assert_string_equal(md("- a\n  - b\n    - c\n      - d\n        - e\n"),
                        "<ul>\n<li>a\n<ul>\n<li>b\n<ul>\n<li>c\n<ul>\n<li>d\n<ul>\n<li>e</li>\n"
                        "</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>\n");
    assert_string_equal(md("1. one\n   > quoted\n   > - item\n2. two"),
                        "<ol>\n<li>one\n<blockquote>\n<p>quoted</p>\n<ul>\n<li>item</li>\n"
                        "</ul>\n</blockquote>\n</li>\n<li>two</li>\n</ol>\n");
    assert_string_equal(md("- code:\n\n  ```\n  > > > >\n  - - - x\n  ```"),
                        "<ul>\n<li>\n<p>code:</p>\n" PRE "<code>&gt; &gt; &gt; &gt;\n"
                        "- - - x\n</code></pre>\n</li>\n</ul>\n");
    /* A thematic break of any length is not list markers. */
    char *rule = repeat("* ", 60, "*");
    assert_string_equal(md(rule), "<hr />\n");
    free(rule);
    char *rule2 = repeat("- ", 60, "\nafter");
    assert_string_equal(md(rule2), "<hr />\n<p>after</p>\n");
    free(rule2);
}

/* Each use of a reference link makes cmark-gfm copy the definition's URL and title:
 * one long URL used a thousand times is shown as plain text instead. */
static void test_reference_bomb_falls_back(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "[a]: http://");
    for (int i = 0; i < 5000; i++)
        buf_putc(&b, '&');
    buf_puts(&b, "\n\n");
    for (int i = 0; i < 1600; i++)
        buf_puts(&b, "[a]");
    const char *h = md_bounded(b.data, b.len);
    lacks(h, "<a ");
    contains(h, "<p>[a]: http://&amp;&amp;");
    contains(h, "</p>\n<p>[a][a][a]");
    buf_cleanup(&b);

    /* Defined references used a normal number of times still link. */
    h = md("[one][1], [two][2] and [one][1] again.\n\n[1]: https://e.com/1\n"
           "[2]: https://e.com/2 \"Two\"");
    assert_int_equal(count(h, "<a href=\"https://e.com/1\""), 2);
    assert_int_equal(count(h, "<a href=\"https://e.com/2\""), 1);
}

/* Markdown whose HTML would pass the bound is shown as escaped text in paragraphs,
 * never lost and never raw. */
static void test_fallback_is_plain_and_safe(void **state)
{
    (void)state;
    static const char tail[] = "\n\n<script>alert('x\"&')</script>\nend\0y";
    char *src = repeat(">\n-\n", 2000, "");
    struct buf b = BUF_INIT;
    buf_puts(&b, src);
    buf_append(&b, tail, sizeof(tail) - 1); /* through the NUL and the y */
    const char *h = md_bounded(b.data, b.len);
    assert_true(strncmp(h, "<p>&gt;<br />\n-<br />\n&gt;<br />\n", 33) == 0);
    contains(h, "-</p>\n<p>&lt;script&gt;alert(&#39;x&quot;&amp;&#39;)&lt;/script&gt;<br />\n"
                "end\xEF\xBF\xBDy</p>\n");
    lacks(h, "<script");
    buf_cleanup(&b);
    free(src);
}

/* The fallback's own worst case: a quote character on every line. */
static void test_fallback_worst_case_within_bound(void **state)
{
    (void)state;
    for (int nl = 0; nl < 3; nl++) {
        const char *unit = nl == 0 ? "\"\n" : nl == 1 ? "\"\r\n" : "'\r";
        struct buf b = BUF_INIT;
        buf_puts(&b, "[a]: http://x\n");
        for (int i = 0; i < 4000; i++)
            buf_puts(&b, "[a]");
        buf_puts(&b, "\n");
        for (int i = 0; i < 3000; i++)
            buf_puts(&b, unit);
        const char *h = md_bounded(b.data, b.len);
        contains(h, "<p>[a]: http://x<br />\n[a][a]");
        buf_cleanup(&b);
    }
}

/* The known quadratic shapes of cmark-gfm (its test/pathological_tests.py and the 2023
 * advisories) and the densest output per input byte, each at the default comment limit
 * of 10,000 characters: they finish (the alarm catches a hang) within the output bound
 * and show something. Each is pre + head * n_head + mid + tail * n_tail. */
static void test_pathological_shapes_bounded(void **state)
{
    (void)state;
    static const struct {
        const char *pre, *head;
        size_t n_head;
        const char *mid, *tail;
        size_t n_tail;
    } shapes[] = {
        {"", "> ", 4999, "a", "", 0},
        {"", ">", 5000, "", "a*", 2500},   /* GHSA-66g8-4hjf-77xh, 1 */
        {"", " -", 3333, "x", "\n", 3333}, /* GHSA-66g8-4hjf-77xh, 2 */
        {"> ", "- ", 2500, "x\n", ">\n", 2498},
        {"", "- ", 4999, "x", "", 0},
        {"", "1. ", 3333, "x", "", 0},
        {"", "*a **a ", 714, "b", " a** a*", 714},
        {"", "a_ ", 3333, "", "", 0},
        {"", "_a ", 3333, "", "", 0},
        {"", "a]", 5000, "", "", 0},
        {"", "[a", 5000, "", "", 0},
        {"", "*a_ ", 2500, "", "", 0},
        {"a**b", "c* ", 3332, "", "", 0},
        {"", "*a ", 1000, "", "_a*_ ", 1000}, /* cmark #389 */
        {"", "[ a_", 2500, "", "", 0},
        {"", "[ (](", 2000, "", "", 0},
        {"", "![[]()", 1666, "", "", 0}, /* CVE-2023-22486 */
        {"", "[", 4999, "a", "]", 4999},
        {"", "[a](<b", 1666, "", "", 0},
        {"", "[a](b", 2000, "", "", 0},
        {"</", "<!--", 2499, "", "", 0}, /* CVE-2023-22484 */
        {"", "*", 4999, "a", "*", 4999},
        {"", "_", 4999, ".", "_", 4999}, /* GHSA-r8vr-c48j-fcc5 */
        {"", "<", 10000, "", "", 0},
        {"", "\"", 10000, "", "", 0},
        {"", "&", 10000, "", "", 0},
        {"", "&#34;", 2000, "", "", 0},
        {"", "a@b.c ", 1666, "", "", 0},
        {"", "www.a.b ", 1250, "", "", 0},
        {"", "<http://a>", 1000, "", "", 0},
        {"", "[](http://a)", 833, "", "", 0},
        {"", ">\n\n", 3333, "", "", 0},
        {"", ">\n-\n", 2500, "", "", 0},
        {"", "#\n", 5000, "", "", 0},
        {"", "-\n", 5000, "", "", 0},
        {"", "a\\\n", 3333, "", "", 0},
        {"", "~a~ ", 2500, "", "", 0},
        {"", ">\t", 4999, "x", "", 0},
        {"", "```\n", 2500, "", "", 0},
        {"", "<div>\n", 1666, "", "", 0},
        {"", "<![CDATA[", 1111, "", "", 0},
        {"", "[x]: u\n", 1428, "", "", 0},
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        struct buf b = BUF_INIT;
        buf_puts(&b, shapes[i].pre);
        for (size_t j = 0; j < shapes[i].n_head; j++)
            buf_puts(&b, shapes[i].head);
        buf_puts(&b, shapes[i].mid);
        for (size_t j = 0; j < shapes[i].n_tail; j++)
            buf_puts(&b, shapes[i].tail);
        if (b.len > 10000)
            fail_msg("shape %zu is %zu bytes", i, b.len);
        const char *h = md_bounded(b.data, b.len);
        if (h[0] == '\0')
            fail_msg("nothing rendered for shape %zu (%s)", i, shapes[i].head);
        buf_cleanup(&b);
    }
    /* Backticks of every run length, and 10,000 four-byte characters. */
    struct buf b = BUF_INIT;
    for (int x = 1; b.len + 1 + (size_t)x <= 10000; x++) {
        buf_putc(&b, 'e');
        for (int j = 0; j < x; j++)
            buf_putc(&b, '`');
    }
    md_bounded(b.data, b.len);
    buf_reset(&b);
    for (int i = 0; i < 4999; i++)
        buf_puts(&b, "> ");
    buf_puts(&b, "\xF0\x9F\x98\x80");
    md_bounded(b.data, b.len);
    buf_cleanup(&b);
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

static void test_comment_keeps_line_breaks(void **state)
{
    (void)state;
    assert_string_equal(md_comment("Anna Smith\n1 High Street\r\nLeeds"),
                        "<p>Anna Smith<br />\n1 High Street<br />\nLeeds</p>\n");
    assert_string_equal(md_comment("roses\nare red\n\nviolets"),
                        "<p>roses<br />\nare red</p>\n<p>violets</p>\n");
    /* The break stays inside emphasis and quotes, and code keeps its own lines. */
    assert_string_equal(md_comment("> a\n> b"), "<blockquote>\n<p>a<br />\nb</p>\n</blockquote>\n");
    assert_string_equal(md_comment("```\na\nb\n```"), PRE "<code>a\nb\n</code></pre>\n");
}

static void test_comment_headings_are_bold_paragraphs(void **state)
{
    (void)state;
    assert_string_equal(md_comment("# BREAKING *news*"),
                        "<p><strong>BREAKING <em>news</em></strong></p>\n");
    assert_string_equal(md_comment("###### six\ntext"),
                        "<p><strong>six</strong></p>\n<p>text</p>\n");
    assert_string_equal(md_comment("Setext\n======\nafter"),
                        "<p><strong>Setext</strong></p>\n<p>after</p>\n");
    assert_string_equal(md_comment("> ## quoted"),
                        "<blockquote>\n<p><strong>quoted</strong></p>\n</blockquote>\n");
    assert_string_equal(md_comment("#\nx"), "<p>x</p>\n");
    const char *h = md_comment("# [a](javascript:alert(1)) <b>x</b>");
    lacks(h, "<h1");
    lacks(h, "javascript");
    lacks(h, "<b>");
    contains(h, "<strong>a &lt;b&gt;x&lt;/b&gt;</strong>");
}

/* A story body is the editor's Markdown: headings stay headings, a single line end
 * stays a soft break, as CommonMark says. */
static void test_story_body_unchanged(void **state)
{
    (void)state;
    assert_string_equal(md("# Title\n\nline one\nline two"),
                        "<h1>Title</h1>\n<p>line one\nline two</p>\n");
    assert_string_equal(md("Sub\n---"), "<h2>Sub</h2>\n");
}

static void test_code_block_focusable(void **state)
{
    (void)state;
    assert_string_equal(md("```c \" onload=x\nint x = '<';\n```"),
                        PRE "<code class=\"language-c\">int x = &#39;&lt;&#39;;\n</code></pre>\n");
    assert_string_equal(md("```a\"b\nx\n```"),
                        PRE "<code class=\"language-a&quot;b\">x\n</code></pre>\n");
    assert_string_equal(md("    indented & <b>\n"),
                        PRE "<code>indented &amp; &lt;b&gt;\n</code></pre>\n");
    assert_string_equal(md("```\n```"), PRE "<code></code></pre>\n");
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
        cmocka_unit_test_setup_teardown(test_quote_bomb_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_limit_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indented_nesting_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ordinary_nesting_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_bomb_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_is_plain_and_safe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_worst_case_within_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pathological_shapes_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comment_keeps_line_breaks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comment_headings_are_bold_paragraphs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_story_body_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_block_focusable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
