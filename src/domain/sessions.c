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
