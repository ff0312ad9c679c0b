/* Editing and deleting one's own comment: who may, until when, what the refusals
 * say, that a refusal changes nothing, and that open pages are told (published). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/comment_edit.h"
#include "domain/comments.h"
#include "domain/stories.h"
#include "test_store.h"

#include <string.h>

#define T0 1700000000

static int fake_markdown(struct arena *a, const char *src, size_t len, char **out)
{
    *out = arena_printf(a, "<p>%.*s</p>", (int)len, src);
    return 0;
}

/* What the domain told the live hub. */
static int64_t g_published_story, g_published_seq;
static int g_published;

static void on_published(void *ctx, int64_t story_id, int64_t seq)
{
    (void)ctx;
    g_published++;
    g_published_story = story_id;
    g_published_seq = seq;
}

static const struct domain_env env = {.markdown = fake_markdown,
                                      .story_markdown = fake_markdown,
                                      .comment_max_chars = 20,
                                      .edit_window = 900,
                                      .published = on_published};
static const struct user admin = {.id = 0, .username = "ed", .role = ROLE_ADMIN};

struct fixture {
    struct arena *a;
    struct store *st;
    struct err_detail err;
    struct dctx ctx;
    struct user anna, bob, mod;
    struct comment c; /* anna's, posted at T0 on "one" */
};

static struct user add_user(struct fixture *f, const char *name, enum role role)
{
    struct user u = {.username = name,
                     .display_name = name,
                     .email = arena_printf(f->a, "%s@x.example", name),
                     .role = role,
                     .created_at = 1};
    assert_int_equal(store_user_insert(f->st, &u, "hash", &u.id), 0);
    assert_int_equal(store_user_set_role(f->st, str_from(name), role), 0);
    return u;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->a = arena_new(4096);
    f->st = test_store_new();
    f->ctx = (struct dctx){.a = f->a, .st = f->st, .env = &env, .now = T0, .err = &f->err};
    f->anna = add_user(f, "anna", ROLE_READER);
    f->bob = add_user(f, "bob", ROLE_READER);
    f->mod = add_user(f, "mod", ROLE_MODERATOR);
    struct story s;
    struct story_input one = {.slug = STR_LIT("one"), .title = STR_LIT("One")};
    assert_int_equal(story_create(&f->ctx, &admin, &one, &s), 0);
    assert_int_equal(comment_post(&f->ctx, &f->anna, STR_LIT("one"), STR_LIT("first"), 0, &f->c),
                     0);
    g_published = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->st);
    arena_free(f->a);
    free(f);
    return 0;
}

static struct comment stored(struct fixture *f)
{
    struct comment c;
    assert_int_equal(store_comment_find(f->a, f->st, f->c.id, &c), 0);
    return c;
}

static void test_edit_until_the_window_closes(void **state)
{
    struct fixture *f = *state;
    struct comment out;
    f->ctx.now = T0 + 899; /* the last second of the window */
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT(" second\r\n"), &out), 0);
    assert_string_equal(out.body_src, "second");
    assert_string_equal(out.body_html, "<p>second</p>");
    assert_int_equal(out.edited_at, T0 + 899);
    assert_int_equal(out.created_at, T0);
    assert_string_equal(out.author_username, "anna");
    assert_string_equal(stored(f).body_src, "second");
    assert_int_equal(g_published, 1);
    assert_int_equal(g_published_story, f->c.story_id);
    assert_int_equal(g_published_seq, out.event_seq);

    f->ctx.now = T0 + 900;
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT("third"), &out),
                     STET_EFORBIDDEN);
    assert_string_equal(f->err.message, "The edit window of 15 minutes has passed.");
    assert_string_equal(stored(f).body_src, "second");
    assert_int_equal(g_published, 1);
}

static void test_edit_refusals_change_nothing(void **state)
{
    struct fixture *f = *state;
    struct comment out;
    assert_int_equal(comment_edit(&f->ctx, NULL, f->c.id, STR_LIT("x"), &out), STET_EUNAUTH);
    assert_int_equal(comment_edit(&f->ctx, &f->bob, f->c.id, STR_LIT("x"), &out), STET_EFORBIDDEN);
    assert_string_equal(f->err.message, "You can edit only your own comments.");
    /* Moderators do not put words in someone's mouth either. */
    assert_int_equal(comment_edit(&f->ctx, &f->mod, f->c.id, STR_LIT("x"), &out), STET_EFORBIDDEN);
    assert_int_equal(comment_edit(&f->ctx, &f->anna, 0, STR_LIT("x"), &out), STET_ENOTFOUND);
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id + 100, STR_LIT("x"), &out),
                     STET_ENOTFOUND);
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT("   "), &out), STET_EINVAL);
    assert_string_equal(f->err.field, "body");
    assert_int_equal(
        comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT("twenty-one characters"), &out),
        STET_EINVAL);
    assert_int_equal(story_set_comments_open(&f->ctx, STR_LIT("one"), false), 0);
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT("x"), &out), STET_ECLOSED);

    struct domain_env off = env;
    off.edit_window = 0;
    f->ctx.env = &off;
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT("x"), &out), STET_EFORBIDDEN);
    assert_string_equal(f->err.message, "Comments cannot be edited on this site.");
    struct comment c = stored(f);
    assert_string_equal(c.body_src, "first");
    assert_int_equal(c.edited_at, 0);
    assert_int_equal(g_published, 0);
}

static void test_window_in_seconds(void **state)
{
    struct fixture *f = *state;
    struct domain_env short_window = env;
    short_window.edit_window = 90;
    f->ctx.env = &short_window;
    f->ctx.now = T0 + 90;
    struct comment out;
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT("x"), &out), STET_EFORBIDDEN);
    assert_string_equal(f->err.message, "The edit window of 90 seconds has passed.");
}

static void test_delete_rules(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(comment_delete(&f->ctx, NULL, f->c.id), STET_EUNAUTH);
    assert_int_equal(comment_delete(&f->ctx, &f->bob, f->c.id), STET_EFORBIDDEN);
    assert_int_equal(stored(f).status, COMMENT_VISIBLE);
    assert_int_equal(g_published, 0);
    /* Long after the edit window, the author still may. */
    f->ctx.now = T0 + 86400;
    assert_int_equal(comment_delete(&f->ctx, &f->anna, f->c.id), 0);
    assert_int_equal(stored(f).status, COMMENT_DELETED);
    assert_int_equal(g_published, 1);
    /* Deleted: gone for everyone, the moderator too. */
    assert_int_equal(comment_delete(&f->ctx, &f->anna, f->c.id), STET_ENOTFOUND);
    assert_int_equal(comment_delete(&f->ctx, &f->mod, f->c.id), STET_ENOTFOUND);
    struct comment out;
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT("x"), &out), STET_ENOTFOUND);
}

static void test_moderator_deletes(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(comment_delete(&f->ctx, &f->mod, f->c.id), 0);
    assert_int_equal(stored(f).status, COMMENT_DELETED);
    assert_int_equal(g_published, 1);
}

/* Someone else's comment that is not on the page does not exist for a reader. */
static void test_hidden_comments(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_exec_sql(f->st, "UPDATE comments SET status = 'held'"), 0);
    struct comment out;
    assert_int_equal(comment_edit(&f->ctx, &f->bob, f->c.id, STR_LIT("x"), &out), STET_ENOTFOUND);
    assert_int_equal(comment_delete(&f->ctx, &f->bob, f->c.id), STET_ENOTFOUND);
    /* Its author may still fix it while it waits; no page changes, nothing is sent. */
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT("fixed"), &out), 0);
    assert_int_equal(out.status, COMMENT_HELD);
    assert_int_equal(g_published, 0);
    assert_int_equal(store_exec_sql(f->st, "UPDATE comments SET status = 'rejected'"), 0);
    assert_int_equal(comment_edit(&f->ctx, &f->anna, f->c.id, STR_LIT("again"), &out),
                     STET_EFORBIDDEN);
    assert_string_equal(stored(f).body_src, "fixed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_edit_until_the_window_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_refusals_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_in_seconds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moderator_deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hidden_comments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
