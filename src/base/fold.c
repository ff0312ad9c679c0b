/* Folding text for matching words (fold.h): the banned-word policy and the spam
 * filter's tokens and duplicate check share it.
 *
 * The fold is stet's own, to need neither a locale nor a library: ASCII, Latin-1, Latin Extended-A,
 * Greek and Cyrillic letters are lower-cased ("ÉCOLE" = "école", "ΑΘΗΝΑ" = "αθηνα", "МИР" = "мир"),
 * ß and ẞ fold to "ss" ("STRASSE" = "Straße"), final sigma to sigma, ſ to s. Limits: other scripts'
 * letters count as letters but keep their case; text is not normalized (a letter
 * written with a combining accent does not equal the precomposed one); and scripts
 * written without spaces (Chinese, Japanese, Thai) have no word boundaries to find
 * inside a run, so a banned word there matches only where punctuation or space
 * surrounds it. */
#include "base/fold.h"

#include <stdbool.h>
#include <stdint.h>

/* One code point of valid UTF-8 at s[*i], advancing *i. The text was validated
 * (comments are, by comment_body_check); a stray byte still decodes to something
 * and moves on. */
static uint32_t decode(const unsigned char *s, size_t len, size_t *i)
{
    uint32_t c = s[*i];
    size_t n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    if (c >= 0x80)
        c &= n == 1 ? 0x1F : n == 2 ? 0x0F : 0x07;
    (*i)++;
    for (size_t k = 0; k < n && *i < len && (s[*i] & 0xC0) == 0x80; k++)
        c = (c << 6) | (s[(*i)++] & 0x3F);
    return c;
}

static size_t encode(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Whether a code point is part of a word: ASCII letters and digits, and outside
 * ASCII everything but the blocks of punctuation, symbols, spaces and emoji. */
static bool is_word(uint32_t c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    if (c < 0xC0)
        return c == 0xAA || c == 0xB5 || c == 0xBA;
    if (c == 0xD7 || c == 0xF7 || c == 0x037E || c == 0x0387 || c == 0x1680)
        return false;
    if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x2E00 && c <= 0x2E7F) ||
        (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) ||
        (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
        (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) ||
        (c >= 0x1F000 && c <= 0x1FAFF))
        return false;
    return true;
}

/* Lower case of the scripts named at the top; anything else unchanged. */
static uint32_t lower(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c == 0x0130)
        return 'i';
    if (c == 0x0178)
        return 0xFF;
    if (c == 0x017F)
        return 's';
    if ((c >= 0x0100 && c <= 0x012F) || (c >= 0x0132 && c <= 0x0137) ||
        (c >= 0x014A && c <= 0x0177))
        return c | 1; /* even: capital, odd: small */
    if ((c >= 0x0139 && c <= 0x0148) || (c >= 0x0179 && c <= 0x017E))
        return (c & 1) ? c + 1 : c; /* odd: capital */
    if (c >= 0x0391 && c <= 0x03AB && c != 0x03A2)
        return c + 32;
    if (c == 0x0386)
        return 0x03AC;
    if (c >= 0x0388 && c <= 0x038A)
        return c + 37;
    if (c == 0x038C)
        return 0x03CC;
    if (c == 0x038E || c == 0x038F)
        return c + 63;
    if (c == 0x03C2)
        return 0x03C3; /* final sigma is a sigma */
    if (c >= 0x0410 && c <= 0x042F)
        return c + 32;
    if (c >= 0x0400 && c <= 0x040F)
        return c + 80;
    if ((c >= 0x0460 && c <= 0x0481) || (c >= 0x048A && c <= 0x04BF) ||
        (c >= 0x04D0 && c <= 0x052F))
        return c | 1;
    return c;
}

size_t fold_words(const char *s, size_t len, char *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    out[n++] = ' ';
    for (size_t i = 0; i < len;) {
        uint32_t c = decode(u, len, &i);
        if (!is_word(c)) {
            if (out[n - 1] != ' ')
                out[n++] = ' ';
        } else if (c == 0xDF || c == 0x1E9E) {
            out[n++] = 's';
            out[n++] = 's';
        } else {
            n += encode(lower(c), out + n);
        }
    }
    if (out[n - 1] != ' ')
        out[n++] = ' ';
    out[n] = '\0';
    return n;
}
