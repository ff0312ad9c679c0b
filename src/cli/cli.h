/* Command-line commands (SPEC section 2). Each takes argv after the command name,
 * returns the process exit status (0 ok, 1 failure, 2 usage) and reports errors on
 * stderr as "stet: ...". */
#ifndef STET_CLI_CLI_H
#define STET_CLI_CLI_H

#include "app.h"
#include "config.h"

#define CLI_OK    0
#define CLI_FAIL  1
#define CLI_USAGE 2

int cli_main(int argc, char **argv);

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_migrate_data(int argc, char **argv);
int cmd_story(int argc, char **argv);
int cmd_user(int argc, char **argv);

/* Prints "stet: <message>" to stderr and returns `status`. */
int cli_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What every offline command needs: the configuration, one migrated store
 * connection and the domain services. */
struct cli_session {
    struct app app;
    struct store *st;
    struct arena *arena;
};

/* Loads the configuration from `flags` and opens the database. Returns an exit
 * status (CLI_OK on success); release with cli_session_close. */
int cli_session_open(struct cli_session *s, struct config_flags *flags);
void cli_session_close(struct cli_session *s);
/* A domain context over the session's arena and store. */
struct dctx cli_dctx(struct cli_session *s, struct err_detail *err);
/* Reports a domain error as "stet: <what>: <detail>" and returns CLI_FAIL. */
int cli_report(const char *what, int rc, const struct err_detail *err);

/* Takes the options every command accepts (--config FILE, --db URL, also as
 * --opt=VALUE) out of argv wherever they stand, compacting argv. CLI_USAGE when one
 * lacks its value. */
int cli_take_common(int *argc, char **argv, struct config_flags *flags);
/* Matches argv[i] as "--name VALUE" or "--name=VALUE": returns the argv slots used
 * (0: not this option, -1: no value given) and points *value into argv. */
int cli_take_option(int argc, char **argv, int i, const char *name, const char **value);

/* Seeds an empty database with the demo stories (`serve --demo`). */
int demo_seed(const struct dctx *ctx) STET_MUST_CHECK;

#endif
