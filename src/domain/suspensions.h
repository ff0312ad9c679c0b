/* Accounts under moderation: suspensions and bans (moderators), role changes
 * (admins), each with its audit entry, and the check that keeps a suspended or
 * banned account from writing. */
#ifndef STET_DOMAIN_SUSPENSIONS_H
#define STET_DOMAIN_SUSPENSIONS_H

#include "domain/context.h"
#include "domain/types.h"

#define SUSPENSION_REASON_MAX 500 /* characters */

/* 0 when `u` may write at ctx->now; EFORBIDDEN with the message "Your account is
 * suspended until DATE." or "Your account is banned." in ctx->err otherwise. */
int user_check_not_suspended(const struct dctx *ctx, const struct user *u) STET_MUST_CHECK;

/* 0 when `actor` has at least `role`; EUNAUTH anonymous, EFORBIDDEN (message in
 * ctx->err) otherwise. */
int user_check_role(const struct dctx *ctx, const struct user *actor,
                    enum role role) STET_MUST_CHECK;

/* `actor` suspends `username` until `until` (Unix seconds; 0: a ban, which never
 * ends) for `reason` (1..SUSPENSION_REASON_MAX characters, one line). Moderators
 * and admins only; a moderator suspends readers, an admin readers and moderators,
 * nobody an admin or themselves. The audit entry ("user.suspend" with the end in
 * its note, or "user.ban") commits with the change. EUNAUTH anonymous, EFORBIDDEN
 * (message in ctx->err) for a role too low, ENOTFOUND unknown user, EINVAL (field
 * "reason" or "until") for a bad reason or an end not in the future. */
int user_suspend(const struct dctx *ctx, const struct user *actor, struct str username,
                 int64_t until, struct str reason) STET_MUST_CHECK;
/* Lifts a suspension or ban, under user_suspend's rules of who may act on whom;
 * "user.unsuspend" in the audit log. An account not suspended is left as it is
 * and no entry is written. */
int user_unsuspend(const struct dctx *ctx, const struct user *actor,
                   struct str username) STET_MUST_CHECK;
/* An admin gives `username` the role named `role` ("reader", "moderator",
 * "admin"); "user.role" in the audit log with the old and new role. `out`
 * receives the account as it is now (arena). EUNAUTH anonymous, EFORBIDDEN for
 * anyone but an admin, EINVAL (field "role") for an unknown role or an admin's own
 * account (so the last admin cannot lock everyone out), ENOTFOUND unknown user. */
int user_change_role_by(const struct dctx *ctx, const struct user *actor, struct str username,
                        struct str role, struct user *out) STET_MUST_CHECK;

#endif
