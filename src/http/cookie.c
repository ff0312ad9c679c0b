/* Cookie header lookup and Set-Cookie construction. Session cookies are always
 * HttpOnly and SameSite=Lax; the caller decides Secure from the configured base URL. */
#include "http/cookie.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static struct str trim_ows(struct str s)
{
    while (s.len > 0 && is_ows(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && is_ows(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

bool cookie_get(struct str header, const char *name, struct str *out)
{
    if (header.ptr == NULL || name == NULL || name[0] == '\0')
        return false;
    struct str want = str_from(name);
    size_t pos = 0;
    while (pos < header.len) {
        const char *semi = memchr(header.ptr + pos, ';', header.len - pos);
        size_t end = semi != NULL ? (size_t)(semi - header.ptr) : header.len;
        struct str pair = trim_ows((struct str){header.ptr + pos, end - pos});
        pos = semi != NULL ? end + 1 : header.len;

        const char *eq = memchr(pair.ptr, '=', pair.len);
        if (eq == NULL)
            continue;
        struct str key = trim_ows((struct str){pair.ptr, (size_t)(eq - pair.ptr)});
        if (!str_eq(key, want))
            continue;
        struct str value = trim_ows((struct str){eq + 1, (size_t)(pair.ptr + pair.len - (eq + 1))});
        if (value.len >= 2 && value.ptr[0] == '"' && value.ptr[value.len - 1] == '"') {
            value.ptr++;
            value.len -= 2;
        }
        if (out != NULL)
            *out = value;
        return true;
    }
    return false;
}

/* RFC 6265 cookie-octet; anything else here would let a value inject attributes. */
static bool cookie_safe(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == ',' || c == ';' || c == '\\')
            return false;
    }
    return true;
}

const char *cookie_build(struct arena *a, const char *name, const char *value, int64_t max_age,
                         bool secure)
{
    /* Names and values come from code (token encoders), never from input. */
    assert(name != NULL && name[0] != '\0' && cookie_safe(name) && strchr(name, '=') == NULL);
    assert(value != NULL && cookie_safe(value));
    if (max_age < 0)
        return arena_printf(a, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s", name, value,
                            secure ? "; Secure" : "");
    return arena_printf(a, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s; Max-Age=%" PRId64, name, value,
                        secure ? "; Secure" : "", max_age);
}
