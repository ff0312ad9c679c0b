/* libsodium behind a small vocabulary. Argon2id runs with the interactive limits
 * (about 64 MiB and well under a second) on hashing threads of its own. */
#include "domain/password.h"

#include "base/log.h"

#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <sodium.h>
#include <string.h>

_Static_assert(PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer too small");

/* Each Argon2id run takes 64 MiB and tens of milliseconds of CPU. They run on this
 * many threads of their own, so a burst of logins never multiplies that memory,
 * and those threads are in the idle scheduling class (SCHED_IDLE): a hash uses
 * only CPU that nothing else wants, so a flood of logins slows logins, not pages.
 * A caller queues its job and waits for it (holding nothing: no database
 * connection, no lock). */
#define PASSWORD_CONCURRENT 4

struct hash_job {
    const char *hash; /* verify against this; NULL: make a new hash into `out` */
    struct str password;
    char *out;
    int rc; /* crypto_pwhash_str's or _verify's */
    bool done;
    pthread_cond_t cv;
    struct hash_job *next;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job was queued */
    struct hash_job *head, *tail;
    bool started; /* the hashing threads run; else jobs run on the caller's */
} hashers = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, false};
static pthread_once_t hashers_once = PTHREAD_ONCE_INIT;

static void run_job(struct hash_job *j)
{
    if (j->hash != NULL)
        j->rc = crypto_pwhash_str_verify(j->hash, j->password.ptr, j->password.len);
    else
        j->rc = crypto_pwhash_str(j->out, j->password.ptr, j->password.len,
                                  crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                  crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

static void *hasher_main(void *arg)
{
    pthread_setname_np(pthread_self(), "stet-hash"); /* for top -H, gdb, perf */
    (void)arg;
    struct sched_param idle = {0};
    int err = pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
    if (err != 0)
        log_warn(NULL, "password hashing runs at normal priority: %s", strerror(err));
    pthread_mutex_lock(&hashers.mu);
    for (;;) {
        while (hashers.head == NULL)
            pthread_cond_wait(&hashers.work, &hashers.mu);
        struct hash_job *j = hashers.head;
        hashers.head = j->next;
        if (hashers.head == NULL)
            hashers.tail = NULL;
        pthread_mutex_unlock(&hashers.mu);
        run_job(j);
        pthread_mutex_lock(&hashers.mu);
        j->done = true;
        pthread_cond_signal(&j->cv);
    }
    return NULL;
}

/* The threads live as long as the process: they hold no resource to release. */
static void hashers_start(void)
{
    for (int i = 0; i < PASSWORD_CONCURRENT; i++) {
        pthread_t t;
        int err = pthread_create(&t, NULL, hasher_main, NULL);
        if (err != 0) {
            log_error(NULL, "cannot start a password hashing thread: %s", strerror(err));
            break;
        }
        pthread_detach(t);
        hashers.started = true;
    }
}

/* Runs `j` on a hashing thread and waits for it; on the caller's thread when none
 * could be started. */
static void hash_on_hasher(struct hash_job *j)
{
    pthread_once(&hashers_once, hashers_start);
    if (!hashers.started) {
        run_job(j);
        return;
    }
    pthread_cond_init(&j->cv, NULL);
    pthread_mutex_lock(&hashers.mu);
    j->done = false;
    j->next = NULL;
    if (hashers.tail != NULL)
        hashers.tail->next = j;
    else
        hashers.head = j;
    hashers.tail = j;
    pthread_cond_signal(&hashers.work);
    while (!j->done)
        pthread_cond_wait(&j->cv, &hashers.mu);
    pthread_mutex_unlock(&hashers.mu);
    pthread_cond_destroy(&j->cv);
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
    struct hash_job j = {.password = password, .out = out};
    hash_on_hasher(&j);
    if (j.rc != 0) {
        log_error(NULL, "password hashing ran out of memory");
        return STET_EIO;
    }
    return 0;
}

bool password_verify(const char *hash, struct str password)
{
    /* A hash no password can match (an account imported without one, a generated
     * one) costs what a real one costs: the answer's timing never tells such an
     * account from one with a password. */
    if (hash == NULL || strncmp(hash, crypto_pwhash_argon2id_STRPREFIX,
                                sizeof(crypto_pwhash_argon2id_STRPREFIX) - 1) != 0) {
        password_verify_dummy(password);
        return false;
    }
    struct hash_job j = {.hash = hash, .password = password};
    hash_on_hasher(&j);
    return j.rc == 0;
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

const char *password_lib_version(void)
{
    return sodium_version_string();
}
