/* Suspensions, bans and role changes: who may act on whom, and what the audit log
 * says of it. */
#include "domain/suspensions.h"

#include "domain/users.h"
#include "domain/validate.h"

#include "base/ident.h"
#include "base/timefmt.h"

int user_check_not_suspended(const struct dctx *ctx, const struct user *u)
{
    if (u->suspended_until <= ctx->now)
        return 0;
    if (u->suspended_until == USER_BANNED)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "Your account is banned.");
    char when[TIMEFMT_FULL_LEN];
    time_format_local_full(u->suspended_until, when);
    return err_set(ctx->err, STET_EFORBIDDEN, NULL,
                   arena_printf(ctx->a, "Your account is suspended until %s.", when));
}

/* A moderator's action on `target`: nobody acts on an admin or on themselves, and
 * only an admin on a moderator. */
static int check_may_act_on(const struct dctx *ctx, const struct user *actor,
                            const struct user *target)
{
    if (target->role == ROLE_ADMIN)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "An admin cannot be suspended.");
    if (target->id == actor->id)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "You cannot suspend yourself.");
    if (target->role == ROLE_MODERATOR && actor->role != ROLE_ADMIN)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "Only an admin can suspend a moderator.");
    return 0;
}

int user_check_role(const struct dctx *ctx, const struct user *actor, enum role role)
{
    if (actor == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to do that.");
    if (actor->role < role)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL,
                       role == ROLE_ADMIN ? "Only an admin can do that."
                                          : "Only a moderator can do that.");
    return 0;
}

/* The account `username` names (never by e-mail: a path segment is a name). */
static int find_target(const struct dctx *ctx, struct str username, struct user *out)
{
    if (!ident_is_username(username))
        return STET_ENOTFOUND;
    return store_user_find_login(ctx->a, ctx->st, username, out, NULL);
}

static const char *user_target(const struct dctx *ctx, const struct user *u)
{
    return arena_printf(ctx->a, "user:%s", u->username);
}

int user_suspend(const struct dctx *ctx, const struct user *actor, struct str username,
                 int64_t until, struct str reason)
{
    struct user target;
    struct str why;
    int rc = user_check_role(ctx, actor, ROLE_MODERATOR);
    if (rc != 0)
        return rc;
    if ((rc = validate_line(reason, "reason", SUSPENSION_REASON_MAX, true, &why, ctx->err)) != 0)
        return rc;
    if (until != 0 && until <= ctx->now)
        return err_set(ctx->err, STET_EINVAL, "until", "A suspension must end in the future.");
    if ((rc = find_target(ctx, username, &target)) != 0 ||
        (rc = check_may_act_on(ctx, actor, &target)) != 0)
        return rc;
    const char *note = arena_strndup(ctx->a, why.ptr, why.len);
    if (until != 0) {
        char end[TIMEFMT_ISO_LEN];
        time_format_iso(until, end);
        note = arena_printf(ctx->a, "until %s: %s", end, note);
    }
    const struct store_audit e = {
        .at = ctx->now,
        .actor_id = actor->id,
        .action = until != 0 ? "user.suspend" : "user.ban",
        .target = user_target(ctx, &target),
        .note = user_audit_note(ctx, actor, note),
    };
    return store_user_suspend(ctx->st, username, until != 0 ? until : USER_BANNED,
                              arena_strndup(ctx->a, why.ptr, why.len), &e);
}

int user_unsuspend(const struct dctx *ctx, const struct user *actor, struct str username)
{
    struct user target;
    int rc = user_check_role(ctx, actor, ROLE_MODERATOR);
    if (rc != 0)
        return rc;
    if ((rc = find_target(ctx, username, &target)) != 0 ||
        (rc = check_may_act_on(ctx, actor, &target)) != 0)
        return rc;
    if (target.suspended_until == 0)
        return 0;
    const struct store_audit e = {
        .at = ctx->now,
        .actor_id = actor->id,
        .action = "user.unsuspend",
        .target = user_target(ctx, &target),
        .note = user_audit_note(ctx, actor, ""),
    };
    return store_user_unsuspend(ctx->st, username, &e);
}

int user_change_role_by(const struct dctx *ctx, const struct user *actor, struct str username,
                        struct str role, struct user *out)
{
    struct user target;
    enum role r;
    int rc = user_check_role(ctx, actor, ROLE_ADMIN);
    if (rc != 0)
        return rc;
    if (!role_parse(role.ptr, role.len, &r))
        return err_set(ctx->err, STET_EINVAL, "role", "Role must be reader, moderator or admin.");
    if ((rc = find_target(ctx, username, &target)) != 0)
        return rc;
    if (target.id == actor->id)
        return err_set(ctx->err, STET_EINVAL, "role", "You cannot change your own role.");
    const struct store_audit e = {
        .at = ctx->now,
        .actor_id = actor->id,
        .action = "user.role",
        .target = user_target(ctx, &target),
        .note = user_audit_note(
            ctx, actor, arena_printf(ctx->a, "%s to %s", role_name(target.role), role_name(r))),
    };
    if ((rc = store_user_set_role_audit(ctx->st, username, r, &e)) != 0)
        return rc;
    target.role = r;
    *out = target;
    return 0;
}
