/* Accounts and sessions: registration rules, conflicts named by field, login by
 * username or email, the same answer for an unknown user and a wrong password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/password.h"
#include "domain/sessions.h"
#include "domain/users.h"
#include "test_store.h"

#include <string.h>

static const struct domain_env env = {.comment_max_chars = 100};

struct fixture {
    struct arena *a;
    struct store *st;
    struct err_detail err;
    struct dctx ctx;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_int_equal(secret_init(), 0);
    f->a = arena_new(4096);
    f->st = test_store_new();
    f->ctx = (struct dctx){.a = f->a, .st = f->st, .env = &env, .now = 1700000000, .err = &f->err};
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

static void test_register_and_login(void **state)
{
    struct fixture *f = *state;
    struct user u, v;
    assert_int_equal(user_create(&f->ctx, STR_LIT("Ann"), STR_LIT("ann@example.com"),
                                 STR_LIT("correct horse"), ROLE_READER, &u),
                     0);
    assert_true(u.id > 0);
    assert_int_equal(user_login(&f->ctx, STR_LIT("ann"), STR_LIT("correct horse"), &v), 0);
    assert_int_equal(v.id, u.id);
    assert_int_equal(user_login(&f->ctx, STR_LIT("ANN@EXAMPLE.COM"), STR_LIT("correct horse"), &v),
                     0);
    assert_int_equal(user_login(&f->ctx, STR_LIT("ann"), STR_LIT("wrong horse"), &v), STET_EUNAUTH);
    const char *wrong = f->err.message;
    f->err.message = NULL;
    assert_int_equal(user_login(&f->ctx, STR_LIT("nobody"), STR_LIT("correct horse"), &v),
                     STET_EUNAUTH);
    assert_string_equal(f->err.message, wrong);
}

static void test_register_rules(void **state)
{
    struct fixture *f = *state;
    struct user u;
    assert_int_equal(
        user_create(&f->ctx, STR_LIT("ann"), STR_LIT("a@x"), STR_LIT("short"), ROLE_READER, &u),
        STET_EINVAL);
    assert_string_equal(f->err.field, "password");
    assert_int_equal(user_create(&f->ctx, STR_LIT("ann"), STR_LIT("a@x"), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     0);
    assert_int_equal(user_create(&f->ctx, STR_LIT("ANN"), STR_LIT("b@x"), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     STET_ECONFLICT);
    assert_string_equal(f->err.field, "username");
    assert_int_equal(user_create(&f->ctx, STR_LIT("bob"), STR_LIT("A@X"), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     STET_ECONFLICT);
    assert_string_equal(f->err.field, "email");
    assert_int_equal(user_change_role(&f->ctx, STR_LIT("ann"), STR_LIT("emperor")), STET_EINVAL);
    assert_int_equal(user_change_role(&f->ctx, STR_LIT("ghost"), STR_LIT("admin")), STET_ENOTFOUND);
    assert_int_equal(user_change_role(&f->ctx, STR_LIT("ann"), STR_LIT("moderator")), 0);
}

static void test_login_rate_limit(void **state)
{
    struct fixture *f = *state;
    struct domain_env limited = env;
    struct user u;
    limited.logins_per_15min = 3;
    f->ctx.env = &limited;
    assert_int_equal(user_create(&f->ctx, STR_LIT("dan"), STR_LIT("d@x"), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     0);
    assert_int_equal(user_login(&f->ctx, STR_LIT("dan"), STR_LIT("wrong one"), &u), STET_EUNAUTH);
    assert_int_equal(user_login(&f->ctx, STR_LIT("DAN"), STR_LIT("wrong two"), &u), STET_EUNAUTH);
    assert_int_equal(user_login(&f->ctx, STR_LIT("dan"), STR_LIT("wrong 3"), &u), STET_EUNAUTH);
    /* The fourth attempt is refused even with the right password. */
    assert_int_equal(user_login(&f->ctx, STR_LIT("dan"), STR_LIT("long enough"), &u), STET_ERATE);
    f->ctx.now += 15 * 60;
    assert_int_equal(user_login(&f->ctx, STR_LIT("dan"), STR_LIT("long enough"), &u), 0);
    f->ctx.env = &env;
}

static void test_sessions(void **state)
{
    struct fixture *f = *state;
    struct user u, v;
    char token[TOKEN_LEN + 1];
    assert_int_equal(user_create(&f->ctx, STR_LIT("cat"), STR_LIT("c@x"), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     0);
    assert_int_equal(session_start(&f->ctx, u.id, token), 0);
    assert_int_equal(strlen(token), TOKEN_LEN);
    assert_int_equal(session_resolve(&f->ctx, str_from(token), &v), 0);
    assert_string_equal(v.username, "cat");
    assert_int_equal(session_resolve(&f->ctx, STR_LIT("short"), &v), STET_EUNAUTH);
    token[0] = token[0] == 'a' ? 'b' : 'a';
    assert_int_equal(session_resolve(&f->ctx, str_from(token), &v), STET_EUNAUTH);
    token[0] = token[0] == 'a' ? 'b' : 'a';
    f->ctx.now += SESSION_TTL_S + 1;
    assert_int_equal(session_resolve(&f->ctx, str_from(token), &v), STET_EUNAUTH);
    f->ctx.now -= SESSION_TTL_S + 1;
    assert_int_equal(session_end(&f->ctx, str_from(token)), 0);
    assert_int_equal(session_resolve(&f->ctx, str_from(token), &v), STET_EUNAUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_and_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
