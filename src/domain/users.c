/* Account rules on top of the store. */
#include "domain/users.h"

#include "base/ident.h"
#include "domain/password.h"
#include "domain/ratelimit.h"
#include "domain/validate.h"

#include <string.h>

/* Registration is limited per client address: one address can no longer make
 * accounts by the hundred. Checked after the rules (a reader fixing a typo spends
 * nothing), before the lookups of the name and e-mail and before the Argon2id hash
 * (a refused request costs no hashing). */
static int registration_check(const struct dctx *ctx)
{
    const struct rate_hit hit = {"register-client", ctx->env->limits.register_client, &ctx->client,
                                 1};
    return rate_check(ctx, &hit, 1, "Too many accounts were created from your address.");
}

static const char username_taken[] = "That username is already taken.";
static const char email_taken[] = "An account with that email address already exists.";

/* Marks `*d` (rc in `*rule`) taken when an account has `value` as its username or
 * e-mail (the two cannot be confused: only an e-mail has an '@'). Store errors. */
static int check_taken(const struct dctx *ctx, struct str value, const char *field,
                       const char *message, int *rule, struct err_detail *d)
{
    struct user other;
    int rc = store_user_find_login(ctx->a, ctx->st, value, &other, NULL);
    if (rc == STET_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    *rule = err_set(d, STET_ECONFLICT, field, message);
    return 0;
}

/* The allowance a registration that breaks a rule spends to look its name and
 * e-mail up. A lookup tells whether an account exists, so it is limited like a
 * login attempt from that client (limits.login_client), and spends none of the
 * registration allowance: a reader fixing a typo keeps all of it. */
static int probe_check(const struct dctx *ctx)
{
    const struct rate_hit hit = {"login-client", ctx->env->limits.login_client, &ctx->client, 1};
    return rate_check(ctx, &hit, 1, "Too many attempts from your address.");
}

/* Pays for looking a registration's name and e-mail up: with the registration
 * allowance when every rule holds (the registration goes ahead), else with
 * probe_check. *may_look false when the probe allowance is spent: the broken rules
 * are listed without the taken values, and nothing tells which names exist. ERATE
 * when the registration allowance is spent, store errors. */
static int pay_for_lookups(const struct dctx *ctx, bool rules_hold, bool *may_look)
{
    int rc = rules_hold ? registration_check(ctx) : probe_check(ctx);
    *may_look = rc == 0;
    return rc == STET_ERATE && !rules_hold ? 0 : rc;
}

/* Every problem of a registration into `fe`, in the form's order: the rules, and
 * for a well-formed username and e-mail whether they are taken, so a reader fixes
 * everything in one go. ERATE for the registration allowance and store errors as
 * they come; 0 otherwise, whatever `fe` holds. */
static int registration_problems(const struct dctx *ctx, struct str username, struct str email,
                                 struct str password, struct field_errors *fe)
{
    struct err_detail d[3] = {{0}};
    int rule[3] = {
        validate_username(username, &d[0]),
        validate_email(email, &d[1]),
        validate_password(password, &d[2]),
    };
    bool may_look = false;
    int rc = 0;

    if (rule[0] == 0 || rule[1] == 0)
        rc = pay_for_lookups(ctx, rule[0] == 0 && rule[1] == 0 && rule[2] == 0, &may_look);
    if (rc == 0 && may_look && rule[0] == 0)
        rc = check_taken(ctx, username, "username", username_taken, &rule[0], &d[0]);
    if (rc == 0 && may_look && rule[1] == 0)
        rc = check_taken(ctx, email, "email", email_taken, &rule[1], &d[1]);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < 3; i++)
        if (rule[i] != 0)
            field_errors_add(fe, rule[i], d[i].field, d[i].message);
    return 0;
}

/* user_create and user_register: `fe` receives the problems. */
static int create(const struct dctx *ctx, struct str username, struct str email,
                  struct str password, enum role role, struct field_errors *fe, struct user *out)
{
    char hash[PASSWORD_HASH_MAX];
    int rc;

    fe->n = 0;
    if ((rc = registration_problems(ctx, username, email, password, fe)) != 0 ||
        (rc = field_errors_result(fe, ctx->err)) != 0)
        return rc;
    rc = password_hash(password, hash);
    if (rc != 0)
        return rc;

    struct user u = {
        .username = arena_strndup(ctx->a, username.ptr, username.len),
        .display_name = arena_strndup(ctx->a, username.ptr, username.len),
        .email = arena_strndup(ctx->a, email.ptr, email.len),
        .role = role,
        .created_at = ctx->now,
    };
    rc = store_user_insert(ctx->st, &u, hash, &u.id);
    secret_wipe(hash, sizeof(hash));
    if (rc == STET_ECONFLICT) {
        /* Taken between the lookups and the insert by a registration running at the
         * same time: say which value; the lookup is a read, so a race only changes
         * which of the two fields the message names. */
        struct user other;
        bool name_taken = store_user_find_login(ctx->a, ctx->st, username, &other, NULL) == 0;
        if (name_taken)
            field_errors_add(fe, rc, "username", username_taken);
        else
            field_errors_add(fe, rc, "email", email_taken);
        return field_errors_result(fe, ctx->err);
    }
    if (rc != 0)
        return rc;
    *out = u;
    return 0;
}

int user_create(const struct dctx *ctx, struct str username, struct str email, struct str password,
                enum role role, struct user *out)
{
    struct field_errors fe;
    return create(ctx, username, email, password, role, &fe, out);
}

int user_register(const struct dctx *ctx, struct str username, struct str email,
                  struct str password, struct field_errors *problems, struct user *out)
{
    return create(ctx, username, email, password, ROLE_READER, problems, out);
}

/* The login as the one key names and e-mails are compared by (ident_key); "" for
 * a text that can name nobody, so all such attempts from a client share one
 * allowance. */
static struct str fold_login(struct arena *a, struct str login)
{
    char *out = arena_alloc(a, IDENT_KEY_MAX + 1);
    size_t len = ident_key(login, out);
    return (struct str){out, len};
}

/* Who a login attempt is aimed at, for the rate limits: the account's id once it
 * is found, so its username and e-mail are one account with one allowance; the
 * folded login text when no account has it, so unknown names are limited exactly
 * like known ones and a refusal tells nothing about which exist. Two parts: a
 * kind, then the id or the text. */
static void login_target(const struct dctx *ctx, struct str login, const struct user *found,
                         struct str target[2])
{
    if (found != NULL) {
        target[0] = STR_LIT("account");
        target[1] = str_from(arena_printf(ctx->a, "%lld", (long long)found->id));
    } else {
        target[0] = STR_LIT("login");
        target[1] = fold_login(ctx->a, login);
    }
}

static const char too_many_logins[] = "Too many login attempts.";

/* Guessing is limited three ways (OWASP's authentication cheat sheet: throttle,
 * never lock an owner out):
 *  - per client address, across all names: one address spraying a password over
 *    many accounts; checked before anything else, so even malformed attempts from
 *    a flooding address cost no password hash (user_login);
 *  - per (account, client): one address guessing at one account runs out after a
 *    few tries, while the owner on another address keeps his own allowance;
 *  - per account, across all addresses: many addresses guessing at one account
 *    (a botnet) are slowed to one attempt per interval. It only delays: the wait
 *    is that interval at most (30 s by default), said exactly in Retry-After.
 * The last two are taken together, all or none: an attempt refused for its
 * address spends none of the account's allowance, and an owner told to wait for
 * the account spends none of his own. Every attempt counts, a correct password
 * too: the answer to a try must not depend on whether the password was right. */
static int login_checks(const struct dctx *ctx, struct str login, const struct user *found)
{
    const struct domain_limits *lim = &ctx->env->limits;
    struct str target[2];
    login_target(ctx, login, found, target);
    const struct str with_client[3] = {target[0], target[1], ctx->client};
    const struct rate_hit hits[] = {
        {"login-account-client", lim->login_account_client, with_client, 3},
        {"login-account", lim->login_account, target, 2},
    };
    return rate_check(ctx, hits, 2, too_many_logins);
}

/* An empty field is a form sent too soon, not a guess: said as such, field by field,
 * before any limit is spent. */
static int login_missing(const struct dctx *ctx, struct str login, struct str password,
                         struct field_errors *problems)
{
    struct field_errors fe = {0};
    if (login.len == 0)
        field_errors_add(&fe, STET_EINVAL, "login", "Enter your username or email address.");
    if (password.len == 0)
        field_errors_add(&fe, STET_EINVAL, "password", "Enter your password.");
    if (problems != NULL)
        *problems = fe;
    return field_errors_result(&fe, ctx->err);
}

int user_login(const struct dctx *ctx, struct str login, struct str password, struct user *out)
{
    return user_login_form(ctx, login, password, NULL, out);
}

int user_login_form(const struct dctx *ctx, struct str login, struct str password,
                    struct field_errors *problems, struct user *out)
{
    static const char *const wrong = "Wrong username, email or password.";
    const char *hash = NULL;
    struct user u;

    int rc = login_missing(ctx, login, password, problems);
    if (rc != 0)
        return rc;
    const struct rate_hit spray = {"login-client", ctx->env->limits.login_client, &ctx->client, 1};
    if ((rc = rate_check(ctx, &spray, 1, too_many_logins)) != 0)
        return rc;
    if (login.len > EMAIL_MAX || password.len > PASSWORD_MAX) {
        password_verify_dummy(password);
        return err_set(ctx->err, STET_EUNAUTH, "login", wrong);
    }
    rc = store_user_find_login(ctx->a, ctx->st, login, &u, &hash);
    if (rc != 0 && rc != STET_ENOTFOUND)
        return rc;
    bool found = rc == 0;
    if ((rc = login_checks(ctx, login, found ? &u : NULL)) != 0)
        return rc;
    if (!found) {
        password_verify_dummy(password);
        return err_set(ctx->err, STET_EUNAUTH, "login", wrong);
    }
    if (!password_verify(hash, password))
        return err_set(ctx->err, STET_EUNAUTH, "login", wrong);
    *out = u;
    return 0;
}

int user_change_role(const struct dctx *ctx, struct str username, struct str role)
{
    enum role r;
    if (!role_parse(role.ptr, role.len, &r))
        return err_set(ctx->err, STET_EINVAL, "role", "Role must be reader, moderator or admin.");
    /* The operator at the server's command line acts as stet itself (actor 0); the
     * entry still says what changed, like an admin's change on the web. */
    struct user target;
    int rc;
    if (!ident_is_username(username))
        return err_set(ctx->err, STET_ENOTFOUND, NULL, "No such user.");
    if ((rc = store_user_find_login(ctx->a, ctx->st, username, &target, NULL)) != 0)
        return rc;
    const struct store_audit e = {
        .at = ctx->now,
        .action = "user.role",
        .target = arena_printf(ctx->a, "user:%s", target.username),
        .note =
            user_audit_note(ctx, &user_operator,
                            arena_printf(ctx->a, "%s to %s", role_name(target.role), role_name(r))),
    };
    return store_user_set_role_audit(ctx->st, username, r, &e);
}

int user_set_password(const struct dctx *ctx, const struct user *actor, struct str username,
                      struct str password)
{
    char hash[PASSWORD_HASH_MAX];
    struct user target;
    int rc = validate_password(password, ctx->err);
    if (rc != 0)
        return rc;
    if (!ident_is_username(username))
        return err_set(ctx->err, STET_ENOTFOUND, NULL, "No such user.");
    if ((rc = store_user_find_login(ctx->a, ctx->st, username, &target, NULL)) != 0)
        return rc;
    if ((rc = password_hash(password, hash)) != 0)
        return rc;
    const struct store_audit e = {
        .at = ctx->now,
        .actor_id = actor->id,
        .action = "user.password",
        .target = arena_printf(ctx->a, "user:%s", target.username),
        .note = user_audit_note(ctx, actor, "a new password; every session ended"),
    };
    rc = store_user_set_password(ctx->st, username, hash, &e);
    secret_wipe(hash, sizeof(hash));
    return rc;
}

const struct user user_operator = {
    .id = 0, .username = "stet", .display_name = "stet", .role = ROLE_ADMIN};

const char *user_audit_note(const struct dctx *ctx, const struct user *actor, const char *note)
{
    if (actor->id != 0)
        return note;
    if (note[0] == '\0')
        return "from the command line";
    return arena_printf(ctx->a, "%s, from the command line", note);
}
