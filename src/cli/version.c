/* `stet --version`. Versions are the ones running, as each library reports them
 * (a distribution upgrade changes them without a rebuild), except inih, which has
 * no such call: its version is the one stet was built against. */
#include "cli/version.h"

#include "domain/password.h"
#include "http/server.h"
#include "render/markdown.h"
#include "services/weather.h"
#include "store/pg/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "web/gzip_parts.h"

#include <stdio.h>

int cli_version_print(void)
{
    /* libpq numbers releases 10 and later MAJOR * 10000 + MINOR. */
    int pq = pg_store_lib_version();
    printf("stet %s\n", STET_VERSION);
    printf("libmicrohttpd %s\n", http_lib_version());
    printf("SQLite %s\n", sqlite_store_lib_version());
    printf("libpq %d.%d\n", pq / 10000, pq % 10000);
    printf("libsodium %s\n", password_lib_version());
    printf("cmark-gfm %s\n", md_lib_version());
    printf("jansson %s\n", weather_jansson_version());
    printf("libcurl %s\n", weather_curl_version());
    printf("zlib %s\n", gzip_lib_version());
    printf("inih %s (built with)\n", STET_INIH_VERSION);
    return 0;
}
