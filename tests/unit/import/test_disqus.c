/* The Disqus reader over fixtures: exact records in file order (a reply before its
 * thread, replies four deep, a missing parent, spam, deleted, an empty body, CDATA
 * and escaped HTML, non-ASCII text, white space around values), what it skips and
 * counts, repaired UTF-8, named limits, and the files that must stop it with a line:
 * truncated, not XML, the wrong format, a DOCTYPE. No case writes to stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "import/import.h"
#include "record_dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char expected_records[] =
    "P 101/2005 parent= approved comment kind= at=2015-06-01T10:00:00Z name=Early "
    "email=early@example.org user=early url= ip= uid= anon=0 body=<p>Early bird</p>\n"
    "T 101 ident=story-one slug= "
    "link=https://news.example.org/2015/06/story-one/?utm_source=x#comments "
    "path=/2015/06/story-one/ title=Story one: ünïcödé & entities status= type= "
    "at=2015-06-01T09:00:00Z closed=1 deleted=0\n"
    "T 102 ident=102 https://news.example.org/?p=102 slug= link=https://news.example.org/?p=102 "
    "path= title=Query link status= type= at=2015-06-30T22:00:00Z closed=0 deleted=1\n"
    "P 101/2001 parent= approved comment kind= at=2015-06-01T11:00:00Z name=Zoë Ångström 山田 "
    "email=zoe@example.org user=zoe url= ip=192.0.2.1 uid= anon=0 body=<p>Top level, <b>bold</b> "
    "&amp; <a href=\"http://example.com/a?b=1&amp;c=2\" onclick=\"steal()\">a "
    "link</a></p><script>alert(1)</script>\n"
    "P 101/2002 parent=2001 approved comment kind= at=2015-06-01T12:00:00Z name=Bob email= user= "
    "url= ip= uid= anon=1 body=<p>Reply (escaped HTML, no CDATA)</p>\n"
    "P 101/2003 parent=2002 approved comment kind= at=2015-06-01T13:00:00Z name=Carol email= user= "
    "url= ip= uid= anon=0 body=<p>Level three</p>\n"
    "P 101/2004 parent=2003 approved comment kind= at=2015-06-01T14:00:00Z name=Dave email= user= "
    "url= ip= uid= anon=0 body=<p>Level four</p>\n"
    "P 101/2006 parent=999999 approved comment kind= at=0 name=Eve email= user= url= ip= uid= "
    "anon=0 body=<p>Parent gone</p>\n"
    "P 102/2007 parent= spam comment kind= at=2015-06-02T00:00:00Z name=Spammer email= user= url= "
    "ip= uid= anon=0 body=Buy <a href=\"javascript:alert(1)\">cheap</a> pills\n"
    "P 102/2008 parent= deleted comment kind= at=2015-06-03T00:00:00Z name=Frank email= user= url= "
    "ip= uid= anon=0 body=<p>Regretted</p>\n"
    "P 102/2009 parent= approved comment kind= at=2015-06-04T00:00:00Z name=Grace email= user= "
    "url= ip= uid= anon=0 body=\n"
    "P 555/2010 parent= approved comment kind= at=2015-06-05T00:00:00Z name=Heidi email= user= "
    "url= ip= uid= anon=0 body=<p>In a thread that is not in the file</p>\n";

static void fixture_records_in_file_order(void **state)
{
    struct buf out = BUF_INIT;
    struct import_stats st;
    struct import_error err;
    (void)state;

    assert_int_equal(record_dump_fixture(IMPORT_DISQUS, "disqus.xml", &out, &st, &err), 0);
    assert_string_equal(buf_cstr(&out), expected_records);
    assert_int_equal(st.n_threads, 2);
    assert_int_equal(st.n_posts, 10);
    assert_int_equal(st.n_categories, 1);
    assert_int_equal(st.n_threads_unlinked, 1); /* 103: empty <id>, empty <link> */
    assert_int_equal(st.n_threads_no_id, 1);
    assert_int_equal(st.n_posts_no_id, 1);
    assert_int_equal(st.n_posts_no_thread, 1); /* 2011 */
    assert_int_equal(st.n_posts_empty, 1);     /* 2009 */
    assert_int_equal(st.n_bad_dates, 1);       /* 2006: "not a date" */
    assert_int_equal(st.n_query_links, 1);     /* 102: /?p=102 */
    assert_int_equal(st.n_bytes_repaired, 0);
    assert_int_equal(st.n_oversize, 0);
    assert_int_equal(st.n_bytes, 5052);
    assert_int_equal(err.line, 0);
    buf_cleanup(&out);
}

static void invalid_utf8_is_repaired(void **state)
{
    struct buf out = BUF_INIT;
    struct import_stats st;
    struct import_error err;
    (void)state;

    assert_int_equal(record_dump_fixture(IMPORT_DISQUS, "disqus-bad-utf8.xml", &out, &st, &err), 0);
    /* 0xFF, 0xC3 before "(", the control 0x01, the cut-off E2 82 (two bytes that
     * begin no character once "]" follows) and Latin-1's 0xE9 in "René". */
    assert_string_equal(buf_cstr(&out),
                        "T 1 ident=a slug= link=https://news.example.org/a/ path=/a/ title= "
                        "status= type= at=0 closed=0 deleted=0\n"
                        "P 1/5 parent= approved comment kind= at=0 name=Ren\xEF\xBF\xBD email= "
                        "user= url= ip= uid= anon=0 body=<p>Bad \xEF\xBF\xBD bytes \xEF\xBF\xBD( "
                        "and a \xEF\xBF\xBD control, cut \xEF\xBF\xBD\xEF\xBF\xBD\n");
    assert_int_equal(st.n_bytes_repaired, 6);
    buf_cleanup(&out);
}

/* A document whose 3-byte euro sign straddles the reader's 64 KiB chunks, and one
 * whose last character is cut off by the end of the file. */
static void repair_across_chunks(void **state)
{
    struct buf doc = BUF_INIT, out = BUF_INIT;
    struct import_sink sink = record_dump_sink(&out);
    struct import_stats st;
    struct import_error err;
    (void)state;

    buf_puts(&doc, "<disqus xmlns:dsq=\"http://disqus.com/disqus-internals\"><post dsq:id=\"1\">"
                   "<thread dsq:id=\"t\"/><message>");
    while (doc.len < 65536 - 1)
        buf_putc(&doc, 'x');
    buf_puts(&doc, "\xE2\x82\xAC</message></post></disqus>");
    assert_int_equal(import_parse_mem(IMPORT_DISQUS, doc.data, doc.len, &sink, &st, &err), 0);
    assert_int_equal(st.n_posts, 1);
    assert_int_equal(st.n_bytes_repaired, 0);
    assert_non_null(strstr(buf_cstr(&out), "x\xE2\x82\xAC\n"));

    buf_reset(&out);
    const char cut[] = "<disqus/>\xE2\x82";
    assert_int_equal(import_parse_mem(IMPORT_DISQUS, cut, sizeof(cut) - 1, &sink, &st, &err),
                     STET_EBADREQ);
    assert_int_equal(st.n_bytes_repaired, 2);
    buf_cleanup(&doc);
    buf_cleanup(&out);
}

static void expect_failure(enum import_format format, const char *fixture, int line,
                           const char *message)
{
    struct buf out = BUF_INIT;
    struct import_stats st;
    struct import_error err;

    assert_int_equal(record_dump_fixture(format, fixture, &out, &st, &err), STET_EBADREQ);
    assert_int_equal(err.line, line);
    assert_string_equal(err.message, message);
    buf_cleanup(&out);
}

static void truncated_file_stops_with_its_last_line(void **state)
{
    (void)state;
    expect_failure(IMPORT_DISQUS, "disqus-truncated.xml", 39,
                   "the file ends before the export does (is it truncated?)");
}

static void not_xml_stops_at_line_one(void **state)
{
    (void)state;
    expect_failure(IMPORT_DISQUS, "not-xml.csv", 1,
                   "not an XML file (no element where the document should start)");
}

static void wrong_format_names_its_root(void **state)
{
    (void)state;
    /* The line where the root's start tag ends. */
    expect_failure(IMPORT_DISQUS, "wxr.xml", 8,
                   "not a Disqus export: the root element is <rss>, not <disqus>");
}

static int parse_text(const char *doc, struct buf *out, struct import_stats *st,
                      struct import_error *err)
{
    struct import_sink sink = record_dump_sink(out);
    return import_parse_mem(IMPORT_DISQUS, doc, strlen(doc), &sink, st, err);
}

static void empty_and_malformed_files(void **state)
{
    struct buf out = BUF_INIT;
    struct import_stats st;
    struct import_error err;
    (void)state;

    assert_int_equal(parse_text("", &out, &st, &err), STET_EBADREQ);
    assert_string_equal(err.message, "the file is empty");
    assert_int_equal(parse_text("<disqus>\n<post>\n</thread>\n</disqus>\n", &out, &st, &err),
                     STET_EBADREQ);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.message, "Opening and ending tag mismatch: post line 2 and thread");
    assert_int_equal(parse_text("<disqus/>\n<disqus/>\n", &out, &st, &err), STET_EBADREQ);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.message, "content after the end of the export's root element");
    buf_cleanup(&out);
}

/* Entities are never expanded: a document type declaration is refused outright,
 * before or after libxml2's own amplification guard trips. */
static void doctype_is_refused(void **state)
{
    struct buf out = BUF_INIT;
    struct import_stats st;
    struct import_error err;
    (void)state;

    assert_int_equal(parse_text("<!DOCTYPE disqus [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                                "<disqus><post><message>&x;</message></post></disqus>",
                                &out, &st, &err),
                     STET_EBADREQ);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.message,
                        "a document type declaration (<!DOCTYPE>) has no place in an export");
    assert_int_equal(st.n_posts, 0);

    struct buf laughs = BUF_INIT;
    buf_puts(&laughs, "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaaaaaaaa\">");
    for (char c = 'b'; c <= 'k'; c++)
        buf_printf(&laughs, "<!ENTITY %c \"&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;\">", c, c - 1, c - 1,
                   c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
    buf_puts(&laughs, "]><disqus a=\"&k;\">&k;</disqus>");
    assert_int_equal(parse_text(buf_cstr(&laughs), &out, &st, &err), STET_EBADREQ);
    assert_string_equal(buf_cstr(&out), "");
    buf_cleanup(&laughs);
    buf_cleanup(&out);
}

static void repeat(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_puts(b, s);
}

/* Each limit with its rule: a body or an id over it skips the record, a title or a
 * name is cut at a character boundary, an e-mail is left out. */
static void values_over_their_limits(void **state)
{
    struct buf doc = BUF_INIT, out = BUF_INIT;
    struct import_stats st;
    struct import_error err;
    (void)state;

    buf_puts(&doc, "<disqus xmlns:dsq=\"http://disqus.com/disqus-internals\">"
                   "<thread dsq:id=\"t\"><link>https://x.example/a/</link><title>a");
    repeat(&doc, "\xC3\xA9", IMPORT_MAX_TITLE); /* é: 2 bytes, the cut falls inside one */
    buf_puts(&doc, "</title></thread><post dsq:id=\"big\"><thread dsq:id=\"t\"/><message>");
    repeat(&doc, "x", IMPORT_MAX_BODY + 1);
    buf_puts(&doc, "</message></post><post dsq:id=\"");
    repeat(&doc, "9", IMPORT_MAX_ID + 1);
    buf_puts(&doc, "\"><thread dsq:id=\"t\"/></post><post dsq:id=\"ok\"><thread dsq:id=\"t\"/>"
                   "<message>");
    repeat(&doc, "y", IMPORT_MAX_BODY);
    buf_puts(&doc, "</message><author><email>");
    repeat(&doc, "e", IMPORT_MAX_EMAIL + 1);
    buf_puts(&doc, "</email><name>");
    repeat(&doc, "n", IMPORT_MAX_NAME + 10);
    buf_puts(&doc, "</name></author></post></disqus>");

    assert_int_equal(parse_text(buf_cstr(&doc), &out, &st, &err), 0);
    assert_int_equal(st.n_threads, 1);
    assert_int_equal(st.n_posts, 1);
    assert_int_equal(st.n_oversize, 2);
    assert_int_equal(st.n_truncated, 2);
    assert_int_equal(st.n_fields_dropped, 1);
    const char *title = strstr(buf_cstr(&out), "title=a\xC3\xA9");
    assert_non_null(title);
    /* "a" and 511 whole "é" fit in 1024 bytes; the 512th would cross it. */
    assert_int_equal(strcspn(title + 6, " "), 1 + 511 * 2);
    assert_non_null(strstr(buf_cstr(&out), " email= "));
    buf_cleanup(&doc);
    buf_cleanup(&out);
}

/* libxml2's own bound on one text node (10 MB) stops the parse; memory stays within
 * a few times that, whatever follows. */
static void huge_text_node_stops_the_parse(void **state)
{
    struct buf doc = BUF_INIT, out = BUF_INIT;
    struct import_stats st;
    struct import_error err;
    (void)state;

    buf_puts(&doc, "<disqus xmlns:dsq=\"http://disqus.com/disqus-internals\">\n<post dsq:id=\"1\">"
                   "<thread dsq:id=\"t\"/><message>");
    repeat(&doc, "x", 10 * 1000 * 1000 + 1);
    buf_puts(&doc, "</message></post></disqus>");
    assert_int_equal(parse_text(buf_cstr(&doc), &out, &st, &err), STET_EBADREQ);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.message, "a value longer than 10 MB (libxml2's limit for one text)");
    assert_int_equal(st.n_posts, 0);
    buf_cleanup(&doc);
    buf_cleanup(&out);
}

struct stop_ctx {
    int n_posts;
    struct import_post *kept;
    struct arena *kept_arena;
    uint64_t last_progress;
    int n_progress;
};

static int stop_on_second(void *ctx, struct import_post *p)
{
    struct stop_ctx *c = ctx;
    (void)p;
    return ++c->n_posts == 2 ? STET_EIO : 0;
}

static int ignore_thread(void *ctx, struct import_thread *t)
{
    (void)ctx;
    (void)t;
    return 0;
}

static void callback_error_stops_the_parse(void **state)
{
    struct stop_ctx c = {0};
    struct import_sink sink = {&c, ignore_thread, stop_on_second, NULL};
    struct import_stats st;
    struct import_error err;
    (void)state;

    assert_int_equal(import_parse_file(IMPORT_DISQUS, FIXTURE_DIR "/disqus.xml", &sink, &st, &err),
                     STET_EIO);
    assert_int_equal(c.n_posts, 2);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.message, "");
}

/* The callback may keep a record past its call by taking its arena. */
static int keep_first(void *ctx, struct import_post *p)
{
    struct stop_ctx *c = ctx;
    if (c->kept == NULL) {
        c->kept = p;
        c->kept_arena = p->arena;
        p->arena = NULL;
    }
    return 0;
}

static void on_progress(void *ctx, uint64_t bytes)
{
    struct stop_ctx *c = ctx;
    assert_true(bytes >= c->last_progress);
    c->last_progress = bytes;
    c->n_progress++;
}

static void kept_record_outlives_the_parse(void **state)
{
    struct stop_ctx c = {0};
    struct import_sink sink = {&c, ignore_thread, keep_first, on_progress};
    struct import_stats st;
    struct import_error err;
    (void)state;

    assert_int_equal(import_parse_file(IMPORT_DISQUS, FIXTURE_DIR "/disqus.xml", &sink, &st, &err),
                     0);
    assert_non_null(c.kept);
    assert_string_equal(c.kept->source_id, "2005");
    assert_string_equal(c.kept->author_email, "early@example.org");
    /* The kept record's arena is the caller's to free (ASan: once, and not leaked). */
    arena_free(c.kept_arena);
    assert_int_equal(c.last_progress, 5052);
    assert_true(c.n_progress >= 1);
}

static void unreadable_file(void **state)
{
    struct buf out = BUF_INIT;
    struct import_stats st;
    struct import_error err;
    (void)state;

    assert_int_equal(record_dump_fixture(IMPORT_DISQUS, "no-such-file.xml", &out, &st, &err),
                     STET_EIO);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.message, "cannot open the file: No such file or directory");
    assert_int_equal(record_dump_fixture(IMPORT_DISQUS, ".", &out, &st, &err), STET_EIO);
    assert_string_equal(err.message, "cannot read the file: Is a directory");
    buf_cleanup(&out);
}

/* libxml2 reports through the reader's own handler: nothing reaches stderr. */
static void nothing_on_stderr(void **state)
{
    static const char *const bad[] = {"disqus-truncated.xml", "not-xml.csv", "wxr.xml",
                                      "disqus-bad-utf8.xml"};
    struct buf out = BUF_INIT;
    struct import_stats st;
    struct import_error err;
    char path[] = "/tmp/stet-import-stderr-XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);
    (void)state;

    assert_true(fd >= 0 && saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        (void)record_dump_fixture(IMPORT_DISQUS, bad[i], &out, &st, &err);
    (void)parse_text("<!DOCTYPE d><disqus>&nope;</disqus>", &out, &st, &err);
    (void)parse_text("<disqus xmlns:x=\"::\"><x:y q:z=\"1\"/></disqus>", &out, &st, &err);
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    close(saved);
    unlink(path);
    assert_int_equal(size, 0);
    buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_records_in_file_order),
        cmocka_unit_test(invalid_utf8_is_repaired),
        cmocka_unit_test(repair_across_chunks),
        cmocka_unit_test(truncated_file_stops_with_its_last_line),
        cmocka_unit_test(not_xml_stops_at_line_one),
        cmocka_unit_test(wrong_format_names_its_root),
        cmocka_unit_test(empty_and_malformed_files),
        cmocka_unit_test(doctype_is_refused),
        cmocka_unit_test(values_over_their_limits),
        cmocka_unit_test(huge_text_node_stops_the_parse),
        cmocka_unit_test(callback_error_stops_the_parse),
        cmocka_unit_test(kept_record_outlives_the_parse),
        cmocka_unit_test(unreadable_file),
        cmocka_unit_test(nothing_on_stderr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
