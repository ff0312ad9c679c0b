/* Fuzz target for base/url's url_redact: arbitrary bytes as a whole URL must stay in
 * bounds, and arbitrary bytes as the password of a URL (in the user info, or quoted
 * in a key=value string) must never appear in the output, whatever characters they
 * hold. */
#include "base/url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes as a C string: NUL (which no C-string URL can hold) becomes 'x'. */
static char *text_of(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    for (size_t i = 0; i < size; i++)
        s[i] = data[i] == 0 ? 'x' : (char)data[i];
    s[size] = '\0';
    return s;
}

static void whole_url(const char *s)
{
    struct buf out = BUF_INIT;
    url_redact(&out, s);
    /* Only secrets are replaced, each by three bytes: never more than that. */
    if (out.len > strlen(s) * 4 + 1)
        abort();
    buf_cleanup(&out);
}

/* "postgresql://u:PW@h/d": the span from the first ':' to the last '@' is hidden
 * whole, so only the fixed text and what follows the last '@' may remain. */
static void as_user_info(const char *pw)
{
    static const char head[] = "postgresql://u:";
    struct buf url = BUF_INIT, out = BUF_INIT;
    buf_printf(&url, "%s%s@h/d", head, pw);
    url_redact(&out, buf_cstr(&url));
    const char *o = buf_cstr(&out);
    if (strncmp(o, head, sizeof(head) - 1) != 0 ||
        strncmp(o + sizeof(head) - 1, URL_REDACTED, strlen(URL_REDACTED)) != 0)
        abort();
    if (o[strspn(o + sizeof(head) - 1, "@h/d*") + sizeof(head) - 1] != '\0')
        abort();
    buf_cleanup(&url);
    buf_cleanup(&out);
}

/* "host=h password='PW' dbname=d" with PW escaped as libpq wants: exactly the
 * value is hidden. */
static void as_keyword_value(const char *pw)
{
    struct buf url = BUF_INIT, out = BUF_INIT;
    buf_puts(&url, "host=h password='");
    for (const char *p = pw; *p != '\0'; p++) {
        if (*p == '\'' || *p == '\\')
            buf_putc(&url, '\\');
        buf_putc(&url, *p);
    }
    buf_puts(&url, "' dbname=d");
    url_redact(&out, buf_cstr(&url));
    if (strcmp(buf_cstr(&out), "host=h password=" URL_REDACTED " dbname=d") != 0)
        abort();
    buf_cleanup(&url);
    buf_cleanup(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = text_of(data, size);
    whole_url(s);
    if (size > 0) {
        as_user_info(s);
        as_keyword_value(s);
    }
    free(s);
    return 0;
}
