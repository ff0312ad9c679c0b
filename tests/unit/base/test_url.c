/* Unit tests for base/url: the password of a database URL is hidden in every form
 * libpq accepts (URI user info, URI query, key=value string), including forms that
 * libpq and a browser read differently, and nothing else is changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/url.h"

#include <stdio.h>
#include <string.h>

static void redacts_to(const char *url, const char *want)
{
    struct buf b = BUF_INIT;
    url_redact(&b, url);
    if (strcmp(buf_cstr(&b), want) != 0)
        fail_msg("url_redact(\"%s\")\n  gave \"%s\"\n  want \"%s\"", url, buf_cstr(&b), want);
    buf_cleanup(&b);
}

static void unchanged(const char *url)
{
    redacts_to(url, url);
}

static void test_no_secret(void **state)
{
    (void)state;
    unchanged("");
    unchanged("sqlite:stet.db");
    unchanged("sqlite:/var/lib/stet/stet.db?synchronous=normal");
    unchanged("sqlite:///var/lib/stet/stet.db");
    unchanged("postgresql://db.internal/stet");
    unchanged("postgres://stet@db.internal/stet");
    unchanged("postgresql://");
    unchanged("postgresql://[::1]:5432/stet?sslmode=verify-full&sslrootcert=/etc/ca.pem");
    unchanged("postgresql://db/stet?passwords=x&xpassword=y&password");
    unchanged("postgresql://db/stet?application_name=password%3Dx");
    unchanged("host=db dbname=stet user=stet");
    unchanged("  host = db   dbname= stet ");
    unchanged("dbname=stet passfile=/etc/stet/pgpass");

    struct buf b = BUF_INIT;
    url_redact(&b, NULL);
    assert_int_equal(b.len, 0);
    buf_cleanup(&b);
}

static void test_user_info(void **state)
{
    (void)state;
    redacts_to("postgresql://stet:SECRET@db.internal/stet",
               "postgresql://stet:***@db.internal/stet");
    redacts_to("postgres://stet:SECRET@db.internal:5432/stet?sslmode=verify-full",
               "postgres://stet:***@db.internal:5432/stet?sslmode=verify-full");
    /* Percent-encoded: hidden whole, in its encoded form. */
    redacts_to("postgresql://stet:p%40ss%2Fw%3A@db/stet", "postgresql://stet:***@db/stet");
    /* Only secret bytes are replaced: an empty password stays empty. */
    unchanged("postgresql://stet:@db/stet");
    redacts_to("postgresql://stet:a:b@db/stet", "postgresql://stet:***@db/stet");
    redacts_to("postgresql://stet:SECRET@[::1]:5432/stet", "postgresql://stet:***@[::1]:5432/stet");
    /* Any scheme: the same rule serves an http URL with credentials. */
    redacts_to("https://u:SECRET@example.org/x", "https://u:***@example.org/x");
}

/* Passwords holding an unencoded '@', '/' or '?': libpq stops the user info at the
 * first '@' or '/', a browser at the last '@'; the union is hidden. */
static void test_ambiguous_user_info(void **state)
{
    (void)state;
    redacts_to("postgresql://stet:pa@ss@db/stet", "postgresql://stet:***@db/stet");
    redacts_to("postgresql://stet:pa/ss@db/stet", "postgresql://stet:***@db/stet");
    redacts_to("postgresql://stet:pa?ss@db/stet", "postgresql://stet:***@db/stet");
    redacts_to("postgresql://stet:pa?ss@db/stet?password=x",
               "postgresql://stet:***@db/stet?password=***");
    /* An '@' in a query value widens the span: too much hidden, never too little. */
    redacts_to("postgresql://db:5432/stet?user=me@corp", "postgresql://db:***@corp");
}

static void test_query(void **state)
{
    (void)state;
    redacts_to("postgresql://db/stet?user=stet&password=SECRET&sslmode=require",
               "postgresql://db/stet?user=stet&password=***&sslmode=require");
    redacts_to("postgresql://db/stet?password=SECRET", "postgresql://db/stet?password=***");
    unchanged("postgresql://db/stet?password=");
    redacts_to("postgresql://db/stet?sslpassword=KEYPASS&sslkey=/k.pem",
               "postgresql://db/stet?sslpassword=***&sslkey=/k.pem");
    /* libpq decodes parameter names: "%70assword" is "password". */
    redacts_to("postgresql://db/stet?%70assword=SECRET", "postgresql://db/stet?%70assword=***");
    redacts_to("postgresql://db/stet?pass%77ord=SECRET", "postgresql://db/stet?pass%77ord=***");
    redacts_to("postgresql://db/stet?PassWord=SECRET", "postgresql://db/stet?PassWord=***");
    /* A value holding '=' or '%' is hidden whole. */
    redacts_to("postgresql://db/stet?password=a=b%zz&x=1", "postgresql://db/stet?password=***&x=1");
    redacts_to("postgresql://u:A@db/stet?password=B", "postgresql://u:***@db/stet?password=***");
    redacts_to("postgresql://db/stet?&&password=S&", "postgresql://db/stet?&&password=***&");
    /* The rest of a password with an unencoded '&' (libpq refuses the URL). */
    redacts_to("postgresql://db/stet?password=a&b&c&x=1",
               "postgresql://db/stet?password=***&***&***&x=1");
    unchanged("postgresql://db/stet?x=1&b&c");
    /* A password with '&' in the user info is no query at all. */
    redacts_to("postgresql://stet:a&b=c@db/stet?x=1", "postgresql://stet:***@db/stet?x=1");
}

static void test_keywords(void **state)
{
    (void)state;
    redacts_to("host=db password=SECRET dbname=stet", "host=db password=*** dbname=stet");
    redacts_to("host=db password = 'se cr\\'et' dbname=stet", "host=db password = *** dbname=stet");
    redacts_to("password='a\\\\' dbname=stet", "password=*** dbname=stet");
    redacts_to("sslpassword=K host=db", "sslpassword=*** host=db");
    redacts_to("PASSWORD=x", "PASSWORD=***");
    unchanged("host=db password= ");
    unchanged("password=");
    /* libpq: the value after '=' starts at the next non-space, whatever it is. */
    redacts_to("password= dbname=stet", "password= ***");
    /* Unterminated quote, trailing backslash: to the end. */
    redacts_to("host=db password='abc def", "host=db password=***");
    redacts_to("host=db password=abc\\", "host=db password=***");
    redacts_to("host=db password=ab\\ cd dbname=x", "host=db password=*** dbname=x");
    /* The rest of an unquoted password with spaces (libpq refuses the string). */
    redacts_to("password=a b c dbname=x", "password=*** *** *** dbname=x");
    redacts_to("host=db word dbname=x", "host=db word dbname=x");
    /* A URI as a value (libpq's expand_dbname). */
    redacts_to("dbname=postgresql://u:SECRET@db/stet connect_timeout=5",
               "dbname=postgresql://u:***@db/stet connect_timeout=5");
}

/* Deterministic pseudo-random passwords made of upper-case letters and digits (which
 * nothing else in the URLs below contains) around the characters that confuse
 * parsers: no fragment of any of them may survive. */
static void test_no_fragment_survives(void **state)
{
    (void)state;
    static const char specials[] = "@/?:%#+=;,'\\ ";
    static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char pw[40];
        size_t n = 0;
        int parts = 1 + round % 6;
        for (int p = 0; p < parts; p++) {
            seed = seed * 1103515245u + 12345u;
            pw[n++] = plain[(seed >> 16) % (sizeof(plain) - 1)];
            seed = seed * 1103515245u + 12345u;
            pw[n++] = specials[(seed >> 16) % (sizeof(specials) - 1)];
            pw[n++] = plain[(seed >> 8) % (sizeof(plain) - 1)];
        }
        pw[n] = '\0';

        char quoted[100];
        size_t q = 0;
        quoted[q++] = '\'';
        for (size_t i = 0; i < n; i++) {
            if (pw[i] == '\'' || pw[i] == '\\')
                quoted[q++] = '\\';
            quoted[q++] = pw[i];
        }
        quoted[q++] = '\'';
        quoted[q] = '\0';

        char urls[3][200];
        snprintf(urls[0], sizeof(urls[0]), "postgresql://user:%s@host.example/dbname?sslmode=x",
                 pw);
        /* In a query string an '&' would end the value for libpq too: none here. */
        snprintf(urls[1], sizeof(urls[1]), "postgresql://host.example/dbname?password=%s&a=b", pw);
        snprintf(urls[2], sizeof(urls[2]), "host=host.example password=%s dbname=dbname", quoted);
        for (size_t u = 0; u < 3; u++) {
            struct buf b = BUF_INIT;
            url_redact(&b, urls[u]);
            if (strpbrk(buf_cstr(&b), plain) != NULL)
                fail_msg("url_redact(\"%s\") leaked: \"%s\"", urls[u], buf_cstr(&b));
            assert_non_null(strstr(buf_cstr(&b), URL_REDACTED));
            buf_cleanup(&b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_secret),
        cmocka_unit_test(test_user_info),
        cmocka_unit_test(test_ambiguous_user_info),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_no_fragment_survives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
