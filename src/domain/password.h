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
/* True when `password` matches `hash`; NULL or a string that is no Argon2id hash
 * matches nothing, in the time a real hash takes. */
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

#define SECRET_KEY_LEN      32 /* bytes of a key for secret_keyed_hash */
#define SECRET_HASH_LEN     32 /* bytes secret_keyed_hash writes */
#define SECRET_KEY_HEX_LEN  (2 * SECRET_KEY_LEN)
#define SECRET_HASH_HEX_LEN (2 * SECRET_HASH_LEN)

/* BLAKE2b-256 of `msg` keyed with `key`: without the key, the hash of a guessed
 * message cannot be computed, so stored hashes do not reveal the messages. */
void secret_keyed_hash(const unsigned char key[SECRET_KEY_LEN], const void *msg, size_t len,
                       unsigned char out[SECRET_HASH_LEN]);
/* The same with the key and the hash as lowercase hex (NUL-terminated), the form a
 * database keeps them in. `key` must be SECRET_KEY_HEX_LEN hex digits
 * (secret_key_is_wellformed); anything else is a programmer error. */
void secret_keyed_hash_hex(const char *key, const void *msg, size_t len,
                           char out[SECRET_HASH_HEX_LEN + 1]);
/* A new random key for secret_keyed_hash_hex. */
void secret_key_new(char out[SECRET_KEY_HEX_LEN + 1]);
/* True when `key` is SECRET_KEY_HEX_LEN lowercase hex digits and a NUL. */
bool secret_key_is_wellformed(const char *key);

/* The libsodium version running ("1.0.18"); static storage. */
const char *password_lib_version(void);

#endif
