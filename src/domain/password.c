/* libsodium behind a small vocabulary. Argon2id runs with the interactive limits
 * (about 64 MiB and well under a second); the server runs it on worker threads. */
#include "domain/password.h"

#include "base/log.h"

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
