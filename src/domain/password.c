/* libsodium behind a small vocabulary. Argon2id runs with the interactive limits
 * (about 64 MiB and well under a second); the server runs it on worker threads. */
#include "domain/password.h"

#include "base/log.h"

#include <assert.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <string.h>

_Static_assert(PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer too small");

/* Each Argon2id run takes 64 MiB. The server has many worker threads (so comment
 * writes can batch); a burst of logins must not multiply that memory, so at most
 * this many hashes run at once and the rest wait their turn. */
#define PASSWORD_CONCURRENT 4

static sem_t hash_slots;
static pthread_once_t hash_slots_once = PTHREAD_ONCE_INIT;

static void hash_slots_init(void)
{
    sem_init(&hash_slots, 0, PASSWORD_CONCURRENT);
}

static void slot_take(void)
{
    pthread_once(&hash_slots_once, hash_slots_init);
    while (sem_wait(&hash_slots) != 0)
        ; /* EINTR: a signal arrived; wait again */
}

static void slot_give(void)
{
    sem_post(&hash_slots);
}

int secret_init(void)
{
    if (sodium_init() < 0) {
        log_error(NULL, "libsodium failed to initialize");
        return STET_EIO;
    }
    return 0;
}

int password_hash(struct str password, char out[PASSWORD_HASH_MAX])
{
    slot_take();
    int rc = crypto_pwhash_str(out, password.ptr, password.len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    slot_give();
    if (rc != 0) {
        log_error(NULL, "password hashing ran out of memory");
        return STET_EIO;
    }
    return 0;
}

bool password_verify(const char *hash, struct str password)
{
    slot_take();
    bool ok = crypto_pwhash_str_verify(hash, password.ptr, password.len) == 0;
    slot_give();
    return ok;
}

static char dummy_hash[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
    static const char pw[] = "stet-dummy-password-for-timing";
    if (password_hash((struct str){pw, sizeof(pw) - 1}, dummy_hash) != 0)
        dummy_hash[0] = '\0';
}

void password_verify_dummy(struct str password)
{
    /* Written once under pthread_once and only read afterwards. */
    pthread_once(&dummy_once, make_dummy_hash);
    if (dummy_hash[0] != '\0')
        (void)password_verify(dummy_hash, password);
}

static void to_hex(const unsigned char *bin, size_t len, char *out)
{
    sodium_bin2hex(out, len * 2 + 1, bin, len);
}

void token_new(char out[TOKEN_LEN + 1])
{
    unsigned char raw[TOKEN_LEN / 2];
    randombytes_buf(raw, sizeof(raw));
    to_hex(raw, sizeof(raw), out);
    sodium_memzero(raw, sizeof(raw));
}

void token_hash(struct str token, char out[TOKEN_HASH_LEN + 1])
{
    unsigned char h[TOKEN_HASH_LEN / 2];
    crypto_generichash(h, sizeof(h), (const unsigned char *)token.ptr, token.len, NULL, 0);
    to_hex(h, sizeof(h), out);
}

bool token_is_wellformed(struct str s)
{
    if (s.len != TOKEN_LEN)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

bool secret_equal(struct str a, struct str b)
{
    if (a.len != b.len || a.len == 0)
        return false;
    return sodium_memcmp(a.ptr, b.ptr, a.len) == 0;
}

void secret_wipe(void *p, size_t len)
{
    sodium_memzero(p, len);
}

_Static_assert(SECRET_KEY_LEN >= crypto_generichash_KEYBYTES_MIN &&
                   SECRET_KEY_LEN <= crypto_generichash_KEYBYTES_MAX,
               "key length out of BLAKE2b's range");
_Static_assert(SECRET_HASH_LEN >= crypto_generichash_BYTES_MIN &&
                   SECRET_HASH_LEN <= crypto_generichash_BYTES_MAX,
               "hash length out of BLAKE2b's range");

void secret_keyed_hash(const unsigned char key[SECRET_KEY_LEN], const void *msg, size_t len,
                       unsigned char out[SECRET_HASH_LEN])
{
    crypto_generichash(out, SECRET_HASH_LEN, msg, len, key, SECRET_KEY_LEN);
}

void secret_key_new(char out[SECRET_KEY_HEX_LEN + 1])
{
    unsigned char raw[SECRET_KEY_LEN];
    randombytes_buf(raw, sizeof(raw));
    to_hex(raw, sizeof(raw), out);
    sodium_memzero(raw, sizeof(raw));
}

bool secret_key_is_wellformed(const char *key)
{
    if (key == NULL)
        return false;
    for (size_t i = 0; i < SECRET_KEY_HEX_LEN; i++) {
        char c = key[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return key[SECRET_KEY_HEX_LEN] == '\0';
}

void secret_keyed_hash_hex(const char *key, const void *msg, size_t len,
                           char out[SECRET_HASH_HEX_LEN + 1])
{
    unsigned char raw_key[SECRET_KEY_LEN];
    unsigned char h[SECRET_HASH_LEN];
    size_t n = 0;
    assert(secret_key_is_wellformed(key));
    int rc = sodium_hex2bin(raw_key, sizeof(raw_key), key, SECRET_KEY_HEX_LEN, NULL, &n, NULL);
    assert(rc == 0 && n == sizeof(raw_key));
    (void)rc;
    secret_keyed_hash(raw_key, msg, len, h);
    sodium_memzero(raw_key, sizeof(raw_key));
    to_hex(h, sizeof(h), out);
}
