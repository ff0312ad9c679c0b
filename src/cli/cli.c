/* Command dispatch, help and usage errors printed from the table of commands
 * (commands.c), the flag parser every command uses, and the setup shared by the
 * offline commands. */
#include "cli/cli.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/url.h"
#include "cli/version.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELP_WIDTH      80 /* columns a help line is wrapped to */
#define HELP_FLAG_WIDTH 26 /* the flag column of a command's help */

int cli_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(log_journal_prefix(LOG_LEVEL_ERROR), stderr);
    fputs("stet: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

int cli_report(const char *what, int rc, const struct err_detail *err)
{
    if (err != NULL && err->message != NULL)
        return cli_fail(CLI_FAIL, "%s: %s", what, err->message);
    return cli_fail(CLI_FAIL, "%s: %s", what, err_name(rc));
}

/* ---- help ---- */

static bool is_common_flag(const struct cli_flag *f)
{
    return strcmp(f->name, "--config") == 0 || strcmp(f->name, "--db") == 0;
}

/* Writes `text`, words separated by `sep`, from column `col`, wrapping at
 * HELP_WIDTH to column `indent`; a word never breaks. Ends the line. */
static void wrap_words(FILE *out, const char *text, char sep, int col, int indent)
{
    const char seps[2] = {sep, '\0'};
    bool line_start = true;
    for (const char *p = text; *p != '\0';) {
        size_t n = strcspn(p, seps);
        if (n > 0) {
            if (!line_start && col + 1 + (int)n > HELP_WIDTH) {
                fprintf(out, "\n%*s", indent, "");
                col = indent;
            } else if (!line_start) {
                fputc(' ', out);
                col++;
            }
            fwrite(p, 1, n, out);
            col += (int)n;
            line_start = false;
        }
        p += n;
        if (*p == sep)
            p++;
    }
    fputc('\n', out);
}

static void wrap(FILE *out, const char *text, int col, int indent)
{
    wrap_words(out, text, ' ', col, indent);
}

/* "stet story add --slug SLUG [--byline TEXT] ..." as words separated by tabs, so
 * that "--slug SLUG" stays on one line: the command's own flags (the common ones
 * are listed in its help) and operands. */
static void synopsis(struct buf *b, const struct cli_command *c)
{
    buf_printf(b, "stet %s", c->name);
    for (const struct cli_flag *f = c->flags; f != NULL && f->name != NULL; f++) {
        if (is_common_flag(f))
            continue;
        buf_printf(b, "\t%s%s%s%s%s", f->required ? "" : "[", f->name, f->arg ? " " : "",
                   f->arg ? f->arg : "", f->required ? "" : "]");
    }
    if (c->operands != NULL)
        buf_printf(b, "\t%s", c->operands);
}

/* Prints PREFIX and the synopsis, wrapped under the command's first flag. */
static void usage_line(FILE *out, const char *prefix, const struct cli_command *c)
{
    struct buf b = BUF_INIT;
    synopsis(&b, c);
    fputs(prefix, out);
    int indent = (int)(strlen(prefix) + strlen("stet ") + strlen(c->name) + 1);
    wrap_words(out, buf_cstr(&b), '\t', (int)strlen(prefix), indent);
    buf_cleanup(&b);
}

static void flag_lines(FILE *out, const struct cli_command *c)
{
    for (const struct cli_flag *f = c->flags; f != NULL && f->name != NULL; f++) {
        int n = fprintf(out, "  %s%s%s", f->name, f->arg ? " " : "", f->arg ? f->arg : "");
        if (n >= HELP_FLAG_WIDTH) {
            fprintf(out, "\n%*s", HELP_FLAG_WIDTH, "");
        } else {
            fprintf(out, "%*s", HELP_FLAG_WIDTH - n, "");
        }
        wrap(out, f->help, HELP_FLAG_WIDTH, HELP_FLAG_WIDTH);
    }
}

static bool in_group(const struct cli_command *group, const struct cli_command *c)
{
    size_t n = strlen(group->name);
    return strncmp(c->name, group->name, n) == 0 && c->name[n] == ' ';
}

void cli_help_command(FILE *out, const struct cli_command *cmd)
{
    if (cmd->flags == NULL) {
        bool first = true;
        for (const struct cli_command *c = cli_commands; c->name != NULL; c++) {
            if (!in_group(cmd, c))
                continue;
            if (!first)
                fputc('\n', out);
            cli_help_command(out, c);
            first = false;
        }
        return;
    }
    usage_line(out, "usage: ", cmd);
    fputc('\n', out);
    wrap(out, cmd->help, 0, 0);
    if (cmd->flags[0].name != NULL) {
        fputc('\n', out);
        flag_lines(out, cmd);
    }
}

void cli_help_overview(FILE *out)
{
    fputs("usage: stet COMMAND [OPTIONS]\n\nCommands:\n", out);
    for (const struct cli_command *c = cli_commands; c->name != NULL; c++) {
        if (c->flags == NULL)
            continue; /* a group: its subcommands follow */
        fprintf(out, "  %-16s %s\n", c->name, c->summary);
    }
    fputc('\n', out);
    wrap(out,
         "`stet help COMMAND` (or `stet COMMAND --help`) shows a command's usage and "
         "flags; `stet help --all` shows them all. Every command but migrate-data and "
         "help also takes --config FILE and --db URL (sqlite:PATH or postgres://...).",
         0, 0);
}

void cli_help_all(FILE *out)
{
    cli_help_overview(out);
    fputc('\n', out);
    wrap(out, cli_common_note, 0, 0);
    for (const struct cli_command *c = cli_commands; c->name != NULL; c++) {
        if (c->flags == NULL)
            continue;
        fputc('\n', out);
        cli_help_command(out, c);
    }
}

/* ---- usage errors and parsing ---- */

/* `stet: unknown command "NAME"`, the name redacted (`stet postgresql://u:PW@h` would
 * print a password). */
static int unknown_command(const char *name, const char *hint)
{
    struct buf shown = BUF_INIT;
    url_redact(&shown, name);
    cli_fail(CLI_USAGE, "unknown command \"%s\"", buf_cstr(&shown));
    fprintf(stderr, "See `%s`.\n", hint);
    buf_cleanup(&shown);
    return CLI_USAGE;
}

static int usage_error(const struct cli_command *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "stet: NAME: what is wrong", the synopsis and where the details are. */
static int usage_error(const struct cli_command *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "stet: %s: ", c->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    usage_line(stderr, "usage: ", c);
    fprintf(stderr, "See `stet help %s`.\n", c->name);
    return CLI_USAGE;
}

/* The k-th word of a command's operands ("NAME ROLE"), for "ROLE is missing". */
static void operand_name(const struct cli_command *c, int k, char *out, size_t size)
{
    const char *p = c->operands;
    for (int i = 0; i < k && p != NULL; i++) {
        p = strchr(p, ' ');
        if (p != NULL)
            p++;
    }
    size_t n = p != NULL ? strcspn(p, " ") : 0;
    snprintf(out, size, "%.*s", (int)n, p != NULL ? p : "");
}

/* argv[*i] is a flag ("--name" or "--name=value"): stores it, advancing *i past
 * its value. Only the part before '=' of an unknown flag is echoed: the rest may
 * be a URL with a password. */
static int take_flag(const struct cli_command *c, int argc, char **argv, int *i,
                     struct cli_args *out)
{
    const char *arg = argv[*i];
    size_t name_len = strcspn(arg, "=");
    size_t k = 0;
    const struct cli_flag *f = c->flags;
    for (; f->name != NULL; f++, k++)
        if (strlen(f->name) == name_len && strncmp(f->name, arg, name_len) == 0)
            break;
    if (f->name == NULL)
        return usage_error(c, "unknown flag %.*s", (int)name_len, arg);
    assert(k < CLI_MAX_FLAGS);
    if (out->value[k] != NULL)
        return usage_error(c, "%s given twice", f->name);
    const char *value;
    if (f->arg == NULL) {
        if (arg[name_len] == '=')
            return usage_error(c, "%s takes no value", f->name);
        value = "";
    } else if (arg[name_len] == '=') {
        value = arg + name_len + 1;
    } else if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0) {
        value = argv[++*i];
    } else {
        /* A following "--flag" is taken as the next flag, not as this one's value:
         * `--title --byline X` is a forgotten title far more often than a title. */
        return usage_error(c, "%s needs a value (%s %s)", f->name, f->name, f->arg);
    }
    out->value[k] = value;
    if (strcmp(f->name, "--config") == 0)
        out->common.config_file = value;
    else if (strcmp(f->name, "--db") == 0)
        out->common.db_url = value;
    return CLI_OK;
}

int cli_parse(const char *name, int argc, char **argv, struct cli_args *out)
{
    const struct cli_command *c = cli_command_find(name);
    assert(c != NULL && c->flags != NULL);
    memset(out, 0, sizeof(*out));
    out->cmd = c;
    int max_operands = c->n_operands >= 0 ? c->n_operands : CLI_MAX_OPERANDS;
    bool flags_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!flags_done && strcmp(arg, "--") == 0) {
            flags_done = true;
        } else if (!flags_done && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
            cli_help_command(stdout, c);
            return CLI_HELP;
        } else if (!flags_done && arg[0] == '-' && arg[1] != '\0') {
            int rc = take_flag(c, argc, argv, &i, out);
            if (rc != CLI_OK)
                return rc;
        } else if (out->n_operands < max_operands) {
            out->operand[out->n_operands++] = arg;
        } else {
            /* Most likely a database URL without its --db. */
            struct buf shown = BUF_INIT;
            url_redact(&shown, arg);
            usage_error(c, "unexpected argument '%s'", buf_cstr(&shown));
            buf_cleanup(&shown);
            return CLI_USAGE;
        }
    }
    size_t k = 0;
    for (const struct cli_flag *f = c->flags; f->name != NULL; f++, k++)
        if (f->required && out->value[k] == NULL)
            return usage_error(c, "%s is required (%s %s)", f->name, f->name, f->arg);
    if (c->n_operands > 0 && out->n_operands < c->n_operands) {
        char missing[64];
        operand_name(c, out->n_operands, missing, sizeof(missing));
        return usage_error(c, "%s is missing", missing);
    }
    return CLI_OK;
}

const char *cli_value(const struct cli_args *args, const char *flag)
{
    size_t k = 0;
    for (const struct cli_flag *f = args->cmd->flags; f->name != NULL; f++, k++)
        if (strcmp(f->name, flag) == 0)
            return args->value[k];
    assert(!"cli_value: a flag the command does not have");
    return NULL;
}

int cli_subcommand(const char *group, int argc, char **argv, const struct cli_command **cmd)
{
    const struct cli_command *g = cli_command_find(group);
    assert(g != NULL && g->flags == NULL);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cli_help_command(stdout, g);
        return CLI_HELP;
    }
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "stet: %s needs a subcommand\n", group);
        for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
            if (in_group(g, c))
                usage_line(stderr, "usage: ", c);
        fprintf(stderr, "See `stet help %s`.\n", group);
        return CLI_USAGE;
    }
    char name[64];
    snprintf(name, sizeof(name), "%s %s", group, argv[1]);
    *cmd = cli_command_find(name);
    if (*cmd == NULL || strlen(group) + 1 + strlen(argv[1]) >= sizeof(name)) {
        struct buf full = BUF_INIT;
        buf_printf(&full, "%s %s", group, argv[1]);
        char hint[64];
        snprintf(hint, sizeof(hint), "stet help %s", group);
        unknown_command(buf_cstr(&full), hint);
        buf_cleanup(&full);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cmd_help(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse("help", argc, argv, &a);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    if (cli_value(&a, "--all") != NULL) {
        if (a.n_operands > 0)
            return usage_error(a.cmd, "--all takes no COMMAND");
        cli_help_all(stdout);
        return CLI_OK;
    }
    if (a.n_operands == 0) {
        cli_help_overview(stdout);
        return CLI_OK;
    }
    struct buf name = BUF_INIT;
    buf_printf(&name, "%s", a.operand[0]);
    if (a.n_operands > 1)
        buf_printf(&name, " %s", a.operand[1]);
    const struct cli_command *c = cli_command_find(buf_cstr(&name));
    if (c == NULL && strcmp(buf_cstr(&name), "version") == 0)
        c = cli_command_find("--version");
    if (c == NULL)
        unknown_command(buf_cstr(&name), "stet help");
    else
        cli_help_command(stdout, c);
    buf_cleanup(&name);
    return c != NULL ? CLI_OK : CLI_USAGE;
}

static int run_version(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse("--version", argc, argv, &a);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    return cli_version_print();
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        cli_help_overview(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    else if (strcmp(name, "version") == 0)
        name = "--version";
    if (strcmp(name, "--version") == 0)
        return run_version(argc - 1, argv + 1);
    /* Only top-level commands run: "story add" is reached through "story". */
    const struct cli_command *c = strchr(name, ' ') == NULL ? cli_command_find(name) : NULL;
    if (c == NULL || c->run == NULL)
        return unknown_command(argv[1], "stet help");
    return c->run(argc - 1, argv + 1);
}

/* ---- the offline commands' session ---- */

int cli_missing_database(const char *url)
{
    struct buf shown = BUF_INIT;
    url_redact(&shown, url);
    const char *u = buf_cstr(&shown);
    if (strncmp(u, "sqlite:", strlen("sqlite:")) == 0)
        cli_fail(CLI_FAIL,
                 "no database at %s; create one with `stet migrate --db %s` "
                 "(or run `stet serve --demo`)",
                 u, u);
    else
        cli_fail(CLI_FAIL,
                 "no stet tables in the database %s; create them with `stet migrate --db %s` "
                 "(or run `stet serve --demo`)",
                 u, u);
    buf_cleanup(&shown);
    return CLI_FAIL;
}

int cli_require_database(const char *url)
{
    struct store *st;
    int rc = store_open_existing(url, &st);
    if (rc == 0) {
        store_close(st);
        return CLI_OK;
    }
    if (rc == STET_ENOTFOUND)
        return cli_missing_database(url);
    /* The same words as app_init's, whichever check comes first. */
    struct buf shown = BUF_INIT;
    url_redact(&shown, url != NULL ? url : "");
    cli_fail(CLI_FAIL, "cannot open database %s", buf_cstr(&shown));
    buf_cleanup(&shown);
    return CLI_FAIL;
}

int cli_session_open(struct cli_session *s, struct config_flags *flags, bool create)
{
    struct config cfg;
    char err[512];
    memset(s, 0, sizeof(*s));
    if (config_load(&cfg, flags, config_getenv, err, sizeof(err)) != 0)
        return cli_fail(CLI_FAIL, "%s", err);
    /* Checked before app_init, whose pool opens with SQLITE_OPEN_CREATE. */
    if (!create && cli_require_database(cfg.db_url) != CLI_OK) {
        config_cleanup(&cfg);
        return CLI_FAIL;
    }
    if (app_init(&s->app, &cfg, 1, 1) != 0) {
        app_cleanup(&s->app);
        return CLI_FAIL;
    }
    s->st = store_pool_acquire(s->app.pool);
    s->arena = arena_new(64 * 1024);
    return CLI_OK;
}

void cli_session_close(struct cli_session *s)
{
    if (s->st != NULL)
        store_pool_release(s->app.pool, s->st);
    arena_free(s->arena);
    app_cleanup(&s->app);
}

struct dctx cli_dctx(struct cli_session *s, struct err_detail *err)
{
    return app_dctx(&s->app, s->arena, s->st, err);
}
