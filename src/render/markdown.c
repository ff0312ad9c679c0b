/* Markdown to HTML that is safe to embed as is. cmark-gfm parses (CommonMark plus GFM
 * autolinks and strikethrough); the tree is then rewritten so raw HTML becomes plain
 * text, only http/https/mailto links survive (with rel="nofollow ugc noopener"),
 * images become their alt text, code blocks become focusable and, in comments,
 * headings become bold paragraphs, before cmark renders it. The input is shaped
 * before parsing and the output measured after, so neither time nor size blows up. */
#include "render/markdown.h"

#include "base/buf.h"
#include "base/html.h"
#include "base/xalloc.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Debian's cmark-gfm 0.29.0.gfm.6 predates the 2023 fixes for super-linear parsing
 * (CVE-2023-22483, -22484, -22486, -24824, -37463). Of the shapes that exploit them,
 * two cost more than 50 ms at the 10,000-character comment limit: deep container
 * nesting (every line walks all open block quotes and list items, and each emphasis
 * node inserted checks all its ancestors: 390 ms for " -" * 3333 + "x" + "\n" * 3333)
 * and reference links (each use copies the definition's URL and title: 8 MB for one
 * 5,000-byte URL used 1,666 times). MD_MAX_DEPTH bounds the first: 32 is six to ten
 * times the nesting of ordinary writing (quotes 2-3 deep, lists 4-5), so honest text
 * never meets it, and it caps the per-line walk at 32 steps. The copy budget below
 * bounds the second. The rest (runs of brackets or emphasis, e.g. "![[]()" repeated)
 * stay near 10 ms at 10,000 characters but grow quadratically past it; only a newer
 * cmark-gfm (0.29.0.gfm.13) removes them. */

/* Reference copies may reach 64 times the input plus 1 MiB (1.7 MB for a 10,000-byte
 * comment) before the text is rendered plainly: honest definitions are a few hundred
 * bytes used a few times, far below it, while the copies stay a bounded transient. */
#define MD_REF_COPY_RATIO 64
#define MD_REF_COPY_SLACK ((size_t)1 << 20)
/* cmark-gfm's MAX_LINK_LABEL_LENGTH: a longer label is not a label. */
#define MD_LABEL_MAX 1000

static pthread_once_t md_once = PTHREAD_ONCE_INIT;

/* cmark-gfm 0.29 flips entries of a process-wide "special character" table on and off
 * around every inline parse (cmark_manage_extensions_special_characters), so two
 * threads parsing at once race and may lose autolinks or strikethrough. Parsing alone
 * is serialized; the tree rewrite and rendering run in parallel. */
static pthread_mutex_t md_parse_lock = PTHREAD_MUTEX_INITIALIZER;

static void register_extensions(void)
{
    cmark_gfm_core_extensions_ensure_registered();
}

void md_init(void)
{
    pthread_once(&md_once, register_extensions);
}

static bool has_prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix != '\0'; s++, prefix++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != *prefix)
            return false;
    }
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* An allowlist, not a blocklist: anything that is not plainly http, https or mailto
 * (relative, protocol-relative, javascript:, data:, obfuscated schemes) is dropped. */
static const char *allowed_url(const char *url, size_t *len)
{
    if (url == NULL)
        return NULL;
    while (is_space(*url))
        url++;
    size_t n = strlen(url);
    while (n > 0 && is_space(url[n - 1]))
        n--;
    *len = n;
    if (has_prefix_nocase(url, "http:") || has_prefix_nocase(url, "https:") ||
        has_prefix_nocase(url, "mailto:"))
        return url;
    return NULL;
}

static char *anchor_open(const char *url, size_t len)
{
    struct buf tag = BUF_INIT;
    html_user_link_open(&tag, url, len);
    size_t n;
    return buf_steal(&tag, &n);
}

/* Moves n's children to where n was, then frees n. */
static void unwrap(cmark_node *n)
{
    cmark_node *c;
    while ((c = cmark_node_first_child(n)) != NULL)
        cmark_node_insert_before(n, c);
    cmark_node_free(n);
}

/* Adds the anchor's length to *spent: a URL may be escaped to six times its length and
 * reference links repeat it, so anchors are where a small input can grow large. */
static void rewrite_link(cmark_node *link, size_t *spent)
{
    size_t len = 0;
    const char *url = allowed_url(cmark_node_get_url(link), &len);
    if (url == NULL) {
        unwrap(link);
        return;
    }
    char *open = anchor_open(url, len);
    *spent += strlen(open);
    cmark_node *a = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
    cmark_node_set_on_enter(a, open);
    cmark_node_set_on_exit(a, "</a>");
    free(open);
    cmark_node_insert_before(link, a);
    cmark_node *c;
    while ((c = cmark_node_first_child(link)) != NULL)
        cmark_node_append_child(a, c);
    cmark_node_free(link);
}

/* The user's literal text shows, escaped by the renderer like any other text. */
static void rewrite_html(cmark_node *n, bool block)
{
    const char *lit = cmark_node_get_literal(n);
    cmark_node *text = cmark_node_new(CMARK_NODE_TEXT);

    if (lit == NULL)
        lit = "";
    if (block) {
        size_t len = strlen(lit);
        while (len > 0 && (lit[len - 1] == '\n' || lit[len - 1] == '\r'))
            len--;
        char *copy = xmalloc(len + 1);
        memcpy(copy, lit, len);
        copy[len] = '\0';
        cmark_node_set_literal(text, copy);
        free(copy);
        cmark_node *p = cmark_node_new(CMARK_NODE_PARAGRAPH);
        cmark_node_append_child(p, text);
        cmark_node_replace(n, p);
    } else {
        cmark_node_set_literal(text, lit);
        cmark_node_replace(n, text);
    }
    cmark_node_free(n);
}

/* A code block keeps its text on long lines (code wraps badly), so the stylesheet
 * scrolls it sideways; tabindex lets a keyboard reach and scroll it (WCAG 2.1.1), and
 * the group role carries the label a screen reader announces on focus. The block
 * becomes one custom block holding the whole HTML, as cmark itself would write it
 * (class "language-" and the info string's first word), with the text escaped here. */
static void rewrite_code_block(cmark_node *n)
{
    struct buf html = BUF_INIT;
    const char *info = cmark_node_get_fence_info(n);
    const char *lit = cmark_node_get_literal(n);

    buf_puts(&html, "<pre class=\"code-block\" tabindex=\"0\" role=\"group\" "
                    "aria-label=\"Code block\"><code");
    if (info != NULL && info[0] != '\0') {
        size_t word = 0;
        while (info[word] != '\0' && !is_space(info[word]))
            word++;
        buf_puts(&html, " class=\"language-");
        html_escape(&html, info, word);
        buf_putc(&html, '"');
    }
    buf_putc(&html, '>');
    if (lit != NULL)
        html_escape(&html, lit, strlen(lit));
    buf_puts(&html, "</code></pre>");

    cmark_node *block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
    cmark_node_set_on_enter(block, buf_cstr(&html));
    cmark_node_set_on_exit(block, "");
    buf_cleanup(&html);
    cmark_node_replace(n, block);
    cmark_node_free(n);
}

/* A comment's heading: its text, bold, in a paragraph of its own. An empty heading
 * ("#" alone on a line) has nothing to show and goes. The text nodes point into the
 * heading's own buffer, so the heading must outlive them: it moves to `detached`,
 * which the caller frees after rendering. */
static void rewrite_heading(cmark_node *n, cmark_node *detached)
{
    if (cmark_node_first_child(n) == NULL) {
        cmark_node_free(n);
        return;
    }
    cmark_node *p = cmark_node_new(CMARK_NODE_PARAGRAPH);
    cmark_node *strong = cmark_node_new(CMARK_NODE_STRONG);
    cmark_node_append_child(p, strong);
    cmark_node *c;
    while ((c = cmark_node_first_child(n)) != NULL)
        cmark_node_append_child(strong, c);
    cmark_node_replace(n, p);
    cmark_node_append_child(detached, n);
}

/* Nodes are collected first and rewritten after the walk, since the iterator must not
 * see its tree restructured under it. Collected nodes stay valid: a rewrite frees only
 * the node itself, after moving its children away. Headings are rewritten only in a
 * comment, and end up in `detached` (see rewrite_heading). Returns false, with the
 * tree half rewritten and fit only to be freed, once the anchors alone pass `budget`
 * bytes. */
static bool sanitize(cmark_node *doc, size_t budget, bool comment, cmark_node *detached)
{
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    cmark_node **todo = NULL;
    size_t n = 0, cap = 0;

    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        if (ev != CMARK_EVENT_ENTER)
            continue;
        cmark_node *node = cmark_iter_get_node(it);
        switch (cmark_node_get_type(node)) {
        case CMARK_NODE_HEADING:
            if (!comment)
                break;
            /* fall through */
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE:
        case CMARK_NODE_HTML_INLINE:
        case CMARK_NODE_HTML_BLOCK:
        case CMARK_NODE_CODE_BLOCK:
            if (n == cap) {
                cap = cap == 0 ? 16 : cap * 2;
                todo = xrealloc(todo, cap * sizeof(*todo));
            }
            todo[n++] = node;
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);

    size_t spent = 0;
    for (size_t i = 0; i < n && spent <= budget; i++) {
        switch (cmark_node_get_type(todo[i])) {
        case CMARK_NODE_LINK:
            rewrite_link(todo[i], &spent);
            break;
        case CMARK_NODE_IMAGE:
            /* No remote images (tracking pixels): the alt text stays. */
            unwrap(todo[i]);
            break;
        case CMARK_NODE_HTML_INLINE:
            rewrite_html(todo[i], false);
            break;
        case CMARK_NODE_HTML_BLOCK:
            rewrite_html(todo[i], true);
            break;
        case CMARK_NODE_CODE_BLOCK:
            rewrite_code_block(todo[i]);
            break;
        case CMARK_NODE_HEADING:
            rewrite_heading(todo[i], detached);
            break;
        default:
            break;
        }
    }
    free(todo);
    return spent <= budget;
}

/* The end of the line starting at `pos` (its first \n or \r, or `len`); *next is where
 * the following line starts. \n, \r and \r\n end a line, as in cmark, so no line can
 * hide inside another from the scans below. */
static size_t line_end(const char *src, size_t len, size_t pos, size_t *next)
{
    size_t end = pos;
    while (end < len && src[end] != '\n' && src[end] != '\r')
        end++;
    *next = end;
    if (end < len)
        *next = end + (src[end] == '\r' && end + 1 < len && src[end + 1] == '\n' ? 2 : 1);
    return end;
}

static bool is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t')
            return false;
    }
    return true;
}

/* Three or more of one of - * _ with only spaces and tabs between, to the line's end.
 * CommonMark prefers it to a list marker, so "* * * * *" stays one rule, however long. */
static bool is_thematic_break(const char *p, size_t n)
{
    size_t count = 0;

    if (n == 0 || (p[0] != '-' && p[0] != '*' && p[0] != '_'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == p[0])
            count++;
        else if (p[i] != ' ' && p[i] != '\t')
            return false;
    }
    return count >= 3;
}

/* The length of the container marker at `p` (">", or a bullet "-+*" or an ordered
 * "1."/"1)" of up to 9 digits followed by a space, a tab or the line's end), 0 when
 * there is none. *punct is the offset of the character a backslash makes literal. */
static size_t container_marker(const char *p, size_t n, size_t *punct)
{
    size_t digits = 0;

    *punct = 0;
    if (n == 0)
        return 0;
    if (p[0] == '>')
        return 1;
    if (p[0] == '-' || p[0] == '+' || p[0] == '*')
        return n == 1 || p[1] == ' ' || p[1] == '\t' ? 1 : 0;
    while (digits < n && digits < 9 && p[digits] >= '0' && p[digits] <= '9')
        digits++;
    if (digits == 0 || digits == n || (p[digits] != '.' && p[digits] != ')'))
        return 0;
    if (digits + 1 < n && p[digits + 1] != ' ' && p[digits + 1] != '\t')
        return 0;
    *punct = digits;
    return digits + 1;
}

/* The offset of the marker that would take this line past MD_MAX_DEPTH, or `n`. A line
 * continues each open block quote with a ">" and each open list item with indentation
 * (two columns or more a level), then opens new ones with markers: so its depth is at
 * most its markers plus half its indentation columns, not counting the one space each
 * marker owns. Tabs stop every 4 columns, as in CommonMark. This over-counts (markers
 * in indented code count too), which can only escape earlier, never let deeper. */
static size_t depth_excess(const char *line, size_t n)
{
    size_t i = 0, col = 0, spare_cols = 0, markers = 0;
    bool owns_space = false;

    for (;;) {
        size_t from = col;
        while (i < n && (line[i] == ' ' || line[i] == '\t')) {
            col = line[i] == '\t' ? col + 4 - col % 4 : col + 1;
            i++;
        }
        size_t w = col - from;
        if (owns_space && w > 0)
            w--;
        spare_cols += w;
        if (is_thematic_break(line + i, n - i))
            return n;
        size_t punct, m = container_marker(line + i, n - i, &punct);
        if (m == 0)
            return n;
        markers++;
        if (markers + spare_cols / 2 > MD_MAX_DEPTH)
            return i + punct;
        i += m;
        col += m;
        owns_space = true;
    }
}

/* Copies `src` into `out` with a backslash before each marker that would nest past
 * MD_MAX_DEPTH: the marker and the rest of its line become paragraph text, which is
 * how they then render. Returns false, leaving `out` empty, when no line nests that
 * deep (the common case, which costs one scan and no copy). */
static bool cap_nesting(const char *src, size_t len, struct buf *out)
{
    size_t copied = 0, pos = 0, next;
    bool changed = false;

    while (pos < len) {
        size_t end = line_end(src, len, pos, &next);
        size_t cut = pos + depth_excess(src + pos, end - pos);
        if (cut < end) {
            buf_append(out, src + copied, cut - copied);
            buf_putc(out, '\\');
            copied = cut;
            changed = true;
        }
        pos = next;
    }
    if (changed)
        buf_append(out, src + copied, len - copied);
    return changed;
}

/* Whether the line [pos, end), past its container markers and indentation, opens a
 * link label that "]:" closes within cmark's label limit: a possible reference
 * definition. The label may run onto later lines, so the scan may too. */
static bool starts_definition(const char *src, size_t len, size_t pos, size_t end)
{
    size_t punct, m;

    for (;;) {
        while (pos < end && (src[pos] == ' ' || src[pos] == '\t'))
            pos++;
        if ((m = container_marker(src + pos, end - pos, &punct)) == 0)
            break;
        pos += m;
    }
    if (pos >= end || src[pos] != '[')
        return false;
    for (size_t i = pos + 1; i < len && i <= pos + 1 + MD_LABEL_MAX; i++) {
        if (src[i] == '\\')
            i++;
        else if (src[i] == '[')
            return false;
        else if (src[i] == ']')
            return i + 1 < len && src[i + 1] == ':';
    }
    return false;
}

/* An upper bound on the bytes cmark-gfm copies while it resolves reference links: it
 * clones a definition's URL and title for every use. Each use ends with its own "]",
 * and a definition's URL and title end at the first blank line after its start. */
static size_t ref_copy_bound(const char *src, size_t len)
{
    size_t n_close = 0, widest = 0, def_at = SIZE_MAX, pos = 0, next;

    for (size_t i = 0; i < len; i++)
        n_close += src[i] == ']';
    if (n_close == 0)
        return 0;
    while (pos < len) {
        size_t end = line_end(src, len, pos, &next);
        if (is_blank(src + pos, end - pos)) {
            if (def_at != SIZE_MAX && pos - def_at > widest)
                widest = pos - def_at;
            def_at = SIZE_MAX;
        } else if (def_at == SIZE_MAX && starts_definition(src, len, pos, end)) {
            def_at = pos;
        }
        pos = next;
    }
    if (def_at != SIZE_MAX && len - def_at > widest)
        widest = len - def_at;
    if (widest != 0 && n_close > SIZE_MAX / widest)
        return SIZE_MAX;
    return n_close * widest;
}

static size_t scaled(size_t len, size_t ratio, size_t slack)
{
    if (len > (SIZE_MAX - slack) / ratio)
        return SIZE_MAX;
    return len * ratio + slack;
}

/* Parses, sanitizes and renders, a comment with its soft line breaks as <br />.
 * *html is cmark's allocation (the caller frees it with cmark's allocator), or NULL
 * when the HTML would pass `limit` bytes. STET_EIO when cmark fails. */
static int render_markdown(const char *src, size_t len, size_t limit, bool comment, char **html)
{
    static const char *const ext_names[] = {"autolink", "strikethrough"};
    cmark_parser *parser;
    cmark_node *doc, *detached = NULL;
    int rc = 0;

    *html = NULL;
    parser = cmark_parser_new(CMARK_OPT_DEFAULT);
    if (parser == NULL)
        return STET_EIO;
    for (size_t i = 0; i < sizeof(ext_names) / sizeof(ext_names[0]); i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(ext_names[i]);
        if (ext == NULL || cmark_parser_attach_syntax_extension(parser, ext) == 0) {
            rc = STET_EIO;
            goto out;
        }
    }
    pthread_mutex_lock(&md_parse_lock);
    cmark_parser_feed(parser, src, len);
    doc = cmark_parser_finish(parser);
    pthread_mutex_unlock(&md_parse_lock);
    if (doc == NULL) {
        rc = STET_EIO;
        goto out;
    }
    detached = cmark_node_new(CMARK_NODE_DOCUMENT);
    if (!sanitize(doc, limit, comment, detached)) {
        cmark_node_free(doc);
        goto out;
    }
    *html = cmark_render_html(doc, comment ? CMARK_OPT_HARDBREAKS : CMARK_OPT_DEFAULT,
                              cmark_parser_get_syntax_extensions(parser));
    cmark_node_free(doc);
    if (*html == NULL) {
        rc = STET_EIO;
        goto out;
    }
    if (strlen(*html) > limit) {
        cmark_get_default_mem_allocator()->free(*html);
        *html = NULL;
    }
out:
    if (detached != NULL)
        cmark_node_free(detached);
    cmark_parser_free(parser);
    return rc;
}

/* HTML-escaped text; NUL becomes U+FFFD as cmark has it, so the arena copy of the
 * result is not cut short. */
static void escape_text(struct buf *out, const char *s, size_t n)
{
    const char *nul;

    while ((nul = memchr(s, '\0', n)) != NULL) {
        html_escape(out, s, (size_t)(nul - s));
        buf_puts(out, "\xEF\xBF\xBD");
        n -= (size_t)(nul - s) + 1;
        s = nul + 1;
    }
    html_escape(out, s, n);
}

/* The fallback: the text as written, escaped, blank lines separating paragraphs and
 * other line ends kept as <br />. An input byte yields at most 6 bytes (&quot;) and a
 * line end at most 7 (<br />\n), plus 8 for the first <p> and last </p>, so this
 * always fits the MD_OUT_RATIO * len + MD_OUT_SLACK bound that sent us here. */
static void render_plain(struct buf *out, const char *src, size_t len)
{
    size_t pos = 0, next;
    bool in_para = false;

    while (pos < len) {
        size_t end = line_end(src, len, pos, &next);
        if (is_blank(src + pos, end - pos)) {
            if (in_para)
                buf_puts(out, "</p>\n");
            in_para = false;
        } else {
            buf_puts(out, in_para ? "<br />\n" : "<p>");
            in_para = true;
            escape_text(out, src + pos, end - pos);
        }
        pos = next;
    }
    if (in_para)
        buf_puts(out, "</p>\n");
}

/* MD_OUT_RATIO is 8 because the plain fallback needs up to 7 bytes per input byte
 * (the bound must hold for it too), while honest Markdown stays well below: prose is
 * about 1x, a bare list of links about 3.5x (rel attributes), text made only of quote
 * characters 6x. Only piled-up empty structure goes past it (">\n-\n" repeated: 12x,
 * 32 nested quotes per line: 25x, empty code blocks with their 90-byte opening tag:
 * 12x), and that reads the same as plain text. The 1 KiB
 * of slack is for short comments, where tags outweigh text: a one-word reply quoted
 * five deep is already 140 bytes of <blockquote>. */
static int to_safe_html(struct arena *a, const char *src, size_t len, bool comment, char **out)
{
    size_t limit = scaled(len, MD_OUT_RATIO, MD_OUT_SLACK);
    struct buf capped = BUF_INIT;
    struct buf plain = BUF_INIT;
    char *html = NULL;
    int rc = 0;

    *out = NULL;
    md_init();
    if (ref_copy_bound(src, len) <= scaled(len, MD_REF_COPY_RATIO, MD_REF_COPY_SLACK)) {
        if (cap_nesting(src, len, &capped))
            rc = render_markdown(capped.data, capped.len, limit, comment, &html);
        else
            rc = render_markdown(src, len, limit, comment, &html);
    }
    buf_cleanup(&capped);
    if (rc != 0)
        return rc;
    if (html != NULL) {
        *out = arena_strndup(a, html, strlen(html));
        cmark_get_default_mem_allocator()->free(html);
        return 0;
    }
    render_plain(&plain, src, len);
    *out = arena_strndup(a, buf_cstr(&plain), plain.len);
    buf_cleanup(&plain);
    return 0;
}

int md_to_safe_html(struct arena *a, const char *src, size_t len, char **out)
{
    return to_safe_html(a, src, len, false, out);
}

int md_comment_to_safe_html(struct arena *a, const char *src, size_t len, char **out)
{
    return to_safe_html(a, src, len, true, out);
}

const char *md_lib_version(void)
{
    return cmark_version_string();
}
