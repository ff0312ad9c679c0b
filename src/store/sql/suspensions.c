/* Accounts under moderation: suspensions and bans, role changes and an operator's
 * new password, each leaving an audit entry; each change and its entry commit
 * together or not at all. */
#include "store/sql/changes.h"
#include "store/sql/exec.h"
#include "store/sql/ops.h"

#include "base/ident.h"

/* The user's key into `key` and the first argument; false for a text that can name
 * no account (which then is not found). */
static bool bind_user(struct sql_args *args, struct str username, char key[IDENT_KEY_MAX + 1])
{
    if (!ident_is_username(username))
        return false;
    sql_arg_text(args, key, ident_key(username, key));
    return true;
}

static int suspend_in_tx(struct sql_conn *c, const struct sql_args *args,
                         const struct store_audit *audit)
{
    int64_t changed = 0;
    int rc = sql_exec(c, Q_USER_SUSPEND, args, &changed);
    if (rc == 0 && changed == 0)
        rc = STET_ENOTFOUND;
    if (rc == 0 && audit != NULL)
        rc = sql_audit(c, audit);
    return rc;
}

/* USER_SUSPEND with `until` (0: lifted) and `reason` (NULL with it). */
static int set_suspension(struct store *st, struct str username, int64_t until, const char *reason,
                          const struct store_audit *audit)
{
    struct sql_args args = {0};
    struct sql_conn *c;
    char key[IDENT_KEY_MAX + 1];
    if (!bind_user(&args, username, key))
        return STET_ENOTFOUND;
    sql_arg_int_or_null(&args, until);
    sql_arg_cstr_or_null(&args, reason);
    int rc = sql_write_begin(st, &c);
    return rc != 0 ? rc : sql_write_end(st, c, suspend_in_tx(c, &args, audit));
}

int sql_user_suspend(struct store *st, struct str username, int64_t until, const char *reason,
                     const struct store_audit *audit)
{
    if (until <= 0)
        return STET_EINVAL;
    return set_suspension(st, username, until, reason != NULL ? reason : "", audit);
}

int sql_user_unsuspend(struct store *st, struct str username, const struct store_audit *audit)
{
    return set_suspension(st, username, 0, NULL, audit);
}

/* As accounts.c's set_role: the stories first, whose statement compares against the
 * role before the change. */
static int role_in_tx(struct sql_conn *c, const struct sql_args *args,
                      const struct store_audit *audit)
{
    int64_t changed = 0;
    int rc = sql_exec(c, Q_USER_STORIES_BUMP, args, NULL);
    if (rc == 0)
        rc = sql_exec(c, Q_USER_SET_ROLE, args, &changed);
    if (rc == 0 && changed == 0)
        rc = STET_ENOTFOUND;
    if (rc == 0 && audit != NULL)
        rc = sql_audit(c, audit);
    return rc;
}

int sql_user_set_role_audit(struct store *st, struct str username, enum role role,
                            const struct store_audit *audit)
{
    struct sql_args args = {0};
    struct sql_conn *c;
    char key[IDENT_KEY_MAX + 1];
    if ((unsigned)role > ROLE_ADMIN)
        return STET_EINVAL;
    if (!bind_user(&args, username, key))
        return STET_ENOTFOUND;
    sql_arg_cstr(&args, role_name(role));
    int rc = sql_write_begin(st, &c);
    return rc != 0 ? rc : sql_write_end(st, c, role_in_tx(c, &args, audit));
}

static int password_in_tx(struct sql_conn *c, const struct sql_args *args,
                          const struct sql_args *user, const struct store_audit *audit)
{
    int64_t changed = 0;
    int rc = sql_exec(c, Q_USER_SET_PASSWORD, args, &changed);
    if (rc == 0 && changed == 0)
        rc = STET_ENOTFOUND;
    if (rc == 0)
        rc = sql_exec(c, Q_USER_SESSIONS_DELETE, user, NULL);
    return rc != 0 ? rc : sql_audit(c, audit);
}

int sql_user_set_password(struct store *st, struct str username, const char *hash,
                          const struct store_audit *audit)
{
    struct sql_args args = {0}, user = {0};
    struct sql_conn *c;
    char key[IDENT_KEY_MAX + 1];
    if (hash == NULL || audit == NULL)
        return STET_EINVAL;
    if (!bind_user(&args, username, key) || !bind_user(&user, username, key))
        return STET_ENOTFOUND;
    sql_arg_cstr(&args, hash);
    int rc = sql_write_begin(st, &c);
    return rc != 0 ? rc : sql_write_end(st, c, password_in_tx(c, &args, &user, audit));
}
