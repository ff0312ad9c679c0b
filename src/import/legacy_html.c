/* Legacy comment HTML to safe HTML. The body is first made valid UTF-8, WordPress's
 * line-break formatting is turned into paragraphs the way wpautop shows them, then
 * libxml2's HTML parser builds the tree a browser would, and an iterative walk writes
 * back only the allowed elements. Nothing of the input reaches the output unescaped:
 * every tag written is one of ours, every text and href is escaped here. An import
 * sanitizes every body with one struct legacy_html, reusing its parser context, and
 * two kinds of body skip the parser: plain text (no '<', no '&'), escaped and
 * wrapped here, and simple HTML (simple_html.h); each comes out exactly as the
 * parser and the walk would have it (tests/unit/import checks both ways). */
#include "import/legacy_html.h"

#include "base/buf.h"
#include "base/html.h"
#include "base/xalloc.h"
#include "import/simple_html.h"
#include "import/xmlchar.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

/* No network, and no error output of libxml2's own (a comment's bad HTML is not
 * news). Not HTML_PARSE_NOIMPLIED: without the implied <html><body>, libxml2 2.9
 * makes every later top-level element a child of the first (<p>a</p><p>b</p>
 * nests); html, head and body are dropped by the walk like any unknown tag. */
#define LEGACY_HTML_OPTIONS (HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING)

static const char *const allowed_tags[] = {
    "p", "br", "a", "b", "strong", "i", "em", "blockquote", "code", "pre", "ul", "ol", "li",
};

/* Elements whose content is code, a widget, a fallback for one or the document's
 * head: none of their text was ever shown as the comment. */
static const char *const dropped_tags[] = {
    "script",   "style",   "template", "iframe", "object", "embed",    "applet",
    "noframes", "noembed", "noscript", "svg",    "math",   "textarea", "select",
    "canvas",   "audio",   "video",    "head",   "title",
};

/* Dropped, but they separated their text from what is around them. */
static const char *const block_tags[] = {
    "div",    "h1",      "h2",      "h3",      "h4",         "h5",      "h6",
    "table",  "tr",      "td",      "th",      "thead",      "tbody",   "tfoot",
    "dl",     "dt",      "dd",      "section", "article",    "header",  "footer",
    "aside",  "nav",     "main",    "figure",  "figcaption", "address", "hr",
    "center", "details", "summary", "form",    "fieldset",   "caption",
};

/* The allowed elements that start a new line of their own. */
static const char *const allowed_blocks[] = {
    "p", "br", "blockquote", "pre", "ul", "ol", "li",
};

#define N_OF(x) (sizeof(x) / sizeof((x)[0]))

/* The list's own spelling of `name` (any case), or NULL when it is not listed. */
static const char *listed(const char *const *list, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0)
            return list[i];
    }
    return NULL;
}

static bool in_list(const char *const *list, size_t n, const char *name, size_t len)
{
    return listed(list, n, name, len) != NULL;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* --- WordPress line breaks --------------------------------------------------------- */

/* The name of the tag at s[0..len) ("<name" or "</name"), or len 0. */
static size_t tag_name(const char *s, size_t len, const char **name)
{
    size_t i = 1;
    if (len < 2 || s[0] != '<')
        return 0;
    if (s[i] == '/')
        i++;
    *name = s + i;
    size_t start = i;
    while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                       (s[i] >= '0' && s[i] <= '9')))
        i++;
    return i - start;
}

static bool is_block_name(const char *name, size_t n)
{
    return n > 0 && (in_list(allowed_blocks, N_OF(allowed_blocks), name, n) ||
                     in_list(block_tags, N_OF(block_tags), name, n));
}

/* True when a line ends with a block tag or <br>: no <br /> after it. */
static bool ends_with_block(const char *line, size_t len)
{
    while (len > 0 && is_ws(line[len - 1]))
        len--;
    if (len == 0 || line[len - 1] != '>')
        return false;
    size_t lt = len;
    while (lt > 0 && line[lt - 1] != '<')
        lt--;
    if (lt == 0)
        return false;
    const char *name = NULL;
    size_t n = tag_name(line + lt - 1, len - lt + 1, &name);
    return is_block_name(name, n);
}

/* True when a line starts with a block tag: no <br /> before it. */
static bool starts_with_block(const char *line, size_t len)
{
    while (len > 0 && is_ws(*line)) {
        line++;
        len--;
    }
    const char *name = NULL;
    size_t n = tag_name(line, len, &name);
    return is_block_name(name, n) && !(n == 2 && strncasecmp(name, "br", 2) == 0);
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_ws(s[i]))
            return false;
    return true;
}

/* Appends text that holds no markup: escaped when it is the sanitizer's output
 * (plain text skips the parser), as it is when it goes on to the parser. */
static void put_text(struct buf *out, const char *s, size_t len, bool is_plain)
{
    if (is_plain)
        html_escape(out, s, len);
    else
        buf_append(out, s, len);
}

/* One paragraph: its lines joined by <br /> (or a plain line break next to a block
 * tag), wrapped in <p>. */
static void paragraph(struct buf *out, const char *s, size_t len, bool is_plain)
{
    bool first = true;
    const char *prev = NULL;
    size_t prev_len = 0;

    buf_puts(out, "<p>");
    while (len > 0) {
        const char *nl = memchr(s, '\n', len);
        size_t n = nl != NULL ? (size_t)(nl - s) : len;
        if (!first)
            buf_puts(out,
                     ends_with_block(prev, prev_len) || starts_with_block(s, n) ? "\n" : "<br />");
        put_text(out, s, n, is_plain);
        first = false;
        prev = s;
        prev_len = n;
        s += n;
        len -= n;
        if (len > 0) {
            s++;
            len--;
        }
    }
    buf_puts(out, "</p>");
}

/* Text outside <pre>: blank lines separate paragraphs. */
static void paragraphs(struct buf *out, const char *s, size_t len, bool is_plain)
{
    size_t i = 0;

    while (i < len) {
        /* Skip blank lines, then gather lines up to the next blank one. */
        while (i < len) {
            const char *nl = memchr(s + i, '\n', len - i);
            size_t end = nl != NULL ? (size_t)(nl - s) : len;
            if (!is_blank(s + i, end - i))
                break;
            i = end < len ? end + 1 : len;
        }
        size_t start = i;
        while (i < len) {
            const char *nl = memchr(s + i, '\n', len - i);
            size_t end = nl != NULL ? (size_t)(nl - s) : len;
            if (is_blank(s + i, end - i))
                break;
            i = end < len ? end + 1 : len;
        }
        size_t end = i;
        while (end > start && is_ws(s[end - 1]))
            end--;
        while (start < end && is_ws(s[start]))
            start++;
        if (end > start)
            paragraph(out, s + start, end - start, is_plain);
    }
}

/* The offset of the next "<pre" tag (case-insensitive) at or after i, or len. */
static size_t find_tag(const char *s, size_t len, size_t i, const char *tag)
{
    size_t tl = strlen(tag);
    for (; i + tl <= len; i++) {
        if (s[i] == '<' && strncasecmp(s + i, tag, tl) == 0 &&
            (i + tl == len || s[i + tl] == '>' || is_ws(s[i + tl]) || s[i + tl] == '/'))
            return i;
    }
    return len;
}

/* wpautop's main rule on s (line breaks already \n): paragraphs and line breaks
 * outside <pre>, the <pre> blocks as they are. Plain text (no '<', no '&') comes out
 * escaped: it is then the safe HTML itself. */
static void autop(struct buf *out, const char *s, size_t len, bool is_plain)
{
    size_t i = 0;

    if (is_plain) {
        paragraphs(out, s, len, true);
        return;
    }
    while (i < len) {
        size_t pre = find_tag(s, len, i, "<pre");
        paragraphs(out, s + i, pre - i, false);
        if (pre == len)
            break;
        size_t close = find_tag(s, len, pre, "</pre");
        const char *gt = close < len ? memchr(s + close, '>', len - close) : NULL;
        size_t end = gt != NULL ? (size_t)(gt - s) + 1 : len;
        buf_append(out, s + pre, end - pre);
        i = end;
    }
}

/* CR LF and lone CR become LF. */
static void normalize_breaks(struct buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r') {
            buf_putc(out, '\n');
            if (i + 1 < len && s[i + 1] == '\n')
                i++;
        } else {
            buf_putc(out, s[i]);
        }
    }
}

/* --- The tree walk ------------------------------------------------------------------ */

enum action {
    ACT_SKIP,        /* not entered: the node and its subtree write nothing */
    ACT_KEEP,        /* an allowed element: written, closed on the way out */
    ACT_TRANSPARENT, /* dropped, its children written */
    ACT_BLOCK,       /* dropped, its children written, set apart from what follows */
};

struct frame {
    xmlNodePtr node;
    enum action act;
};

struct walk {
    struct buf *out;
    int depth;     /* allowed elements open */
    int in_anchor; /* links open: a link inside a link is dropped */
    bool sep_pending;
    bool last_ws; /* nothing written yet, or it ended in white space or a block tag */
};

/* True when the element holds text worth a paragraph (an empty <p> is left out). */
static bool has_text(xmlNodePtr top)
{
    xmlNodePtr n = top->children;
    while (n != NULL && n != top) {
        if (n->type == XML_TEXT_NODE && n->content != NULL &&
            !is_blank((const char *)n->content, strlen((const char *)n->content)))
            return true;
        bool dropped = n->type == XML_ELEMENT_NODE &&
                       in_list(dropped_tags, N_OF(dropped_tags), (const char *)n->name,
                               strlen((const char *)n->name));
        if (n->type == XML_ELEMENT_NODE && !dropped && n->children != NULL) {
            n = n->children;
            continue;
        }
        while (n != top && n->next == NULL)
            n = n->parent;
        if (n != top)
            n = n->next;
    }
    return false;
}

/* The href of a link when it is http or https, trimmed; NULL otherwise. The caller
 * frees it with xmlFree. */
static xmlChar *allowed_href(xmlNodePtr a, size_t *start, size_t *len)
{
    xmlChar *href = xmlGetProp(a, (const xmlChar *)"href");
    if (href == NULL)
        return NULL;
    const char *s = (const char *)href;
    size_t n = strlen(s), i = 0;
    /* Browsers strip leading and trailing C0 controls and spaces before reading the
     * scheme; so does this, then allows exactly two schemes. */
    while (i < n && (unsigned char)s[i] <= 0x20)
        i++;
    while (n > i && (unsigned char)s[n - 1] <= 0x20)
        n--;
    if (strncasecmp(s + i, "http:", 5) != 0 && strncasecmp(s + i, "https:", 6) != 0) {
        xmlFree(href);
        return NULL;
    }
    *start = i;
    *len = n - i;
    return href;
}

static void write_text(struct walk *w, const char *s)
{
    size_t len = strlen(s);
    if (len == 0)
        return;
    if (w->sep_pending && !w->last_ws && !is_ws(s[0]))
        buf_putc(w->out, '\n');
    w->sep_pending = false;
    html_escape(w->out, s, len);
    w->last_ws = is_ws(s[len - 1]);
}

/* Opens an allowed element when its rules allow; false when it is to be dropped. */
static bool open_allowed(struct walk *w, xmlNodePtr n, const char *name)
{
    bool is_block = in_list(allowed_blocks, N_OF(allowed_blocks), name, strlen(name));

    if (w->depth >= LEGACY_HTML_MAX_DEPTH)
        return false;
    if (strcmp(name, "a") == 0) {
        size_t start = 0, len = 0;
        xmlChar *href = w->in_anchor > 0 ? NULL : allowed_href(n, &start, &len);
        if (href == NULL)
            return false;
        html_user_link_open(w->out, (const char *)href + start, len);
        xmlFree(href);
        w->in_anchor++;
    } else if (strcmp(name, "br") == 0) {
        buf_puts(w->out, "<br />");
    } else {
        buf_printf(w->out, "<%s>", name);
    }
    if (is_block) {
        w->sep_pending = false;
        w->last_ws = true;
    }
    w->depth++;
    return true;
}

static enum action enter(struct walk *w, xmlNodePtr n)
{
    if (n->type == XML_TEXT_NODE) {
        write_text(w, n->content != NULL ? (const char *)n->content : "");
        return ACT_SKIP;
    }
    if (n->type != XML_ELEMENT_NODE || n->name == NULL)
        return ACT_SKIP; /* comments (<!--more-->), processing instructions, CDATA */
    const char *name = (const char *)n->name;
    size_t len = strlen(name);
    if (in_list(dropped_tags, N_OF(dropped_tags), name, len))
        return ACT_SKIP;
    /* A paragraph of nothing but white space and line breaks (libxml2 leaves one
     * where a block closed an open <p>) is left out whole. */
    if (strcasecmp(name, "p") == 0 && !has_text(n))
        return ACT_SKIP;
    /* Tags are written as the allowlist spells them, never as the input did. */
    const char *tag = listed(allowed_tags, N_OF(allowed_tags), name, len);
    if (tag != NULL && open_allowed(w, n, tag))
        return ACT_KEEP;
    if (in_list(block_tags, N_OF(block_tags), name, len)) {
        w->sep_pending = true;
        return ACT_BLOCK;
    }
    return ACT_TRANSPARENT;
}

static void leave(struct walk *w, xmlNodePtr n, enum action act)
{
    const char *name = (const char *)n->name;
    const char *tag = listed(allowed_tags, N_OF(allowed_tags), name, strlen(name));

    if (act == ACT_BLOCK) {
        w->sep_pending = true;
    } else if (act == ACT_KEEP) {
        w->depth--;
        if (strcmp(tag, "a") == 0)
            w->in_anchor--;
        if (strcmp(tag, "br") != 0)
            buf_printf(w->out, "</%s>", tag);
        if (in_list(allowed_blocks, N_OF(allowed_blocks), tag, strlen(tag))) {
            w->sep_pending = false;
            w->last_ws = true;
        }
    }
}

/* Depth-first over the document without recursion: deeply nested input cannot
 * exhaust the C stack, only the frame array, which grows with the input. */
static void walk_tree(struct walk *w, xmlNodePtr first)
{
    struct frame *stack = NULL;
    size_t n_stack = 0, cap = 0;
    xmlNodePtr n = first;

    for (;;) {
        if (n != NULL) {
            enum action act = enter(w, n);
            if (act != ACT_SKIP && n->children != NULL) {
                if (n_stack == cap) {
                    cap = cap == 0 ? 64 : cap * 2;
                    stack = xrealloc(stack, cap * sizeof(*stack));
                }
                stack[n_stack++] = (struct frame){n, act};
                n = n->children;
                continue;
            }
            if (act != ACT_SKIP)
                leave(w, n, act);
            n = n->next;
            continue;
        }
        if (n_stack == 0)
            break;
        struct frame f = stack[--n_stack];
        leave(w, f.node, f.act);
        n = f.node->next;
    }
    free(stack);
}

/* --- The sanitizer ------------------------------------------------------------------ */

struct legacy_html {
    htmlParserCtxtPtr ctxt; /* NULL until the first body that needs the parser */
    unsigned n_parsed;      /* bodies parsed by ctxt */
    bool always_parse;
    struct buf clean, lf, html, result;
};

struct legacy_html *legacy_html_new(bool always_parse)
{
    struct legacy_html *h = xcalloc(1, sizeof(*h));
    import_xml_init();
    h->always_parse = always_parse;
    buf_init(&h->clean);
    buf_init(&h->lf);
    buf_init(&h->html);
    buf_init(&h->result);
    return h;
}

void legacy_html_free(struct legacy_html *h)
{
    if (h == NULL)
        return;
    if (h->ctxt != NULL)
        htmlFreeParserCtxt(h->ctxt);
    buf_cleanup(&h->clean);
    buf_cleanup(&h->lf);
    buf_cleanup(&h->html);
    buf_cleanup(&h->result);
    free(h);
}

/* A buffer sized by one very long body is given back rather than kept for the rest
 * of the import. */
static void trim_buf(struct buf *b)
{
    if (b->cap > LEGACY_HTML_KEEP)
        buf_cleanup(b);
    else
        buf_reset(b);
}

/* The parser's document for input[0..len), NULL for none. The context is reused:
 * building one cost more than most bodies' parse. Its dictionary keeps every name it
 * meets, so a context is replaced after LEGACY_HTML_RENEW bodies. */
static htmlDocPtr parse(struct legacy_html *h, const struct buf *input)
{
    if (input->len == 0)
        return NULL;
    if (h->ctxt != NULL && h->n_parsed >= LEGACY_HTML_RENEW) {
        htmlFreeParserCtxt(h->ctxt);
        h->ctxt = NULL;
    }
    if (h->ctxt == NULL) {
        h->ctxt = htmlNewParserCtxt();
        if (h->ctxt == NULL) { /* libxml2 fails only to allocate: as xmalloc would */
            fputs("stet: out of memory making an HTML parser\n", stderr);
            abort();
        }
        h->n_parsed = 0;
    }
    h->n_parsed++;
    /* libxml2 takes the length as an int: LEGACY_HTML_MAX_IN keeps it far below. */
    return htmlCtxtReadMemory(h->ctxt, input->data, (int)input->len, NULL, "UTF-8",
                              LEGACY_HTML_OPTIONS);
}

/* True when s holds neither a tag nor an entity: the parser would make it one
 * paragraph of text (HTML) or leave autop's paragraphs as they are (AUTOP). */
static bool is_plain(const struct buf *s)
{
    return s->len == 0 ||
           (memchr(s->data, '<', s->len) == NULL && memchr(s->data, '&', s->len) == NULL);
}

/* Plain text in HTML mode, as the parser and the walk write it: the white space the
 * parser skips at the document's start goes, the rest is one escaped paragraph. */
static void plain_html(struct buf *out, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    if (i == len)
        return;
    buf_puts(out, "<p>");
    html_escape(out, s + i, len - i);
    buf_puts(out, "</p>");
}

/* The safe HTML of h->clean into h->result. */
static void sanitize(struct legacy_html *h, enum legacy_html_mode mode)
{
    const struct buf *input = &h->clean;
    bool plain = !h->always_parse && is_plain(&h->clean);

    if (mode == LEGACY_HTML_AUTOP) {
        normalize_breaks(&h->lf, h->clean.data != NULL ? h->clean.data : "", h->clean.len);
        autop(plain ? &h->result : &h->html, h->lf.data != NULL ? h->lf.data : "", h->lf.len,
              plain);
        input = &h->html;
    } else if (plain) {
        plain_html(&h->result, h->clean.data != NULL ? h->clean.data : "", h->clean.len);
    }
    if (plain || (!h->always_parse && simple_html_clean(&h->result, buf_cstr(input), input->len)))
        return;
    htmlDocPtr doc = parse(h, input);
    if (doc != NULL) {
        struct walk w = {.out = &h->result, .last_ws = true};
        walk_tree(&w, doc->children);
        xmlFreeDoc(doc);
    }
}

int legacy_html_clean(struct legacy_html *h, struct arena *a, const char *src, size_t len,
                      enum legacy_html_mode mode, char **out)
{
    int rc = 0;

    if (len > LEGACY_HTML_MAX_IN)
        return STET_ELIMIT;
    (void)import_xml_repair(&h->clean, src, len);
    sanitize(h, mode);
    if (h->result.len > LEGACY_HTML_OUT_RATIO * len + LEGACY_HTML_OUT_SLACK)
        rc = STET_ELIMIT;
    else
        *out = arena_strndup(a, buf_cstr(&h->result), h->result.len);
    trim_buf(&h->clean);
    trim_buf(&h->lf);
    trim_buf(&h->html);
    trim_buf(&h->result);
    return rc;
}

int legacy_html_to_safe(struct arena *a, const char *src, size_t len, enum legacy_html_mode mode,
                        char **out)
{
    struct legacy_html *h = legacy_html_new(false);
    int rc = legacy_html_clean(h, a, src, len, mode, out);
    legacy_html_free(h);
    return rc;
}
