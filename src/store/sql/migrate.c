/* The migration runner: the driver's NNNN_name.sql files in order, each applied once
 * in its own transaction and recorded in schema_migrations. */
#include "store/sql/exec.h"

#include "base/log.h"
#include "base/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_file_name(const void *x, const void *y)
{
    const struct embedded_file *const *a = x;
    const struct embedded_file *const *b = y;
    return strcmp((*a)->name, (*b)->name);
}

/* "0001_init.sql" -> 1; -1 when the name does not start with digits and '_'. */
static int64_t migration_version(const char *name)
{
    int64_t v = 0;
    size_t i = 0;
    for (; name[i] >= '0' && name[i] <= '9'; i++) {
        if (i >= 9)
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    if (i == 0 || name[i] != '_')
        return -1;
    return v;
}

/* Inside the migration's transaction: the check comes first, so two processes
 * migrating at once cannot both apply it. *ran is set when it ran. */
static int apply(struct sql_conn *c, const struct embedded_file *f, int64_t version, bool *ran)
{
    struct sql_args args = {0};
    struct sql_rows rows;
    char what[160];
    sql_arg_int(&args, version);
    int rc = sql_one(c, Q_MIGRATE_HAS, &args, &rows);
    if (rc == 0)
        sql_done(&rows);
    if (rc != STET_ENOTFOUND)
        return rc; /* recorded already, or the check failed */
    snprintf(what, sizeof(what), "migration %s", f->name);
    rc = c->drv->exec_script(c, (const char *)f->data, what);
    if (rc != 0)
        return rc;
    args = (struct sql_args){0};
    sql_arg_int(&args, version);
    sql_arg_cstr(&args, f->name);
    sql_arg_int(&args, (int64_t)time(NULL));
    rc = sql_exec(c, Q_MIGRATE_RECORD, &args, NULL);
    *ran = rc == 0;
    return rc;
}

/* After the migration's statements, in its transaction: STET_EIO when it left a
 * reference broken (checked here on SQLite, where it ran with keys off). */
static int check_keys(struct sql_conn *c, const char *name)
{
    struct sql_rows rows;
    int rc = sql_one(c, Q_MIGRATE_FK_CHECK, NULL, &rows);
    if (rc == STET_ENOTFOUND)
        return 0;
    if (rc == 0) {
        struct arena *a = arena_new(256);
        log_error(NULL, "%s: migration %s: a row of %s refers to a missing row of %s", c->drv->name,
                  name, sql_str(a, &rows, 0), sql_str(a, &rows, 2));
        arena_free(a);
        sql_done(&rows);
        rc = STET_EIO;
    }
    return rc;
}

static int migrate_one(struct sql_conn *c, const struct embedded_file *f, bool *ran)
{
    int64_t version = migration_version(f->name);
    *ran = false;
    if (version < 0) {
        log_error(NULL, "%s: migration %s: name must be NNNN_name.sql", c->drv->name, f->name);
        return STET_EIO;
    }
    int rc = sql_exec(c, Q_MIGRATE_FK_OFF, NULL, NULL);
    if (rc == 0)
        rc = sql_tx(c, SQL_TX_BEGIN);
    if (rc == 0) {
        rc = apply(c, f, version, ran);
        if (rc == 0 && *ran)
            rc = check_keys(c, f->name);
        rc = sql_finish(c, rc);
    }
    int on = sql_exec(c, Q_MIGRATE_FK_ON, NULL, NULL);
    if (rc == 0)
        rc = on;
    if (rc != 0)
        *ran = false;
    return rc;
}

/* The files up to `max_version`, in order. */
static int run_files(struct sql_conn *c, int64_t max_version, int *applied)
{
    const struct embedded_file *all = c->drv->migrations;
    size_t n_files = 0;
    while (all[n_files].name != NULL)
        n_files++;
    const struct embedded_file **files = xcalloc(n_files + 1, sizeof(*files));
    for (size_t i = 0; i < n_files; i++)
        files[i] = &all[i];
    qsort(files, n_files, sizeof(*files), cmp_file_name);
    int rc = 0;
    for (size_t i = 0; i < n_files && rc == 0; i++) {
        bool ran = false;
        if (migration_version(files[i]->name) > max_version)
            break;
        rc = migrate_one(c, files[i], &ran);
        if (ran) {
            (*applied)++;
            log_info(NULL, "%s: applied migration %s", c->drv->name, files[i]->name);
        }
    }
    free(files);
    return rc;
}

static int migrate_conn(struct sql_conn *c, int64_t max_version, int *applied)
{
    int n_applied = 0;
    int rc = sql_exec(c, Q_MIGRATE_LOCK, NULL, NULL);
    if (rc != 0)
        return rc;
    rc = c->drv->exec_script(c, sql_query_text(c->drv->dialect, Q_MIGRATE_TABLE),
                             "migrate schema_migrations");
    if (rc == 0)
        rc = run_files(c, max_version, &n_applied);
    /* A lost connection took its session lock with it. */
    if (rc != STET_EUNAVAIL) {
        int unlocked = sql_exec(c, Q_MIGRATE_UNLOCK, NULL, NULL);
        if (rc == 0)
            rc = unlocked;
    }
    if (applied != NULL)
        *applied = n_applied;
    return rc;
}

int store_migrate_upto(struct store *st, int64_t max_version, int *applied)
{
    struct sql_conn *c;
    if (applied != NULL)
        *applied = 0;
    int rc = sql_lease(st, SQL_USE_WRITE, &c);
    if (rc != 0)
        return rc;
    return sql_unlease(st, c, SQL_USE_WRITE, migrate_conn(c, max_version, applied));
}

int store_migrate(struct store *st, int *applied)
{
    return store_migrate_upto(st, INT64_MAX, applied);
}

int store_exec_sql(struct store *st, const char *sql)
{
    struct sql_conn *c = sql_conn_of(st);
    return c != NULL ? c->drv->exec_script(c, sql, "exec") : STET_EINVAL;
}
