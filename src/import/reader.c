/* The shared half of the export readers: the input stream (a file or memory) with
 * its UTF-8 repair, one xmlTextReader per parse with its own error handler, the walk
 * that hands elements to a format's handlers and text to the value being collected,
 * and the value, date and link helpers both formats use. */
#include "import/reader.h"

#include "import/xmlchar.h"

#include "base/str.h"
#include "base/timefmt.h"
#include "base/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* No network, no external DTD or entity (neither XML_PARSE_DTDLOAD nor
 * XML_PARSE_NOENT: an entity reference is never replaced by what it names), and
 * libxml2's default bounds kept (no XML_PARSE_HUGE: a text node over 10 MB or a name
 * over 50 KB stops the parse, and entity amplification is refused). */
#define IMPORT_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_COMPACT | XML_PARSE_NOBLANKS)

/* Bytes read from the file at a time. The repaired copy can be three times longer:
 * each invalid byte becomes U+FFFD. */
#define IN_CHUNK (64 * 1024)
#define IN_OUT   (3 * (IN_CHUNK + 4))

static const char wp_ns_prefix[] = "http://wordpress.org/export/";
static const char dsq_ns[] = "http://disqus.com/disqus-internals";

/* The input as libxml2 pulls it: raw bytes, and, unless the file declares another
 * encoding, the same bytes with invalid UTF-8 and the control characters XML forbids
 * replaced by U+FFFD, since real exports carry both and libxml2 stops at either. */
struct import_in {
    int fd; /* -1: read from mem */
    const char *mem;
    size_t mem_len, mem_pos;
    bool sniffed, repair, eof;
    int read_errno;
    uint64_t total; /* raw bytes read */
    uint64_t lines; /* line breaks read, for the "truncated?" hint */
    uint64_t *n_repaired;
    unsigned char raw[IN_CHUNK + 4];
    size_t raw_len; /* a carried incomplete sequence, then what the next read adds */
    char out[IN_OUT];
    size_t out_len, out_pos;
};

/* Reads until `want` bytes or the end; 0 or -1 with errno. */
static ssize_t in_read_raw(struct import_in *in, unsigned char *dst, size_t want)
{
    size_t got = 0;

    if (in->fd < 0) {
        size_t n = in->mem_len - in->mem_pos;
        if (n > want)
            n = want;
        memcpy(dst, in->mem + in->mem_pos, n);
        in->mem_pos += n;
        return (ssize_t)n;
    }
    while (got < want) {
        ssize_t n = read(in->fd, dst + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Repair applies to UTF-8 only: a file that starts with a UTF-16 byte order mark or
 * a NUL byte, or declares another encoding, reaches libxml2 as it is. */
static bool wants_repair(const unsigned char *p, size_t n)
{
    if (n >= 2 && ((p[0] == 0xFE && p[1] == 0xFF) || (p[0] == 0xFF && p[1] == 0xFE) || p[0] == 0 ||
                   p[1] == 0))
        return false;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3;
        n -= 3;
    }
    if (n < 5 || memcmp(p, "<?xml", 5) != 0)
        return true;
    const unsigned char *end = memmem(p, n, "?>", 2);
    size_t decl_len = end != NULL ? (size_t)(end - p) : n;
    const unsigned char *enc = memmem(p, decl_len, "encoding", 8);
    if (enc == NULL)
        return true;
    const unsigned char *q = enc + 8, *stop = p + decl_len;
    while (q < stop && (*q == ' ' || *q == '=' || *q == '\t' || *q == '\r' || *q == '\n'))
        q++;
    if (q >= stop || (*q != '"' && *q != '\''))
        return true;
    q++;
    size_t vlen = 0;
    while (q + vlen < stop && q[vlen] != '"' && q[vlen] != '\'')
        vlen++;
    return (vlen == 5 && strncasecmp((const char *)q, "utf-8", 5) == 0) ||
           (vlen == 4 && strncasecmp((const char *)q, "utf8", 4) == 0) ||
           (vlen == 8 && strncasecmp((const char *)q, "us-ascii", 8) == 0);
}

static void put_replacement(struct import_in *in)
{
    memcpy(in->out + in->out_len, IMPORT_REPLACEMENT, 3);
    in->out_len += 3;
    (*in->n_repaired)++;
}

/* True when all eight bytes of w are printable ASCII (0x20 to 0x7F): no high bit, and
 * no byte below 0x20 (the borrow test of "Bit Twiddling Hacks", exact for bytes
 * without the high bit). */
static bool ascii_run(uint64_t w)
{
    const uint64_t high = 0x8080808080808080u, spaces = 0x2020202020202020u;
    return (w & high) == 0 && ((w - spaces) & ~w & high) == 0;
}

/* Moves in->raw into in->out, repaired; keeps a trailing incomplete sequence for the
 * next read unless this is the end of the file. Valid runs are copied whole: printable
 * ASCII, nearly all of an export, is passed eight bytes at a time. */
static void repair_chunk(struct import_in *in)
{
    const unsigned char *p = in->raw;
    size_t i = 0, run = 0, len = in->raw_len;

    while (i < len) {
        uint64_t w;
        if (i + 8 <= len && (memcpy(&w, p + i, 8), ascii_run(w))) {
            i += 8;
            continue;
        }
        if (p[i] >= 0x20 && p[i] < 0x80) {
            i++;
            continue;
        }
        int n = import_xml_char_len(p + i, len - i);
        if (n > 0) {
            i += (size_t)n;
            continue;
        }
        memcpy(in->out + in->out_len, p + run, i - run);
        in->out_len += i - run;
        if (n < 0 && !in->eof) {
            run = i;
            break;
        }
        put_replacement(in);
        run = ++i;
    }
    if (i == len) {
        memcpy(in->out + in->out_len, p + run, len - run);
        in->out_len += len - run;
        run = len;
    }
    memmove(in->raw, in->raw + run, len - run);
    in->raw_len = len - run;
}

static int in_fill(struct import_in *in)
{
    ssize_t n = in_read_raw(in, in->raw + in->raw_len, IN_CHUNK);
    if (n < 0) {
        in->read_errno = errno;
        return -1;
    }
    in->eof = n == 0;
    in->total += (uint64_t)n;
    for (const unsigned char *p = in->raw + in->raw_len, *end = p + n;
         (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        in->lines++;
    in->raw_len += (size_t)n;
    if (!in->sniffed) {
        in->sniffed = true;
        in->repair = wants_repair(in->raw, in->raw_len);
    }
    in->out_len = in->out_pos = 0;
    if (in->repair) {
        repair_chunk(in);
    } else {
        memcpy(in->out, in->raw, in->raw_len);
        in->out_len = in->raw_len;
        in->raw_len = 0;
    }
    return 0;
}

/* libxml2's xmlInputReadCallback. */
static int in_read(void *ctx, char *dst, int len)
{
    struct import_in *in = ctx;

    while (in->out_pos == in->out_len) {
        if (in->eof)
            return 0;
        if (in_fill(in) != 0)
            return -1;
    }
    size_t n = in->out_len - in->out_pos;
    if (n > (size_t)len)
        n = (size_t)len;
    memcpy(dst, in->out + in->out_pos, n);
    in->out_pos += n;
    return (int)n;
}

/* libxml2 2.12 made the error const; both signatures are met. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_arg;
#else
typedef xmlError *xml_error_arg;
#endif

/* The first fatal error libxml2 reports (later ones follow from it), or the first
 * error when none is fatal. Warnings and recoverable errors (an undeclared namespace
 * prefix) do not stop the reader and are not reported. */
struct xml_failure {
    int code, level, line;
    char message[IMPORT_ERR_MAX];
};

struct run_private {
    struct import_run run;
    struct import_in *in;
    struct xml_failure xf;
};

static void on_xml_error(void *ctx, xml_error_arg e)
{
    struct xml_failure *xf = ctx;

    if (e->level < XML_ERR_ERROR)
        return;
    if (xf->code != 0 && !(e->level == XML_ERR_FATAL && xf->level != XML_ERR_FATAL))
        return;
    xf->code = e->code;
    xf->level = e->level;
    xf->line = e->line;
    /* libxml2's message ends with a line break and sometimes a second line of bytes
     * in hex; the first line is the sentence. */
    const char *m = e->message != NULL ? e->message : "XML error";
    size_t n = strcspn(m, "\n");
    while (n > 0 && m[n - 1] == ' ')
        n--;
    snprintf(xf->message, sizeof(xf->message), "%.*s", (int)n, m);
}

static void set_err(struct import_error *err, int line, const char *message)
{
    err->line = line;
    snprintf(err->message, sizeof(err->message), "%s", message);
}

/* libxml2's sentence, made plain where it misleads: a truncated export is reported
 * as "Extra content at the end of the document", a text file as "Document is
 * empty". */
static int xml_fail(struct run_private *p)
{
    struct xml_failure *xf = &p->xf;
    struct import_error *err = p->run.err;
    char msg[IMPORT_ERR_MAX];
    int line = xf->line > 0 ? xf->line : xmlTextReaderGetParserLineNumber(p->run.reader);

    if (p->in->total == 0) {
        set_err(err, 1, "the file is empty");
    } else if (xf->code == XML_ERR_DOCUMENT_EMPTY) {
        set_err(err, line, "not an XML file (no element where the document should start)");
    } else if (xf->code == XML_ERR_DOCUMENT_END && !p->run.root_closed && p->in->eof) {
        set_err(err, line, "the file ends before the export does (is it truncated?)");
    } else if (xf->code == XML_ERR_DOCUMENT_END) {
        set_err(err, line, "content after the end of the export's root element");
    } else if (strstr(xf->message, "huge text node") != NULL) {
        /* libxml2 without XML_PARSE_HUGE holds no text node over 10,000,000 bytes;
         * it calls this running out of memory. */
        set_err(err, line, "a value longer than 10 MB (libxml2's limit for one text)");
    } else if (xf->code != 0 && p->in->eof && (uint64_t)line >= p->in->lines) {
        snprintf(msg, sizeof(msg), "%.200s, at the end of the file (is it truncated?)",
                 xf->message);
        set_err(err, line, msg);
    } else if (xf->code != 0) {
        set_err(err, line, xf->message);
    } else {
        set_err(err, line, "the XML reader failed");
    }
    return STET_EBADREQ;
}

int import_run_fail(struct import_run *run, const char *message)
{
    /* The line of the node the reader is on: the parser itself may be lines ahead. */
    xmlNodePtr node = xmlTextReaderCurrentNode(run->reader);
    long line = node != NULL ? xmlGetLineNo(node) : -1;
    if (line <= 0)
        line = xmlTextReaderGetParserLineNumber(run->reader);
    set_err(run->err, (int)line, message);
    return STET_EBADREQ;
}

void import_run_progress(struct import_run *run)
{
    long consumed = xmlTextReaderByteConsumed(run->reader);
    if (consumed < 0 || run->sink->on_progress == NULL)
        return;
    if ((uint64_t)consumed - run->last_progress < IMPORT_PROGRESS_STEP &&
        (uint64_t)consumed >= run->last_progress)
        return;
    run->last_progress = (uint64_t)consumed;
    run->sink->on_progress(run->sink->ctx, (uint64_t)consumed);
}

static enum import_ns classify_ns(const xmlChar *uri)
{
    if (uri == NULL || uri[0] == '\0')
        return IMPORT_NS_NONE;
    if (strncmp((const char *)uri, wp_ns_prefix, sizeof(wp_ns_prefix) - 1) == 0)
        return IMPORT_NS_WP;
    if (strcmp((const char *)uri, dsq_ns) == 0)
        return IMPORT_NS_DSQ;
    return IMPORT_NS_OTHER;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void field_append(struct import_field *f, const char *s, size_t n)
{
    /* Room for max bytes plus the rest of the character that crosses the limit, so
     * a shortened value can end on a character boundary. */
    size_t keep = f->max + 4;

    if (f->text.len == 0) {
        while (n > 0 && is_ws(*s)) {
            s++;
            n--;
        }
    }
    if (f->text.len + n > f->max)
        f->over = true;
    if (f->text.len >= keep)
        return;
    if (n > keep - f->text.len)
        n = keep - f->text.len;
    buf_append(&f->text, s, n);
}

void import_field_reset(struct import_field *f)
{
    buf_reset(&f->text);
    f->seen = false;
    f->over = false;
}

void import_field_begin(struct import_run *run, struct import_field *f, int depth)
{
    import_field_reset(f);
    f->seen = true;
    run->field = f;
    run->field_depth = depth;
}

void import_field_end(struct import_run *run, int depth)
{
    if (run->field != NULL && depth == run->field_depth)
        run->field = NULL;
}

static size_t trimmed_len(const struct import_field *f)
{
    size_t n = f->text.len;
    while (n > 0 && is_ws(f->text.data[n - 1]))
        n--;
    return n;
}

const char *import_field_value(struct import_run *run, struct arena *a,
                               const struct import_field *f, bool *skip)
{
    if (!f->seen || f->text.len == 0)
        return "";
    if (!f->over)
        return arena_strndup(a, f->text.data, trimmed_len(f));
    switch (f->over_policy) {
    case IMPORT_OVER_SKIP:
        *skip = true;
        return "";
    case IMPORT_OVER_DROP:
        run->stats->n_fields_dropped++;
        return "";
    case IMPORT_OVER_SHORTEN:
        break;
    }
    /* The text is valid UTF-8 (libxml2 checked it): back up to a lead byte. */
    size_t n = f->max;
    while (n > 0 && ((unsigned char)f->text.data[n] & 0xC0) == 0x80)
        n--;
    run->stats->n_truncated++;
    while (n > 0 && is_ws(f->text.data[n - 1]))
        n--;
    return arena_strndup(a, f->text.data, n);
}

const char *import_field_word(struct import_field *f)
{
    if (!f->seen || f->over || f->text.len == 0)
        return "";
    f->text.len = trimmed_len(f);
    f->text.data[f->text.len] = '\0';
    return f->text.data;
}

const char *import_attr_id(struct import_run *run, struct arena *a, enum import_ns ns,
                           const char *name, bool *skip)
{
    xmlChar *v = NULL;

    if (ns == IMPORT_NS_DSQ) {
        v = xmlTextReaderGetAttributeNs(run->reader, (const xmlChar *)name,
                                        (const xmlChar *)dsq_ns);
        /* An export that forgot to declare the prefix still says what it means. */
        if (v == NULL) {
            char qname[64];
            snprintf(qname, sizeof(qname), "dsq:%s", name);
            v = xmlTextReaderGetAttribute(run->reader, (const xmlChar *)qname);
        }
    } else {
        v = xmlTextReaderGetAttribute(run->reader, (const xmlChar *)name);
    }
    if (v == NULL)
        return "";
    struct str s = str_trim(str_from((const char *)v));
    const char *out = "";
    if (s.len > IMPORT_MAX_ID)
        *skip = true;
    else
        out = arena_strndup(a, s.ptr, s.len);
    xmlFree(v);
    return out;
}

bool import_declares_ns(struct import_run *run, const char *prefix)
{
    bool found = false;

    if (xmlTextReaderMoveToFirstAttribute(run->reader) != 1)
        return false;
    do {
        const xmlChar *v = xmlTextReaderConstValue(run->reader);
        if (xmlTextReaderIsNamespaceDecl(run->reader) == 1 && v != NULL &&
            strncmp((const char *)v, prefix, strlen(prefix)) == 0)
            found = true;
    } while (!found && xmlTextReaderMoveToNextAttribute(run->reader) == 1);
    (void)xmlTextReaderMoveToElement(run->reader);
    return found;
}

bool import_parse_flag(const char *s)
{
    return strcasecmp(s, "true") == 0;
}

int import_parse_date(const char *s, int64_t *out)
{
    char iso[24];
    size_t n = strlen(s);

    /* WordPress writes "YYYY-MM-DD HH:MM:SS"; an offset-less ISO time is read as UTC
     * too, since both formats keep UTC. */
    if (n == 19 && (s[10] == ' ' || s[10] == 'T')) {
        memcpy(iso, s, 19);
        iso[10] = 'T';
        iso[19] = 'Z';
        iso[20] = '\0';
        s = iso;
        n = 20;
    }
    return time_parse_iso((struct str){s, n}, out);
}

/* True when a query string holds WordPress's plain-permalink key (p=, page_id=). */
static bool has_wp_query_id(const char *q, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && q[end] != '&' && q[end] != ';')
            end++;
        if ((end - i > 2 && strncmp(q + i, "p=", 2) == 0) ||
            (end - i > 8 && strncmp(q + i, "page_id=", 8) == 0))
            return true;
        i = end + 1;
    }
    return false;
}

const char *import_link_path(struct import_run *run, struct arena *a, const char *link)
{
    const char *p = link;
    const char *scheme_end = strstr(link, "://");

    if (scheme_end != NULL) {
        p = scheme_end + 3;
        p += strcspn(p, "/?#");
    } else if (link[0] != '/') {
        return "";
    }
    size_t path_len = strcspn(p, "?#");
    if (p[path_len] == '?') {
        const char *q = p + path_len + 1;
        if (has_wp_query_id(q, strcspn(q, "#"))) {
            run->stats->n_query_links++;
            return "";
        }
    }
    if (path_len == 0)
        return "/";
    return arena_strndup(a, p, path_len);
}

static bool is_text(int type)
{
    return type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
           type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

static int element(struct import_run *run, const struct import_format_ops *ops, bool is_end)
{
    xmlTextReaderPtr r = run->reader;
    int depth = xmlTextReaderDepth(r);
    const char *name = (const char *)xmlTextReaderConstLocalName(r);
    /* The node's own namespace, read from it: xmlTextReaderConstNamespaceUri would
     * look the URI up in the reader's dictionary at every element, a tenth of a
     * parse. */
    xmlNodePtr node = xmlTextReaderCurrentNode(r);
    enum import_ns ns = classify_ns(node != NULL && node->ns != NULL ? node->ns->href : NULL);
    int rc;

    if (!is_end) {
        rc = ops->on_start(run, depth, name, ns);
        if (rc != 0 || xmlTextReaderIsEmptyElement(r) != 1)
            return rc;
    }
    rc = ops->on_end(run, depth, name, ns);
    if (depth == 0)
        run->root_closed = true;
    if (depth <= 2)
        import_run_progress(run);
    return rc;
}

static int walk(struct run_private *p, const struct import_format_ops *ops)
{
    struct import_run *run = &p->run;
    int rc;

    while ((rc = xmlTextReaderRead(run->reader)) == 1) {
        int type = xmlTextReaderNodeType(run->reader);
        if (type == XML_READER_TYPE_ELEMENT || type == XML_READER_TYPE_END_ELEMENT) {
            rc = element(run, ops, type == XML_READER_TYPE_END_ELEMENT);
            if (rc != 0)
                return rc;
        } else if (is_text(type) && run->field != NULL) {
            const char *v = (const char *)xmlTextReaderConstValue(run->reader);
            if (v != NULL)
                field_append(run->field, v, strlen(v));
        } else if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            /* No export has one; refusing it keeps declared entities out entirely. */
            return import_run_fail(run, "a document type declaration (<!DOCTYPE>) has no "
                                        "place in an export");
        }
    }
    return rc < 0 ? xml_fail(p) : 0;
}

static void read_fail(struct import_error *err, const char *what, int errnum)
{
    char buf[128];
    char msg[IMPORT_ERR_MAX];
    snprintf(msg, sizeof(msg), "%s: %s", what, strerror_r(errnum, buf, sizeof(buf)));
    set_err(err, 0, msg);
}

static int parse(enum import_format format, struct import_in *in, const char *name,
                 const struct import_sink *sink, struct import_stats *stats,
                 struct import_error *err)
{
    struct run_private p = {.in = in};
    int rc;

    import_xml_init();
    memset(stats, 0, sizeof(*stats));
    memset(err, 0, sizeof(*err));
    in->n_repaired = &stats->n_bytes_repaired;
    in->lines = 1;
    p.run.sink = sink;
    p.run.stats = stats;
    p.run.err = err;
    p.run.reader = xmlReaderForIO(in_read, NULL, in, name, NULL, IMPORT_XML_OPTIONS);
    if (p.run.reader == NULL) {
        if (in->read_errno != 0) {
            read_fail(err, "cannot read the file", in->read_errno);
            return STET_EIO;
        }
        set_err(err, 1, in->total == 0 ? "the file is empty" : "not an XML file");
        return STET_EBADREQ;
    }
    xmlTextReaderSetStructuredErrorHandler(p.run.reader, on_xml_error, &p.xf);
    if (format == IMPORT_DISQUS) {
        import_disqus_init(&p.run);
        rc = walk(&p, &import_disqus_ops);
        import_disqus_cleanup(&p.run);
    } else {
        import_wxr_init(&p.run);
        rc = walk(&p, &import_wxr_ops);
        import_wxr_cleanup(&p.run);
    }
    stats->n_bytes = in->total;
    if (rc == 0 && sink->on_progress != NULL)
        sink->on_progress(sink->ctx, in->total);
    xmlFreeTextReader(p.run.reader);
    if (in->read_errno != 0) {
        read_fail(err, "cannot read the file", in->read_errno);
        return STET_EIO;
    }
    return rc;
}

int import_parse_file(enum import_format format, const char *path, const struct import_sink *sink,
                      struct import_stats *stats, struct import_error *err)
{
    struct import_in *in = xcalloc(1, sizeof(*in));
    int rc;

    in->fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        memset(stats, 0, sizeof(*stats));
        read_fail(err, "cannot open the file", errno);
        free(in);
        return STET_EIO;
    }
    rc = parse(format, in, path, sink, stats, err);
    if (in->fd != STDIN_FILENO)
        close(in->fd);
    free(in);
    return rc;
}

int import_parse_mem(enum import_format format, const char *data, size_t len,
                     const struct import_sink *sink, struct import_stats *stats,
                     struct import_error *err)
{
    struct import_in *in = xcalloc(1, sizeof(*in));
    in->fd = -1;
    in->mem = data;
    in->mem_len = len;
    int rc = parse(format, in, "memory", sink, stats, err);
    free(in);
    return rc;
}

const char *import_format_name(enum import_format format)
{
    return format == IMPORT_DISQUS ? "disqus" : "wordpress";
}
