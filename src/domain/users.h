/* Accounts: registration, login, roles. Passwords are checked against the rules,
 * hashed with Argon2id and never leave this module in clear. */
#ifndef STET_DOMAIN_USERS_H
#define STET_DOMAIN_USERS_H

#include "domain/context.h"
#include "domain/types.h"

/* Creates an account with `role`. EINVAL (field in ctx->err) when a rule is broken,
 * ECONFLICT when the username or email is taken (field names which), ERATE when
 * the client made too many accounts (limits.register_client; message and
 * retry_after in ctx->err), store errors. The new user is filled into `out` (arena
 * strings). */
int user_create(const struct dctx *ctx, struct str username, struct str email, struct str password,
                enum role role, struct user *out) STET_MUST_CHECK;

/* Checks a login (username or email, any case) and password. EUNAUTH for a wrong
 * password and for an unknown user alike, after the same amount of work. ERATE
 * (message and retry_after in ctx->err) when the client, the account or the two
 * together made too many attempts (limits.login_*), whether or not the account
 * exists and whether or not the password is right. */
int user_login(const struct dctx *ctx, struct str login, struct str password,
               struct user *out) STET_MUST_CHECK;

/* Changes a role ("reader", "moderator", "admin"). EINVAL for an unknown role,
 * ENOTFOUND for an unknown user. */
int user_change_role(const struct dctx *ctx, struct str username, struct str role) STET_MUST_CHECK;

#endif
