/* Rate limits as token buckets in the database (store_rate_take), so every node of
 * a site enforces the same limits and a restart forgets none. A bucket is named by
 * a keyed hash of what it limits, never by a login name or address in clear. */
#ifndef STET_DOMAIN_RATELIMIT_H
#define STET_DOMAIN_RATELIMIT_H

#include "domain/context.h"

#define RATE_KEY_LEN STORE_SITE_KEY_LEN

/* One bucket to take a token from: its kind (part of its name, e.g.
 * "login-client"), its limit, and whom it is for (parts[0..n_parts), e.g. an
 * account and a client address; each part any bytes). */
struct rate_hit {
    const char *kind;
    struct rate_limit limit;
    const struct str *parts;
    size_t n_parts;
};

/* An account's id as a bucket part, written into `buf`. */
#define RATE_ID_LEN 24
struct str rate_id_part(char buf[static RATE_ID_LEN], int64_t id);

/* Takes a token from each bucket of hits[0..n) (at most STORE_RATE_TAKE_MAX) whose
 * limit is on, all or none (store_rate_take). When one has none: STET_ERATE, and
 * ctx->err gets `message` with the wait in words, and that wait as retry_after.
 * Returns 0 at once for the command line (ctx->client empty). Store errors as they
 * come. */
int rate_check(const struct dctx *ctx, const struct rate_hit *hits, size_t n,
               const char *message) STET_MUST_CHECK;

/* The wait `wait_ms` as a sentence, "Please wait 40 seconds." or "Please try again
 * in 3 minutes.", rounded up to what it says, and that many seconds in
 * *retry_after: a client told to come back then finds a token. In `a`. */
const char *rate_wait_text(struct arena *a, int64_t wait_ms, int *retry_after);

/* The site's key for bucket names into `key` (hex and a NUL): the one stored in the
 * database, or a new random one stored now, so every node of a site names buckets
 * alike. Store errors. */
int rate_key_load(struct store *st, char key[RATE_KEY_LEN + 1]) STET_MUST_CHECK;

#endif
