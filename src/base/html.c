/* Escaping for HTML text, quoted attributes and URL components. Every byte of user
 * text that reaches a page passes through one of these, so they are table-free,
 * branch-light loops that copy unescaped runs in one append. */
#include "base/html.h"

#include <string.h>

void html_escape(struct buf *out, const char *s, size_t len)
{
    size_t run = 0;

    buf_reserve(out, len);
    for (size_t i = 0; i < len; i++) {
        const char *rep;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        buf_append(out, s + run, i - run);
        buf_puts(out, rep);
        run = i + 1;
    }
    buf_append(out, s + run, len - run);
}

char *html_escape_dup(struct arena *a, const char *s)
{
    struct buf b = BUF_INIT;
    html_escape(&b, s, strlen(s));
    char *r = arena_strndup(a, buf_cstr(&b), b.len);
    buf_cleanup(&b);
    return r;
}

void html_user_link_open(struct buf *out, const char *url, size_t len)
{
    struct buf enc = BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f)
            buf_printf(&enc, "%%%02X", c);
        else
            buf_putc(&enc, (char)c);
    }
    buf_puts(out, "<a href=\"");
    html_escape(out, buf_cstr(&enc), enc.len);
    buf_puts(out, "\" rel=\"nofollow ugc noopener\">");
    buf_cleanup(&enc);
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void url_encode(struct buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";

    /* buf_reserve alone would leave a fresh buffer unterminated. */
    if (len == 0)
        return;
    buf_reserve(out, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c)) {
            buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(out, esc, 3);
        }
    }
}

char *url_encode_dup(struct arena *a, const char *s)
{
    struct buf b = BUF_INIT;
    url_encode(&b, s, strlen(s));
    char *r = arena_strndup(a, buf_cstr(&b), b.len);
    buf_cleanup(&b);
    return r;
}
