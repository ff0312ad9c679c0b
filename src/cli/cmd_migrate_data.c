/* `stet migrate-data --from URL --to URL`: moves a whole site between databases
 * (SQLite to PostgreSQL or back), every row with its id, into an empty destination
 * in one transaction. The copying itself is store_copy. */
#include "cli/cli.h"

#include "base/url.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static const char usage_line[] = "usage: stet migrate-data --from URL --to URL";

static void on_progress(void *ctx, const char *table, int64_t rows)
{
    (void)ctx;
    fprintf(stderr, "stet: copied %lld %s\n", (long long)rows, table);
}

/* URLs are echoed only redacted: a PostgreSQL one may carry a password. */
static int open_side(const char *url, const char *side, struct store **out)
{
    int rc = store_open(url, out);
    if (rc == 0)
        return CLI_OK;
    struct buf shown = BUF_INIT;
    url_redact(&shown, url);
    cli_fail(CLI_FAIL, "migrate-data: cannot open the %s database %s (%s)", side, buf_cstr(&shown),
             err_name(rc));
    buf_cleanup(&shown);
    return CLI_FAIL;
}

int cmd_migrate_data(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    for (int i = 1; i < argc;) {
        int used = cli_take_option(argc, argv, i, "--from", &from);
        if (used == 0)
            used = cli_take_option(argc, argv, i, "--to", &to);
        if (used < 0)
            return cli_fail(CLI_USAGE, "%s needs a value\n%s", argv[i], usage_line);
        if (used == 0) {
            /* Most likely a URL without its --from or --to. */
            struct buf arg = BUF_INIT;
            url_redact(&arg, argv[i]);
            cli_fail(CLI_USAGE, "unexpected argument '%s'\n%s", buf_cstr(&arg), usage_line);
            buf_cleanup(&arg);
            return CLI_USAGE;
        }
        i += used;
    }
    if (from == NULL || to == NULL || from[0] == '\0' || to[0] == '\0')
        return cli_fail(CLI_USAGE, "%s", usage_line);
    if (strcmp(from, to) == 0)
        return cli_fail(CLI_USAGE, "migrate-data: --from and --to name the same database");

    struct store *src = NULL, *dst = NULL;
    int status = open_side(from, "source", &src);
    if (status == CLI_OK)
        status = open_side(to, "destination", &dst);
    if (status != CLI_OK)
        goto out;
    int rc = store_copy(src, dst, on_progress, NULL);
    if (rc == STET_ECONFLICT) {
        status = cli_fail(CLI_FAIL, "migrate-data: the destination database already holds data "
                                    "(table named above); it must be a new, empty database");
    } else if (rc != 0) {
        status = cli_fail(CLI_FAIL, "migrate-data: copy failed (%s); the destination is unchanged",
                          err_name(rc));
    } else {
        printf("database copied\n");
    }
out:
    store_close(dst);
    store_close(src);
    return status;
}
