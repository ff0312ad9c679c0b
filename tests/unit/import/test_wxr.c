/* The WordPress (WXR) reader over fixtures: exact records (comments four deep,
 * pending, spam, trash, pingback, trackback, another plugin's type, a missing parent,
 * no comment_type, no or zero comment_date_gmt, an e-mail followed by a line break,
 * the same comment_id under two items, a ?p=N link, an item without comments, items
 * nothing can match, fields after the comments), multi-line text, <!--more--> and
 * shortcodes kept as exported, and the files that must stop it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "import/import.h"
#include "record_dump.h"

#include <string.h>

static const char expected_records[] =
    "T 11 ident= slug=story-one link=https://news.example.org/2016/01/story-one/ "
    "path=/2016/01/story-one/ title=Story one: ünïcödé status=publish type=post "
    "at=2016-01-01T09:00:00Z closed=0 deleted=0\n"
    "P 11/1 parent= approved comment kind=comment at=2016-01-01T10:00:00Z name=Zoë Ångström 山田 "
    "email=zoe@example.org user= url=https://zoe.example.org/ ip=192.0.2.1 uid= anon=0 body=First "
    "line\\nsecond line\\n\\nNew paragraph with <a href=\"http://example.com/\" onclick=\"x()\">a "
    "link</a> & <!--more--> [shortcode id=\"1\"]\n"
    "P 11/2 parent=1 approved comment kind= at=2016-01-01T12:30:00Z name=Bob email= user= url= ip= "
    "uid=7 anon=0 body=Reply without date_gmt or comment_type\n"
    "P 11/3 parent=2 pending comment kind= at=2016-01-01T13:00:00Z name=Carol email= user= url= "
    "ip= uid= anon=0 body=Level three, pending\n"
    "P 11/4 parent=3 approved comment kind=comment at=2016-01-01T14:00:00Z name=Dave email= user= "
    "url= ip= uid= anon=0 body=Level four <script>alert(1)</script><b "
    "onmouseover=\"x()\">bold</b>\n"
    "P 11/5 parent= spam comment kind=comment at=2016-01-02T00:00:00Z name=Spammer email= user= "
    "url= ip= uid= anon=0 body=<a href=\"javascript:alert(1)\">cheap pills</a>\n"
    "P 11/6 parent= approved pingback kind=pingback at=2016-01-03T00:00:00Z name=Other blog email= "
    "user= url=https://other.example.net/post/ ip= uid= anon=0 body=[&#8230;] linked here "
    "[&#8230;]\n"
    "P 11/7 parent= deleted trackback kind=trackback at=2016-01-04T00:00:00Z name=Tracker email= "
    "user= url= ip= uid= anon=0 body=Trackback text\n"
    "P 11/8 parent=404 approved comment kind=comment at=2016-01-05T00:00:00Z name=Orphan email= "
    "user= url= ip= uid= anon=0 body=Parent was deleted\n"
    "P 11/9 parent= approved other kind=review at=2016-01-06T00:00:00Z name=Reviewer email= user= "
    "url= ip= uid= anon=0 body=\n"
    "T 12 ident= slug= link=https://news.example.org/?p=12 path= title=Plain permalink "
    "status=draft type=post at=2016-02-01T08:00:00Z closed=1 deleted=0\n"
    "P 12/1 parent= approved comment kind=comment at=2016-02-01T09:00:00Z name=Same id, other item "
    "email= user= url= ip= uid= anon=0 body=Comment 1 again\n"
    "T 13 ident= slug=about link=https://news.example.org/about/ path=/about/ title=About us "
    "status=publish type=page at=2016-03-01T00:00:00Z closed=0 deleted=0\n"
    "P 14/1 parent= approved comment kind= at=0 name= email= user= url= ip= uid= anon=0 body=Under "
    "an item no story matches\n"
    "T 15 ident= slug=late link= path= title=Late fields status= type= at=0 closed=0 deleted=0\n"
    "P 15/1 parent= approved comment kind=comment at=2016-04-01T00:00:00Z name= email= user= url= "
    "ip= uid= anon=0 body=Before the link\n";

static void fixture_records_in_file_order(void **state)
{
    struct buf out = BUF_INIT;
    struct import_stats st;
    struct import_error err;
    (void)state;

    assert_int_equal(record_dump_fixture(IMPORT_WXR, "wxr.xml", &out, &st, &err), 0);
    assert_string_equal(buf_cstr(&out), expected_records);
    assert_int_equal(st.n_threads, 4);
    assert_int_equal(st.n_posts, 12);
    assert_int_equal(st.n_threads_unlinked, 1); /* 14: no link, no slug */
    assert_int_equal(st.n_threads_no_id, 1);    /* "No post id" */
    assert_int_equal(st.n_posts_no_thread, 1);  /* ...and its comment */
    assert_int_equal(st.n_posts_empty, 1);      /* 11/9 */
    assert_int_equal(st.n_date_fallbacks, 2);   /* 11/2 none, 11/3 zero */
    assert_int_equal(st.n_untyped, 2);          /* 11/2, 14/1 */
    assert_int_equal(st.n_bad_dates, 2);        /* 14/1, thread 15 */
    assert_int_equal(st.n_query_links, 1);      /* 12 */
    assert_int_equal(st.n_late_fields, 2);      /* 15's link and status */
    assert_int_equal(st.n_posts_no_id, 0);
    assert_int_equal(st.n_oversize, 0);
    assert_int_equal(st.n_bytes_repaired, 0);
    buf_cleanup(&out);
}

static void expect_failure(const char *fixture, int line, const char *message)
{
    struct buf out = BUF_INIT;
    struct import_stats st;
    struct import_error err;

    assert_int_equal(record_dump_fixture(IMPORT_WXR, fixture, &out, &st, &err), STET_EBADREQ);
    assert_int_equal(err.line, line);
    assert_string_equal(err.message, message);
    buf_cleanup(&out);
}

static void truncated_file_stops_with_its_last_line(void **state)
{
    (void)state;
    expect_failure("wxr-truncated.xml", 59,
                   "the file ends before the export does (is it truncated?)");
}

static void other_files_are_refused(void **state)
{
    (void)state;
    expect_failure("disqus.xml", 2,
                   "not a WordPress export: the root element is <disqus>, not <rss>");
    expect_failure("rss-not-wxr.xml", 2,
                   "not a WordPress export: an RSS feed without WordPress's export namespace "
                   "(http://wordpress.org/export/)");
    expect_failure("not-xml.csv", 1,
                   "not an XML file (no element where the document should start)");
}

/* Older exports (WXR 1.0, 1.1) differ only in the namespace's version; the prefix
 * is whatever the file declares. */
static void any_wxr_version_and_prefix(void **state)
{
    static const char doc[] =
        "<rss xmlns:w=\"http://wordpress.org/export/1.0/\"><channel><item>"
        "<title>Old</title><link>http://old.example/?page_id=4</link><w:post_id>4</w:post_id>"
        "<w:post_type>page</w:post_type><w:comment><w:comment_id>9</w:comment_id>"
        "<w:comment_date_gmt>2008-05-06 07:08:09</w:comment_date_gmt>"
        "<w:comment_content>Hi</w:comment_content><w:comment_approved>1</w:comment_approved>"
        "<w:comment_type></w:comment_type></w:comment></item></channel></rss>";
    struct buf out = BUF_INIT;
    struct import_sink sink = record_dump_sink(&out);
    struct import_stats st;
    struct import_error err;
    (void)state;

    assert_int_equal(import_parse_mem(IMPORT_WXR, doc, sizeof(doc) - 1, &sink, &st, &err), 0);
    assert_string_equal(buf_cstr(&out),
                        "T 4 ident= slug= link=http://old.example/?page_id=4 path= title=Old "
                        "status= type=page at=0 closed=0 deleted=0\n"
                        "P 4/9 parent= approved comment kind= at=2008-05-06T07:08:09Z name= "
                        "email= user= url= ip= uid= anon=0 body=Hi\n");
    assert_int_equal(st.n_query_links, 1);
    buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_records_in_file_order),
        cmocka_unit_test(truncated_file_stops_with_its_last_line),
        cmocka_unit_test(other_files_are_refused),
        cmocka_unit_test(any_wxr_version_and_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
