/* Session tokens on top of the store. */
#include "domain/sessions.h"

#include <assert.h>
#include <string.h>

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

void session_csrf_token(struct str token, char out[TOKEN_LEN + 1])
{
    static const char purpose[] = "stet csrf v1";
    _Static_assert(TOKEN_LEN == SECRET_KEY_HEX_LEN, "a session token keys the hash");
    _Static_assert(TOKEN_LEN == SECRET_HASH_HEX_LEN, "a CSRF token is a hash in hex");
    char key[SECRET_KEY_HEX_LEN + 1];
    assert(token_is_wellformed(token));
    memcpy(key, token.ptr, SECRET_KEY_HEX_LEN);
    key[SECRET_KEY_HEX_LEN] = '\0';
    secret_keyed_hash_hex(key, purpose, sizeof(purpose) - 1, out);
    secret_wipe(key, sizeof(key));
}
