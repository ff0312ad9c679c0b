/* Issue 11 part C in the domain: who may suspend, ban or change the role of whom,
 * what a suspended or banned account is told when it writes, and the rules of a
 * report (anonymous, own comment, held comment, the hold published live). On a
 * migrated in-memory SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/comments.h"
#include "domain/reports.h"
#include "domain/suspensions.h"
#include "test_store.h"

#include <string.h>

struct fixture {
    struct arena *a;
    struct store *st;
    struct err_detail err;
    struct domain_env env;
    struct dctx ctx;
    int64_t published_story, published_seq;
    struct user admin, mod, mod2, reader;
};

static void on_published(void *ctx, int64_t story_id, int64_t seq)
{
    struct fixture *f = ctx;
    f->published_story = story_id;
    f->published_seq = seq;
}

static struct user add_user(struct fixture *f, const char *name, enum role role)
{
    struct user u = {.username = name,
                     .display_name = name,
                     .email = arena_printf(f->a, "%s@example.com", name),
                     .role = role,
                     .created_at = 1};
    assert_int_equal(store_user_insert(f->st, &u, "$argon2id$fake", &u.id), 0);
    return u;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->a = arena_new(4096);
    f->st = test_store_new();
    f->env.comment_max_chars = 100;
    f->env.report_threshold = 1;
    f->env.published = on_published;
    f->env.published_ctx = f;
    f->ctx =
        (struct dctx){.a = f->a, .st = f->st, .env = &f->env, .now = 1700000000, .err = &f->err};
    f->admin = add_user(f, "admin", ROLE_ADMIN);
    f->mod = add_user(f, "mod", ROLE_MODERATOR);
    f->mod2 = add_user(f, "mod2", ROLE_MODERATOR);
    f->reader = add_user(f, "reader", ROLE_READER);
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

static int64_t suspended_until(struct fixture *f, const struct user *u)
{
    struct user now;
    assert_int_equal(store_user_find_id(f->a, f->st, u->id, &now), 0);
    return now.suspended_until;
}

static void test_not_suspended_check(void **state)
{
    struct fixture *f = *state;
    struct user u = f->reader;
    assert_int_equal(user_check_not_suspended(&f->ctx, &u), 0);
    u.suspended_until = f->ctx.now; /* ended this second */
    assert_int_equal(user_check_not_suspended(&f->ctx, &u), 0);
    u.suspended_until = f->ctx.now + 1;
    assert_int_equal(user_check_not_suspended(&f->ctx, &u), STET_EFORBIDDEN);
    assert_non_null(strstr(f->err.message, "Your account is suspended until "));
    assert_non_null(strstr(f->err.message, "November 2023"));
    u.suspended_until = USER_BANNED;
    assert_int_equal(user_check_not_suspended(&f->ctx, &u), STET_EFORBIDDEN);
    assert_string_equal(f->err.message, "Your account is banned.");
}

static void test_who_may_suspend_whom(void **state)
{
    struct fixture *f = *state;
    const struct str why = STR_LIT("Abuse.");
    const int64_t later = f->ctx.now + 3600;
    assert_int_equal(user_suspend(&f->ctx, NULL, STR_LIT("reader"), later, why), STET_EUNAUTH);
    assert_int_equal(user_suspend(&f->ctx, &f->reader, STR_LIT("mod"), later, why),
                     STET_EFORBIDDEN);
    assert_int_equal(user_suspend(&f->ctx, &f->mod, STR_LIT("admin"), later, why), STET_EFORBIDDEN);
    assert_int_equal(user_suspend(&f->ctx, &f->admin, STR_LIT("admin"), later, why),
                     STET_EFORBIDDEN);
    assert_int_equal(user_suspend(&f->ctx, &f->mod, STR_LIT("mod2"), later, why), STET_EFORBIDDEN);
    assert_string_equal(f->err.message, "Only an admin can suspend a moderator.");
    assert_int_equal(user_suspend(&f->ctx, &f->mod, STR_LIT("mod"), later, why), STET_EFORBIDDEN);
    assert_int_equal(suspended_until(f, &f->mod2), 0);
    assert_int_equal(suspended_until(f, &f->admin), 0);

    assert_int_equal(user_suspend(&f->ctx, &f->mod, STR_LIT("nobody"), later, why), STET_ENOTFOUND);
    assert_int_equal(user_suspend(&f->ctx, &f->mod, STR_LIT("reader@example.com"), later, why),
                     STET_ENOTFOUND);
    assert_int_equal(user_suspend(&f->ctx, &f->mod, STR_LIT("reader"), f->ctx.now, why),
                     STET_EINVAL);
    assert_string_equal(f->err.field, "until");
    assert_int_equal(user_suspend(&f->ctx, &f->mod, STR_LIT("reader"), later, STR_LIT(" ")),
                     STET_EINVAL);
    assert_string_equal(f->err.field, "reason");
    assert_int_equal(suspended_until(f, &f->reader), 0);

    assert_int_equal(user_suspend(&f->ctx, &f->mod, STR_LIT("READER"), later, why), 0);
    assert_int_equal(suspended_until(f, &f->reader), later);
    assert_int_equal(user_suspend(&f->ctx, &f->admin, STR_LIT("mod2"), 0, why), 0);
    assert_true(suspended_until(f, &f->mod2) == USER_BANNED);
    assert_int_equal(user_unsuspend(&f->ctx, &f->mod, STR_LIT("mod2")), STET_EFORBIDDEN);
    assert_int_equal(user_unsuspend(&f->ctx, &f->reader, STR_LIT("reader")), STET_EFORBIDDEN);
    assert_int_equal(user_unsuspend(&f->ctx, &f->admin, STR_LIT("mod2")), 0);
    assert_int_equal(suspended_until(f, &f->mod2), 0);
    assert_int_equal(user_unsuspend(&f->ctx, &f->admin, STR_LIT("mod2")), 0);
}

static void test_role_change_by_admins_only(void **state)
{
    struct fixture *f = *state;
    struct user out;
    assert_int_equal(user_change_role_by(&f->ctx, NULL, STR_LIT("reader"), STR_LIT("admin"), &out),
                     STET_EUNAUTH);
    assert_int_equal(
        user_change_role_by(&f->ctx, &f->mod, STR_LIT("reader"), STR_LIT("moderator"), &out),
        STET_EFORBIDDEN);
    assert_int_equal(
        user_change_role_by(&f->ctx, &f->admin, STR_LIT("admin"), STR_LIT("reader"), &out),
        STET_EINVAL);
    assert_int_equal(
        user_change_role_by(&f->ctx, &f->admin, STR_LIT("reader"), STR_LIT("king"), &out),
        STET_EINVAL);
    assert_int_equal(
        user_change_role_by(&f->ctx, &f->admin, STR_LIT("reader"), STR_LIT("moderator"), &out), 0);
    assert_int_equal(out.role, ROLE_MODERATOR);
    assert_string_equal(out.username, "reader");
}

static void test_report_rules(void **state)
{
    struct fixture *f = *state;
    struct report r;
    struct story s = {.slug = "s",
                      .title = "S",
                      .body_src = "",
                      .body_html = "",
                      .published_at = 1,
                      .created_at = 1,
                      .comments_open = true};
    assert_int_equal(store_story_insert(f->st, &s, &s.id), 0);
    struct comment c = {.story_id = s.id,
                        .author_id = f->mod.id,
                        .body_src = "x",
                        .body_html = "<p>x</p>",
                        .created_at = 1,
                        .status = COMMENT_VISIBLE};
    int64_t seq;
    assert_int_equal(store_comment_insert(f->st, &c, &c.id, &seq), 0);
    const struct str why = STR_LIT("Spam.");

    assert_int_equal(report_comment(&f->ctx, NULL, c.id, why, &r), STET_EUNAUTH);
    assert_int_equal(report_comment(&f->ctx, &f->mod, c.id, why, &r), STET_EINVAL);
    assert_int_equal(report_comment(&f->ctx, &f->reader, c.id + 1, why, &r), STET_ENOTFOUND);
    assert_int_equal(report_comment(&f->ctx, &f->reader, 0, why, &r), STET_ENOTFOUND);
    struct user banned = f->reader;
    banned.suspended_until = USER_BANNED;
    assert_int_equal(report_comment(&f->ctx, &banned, c.id, why, &r), STET_EFORBIDDEN);
    assert_int_equal(f->published_seq, 0);

    /* Threshold 1: this report holds the comment, and the hold is published. */
    assert_int_equal(report_comment(&f->ctx, &f->reader, c.id, STR_LIT("  Spam.  "), &r), 0);
    assert_string_equal(r.reason, "Spam.");
    assert_int_equal(f->published_story, s.id);
    assert_true(f->published_seq > seq);
    assert_int_equal(report_comment(&f->ctx, &f->admin, c.id, why, &r), STET_ENOTFOUND);
}

static void test_suspended_author_cannot_post(void **state)
{
    struct fixture *f = *state;
    struct comment out;
    struct user u = f->reader;
    u.suspended_until = f->ctx.now + 60;
    /* Refused before the story is even looked up. */
    assert_int_equal(comment_post(&f->ctx, &u, STR_LIT("no-such-story"), STR_LIT("hi"), 0, &out),
                     STET_EFORBIDDEN);
    u.suspended_until = USER_BANNED;
    assert_int_equal(comment_post(&f->ctx, &u, STR_LIT("no-such-story"), STR_LIT("hi"), 0, &out),
                     STET_EFORBIDDEN);
    assert_string_equal(f->err.message, "Your account is banned.");
    u.suspended_until = f->ctx.now;
    assert_int_equal(comment_post(&f->ctx, &u, STR_LIT("no-such-story"), STR_LIT("hi"), 0, &out),
                     STET_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_not_suspended_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who_may_suspend_whom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role_change_by_admins_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspended_author_cannot_post, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
