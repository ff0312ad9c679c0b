/* Request smuggling primitives against http/request_check.c: each framing, name,
 * value, target and Host rule on its own, on heads built as slices (what the
 * transport hands over), NUL, CR and LF inside them included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/request_check.h"

#include <string.h>

#define MAX_LINES 8

/* A head built from parts; `lines` are "Name: value" strings (value after ": "),
 * or with `len` set, exact bytes that may hold NUL. */
struct line {
    const char *text;
    size_t len;
};

static enum request_flaw check_lines(const char *method, const char *path, const char *query,
                                     const char *version, const struct line *lines, size_t n)
{
    struct kv kvs[MAX_LINES];
    assert_true(n <= MAX_LINES);
    for (size_t i = 0; i < n; i++) {
        size_t len = lines[i].len > 0 ? lines[i].len : strlen(lines[i].text);
        const char *colon = memchr(lines[i].text, ':', len);
        assert_non_null(colon);
        size_t skip = (size_t)(colon - lines[i].text) + 1;
        if (skip < len && colon[1] == ' ')
            skip++;
        kvs[i].name = (struct str){lines[i].text, (size_t)(colon - lines[i].text)};
        kvs[i].value = (struct str){lines[i].text + skip, len - skip};
    }
    struct request_head h = {
        str_from(method), str_from(path), str_from(query), str_from(version), kvs, n};
    return request_check(&h);
}

/* A header line from text, or from exact bytes (may hold NUL). */
#define L(s)  ((struct line){(s), 0})
#define LN(s) ((struct line){(s), sizeof(s) - 1})

/* A GET for "/" with HTTP/1.1 and the given lines. */
static enum request_flaw check_get(const struct line *lines, size_t n)
{
    return check_lines("GET", "/", "", "HTTP/1.1", lines, n);
}

#define CHECK(...)                                                                                 \
    check_get((const struct line[]){__VA_ARGS__},                                                  \
              sizeof((const struct line[]){__VA_ARGS__}) / sizeof(struct line))

static void test_sound_requests(void **state)
{
    (void)state;
    assert_int_equal(CHECK(L("Host: example.com")), REQUEST_OK);
    assert_int_equal(CHECK(L("Host: 127.0.0.1:8080"), L("Accept: */*")), REQUEST_OK);
    assert_int_equal(CHECK(L("Host: [::1]:8080")), REQUEST_OK);
    assert_int_equal(CHECK(L("Host: x"), L("Content-Length: 0")), REQUEST_OK);
    assert_int_equal(CHECK(L("Host: x"), L("Content-Length: 00012")), REQUEST_OK);
    assert_int_equal(CHECK(L("Host: x"), L("Transfer-Encoding: chunked")), REQUEST_OK);
    assert_int_equal(CHECK(L("Host: x"), L("transfer-encoding: CHUNKED")), REQUEST_OK);
    /* HTAB, trailing white space and obs-text are allowed in values. */
    assert_int_equal(CHECK(L("Host: x"), L("X-A: a\tb  "), L("User-Agent: caf\xc3\xa9")),
                     REQUEST_OK);
    /* Token characters in names. */
    assert_int_equal(CHECK(L("Host: x"), L("X-!#$%&'*+.^_`|~09: v")), REQUEST_OK);
    /* HTTP/1.0 needs no Host; the target may carry bytes above 0x7f and a query. */
    assert_int_equal(check_lines("GET", "/caf\xc3\xa9", "a=1&b", "HTTP/1.0", NULL, 0), REQUEST_OK);
    assert_int_equal(check_lines("OPTIONS", "*", "", "HTTP/1.1", (struct line[]){L("Host: x")}, 1),
                     REQUEST_OK);
}

static void test_content_length_and_transfer_encoding(void **state)
{
    (void)state;
    assert_int_equal(CHECK(L("Host: x"), L("Content-Length: 6"), L("Transfer-Encoding: chunked")),
                     REQUEST_CL_AND_TE);
    assert_int_equal(CHECK(L("Transfer-Encoding: chunked"), L("Host: x"), L("Content-Length: 0")),
                     REQUEST_CL_AND_TE);
    /* Even an unusable one of each. */
    assert_int_equal(CHECK(L("Host: x"), L("content-length: x"), L("TRANSFER-ENCODING: gzip")),
                     REQUEST_CL_AND_TE);
}

static void test_content_length(void **state)
{
    (void)state;
    /* The second body would run as a request of its own. */
    assert_int_equal(CHECK(L("Host: x"), L("Content-Length: 0"), L("Content-Length: 35")),
                     REQUEST_CL_MANY);
    assert_int_equal(CHECK(L("Host: x"), L("Content-Length: 2"), L("content-length: 2")),
                     REQUEST_CL_MANY);
    const char *bad[] = {"Content-Length: 1x", "Content-Length: +1", "Content-Length: -1",
                         "Content-Length: ",   "Content-Length: 5 ", "Content-Length: 1,1",
                         "Content-Length: 0x5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(CHECK(L("Host: x"), L(bad[i])), REQUEST_CL_BAD);
}

static void test_transfer_encoding(void **state)
{
    (void)state;
    const char *bad[] = {"Transfer-Encoding: xchunked",
                         "Transfer-Encoding: gzip, chunked",
                         "Transfer-Encoding: chunked, chunked",
                         "Transfer-Encoding: identity",
                         "Transfer-Encoding: ",
                         "Transfer-Encoding: chunked "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(CHECK(L("Host: x"), L(bad[i])), REQUEST_TE_BAD);
    assert_int_equal(
        CHECK(L("Host: x"), L("Transfer-Encoding: chunked"), L("Transfer-Encoding: chunked")),
        REQUEST_TE_BAD);
    assert_int_equal(check_lines("POST", "/", "", "HTTP/1.0",
                                 (struct line[]){L("Transfer-Encoding: chunked")}, 1),
                     REQUEST_TE_HTTP10);
}

static void test_header_names(void **state)
{
    (void)state;
    /* "Transfer-Encoding : chunked" reaches stet with the space in the name. */
    assert_int_equal(CHECK(L("Host: x"), L("Transfer-Encoding : chunked")), REQUEST_BAD_NAME);
    const char *bad[] = {"X-A\t: v",
                         " X-A: v",
                         "X A: v",
                         ": v",
                         "X\x01"
                         "A: v",
                         "X@A: v",
                         "X(A): v",
                         "X\x7f: v",
                         "X\xc3\xa9: v"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(CHECK(L("Host: x"), L(bad[i])), REQUEST_BAD_NAME);
}

static void test_header_values(void **state)
{
    (void)state;
    const struct line bad[] = {LN("X-A: a\0b"), LN("X-A: a\rb"),  LN("X-A: a\nb"), LN("X-A: a\x1b"),
                               LN("X-A: \x0b"), LN("X-A: a\x7f"), LN("Host: x\r")};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(check_get((const struct line[]){L("Host: y"), bad[i]}, 2),
                         REQUEST_BAD_VALUE);
}

static void test_target(void **state)
{
    (void)state;
    const struct line host[] = {L("Host: x")};
    const char *bad_paths[] = {"", "/a b", "/a\rb", "/a\nb", "/a\tb", "/\x1b", "/\x7f", "/a\x0b"};
    for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++)
        assert_int_equal(check_lines("GET", bad_paths[i], "", "HTTP/1.1", host, 1),
                         REQUEST_BAD_TARGET);
    struct request_head h = {
        STR_LIT("GET"), STR_LIT("/a\0b"), STR_LIT(""), STR_LIT("HTTP/1.1"), NULL, 0};
    assert_int_equal(request_check(&h), REQUEST_BAD_TARGET);
    assert_int_equal(check_lines("GET", "/", "q=\x0b", "HTTP/1.1", host, 1), REQUEST_BAD_TARGET);
    assert_int_equal(check_lines("GET", "/", "q= x", "HTTP/1.1", host, 1), REQUEST_BAD_TARGET);
}

static void test_method_and_version(void **state)
{
    (void)state;
    const struct line host[] = {L("Host: x")};
    assert_int_equal(check_lines("", "/", "", "HTTP/1.1", host, 1), REQUEST_BAD_METHOD);
    assert_int_equal(check_lines("G\x01T", "/", "", "HTTP/1.1", host, 1), REQUEST_BAD_METHOD);
    assert_int_equal(check_lines("GE(T", "/", "", "HTTP/1.1", host, 1), REQUEST_BAD_METHOD);
    assert_int_equal(check_lines("GET", "/", "", "HTTP/2.0", host, 1), REQUEST_BAD_VERSION);
    assert_int_equal(check_lines("GET", "/", "", "HTTP/1.x", host, 1), REQUEST_BAD_VERSION);
    assert_int_equal(check_lines("GET", "/", "", "HTTP/1.10", host, 1), REQUEST_BAD_VERSION);
    /* 1.2 to 1.9 are HTTP/1.1 to libmicrohttpd, so Host is required of them too. */
    assert_int_equal(check_lines("GET", "/", "", "HTTP/1.9", NULL, 0), REQUEST_HOST_MISSING);
}

static void test_host(void **state)
{
    (void)state;
    assert_int_equal(check_get(NULL, 0), REQUEST_HOST_MISSING);
    assert_int_equal(CHECK(L("Accept: */*")), REQUEST_HOST_MISSING);
    assert_int_equal(CHECK(L("Host: x"), L("Host: y")), REQUEST_HOST_MANY);
    assert_int_equal(CHECK(L("Host: x"), L("host: x")), REQUEST_HOST_MANY);
    assert_int_equal(
        check_lines("GET", "/", "", "HTTP/1.0", (struct line[]){L("Host: x"), L("Host: y")}, 2),
        REQUEST_HOST_MANY);
    const char *bad[] = {"Host: a b", "Host: x/y",   "Host: u@x",  "Host: x?",
                         "Host: x#",  "Host: \"x\"", "Host: x\\y", "Host: caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(CHECK(L(bad[i])), REQUEST_HOST_BAD);
    /* Empty is allowed, and white space around the value is not part of it. */
    assert_int_equal(CHECK(L("Host: ")), REQUEST_OK);
    assert_int_equal(CHECK(L("Host: x \t")), REQUEST_OK);
}

static void test_flaw_texts(void **state)
{
    (void)state;
    for (int f = REQUEST_OK; f <= REQUEST_HOST_BAD; f++) {
        const char *t = request_flaw_text((enum request_flaw)f);
        assert_non_null(t);
        assert_true(strlen(t) > 10);
        for (int g = REQUEST_OK; g < f; g++)
            assert_string_not_equal(t, request_flaw_text((enum request_flaw)g));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sound_requests),
        cmocka_unit_test(test_content_length_and_transfer_encoding),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_header_values),
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_method_and_version),
        cmocka_unit_test(test_host),
        cmocka_unit_test(test_flaw_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
