/* `stet migrate-data --from URL --to URL`: moves a whole site between databases
 * (SQLite to PostgreSQL or back), every row with its id, into an empty destination
 * in one transaction. The copying itself is store_copy. */
#include "cli/cli.h"

#include "base/url.h"
#include "store/copy.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static void on_progress(void *ctx, const char *table, int64_t rows)
{
    (void)ctx;
    fprintf(stderr, "stet: copied %lld %s\n", (long long)rows, table);
}

/* URLs are echoed only redacted: a PostgreSQL one may carry a password. The source
 * must be a stet database (opened without creating it); the destination, named
 * for this very purpose and required to be empty, is created when it is a new
 * SQLite file. */
static int open_side(const char *url, const char *side, bool create, struct store **out)
{
    int rc = create ? store_open(url, out) : store_open_existing(url, out);
    if (rc == 0)
        return CLI_OK;
    if (rc == STET_ENOTFOUND)
        return cli_missing_database(url);
    struct buf shown = BUF_INIT;
    url_redact(&shown, url);
    cli_fail(CLI_FAIL, "migrate-data: cannot open the %s database %s (%s)", side, buf_cstr(&shown),
             err_name(rc));
    buf_cleanup(&shown);
    return CLI_FAIL;
}

int cmd_migrate_data(int argc, char **argv)
{
    struct cli_args args;
    int status = cli_parse("migrate-data", argc, argv, &args);
    if (status != CLI_OK)
        return status == CLI_HELP ? CLI_OK : status;
    const char *from = cli_value(&args, "--from"), *to = cli_value(&args, "--to");
    if (from[0] == '\0' || to[0] == '\0')
        return cli_fail(CLI_USAGE, "migrate-data: --from and --to need a database URL");
    if (strcmp(from, to) == 0)
        return cli_fail(CLI_USAGE, "migrate-data: --from and --to name the same database");

    struct store *src = NULL, *dst = NULL;
    status = open_side(from, "source", false, &src);
    if (status == CLI_OK)
        status = open_side(to, "destination", true, &dst);
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
