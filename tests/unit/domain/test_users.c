/* Accounts and sessions: registration rules, conflicts named by field, login by
 * username or email, the same answer for an unknown user and a wrong password, and
 * the rate limits on guessing and registering (issue 8): throttled per client, per
 * (account, client) and per account, never locking the owner out, with the exact
 * wait, and bucket names that reveal nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/password.h"
#include "domain/ratelimit.h"
#include "domain/sessions.h"
#include "domain/users.h"
#include "domain_fixture.h"
#include "store/copy.h"

#include <string.h>

static int setup(void **state)
{
    assert_int_equal(secret_init(), 0);
    struct domain_fixture *f = domain_fixture_new(sizeof(*f));
    f->env.comment_max_chars = 100; /* and no rate limits unless a test sets some */
    assert_int_equal(rate_key_load(f->st, f->env.rate_key), 0);
    f->ctx.client = STR_LIT("192.0.2.1");
    *state = f;
    return 0;
}

static void test_register_and_login(void **state)
{
    struct domain_fixture *f = *state;
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

/* A stored hash no password matches (an account imported without a password) and
 * none at all refuse every password; a real hash takes its own. */
static void test_verify_only_real_hashes(void **state)
{
    (void)state;
    const struct str pw = STR_LIT("correct horse battery");
    char hash[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash(pw, hash), 0);
    assert_true(password_verify(hash, pw));
    assert_false(password_verify(hash, STR_LIT("wrong horse battery")));
    assert_false(password_verify(NULL, pw));
    assert_false(password_verify("", pw));
    assert_false(password_verify("!imported", pw));
    assert_false(password_verify("$argon2i$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$aGFzaA", pw));
}

static void test_register_rules(void **state)
{
    struct domain_fixture *f = *state;
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

/* Issue 9: a registration lists every problem at once, the taken values beside the
 * broken rules, in the form's order, and writes nothing. */
static void test_register_reports_every_problem(void **state)
{
    struct domain_fixture *f = *state;
    struct field_errors p;
    struct user u, v;
    assert_int_equal(user_create(&f->ctx, STR_LIT("ann"), STR_LIT("ann@example.com"),
                                 STR_LIT("long enough"), ROLE_READER, &u),
                     0);
    assert_int_equal(user_register(&f->ctx, STR_LIT("Ann"), STR_LIT("ANN@example.com"),
                                   STR_LIT("short"), &p, &u),
                     STET_EINVAL);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.items[0].rc, STET_ECONFLICT);
    assert_string_equal(p.items[0].field, "username");
    assert_string_equal(p.items[0].message, "That username is already taken.");
    assert_int_equal(p.items[1].rc, STET_ECONFLICT);
    assert_string_equal(p.items[1].field, "email");
    assert_int_equal(p.items[2].rc, STET_EINVAL);
    assert_string_equal(p.items[2].field, "password");
    /* The one field for the API and the command line: the rule. */
    assert_string_equal(f->err.field, "password");

    assert_int_equal(user_register(&f->ctx, STR_LIT("x"), STR_LIT("ann@example.com"),
                                   STR_LIT("        "), &p, &u),
                     STET_EINVAL);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.items[0].rc, STET_EINVAL);
    assert_int_equal(p.items[1].rc, STET_ECONFLICT);
    assert_string_equal(p.items[2].message, "Password cannot be only spaces or other white space.");

    /* Only taken values: 409, naming both. */
    assert_int_equal(user_register(&f->ctx, STR_LIT("ANN"), STR_LIT("Ann@Example.com"),
                                   STR_LIT("long enough"), &p, &u),
                     STET_ECONFLICT);
    assert_int_equal(p.n, 2);
    assert_string_equal(f->err.field, "username");

    /* Nothing of a refused registration is written; a good one empties the list. */
    assert_int_equal(store_user_find_login(f->a, f->st, STR_LIT("x"), &v, NULL), STET_ENOTFOUND);
    assert_int_equal(user_register(&f->ctx, STR_LIT("bea"), STR_LIT("bea@example.com"),
                                   STR_LIT("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                           "\xc3\xa9\xc3\xa9"),
                                   &p, &u),
                     0);
    assert_int_equal(p.n, 0);
    assert_int_equal(u.role, ROLE_READER);
}

/* Looking a name or e-mail up tells whether it exists. With a rule broken the
 * lookups are limited like login attempts from the client, and when that allowance
 * is spent the form lists the broken rules alone; the registration allowance is
 * spent only by registrations that go ahead. */
static void test_register_lookups_are_limited(void **state)
{
    struct domain_fixture *f = *state;
    struct field_errors p;
    struct user u;
    f->ctx.client = STR_NULL; /* the command line: not limited */
    assert_int_equal(user_create(&f->ctx, STR_LIT("bob"), STR_LIT("bob@x"), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     0);
    f->ctx.client = STR_LIT("192.0.2.9");
    f->env.limits.register_client = (struct rate_limit){1, 3600};
    f->env.limits.login_client = (struct rate_limit){2, 3600};
    /* Nothing well formed to look up: free. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(
            user_register(&f->ctx, STR_LIT("x"), STR_LIT("x"), STR_LIT("short"), &p, &u),
            STET_EINVAL);
    assert_int_equal(p.n, 3);
    assert_int_equal(
        user_register(&f->ctx, STR_LIT("amy"), STR_LIT("amy@x"), STR_LIT("short"), &p, &u),
        STET_EINVAL);
    assert_int_equal(p.n, 1);
    assert_int_equal(
        user_register(&f->ctx, STR_LIT("bob"), STR_LIT("bob@x"), STR_LIT("short"), &p, &u),
        STET_EINVAL);
    assert_int_equal(p.n, 3);
    /* The probe allowance is spent: the rule alone, nothing about bob. */
    assert_int_equal(
        user_register(&f->ctx, STR_LIT("bob"), STR_LIT("bob@x"), STR_LIT("short"), &p, &u),
        STET_EINVAL);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].field, "password");
    /* The registration allowance is whole. */
    assert_int_equal(
        user_register(&f->ctx, STR_LIT("amy"), STR_LIT("amy@x"), STR_LIT("long enough"), &p, &u),
        0);
    assert_int_equal(
        user_register(&f->ctx, STR_LIT("ann"), STR_LIT("ann@x"), STR_LIT("long enough"), &p, &u),
        STET_ERATE);
}

/* Issue 9: an empty login form says what is missing, field by field, and costs
 * none of the client's login allowance. */
static void test_login_says_what_is_missing(void **state)
{
    struct domain_fixture *f = *state;
    struct field_errors p;
    struct user u;
    assert_int_equal(user_create(&f->ctx, STR_LIT("dan"), STR_LIT("dan@x"), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     0);
    f->env.limits.login_client = (struct rate_limit){1, 3600};
    assert_int_equal(user_login_form(&f->ctx, STR_NULL, STR_NULL, &p, &u), STET_EINVAL);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.items[0].field, "login");
    assert_string_equal(p.items[0].message, "Enter your username or email address.");
    assert_string_equal(p.items[1].field, "password");
    assert_string_equal(p.items[1].message, "Enter your password.");
    assert_int_equal(user_login_form(&f->ctx, STR_LIT("dan"), STR_NULL, &p, &u), STET_EINVAL);
    assert_int_equal(p.n, 1);
    assert_string_equal(f->err.field, "password");
    assert_int_equal(user_login(&f->ctx, STR_NULL, STR_LIT("long enough"), &u), STET_EINVAL);
    assert_string_equal(f->err.field, "login");
    assert_int_equal(user_login_form(&f->ctx, STR_LIT("dan"), STR_LIT("long enough"), &p, &u), 0);
    assert_int_equal(p.n, 0);
}

static void add_user(struct domain_fixture *f, const char *name, const char *email)
{
    struct user u;
    assert_int_equal(user_create(&f->ctx, str_from(name), str_from(email), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     0);
}

static int login_from(struct domain_fixture *f, const char *client, const char *login,
                      const char *password)
{
    struct user u;
    f->ctx.client = str_from(client);
    f->err = (struct err_detail){0};
    return user_login(&f->ctx, str_from(login), str_from(password), &u);
}

/* Issue 8, item 3: 31 wrong passwords for bob from one client used to lock bob out
 * everywhere for 15 minutes. Now that client runs out after its own few tries, with
 * the real wait, and bob on his own machine logs in. */
static void test_guessing_does_not_lock_out_the_owner(void **state)
{
    struct domain_fixture *f = *state;
    add_user(f, "bob", "bob@example.com");
    f->env.limits.login_account_client = (struct rate_limit){3, 900};
    f->env.limits.login_client = (struct rate_limit){100, 900};
    f->env.limits.login_account = (struct rate_limit){100, 900};
    for (int i = 0; i < 3; i++)
        assert_int_equal(login_from(f, "192.0.2.66", "bob", "wrong guess"), STET_EUNAUTH);
    for (int i = 0; i < 28; i++) {
        /* Refused before the password is looked at: the right one fares no better. */
        assert_int_equal(login_from(f, "192.0.2.66", "bob", i == 27 ? "long enough" : "wrong"),
                         STET_ERATE);
        assert_string_equal(f->err.message,
                            "Too many login attempts. Please try again in 5 minutes.");
        assert_int_equal(f->err.retry_after, 300); /* one try back every 900 / 3 s */
    }
    assert_int_equal(login_from(f, "192.0.2.7", "bob", "long enough"), 0);
    /* After the stated wait, the guessing client has one try again. */
    f->ctx.now += 300;
    assert_int_equal(login_from(f, "192.0.2.66", "bob", "wrong guess"), STET_EUNAUTH);
    assert_int_equal(login_from(f, "192.0.2.66", "bob", "long enough"), STET_ERATE);
    f->ctx.now += 300;
    assert_int_equal(login_from(f, "192.0.2.66", "BOB", "long enough"), 0);
}

/* The username and the e-mail are one account with one allowance, in any case. */
static void test_username_and_email_share_one_bucket(void **state)
{
    struct domain_fixture *f = *state;
    add_user(f, "dan", "dan@example.com");
    f->env.limits.login_account_client = (struct rate_limit){3, 900};
    assert_int_equal(login_from(f, "192.0.2.66", "dan", "wrong"), STET_EUNAUTH);
    assert_int_equal(login_from(f, "192.0.2.66", "DAN@example.COM", "wrong"), STET_EUNAUTH);
    assert_int_equal(login_from(f, "192.0.2.66", "Dan", "wrong"), STET_EUNAUTH);
    assert_int_equal(login_from(f, "192.0.2.66", "dan@example.com", "long enough"), STET_ERATE);
}

/* An unknown name is limited exactly like an account, so a refusal tells nothing
 * about which names exist; its spellings in another case are one name. */
static void test_unknown_names_are_limited_alike(void **state)
{
    struct domain_fixture *f = *state;
    add_user(f, "erin", "erin@example.com");
    f->env.limits.login_account_client = (struct rate_limit){2, 60};
    const char *known_message = NULL, *unknown_message = NULL;
    int known_retry = 0, unknown_retry = 0;
    for (int round = 0; round < 2; round++) {
        const char *name = round == 0 ? "erin" : "ghost";
        assert_int_equal(login_from(f, "192.0.2.66", name, "wrong"), STET_EUNAUTH);
        const char *wrong = f->err.message;
        assert_int_equal(login_from(f, "192.0.2.66", round == 0 ? "ERIN" : "GHOST", "wrong"),
                         STET_EUNAUTH);
        assert_string_equal(f->err.message, wrong);
        assert_int_equal(login_from(f, "192.0.2.66", name, "wrong"), STET_ERATE);
        *(round == 0 ? &known_message : &unknown_message) = f->err.message;
        *(round == 0 ? &known_retry : &unknown_retry) = f->err.retry_after;
    }
    assert_string_equal(known_message, unknown_message);
    assert_int_equal(known_retry, unknown_retry);
    assert_int_equal(known_retry, 30);
}

/* One client trying one password on many names runs out, whatever the names. */
static void test_spraying_names_from_one_client(void **state)
{
    struct domain_fixture *f = *state;
    f->env.limits.login_client = (struct rate_limit){4, 60};
    char name[32];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "user%d", i);
        assert_int_equal(login_from(f, "192.0.2.66", name, "Summer2024!"), STET_EUNAUTH);
    }
    assert_int_equal(login_from(f, "192.0.2.66", "user9", "Summer2024!"), STET_ERATE);
    assert_string_equal(f->err.message, "Too many login attempts. Please wait 15 seconds.");
    assert_int_equal(f->err.retry_after, 15);
    /* Malformed attempts are refused too: they would cost a dummy hash each. An
     * empty field costs nothing (no hash, no lookup) and is said as such. */
    char long_login[EMAIL_MAX + 2];
    memset(long_login, 'a', EMAIL_MAX + 1);
    long_login[EMAIL_MAX + 1] = '\0';
    assert_int_equal(login_from(f, "192.0.2.66", long_login, "x"), STET_ERATE);
    assert_int_equal(login_from(f, "192.0.2.66", "", "x"), STET_EINVAL);
    assert_string_equal(f->err.field, "login");
    assert_int_equal(login_from(f, "192.0.2.67", "user9", "Summer2024!"), STET_EUNAUTH);
}

/* Many clients guessing at one account slow it down; the owner waits seconds, said
 * exactly, and is then let in. */
static void test_account_under_attack_is_slowed_not_locked(void **state)
{
    struct domain_fixture *f = *state;
    add_user(f, "fay", "fay@example.com");
    f->env.limits.login_account_client = (struct rate_limit){2, 900};
    f->env.limits.login_client = (struct rate_limit){100, 900};
    f->env.limits.login_account = (struct rate_limit){4, 120};
    char client[32];
    for (int i = 0; i < 4; i++) {
        snprintf(client, sizeof(client), "198.51.100.%d", i + 1);
        assert_int_equal(login_from(f, client, "fay", "guess"), STET_EUNAUTH);
    }
    assert_int_equal(login_from(f, "203.0.113.9", "fay", "long enough"), STET_ERATE);
    assert_string_equal(f->err.message, "Too many login attempts. Please wait 30 seconds.");
    assert_int_equal(f->err.retry_after, 30);
    f->ctx.now += 29;
    assert_int_equal(login_from(f, "203.0.113.9", "fay", "long enough"), STET_ERATE);
    assert_int_equal(f->err.retry_after, 1);
    f->ctx.now += 1;
    assert_int_equal(login_from(f, "203.0.113.9", "fay", "long enough"), 0);

    /* A client refused for its own guessing spends none of the account's tries:
     * with the account full again, one client uses up its own two and hammers on. */
    f->ctx.now += 120;
    assert_int_equal(login_from(f, "198.51.100.1", "fay", "guess"), STET_EUNAUTH);
    for (int i = 0; i < 20; i++)
        assert_int_equal(login_from(f, "198.51.100.1", "fay", "guess"), STET_ERATE);
    assert_int_equal(login_from(f, "203.0.113.9", "fay", "long enough"), 0);
}

static void test_command_line_is_not_limited(void **state)
{
    struct domain_fixture *f = *state;
    add_user(f, "gus", "gus@example.com");
    f->env.limits = (struct domain_limits){
        .login_account = {1, 3600},
        .login_account_client = {1, 3600},
        .login_client = {1, 3600},
        .register_client = {1, 3600},
    };
    for (int i = 0; i < 3; i++)
        assert_int_equal(login_from(f, "", "gus", "long enough"), 0);
    f->ctx.client = STR_NULL;
    add_user(f, "hal", "hal@example.com");
    add_user(f, "ida", "ida@example.com");
}

static void test_registration_is_limited_per_client(void **state)
{
    struct domain_fixture *f = *state;
    struct user u;
    f->env.limits.register_client = (struct rate_limit){2, 3600};
    /* A broken rule costs nothing. */
    assert_int_equal(
        user_create(&f->ctx, STR_LIT("x"), STR_LIT("x@x"), STR_LIT("long enough"), ROLE_READER, &u),
        STET_EINVAL);
    add_user(f, "ann", "ann@x");
    add_user(f, "amy", "amy@x");
    assert_int_equal(user_create(&f->ctx, STR_LIT("abe"), STR_LIT("abe@x"), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     STET_ERATE);
    assert_string_equal(f->err.message, "Too many accounts were created from your address. "
                                        "Please try again in 30 minutes.");
    assert_int_equal(f->err.retry_after, 1800);
    struct user v;
    assert_int_equal(store_user_find_login(f->a, f->st, STR_LIT("abe"), &v, NULL), STET_ENOTFOUND);
    f->ctx.client = STR_LIT("2001:db8::1");
    add_user(f, "abe", "abe@x");
    f->ctx.client = STR_LIT("192.0.2.1");
    f->ctx.now += 1800;
    add_user(f, "ava", "ava@x");
}

/* The wait is said the way a reader takes it, rounded up to what is said, and
 * Retry-After says the very same. */
static void test_wait_in_words(void **state)
{
    struct domain_fixture *f = *state;
    static const struct {
        int64_t ms;
        const char *text;
        int retry_after;
    } cases[] = {
        {1, "Please wait 1 second.", 1},
        {1000, "Please wait 1 second.", 1},
        {1001, "Please wait 2 seconds.", 2},
        {40000, "Please wait 40 seconds.", 40},
        {59000, "Please wait 59 seconds.", 59},
        {59001, "Please try again in 1 minute.", 60},
        {60001, "Please try again in 2 minutes.", 120},
        {150000, "Please try again in 3 minutes.", 180},
        {119 * 60000, "Please try again in 119 minutes.", 119 * 60},
        {119 * 60000 + 1, "Please try again in 2 hours.", 7200},
        {INT64_C(400) * 24 * 3600 * 1000, "Please try again in 8784 hours.", 8784 * 3600},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int retry = -1;
        assert_string_equal(rate_wait_text(f->a, cases[i].ms, &retry), cases[i].text);
        assert_int_equal(retry, cases[i].retry_after);
    }
}

struct names {
    struct arena *a;
    const char *text; /* "NAME,NAME,..." */
};

static int collect_name(void *ctx, const char *const *values, const size_t *lens, size_t n)
{
    struct names *ns = ctx;
    (void)lens;
    assert_int_equal(n, 1);
    ns->text = arena_printf(ns->a, "%s%s,", ns->text, values[0]);
    return 0;
}

/* Every stored bucket name, as the bulk copier would read them. */
static const char *bucket_names(struct domain_fixture *f)
{
    static const char *const cols[] = {"bucket"};
    struct names ns = {f->a, ""};
    assert_int_equal(store_table_export(f->st, "rate_buckets", cols, 1, 1, collect_name, &ns), 0);
    return ns.text;
}

/* Issue 8, item 9: tried login names and client addresses were stored in clear. A
 * bucket is now named by a keyed hash: neither shows, and another key (another
 * site) names the same bucket differently. */
static void test_buckets_reveal_no_names(void **state)
{
    struct domain_fixture *f = *state;
    f->env.limits.login_account_client = (struct rate_limit){5, 60};
    f->env.limits.login_client = (struct rate_limit){5, 60};
    f->env.limits.login_account = (struct rate_limit){5, 60};
    assert_int_equal(login_from(f, "198.51.100.23", "Secret.Name", "pw"), STET_EUNAUTH);
    const char *names = bucket_names(f);
    assert_int_equal(strlen(names), 3 * (STORE_RATE_KEY_LEN + 1));
    assert_null(strstr(names, "secret"));
    assert_null(strstr(names, "Secret"));
    assert_null(strstr(names, "198.51"));
    for (const char *p = names; *p != '\0'; p++)
        assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == ',');

    /* The same attempt under another key makes three other buckets. */
    secret_key_new(f->env.rate_key);
    assert_int_equal(login_from(f, "198.51.100.23", "Secret.Name", "pw"), STET_EUNAUTH);
    assert_int_equal(strlen(bucket_names(f)), 6 * (STORE_RATE_KEY_LEN + 1));
    /* The key is kept: loading it again gives the stored one. */
    char again[RATE_KEY_LEN + 1], first[RATE_KEY_LEN + 1];
    assert_int_equal(rate_key_load(f->st, first), 0);
    assert_int_equal(rate_key_load(f->st, again), 0);
    assert_string_equal(first, again);
    assert_true(secret_key_is_wellformed(first));
}

static int (*real_rate_take)(struct store *, const struct store_rate_bucket *, size_t, int64_t,
                             int64_t *);

static int failing_rate_take(struct store *st, const struct store_rate_bucket *b, size_t n,
                             int64_t now_ms, int64_t *wait_ms)
{
    (void)st, (void)b, (void)n, (void)now_ms, (void)wait_ms;
    return STET_EUNAVAIL;
}

/* A store failure is passed on as it came, never taken for "allowed" or for a wrong
 * password. */
static void test_store_errors_pass_through(void **state)
{
    struct domain_fixture *f = *state;
    static struct store_ops patched;
    struct user u;
    add_user(f, "joe", "joe@x");
    f->env.limits.login_client = (struct rate_limit){5, 60};
    f->env.limits.register_client = (struct rate_limit){5, 60};
    real_rate_take = f->st->ops->rate_take;
    test_store_patch(f->st, &patched)->rate_take = failing_rate_take;
    assert_int_equal(login_from(f, "192.0.2.5", "joe", "long enough"), STET_EUNAVAIL);
    assert_int_equal(user_create(&f->ctx, STR_LIT("kim"), STR_LIT("kim@x"), STR_LIT("long enough"),
                                 ROLE_READER, &u),
                     STET_EUNAVAIL);
    patched.rate_take = real_rate_take;
    assert_int_equal(login_from(f, "192.0.2.5", "joe", "long enough"), 0);
}

static void test_sessions(void **state)
{
    struct domain_fixture *f = *state;
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
        cmocka_unit_test_setup_teardown(test_register_and_login, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_register_rules, setup, domain_fixture_teardown),
        cmocka_unit_test(test_verify_only_real_hashes),
        cmocka_unit_test_setup_teardown(test_register_reports_every_problem, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_register_lookups_are_limited, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_login_says_what_is_missing, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_guessing_does_not_lock_out_the_owner, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_username_and_email_share_one_bucket, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_names_are_limited_alike, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_spraying_names_from_one_client, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_account_under_attack_is_slowed_not_locked, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_command_line_is_not_limited, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registration_is_limited_per_client, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_wait_in_words, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_buckets_reveal_no_names, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_store_errors_pass_through, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
