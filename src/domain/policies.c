/* The comment policies in effect and their admins' changes (policies.h). A post
 * reads the stored settings through the store's memo (store/pooled.c), so applying
 * an admin's change on every node costs no round trip per post. */
#include "domain/policies.h"

#include <string.h>

/* Applies every stored setting that names a policy over `out`; each value goes
 * through policy_set, the same check the file's values went through. `applied[i]`
 * (may be NULL) points at the row that set policy_names[i], NULL for none. */
static void apply_stored(struct arena *a, const struct store_setting *rows, size_t n,
                         struct policy_settings *out, const struct store_setting **applied)
{
    char why[160];
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < POLICY_N; k++) {
            if (strcmp(rows[i].key, policy_names[k]) != 0)
                continue;
            /* A value typed by hand that policy_set refuses leaves the file's. */
            struct policy_settings next = *out;
            if (policy_set(&next, policy_names[k], arena_strdup(a, rows[i].value), why,
                           sizeof(why)) == 0) {
                *out = next;
                if (applied != NULL)
                    applied[k] = &rows[i];
            }
        }
    }
}

int policies_effective(const struct dctx *ctx, struct policy_settings *out)
{
    struct store_setting *rows;
    size_t n;
    int rc = store_setting_list(ctx->a, ctx->st, &rows, &n);
    if (rc != 0)
        return rc;
    *out = ctx->env->policy;
    apply_stored(ctx->a, rows, n, out, NULL);
    return 0;
}

static int admin_check(const struct dctx *ctx, const struct user *actor)
{
    if (actor == NULL)
        return err_set(ctx->err, STET_EUNAUTH, NULL, "You must be logged in to do that.");
    if (actor->role != ROLE_ADMIN)
        return err_set(ctx->err, STET_EFORBIDDEN, NULL, "Only an admin can change the policies.");
    return 0;
}

/* The policies in effect with the row behind each (`applied`). */
static int load(const struct dctx *ctx, struct policy_settings *eff,
                const struct store_setting *applied[POLICY_N])
{
    struct store_setting *rows;
    size_t n;
    int rc = store_setting_list(ctx->a, ctx->st, &rows, &n);
    if (rc != 0)
        return rc;
    *eff = ctx->env->policy;
    for (size_t k = 0; k < POLICY_N; k++)
        applied[k] = NULL;
    apply_stored(ctx->a, rows, n, eff, applied);
    return 0;
}

int policies_list(const struct dctx *ctx, const struct user *actor,
                  struct policy_entry out[POLICY_N])
{
    struct policy_settings eff;
    const struct store_setting *applied[POLICY_N];
    int rc = admin_check(ctx, actor);
    if (rc == 0)
        rc = load(ctx, &eff, applied);
    if (rc != 0)
        return rc;
    for (size_t k = 0; k < POLICY_N; k++) {
        const char *name = policy_names[k];
        out[k] = (struct policy_entry){
            .name = name,
            .value = policy_get(ctx->a, &eff, name),
            .file_value = policy_get(ctx->a, &ctx->env->policy, name),
            .is_stored = applied[k] != NULL,
            .changed_by = applied[k] != NULL ? applied[k]->changed_by : NULL,
            .changed_at = applied[k] != NULL ? applied[k]->changed_at : 0,
        };
    }
    return 0;
}

/* The index of policy `name` in policy_names; -1 for none. */
static int policy_index(struct str name)
{
    for (int k = 0; k < POLICY_N; k++)
        if (str_eq_cstr(name, policy_names[k]))
            return k;
    return -1;
}

/* A value as the audit note shows it: the banned words on one line. */
static const char *note_value(struct arena *a, const char *v)
{
    char *out = arena_strdup(a, v);
    for (char *p = out; *p != '\0'; p++)
        if (*p == '\n')
            *p = ',';
    return *out != '\0' ? out : "(none)";
}

/* Checks change `c` against the policies as changed so far (`eff`, updated) and
 * says what to store in *out: false when it changes nothing. */
static int check_change(const struct dctx *ctx, const struct policy_change *c,
                        struct policy_settings *eff, const struct store_setting *applied[POLICY_N],
                        struct store_setting_change *out, bool *changes)
{
    char why[160];
    int k = policy_index(c->name);
    if (k < 0)
        return err_set(ctx->err, STET_EINVAL, arena_strndup(ctx->a, c->name.ptr, c->name.len),
                       "There is no such policy.");
    const char *name = policy_names[k];
    const char *old = policy_get(ctx->a, eff, name);
    const char *value;
    if (c->reset) {
        *changes = applied[k] != NULL;
        if (policy_set(eff, name, policy_get(ctx->a, &ctx->env->policy, name), why, sizeof(why)) !=
            0)
            return STET_EIO; /* the file's value passed the same check at start-up */
        value = NULL;
    } else {
        if (c->value.len > POLICY_VALUE_MAX || memchr(c->value.ptr, '\0', c->value.len) != NULL)
            return err_set(
                ctx->err, STET_EINVAL, name,
                arena_printf(ctx->a, "%s is longer than %d bytes.", name, POLICY_VALUE_MAX));
        const char *typed = arena_strndup(ctx->a, c->value.ptr, c->value.len);
        if (policy_set(eff, name, typed, why, sizeof(why)) != 0)
            return err_set(ctx->err, STET_EINVAL, name, arena_printf(ctx->a, "%s %s.", name, why));
        /* Stored as it reads back: the banned words one per line, numbers plain. */
        value = policy_get(ctx->a, eff, name);
        *changes = strcmp(value, old) != 0;
    }
    const char *now = policy_get(ctx->a, eff, name);
    *out = (struct store_setting_change){
        .key = name,
        .value = value,
        .audit = {.at = ctx->now,
                  .action = "policy.change",
                  .target = arena_printf(ctx->a, "policy:%s", name),
                  .note = arena_printf(ctx->a, "%s: %s → %s%s", name, note_value(ctx->a, old),
                                       note_value(ctx->a, now),
                                       c->reset ? " (the configuration file's)" : "")},
    };
    return 0;
}

int policies_change(const struct dctx *ctx, const struct user *actor,
                    const struct policy_change *ch, size_t n, size_t *n_changed)
{
    struct policy_settings eff;
    const struct store_setting *applied[POLICY_N];
    if (n_changed != NULL)
        *n_changed = 0;
    int rc = admin_check(ctx, actor);
    if (rc == 0 && n > STORE_SETTINGS_MAX)
        rc = err_set(ctx->err, STET_EINVAL, NULL, "Too many changes at once.");
    if (rc == 0)
        rc = load(ctx, &eff, applied);
    if (rc != 0)
        return rc;
    struct store_setting_change *todo = arena_alloc(ctx->a, (n + 1) * sizeof(*todo));
    size_t n_todo = 0;
    for (size_t i = 0; i < n; i++) {
        bool changes = false;
        rc = check_change(ctx, &ch[i], &eff, applied, &todo[n_todo], &changes);
        if (rc != 0)
            return rc;
        if (changes) {
            todo[n_todo].audit.actor_id = actor->id;
            n_todo++;
        }
    }
    if (n_todo > 0)
        rc = store_settings_change(ctx->st, todo, n_todo, actor->id, ctx->now);
    if (rc == 0 && n_changed != NULL)
        *n_changed = n_todo;
    return rc;
}
