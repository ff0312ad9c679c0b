/* Markdown to HTML that is safe to embed as is. cmark-gfm parses (CommonMark plus GFM
 * autolinks and strikethrough); the tree is then rewritten so raw HTML becomes plain
 * text, only http/https/mailto links survive (with rel="nofollow ugc noopener") and
 * images become their alt text, before cmark renders it. */
#include "render/markdown.h"

#include "base/buf.h"
#include "base/xalloc.h"
#include "render/html.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
    struct buf enc = BUF_INIT;
    struct buf tag = BUF_INIT;

    /* Control bytes and spaces are percent-encoded so the href stays one token;
     * the rest is HTML-escaped for the quoted attribute. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f)
            buf_printf(&enc, "%%%02X", c);
        else
            buf_putc(&enc, (char)c);
    }
    buf_puts(&tag, "<a href=\"");
    html_escape(&tag, buf_cstr(&enc), enc.len);
    buf_puts(&tag, "\" rel=\"nofollow ugc noopener\">");
    buf_cleanup(&enc);
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

static void rewrite_link(cmark_node *link)
{
    size_t len = 0;
    const char *url = allowed_url(cmark_node_get_url(link), &len);
    if (url == NULL) {
        unwrap(link);
        return;
    }
    char *open = anchor_open(url, len);
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

/* Nodes are collected first and rewritten after the walk, since the iterator must not
 * see its tree restructured under it. Collected nodes stay valid: a rewrite frees only
 * the node itself, after moving its children away. */
static void sanitize(cmark_node *doc)
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
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE:
        case CMARK_NODE_HTML_INLINE:
        case CMARK_NODE_HTML_BLOCK:
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

    for (size_t i = 0; i < n; i++) {
        switch (cmark_node_get_type(todo[i])) {
        case CMARK_NODE_LINK:
            rewrite_link(todo[i]);
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
        default:
            break;
        }
    }
    free(todo);
}

int md_to_safe_html(struct arena *a, const char *src, size_t len, char **out)
{
    static const char *const ext_names[] = {"autolink", "strikethrough"};
    cmark_parser *parser;
    cmark_node *doc;
    char *html;
    int rc = 0;

    *out = NULL;
    md_init();
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
    sanitize(doc);
    html = cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(parser));
    cmark_node_free(doc);
    if (html == NULL) {
        rc = STET_EIO;
        goto out;
    }
    *out = arena_strndup(a, html, strlen(html));
    cmark_get_default_mem_allocator()->free(html);
out:
    cmark_parser_free(parser);
    return rc;
}
