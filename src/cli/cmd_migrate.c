/* `stet migrate`: bring the database schema up to date (serve does it too). */
#include "cli/cli.h"

#include <stdio.h>

int cmd_migrate(int argc, char **argv)
{
    struct config_flags flags = {0};
    if (cli_take_common(&argc, argv, &flags) != CLI_OK)
        return CLI_USAGE;
    if (argc != 1)
        return cli_fail(CLI_USAGE, "usage: stet migrate [--config FILE] [--db URL]");
    /* Opening the session applies every pending migration. */
    struct cli_session s;
    int status = cli_session_open(&s, &flags);
    if (status != CLI_OK)
        return status;
    printf("database is up to date\n");
    cli_session_close(&s);
    return CLI_OK;
}
