/* `stet export` writes a whole site but its secrets as one JSON document (the format
 * is cli/export.h), streaming each table from one snapshot through the bulk copier's
 * export; `stet import stet FILE` (cli_import_stet) reads such a document back into
 * an empty database in one transaction, through the copier's import. Together they
 * let a site leave stet, and move a site between backends. */
#include "cli/cli.h"
#include "cli/export.h"

#include "base/str.h"
#include "base/timefmt.h"
#include "store/copy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Reads the schema's version (the newest applied migration) from schema_migrations,
 * through the copier's export like every other read here. */
static int take_version(void *ctx, const char *const *values, const size_t *lens, size_t n)
{
    int64_t *version = ctx;
    if (n != 1 || values[0] == NULL)
        return STET_EIO;
    return str_to_i64((struct str){values[0], lens[0]}, 0, INT64_MAX, version) == 0 ? 0 : STET_EIO;
}

static int schema_version(struct store *st, int64_t *out)
{
    static const char *const cols[] = {"version"};
    *out = -1;
    return store_table_export(st, "schema_migrations", cols, 1, 1, take_version, out);
}

/* Ends a transaction keeping nothing; a failure there loses nothing either (the
 * store logged it, and an open transaction ends with the connection). */
static void rollback(struct store *st)
{
    int rc = store_transaction(st, STORE_TX_ROLLBACK);
    (void)rc;
}

/* ---- export ---- */

struct writer {
    FILE *out;
    const struct export_table *t;
    int64_t rows;
    char problem[256]; /* why a row stopped the export; "" for a store error */
};

/* One stored value (text as the copier gives it) as its JSON value; NULL when the
 * store holds what the plan says it cannot. */
static json_t *to_json(enum export_type type, const char *v, size_t len)
{
    if (v == NULL)
        return json_null();
    int64_t i;
    switch (type) {
    case EXPORT_INT:
        return str_to_i64((struct str){v, len}, INT64_MIN, INT64_MAX, &i) == 0 ? json_integer(i)
                                                                               : NULL;
    case EXPORT_BOOL:
        return len == 1 && (v[0] == '0' || v[0] == '1') ? json_boolean(v[0] == '1') : NULL;
    case EXPORT_TEXT:
        /* NULL for invalid UTF-8, which no JSON string can carry. */
        return json_stringn(v, len);
    }
    return NULL;
}

static int write_row(void *arg, const char *const *values, const size_t *lens, size_t n)
{
    struct writer *w = arg;
    json_t *row = json_object();
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *v = to_json(w->t->types[i], values[i], lens[i]);
        if (v == NULL) {
            snprintf(w->problem, sizeof(w->problem),
                     "table %s, row %" PRId64 " (%s %s): column %s holds %s", w->t->table->name,
                     w->rows + 1, w->t->columns[0], values[0] != NULL ? values[0] : "NULL",
                     w->t->columns[i],
                     w->t->types[i] == EXPORT_TEXT ? "invalid UTF-8" : "a value of the wrong type");
            rc = STET_EINVAL;
            break;
        }
        json_object_set_new_nocheck(row, w->t->columns[i], v);
    }
    if (rc == 0) {
        fputs(w->rows > 0 ? ",\n" : "\n", w->out);
        if (json_dumpf(row, w->out, JSON_COMPACT) != 0) {
            snprintf(w->problem, sizeof(w->problem), "write error: %s", strerror(errno));
            rc = STET_EIO;
        }
        w->rows++;
    }
    json_decref(row);
    return rc;
}

/* A header value through jansson, so that it is escaped like every other. */
static void put_field(FILE *out, const char *key, json_t *v)
{
    fprintf(out, "\"%s\":", key);
    (void)json_dumpf(v, out, JSON_COMPACT | JSON_ENCODE_ANY);
    fputs(",\n", out);
    json_decref(v);
}

static int write_document(struct store *st, FILE *out, const struct export_table *plan,
                          size_t n_plan, int64_t *rows, char *problem, size_t problem_len)
{
    int64_t schema;
    char now[TIMEFMT_ISO_LEN];
    int rc = schema_version(st, &schema);
    if (rc != 0)
        return rc;
    time_format_iso(time_now(), now);
    fputs("{", out);
    put_field(out, "format", json_string(EXPORT_FORMAT));
    put_field(out, "format_version", json_integer(EXPORT_FORMAT_VERSION));
    put_field(out, "stet_version", json_string(STET_VERSION));
    put_field(out, "schema_version", json_integer(schema));
    put_field(out, "exported_at", json_string(now));
    fputs("\"tables\":{", out);
    for (size_t i = 0; i < n_plan && rc == 0; i++) {
        const struct export_table *t = &plan[i];
        struct writer w = {.out = out, .t = t};
        fprintf(out, "%s\n\"%s\":[", i > 0 ? "," : "", t->table->name);
        rc = store_table_export(st, t->table->name, t->columns, t->n_columns, t->table->n_key,
                                write_row, &w);
        fputs("\n]", out);
        rows[i] = w.rows;
        snprintf(problem, problem_len, "%s", w.problem);
    }
    if (rc != 0)
        return rc;
    /* The counts come last, when they are known; an import checks them. */
    fputs("\n},\n\"counts\":{", out);
    for (size_t i = 0; i < n_plan; i++)
        fprintf(out, "%s\"%s\":%" PRId64, i > 0 ? "," : "", plan[i].table->name, rows[i]);
    fputs("}}\n", out);
    return 0;
}

/* Closes the output; a write that failed late (a full disk) shows here. */
static bool close_output(FILE *out, bool is_stdout)
{
    bool ok = fflush(out) == 0 && !ferror(out);
    if (!is_stdout)
        ok = fclose(out) == 0 && ok;
    return ok;
}

static void print_counts(const char *verb, const struct export_table *plan, size_t n_plan,
                         const int64_t *rows)
{
    fprintf(stderr, "stet: %s", verb);
    for (size_t i = 0; i < n_plan; i++)
        fprintf(stderr, "%s %" PRId64 " %s", i > 0 ? "," : "", rows[i], plan[i].table->name);
    fputc('\n', stderr);
}

static int export_site(struct cli_session *s, const char *path)
{
    struct export_table plan[EXPORT_MAX_TABLES];
    int64_t rows[EXPORT_MAX_TABLES] = {0};
    char problem[256] = "";
    size_t n_plan;
    if (export_plan(plan, &n_plan) != 0)
        return cli_fail(CLI_FAIL, "export: the export's rules do not cover the schema");
    bool to_stdout = path == NULL || strcmp(path, "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(path, "wb");
    if (out == NULL)
        return cli_fail(CLI_FAIL, "export: cannot create %s: %s", path, strerror(errno));
    /* One snapshot: every table as of one moment, while the site keeps serving. */
    int rc = store_transaction(s->st, STORE_TX_SNAPSHOT);
    if (rc == 0) {
        rc = write_document(s->st, out, plan, n_plan, rows, problem, sizeof(problem));
        rollback(s->st);
    }
    bool written = close_output(out, to_stdout);
    if (rc != 0 || !written) {
        int err = errno;
        if (!to_stdout)
            remove(path); /* never leave half a document that could pass for one */
        if (rc == 0)
            return cli_fail(CLI_FAIL, "export: cannot write %s: %s", to_stdout ? "output" : path,
                            strerror(err));
        if (problem[0] != '\0')
            return cli_fail(CLI_FAIL, "export: %s", problem);
        return cli_fail(CLI_FAIL, "export: reading the database failed (%s)", err_name(rc));
    }
    print_counts("exported", plan, n_plan, rows);
    return CLI_OK;
}

int cmd_export(int argc, char **argv)
{
    struct cli_args args;
    int status = cli_parse("export", argc, argv, &args);
    if (status != CLI_OK)
        return status == CLI_HELP ? CLI_OK : status;
    struct cli_session s;
    status = cli_session_open(&s, &args.common, false);
    if (status != CLI_OK)
        return status;
    status = export_site(&s, cli_value(&args, "-o"));
    cli_session_close(&s);
    return status;
}

/* ---- import ---- */

struct importer {
    struct store *st;
    struct export_table plan[EXPORT_MAX_TABLES];
    size_t n_plan;
    int64_t schema; /* the database's */
    bool has_format, has_version, has_schema;
    json_t *counts; /* the document's, checked at the end (owned) */
    size_t next;    /* index in plan of the table expected next */
    const struct export_table *t;
    int64_t rows[EXPORT_MAX_TABLES];
};

static int check_int(json_t *v, const char *key, int64_t *out, struct export_error *err)
{
    if (!json_is_integer(v))
        return export_fail(err, "\"%s\" must be an integer", key);
    *out = json_integer_value(v);
    return 0;
}

static int on_schema(struct importer *im, int64_t version, struct export_error *err)
{
    if (version == im->schema)
        return 0;
    if (version < im->schema)
        return export_fail(err,
                           "the export has schema version %" PRId64 " and this stet %" PRId64
                           ": upgrade the old site to this release (stet migrate) and export it "
                           "again",
                           version, im->schema);
    return export_fail(err,
                       "the export has schema version %" PRId64 ", newer than this stet's %" PRId64
                       ": import it with the release that wrote it",
                       version, im->schema);
}

static int on_field(void *ctx, const char *key, json_t *v, struct export_error *err)
{
    struct importer *im = ctx;
    int64_t n = 0; /* gcc -O3 cannot see check_int sets it before any use */
    if (strcmp(key, "format") == 0) {
        if (!json_is_string(v) || strcmp(json_string_value(v), EXPORT_FORMAT) != 0)
            return export_fail(err, "not a stet export (\"format\" is not \"%s\")", EXPORT_FORMAT);
        im->has_format = true;
        return 0;
    }
    if (strcmp(key, "format_version") == 0) {
        if (check_int(v, key, &n, err) != 0)
            return STET_EINVAL;
        if (n != EXPORT_FORMAT_VERSION)
            return export_fail(err, "format_version %" PRId64 ": this stet reads version %d", n,
                               EXPORT_FORMAT_VERSION);
        im->has_version = true;
        return 0;
    }
    if (strcmp(key, "schema_version") == 0) {
        if (check_int(v, key, &n, err) != 0 || on_schema(im, n, err) != 0)
            return STET_EINVAL;
        im->has_schema = true;
        return 0;
    }
    if (strcmp(key, "stet_version") == 0 || strcmp(key, "exported_at") == 0)
        return json_is_string(v) ? 0 : export_fail(err, "\"%s\" must be a string", key);
    if (strcmp(key, "counts") == 0) {
        if (!json_is_object(v))
            return export_fail(err, "\"counts\" must be an object");
        im->counts = json_incref(v);
        return 0;
    }
    return export_fail(err, "unknown field \"%s\"", key);
}

/* The columns an INSERT names: the document's, and the password for users. */
static size_t insert_columns(const struct export_table *t, const char **cols)
{
    size_t n = t->n_columns;
    memcpy(cols, t->columns, n * sizeof(*cols));
    if (t->has_password)
        cols[n++] = EXPORT_PASSWORD_COLUMN;
    return n;
}

static int on_table_begin(void *ctx, const char *name, struct export_error *err)
{
    struct importer *im = ctx;
    if (!im->has_format || !im->has_version || !im->has_schema)
        return export_fail(err, "\"format\", \"format_version\" and \"schema_version\" must come "
                                "before \"tables\"");
    const struct export_table *t = export_plan_find(im->plan, im->n_plan, name);
    if (t == NULL)
        return export_fail(err, "\"%s\" is not a table stet exports", name);
    if (im->next >= im->n_plan || t != &im->plan[im->next])
        return export_fail(err,
                           "table %s is out of place (expected %s: the tables keep the "
                           "order stet export writes, referenced tables first)",
                           name, im->next < im->n_plan ? im->plan[im->next].table->name : "none");
    const char *cols[EXPORT_MAX_COLUMNS + 1];
    size_t n = insert_columns(t, cols);
    int rc = store_table_import_begin(im->st, name, cols, n);
    if (rc != 0)
        return rc;
    im->t = t;
    return 0;
}

static bool has_column(const struct export_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_columns; i++)
        if (strcmp(t->columns[i], name) == 0)
            return true;
    return false;
}

/* A row's values in the copier's text form. `ints` holds the digits of integers. */
static int row_values(const struct export_table *t, json_t *row, const char **values, size_t *lens,
                      char ints[][24], struct export_error *err)
{
    static const char *const wanted[] = {"an integer", "a string", "true or false"};
    /* A key the plan does not know would be lost: refuse it. A missing one shows below. */
    if (json_object_size(row) != t->n_columns) {
        const char *key;
        json_t *v;
        json_object_foreach(row, key, v) if (!has_column(t, key)) return export_fail(
            err, "table %s: unknown column \"%s\"", t->table->name, key);
    }
    for (size_t i = 0; i < t->n_columns; i++) {
        json_t *v = json_object_get(row, t->columns[i]);
        bool ok = true;
        if (v == NULL)
            return export_fail(err, "table %s: the row has no column \"%s\"", t->table->name,
                               t->columns[i]);
        if (json_is_null(v)) {
            values[i] = NULL;
            lens[i] = 0;
        } else if (t->types[i] == EXPORT_INT && (ok = json_is_integer(v))) {
            int len =
                snprintf(ints[i], sizeof(ints[i]), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            values[i] = ints[i];
            lens[i] = (size_t)len;
        } else if (t->types[i] == EXPORT_TEXT && (ok = json_is_string(v))) {
            values[i] = json_string_value(v);
            lens[i] = json_string_length(v);
        } else if (t->types[i] == EXPORT_BOOL && (ok = json_is_boolean(v))) {
            values[i] = json_is_true(v) ? "1" : "0";
            lens[i] = 1;
        }
        if (!ok)
            return export_fail(err, "table %s: column %s must be %s or null", t->table->name,
                               t->columns[i], wanted[t->types[i]]);
    }
    return 0;
}

static int on_row(void *ctx, json_t *row, struct export_error *err)
{
    struct importer *im = ctx;
    const struct export_table *t = im->t;
    const char *values[EXPORT_MAX_COLUMNS + 1];
    size_t lens[EXPORT_MAX_COLUMNS + 1];
    char ints[EXPORT_MAX_COLUMNS][24];
    int rc = row_values(t, row, values, lens, ints, err);
    if (rc != 0)
        return rc;
    size_t n = t->n_columns;
    if (t->has_password) {
        values[n] = EXPORT_NO_PASSWORD;
        lens[n++] = strlen(EXPORT_NO_PASSWORD);
    }
    rc = store_table_import_row(im->st, values, lens, n);
    if (rc == STET_EINVAL)
        return export_fail(err,
                           "table %s: the database refused this row (a value out of range, or a "
                           "reference to a row that is not there)",
                           t->table->name);
    if (rc == STET_ECONFLICT)
        return export_fail(err, "table %s: this row's key (or another unique value) is taken",
                           t->table->name);
    if (rc != 0)
        return rc;
    im->rows[t - im->plan]++;
    return 0;
}

static int on_table_end(void *ctx, struct export_error *err)
{
    struct importer *im = ctx;
    (void)err;
    store_table_import_end(im->st);
    /* PostgreSQL: new ids continue after the imported ones. */
    int rc = im->t->table->identity != NULL
                 ? store_table_sync_ids(im->st, im->t->table->name, im->t->table->identity)
                 : 0;
    im->t = NULL;
    im->next++;
    return rc;
}

/* After the whole document: every table there, and as many rows as it says. */
static int check_complete(struct importer *im, struct export_error *err)
{
    if (im->next < im->n_plan)
        return export_fail(err, "table %s is missing", im->plan[im->next].table->name);
    if (im->counts == NULL)
        return export_fail(err, "\"counts\" is missing");
    if (json_object_size(im->counts) != im->n_plan)
        return export_fail(err, "\"counts\" names other tables than the document holds");
    for (size_t i = 0; i < im->n_plan; i++) {
        json_t *c = json_object_get(im->counts, im->plan[i].table->name);
        if (!json_is_integer(c) || json_integer_value(c) != im->rows[i])
            return export_fail(err, "table %s holds %" PRId64 " rows, \"counts\" says otherwise",
                               im->plan[i].table->name, im->rows[i]);
    }
    return 0;
}

/* The export callback's own code for "a row exists", told apart from store errors. */
#define HAS_ROWS 1

static int stop_at_first_row(void *ctx, const char *const *values, const size_t *lens, size_t n)
{
    (void)ctx;
    (void)values;
    (void)lens;
    (void)n;
    return HAS_ROWS;
}

/* Inside the write transaction, so nothing slips in between the check and the
 * import. Tables the export leaves out (sessions, keys) may hold rows. */
static int refuse_non_empty(struct importer *im)
{
    for (size_t i = 0; i < im->n_plan; i++) {
        const struct export_table *t = &im->plan[i];
        int rc = store_table_export(im->st, t->table->name, t->columns, t->table->n_key,
                                    t->table->n_key, stop_at_first_row, NULL);
        if (rc == HAS_ROWS)
            return cli_fail(CLI_FAIL,
                            "import: the database is not empty (table %s has rows); import into "
                            "a new database (stet migrate --db URL creates one)",
                            t->table->name);
        if (rc != 0)
            return cli_fail(CLI_FAIL, "import: reading the database failed (%s)", err_name(rc));
    }
    return CLI_OK;
}

static int read_into(struct importer *im, FILE *in, const char *path, bool dry_run)
{
    static const struct export_reader_ops ops = {
        .field = on_field,
        .table_begin = on_table_begin,
        .row = on_row,
        .table_end = on_table_end,
    };
    struct export_error err;
    int rc = export_read(in, &ops, im, &err);
    if (im->t != NULL)
        store_table_import_end(im->st);
    if (rc == 0)
        rc = check_complete(im, &err);
    if (rc == STET_EINVAL || (rc == STET_EIO && err.message[0] != '\0'))
        return cli_fail(CLI_FAIL, "%s:%" PRId64 ": %s (byte %" PRId64 "); nothing was imported",
                        path, err.line, err.message, err.offset);
    if (rc != 0)
        return cli_fail(CLI_FAIL, "%s:%" PRId64 ": the database failed (%s); nothing was imported",
                        path, err.line, err_name(rc));
    /* References are checked at the end (a reply may come before its parent). */
    rc = store_transaction(im->st, STORE_TX_CHECK);
    if (rc == STET_EINVAL)
        return cli_fail(CLI_FAIL,
                        "%s: a row refers to one the file does not hold (a comment's story "
                        "or parent, a report's comment, ...); nothing was imported",
                        path);
    if (rc != 0)
        return cli_fail(CLI_FAIL, "%s: the database failed (%s); nothing was imported", path,
                        err_name(rc));
    if (dry_run)
        return CLI_OK;
    rc = store_transaction(im->st, STORE_TX_COMMIT);
    if (rc != 0)
        return cli_fail(CLI_FAIL, "import: the commit failed (%s); nothing was imported",
                        err_name(rc));
    return CLI_OK;
}

int cli_import_stet(struct cli_session *s, const char *path, bool dry_run)
{
    struct importer im = {.st = s->st};
    if (export_plan(im.plan, &im.n_plan) != 0)
        return cli_fail(CLI_FAIL, "import: the export's rules do not cover the schema");
    bool from_stdin = strcmp(path, "-") == 0;
    FILE *in = from_stdin ? stdin : fopen(path, "rb");
    if (in == NULL)
        return cli_fail(CLI_FAIL, "import: cannot open %s: %s", path, strerror(errno));
    int status = CLI_FAIL;
    int rc = schema_version(s->st, &im.schema);
    if (rc != 0) {
        cli_fail(CLI_FAIL, "import: reading the schema version failed (%s)", err_name(rc));
        goto out;
    }
    /* All or nothing: a malformed, truncated or refused document rolls back. */
    rc = store_transaction(s->st, STORE_TX_WRITE);
    if (rc != 0) {
        cli_fail(CLI_FAIL, "import: cannot start a transaction (%s)", err_name(rc));
        goto out;
    }
    status = refuse_non_empty(&im);
    if (status == CLI_OK)
        status = read_into(&im, in, from_stdin ? "(stdin)" : path, dry_run);
    if (status != CLI_OK || dry_run)
        rollback(s->st);
    if (status == CLI_OK) {
        print_counts(dry_run ? "would import (dry run, nothing written)" : "imported", im.plan,
                     im.n_plan, im.rows);
        const struct export_table *users = export_plan_find(im.plan, im.n_plan, "users");
        if (!dry_run && users != NULL && im.rows[users - im.plan] > 0)
            fprintf(stderr, "stet: imported users have no password: they cannot log in until "
                            "they are given one (see the README, \"Export and moving a site\")\n");
    }
out:
    json_decref(im.counts);
    if (!from_stdin)
        fclose(in);
    return status;
}
