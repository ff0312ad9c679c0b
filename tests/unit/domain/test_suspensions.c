/* In the domain: who may suspend, ban or change the role of whom,
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
#include "domain_fixture.h"

#include <string.h>

struct fixture {
    struct domain_fixture d; /* first: see domain_fixture_new */
    struct user admin, mod, mod2, reader;
};

static int setup(void **state)
{
    struct fixture *f = domain_fixture_new(sizeof(*f));
    f->d.env.comment_max_chars = 100;
    f->d.env.report_threshold = 1;
    f->admin = domain_fixture_user(&f->d, "admin", ROLE_ADMIN);
    f->mod = domain_fixture_user(&f->d, "mod", ROLE_MODERATOR);
    f->mod2 = domain_fixture_user(&f->d, "mod2", ROLE_MODERATOR);
    f->reader = domain_fixture_user(&f->d, "reader", ROLE_READER);
    *state = f;
    return 0;
}

static int64_t suspended_until(struct fixture *f, const struct user *u)
{
    struct user now;
    assert_int_equal(store_user_find_id(f->d.a, f->d.st, u->id, &now), 0);
    return now.suspended_until;
}

static void test_not_suspended_check(void **state)
{
    struct fixture *f = *state;
    struct user u = f->reader;
    assert_int_equal(user_check_not_suspended(&f->d.ctx, &u), 0);
    u.suspended_until = f->d.ctx.now; /* ended this second */
    assert_int_equal(user_check_not_suspended(&f->d.ctx, &u), 0);
    u.suspended_until = f->d.ctx.now + 1;
    assert_int_equal(user_check_not_suspended(&f->d.ctx, &u), STET_EFORBIDDEN);
    assert_non_null(strstr(f->d.err.message, "Your account is suspended until "));
    assert_non_null(strstr(f->d.err.message, "November 2023"));
    u.suspended_until = USER_BANNED;
    assert_int_equal(user_check_not_suspended(&f->d.ctx, &u), STET_EFORBIDDEN);
    assert_string_equal(f->d.err.message, "Your account is banned.");
}

static void test_who_may_suspend_whom(void **state)
{
    struct fixture *f = *state;
    const struct str why = STR_LIT("Abuse.");
    const int64_t later = f->d.ctx.now + 3600;
    assert_int_equal(user_suspend(&f->d.ctx, NULL, STR_LIT("reader"), later, why), STET_EUNAUTH);
    assert_int_equal(user_suspend(&f->d.ctx, &f->reader, STR_LIT("mod"), later, why),
                     STET_EFORBIDDEN);
    assert_int_equal(user_suspend(&f->d.ctx, &f->mod, STR_LIT("admin"), later, why),
                     STET_EFORBIDDEN);
    assert_int_equal(user_suspend(&f->d.ctx, &f->admin, STR_LIT("admin"), later, why),
                     STET_EFORBIDDEN);
    assert_int_equal(user_suspend(&f->d.ctx, &f->mod, STR_LIT("mod2"), later, why),
                     STET_EFORBIDDEN);
    assert_string_equal(f->d.err.message, "Only an admin can suspend a moderator.");
    assert_int_equal(user_suspend(&f->d.ctx, &f->mod, STR_LIT("mod"), later, why), STET_EFORBIDDEN);
    assert_int_equal(suspended_until(f, &f->mod2), 0);
    assert_int_equal(suspended_until(f, &f->admin), 0);

    assert_int_equal(user_suspend(&f->d.ctx, &f->mod, STR_LIT("nobody"), later, why),
                     STET_ENOTFOUND);
    assert_int_equal(user_suspend(&f->d.ctx, &f->mod, STR_LIT("reader@example.com"), later, why),
                     STET_ENOTFOUND);
    assert_int_equal(user_suspend(&f->d.ctx, &f->mod, STR_LIT("reader"), f->d.ctx.now, why),
                     STET_EINVAL);
    assert_string_equal(f->d.err.field, "until");
    assert_int_equal(user_suspend(&f->d.ctx, &f->mod, STR_LIT("reader"), later, STR_LIT(" ")),
                     STET_EINVAL);
    assert_string_equal(f->d.err.field, "reason");
    assert_int_equal(suspended_until(f, &f->reader), 0);

    assert_int_equal(user_suspend(&f->d.ctx, &f->mod, STR_LIT("READER"), later, why), 0);
    assert_int_equal(suspended_until(f, &f->reader), later);
    assert_int_equal(user_suspend(&f->d.ctx, &f->admin, STR_LIT("mod2"), 0, why), 0);
    assert_true(suspended_until(f, &f->mod2) == USER_BANNED);
    assert_int_equal(user_unsuspend(&f->d.ctx, &f->mod, STR_LIT("mod2")), STET_EFORBIDDEN);
    assert_int_equal(user_unsuspend(&f->d.ctx, &f->reader, STR_LIT("reader")), STET_EFORBIDDEN);
    assert_int_equal(user_unsuspend(&f->d.ctx, &f->admin, STR_LIT("mod2")), 0);
    assert_int_equal(suspended_until(f, &f->mod2), 0);
    assert_int_equal(user_unsuspend(&f->d.ctx, &f->admin, STR_LIT("mod2")), 0);
}

static void test_role_change_by_admins_only(void **state)
{
    struct fixture *f = *state;
    struct user out;
    assert_int_equal(
        user_change_role_by(&f->d.ctx, NULL, STR_LIT("reader"), STR_LIT("admin"), &out),
        STET_EUNAUTH);
    assert_int_equal(
        user_change_role_by(&f->d.ctx, &f->mod, STR_LIT("reader"), STR_LIT("moderator"), &out),
        STET_EFORBIDDEN);
    assert_int_equal(
        user_change_role_by(&f->d.ctx, &f->admin, STR_LIT("admin"), STR_LIT("reader"), &out),
        STET_EINVAL);
    assert_int_equal(
        user_change_role_by(&f->d.ctx, &f->admin, STR_LIT("reader"), STR_LIT("king"), &out),
        STET_EINVAL);
    assert_int_equal(
        user_change_role_by(&f->d.ctx, &f->admin, STR_LIT("reader"), STR_LIT("moderator"), &out),
        0);
    assert_int_equal(out.role, ROLE_MODERATOR);
    assert_string_equal(out.username, "reader");
}

static void test_report_rules(void **state)
{
    struct fixture *f = *state;
    struct report r;
    struct story s = {.id = domain_fixture_story(&f->d, "s", "S")};
    int64_t seq;
    struct comment c = {.id =
                            domain_fixture_comment(&f->d, s.id, f->mod.id, COMMENT_VISIBLE, &seq)};
    const struct str why = STR_LIT("Spam.");

    assert_int_equal(report_comment(&f->d.ctx, NULL, c.id, why, &r), STET_EUNAUTH);
    assert_int_equal(report_comment(&f->d.ctx, &f->mod, c.id, why, &r), STET_EINVAL);
    assert_int_equal(report_comment(&f->d.ctx, &f->reader, c.id + 1, why, &r), STET_ENOTFOUND);
    assert_int_equal(report_comment(&f->d.ctx, &f->reader, 0, why, &r), STET_ENOTFOUND);
    struct user banned = f->reader;
    banned.suspended_until = USER_BANNED;
    assert_int_equal(report_comment(&f->d.ctx, &banned, c.id, why, &r), STET_EFORBIDDEN);
    assert_int_equal(f->d.published.seq, 0);

    /* Threshold 1: this report holds the comment, and the hold is published. */
    assert_int_equal(report_comment(&f->d.ctx, &f->reader, c.id, STR_LIT("  Spam.  "), &r), 0);
    assert_string_equal(r.reason, "Spam.");
    assert_int_equal(f->d.published.story_id, s.id);
    assert_true(f->d.published.seq > seq);
    assert_int_equal(report_comment(&f->d.ctx, &f->admin, c.id, why, &r), STET_ENOTFOUND);
}

static void test_suspended_author_cannot_post(void **state)
{
    struct fixture *f = *state;
    struct comment out;
    struct user u = f->reader;
    u.suspended_until = f->d.ctx.now + 60;
    /* Refused before the story is even looked up. */
    assert_int_equal(comment_post(&f->d.ctx, &u, STR_LIT("no-such-story"), STR_LIT("hi"), 0, &out),
                     STET_EFORBIDDEN);
    u.suspended_until = USER_BANNED;
    assert_int_equal(comment_post(&f->d.ctx, &u, STR_LIT("no-such-story"), STR_LIT("hi"), 0, &out),
                     STET_EFORBIDDEN);
    assert_string_equal(f->d.err.message, "Your account is banned.");
    u.suspended_until = f->d.ctx.now;
    assert_int_equal(comment_post(&f->d.ctx, &u, STR_LIT("no-such-story"), STR_LIT("hi"), 0, &out),
                     STET_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_not_suspended_check, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_who_may_suspend_whom, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_role_change_by_admins_only, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_report_rules, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_suspended_author_cannot_post, setup,
                                        domain_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
