/* Comment rules (who may post where, what a body and a parent must be, failures
 * leaving nothing behind) and threading for display. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/comments.h"
#include "domain/desk.h"
#include "domain/stories.h"
#include "domain/users.h"
#include "domain_fixture.h"

#include <string.h>

struct fixture {
    struct domain_fixture d; /* first: see domain_fixture_new */
    struct user reader;
};

static int setup(void **state)
{
    struct fixture *f = domain_fixture_new(sizeof(*f));
    f->d.env.comment_max_chars = 20;
    f->reader = domain_fixture_user(&f->d, "reader", ROLE_READER);
    domain_fixture_story(&f->d, "one", "One");
    domain_fixture_story(&f->d, "two", "Two");
    *state = f;
    return 0;
}

static int64_t count_of(struct fixture *f, const char *slug)
{
    struct story s;
    assert_int_equal(story_get(&f->d.ctx, str_from(slug), &s), 0);
    return s.n_comments;
}

static void test_post_and_reply(void **state)
{
    struct fixture *f = *state;
    struct comment c, r;
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("  hi  "), 0, &c),
                     0);
    assert_true(c.id > 0);
    assert_string_equal(c.body_html, "<p>hi</p>");
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("re"), c.id, &r),
                     0);
    assert_int_equal(r.parent_id, c.id);
    assert_int_equal(count_of(f, "one"), 2);
    assert_int_equal(count_of(f, "two"), 0);
}

static void test_rules(void **state)
{
    struct fixture *f = *state;
    struct comment c, other;
    assert_int_equal(comment_post(&f->d.ctx, NULL, STR_LIT("one"), STR_LIT("x"), 0, &c),
                     STET_EUNAUTH);
    assert_string_equal(f->d.err.message, "You must be registered to comment on stories.");
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("nope"), STR_LIT("x"), 0, &c),
                     STET_ENOTFOUND);
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("   "), 0, &c),
                     STET_EINVAL);
    assert_string_equal(f->d.err.field, "body");
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"),
                                  STR_LIT("twenty-one characters"), 0, &c),
                     STET_EINVAL);
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("x"), 999, &c),
                     STET_EINVAL);
    assert_string_equal(f->d.err.field, "parent_id");
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("two"), STR_LIT("x"), 0, &other),
                     0);
    assert_int_equal(
        comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("x"), other.id, &c),
        STET_EINVAL);
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("x"), -5, &c),
                     STET_EINVAL);
    assert_int_equal(desk_story_set_open(&f->d.ctx, &user_operator, STR_LIT("one"), false), 0);
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("x"), 0, &c),
                     STET_ECLOSED);
    assert_int_equal(count_of(f, "one"), 0);
    assert_int_equal(count_of(f, "two"), 1);
}

static void test_length_and_line_breaks(void **state)
{
    struct fixture *f = *state;
    struct comment c;
    /* The limit is 20: the message says how long, the limit and the difference. */
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"),
                                  STR_LIT("twenty-five characters!!!"), 0, &c),
                     STET_EINVAL);
    assert_string_equal(f->d.err.field, "body");
    assert_string_equal(f->d.err.message, "Your comment is 25 characters long; the limit is 20. "
                                          "Shorten it by 5 characters, then post it again.");
    /* Ten lines as a browser sends them (CRLF): 19 characters, stored with LF. */
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"),
                                  STR_LIT("a\r\na\r\na\r\na\r\na\r\na\r\na\r\na\r\na\r\na\r\n"), 0,
                                  &c),
                     0);
    assert_string_equal(c.body_src, "a\na\na\na\na\na\na\na\na\na");
    /* A lone CR is still a control character. */
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("a\rb"), 0, &c),
                     STET_EINVAL);
}

/* 405 comments: pages of 200 start after the 200th and the 400th. */
static void test_pages(void **state)
{
    struct fixture *f = *state;
    enum { N = 2 * STORY_PAGE_COMMENTS + 5 };
    static int64_t ids[N];
    struct comment c, other;
    struct story s;
    struct story_page page;
    const char *cursor;
    for (int i = 0; i < N; i++) {
        assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("x"), 0, &c),
                         0);
        ids[i] = c.id;
    }
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("two"), STR_LIT("x"), 0, &other),
                     0);
    assert_int_equal(story_get(&f->d.ctx, STR_LIT("one"), &s), 0);

    const int first_page[] = {0, STORY_PAGE_COMMENTS - 1};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(comment_page_find(&f->d.ctx, &s, ids[first_page[i]], &cursor), 0);
        assert_null(cursor);
    }
    assert_int_equal(comment_page_find(&f->d.ctx, &s, ids[STORY_PAGE_COMMENTS], &cursor), 0);
    assert_string_equal(cursor, cursor_format_id(f->d.a, ids[STORY_PAGE_COMMENTS - 1]));
    assert_int_equal(comment_page_find(&f->d.ctx, &s, ids[N - 1], &cursor), 0);
    assert_string_equal(cursor, cursor_format_id(f->d.a, ids[2 * STORY_PAGE_COMMENTS - 1]));
    assert_int_equal(comment_page_find(&f->d.ctx, &s, other.id, &cursor), STET_ENOTFOUND);
    assert_int_equal(comment_page_find(&f->d.ctx, &s, ids[N - 1] + 100, &cursor), STET_ENOTFOUND);

    assert_int_equal(story_comments_load(&f->d.ctx, NULL, &s, STR_NULL, &page), 0);
    assert_int_equal(page.first_index, 1);
    assert_false(page.has_prev);
    assert_string_equal(page.next_cursor, cursor_format_id(f->d.a, ids[STORY_PAGE_COMMENTS - 1]));
    assert_int_equal(story_comments_load(&f->d.ctx, NULL, &s, str_from(page.next_cursor), &page),
                     0);
    assert_int_equal(page.first_index, STORY_PAGE_COMMENTS + 1);
    assert_true(page.has_prev);
    assert_null(page.prev_cursor);
    assert_int_equal(story_comments_load(&f->d.ctx, NULL, &s, str_from(page.next_cursor), &page),
                     0);
    assert_int_equal(page.first_index, 2 * STORY_PAGE_COMMENTS + 1);
    assert_int_equal(page.n_comments, 5);
    assert_null(page.next_cursor);
    assert_string_equal(page.prev_cursor, cursor_format_id(f->d.a, ids[STORY_PAGE_COMMENTS - 1]));
    /* A cursor that is no page boundary: the right range, and back to a boundary. */
    const char *odd = cursor_format_id(f->d.a, ids[STORY_PAGE_COMMENTS + 9]);
    assert_int_equal(story_comments_load(&f->d.ctx, NULL, &s, str_from(odd), &page), 0);
    assert_int_equal(page.first_index, STORY_PAGE_COMMENTS + 11);
    assert_string_equal(page.prev_cursor, cursor_format_id(f->d.a, ids[STORY_PAGE_COMMENTS - 1]));
}

static int fail_insert(struct store *st, const struct comment *c, int64_t *id, int64_t *seq)
{
    (void)st;
    (void)c;
    (void)id;
    (void)seq;
    return STET_EIO;
}

static void test_store_failure(void **state)
{
    struct fixture *f = *state;
    static struct store_ops patched;
    const struct store_ops *orig = f->d.st->ops;
    struct comment c;
    test_store_patch(f->d.st, &patched)->comment_insert = fail_insert;
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("x"), 0, &c),
                     STET_EIO);
    f->d.st->ops = orig;
    assert_int_equal(count_of(f, "one"), 0);
}

static void test_list_page(void **state)
{
    struct fixture *f = *state;
    struct comment c, *out;
    struct story s;
    size_t n;
    const char *next;
    for (int i = 0; i < 5; i++) {
        f->d.ctx.now++;
        assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("c"), 0, &c),
                         0);
    }
    assert_int_equal(
        comment_list_page(&f->d.ctx, NULL, STR_LIT("one"), false, 2, STR_NULL, &s, &out, &n, &next),
        0);
    assert_int_equal(n, 2);
    assert_non_null(next);
    int64_t seen = out[1].id;
    assert_int_equal(comment_list_page(&f->d.ctx, NULL, STR_LIT("one"), false, 2, str_from(next),
                                       &s, &out, &n, &next),
                     0);
    assert_int_equal(n, 2);
    assert_true(out[0].id > seen);
    assert_int_equal(comment_list_page(&f->d.ctx, NULL, STR_LIT("one"), false, 2, str_from(next),
                                       &s, &out, &n, &next),
                     0);
    assert_int_equal(n, 1);
    assert_null(next);
    assert_int_equal(
        comment_list_page(&f->d.ctx, NULL, STR_LIT("one"), false, 0, STR_NULL, &s, &out, &n, &next),
        STET_EBADREQ);
    assert_int_equal(comment_list_page(&f->d.ctx, NULL, STR_LIT("one"), false, 2, STR_LIT("x.y"),
                                       &s, &out, &n, &next),
                     STET_EBADREQ);
}

static void test_rate_limit(void **state)
{
    struct fixture *f = *state;
    struct domain_env limited = f->d.env;
    struct comment c;
    limited.limits.comment_account = (struct rate_limit){2, 60};
    f->d.ctx.env = &limited;
    f->d.ctx.client = STR_LIT("192.0.2.1"); /* limits apply to web clients only */
    memset(limited.rate_key, 'a', sizeof(limited.rate_key) - 1); /* any key names buckets */
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("a"), 0, &c), 0);
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("two"), STR_LIT("b"), 0, &c), 0);
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("c"), 0, &c),
                     STET_ERATE);
    assert_non_null(f->d.err.message);
    assert_int_equal(count_of(f, "one"), 1);
    /* Another account has its own allowance; the next minute starts afresh. */
    struct user other = {.username = "other", .display_name = "other", .email = "o@x"};
    assert_int_equal(store_user_insert(f->d.st, &other, "hash", &other.id), 0);
    assert_int_equal(comment_post(&f->d.ctx, &other, STR_LIT("one"), STR_LIT("d"), 0, &c), 0);
    f->d.ctx.now += 60;
    assert_int_equal(comment_post(&f->d.ctx, &f->reader, STR_LIT("one"), STR_LIT("e"), 0, &c), 0);
    assert_int_equal(count_of(f, "one"), 3);
    f->d.ctx.env = &f->d.env;
}

static void test_tree(void **state)
{
    struct fixture *f = *state;
    /* A chain of seven replies, a second top-level comment, and an orphan. */
    struct comment cs[9] = {0};
    for (int i = 0; i < 7; i++) {
        cs[i].id = i + 1;
        cs[i].parent_id = i; /* 0 for the first */
    }
    cs[7].id = 20;
    cs[8].id = 21;
    cs[8].parent_id = 999;
    struct comment_node *roots;
    comment_tree_build(f->d.a, cs, 9, &roots);
    assert_ptr_equal(roots->c, &cs[0]);
    assert_ptr_equal(roots->next->c, &cs[7]);
    assert_ptr_equal(roots->next->next->c, &cs[8]);
    assert_null(roots->next->next->next);
    const struct comment_node *n = roots;
    for (int depth = 1; depth <= COMMENT_THREAD_DEPTH; depth++) {
        assert_int_equal(n->depth, depth);
        if (depth < COMMENT_THREAD_DEPTH)
            n = n->first_child;
    }
    /* Comments 5, 6 and 7 are nested deeper than shown: 6 and 7 both hang below 4. */
    const struct comment_node *level4 = roots->first_child->first_child->first_child;
    assert_int_equal(level4->c->id, 4);
    assert_int_equal(level4->first_child->c->id, 5);
    assert_int_equal(level4->first_child->next->c->id, 6);
    assert_int_equal(level4->first_child->next->next->c->id, 7);
    assert_int_equal(level4->first_child->next->next->depth, COMMENT_THREAD_DEPTH);
    comment_tree_build(f->d.a, cs, 0, &roots);
    assert_null(roots);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_post_and_reply, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_length_and_line_breaks, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pages, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_rules, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_store_failure, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_list_page, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tree, setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
