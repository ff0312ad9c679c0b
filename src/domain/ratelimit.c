/* Token buckets in the database. A hit is one atomic store operation
 * (store_rate_take: an upsert per bucket, all buckets of a request in one
 * transaction) that refills each bucket from its stored time and takes a token from
 * every one, or from none and says exactly how long until every one has a token,
 * so a refused client is told the real wait and spends nothing.
 *
 * Bucket names are BLAKE2b hashes keyed with a random per-site key kept in the
 * database (site_keys 'rate_limits'), over the rule's kind and the subject (login
 * names, account ids, client addresses). What that protects: anyone who reads the
 * rate_buckets table alone (a partial dump, a debugging session, a log of its rows)
 * learns neither which names were tried nor from which addresses, and cannot test
 * guesses against the hashes. What it does not: whoever holds the whole database
 * holds the key too, and can then test guesses (an address space is small). Buckets
 * are also deleted once full again (store_prune), so even then only the last
 * minutes to hours of activity are there to test. */
#include "domain/ratelimit.h"

#include "domain/password.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

_Static_assert(RATE_KEY_LEN == SECRET_KEY_HEX_LEN, "the site key keys secret_keyed_hash_hex");
_Static_assert(STORE_RATE_KEY_LEN == SECRET_HASH_HEX_LEN, "a bucket is named by a keyed hash");

/* Names the hashing scheme, so a later change of it cannot meet old buckets. */
static const char rate_scheme[] = "stet-rate-1";

/* The hashed text: the scheme and the bucket's kind, each with its NUL, then every
 * part as a 4-byte length and its bytes, so no two different lists of parts can
 * produce the same text (parts are names and addresses, far below 4 GiB). */
static void bucket_key(const struct dctx *ctx, const char *kind, const struct str *parts, size_t n,
                       char out[STORE_RATE_KEY_LEN + 1])
{
    size_t kind_len = strlen(kind);
    size_t len = sizeof(rate_scheme) + kind_len + 1;
    for (size_t i = 0; i < n; i++)
        len += 4 + parts[i].len;
    unsigned char *msg = arena_alloc(ctx->a, len);
    unsigned char *p = msg;
    memcpy(p, rate_scheme, sizeof(rate_scheme));
    p += sizeof(rate_scheme);
    memcpy(p, kind, kind_len + 1);
    p += kind_len + 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t plen = (uint32_t)parts[i].len;
        for (int b = 0; b < 4; b++)
            *p++ = (unsigned char)(plen >> (8 * b));
        if (parts[i].len > 0)
            memcpy(p, parts[i].ptr, parts[i].len);
        p += parts[i].len;
    }
    secret_keyed_hash_hex(ctx->env->rate_key, msg, len, out);
}

const char *rate_wait_text(struct arena *a, int64_t wait_ms, int *retry_after)
{
    int64_t s = wait_ms <= 1000 ? 1 : (wait_ms + 999) / 1000;
    if (s < 60) {
        *retry_after = (int)s;
        return arena_printf(a, "Please wait %d second%s.", (int)s, s == 1 ? "" : "s");
    }
    /* Said in minutes or hours, the wait is rounded up to them, and Retry-After
     * says the same. */
    int64_t m = (s + 59) / 60;
    if (m < 120) {
        *retry_after = (int)(m * 60);
        return arena_printf(a, "Please try again in %d minute%s.", (int)m, m == 1 ? "" : "s");
    }
    int64_t h = (m + 59) / 60;
    if (h > 24 * 366)
        h = 24 * 366; /* the store refuses intervals over a year */
    *retry_after = (int)(h * 3600);
    return arena_printf(a, "Please try again in %d hours.", (int)h);
}

struct str rate_id_part(char buf[static RATE_ID_LEN], int64_t id)
{
    int len = snprintf(buf, RATE_ID_LEN, "%lld", (long long)id);
    return (struct str){buf, (size_t)len};
}

int rate_check(const struct dctx *ctx, const struct rate_hit *hits, size_t n, const char *message)
{
    struct store_rate_bucket buckets[STORE_RATE_TAKE_MAX];
    size_t n_buckets = 0;
    assert(n <= STORE_RATE_TAKE_MAX);
    if (ctx->client.len == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const struct rate_limit *l = &hits[i].limit;
        if (l->capacity <= 0)
            continue;
        /* One token comes back every period / capacity; rounding down keeps a full
         * refill within the period. */
        int64_t interval_ms = (int64_t)l->period_s * 1000 / l->capacity;
        char *key = arena_alloc(ctx->a, STORE_RATE_KEY_LEN + 1);
        bucket_key(ctx, hits[i].kind, hits[i].parts, hits[i].n_parts, key);
        buckets[n_buckets++] = (struct store_rate_bucket){
            .key = key, .interval_ms = interval_ms > 0 ? interval_ms : 1, .capacity = l->capacity};
    }
    if (n_buckets == 0)
        return 0;
    int64_t wait_ms;
    int rc = store_rate_take(ctx->st, buckets, n_buckets, ctx->now * 1000, &wait_ms);
    if (rc != 0 || wait_ms == 0)
        return rc;
    int retry_after;
    const char *wait = rate_wait_text(ctx->a, wait_ms, &retry_after);
    return err_set_retry(ctx->err, STET_ERATE, arena_printf(ctx->a, "%s %s", message, wait),
                         retry_after);
}

int rate_key_load(struct store *st, char key[RATE_KEY_LEN + 1])
{
    char candidate[RATE_KEY_LEN + 1];
    secret_key_new(candidate);
    int rc = store_site_key(st, "rate_limits", candidate, key);
    secret_wipe(candidate, sizeof(candidate));
    return rc;
}
