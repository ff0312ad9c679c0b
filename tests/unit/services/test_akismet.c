/* Unit tests for services/akismet: the form (every documented field, in order,
 * percent-encoded; the key as a field; header fields bounded at a UTF-8 boundary),
 * the strict reading of an answer, and a check that cannot reach its endpoint
 * failing open and being counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "services/akismet.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct akismet_comment comment = {
    .blog = {"https://news.example", 20},
    .user_ip = {"203.0.113.7", 11},
    .user_agent = {"Mozilla/5.0 (X11)", 17},
    .referrer = {"https://news.example/?a=1&b=2", 29},
    .permalink = {"https://news.example/stories/bridge", 35},
    .author = {"Anna M\xc3\xbcller", 12},
    .author_email = {"anna+x@example.org", 18},
    .content = {"Fish & chips = 100%\nyes", 23},
    .date = 1700000000,
};

static void test_form(void **state)
{
    (void)state;
    struct akismet *ak = akismet_new("http://127.0.0.1:1/1.1/comment-check", "k3y", "en");
    struct buf b = BUF_INIT;
    akismet_form(ak, &comment, &b);
    assert_string_equal(buf_cstr(&b), "api_key=k3y"
                                      "&blog=https%3A%2F%2Fnews.example"
                                      "&user_ip=203.0.113.7"
                                      "&user_agent=Mozilla%2F5.0%20%28X11%29"
                                      "&referrer=https%3A%2F%2Fnews.example%2F%3Fa%3D1%26b%3D2"
                                      "&permalink=https%3A%2F%2Fnews.example%2Fstories%2Fbridge"
                                      "&comment_type=comment"
                                      "&comment_author=Anna%20M%C3%BCller"
                                      "&comment_author_email=anna%2Bx%40example.org"
                                      "&comment_content=Fish%20%26%20chips%20%3D%20100%25%0Ayes"
                                      "&comment_date_gmt=2023-11-14T22%3A13%3A20Z"
                                      "&blog_lang=en&blog_charset=UTF-8");
    buf_cleanup(&b);
    akismet_free(ak);
}

/* A user agent longer than AKISMET_FIELD_MAX is cut there, or before a UTF-8
 * sequence that would straddle the cut; empty fields are sent empty. */
static void test_form_bounds(void **state)
{
    (void)state;
    struct akismet *ak = akismet_new("http://127.0.0.1:1/", "k", "en");
    char *ua = malloc(AKISMET_FIELD_MAX + 10);
    memset(ua, 'a', AKISMET_FIELD_MAX + 10);
    /* "é" (two bytes) starting one byte before the cut. */
    ua[AKISMET_FIELD_MAX - 1] = '\xc3';
    ua[AKISMET_FIELD_MAX] = '\xa9';
    struct akismet_comment c = {.user_agent = {ua, AKISMET_FIELD_MAX + 10}};
    struct buf b = BUF_INIT;
    akismet_form(ak, &c, &b);
    const char *v = strstr(buf_cstr(&b), "&user_agent=");
    assert_non_null(v);
    v += strlen("&user_agent=");
    size_t n = strcspn(v, "&");
    assert_int_equal(n, AKISMET_FIELD_MAX - 1); /* all 'a', the split "é" left out */
    assert_non_null(strstr(buf_cstr(&b), "&referrer=&permalink=&"));
    buf_cleanup(&b);
    free(ua);
    akismet_free(ak);
}

static enum akismet_answer parse(const char *s)
{
    return akismet_parse(s, strlen(s));
}

static void test_parse(void **state)
{
    (void)state;
    assert_int_equal(parse("true"), AKISMET_SPAM);
    assert_int_equal(parse("false"), AKISMET_HAM);
    assert_int_equal(parse(" false\r\n"), AKISMET_HAM);
    assert_int_equal(parse("invalid"), AKISMET_FAILED);
    assert_int_equal(parse("True"), AKISMET_FAILED);
    assert_int_equal(parse("truex"), AKISMET_FAILED);
    assert_int_equal(parse("true false"), AKISMET_FAILED);
    assert_int_equal(parse(""), AKISMET_FAILED);
    assert_int_equal(akismet_parse("true", 3), AKISMET_FAILED);
}

/* A loopback port nothing listens on. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void test_unreachable_fails_open(void **state)
{
    (void)state;
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/1.1/comment-check", closed_port());
    struct akismet *ak = akismet_new(url, "k", "en");
    assert_int_equal(akismet_check(ak, &comment, "t-1"), AKISMET_FAILED);
    assert_int_equal(akismet_check(ak, &comment, NULL), AKISMET_FAILED);
    struct akismet_counts n;
    akismet_counts(ak, &n);
    assert_int_equal(n.failed, 2);
    assert_int_equal(n.spam, 0);
    assert_int_equal(n.ham, 0);
    akismet_free(ak);
    akismet_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_form_bounds),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_unreachable_fails_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
