/* Command-line commands (SPEC section 2). Each takes argv after the command name,
 * returns the process exit status (0 ok, 1 failure, 2 usage) and reports errors on
 * stderr as "stet: ...". Their synopses, flags and help texts are one table,
 * cli_commands (commands.c), which help, usage errors and the man page print from. */
#ifndef STET_CLI_CLI_H
#define STET_CLI_CLI_H

#include "app.h"
#include "config.h"
#include "web/router.h"

#include <stdio.h>

#define CLI_OK    0
#define CLI_FAIL  1
#define CLI_USAGE 2
/* cli_parse printed the help asked for with --help: the command returns CLI_OK. */
#define CLI_HELP 3

int cli_main(int argc, char **argv);

/* The route table (cli/routes.c): every URL `stet serve` answers, HTML and JSON.
 * It lives here, above web/ and api/, because it names both layers' handlers;
 * cmd_serve hands it to web_init. */
extern const struct route cli_routes[];
extern const size_t cli_n_routes;

int cmd_help(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_migrate_data(int argc, char **argv);
int cmd_story(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_comment(int argc, char **argv);
/* The site export (cmd_export.c); `stet import stet` is a row of cmd_import.c. */
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);

/* ---- the table of commands ---- */

/* One flag. `arg` names its value in the synopsis ("TEXT"); NULL: a switch. */
struct cli_flag {
    const char *name; /* "--title" */
    const char *arg;
    bool required;
    const char *help; /* one phrase, lower case */
};

/* A command ("migrate") or subcommand ("story add"). A group ("story") has NULL
 * flags and help: its help lists the subcommands. */
struct cli_command {
    const char *name;
    const char *operands;         /* "SLUG" in the synopsis; NULL: none */
    int n_operands;               /* exactly this many; -1: the command checks */
    const struct cli_flag *flags; /* ends with a NULL name */
    const char *summary;          /* a phrase for the overview */
    const char *help;             /* what it does: sentences */
    /* Top-level commands but --version (cli/version.h): argv[0] is the name. */
    int (*run)(int argc, char **argv);
};

/* Every command, groups before their subcommands; ends with a NULL name. */
extern const struct cli_command cli_commands[];
/* What holds for every command (exit status, precedence), for help and the man page. */
extern const char cli_common_note[];
/* The entry named `name` ("story add"), or NULL. */
const struct cli_command *cli_command_find(const char *name);

/* The overview: every command's synopsis. */
void cli_help_overview(FILE *out);
/* `stet help NAME`: the synopsis, what it does and the flags; a group prints each
 * of its subcommands. */
void cli_help_command(FILE *out, const struct cli_command *cmd);
/* `stet help --all`: the overview, then every command's help (for the man page). */
void cli_help_all(FILE *out);

/* ---- parsing ---- */

#define CLI_MAX_FLAGS    8
#define CLI_MAX_OPERANDS 2

/* What cli_parse found: values by the flag's index in the command's table ("" for
 * a switch given; NULL: absent), operands in order, and --config/--db as config
 * takes them. Pointers point into argv. */
struct cli_args {
    const struct cli_command *cmd;
    const char *value[CLI_MAX_FLAGS];
    const char *operand[CLI_MAX_OPERANDS];
    int n_operands;
    struct config_flags common;
};

/* Parses argv (argv[0] the command's last word, then its arguments) for the command
 * `name` of the table: "--flag VALUE" and "--flag=VALUE", flags and operands in any
 * order, "--" ends the flags. CLI_OK; CLI_HELP after printing the command's help
 * for --help or -h; CLI_USAGE after naming what is wrong on stderr ("stet: story
 * add: --title is required", an unknown flag, a flag without its value, one given
 * twice, a missing or extra operand) followed by the synopsis. */
int cli_parse(const char *name, int argc, char **argv, struct cli_args *out);
/* The value of flag `flag` ("--title") of the command parsed, or NULL. */
const char *cli_value(const struct cli_args *args, const char *flag);
/* For a group ("story"): the subcommand named by argv[1]. CLI_OK with *cmd set;
 * CLI_HELP after printing the group's help (--help, -h); CLI_USAGE after naming
 * what is missing or unknown (`stet: unknown command "story frobnicate"`). */
int cli_subcommand(const char *group, int argc, char **argv, const struct cli_command **cmd);

/* Prints "stet: <message>" to stderr and returns `status`. */
int cli_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the offline commands' session ---- */

/* What every offline command needs: the configuration, one migrated store
 * connection and the domain services. */
struct cli_session {
    struct app app;
    struct store *st;
    struct arena *arena;
};

/* CLI_OK when `url` names an existing stet database; otherwise says there is none
 * and how to make one ("stet: no database at sqlite:stet.db; create one with `stet
 * migrate --db sqlite:stet.db` ..."), or that it cannot be opened, and returns
 * CLI_FAIL. Creates nothing: a SQLite file is opened without SQLITE_OPEN_CREATE. */
int cli_require_database(const char *url);
/* The "no database at URL; create one with ..." message alone (the URL redacted),
 * for a command that found none itself. Returns CLI_FAIL. */
int cli_missing_database(const char *url);
/* Loads the configuration from `flags` and opens the database, applying pending
 * migrations. Only with `create` may the database be new (`stet migrate`); other
 * commands get cli_require_database's message. Returns an exit status (CLI_OK on
 * success); release with cli_session_close. */
int cli_session_open(struct cli_session *s, struct config_flags *flags, bool create);
void cli_session_close(struct cli_session *s);
/* A domain context over the session's arena and store. */
struct dctx cli_dctx(struct cli_session *s, struct err_detail *err);
/* Reports a domain error as "stet: <what>: <detail>" and returns CLI_FAIL. */
int cli_report(const char *what, int rc, const struct err_detail *err);

/* `stet import stet PATH` on an open session ("-": standard input): reads a document
 * `stet export` wrote into the session's database, which must hold no site data, in
 * one transaction; with `dry_run` everything is checked and then rolled back.
 * Prints the counts (or what is wrong, as "stet: PATH:LINE: ...") on stderr and
 * returns the exit status. */
int cli_import_stet(struct cli_session *s, const char *path, bool dry_run);

/* ---- the demo (serve --demo) ---- */

/* Seeds a database without stories with the demo: three stories, three readers and
 * a threaded conversation under the first story, as the README's screenshot shows. */
int demo_seed(const struct dctx *ctx) STET_MUST_CHECK;
/* When `cfg` names no weather URL, points it at the bundled demo forecast (an
 * in-memory file made on the first call and open for the rest of the process; every
 * call names the same URL), so the demo shows the weather strip without setup.
 * Logs once and leaves `cfg` alone when that fails. */
void demo_weather(struct config *cfg);

#endif
