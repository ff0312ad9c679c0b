/* Legacy HTML to safe HTML, exact output for: the allowed set kept, attributes and
 * other tags dropped with their text, script/style/iframe/svg content dropped whole,
 * links allowed only for http and https (obfuscated schemes included), entities
 * decoded and re-escaped, invalid UTF-8 repaired, WordPress line breaks as wpautop
 * shows them, <!--more--> and shortcodes, nesting past the depth limit, the input
 * limit and the output bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"
#include "import/legacy_html.h"
#include "import/simple_html.h"

#include <string.h>

#define REL " rel=\"nofollow ugc noopener\""

static struct arena *arena;

static int setup(void **state)
{
    (void)state;
    arena = arena_new(1 << 16);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(arena);
    return 0;
}

static const char *safe(enum legacy_html_mode mode, const char *src)
{
    char *out = NULL;
    assert_int_equal(legacy_html_to_safe(arena, src, strlen(src), mode, &out), 0);
    assert_non_null(out);
    return out;
}

#define html(src) safe(LEGACY_HTML_HTML, (src))
#define wp(src)   safe(LEGACY_HTML_AUTOP, (src))

static void allowed_set_is_kept(void **state)
{
    (void)state;
    assert_string_equal(html("<blockquote><p>q</p></blockquote><ul><li>1</li><li>2</li></ul>"
                             "<ol><li>3</ol><pre><code>x &lt; y</code></pre>"),
                        "<blockquote><p>q</p></blockquote><ul><li>1</li><li>2</li></ul>"
                        "<ol><li>3</li></ol><pre><code>x &lt; y</code></pre>");
    assert_string_equal(html("<span style=\"x\">s</span><font color=red>f</font><u>u</u>"
                             "<strong>S</strong><em>E</em><code>c</code><i>i</i>"),
                        "sfu<strong>S</strong><em>E</em><code>c</code><i>i</i>");
    /* Misnested tags come out as the browser's tree, well-nested. */
    assert_string_equal(html("<i>it<b>bold</i>after</b>"), "<i>it<b>bold</b></i>after");
    assert_string_equal(html("plain"), "<p>plain</p>");
    assert_string_equal(html(""), "");
}

static void attributes_and_scripts_go(void **state)
{
    (void)state;
    assert_string_equal(html("<p>Top level, <b>bold</b> &amp; <a href=\"http://example.com/"
                             "a?b=1&amp;c=2\" onclick=\"steal()\">a link</a></p>"
                             "<script>alert(1)</script>"),
                        "<p>Top level, <b>bold</b> &amp; <a href=\"http://example.com/a?b=1&amp;"
                        "c=2\"" REL ">a link</a></p>");
    assert_string_equal(html("<p onclick=\"x()\" style=\"color:red\" class=\"c\">t</p>"),
                        "<p>t</p>");
    assert_string_equal(html("a<style>b{}</style>c<script>d</script>e<iframe>f</iframe>g<svg>"
                             "<text>h</text></svg>i<textarea>j</textarea>k<noscript>l"
                             "</noscript>m"),
                        "<p>acegikm</p>");
    assert_string_equal(html("A <img src=x onerror=alert(1)>B<body onload=\"x()\">"), "<p>A B</p>");
    assert_string_equal(html("<title>t</title><head><style>x</style></head>y"), "<p>y</p>");
    /* A declared charset cannot turn the UTF-8 into Latin-1. */
    assert_string_equal(html("<meta charset=\"iso-8859-1\">\xC3\xA9"), "<p>\xC3\xA9</p>");
}

static void only_http_links(void **state)
{
    (void)state;
    assert_string_equal(html("Buy <a href=\"javascript:alert(1)\">cheap</a> pills"),
                        "<p>Buy cheap pills</p>");
    assert_string_equal(html("<a href=\" JaVaScRiPt:alert(1)\">1</a><a href=\"jav&#x09;ascript:"
                             "x\">2</a><a href=\"&#106;avascript:x\">3</a><a href=\"data:text/"
                             "html,x\">4</a><a href=\"//evil.example/\">5</a><a href=\"/rel\">6"
                             "</a><a>7</a><a href=\" HTTPS://ok.example/ \">8</a>"),
                        "1234567<a href=\"HTTPS://ok.example/\"" REL ">8</a>");
    /* A space is encoded, a quote escaped: the href stays one attribute. */
    assert_string_equal(html("<a href=\"http://x/a b\">sp</a> <a href='http://x/\"onmouseover=1'>"
                             "q</a>"),
                        "<a href=\"http://x/a%20b\"" REL ">sp</a> <a href=\"http://x/&quot;"
                        "onmouseover=1\"" REL ">q</a>");
    assert_string_equal(html("<a href=\"http://a/\">x<a href=\"http://b/\">y</a></a>"),
                        "<a href=\"http://a/\"" REL ">x</a><a href=\"http://b/\"" REL ">y</a>");
}

static void entities_and_utf8(void **state)
{
    (void)state;
    assert_string_equal(html("&lt;script&gt; &amp;amp; &quot;q&quot; &#39; &eacute; &#x1F600; "
                             "&nope;"),
                        "<p>&lt;script&gt; &amp;amp; &quot;q&quot; &#39; \xC3\xA9 "
                        "\xF0\x9F\x98\x80 &amp;nope;</p>");
    assert_string_equal(html("a\xFF"
                             "b\xC3"),
                        "<p>a\xEF\xBF\xBD"
                        "b\xEF\xBF\xBD</p>");
    assert_string_equal(html("nul\x01"
                             "ctl"),
                        "<p>nul\xEF\xBF\xBD"
                        "ctl</p>");
}

static void blocks_keep_text_apart(void **state)
{
    (void)state;
    assert_string_equal(html("<div>one</div><div>two</div><h2>three</h2>four<table><tr><td>5"
                             "</td><td>6</td></tr></table>"),
                        "one\ntwo\nthree\nfour\n5\n6");
    assert_string_equal(html("<p> </p><p>x</p><p><br></p>"), "<p>x</p>");
}

static void wordpress_line_breaks(void **state)
{
    (void)state;
    assert_string_equal(wp("First line\nsecond line\n\nNew paragraph with <a href=\"http://"
                           "example.com/\" onclick=\"x()\">a link</a> & <!--more--> "
                           "[shortcode id=\"1\"]"),
                        "<p>First line<br />second line</p><p>New paragraph with <a href=\""
                        "http://example.com/\"" REL ">a link</a> &amp;  [shortcode id=&quot;1"
                        "&quot;]</p>");
    assert_string_equal(wp("a\r\nb\r\n\r\n\r\nc\rd"), "<p>a<br />b</p><p>c<br />d</p>");
    assert_string_equal(wp("x\n<pre>l1\n\nl2 <b>b</b></pre>\ny"),
                        "<p>x</p><pre>l1\n\nl2 <b>b</b></pre><p>y</p>");
    assert_string_equal(wp("unclosed <pre>a\n\nb"), "<p>unclosed</p><pre>a\n\nb</pre>");
    assert_string_equal(wp("line<br>\nnext<br />\nlast"), "<p>line<br />\nnext<br />\nlast</p>");
    assert_string_equal(wp("<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
                        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
    assert_string_equal(wp("Quote:\n<blockquote>q1\nq2</blockquote>\n\nEnd"),
                        "<p>Quote:\n</p><blockquote>q1<br />q2</blockquote><p>End</p>");
    assert_string_equal(wp("[&#8230;] linked here [&#8230;]"),
                        "<p>[\xE2\x80\xA6] linked here [\xE2\x80\xA6]</p>");
    assert_string_equal(wp("  \n\n \t "), "");
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void nest(struct buf *in, int levels)
{
    buf_reset(in);
    for (int i = 0; i < levels; i++)
        buf_puts(in, "<blockquote><b>");
    buf_puts(in, "deep");
}

/* Allowed elements stop at LEGACY_HTML_MAX_DEPTH, their text kept. libxml2 itself
 * stops reading at 256 open elements: text deeper than that is lost, which no real
 * comment meets; the walk has no recursion to overflow either way. */
static void nesting_is_bounded(void **state)
{
    struct buf in = BUF_INIT;
    (void)state;

    nest(&in, 100);
    const char *out = html(buf_cstr(&in));
    assert_int_equal(count(out, "<blockquote>") + count(out, "<b>"), LEGACY_HTML_MAX_DEPTH);
    assert_int_equal(count(out, "</blockquote>") + count(out, "</b>"), LEGACY_HTML_MAX_DEPTH);
    assert_non_null(strstr(out, "deep"));
    nest(&in, 10000);
    out = html(buf_cstr(&in));
    assert_int_equal(count(out, "<blockquote>") + count(out, "<b>"), LEGACY_HTML_MAX_DEPTH);
    assert_int_equal(count(out, "</blockquote>") + count(out, "</b>"), LEGACY_HTML_MAX_DEPTH);
    buf_cleanup(&in);
}

static void sizes_are_bounded(void **state)
{
    struct buf in = BUF_INIT;
    char *out = NULL;
    (void)state;

    /* The most growth per input byte: a quote in a link becomes &quot;. */
    buf_puts(&in, "<a href='http://x/");
    while (in.len < LEGACY_HTML_MAX_IN - 2)
        buf_putc(&in, '"');
    buf_puts(&in, "'>");
    assert_int_equal(legacy_html_to_safe(arena, in.data, in.len, LEGACY_HTML_HTML, &out), 0);
    assert_true(strlen(out) > 5 * (LEGACY_HTML_MAX_IN - 20));
    assert_true(strlen(out) <= LEGACY_HTML_OUT_RATIO * in.len + LEGACY_HTML_OUT_SLACK);
    buf_reset(&in);
    while (in.len < LEGACY_HTML_MAX_IN)
        buf_puts(&in, "a\n");
    assert_int_equal(legacy_html_to_safe(arena, in.data, in.len, LEGACY_HTML_AUTOP, &out), 0);
    assert_true(strlen(out) <= LEGACY_HTML_OUT_RATIO * in.len + LEGACY_HTML_OUT_SLACK);
    buf_putc(&in, 'x');
    assert_int_equal(legacy_html_to_safe(arena, in.data, in.len, LEGACY_HTML_AUTOP, &out),
                     STET_ELIMIT);
    buf_cleanup(&in);
}

/* Safe HTML of src by sanitizer h, in the test arena. */
static const char *clean(struct legacy_html *h, enum legacy_html_mode mode, const char *src,
                         size_t len)
{
    char *out = NULL;
    assert_int_equal(legacy_html_clean(h, arena, src, len, mode, &out), 0);
    assert_non_null(out);
    return out;
}

/* Plain text (no '<', no '&') skips the parser: what comes out must be what the
 * parser and the walk make of it, in both modes, for white space of every kind at
 * either end and between lines, characters to escape, and bytes to repair. */
static void plain_text_as_the_parser_has_it(void **state)
{
    static const char *const fixed[] = {
        "",
        " ",
        "\t\n\r\f",
        "plain",
        "  lead",
        "trail  \n",
        "\fform",
        "a\r\nb",
        "a\rb",
        "a\n\nb",
        "a\n \n\tb",
        "q\"'>",
        "\xC3\xA9t\xC3\xA9",
        "bad\xFF\xC3",
        "ctl\x01\x0B",
        "\xEF\xBF\xBE",
        "x\n\f\ny",
    };
    static const char alphabet[] = "ab  \t\n\n\r\f\v\"'>\xC3\xA9\xFF\x01";
    struct legacy_html *fast = legacy_html_new(false), *parsed = legacy_html_new(true);
    struct buf in = BUF_INIT;
    uint32_t seed = 12345;
    (void)state;

    for (size_t i = 0; i < 2000 + sizeof(fixed) / sizeof(fixed[0]); i++) {
        buf_reset(&in);
        if (i < sizeof(fixed) / sizeof(fixed[0])) {
            buf_puts(&in, fixed[i]);
        } else {
            /* A fixed sequence of random strings: the same on every run. */
            seed = seed * 1103515245u + 12345u;
            size_t len = (seed >> 16) % (i % 100 == 0 ? 3000 : 40);
            for (size_t k = 0; k < len; k++) {
                seed = seed * 1103515245u + 12345u;
                buf_putc(&in, alphabet[(seed >> 16) % (sizeof(alphabet) - 1)]);
            }
        }
        for (int m = 0; m < 2; m++) {
            enum legacy_html_mode mode = m == 0 ? LEGACY_HTML_HTML : LEGACY_HTML_AUTOP;
            const char *want = clean(parsed, mode, in.data != NULL ? in.data : "", in.len);
            const char *got = clean(fast, mode, in.data != NULL ? in.data : "", in.len);
            if (strcmp(want, got) != 0)
                fail_msg("input %zu, mode %d: parser \"%s\", shortcut \"%s\"", i, m, want, got);
        }
    }
    buf_cleanup(&in);
    legacy_html_free(fast);
    legacy_html_free(parsed);
}

/* ---- simple HTML: the shortcut writes what the parser writes ---- */

static uint32_t next_rand(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

static const char *pick(uint32_t *seed, const char *const *list, size_t n)
{
    return list[next_rand(seed) % n];
}

#define PICK(seed, list) pick((seed), (list), sizeof(list) / sizeof((list)[0]))

/* Inline content: text, entities, breaks and inline elements, mostly of the simple
 * kind, now and then not (an unknown entity, an upper-case or unclosed tag, a link
 * in a link, a javascript: link, attributes the shortcut declines). */
static void gen_inline(struct buf *b, uint32_t *seed, int depth)
{
    static const char *const words[] = {
        "word",
        " ",
        "  ",
        "\n",
        "\t",
        "\xC3\xA9t\xC3\xA9",
        "x>y",
        "\"q\"",
        "it's",
        " two words ",
        "\xE2\x80\x9C\xE2\x80\x9D",
        "[shortcode]",
        "a\xC2\xA0"
        "b",
    };
    static const char *const entities[] = {
        "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;", "& ", "&#65;", "&amp", "&#32;",
    };
    static const char *const breaks[] = {"<br>", "<br/>", "<br />", "<BR>", "<br >"};
    static const char *const tags[] = {"b", "strong", "i", "em", "code", "B", "span", "q"};
    static const char *const links[] = {
        "<a href=\"http://e.example/x\">",
        "<a href=\"https://e.example/?a=1\" rel=\"nofollow\">",
        "<a rel=\"nofollow\" href=\" https://e.example/s p \" target=\"_blank\">",
        "<a href=\"javascript:alert(1)\">",
        "<a href=\"HTTP://E.EXAMPLE\">",
        "<a>",
        "<a href='http://e.example/'>",
        "<a href=\"http://e.example/&amp;\">",
        "<a href=\"http://a.example\" href=\"http://b.example\">",
        "<a  href=\"http://e.example\"  >",
        "<a href=\"http://e.example/\xC3\xA9\">",
    };
    int n = (int)(next_rand(seed) % 6);
    for (int k = 0; k < n; k++) {
        uint32_t r = next_rand(seed) % 20;
        if (r < 8) {
            buf_puts(b, PICK(seed, words));
        } else if (r < 10) {
            buf_puts(b, PICK(seed, entities));
        } else if (r < 13) {
            buf_puts(b, PICK(seed, breaks));
        } else if (r < 17 && depth < 10) {
            const char *t = PICK(seed, tags);
            buf_printf(b, "<%s>", t);
            gen_inline(b, seed, depth + 1);
            if (next_rand(seed) % 30 != 0)
                buf_printf(b, "</%s>", next_rand(seed) % 40 == 0 ? "b" : t);
        } else if (depth < 10) {
            buf_puts(b, PICK(seed, links));
            gen_inline(b, seed, depth + 1);
            if (next_rand(seed) % 30 != 0)
                buf_puts(b, "</a>");
        }
    }
}

static void gen_body(struct buf *b, uint32_t *seed)
{
    static const char *const gaps[] = {"", "", "\n", " ", "\n\n", "\t", " \n ", "x", "<br>"};
    static const char *const opens[] = {"<p>",  "<p>", "<p>", "<p>", "<P>", "<p class=\"x\">",
                                        "<div>"};
    buf_reset(b);
    buf_puts(b, PICK(seed, gaps));
    int n = (int)(next_rand(seed) % 4);
    for (int k = 0; k < n; k++) {
        buf_puts(b, PICK(seed, opens));
        gen_inline(b, seed, 0);
        if (next_rand(seed) % 20 != 0)
            buf_puts(b, "</p>");
        buf_puts(b, PICK(seed, gaps));
    }
}

/* Thousands of generated bodies, many of the simple kind: whenever the shortcut takes
 * one, it writes what the parser and the walk write; and the sanitizer as an import
 * uses it writes the parser's output for every body, in both modes. */
static void simple_html_as_the_parser_has_it(void **state)
{
    struct legacy_html *fast = legacy_html_new(false), *parsed = legacy_html_new(true);
    struct buf in = BUF_INIT, direct = BUF_INIT;
    uint32_t seed = 4242;
    size_t taken = 0, total = 20000;
    (void)state;

    for (size_t i = 0; i < total; i++) {
        gen_body(&in, &seed);
        const char *src = buf_cstr(&in);
        const char *want = clean(parsed, LEGACY_HTML_HTML, src, in.len);
        buf_reset(&direct);
        if (simple_html_clean(&direct, src, in.len)) {
            taken++;
            if (strcmp(buf_cstr(&direct), want) != 0)
                fail_msg("body %zu \"%s\": parser \"%s\", shortcut \"%s\"", i, src, want,
                         buf_cstr(&direct));
        }
        for (int m = 0; m < 2; m++) {
            enum legacy_html_mode mode = m == 0 ? LEGACY_HTML_HTML : LEGACY_HTML_AUTOP;
            want = m == 0 ? want : clean(parsed, mode, src, in.len);
            const char *got = clean(fast, mode, src, in.len);
            if (strcmp(got, want) != 0)
                fail_msg("body %zu \"%s\", mode %d: parser \"%s\", sanitizer \"%s\"", i, src, m,
                         want, got);
        }
    }
    /* A shortcut that declined everything would pass the comparison and help nobody. */
    if (taken < total / 5)
        fail_msg("the shortcut took %zu of %zu generated bodies", taken, total);
    buf_cleanup(&in);
    buf_cleanup(&direct);
    legacy_html_free(fast);
    legacy_html_free(parsed);
}

/* One sanitizer over many bodies, its parser context replaced on the way, writes for
 * each what a sanitizer of its own would: nothing carries over from the body before
 * (an open link, a depth, a half-read tag). */
static void a_reused_sanitizer_forgets(void **state)
{
    static const char *const bodies[] = {
        "<a href=\"http://a/\">open link <b>open bold",
        "after",
        "<blockquote><blockquote><blockquote>deep",
        "<p>para</p>",
        "<meta charset=\"iso-8859-1\">\xC3\xA9",
        "<script>never",
        "plain & simple",
        "<!-- open comment",
        "text",
        "line one\nline two\n\n<pre>x\n\ny</pre>",
    };
    struct legacy_html *h = legacy_html_new(false);
    (void)state;

    for (size_t i = 0; i < 2 * LEGACY_HTML_RENEW + 7; i++) {
        const char *src = bodies[i % (sizeof(bodies) / sizeof(bodies[0]))];
        enum legacy_html_mode mode = i % 3 == 0 ? LEGACY_HTML_AUTOP : LEGACY_HTML_HTML;
        char *want = NULL;
        assert_int_equal(legacy_html_to_safe(arena, src, strlen(src), mode, &want), 0);
        assert_string_equal(clean(h, mode, src, strlen(src)), want);
    }
    legacy_html_free(h);
    legacy_html_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(allowed_set_is_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(attributes_and_scripts_go, setup, teardown),
        cmocka_unit_test_setup_teardown(only_http_links, setup, teardown),
        cmocka_unit_test_setup_teardown(entities_and_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(blocks_keep_text_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(wordpress_line_breaks, setup, teardown),
        cmocka_unit_test_setup_teardown(nesting_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(sizes_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(plain_text_as_the_parser_has_it, setup, teardown),
        cmocka_unit_test_setup_teardown(simple_html_as_the_parser_has_it, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reused_sanitizer_forgets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
