/* Username and e-mail shapes and their comparison key. Pure, bounded by the slice
 * length, and independent of the locale: the key must be the same in every process,
 * on every backend, for as long as the data lives. */
#include "base/ident.h"

#include "base/utf8.h"

#include <string.h>

bool ident_username_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

bool ident_is_username(struct str s)
{
    if (s.len < IDENT_USERNAME_MIN || s.len > IDENT_USERNAME_MAX)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!ident_username_char(s.ptr[i]))
            return false;
    return true;
}

static bool email_byte_ok(unsigned char c)
{
    return c > ' ' && c != 0x7F && c != '<' && c != '>' && c != '"' && c != ',';
}

bool ident_is_email(struct str s)
{
    if (s.len == 0 || s.len > IDENT_EMAIL_MAX || !utf8_valid(s.ptr, s.len))
        return false;
    const char *at = memchr(s.ptr, '@', s.len);
    if (at == NULL || at == s.ptr || at == s.ptr + s.len - 1)
        return false;
    if (memchr(at + 1, '@', (size_t)(s.ptr + s.len - at - 1)) != NULL)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!email_byte_ok((unsigned char)s.ptr[i]))
            return false;
    return true;
}

size_t ident_key(struct str s, char out[IDENT_KEY_MAX + 1])
{
    out[0] = '\0';
    if (!ident_is_username(s) && !ident_is_email(s))
        return 0;
    /* Byte by byte, not tolower(): its answer depends on the locale, and a UTF-8
     * continuation byte must never change. */
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[s.len] = '\0';
    return s.len;
}
