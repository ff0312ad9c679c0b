/* Site settings: what admins stored over the configuration file's values (table
 * site_settings, migration 0010). Read whole, since there are a handful; changed
 * several at once, each with its audit entry, in one transaction. */
#include "store/sql/changes.h"
#include "store/sql/exec.h"
#include "store/sql/ops.h"

#include <string.h>

/* One row of Q_SETTING_LIST into a struct store_setting. */
static void read_setting(struct arena *a, struct sql_rows *r, void *out)
{
    struct store_setting *s = out;
    s->key = sql_str(a, r, 0);
    s->value = sql_str(a, r, 1);
    s->changed_at = sql_int(r, 2);
    s->changed_by = sql_str_or_null(a, r, 3);
}

int sql_setting_list(struct arena *a, struct store *st, struct store_setting **out, size_t *n)
{
    struct sql_args args = {0};
    void *arr = NULL;
    sql_arg_int(&args, STORE_SETTINGS_MAX);
    int rc = sql_lease_collect(a, st, Q_SETTING_LIST, &args, sizeof(struct store_setting),
                               STORE_SETTINGS_MAX, read_setting, &arr, n);
    *out = arr;
    return rc;
}

static bool key_ok(const char *key)
{
    size_t len = key != NULL ? strlen(key) : 0;
    return len > 0 && len <= STORE_SETTING_KEY_MAX;
}

static int change_in_tx(struct sql_conn *c, const struct store_setting_change *ch, size_t n,
                        int64_t actor_id, int64_t now)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct sql_args args = {0};
        sql_arg_cstr(&args, ch[i].key);
        if (ch[i].value != NULL) {
            sql_arg_cstr(&args, ch[i].value);
            sql_arg_int(&args, now);
            sql_arg_int_or_null(&args, actor_id);
            rc = sql_exec(c, Q_SETTING_PUT, &args, NULL);
        } else {
            rc = sql_exec(c, Q_SETTING_DELETE, &args, NULL);
        }
        if (rc == 0)
            rc = sql_audit(c, &ch[i].audit);
    }
    return rc;
}

int sql_settings_change(struct store *st, const struct store_setting_change *ch, size_t n,
                        int64_t actor_id, int64_t now)
{
    struct sql_conn *c;
    if (n == 0 || n > STORE_SETTINGS_MAX)
        return STET_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!key_ok(ch[i].key))
            return STET_EINVAL;
    int rc = sql_write_begin(st, &c);
    return rc != 0 ? rc : sql_write_end(st, c, change_in_tx(c, ch, n, actor_id, now));
}
