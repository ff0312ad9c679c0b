/* Hides the secrets of database URLs (see url.h). It knows the two grammars libpq
 * accepts, a URI ("postgresql://...") and a "key=value ..." string, and reads each
 * the way libpq does, except where a malformed URL lets two readings differ: then
 * it hides the union of what either would take for the password. */
#include "base/url.h"

#include "base/str.h"
#include "base/xalloc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Longer than any secret key name ("sslpassword"). */
#define SECRET_KEY_MAX 16

/* White space as libpq's isspace() sees it in the C locale. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True when the parameter name `key` is "password" or "sslpassword", ignoring ASCII
 * case (libpq refuses "Password", but the value is still a password the user wrote)
 * and, for a URI's query string, after percent-decoding as libpq does. */
static bool is_secret_key(const char *key, size_t len, bool percent)
{
    char name[SECRET_KEY_MAX];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        if (percent && c == '%' && i + 2 < len && str_hex_digit(key[i + 1]) >= 0 &&
            str_hex_digit(key[i + 2]) >= 0) {
            c = (char)(str_hex_digit(key[i + 1]) * 16 + str_hex_digit(key[i + 2]));
            i += 2;
        }
        if (n == sizeof(name))
            return false;
        name[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    return (n == 8 && memcmp(name, "password", 8) == 0) ||
           (n == 11 && memcmp(name, "sslpassword", 11) == 0);
}

/* The index just past "://" when `s` opens with a URI scheme (RFC 3986: a letter,
 * then letters, digits, '+', '-' or '.'), else 0. */
static size_t after_scheme(const char *s, size_t len)
{
    if (len == 0 || !is_alpha(s[0]))
        return 0;
    size_t i = 1;
    while (i < len && (is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
                       s[i] == '-' || s[i] == '.'))
        i++;
    if (len - i >= 3 && memcmp(s + i, "://", 3) == 0)
        return i + 3;
    return 0;
}

/* Marks the value of each secret parameter of the query string that starts at `q`
 * ("a=1&password=X&b=2"), and a parameter without '=' right after one: most likely
 * the rest of a password that held an unencoded '&' (libpq refuses the URL). */
static void mark_query(bool *hide, const char *s, size_t len, size_t q)
{
    size_t i = q;
    bool after_secret = false;
    for (;;) {
        const char *amp = memchr(s + i, '&', len - i);
        size_t end = amp != NULL ? (size_t)(amp - s) : len;
        const char *eq = memchr(s + i, '=', end - i);
        if (eq == NULL) {
            if (after_secret)
                memset(hide + i, 1, end - i);
        } else {
            after_secret = is_secret_key(s + i, (size_t)(eq - (s + i)), true);
            if (after_secret)
                memset(hide + (eq - s) + 1, 1, end - (size_t)(eq - s) - 1);
        }
        if (amp == NULL)
            return;
        i = end + 1;
    }
}

/* `auth` is the index just past "://". The secrets are marked first and replaced
 * after, so that where two readings of a malformed URL overlap, their union is
 * hidden. */
static void redact_uri(struct buf *out, const char *s, size_t len, size_t auth)
{
    bool *hide = xcalloc(len + 1, sizeof(*hide));
    /* libpq takes the user info up to the first '@' that comes before any '/'; a
     * browser, up to the last '@' of the authority. A password with an unencoded '@',
     * '/' or '?' is read differently by each, so the hidden span runs from the first
     * ':' to the last '@' anywhere: it covers every reading. */
    size_t at = len;
    for (size_t i = len; i > auth; i--)
        if (s[i - 1] == '@') {
            at = i - 1;
            break;
        }
    if (at < len) {
        const char *colon = memchr(s + auth, ':', at - auth);
        if (colon != NULL)
            memset(hide + (colon - s) + 1, 1, at - (size_t)(colon - s) - 1);
    }
    /* The query string starts at the first '?', or, when that one is inside the
     * password, at the first '?' after it: both are read. */
    const char *q = memchr(s + auth, '?', len - auth);
    if (q != NULL)
        mark_query(hide, s, len, (size_t)(q - s) + 1);
    const char *q2 = at < len ? memchr(s + at, '?', len - at) : NULL;
    if (q2 != NULL && q2 != q)
        mark_query(hide, s, len, (size_t)(q2 - s) + 1);

    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && hide[j] == hide[i])
            j++;
        if (hide[i])
            buf_puts(out, URL_REDACTED);
        else
            buf_append(out, s + i, j - i);
        i = j;
    }
    free(hide);
}

/* The end of a key=value value starting at `i`, as libpq's conninfo_parse reads it:
 * up to white space, or a single-quoted string; a backslash escapes the next byte in
 * both. An unterminated quote runs to the end. */
static size_t value_end(const char *s, size_t len, size_t i)
{
    bool quoted = i < len && s[i] == '\'';
    if (quoted)
        i++;
    while (i < len) {
        if (s[i] == '\\') {
            i += i + 1 < len ? 2 : 1;
            continue;
        }
        if (quoted && s[i] == '\'')
            return i + 1;
        if (!quoted && is_space(s[i]))
            return i;
        i++;
    }
    return len;
}

/* "host=db password='x y' dbname=stet". */
static void redact_keywords(struct buf *out, const char *s, size_t len)
{
    size_t i = 0;
    bool after_secret = false;
    while (i < len) {
        size_t start = i;
        while (i < len && is_space(s[i]))
            i++;
        size_t key = i;
        while (i < len && s[i] != '=' && !is_space(s[i]))
            i++;
        size_t key_end = i;
        while (i < len && is_space(s[i]))
            i++;
        if (i == len || s[i] != '=') {
            /* A word without '=' (libpq refuses the string). After a secret it is most
             * likely the rest of an unquoted password that held a space. */
            if (after_secret && key_end > key) {
                buf_append(out, s + start, key - start);
                buf_puts(out, URL_REDACTED);
                buf_append(out, s + key_end, i - key_end);
            } else {
                buf_append(out, s + start, i - start);
            }
            continue;
        }
        i++;
        while (i < len && is_space(s[i]))
            i++;
        size_t value = i;
        i = value_end(s, len, value);
        after_secret = is_secret_key(s + key, key_end - key, false);
        buf_append(out, s + start, value - start);
        size_t scheme = after_scheme(s + value, i - value);
        if (after_secret && i > value)
            buf_puts(out, URL_REDACTED);
        else if (scheme > 0) /* dbname=postgresql://... (libpq's expand_dbname) */
            redact_uri(out, s + value, i - value, scheme);
        else
            buf_append(out, s + value, i - value);
    }
}

void url_redact(struct buf *out, const char *url)
{
    if (url == NULL)
        return;
    size_t len = strlen(url);
    size_t auth = after_scheme(url, len);
    if (auth > 0)
        redact_uri(out, url, len, auth);
    else
        redact_keywords(out, url, len);
}
