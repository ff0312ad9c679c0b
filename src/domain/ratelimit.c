/* Rate limits as database counters: one row per (bucket, window). A fixed window is
 * cruder than a sliding one but needs a single atomic upsert per hit on any
 * backend, and no clock agreement between nodes beyond the minute. */
#include "domain/ratelimit.h"

#include <ctype.h>

#define RATE_SUBJECT_MAX 64

int rate_check(const struct dctx *ctx, const struct rate_rule *rule, struct str subject)
{
    if (rule->limit <= 0)
        return 0;
    /* Subjects are compared without regard to case (logins are), and bounded. */
    char key[96];
    size_t n = 0;
    for (const char *p = rule->name; *p != '\0' && n < 24; p++)
        key[n++] = *p;
    key[n++] = ':';
    for (size_t i = 0; i < subject.len && i < RATE_SUBJECT_MAX; i++)
        key[n++] = (char)tolower((unsigned char)subject.ptr[i]);
    key[n] = '\0';

    int64_t window = ctx->now - ctx->now % rule->window_s;
    int64_t hits;
    int rc = store_rate_hit(ctx->st, key, window, &hits);
    if (rc != 0)
        return rc;
    if (hits > rule->limit)
        return err_set(ctx->err, STET_ERATE, NULL, rule->message);
    return 0;
}
