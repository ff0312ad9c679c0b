/* `stet migrate`: create the database or bring its schema up to date (serve does
 * the latter too). Besides `serve --demo` and migrate-data's destination, the only
 * way a database comes to be. */
#include "cli/cli.h"

#include <stdio.h>

int cmd_migrate(int argc, char **argv)
{
    struct cli_args args;
    int status = cli_parse("migrate", argc, argv, &args);
    if (status != CLI_OK)
        return status == CLI_HELP ? CLI_OK : status;
    /* Opening the session creates the database if need be and applies every
     * pending migration. */
    struct cli_session s;
    status = cli_session_open(&s, &args.common, true);
    if (status != CLI_OK)
        return status;
    printf("database is up to date\n");
    cli_session_close(&s);
    return CLI_OK;
}
