/* The comment policies as the site applies them: the configuration file's values
 * (struct domain_env's policy) with what admins stored over them (store settings),
 * the same for every node. Admins read and change them here, for the web page and
 * the API alike; every change leaves an audit entry. */
#ifndef STET_DOMAIN_POLICIES_H
#define STET_DOMAIN_POLICIES_H

#include "domain/context.h"
#include "domain/policy_settings.h"

#include <stdbool.h>
#include <stdint.h>

/* The policies in effect for a post or an edit now: env->policy overridden by each
 * stored setting that names a policy. A stored value policy_set refuses (one typed
 * into the database by hand) is left out: the file's value applies, and the admins'
 * page shows that. Strings in the arena or env's. Store errors as they come
 * (STET_EAGAIN on an I/O thread whose memo cannot answer). */
int policies_effective(const struct dctx *ctx, struct policy_settings *out) STET_MUST_CHECK;

/* One policy as the admins' page and API show it. */
struct policy_entry {
    const char *name;       /* policy_names[i] */
    const char *value;      /* in effect, as policy_get writes it */
    const char *file_value; /* the configuration file's (or the default) */
    bool is_stored;         /* an admin's value applies */
    const char *changed_by; /* is_stored: username; NULL for a command on the server */
    int64_t changed_at;     /* is_stored: Unix seconds */
};

/* Every policy, in policy_names order, for an admin (in the arena). EUNAUTH for
 * nobody, EFORBIDDEN (with a message) for a reader or a moderator; store errors as
 * they come. */
int policies_list(const struct dctx *ctx, const struct user *actor,
                  struct policy_entry out[POLICY_N]) STET_MUST_CHECK;

/* One change an admin asks for: policy `name` to `value`, or back to the
 * configuration file's value (`reset`, value ignored). */
struct policy_change {
    struct str name;
    struct str value;
    bool reset;
};

/* Applies `n` changes all or none, after checking every one: EUNAUTH / EFORBIDDEN as
 * policies_list; EINVAL (field: the policy's name, message saying why) for an
 * unknown name or a value policy_set refuses, the first in the order given, and then
 * nothing is stored. A change to the value already in effect is left out (a form
 * that posts every policy stores only what was edited). Each stored change is
 * audited ("policy.change", target "policy:NAME", note "NAME: old → new") in the
 * same transaction. *n_changed (may be NULL) receives how many changed. */
int policies_change(const struct dctx *ctx, const struct user *actor,
                    const struct policy_change *ch, size_t n, size_t *n_changed) STET_MUST_CHECK;

#endif
