/* simple_html.h: one pass over the body that writes as it reads and gives up at the
 * first thing outside the simple kind. Where libxml2 would shape the tree on its own
 * (an implied paragraph, a misnested tag, an unknown entity) this declines, so the
 * only rules copied here are the ones a well-formed simple body meets: white space
 * at the start of the document is dropped, any other is kept, and a paragraph
 * without text is left out (as the walk leaves it). */
#include "import/simple_html.h"

#include "base/html.h"

#include <string.h>
#include <strings.h>

/* Inline elements open at once, at most (the walk allows LEGACY_HTML_MAX_DEPTH). */
#define SIMPLE_MAX_DEPTH 8

/* The inline elements kept as they are; <a> has its own rules. */
static const char *const inline_tags[] = {"b", "strong", "i", "em", "code"};

struct scan {
    const char *s;
    size_t len, i;
    struct buf *out;
    bool text_seen; /* the paragraph holds text that is not white space */
};

/* White space for "has the paragraph text" (the walk's is_ws). */
static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* What the parser itself skips (libxml2's IS_BLANK_CH, but for CR, which it turns
 * into a line break: a body with one is declined). */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

static bool starts(const struct scan *sc, const char *lit)
{
    size_t n = strlen(lit);
    return sc->len - sc->i >= n && memcmp(sc->s + sc->i, lit, n) == 0;
}

/* The character one of the five common entities at sc->i stands for (moving past
 * it), or 0 for any other '&'. */
static char entity(struct scan *sc)
{
    static const struct {
        const char *name;
        char c;
    } known[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
        if (starts(sc, known[k].name)) {
            sc->i += strlen(known[k].name);
            return known[k].c;
        }
    }
    return 0;
}

/* Text up to the next tag: false at a byte the parser treats in its own way (a
 * control character, CR, an entity not among the five). */
static bool text(struct scan *sc)
{
    while (sc->i < sc->len && sc->s[sc->i] != '<') {
        if (sc->s[sc->i] == '&') {
            char c = entity(sc);
            if (c == 0)
                return false;
            html_escape(sc->out, &c, 1);
            sc->text_seen |= !is_ws(c);
            continue;
        }
        size_t start = sc->i;
        bool blank = true;
        for (; sc->i < sc->len && sc->s[sc->i] != '<' && sc->s[sc->i] != '&'; sc->i++) {
            unsigned char c = (unsigned char)sc->s[sc->i];
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                return false;
            blank &= is_blank((char)c);
        }
        html_escape(sc->out, sc->s + start, sc->i - start);
        sc->text_seen |= !blank;
    }
    return true;
}

/* "<name>" or "</name>": the hot path of every body, so no printf. */
static void put_tag(struct buf *out, const char *open, const char *name)
{
    buf_puts(out, open);
    buf_puts(out, name);
    buf_putc(out, '>');
}

/* The lower-case name at sc->i, moving past it; its length (0: none). */
static size_t tag_name(struct scan *sc, const char **name)
{
    *name = sc->s + sc->i;
    size_t start = sc->i;
    while (sc->i < sc->len && sc->s[sc->i] >= 'a' && sc->s[sc->i] <= 'z')
        sc->i++;
    return sc->i - start;
}

static const char *inline_tag(const char *name, size_t n)
{
    for (size_t k = 0; k < sizeof(inline_tags) / sizeof(inline_tags[0]); k++) {
        if (strlen(inline_tags[k]) == n && memcmp(inline_tags[k], name, n) == 0)
            return inline_tags[k];
    }
    return NULL;
}

/* The attributes of an <a> after its name, up to and past its '>': each one
 * name="value" after a space, with no entity in the value. The href's value goes to
 * *href (not trimmed); false without exactly one. */
static bool anchor_attrs(struct scan *sc, const char **href, size_t *href_len)
{
    *href = NULL;
    for (;;) {
        size_t spaces = sc->i;
        while (sc->i < sc->len && sc->s[sc->i] == ' ')
            sc->i++;
        if (sc->i < sc->len && sc->s[sc->i] == '>') {
            sc->i++;
            return *href != NULL;
        }
        if (sc->i == spaces)
            return false;
        size_t name_start = sc->i;
        while (sc->i < sc->len &&
               ((sc->s[sc->i] >= 'a' && sc->s[sc->i] <= 'z') || sc->s[sc->i] == '-'))
            sc->i++;
        size_t name_len = sc->i - name_start;
        if (name_len == 0 || !starts(sc, "=\""))
            return false;
        sc->i += 2;
        size_t value_start = sc->i;
        for (; sc->i < sc->len && sc->s[sc->i] != '"'; sc->i++) {
            unsigned char c = (unsigned char)sc->s[sc->i];
            if (c < 0x20 || c == 0x7f || c == '&' || c == '<' || c == '>')
                return false;
        }
        if (sc->i == sc->len)
            return false;
        if (name_len == 4 && memcmp(sc->s + name_start, "href", 4) == 0) {
            if (*href != NULL)
                return false;
            *href = sc->s + value_start;
            *href_len = sc->i - value_start;
        }
        sc->i++; /* the closing quote */
    }
}

/* An <a> at sc->i (past "<a"): written as the walk writes a link, when its href is
 * http or https (trimmed of spaces, as browsers and the walk trim it). */
static bool anchor(struct scan *sc)
{
    const char *href;
    size_t n;
    if (!anchor_attrs(sc, &href, &n))
        return false;
    while (n > 0 && *href == ' ') {
        href++;
        n--;
    }
    while (n > 0 && href[n - 1] == ' ')
        n--;
    if (!(n >= 5 && strncasecmp(href, "http:", 5) == 0) &&
        !(n >= 6 && strncasecmp(href, "https:", 6) == 0))
        return false;
    html_user_link_open(sc->out, href, n);
    return true;
}

/* A paragraph's content after its <p>, up to and past its </p>. */
static bool paragraph(struct scan *sc)
{
    const char *open[SIMPLE_MAX_DEPTH];
    size_t depth = 0;
    bool in_anchor = false;

    for (;;) {
        if (!text(sc) || sc->i == sc->len)
            return false;
        const char *name;
        sc->i++; /* '<' */
        bool is_end = sc->i < sc->len && sc->s[sc->i] == '/';
        sc->i += is_end;
        size_t n = tag_name(sc, &name);
        if (is_end) {
            if (!starts(sc, ">"))
                return false;
            sc->i++;
            if (n == 1 && name[0] == 'p')
                return depth == 0;
            if (depth == 0 || strlen(open[depth - 1]) != n || memcmp(open[depth - 1], name, n) != 0)
                return false;
            put_tag(sc->out, "</", open[--depth]);
            in_anchor &= strcmp(open[depth], "a") != 0;
            continue;
        }
        if (n == 2 && memcmp(name, "br", 2) == 0) {
            if (starts(sc, " />"))
                sc->i += 3;
            else if (starts(sc, "/>") || starts(sc, ">"))
                sc->i += sc->s[sc->i] == '/' ? 2 : 1;
            else
                return false;
            buf_puts(sc->out, "<br />");
            continue;
        }
        if (depth == SIMPLE_MAX_DEPTH)
            return false;
        if (n == 1 && name[0] == 'a') {
            if (in_anchor || !anchor(sc))
                return false;
            open[depth++] = "a";
            in_anchor = true;
        } else {
            const char *tag = inline_tag(name, n);
            if (tag == NULL || !starts(sc, ">"))
                return false;
            sc->i++;
            put_tag(sc->out, "<", tag);
            open[depth++] = tag;
        }
    }
}

bool simple_html_clean(struct buf *out, const char *s, size_t len)
{
    struct scan sc = {.s = s, .len = len, .out = out};
    size_t was = out->len;

    while (sc.i < len && is_blank(s[sc.i]))
        sc.i++;
    while (sc.i < len) {
        if (!starts(&sc, "<p>"))
            goto decline;
        sc.i += 3;
        size_t mark = out->len;
        sc.text_seen = false;
        buf_puts(out, "<p>");
        if (!paragraph(&sc))
            goto decline;
        if (sc.text_seen)
            buf_puts(out, "</p>");
        else
            buf_truncate(out, mark);
        /* Blanks after a paragraph stay, as text of the body. */
        size_t blanks = sc.i;
        while (sc.i < len && is_blank(s[sc.i]))
            sc.i++;
        buf_append(out, s + blanks, sc.i - blanks);
    }
    return true;
decline:
    buf_truncate(out, was);
    return false;
}
