/* Character checks and libxml2's one-time setup, shared by the export reader and the
 * legacy HTML sanitizer. */
#include "import/xmlchar.h"

#include <pthread.h>

#include <libxml/parser.h>

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

void import_xml_init(void)
{
    pthread_once(&xml_once, xmlInitParser);
}

int import_xml_char_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    int need;

    if (c < 0x80)
        return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF; /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    for (int k = 1; k <= need; k++) {
        if ((size_t)k >= n)
            return -1;
        if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xBF))
            return 0;
    }
    if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
        return 0;
    return need + 1;
}

uint64_t import_xml_repair(struct buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t n_repaired = 0;
    size_t i = 0, run = 0;

    buf_reserve(out, len);
    while (i < len) {
        int n = import_xml_char_len(p + i, len - i);
        if (n > 0) {
            i += (size_t)n;
            continue;
        }
        buf_append(out, s + run, i - run);
        buf_puts(out, IMPORT_REPLACEMENT);
        n_repaired++;
        run = ++i;
    }
    buf_append(out, s + run, len - run);
    return n_repaired;
}
