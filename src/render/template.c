/* Mustache-subset templates: each file is compiled once into a node tree held in the
 * set's own arena, then rendered by walking the tree against a stack of scopes. The
 * set is never written after tmpl_set_new, so any number of threads render at once. */
#include "render/template.h"

#include "base/html.h"
#include "base/xalloc.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scopes a render may push (sections over lists and maps); deeper data is refused. */
#define TMPL_MAX_SCOPES 64
/* Partial inclusions in progress at once; bounds recursive partials. */
#define TMPL_MAX_PARTIAL_DEPTH 32
/* Sections open at once in one file; keeps compile and render recursion bounded. */
#define TMPL_MAX_NEST 64
/* Nested sections over lists and recursive partials multiply: a short template can
 * ask for exponential work. Real pages stay far below both budgets. */
#define TMPL_MAX_STEPS  (1u << 22)
#define TMPL_MAX_OUTPUT ((size_t)16 << 20)

enum tval_kind { TV_STR, TV_HTML, TV_INT, TV_BOOL, TV_LIST, TV_MAP };

/* List cells are separate from values so one value may sit in several lists. */
struct tcell {
    const struct tval *val;
    struct tcell *next;
};

struct tentry {
    const char *key;
    const struct tval *val;
    struct tentry *next;
};

struct tval {
    enum tval_kind kind;
    union {
        const char *s;
        int64_t i;
        bool b;
        struct {
            struct tcell *head, *tail;
        } list;
        struct tentry *map;
    } u;
};

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL };

struct tmpl;

struct node {
    enum node_kind kind;
    struct node *next;
    struct node *child; /* sections: the body */
    const char *text;   /* text bytes; the tag's name for the rest */
    size_t len;         /* of text */
    const char **segs;  /* dotted name split; n_segs == 0 means {{.}} */
    size_t n_segs;
    const struct tmpl *partial; /* resolved after every file compiled; NULL if unknown */
};

struct tmpl {
    const char *name;
    struct node *body;
};

struct tmpl_set {
    struct arena *a;
    struct tmpl *t;
    size_t n;
};

/* ---- values ---- */

static struct tval *tval_new(struct arena *a, enum tval_kind kind)
{
    struct tval *v = ARENA_NEW(a, struct tval);
    v->kind = kind;
    return v;
}

struct tval *tval_map(struct arena *a)
{
    return tval_new(a, TV_MAP);
}

struct tval *tval_list(struct arena *a)
{
    return tval_new(a, TV_LIST);
}

void tval_put(struct arena *a, struct tval *map, const char *key, struct tval *child)
{
    assert(map != NULL && map->kind == TV_MAP);
    /* Prepending makes a later put of the same key shadow the earlier one. */
    struct tentry *e = ARENA_NEW(a, struct tentry);
    e->key = key;
    e->val = child;
    e->next = map->u.map;
    map->u.map = e;
}

struct tval *tval_str(struct arena *a, const char *s)
{
    struct tval *v = tval_new(a, TV_STR);
    v->u.s = s != NULL ? s : "";
    return v;
}

void tval_put_str(struct arena *a, struct tval *map, const char *key, const char *s)
{
    tval_put(a, map, key, tval_str(a, s));
}

void tval_put_html(struct arena *a, struct tval *map, const char *key, const char *html)
{
    struct tval *v = tval_new(a, TV_HTML);
    v->u.s = html != NULL ? html : "";
    tval_put(a, map, key, v);
}

void tval_put_int(struct arena *a, struct tval *map, const char *key, int64_t i)
{
    struct tval *v = tval_new(a, TV_INT);
    v->u.i = i;
    tval_put(a, map, key, v);
}

void tval_put_bool(struct arena *a, struct tval *map, const char *key, bool b)
{
    struct tval *v = tval_new(a, TV_BOOL);
    v->u.b = b;
    tval_put(a, map, key, v);
}

void tval_push(struct arena *a, struct tval *list, struct tval *item)
{
    assert(list != NULL && list->kind == TV_LIST);
    struct tcell *c = ARENA_NEW(a, struct tcell);
    c->val = item;
    if (list->u.list.tail == NULL)
        list->u.list.head = c;
    else
        list->u.list.tail->next = c;
    list->u.list.tail = c;
}

static bool tval_truthy(const struct tval *v)
{
    if (v == NULL)
        return false;
    switch (v->kind) {
    case TV_STR:
    case TV_HTML:
        return v->u.s[0] != '\0';
    case TV_INT:
        return v->u.i != 0;
    case TV_BOOL:
        return v->u.b;
    case TV_LIST:
        return v->u.list.head != NULL;
    case TV_MAP:
        return true;
    }
    return false;
}

static const struct tval *map_get(const struct tval *map, const char *key, bool *found)
{
    for (const struct tentry *e = map->u.map; e != NULL; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            *found = true;
            return e->val;
        }
    }
    *found = false;
    return NULL;
}

/* ---- compiling ---- */

struct parser {
    struct arena *a;
    const char *file;
    const char *src;
    size_t len;
    size_t line_pos; /* line counting is incremental: positions only move forward */
    int line;
    char *err;
    size_t err_len;
};

struct frame {
    struct node *sec; /* NULL for the file's top level */
    struct node **tail;
    int line;
};

static int line_at(struct parser *p, size_t pos)
{
    for (; p->line_pos < pos; p->line_pos++) {
        if (p->src[p->line_pos] == '\n')
            p->line++;
    }
    return p->line;
}

static int syntax_error(struct parser *p, int line, const char *what, const char *name,
                        size_t name_len)
{
    if (p->err != NULL && p->err_len > 0) {
        if (name != NULL)
            snprintf(p->err, p->err_len, "%s:%d: %s '%.*s'", p->file, line, what,
                     (int)(name_len > 64 ? 64 : name_len), name);
        else
            snprintf(p->err, p->err_len, "%s:%d: %s", p->file, line, what);
    }
    return STET_EINVAL;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* Splits "a.b.c" into segments; "." alone is the current item (no segments). */
static bool parse_name(struct parser *p, const char *s, size_t len, struct node *n)
{
    n->text = arena_strndup(p->a, s, len);
    n->len = len;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!is_name_char(s[i]))
            return false;
    }
    if (len == 1 && s[0] == '.') {
        n->n_segs = 0;
        return true;
    }
    size_t n_segs = 1;
    for (size_t i = 0; i < len; i++)
        n_segs += s[i] == '.';
    n->segs = ARENA_NEW_ARRAY(p->a, const char *, n_segs);
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (i == start)
                return false; /* empty segment: "a..b", ".a", "a." */
            n->segs[k++] = arena_strndup(p->a, s + start, i - start);
            start = i + 1;
        }
    }
    n->n_segs = n_segs;
    return true;
}

static void append(struct frame *f, struct node *n)
{
    *f->tail = n;
    f->tail = &n->next;
}

static void emit_text(struct parser *p, struct frame *f, size_t from, size_t to)
{
    if (to <= from)
        return;
    struct node *n = ARENA_NEW(p->a, struct node);
    n->kind = N_TEXT;
    n->text = arena_strndup(p->a, p->src + from, to - from);
    n->len = to - from;
    append(f, n);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Mustache's standalone rule: a block, close, partial or comment tag alone on its line
 * takes the whole line with it, so templates can be indented without blank output. */
static bool standalone(const struct parser *p, size_t text_start, size_t tag_start, size_t tag_end,
                       size_t *line_start, size_t *after)
{
    size_t i = tag_start;
    while (i > text_start && is_blank(p->src[i - 1]))
        i--;
    if (i > 0 && p->src[i - 1] != '\n')
        return false;
    size_t j = tag_end;
    while (j < p->len && is_blank(p->src[j]))
        j++;
    if (j < p->len) {
        if (p->src[j] == '\n')
            j++;
        else if (p->src[j] == '\r' && j + 1 < p->len && p->src[j + 1] == '\n')
            j += 2;
        else
            return false;
    }
    *line_start = i;
    *after = j;
    return true;
}

static int compile(struct parser *p, struct node **out)
{
    struct frame st[TMPL_MAX_NEST + 1];
    int top = 0;
    size_t pos = 0, text_start = 0;

    *out = NULL;
    st[0].sec = NULL;
    st[0].tail = out;
    st[0].line = 1;
    for (;;) {
        const char *open = memmem(p->src + pos, p->len - pos, "{{", 2);
        if (open == NULL) {
            emit_text(p, &st[top], text_start, p->len);
            break;
        }
        size_t tag_start = (size_t)(open - p->src);
        int line = line_at(p, tag_start);
        bool triple = tag_start + 2 < p->len && p->src[tag_start + 2] == '{';
        size_t inner = tag_start + (triple ? 3 : 2);
        const char *term = triple ? "}}}" : "}}";
        size_t term_len = triple ? 3 : 2;
        const char *close = memmem(p->src + inner, p->len - inner, term, term_len);
        if (close == NULL)
            return syntax_error(p, line, "unterminated tag", NULL, 0);
        size_t tag_end = (size_t)(close - p->src) + term_len;
        const char *c = p->src + inner;
        const char *ce = close;
        char sigil = 0;
        if (!triple && c < ce && strchr("#^/>!&", *c) != NULL)
            sigil = *c++;
        while (c < ce && is_blank(*c))
            c++;
        while (ce > c && is_blank(ce[-1]))
            ce--;
        size_t nlen = (size_t)(ce - c);

        size_t text_end = tag_start, next = tag_end;
        if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '>' || sigil == '!')
            (void)standalone(p, text_start, tag_start, tag_end, &text_end, &next);
        emit_text(p, &st[top], text_start, text_end);
        pos = text_start = next;

        if (sigil == '!')
            continue;
        struct node *n = ARENA_NEW(p->a, struct node);
        if (sigil == '/') {
            if (top == 0)
                return syntax_error(p, line, "close without open section", c, nlen);
            struct node *sec = st[top].sec;
            if (sec->len != nlen || memcmp(sec->text, c, nlen) != 0)
                return syntax_error(p, line, "mismatched close tag, expected", sec->text, sec->len);
            top--;
            continue;
        }
        if (sigil == '>') {
            n->kind = N_PARTIAL;
            if (!parse_name(p, c, nlen, n) || n->n_segs == 0)
                return syntax_error(p, line, "bad partial name", c, nlen);
            append(&st[top], n);
            continue;
        }
        if (!parse_name(p, c, nlen, n)) {
            if (nlen == 0)
                return syntax_error(p, line, "empty tag", NULL, 0);
            return syntax_error(p, line, "unknown tag", p->src + tag_start, tag_end - tag_start);
        }
        if (sigil == '#' || sigil == '^') {
            n->kind = sigil == '#' ? N_SECTION : N_INVERTED;
            if (n->n_segs == 0 && sigil == '^')
                return syntax_error(p, line, "inverted section on '.'", NULL, 0);
            append(&st[top], n);
            if (top == TMPL_MAX_NEST)
                return syntax_error(p, line, "sections nested too deeply", c, nlen);
            top++;
            st[top].sec = n;
            st[top].tail = &n->child;
            st[top].line = line;
            continue;
        }
        n->kind = (triple || sigil == '&') ? N_RAW : N_VAR;
        append(&st[top], n);
    }
    if (top > 0)
        return syntax_error(p, st[top].line, "unclosed section", st[top].sec->text,
                            st[top].sec->len);
    return 0;
}

static const struct tmpl *find_tmpl(const struct tmpl_set *ts, const char *name)
{
    for (size_t i = 0; i < ts->n; i++) {
        if (strcmp(ts->t[i].name, name) == 0)
            return &ts->t[i];
    }
    return NULL;
}

static void link_partials(const struct tmpl_set *ts, struct node *n)
{
    for (; n != NULL; n = n->next) {
        if (n->kind == N_PARTIAL)
            n->partial = find_tmpl(ts, n->text);
        else if (n->kind == N_SECTION || n->kind == N_INVERTED)
            link_partials(ts, n->child);
    }
}

int tmpl_set_new(const struct embedded_file *files, struct tmpl_set **out, char *err,
                 size_t err_len)
{
    struct tmpl_set *ts = xcalloc(1, sizeof(*ts));
    size_t n = 0;
    int rc = 0;

    *out = NULL;
    if (err != NULL && err_len > 0)
        err[0] = '\0';
    while (files[n].name != NULL)
        n++;
    ts->a = arena_new(16384);
    ts->t = ARENA_NEW_ARRAY(ts->a, struct tmpl, n == 0 ? 1 : n);
    for (size_t i = 0; i < n; i++) {
        struct parser p = {
            .a = ts->a,
            .file = files[i].name,
            .src = (const char *)files[i].data,
            .len = files[i].len,
            .line = 1,
            .err = err,
            .err_len = err_len,
        };
        ts->t[i].name = arena_strdup(ts->a, files[i].name);
        rc = compile(&p, &ts->t[i].body);
        if (rc != 0)
            goto out;
        ts->n++;
    }
    for (size_t i = 0; i < ts->n; i++)
        link_partials(ts, ts->t[i].body);
    *out = ts;
    return 0;
out:
    tmpl_set_free(ts);
    return rc;
}

void tmpl_set_free(struct tmpl_set *ts)
{
    if (ts == NULL)
        return;
    arena_free(ts->a);
    free(ts);
}

/* ---- rendering ---- */

struct render {
    struct buf *out;
    const struct tval *scope[TMPL_MAX_SCOPES];
    int n_scope;
    int n_partial;
    size_t steps;
    size_t out_start;
};

static const struct tval *lookup(const struct render *r, const struct node *n)
{
    if (n->n_segs == 0)
        return r->n_scope > 0 ? r->scope[r->n_scope - 1] : NULL;
    const struct tval *v = NULL;
    bool found = false;
    for (int i = r->n_scope - 1; i >= 0 && !found; i--) {
        if (r->scope[i] != NULL && r->scope[i]->kind == TV_MAP)
            v = map_get(r->scope[i], n->segs[0], &found);
    }
    for (size_t k = 1; k < n->n_segs && v != NULL; k++) {
        if (v->kind != TV_MAP)
            return NULL;
        v = map_get(v, n->segs[k], &found);
    }
    return v;
}

static void put_value(struct render *r, const struct tval *v, bool escape)
{
    char num[24];

    if (v == NULL)
        return;
    switch (v->kind) {
    case TV_STR:
        if (escape)
            html_escape(r->out, v->u.s, strlen(v->u.s));
        else
            buf_puts(r->out, v->u.s);
        break;
    case TV_HTML:
        /* Already HTML by the caller's word: escaping it again would only mangle it. */
        buf_puts(r->out, v->u.s);
        break;
    case TV_INT:
        snprintf(num, sizeof(num), "%" PRId64, v->u.i);
        buf_puts(r->out, num);
        break;
    case TV_BOOL:
        buf_puts(r->out, v->u.b ? "true" : "false");
        break;
    case TV_LIST:
    case TV_MAP:
        break;
    }
}

static int render_nodes(struct render *r, const struct node *n);

static int render_scoped(struct render *r, const struct tval *v, const struct node *body)
{
    if (r->n_scope == TMPL_MAX_SCOPES)
        return STET_ELIMIT;
    r->scope[r->n_scope++] = v;
    int rc = render_nodes(r, body);
    r->n_scope--;
    return rc;
}

static int render_nodes(struct render *r, const struct node *n)
{
    int rc;

    for (; n != NULL; n = n->next) {
        const struct tval *v;
        if (++r->steps > TMPL_MAX_STEPS || r->out->len - r->out_start > TMPL_MAX_OUTPUT)
            return STET_ELIMIT;
        switch (n->kind) {
        case N_TEXT:
            buf_append(r->out, n->text, n->len);
            break;
        case N_VAR:
        case N_RAW:
            put_value(r, lookup(r, n), n->kind == N_VAR);
            break;
        case N_SECTION:
            v = lookup(r, n);
            if (!tval_truthy(v))
                break;
            if (v->kind == TV_LIST) {
                for (const struct tcell *c = v->u.list.head; c != NULL; c = c->next) {
                    rc = render_scoped(r, c->val, n->child);
                    if (rc != 0)
                        return rc;
                }
            } else {
                rc = render_scoped(r, v, n->child);
                if (rc != 0)
                    return rc;
            }
            break;
        case N_INVERTED:
            if (!tval_truthy(lookup(r, n))) {
                rc = render_nodes(r, n->child);
                if (rc != 0)
                    return rc;
            }
            break;
        case N_PARTIAL:
            if (n->partial == NULL)
                return STET_ENOTFOUND;
            if (r->n_partial == TMPL_MAX_PARTIAL_DEPTH)
                return STET_ELIMIT;
            r->n_partial++;
            rc = render_nodes(r, n->partial->body);
            r->n_partial--;
            if (rc != 0)
                return rc;
            break;
        }
    }
    return 0;
}

int tmpl_render(const struct tmpl_set *ts, const char *name, const struct tval *ctx,
                struct buf *out)
{
    const struct tmpl *t = find_tmpl(ts, name);
    if (t == NULL)
        return STET_ENOTFOUND;
    struct render r = {.out = out, .out_start = out->len};
    if (ctx != NULL)
        r.scope[r.n_scope++] = ctx;
    return render_nodes(&r, t->body);
}
