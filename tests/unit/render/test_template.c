/* The template engine: escaping, sections over lists/maps/scalars, inverted sections,
 * dotted names and scope walk-up, partials (recursive and depth-limited), syntax
 * errors with line numbers, and the standalone-line rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "render/template.h"

#include <stdio.h>
#include <string.h>

#define FILE_(n, s)                                                                                \
    {                                                                                              \
        (n), (const unsigned char *)(s), sizeof(s) - 1                                             \
    }
#define END_FILES                                                                                  \
    {                                                                                              \
        NULL, NULL, 0                                                                              \
    }

struct fixture {
    struct arena *a;
    struct buf out;
};

static int setup(void **state)
{
    static struct fixture f;
    f.a = arena_new(4096);
    buf_init(&f.out);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_free(f->a);
    buf_cleanup(&f->out);
    return 0;
}

/* Compiles one template "t.html" and renders it with ctx; returns the render rc. */
static int render_one(struct fixture *f, const char *src, const struct tval *ctx)
{
    struct embedded_file files[] = {
        {"t.html", (const unsigned char *)src, strlen(src)},
        END_FILES,
    };
    struct tmpl_set *ts = NULL;
    char err[256];
    int rc = tmpl_set_new(files, &ts, err, sizeof(err));
    if (rc != 0)
        fail_msg("compile failed: %s", err);
    buf_reset(&f->out);
    rc = tmpl_render(ts, "t.html", ctx, &f->out);
    tmpl_set_free(ts);
    return rc;
}

static void expect(struct fixture *f, const char *src, const struct tval *ctx, const char *want)
{
    assert_int_equal(render_one(f, src, ctx), 0);
    assert_string_equal(buf_cstr(&f->out), want);
}

static int compile_err(const char *src, char *err, size_t err_len)
{
    struct embedded_file files[] = {
        {"bad.html", (const unsigned char *)src, strlen(src)},
        END_FILES,
    };
    struct tmpl_set *ts = NULL;
    int rc = tmpl_set_new(files, &ts, err, err_len);
    assert_null(ts);
    return rc;
}

static void test_escaping(void **state)
{
    struct fixture *f = *state;
    struct tval *c = tval_map(f->a);
    tval_put_str(f->a, c, "x", "<b>\"Tom\" & 'Jerry'</b>");
    expect(f, "[{{x}}]", c, "[&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;]");
    expect(f, "[{{{x}}}]", c, "[<b>\"Tom\" & 'Jerry'</b>]");
    expect(f, "[{{& x}}]", c, "[<b>\"Tom\" & 'Jerry'</b>]");
    expect(f, "[{{ x }}]", c, "[&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;]");
    /* A value marked as HTML is already safe markup and is never escaped twice. */
    tval_put_html(f->a, c, "h", "<p>hi</p>");
    expect(f, "{{h}}|{{{h}}}", c, "<p>hi</p>|<p>hi</p>");
    expect(f, "no tags at all", c, "no tags at all");
    expect(f, "", c, "");
    expect(f, "a { b } c }} d", c, "a { b } c }} d");
}

static void test_scalars(void **state)
{
    struct fixture *f = *state;
    struct tval *c = tval_map(f->a);
    tval_put_int(f->a, c, "n", -42);
    tval_put_int(f->a, c, "big", INT64_MAX);
    tval_put_bool(f->a, c, "t", true);
    tval_put_bool(f->a, c, "f", false);
    expect(f, "{{n}} {{big}} {{t}} {{f}} [{{missing}}]", c,
           "-42 9223372036854775807 true false []");
    /* A later put shadows an earlier one. */
    tval_put_int(f->a, c, "n", 7);
    expect(f, "{{n}}", c, "7");
    expect(f, "{{n}}", NULL, "");
}

static void test_sections_lists(void **state)
{
    struct fixture *f = *state;
    struct tval *c = tval_map(f->a);
    struct tval *items = tval_list(f->a);
    for (int i = 1; i <= 3; i++) {
        struct tval *m = tval_map(f->a);
        tval_put_int(f->a, m, "id", i);
        tval_put_str(f->a, m, "name", i == 2 ? "<two>" : "x");
        tval_push(f->a, items, m);
    }
    tval_put(f->a, c, "items", items);
    tval_put(f->a, c, "none", tval_list(f->a));
    expect(f, "{{#items}}<{{id}}:{{name}}>{{/items}}", c, "<1:x><2:&lt;two&gt;><3:x>");
    expect(f, "{{#none}}X{{/none}}{{^none}}empty{{/none}}", c, "empty");
    expect(f, "{{^items}}empty{{/items}}", c, "");
}

static void test_dot_in_list_of_strings(void **state)
{
    struct fixture *f = *state;
    struct tval *c = tval_map(f->a);
    struct tval *list = tval_list(f->a);
    tval_push(f->a, list, tval_str(f->a, "a"));
    tval_push(f->a, list, tval_str(f->a, "<b>"));
    tval_push(f->a, list, tval_str(f->a, NULL));
    tval_put(f->a, c, "words", list);
    expect(f, "{{#words}}({{.}}){{/words}}", c, "(a)(&lt;b&gt;)()");
    expect(f, "{{#words}}({{{.}}}){{/words}}", c, "(a)(<b>)()");

    /* A section over a scalar pushes it too, so {{.}} names it. */
    tval_put_str(f->a, c, "title", "<T>");
    expect(f, "{{#title}}[{{.}}]{{/title}}", c, "[&lt;T&gt;]");
    tval_put_int(f->a, c, "n", 5);
    expect(f, "{{#n}}{{.}}{{/n}}", c, "5");
    /* At the top level {{.}} is the context map itself, which prints nothing. */
    expect(f, "[{{.}}]", c, "[]");
}

static void test_sections_maps_scalars(void **state)
{
    struct fixture *f = *state;
    struct tval *c = tval_map(f->a);
    struct tval *user = tval_map(f->a);
    tval_put_str(f->a, user, "name", "ann");
    tval_put(f->a, c, "user", user);
    tval_put_bool(f->a, c, "yes", true);
    tval_put_bool(f->a, c, "no", false);
    tval_put_int(f->a, c, "zero", 0);
    tval_put_str(f->a, c, "empty", "");
    tval_put(f->a, c, "emptymap", tval_map(f->a));
    expect(f, "{{#user}}hi {{name}}{{/user}}", c, "hi ann");
    expect(f, "{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{#zero}}Z{{/zero}}{{#empty}}E{{/empty}}", c, "Y");
    expect(f, "{{^no}}1{{/no}}{{^zero}}2{{/zero}}{{^empty}}3{{/empty}}{{^missing}}4{{/missing}}", c,
           "1234");
    expect(f, "{{^yes}}x{{/yes}}{{^user}}x{{/user}}{{#emptymap}}m{{/emptymap}}", c, "m");
    expect(f, "{{#missing}}x{{/missing}}", c, "");
}

static void test_dotted_and_walk_up(void **state)
{
    struct fixture *f = *state;
    struct tval *c = tval_map(f->a);
    struct tval *story = tval_map(f->a);
    struct tval *author = tval_map(f->a);
    tval_put_str(f->a, author, "name", "bob");
    tval_put(f->a, story, "author", author);
    tval_put_str(f->a, story, "title", "T");
    tval_put(f->a, c, "story", story);
    tval_put_str(f->a, c, "site", "S");
    tval_put_str(f->a, c, "title", "outer");
    expect(f, "{{story.title}} by {{story.author.name}}", c, "T by bob");
    expect(f, "[{{story.nope}}][{{story.title.x}}][{{nope.x}}]", c, "[][][]");
    /* Names not in the inner scope are found further out; inner ones shadow. */
    expect(f, "{{#story}}{{title}}@{{site}}{{#author}}{{name}}/{{title}}{{/author}}{{/story}}", c,
           "T@Sbob/T");
    /* The first segment resolves up the stack, then descends. */
    expect(f, "{{#story}}{{#author}}{{story.title}}{{/author}}{{/story}}", c, "T");
    expect(f, "{{#story.author}}{{name}}{{/story.author}}", c, "bob");
}

static void test_partials_recursive_tree(void **state)
{
    struct fixture *f = *state;
    struct embedded_file files[] = {
        FILE_("page.html", "<ul>{{#nodes}}{{>node.html}}{{/nodes}}</ul>"),
        FILE_("node.html", "<li>{{name}}{{#has_kids}}<ul>{{#kids}}{{>node.html}}{{/kids}}"
                           "</ul>{{/has_kids}}</li>"),
        END_FILES,
    };
    struct tmpl_set *ts;
    char err[256];
    assert_int_equal(tmpl_set_new(files, &ts, err, sizeof(err)), 0);

    /* a -> (b -> (c), d). Every node states has_kids: a leaf without it would find
     * its parent's through the scope walk-up, as Mustache specifies. */
    struct tval *c_node = tval_map(f->a);
    tval_put_str(f->a, c_node, "name", "c");
    tval_put_bool(f->a, c_node, "has_kids", false);
    struct tval *b_kids = tval_list(f->a);
    tval_push(f->a, b_kids, c_node);
    struct tval *b = tval_map(f->a);
    tval_put_str(f->a, b, "name", "b");
    tval_put_bool(f->a, b, "has_kids", true);
    tval_put(f->a, b, "kids", b_kids);
    struct tval *d = tval_map(f->a);
    tval_put_str(f->a, d, "name", "d");
    tval_put_bool(f->a, d, "has_kids", false);
    struct tval *a_kids = tval_list(f->a);
    tval_push(f->a, a_kids, b);
    tval_push(f->a, a_kids, d);
    struct tval *a = tval_map(f->a);
    tval_put_str(f->a, a, "name", "a");
    tval_put_bool(f->a, a, "has_kids", true);
    tval_put(f->a, a, "kids", a_kids);
    struct tval *roots = tval_list(f->a);
    tval_push(f->a, roots, a);
    struct tval *ctx = tval_map(f->a);
    tval_put(f->a, ctx, "nodes", roots);

    buf_reset(&f->out);
    assert_int_equal(tmpl_render(ts, "page.html", ctx, &f->out), 0);
    assert_string_equal(buf_cstr(&f->out),
                        "<ul><li>a<ul><li>b<ul><li>c</li></ul></li><li>d</li></ul></li></ul>");
    buf_reset(&f->out);
    assert_int_equal(tmpl_render(ts, "nope.html", ctx, &f->out), STET_ENOTFOUND);
    tmpl_set_free(ts);
}

static void test_partial_depth_limit(void **state)
{
    struct fixture *f = *state;
    struct embedded_file files[] = {
        FILE_("loop.html", "x{{>loop.html}}"),
        FILE_("missing.html", "a{{>nowhere.html}}b"),
        END_FILES,
    };
    struct tmpl_set *ts;
    char err[256];
    assert_int_equal(tmpl_set_new(files, &ts, err, sizeof(err)), 0);
    buf_reset(&f->out);
    assert_int_equal(tmpl_render(ts, "loop.html", NULL, &f->out), STET_ELIMIT);
    buf_reset(&f->out);
    assert_int_equal(tmpl_render(ts, "missing.html", NULL, &f->out), STET_ENOTFOUND);
    tmpl_set_free(ts);
}

static void test_scope_depth_limit(void **state)
{
    struct fixture *f = *state;
    /* A self-referencing map nests scopes without end through a recursive partial;
     * whichever limit trips first, the render stops with STET_ELIMIT. */
    struct embedded_file files[] = {
        FILE_("r.html", "{{#m}}{{#m}}{{#m}}{{>r.html}}{{/m}}{{/m}}{{/m}}"),
        END_FILES,
    };
    struct tval *m = tval_map(f->a);
    tval_put(f->a, m, "m", m);
    struct tmpl_set *ts;
    char err[256];
    assert_int_equal(tmpl_set_new(files, &ts, err, sizeof(err)), 0);
    buf_reset(&f->out);
    assert_int_equal(tmpl_render(ts, "r.html", m, &f->out), STET_ELIMIT);
    tmpl_set_free(ts);
}

static void test_fanout_budget(void **state)
{
    struct fixture *f = *state;
    /* 20 nested sections over a 4-item list ask for 4^20 visits: refused, quickly. */
    struct tval *c = tval_map(f->a);
    struct tval *l = tval_list(f->a);
    for (int i = 0; i < 4; i++)
        tval_push(f->a, l, tval_str(f->a, "x"));
    tval_put(f->a, c, "l", l);
    char src[20 * 12 + 1] = "";
    size_t n = 0;
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(src + n, sizeof(src) - n, "{{#l}}");
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(src + n, sizeof(src) - n, "{{/l}}");
    assert_int_equal(render_one(f, src, c), STET_ELIMIT);
    /* Small fan-out still renders. */
    expect(f, "{{#l}}{{#l}}{{.}}{{/l}}{{/l}}", c, "xxxxxxxxxxxxxxxx");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(compile_err("a\nb\n{{#x}}\nc", err, sizeof(err)), STET_EINVAL);
    assert_string_equal(err, "bad.html:3: unclosed section 'x'");
    assert_int_equal(compile_err("{{#x}}\n{{/y}}", err, sizeof(err)), STET_EINVAL);
    assert_non_null(strstr(err, "bad.html:2: mismatched close tag"));
    assert_int_equal(compile_err("\n\n\n\nhi {{/x}}", err, sizeof(err)), STET_EINVAL);
    assert_non_null(strstr(err, "bad.html:5: close without open section"));
    assert_int_equal(compile_err("line1\n{{name", err, sizeof(err)), STET_EINVAL);
    assert_string_equal(err, "bad.html:2: unterminated tag");
    assert_int_equal(compile_err("{{{raw}}", err, sizeof(err)), STET_EINVAL);
    assert_string_equal(err, "bad.html:1: unterminated tag");
    assert_int_equal(compile_err("\n{{=<% %>=}}", err, sizeof(err)), STET_EINVAL);
    assert_non_null(strstr(err, "bad.html:2: unknown tag"));
    assert_int_equal(compile_err("{{a b}}", err, sizeof(err)), STET_EINVAL);
    assert_non_null(strstr(err, "bad.html:1: unknown tag"));
    assert_int_equal(compile_err("{{}}", err, sizeof(err)), STET_EINVAL);
    assert_string_equal(err, "bad.html:1: empty tag");
    assert_int_equal(compile_err("{{a..b}}", err, sizeof(err)), STET_EINVAL);
    assert_int_equal(compile_err("{{>}}", err, sizeof(err)), STET_EINVAL);
    assert_int_equal(compile_err("{{#a}}{{/a}}{{/a}}", err, sizeof(err)), STET_EINVAL);
    /* Too deep nesting is refused at compile time, not discovered while rendering. */
    char deep[100 * 6 + 1];
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        memcpy(deep + n, "{{#a}}", 6);
        n += 6;
    }
    deep[n] = '\0';
    assert_int_equal(compile_err(deep, err, sizeof(err)), STET_EINVAL);
    assert_non_null(strstr(err, "nested too deeply"));
    /* A NULL error buffer is allowed. */
    assert_int_equal(compile_err("{{#x}}", NULL, 0), STET_EINVAL);
}

static void test_error_names_file(void **state)
{
    (void)state;
    struct embedded_file files[] = {
        FILE_("good.html", "ok"),
        FILE_("second.html", "\n\n{{#open}}"),
        END_FILES,
    };
    struct tmpl_set *ts = (struct tmpl_set *)&ts;
    char err[256];
    assert_int_equal(tmpl_set_new(files, &ts, err, sizeof(err)), STET_EINVAL);
    assert_null(ts);
    assert_string_equal(err, "second.html:3: unclosed section 'open'");
}

static void test_unknown_template(void **state)
{
    struct fixture *f = *state;
    struct embedded_file files[] = {END_FILES};
    struct tmpl_set *ts;
    assert_int_equal(tmpl_set_new(files, &ts, NULL, 0), 0);
    assert_int_equal(tmpl_render(ts, "x.html", NULL, &f->out), STET_ENOTFOUND);
    tmpl_set_free(ts);
    tmpl_set_free(NULL);
}

static void test_comments(void **state)
{
    struct fixture *f = *state;
    expect(f, "a{{! a comment {with} braces }}b", NULL, "ab");
}

static void test_standalone_lines(void **state)
{
    struct fixture *f = *state;
    struct tval *c = tval_map(f->a);
    struct tval *list = tval_list(f->a);
    for (int i = 1; i <= 2; i++) {
        struct tval *m = tval_map(f->a);
        tval_put_int(f->a, m, "i", i);
        tval_push(f->a, list, m);
    }
    tval_put(f->a, c, "items", list);
    expect(f,
           "<ul>\n"
           "  {{#items}}\n"
           "  <li>{{i}}</li>\n"
           "  {{/items}}\n"
           "  {{! note }}\n"
           "</ul>\n",
           c, "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n");
    expect(f, "a\r\n{{^items}}\r\nnone\r\n{{/items}}\r\nb", c, "a\r\nb");
    /* Not standalone: other text or a variable shares the line. */
    expect(f, "x {{#items}}{{i}}{{/items}}\n", c, "x 12\n");
    expect(f, "{{#items}}{{i}}\n{{/items}}", c, "1\n2\n");
    /* A standalone tag on the last line, without a newline. */
    expect(f, "a\n  {{! end }}", c, "a\n");
    /* Variables never take their line. */
    expect(f, "a\n{{missing}}\nb", c, "a\n\nb");

    struct embedded_file files[] = {
        FILE_("outer.html", "<div>\n  {{>inner.html}}\n</div>\n"),
        FILE_("inner.html", "<p>in</p>\n"),
        END_FILES,
    };
    struct tmpl_set *ts;
    assert_int_equal(tmpl_set_new(files, &ts, NULL, 0), 0);
    buf_reset(&f->out);
    assert_int_equal(tmpl_render(ts, "outer.html", NULL, &f->out), 0);
    assert_string_equal(buf_cstr(&f->out), "<div>\n<p>in</p>\n</div>\n");
    tmpl_set_free(ts);
}

static void test_render_appends(void **state)
{
    struct fixture *f = *state;
    struct embedded_file files[] = {FILE_("a.html", "A"), END_FILES};
    struct tmpl_set *ts;
    assert_int_equal(tmpl_set_new(files, &ts, NULL, 0), 0);
    buf_reset(&f->out);
    buf_puts(&f->out, ">");
    assert_int_equal(tmpl_render(ts, "a.html", NULL, &f->out), 0);
    assert_int_equal(tmpl_render(ts, "a.html", NULL, &f->out), 0);
    assert_string_equal(buf_cstr(&f->out), ">AA");
    tmpl_set_free(ts);
}

static void test_embedded_templates_compile(void **state)
{
    (void)state;
    struct tmpl_set *ts = NULL;
    char err[256];
    /* The real page templates must always compile (they may still be empty). */
    int rc = tmpl_set_new(embedded_templates, &ts, err, sizeof(err));
    if (rc != 0)
        fail_msg("templates/: %s", err);
    tmpl_set_free(ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sections_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dot_in_list_of_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sections_maps_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotted_and_walk_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partials_recursive_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_depth_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_depth_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fanout_budget, setup, teardown),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_error_names_file),
        cmocka_unit_test_setup_teardown(test_unknown_template, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_standalone_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_appends, setup, teardown),
        cmocka_unit_test(test_embedded_templates_compile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
