/* Request-head checks against request smuggling (RFC 9112 sections 2.2, 3, 5, 6):
 * a request whose framing a proxy in front could read differently is refused rather
 * than guessed at. */
#include "http/request_check.h"

#include <stdbool.h>
#include <string.h>

/* RFC 9110 section 5.6.2: tchar. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+.^_`|~", c) != NULL;
}

static bool is_token(struct str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!is_tchar((unsigned char)s.ptr[i]))
            return false;
    return true;
}

/* Field values may hold SP, HTAB, visible ASCII and obs-text; CR, LF and NUL in
 * particular are what splits a header in two for one parser and not another. */
static bool is_field_value(struct str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* The target is sent without spaces (RFC 9112 section 3.2); bytes of 0x80 and
 * above are left to the router, which never matches them. */
static bool is_target_part(struct str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* host [":" port] as RFC 3986 spells it: reg-name or IPv4 (unreserved, sub-delims,
 * pct-encoded), or an IP literal in brackets. Empty is allowed (RFC 9112 3.2). */
static bool is_host(struct str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c != '\0' && strchr("-._~!$&'()*+,;=%:[]", c) != NULL);
        if (!ok)
            return false;
    }
    return true;
}

static bool is_digits(struct str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
    return true;
}

/* Optional white space around a field value is not part of it (RFC 9110 5.5). */
static struct str trim_ows(struct str s)
{
    while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
        s.len--;
    return s;
}

/* "HTTP/1.0" is 0, "HTTP/1.1" (and the 1.2 to 1.9 libmicrohttpd also takes) 1,
 * anything else -1. */
static int minor_version(struct str v)
{
    if (v.len != 8 || memcmp(v.ptr, "HTTP/1.", 7) != 0 || v.ptr[7] < '0' || v.ptr[7] > '9')
        return -1;
    return v.ptr[7] == '0' ? 0 : 1;
}

struct framing {
    size_t n_cl, n_te, n_host;
    bool cl_bad, te_bad, host_bad;
};

/* The framing values are compared as libmicrohttpd compares them, which is without
 * trailing white space: "chunked " is not chunked to it (the body would run to the
 * connection's end), and "5 " is no length. */
static void note_header(struct framing *f, const struct kv *h)
{
    if (str_eq_nocase(h->name, STR_LIT("Content-Length"))) {
        f->n_cl++;
        f->cl_bad = f->cl_bad || !is_digits(h->value);
    } else if (str_eq_nocase(h->name, STR_LIT("Transfer-Encoding"))) {
        f->n_te++;
        /* Only chunked is implemented; anything else ("xchunked", "gzip, chunked")
         * would leave the body's end to the connection's end. */
        f->te_bad = f->te_bad || !str_eq_nocase(h->value, STR_LIT("chunked"));
    } else if (str_eq_nocase(h->name, STR_LIT("Host"))) {
        f->n_host++;
        f->host_bad = f->host_bad || !is_host(trim_ows(h->value));
    }
}

enum request_flaw request_check(const struct request_head *h)
{
    if (!is_token(h->method))
        return REQUEST_BAD_METHOD;
    if (h->path.len == 0 || !is_target_part(h->path) || !is_target_part(h->query))
        return REQUEST_BAD_TARGET;
    int minor = minor_version(h->version);
    if (minor < 0)
        return REQUEST_BAD_VERSION;

    struct framing f = {0};
    for (size_t i = 0; i < h->n_headers; i++) {
        const struct kv *kv = &h->headers[i];
        if (!is_token(kv->name))
            return REQUEST_BAD_NAME;
        if (!is_field_value(kv->value))
            return REQUEST_BAD_VALUE;
        note_header(&f, kv);
    }
    /* RFC 9112 6.1: both is an attack or a broken client; either way the body's
     * end is in doubt, and the connection with it. */
    if (f.n_cl > 0 && f.n_te > 0)
        return REQUEST_CL_AND_TE;
    /* RFC 9110 8.6 allows a list of equal values; refusing it costs no real client. */
    if (f.n_cl > 1)
        return REQUEST_CL_MANY;
    if (f.cl_bad)
        return REQUEST_CL_BAD;
    if (f.n_te > 0 && minor == 0)
        return REQUEST_TE_HTTP10;
    if (f.n_te > 1 || f.te_bad)
        return REQUEST_TE_BAD;
    /* RFC 9112 3.2. */
    if (f.n_host > 1)
        return REQUEST_HOST_MANY;
    if (f.n_host == 0 && minor >= 1)
        return REQUEST_HOST_MISSING;
    if (f.host_bad)
        return REQUEST_HOST_BAD;
    return REQUEST_OK;
}

const char *request_flaw_text(enum request_flaw f)
{
    switch (f) {
    case REQUEST_OK:
        return "The request is well formed.";
    case REQUEST_BAD_METHOD:
        return "The request method is not a token.";
    case REQUEST_BAD_TARGET:
        return "The request target is empty or holds a space or control character.";
    case REQUEST_BAD_VERSION:
        return "The HTTP version is not HTTP/1.0 or HTTP/1.1.";
    case REQUEST_BAD_NAME:
        return "A header name is empty or holds a space or separator.";
    case REQUEST_BAD_VALUE:
        return "A header value holds a control character.";
    case REQUEST_CL_AND_TE:
        return "Content-Length and Transfer-Encoding together.";
    case REQUEST_CL_MANY:
        return "More than one Content-Length.";
    case REQUEST_CL_BAD:
        return "Content-Length is not a number.";
    case REQUEST_TE_BAD:
        return "Transfer-Encoding other than chunked.";
    case REQUEST_TE_HTTP10:
        return "Transfer-Encoding in an HTTP/1.0 request.";
    case REQUEST_HOST_MISSING:
        return "HTTP/1.1 request without Host.";
    case REQUEST_HOST_MANY:
        return "More than one Host.";
    case REQUEST_HOST_BAD:
        return "The Host header is not a host name.";
    }
    return "The request is malformed.";
}
