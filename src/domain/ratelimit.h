/* Fixed-window rate limits whose counters live in the database, so every node of a
 * site enforces the same limit. */
#ifndef STET_DOMAIN_RATELIMIT_H
#define STET_DOMAIN_RATELIMIT_H

#include "domain/context.h"

struct rate_rule {
    const char *name; /* bucket prefix, e.g. "comment" */
    int limit;        /* hits allowed per window; 0: no limit */
    int window_s;
    const char *message; /* shown with 429 */
};

/* Counts one hit for `subject` under `rule`. ERATE (message in ctx->err) when this
 * hit goes over the limit; store errors as they come. */
int rate_check(const struct dctx *ctx, const struct rate_rule *rule,
               struct str subject) STET_MUST_CHECK;

#endif
