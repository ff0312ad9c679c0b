/* Account rules on top of the store. */
#include "domain/users.h"

#include "base/ident.h"
#include "domain/password.h"
#include "domain/ratelimit.h"
#include "domain/validate.h"

#include <string.h>

/* Registration is limited per client address: one address can no longer make
 * accounts by the hundred. Checked after the rules (a reader fixing a typo spends
 * nothing) and before the Argon2id hash (a refused request costs no hashing). */
static int registration_check(const struct dctx *ctx)
{
    const struct rate_hit hit = {"register-client", ctx->env->limits.register_client, &ctx->client,
                                 1};
    return rate_check(ctx, &hit, 1, "Too many accounts were created from your address.");
}

int user_create(const struct dctx *ctx, struct str username, struct str email, struct str password,
                enum role role, struct user *out)
{
    char hash[PASSWORD_HASH_MAX];
    int rc;

    if ((rc = validate_username(username, ctx->err)) != 0 ||
        (rc = validate_email(email, ctx->err)) != 0 ||
        (rc = validate_password(password, ctx->err)) != 0)
        return rc;
    if ((rc = registration_check(ctx)) != 0)
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
        /* Say which value is taken; the lookup is a read, so a race only changes
         * which of the two fields the message names. */
        struct user other;
        bool name_taken = store_user_find_login(ctx->a, ctx->st, username, &other, NULL) == 0;
        return name_taken ? err_set(ctx->err, rc, "username", "That username is already taken.")
                          : err_set(ctx->err, rc, "email",
                                    "An account with that email address already exists.");
    }
    if (rc != 0)
        return rc;
    *out = u;
    return 0;
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

int user_login(const struct dctx *ctx, struct str login, struct str password, struct user *out)
{
    static const char *const wrong = "Wrong username, email or password.";
    const char *hash = NULL;
    struct user u;

    const struct rate_hit spray = {"login-client", ctx->env->limits.login_client, &ctx->client, 1};
    int rc = rate_check(ctx, &spray, 1, too_many_logins);
    if (rc != 0)
        return rc;
    if (login.len == 0 || login.len > EMAIL_MAX || password.len > PASSWORD_MAX) {
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
    if (hash == NULL || !password_verify(hash, password))
        return err_set(ctx->err, STET_EUNAUTH, "login", wrong);
    *out = u;
    return 0;
}

int user_change_role(const struct dctx *ctx, struct str username, struct str role)
{
    enum role r;
    if (!role_parse(role.ptr, role.len, &r))
        return err_set(ctx->err, STET_EINVAL, "role", "Role must be reader, moderator or admin.");
    return store_user_set_role(ctx->st, username, r);
}
