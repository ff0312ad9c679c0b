/* `stet --version`: stet's version and the libraries it runs with. */
#ifndef STET_CLI_VERSION_H
#define STET_CLI_VERSION_H

/* Prints "stet VERSION" and one "LIBRARY VERSION" line per library on stdout;
 * returns the exit status (0). */
int cli_version_print(void);

#endif
