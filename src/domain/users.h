/* Accounts: registration, login, roles. Passwords are checked against the rules,
 * hashed with Argon2id and never leave this module in clear. */
#ifndef STET_DOMAIN_USERS_H
#define STET_DOMAIN_USERS_H

#include "domain/context.h"
#include "domain/types.h"
#include "domain/validate.h"

/* Creates an account with `role`. EINVAL when a rule is broken, ECONFLICT when
 * nothing but a taken username or e-mail stands in the way (ctx->err holds the
 * first such problem), ERATE when the client made too many accounts or lookups
 * (limits.register_client; message and retry_after in ctx->err), store errors.
 * The new user is filled into `out` (arena strings). */
int user_create(const struct dctx *ctx, struct str username, struct str email, struct str password,
                enum role role, struct user *out) STET_MUST_CHECK;

/* A reader signing up: user_create with ROLE_READER, and on EINVAL or ECONFLICT
 * every problem in `problems` (rules broken and values taken, in the order
 * username, email, password; at most one per field), for a form that shows them
 * all at once. `problems` is emptied first. */
int user_register(const struct dctx *ctx, struct str username, struct str email,
                  struct str password, struct field_errors *problems,
                  struct user *out) STET_MUST_CHECK;

/* Checks a login (username or email, any case) and password. EINVAL when a field
 * is empty (the first in ctx->err), before any limit is spent. EUNAUTH for a wrong
 * password and for an unknown user alike, after the same amount of work. ERATE
 * (message and retry_after in ctx->err) when the client, the account or the two
 * together made too many attempts (limits.login_*), whether or not the account
 * exists and whether or not the password is right. */
int user_login(const struct dctx *ctx, struct str login, struct str password,
               struct user *out) STET_MUST_CHECK;
/* user_login for a form that shows each problem: on EINVAL every empty field is in
 * `problems` (emptied first). */
int user_login_form(const struct dctx *ctx, struct str login, struct str password,
                    struct field_errors *problems, struct user *out) STET_MUST_CHECK;

/* Gives `username` the password `password` (checked as at registration, then
 * hashed) and ends every session of the account, audited ("user.password", no
 * secret in it) as `actor` did it: the command line's user_operator. EINVAL (field
 * "password") for a password the rules refuse, ENOTFOUND for an unknown user. */
int user_set_password(const struct dctx *ctx, const struct user *actor, struct str username,
                      struct str password) STET_MUST_CHECK;

/* Changes a role ("reader", "moderator", "admin"). EINVAL for an unknown role,
 * ENOTFOUND for an unknown user. */
int user_change_role(const struct dctx *ctx, struct str username, struct str role) STET_MUST_CHECK;

/* The operator at the server's command line (`stet comment reject`, `stet user
 * suspend`): stet itself, acting with an admin's rights and without an account. Its
 * id is 0, which no account has, so the audit entries it writes have no actor (the
 * log shows stet itself) and user_audit_note marks their notes. Domain calls that
 * take an actor accept it as they accept an admin. */
extern const struct user user_operator;

/* The note of an audit entry written by `actor`: `note` as it is for an account; for
 * the operator (id 0), `note` followed by ", from the command line", or those words
 * alone when `note` is empty, so the log tells a change made on the server from one
 * made on the web. `note` itself or an arena copy. */
const char *user_audit_note(const struct dctx *ctx, const struct user *actor, const char *note);

#endif
