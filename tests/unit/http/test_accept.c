/* Accept-Encoding negotiation: a refusal (q=0) in any spelling is honoured, "*"
 * covers codings not named, malformed q values refuse, and nothing is assumed
 * without the header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/accept.h"

static bool gz(const char *header)
{
    return accept_encoding_allows(str_from(header), "gzip");
}

static void allows(void **state)
{
    (void)state;
    const char *yes[] = {
        "gzip",        "gzip, deflate, br", "deflate, gzip;q=0.5", "GZip",           "x-gzip",
        "gzip;q=1",    "gzip;q=1.000",      "gzip;q=0.001",        " gzip ; q=0.8 ", "*",
        "br, *;q=0.1", "gzip;level=9",      "gzip;Q=0.5"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!gz(yes[i]))
            fail_msg("%s should allow gzip", yes[i]);
}

static void refuses(void **state)
{
    (void)state;
    const char *no[] = {
        "",           "identity",       "deflate, br",   "gzip;q=0",     "gzip; q=0",
        "gzip;q=0.0", "gzip;q=0.000",   "GZIP;Q=0",      "gzip ; q = 0", "gzip;q=0, *;q=1",
        "*;q=0",      "*;q=0, deflate", "gzip;q=0.0000", "gzip;q=2",     "gzip;q=abc",
        "gzip;q=",    "gzip;q=-1",      "gzip;q=1.5",    "gzipx",        "x-gzipx",
        "gzip;q=0.",  "*, gzip;q=0"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (gz(no[i]))
            fail_msg("%s should refuse gzip", no[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allows),
        cmocka_unit_test(refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
