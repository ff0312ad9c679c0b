/* Accounts and sessions. Usernames and e-mail addresses are kept and found by the
 * keys of base/ident.h, computed here in C, never by a database's case folding. */
#include "store/sql/exec.h"
#include "store/sql/ops.h"
#include "store/sql/rows.h"

#include "base/ident.h"

#include <string.h>

int sql_user_insert(struct store *st, const struct user *u, const char *password_hash, int64_t *id)
{
    struct sql_args args = {0};
    char name_key[IDENT_KEY_MAX + 1], email_key[IDENT_KEY_MAX + 1];
    struct str name = str_from(u->username), email = str_from(u->email);
    /* Without the shapes SPEC 6 allows there is no key to keep the account by. */
    if (!ident_is_username(name) || !ident_is_email(email))
        return STET_EINVAL;
    sql_arg_cstr(&args, u->username);
    sql_arg_cstr(&args, u->display_name);
    sql_arg_cstr(&args, u->email);
    sql_arg_cstr(&args, password_hash);
    sql_arg_cstr(&args, role_name(u->role));
    sql_arg_int(&args, u->created_at);
    sql_arg_text(&args, name_key, ident_key(name, name_key));
    sql_arg_text(&args, email_key, ident_key(email, email_key));
    return sql_lease_insert(st, Q_USER_INSERT, &args, id);
}

/* One user row of `q`, and the password hash (the column after USER_COLS) when
 * `password_hash` is not NULL. */
static int find_user(struct arena *a, struct store *st, enum sql_query q, struct sql_args *args,
                     struct user *out, const char **password_hash)
{
    struct sql_rows rows;
    struct sql_conn *c;
    int rc = sql_lease(st, SQL_USE_READ, &c);
    if (rc != 0)
        return rc;
    rc = sql_one(c, q, args, &rows);
    if (rc == 0) {
        sql_read_user(a, &rows, out);
        if (password_hash != NULL)
            *password_hash = sql_str(a, &rows, USER_N_COLS);
        sql_done(&rows);
    }
    return sql_unlease(st, c, SQL_USE_READ, sql_lookup_rc(rc));
}

int sql_user_find_login(struct arena *a, struct store *st, struct str login, struct user *out,
                        const char **password_hash)
{
    struct sql_args args = {0};
    char key[IDENT_KEY_MAX + 1];
    /* A text that is neither a username nor an e-mail address names nobody. */
    size_t key_len = ident_key(login, key);
    if (key_len == 0)
        return STET_ENOTFOUND;
    sql_arg_text(&args, key, key_len);
    return find_user(a, st, Q_USER_FIND_LOGIN, &args, out, password_hash);
}

int sql_user_find_id(struct arena *a, struct store *st, int64_t id, struct user *out)
{
    struct sql_args args = {0};
    sql_arg_int(&args, id);
    return find_user(a, st, Q_USER_FIND_ID, &args, out, NULL);
}

/* The stories first: their statement compares against the role before the change. */
static int set_role(struct sql_conn *c, const struct sql_args *args)
{
    int64_t changed = 0;
    int rc = sql_tx(c, SQL_TX_BEGIN);
    if (rc != 0)
        return rc;
    rc = sql_exec(c, Q_USER_STORIES_BUMP, args, NULL);
    if (rc == 0)
        rc = sql_exec(c, Q_USER_SET_ROLE, args, &changed);
    if (rc == 0 && changed == 0)
        rc = STET_ENOTFOUND;
    return sql_finish(c, rc);
}

int sql_user_set_role(struct store *st, struct str username, enum role role)
{
    struct sql_args args = {0};
    struct sql_conn *c;
    char key[IDENT_KEY_MAX + 1];
    if ((unsigned)role > ROLE_ADMIN)
        return STET_EINVAL;
    if (!ident_is_username(username))
        return STET_ENOTFOUND;
    sql_arg_text(&args, key, ident_key(username, key));
    sql_arg_cstr(&args, role_name(role));
    int rc = sql_lease(st, SQL_USE_WRITE, &c);
    if (rc != 0)
        return rc;
    return sql_unlease(st, c, SQL_USE_WRITE, sql_lookup_rc(set_role(c, &args)));
}

static bool token_hash_ok(const char *token_hash)
{
    return token_hash != NULL &&
           strnlen(token_hash, STORE_TOKEN_HASH_LEN + 1) == STORE_TOKEN_HASH_LEN;
}

int sql_session_insert(struct store *st, const char *token_hash, int64_t user_id,
                       int64_t created_at, int64_t expires_at)
{
    struct sql_args args = {0};
    if (!token_hash_ok(token_hash))
        return STET_EINVAL;
    sql_arg_cstr(&args, token_hash);
    sql_arg_int(&args, user_id);
    sql_arg_int(&args, created_at);
    sql_arg_int(&args, expires_at);
    return sql_lease_exec(st, SQL_USE_WRITE, Q_SESSION_INSERT, &args, NULL);
}

int sql_session_find(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                     struct user *out)
{
    struct sql_args args = {0};
    if (!token_hash_ok(token_hash))
        return STET_ENOTFOUND;
    sql_arg_cstr(&args, token_hash);
    sql_arg_int(&args, now);
    return find_user(a, st, Q_SESSION_FIND, &args, out, NULL);
}

int sql_session_delete(struct store *st, const char *token_hash)
{
    struct sql_args args = {0};
    int64_t changed = 0;
    if (!token_hash_ok(token_hash))
        return STET_ENOTFOUND;
    sql_arg_cstr(&args, token_hash);
    int rc = sql_lease_exec(st, SQL_USE_WRITE, Q_SESSION_DELETE, &args, &changed);
    return sql_lookup_rc(rc == 0 && changed == 0 ? STET_ENOTFOUND : rc);
}
