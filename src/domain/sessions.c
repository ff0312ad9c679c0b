/* Session tokens on top of the store. */
#include "domain/sessions.h"

int session_start(const struct dctx *ctx, int64_t user_id, char token[TOKEN_LEN + 1])
{
    char hash[TOKEN_HASH_LEN + 1];
    token_new(token);
    token_hash((struct str){token, TOKEN_LEN}, hash);
    return store_session_insert(ctx->st, hash, user_id, ctx->now, ctx->now + SESSION_TTL_S);
}

int session_resolve(const struct dctx *ctx, struct str token, struct user *out)
{
    char hash[TOKEN_HASH_LEN + 1];
    if (!token_is_wellformed(token))
        return STET_EUNAUTH;
    token_hash(token, hash);
    int rc = store_session_find(ctx->a, ctx->st, hash, ctx->now, out);
    return rc == STET_ENOTFOUND ? STET_EUNAUTH : rc;
}

int session_end(const struct dctx *ctx, struct str token)
{
    char hash[TOKEN_HASH_LEN + 1];
    if (!token_is_wellformed(token))
        return 0;
    token_hash(token, hash);
    int rc = store_session_delete(ctx->st, hash);
    return rc == STET_ENOTFOUND ? 0 : rc;
}

int session_prune(const struct dctx *ctx, int limit, int64_t *sessions, int64_t *buckets)
{
    return store_prune(ctx->st, ctx->now, limit, sessions, buckets);
}

static int hex_val(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

void session_csrf_token(struct str token, char out[TOKEN_LEN + 1])
{
    static const char purpose[] = "stet csrf v1";
    static const char xdigits[] = "0123456789abcdef";
    _Static_assert(TOKEN_LEN == 2 * SECRET_KEY_LEN, "a token is its key in hex");
    _Static_assert(TOKEN_LEN == 2 * SECRET_HASH_LEN, "a CSRF token is a hash in hex");
    unsigned char key[SECRET_KEY_LEN], h[SECRET_HASH_LEN];
    for (size_t i = 0; i < SECRET_KEY_LEN; i++)
        key[i] = (unsigned char)(hex_val(i * 2 < token.len ? token.ptr[i * 2] : '0') << 4 |
                                 hex_val(i * 2 + 1 < token.len ? token.ptr[i * 2 + 1] : '0'));
    secret_keyed_hash(key, purpose, sizeof(purpose) - 1, h);
    for (size_t i = 0; i < SECRET_HASH_LEN; i++) {
        out[2 * i] = xdigits[h[i] >> 4];
        out[2 * i + 1] = xdigits[h[i] & 15];
    }
    out[TOKEN_LEN] = '\0';
    secret_wipe(key, sizeof(key));
}
