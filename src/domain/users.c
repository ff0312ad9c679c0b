/* Account rules on top of the store. */
#include "domain/users.h"

#include "domain/password.h"
#include "domain/ratelimit.h"
#include "domain/validate.h"

#include <string.h>

int user_create(const struct dctx *ctx, struct str username, struct str email, struct str password,
                enum role role, struct user *out)
{
    char hash[PASSWORD_HASH_MAX];
    int rc;

    if ((rc = validate_username(username, ctx->err)) != 0 ||
        (rc = validate_email(email, ctx->err)) != 0 ||
        (rc = validate_password(password, ctx->err)) != 0)
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

int user_login(const struct dctx *ctx, struct str login, struct str password, struct user *out)
{
    static const char *const wrong = "Wrong username, email or password.";
    const char *hash = NULL;
    struct user u;

    if (login.len == 0 || login.len > EMAIL_MAX || password.len > PASSWORD_MAX) {
        password_verify_dummy(password);
        return err_set(ctx->err, STET_EUNAUTH, "login", wrong);
    }
    /* Guessing is limited per login name, whether or not the account exists. */
    const struct rate_rule guesses = {"login", ctx->env->logins_per_15min, 15 * 60,
                                      "Too many login attempts. Please wait 15 minutes."};
    int rc = rate_check(ctx, &guesses, login);
    if (rc != 0)
        return rc;
    rc = store_user_find_login(ctx->a, ctx->st, login, &u, &hash);
    if (rc == STET_ENOTFOUND) {
        password_verify_dummy(password);
        return err_set(ctx->err, STET_EUNAUTH, "login", wrong);
    }
    if (rc != 0)
        return rc;
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
