/* The export's rules: for every table and column of the bulk copier's list
 * (store_tables), whether the document carries it and as which JSON type. A table or
 * column without a rule makes the plan fail, so the export follows the schema only
 * where someone decided that what was added is not a secret. */
#include "cli/export.h"

#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Tables that stay out of the document, and why. */
static const char *const secret_tables[] = {
    "sessions",     /* login tokens (hashed, still a credential for their lifetime) */
    "site_keys",    /* the HMAC keys behind rate limiting */
    "rate_buckets", /* clients' recent requests, keyed by site_keys: meaningless without it */
};

enum rule {
    R_INT = EXPORT_INT,
    R_TEXT = EXPORT_TEXT,
    R_BOOL = EXPORT_BOOL,
    R_PASSWORD, /* users.password_hash: left out, and refilled on import */
};

struct column_rule {
    const char *table;
    const char *column;
    enum rule rule;
};

/* E-mail addresses are exported: they are the site's own data about its users, and
 * the way a moved site reaches them again (a password reset). */
static const struct column_rule rules[] = {
    {"users", "id", R_INT},
    {"users", "username", R_TEXT},
    {"users", "display_name", R_TEXT},
    {"users", "email", R_TEXT},
    {"users", "password_hash", R_PASSWORD},
    {"users", "role", R_TEXT},
    {"users", "created_at", R_INT},
    {"users", "username_key", R_TEXT},
    {"users", "email_key", R_TEXT},
    {"users", "suspended_until", R_INT},
    {"users", "suspension_reason", R_TEXT},
    {"stories", "id", R_INT},
    {"stories", "slug", R_TEXT},
    {"stories", "title", R_TEXT},
    {"stories", "byline", R_TEXT},
    {"stories", "body_src", R_TEXT},
    {"stories", "body_html", R_TEXT},
    {"stories", "published_at", R_INT},
    {"stories", "created_at", R_INT},
    {"stories", "comments_open", R_BOOL},
    {"stories", "comment_count", R_INT},
    {"stories", "event_seq", R_INT},
    {"stories", "content_version", R_INT},
    {"comments", "id", R_INT},
    {"comments", "story_id", R_INT},
    {"comments", "parent_id", R_INT},
    {"comments", "author_id", R_INT},
    {"comments", "legacy_author", R_TEXT},
    {"comments", "body_src", R_TEXT},
    {"comments", "body_html", R_TEXT},
    {"comments", "created_at", R_INT},
    {"comments", "edited_at", R_INT},
    {"comments", "is_legacy", R_BOOL},
    {"comments", "status", R_TEXT},
    {"comments", "legacy_source", R_TEXT},
    {"comments", "legacy_id", R_TEXT},
    {"comments", "event_seq", R_INT},
    {"comments", "report_count", R_INT},
    {"comments", "hold_reason", R_TEXT},
    {"comments", "spam_score", R_INT},
    {"comments", "spam_hash", R_INT},
    {"comments", "spam_tokens", R_TEXT},
    {"comments", "spam_trained", R_TEXT},
    {"comments", "placeholder", R_BOOL},
    /* An imported comment's author's e-mail: private on the site, but the site's own
     * data, as users' e-mail addresses are. */
    {"comments", "legacy_email", R_TEXT},
    {"reports", "comment_id", R_INT},
    {"reports", "reporter_id", R_INT},
    {"reports", "reason", R_TEXT},
    {"reports", "created_at", R_INT},
    {"audit_log", "id", R_INT},
    {"audit_log", "at", R_INT},
    {"audit_log", "actor_id", R_INT},
    {"audit_log", "action", R_TEXT},
    {"audit_log", "target", R_TEXT},
    {"audit_log", "note", R_TEXT},
    {"site_settings", "key", R_TEXT},
    {"site_settings", "value", R_TEXT},
    {"site_settings", "changed_at", R_INT},
    {"site_settings", "changed_by", R_INT},
    {"spam_tokens", "token", R_TEXT},
    {"spam_tokens", "spam", R_INT},
    {"spam_tokens", "ham", R_INT},
    {"spam_totals", "id", R_INT},
    {"spam_totals", "spam", R_INT},
    {"spam_totals", "ham", R_INT},
    {"legacy_spam", "legacy_source", R_TEXT},
    {"legacy_spam", "legacy_id", R_TEXT},
};

static bool is_secret_table(const char *name)
{
    for (size_t i = 0; i < sizeof(secret_tables) / sizeof(secret_tables[0]); i++)
        if (strcmp(secret_tables[i], name) == 0)
            return true;
    return false;
}

static const struct column_rule *rule_for(const char *table, const char *column)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (strcmp(rules[i].table, table) == 0 && strcmp(rules[i].column, column) == 0)
            return &rules[i];
    return NULL;
}

static int plan_table(const struct store_table *t, struct export_table *out)
{
    memset(out, 0, sizeof(*out));
    out->table = t;
    for (size_t c = 0; c < t->n_columns; c++) {
        const struct column_rule *r = rule_for(t->name, t->columns[c]);
        if (r == NULL) {
            log_error(NULL, "export: column %s.%s has no export rule (src/cli/export_plan.c)",
                      t->name, t->columns[c]);
            return STET_EINVAL;
        }
        /* The key orders the rows, so it must be in the document. */
        if (r->rule == R_PASSWORD && c >= t->n_key) {
            out->has_password = true;
            continue;
        }
        if (r->rule == R_PASSWORD || out->n_columns == EXPORT_MAX_COLUMNS) {
            log_error(NULL, "export: table %s cannot be planned", t->name);
            return STET_EINVAL;
        }
        out->columns[out->n_columns] = t->columns[c];
        out->types[out->n_columns] = (enum export_type)r->rule;
        out->n_columns++;
    }
    return 0;
}

int export_plan(struct export_table out[EXPORT_MAX_TABLES], size_t *n)
{
    size_t n_tables;
    const struct store_table *tables = store_tables(&n_tables);
    *n = 0;
    for (size_t i = 0; i < n_tables; i++) {
        if (is_secret_table(tables[i].name))
            continue;
        if (*n == EXPORT_MAX_TABLES) {
            log_error(NULL, "export: more than %d tables", EXPORT_MAX_TABLES);
            return STET_EINVAL;
        }
        int rc = plan_table(&tables[i], &out[*n]);
        if (rc != 0)
            return rc;
        (*n)++;
    }
    return 0;
}

const struct export_table *export_plan_find(const struct export_table *plan, size_t n,
                                            const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(plan[i].table->name, name) == 0)
            return &plan[i];
    return NULL;
}

int export_fail(struct export_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return STET_EINVAL;
}
