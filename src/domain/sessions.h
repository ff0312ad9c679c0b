/* Login sessions: a random 256-bit token goes to the client (cookie or Bearer
 * token); only its hash is stored, so a database leak yields no usable session. */
#ifndef STET_DOMAIN_SESSIONS_H
#define STET_DOMAIN_SESSIONS_H

#include "domain/context.h"
#include "domain/password.h"
#include "domain/types.h"

#define SESSION_TTL_S (30 * 24 * 3600)

/* Starts a session for `user_id`; the token (TOKEN_LEN hex characters) is written
 * to `token` for the caller to hand out once. */
int session_start(const struct dctx *ctx, int64_t user_id,
                  char token[TOKEN_LEN + 1]) STET_MUST_CHECK;
/* The user behind a token. EUNAUTH when the token is malformed, unknown or expired. */
int session_resolve(const struct dctx *ctx, struct str token, struct user *out) STET_MUST_CHECK;
/* Ends a session; ending an unknown one is not an error. */
int session_end(const struct dctx *ctx, struct str token) STET_MUST_CHECK;

#endif
