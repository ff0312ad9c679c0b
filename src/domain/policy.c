/* Comment policies: pre-moderation, banned words, links and account age decide
 * whether a comment is shown, held or refused (policy.h).
 *
 * Banned words are matched on a folded form of the text: letters are lower-cased
 * and every run of characters that are not letters or digits becomes one space, so
 * a phrase matches whole words whatever the case and whatever punctuation or white
 * space stands between its words. The fold is stet's own, to need neither a locale
 * nor a library: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters are
 * lower-cased ("ÉCOLE" = "école", "ΑΘΗΝΑ" = "αθηνα", "МИР" = "мир"), ß and ẞ fold to
 * "ss" ("STRASSE" = "Straße"), final sigma to sigma, ſ to s. Limits: other scripts'
 * letters count as letters but keep their case; text is not normalized (a letter
 * written with a combining accent does not equal the precomposed one); and scripts
 * written without spaces (Chinese, Japanese, Thai) have no word boundaries to find
 * inside a run, so a banned word there matches only where punctuation or space
 * surrounds it. */
#include "domain/policy.h"

#include "base/str.h"

#include <string.h>

/* One code point of valid UTF-8 at s[*i], advancing *i. The text was validated
 * (comment_body_check); a stray byte still decodes to something and moves on. */
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

/* `s` folded as the top of the file says, between a leading and a trailing space,
 * NUL-terminated in the arena; *out_len its length. Never longer than len + 2: no
 * fold lengthens a character's UTF-8 (ß is two bytes, so is "ss"). */
static char *fold(struct arena *a, const char *s, size_t len, size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)s;
    char *out = arena_alloc(a, len + 3);
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
    *out_len = n;
    return out;
}

const char *policy_find_banned(struct arena *a, const char *list, const char *text, size_t len)
{
    if (list == NULL || *list == '\0')
        return NULL;
    size_t hay_len;
    const char *hay = fold(a, text, len, &hay_len);
    struct str w;
    for (const char *p = list; policy_next_word(&p, &w);) {
        size_t needle_len;
        const char *needle = fold(a, w.ptr, w.len, &needle_len);
        /* Both carry their spaces at the edges: a match is whole words. */
        if (needle_len > 1 && memmem(hay, hay_len, needle, needle_len) != NULL)
            return arena_strndup(a, w.ptr, w.len);
    }
    return NULL;
}

size_t policy_count_links(const char *html)
{
    /* The renderer writes every link as "<a href=" and escapes any '<' of the text,
     * so each occurrence is one link the reader can follow. */
    size_t n = 0;
    for (const char *p = html; p != NULL && (p = strstr(p, "<a href=")) != NULL; p++)
        n++;
    return n;
}

/* Staff decide; a legacy comment was decided by the system it came from. */
static bool is_exempt(const struct user *u)
{
    return u == NULL || u->role >= ROLE_MODERATOR;
}

bool policy_needs_count(const struct policy_settings *p, const struct policy_author *au)
{
    return p->premoderate == POLICY_PREMOD_NEW && !au->is_edit && !is_exempt(au->user);
}

static void held(struct policy_decision *out, const char *reason, const char *message)
{
    *out = (struct policy_decision){POLICY_HELD, reason, message};
}

void policy_decide(struct arena *a, const struct policy_settings *p, const struct policy_author *au,
                   const char *text, size_t text_len, const char *html, int64_t now,
                   struct policy_decision *out)
{
    *out = (struct policy_decision){POLICY_VISIBLE, NULL, NULL};
    if (is_exempt(au->user))
        return;
    const char *word = policy_find_banned(a, p->banned_words, text, text_len);
    if (word != NULL && p->banned_reject) {
        *out = (struct policy_decision){
            POLICY_REJECTED, POLICY_REASON_BANNED,
            arena_printf(a,
                         "Your comment contains “%s”, which this site does not allow. "
                         "Remove it, then post again.",
                         word)};
        return;
    }
    /* The first rule that holds names the reason: the most specific first. */
    size_t n_links = p->max_links > 0 ? policy_count_links(html) : 0;
    if (word != NULL)
        held(out, POLICY_REASON_BANNED,
             "Your comment awaits moderation: it contains a word "
             "a moderator reviews first.");
    else if (p->max_links > 0 && n_links > (size_t)p->max_links)
        held(out, POLICY_REASON_LINKS,
             arena_printf(a,
                          "Your comment awaits moderation: it has %zu links; up to %d "
                          "appear at once.",
                          n_links, p->max_links));
    else if (au->is_edit)
        return;
    else if (p->min_account_age > 0 && now - au->user->created_at < p->min_account_age)
        held(out, POLICY_REASON_AGE,
             "Your comment awaits moderation: comments from new "
             "accounts are reviewed first.");
    else if (p->premoderate == POLICY_PREMOD_ALL)
        held(out, POLICY_REASON_PREMODERATE,
             "Your comment awaits moderation: a moderator "
             "reviews every comment first.");
    else if (p->premoderate == POLICY_PREMOD_NEW && au->n_approved < p->premoderate_first)
        held(out, POLICY_REASON_FIRST,
             "Your comment awaits moderation: a new commenter's "
             "first comments are reviewed first.");
}
