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
/* The CSRF token of the session whose token is `token` (well-formed: checked by
 * session_resolve): a keyed hash of it, so it is bound to that session, changes at
 * every login, and cannot be planted or derived by anyone who does not hold the
 * session cookie. TOKEN_LEN hex characters into `out`. */
void session_csrf_token(struct str token, char out[TOKEN_LEN + 1]);
/* Ends a session; ending an unknown one is not an error. */
int session_end(const struct dctx *ctx, struct str token) STET_MUST_CHECK;
/* Housekeeping at ctx->now: deletes at most `limit` expired sessions and at most
 * `limit` rate-limit buckets that are full again, neither of which any request can
 * tell from a missing one; *sessions and *buckets receive how many went. Store
 * errors. */
int session_prune(const struct dctx *ctx, int limit, int64_t *sessions,
                  int64_t *buckets) STET_MUST_CHECK;

#endif
