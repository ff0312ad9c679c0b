/* stet: a news site and reader-comment server. Everything happens in cli/. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
