/* Secrets: Argon2id password hashes, random session and CSRF tokens, token hashes
 * for storage, constant-time comparison and wiping. The only user of libsodium. */
#ifndef STET_DOMAIN_PASSWORD_H
#define STET_DOMAIN_PASSWORD_H

#include "base/err.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX 128 /* fits crypto_pwhash_STRBYTES */
#define TOKEN_LEN         64  /* hex of 256 random bits */
#define TOKEN_HASH_LEN    64  /* hex of a 256-bit BLAKE2b hash */

/* Initializes libsodium; call once at startup. STET_EIO when it cannot. */
int secret_init(void) STET_MUST_CHECK;

/* Argon2id (libsodium interactive limits) into `out` as a self-describing string. */
int password_hash(struct str password, char out[PASSWORD_HASH_MAX]) STET_MUST_CHECK;
/* True when `password` matches `hash`. */
bool password_verify(const char *hash, struct str password);
/* Spends the same time as a failed verify, so an unknown user answers like a wrong
 * password. */
void password_verify_dummy(struct str password);

/* 256 random bits as lowercase hex, NUL-terminated. */
void token_new(char out[TOKEN_LEN + 1]);
/* The hex hash under which a token is stored; the token itself is never stored. */
void token_hash(struct str token, char out[TOKEN_HASH_LEN + 1]);
/* True when `s` looks like a token (TOKEN_LEN lowercase hex characters). */
bool token_is_wellformed(struct str s);
/* Constant-time equality of two secrets (false when lengths differ). */
bool secret_equal(struct str a, struct str b);
/* Wipes a secret in place. */
void secret_wipe(void *p, size_t len);

#endif
