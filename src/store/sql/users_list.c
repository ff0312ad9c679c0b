/* The moderators' users page: every account, or those whose username starts with
 * what was typed into its search box, newest first, one keyset page at a time. */
#include "store/sql/exec.h"
#include "store/sql/ops.h"
#include "store/sql/rows.h"

#include "base/ident.h"

#include <string.h>

/* The username key `prefix` starts every matching key with, into `key` (NUL
 * terminated); its length, or 0 when no username can start with it. ident_key
 * folds byte by byte, so the key of a prefix is the prefix of the key; one shorter
 * than a username is not a username to ident_key, so it is padded to one first and
 * the padding cut off again. */
static size_t prefix_key(struct str prefix, char key[IDENT_KEY_MAX + 1])
{
    char name[IDENT_USERNAME_MAX + 1];
    if (prefix.len == 0 || prefix.len > IDENT_USERNAME_MAX)
        return 0;
    memcpy(name, prefix.ptr, prefix.len);
    size_t len = prefix.len;
    while (len < IDENT_USERNAME_MIN)
        name[len++] = 'a';
    if (ident_key((struct str){name, len}, key) != len)
        return 0;
    key[prefix.len] = '\0';
    return prefix.len;
}

/* One row: the account (USER_COLS) and the reason of its suspension. */
static void read_account(struct arena *a, struct sql_rows *r, void *out)
{
    struct store_account *acct = out;
    sql_read_user(a, r, &acct->user);
    acct->suspension_reason =
        acct->user.suspended_until != 0 ? sql_str_or_null(a, r, USER_N_COLS) : NULL;
}

int sql_user_list(struct arena *a, struct store *st, struct str prefix, const struct store_page *pg,
                  struct store_account **out, size_t *n)
{
    struct sql_args args = {0};
    char key[IDENT_KEY_MAX + 1], end[IDENT_KEY_MAX + 1];
    void *arr = NULL;
    enum sql_query q = Q_USER_LIST;
    *out = NULL;
    *n = 0;
    if (pg == NULL || pg->limit < 0)
        return STET_EINVAL;
    if (pg->limit == 0)
        return 0;
    if (prefix.len > 0) {
        size_t len = prefix_key(prefix, key);
        if (len == 0)
            return 0;
        /* Keys are bytes of A-Z a-z 0-9 _ . - (below 0x7f): the next byte value
         * after the last one ends the range of keys that start with the prefix. */
        memcpy(end, key, len + 1);
        end[len - 1]++;
        sql_arg_text(&args, key, len);
        sql_arg_text(&args, end, len);
        q = Q_USER_LIST_PREFIX;
    }
    sql_arg_int(&args, pg->has_cursor ? pg->cursor_id : INT64_MAX);
    sql_arg_int(&args, pg->limit);
    int rc = sql_lease_collect(a, st, q, &args, sizeof(struct store_account), (size_t)pg->limit,
                               read_account, &arr, n);
    *out = arr;
    return rc;
}
