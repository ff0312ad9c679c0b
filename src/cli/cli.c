/* Command dispatch, help texts, and the setup shared by the offline commands. */
#include "cli/cli.h"

#include "base/arena.h"
#include "base/log.h"
#include "base/url.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: stet COMMAND [OPTIONS]\n"
    "\n"
    "  serve   [--config FILE] [--listen HOST:PORT] [--db URL] [--demo]\n"
    "  migrate [--db URL]\n"
    "  migrate-data --from URL --to URL   (copy a whole site into an empty database)\n"
    "  story add --slug SLUG --title TEXT [--byline TEXT] [--body-file FILE|-]\n"
    "            [--published-at ISO8601]\n"
    "  story list\n"
    "  story close SLUG | story open SLUG\n"
    "  user add --username NAME --email ADDR [--role reader|moderator|admin]\n"
    "           (password read from stdin)\n"
    "  user role NAME ROLE\n"
    "  --version | help [COMMAND]\n"
    "\n"
    "Every command also takes --config FILE and --db URL (sqlite:PATH or postgres://...).\n";

int cli_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
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

int cli_session_open(struct cli_session *s, struct config_flags *flags)
{
    struct config cfg;
    char err[512];
    memset(s, 0, sizeof(*s));
    if (config_load(&cfg, flags, config_getenv, err, sizeof(err)) != 0)
        return cli_fail(CLI_FAIL, "%s", err);
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

int cli_take_option(int argc, char **argv, int i, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(argv[i], name, n) != 0)
        return 0;
    if (argv[i][n] == '=') {
        *value = argv[i] + n + 1;
        return 1;
    }
    if (argv[i][n] != '\0')
        return 0;
    if (i + 1 >= argc)
        return -1;
    *value = argv[i + 1];
    return 2;
}

int cli_take_common(int *argc, char **argv, struct config_flags *flags)
{
    int out = 1;
    for (int i = 1; i < *argc;) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        int used = cli_take_option(*argc, argv, i, "--config", &flags->config_file);
        if (used == 0)
            used = cli_take_option(*argc, argv, i, "--db", &flags->db_url);
        if (used < 0)
            return cli_fail(CLI_USAGE, "%s needs a value", argv[i]);
        if (used > 0) {
            i += used;
            continue;
        }
        argv[out++] = argv[i++];
    }
    *argc = out;
    argv[out] = NULL;
    return CLI_OK;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs(usage, stdout);
    return CLI_OK;
}

int cli_main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        {"serve", cmd_serve}, {"migrate", cmd_migrate}, {"story", cmd_story},
        {"user", cmd_user},   {"help", cmd_help},       {"migrate-data", cmd_migrate_data},
    };
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("stet %s\n", STET_VERSION);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(argc, argv);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    /* Redacted: `stet postgresql://user:PASSWORD@...` would print it. */
    struct buf cmd = BUF_INIT;
    url_redact(&cmd, argv[1]);
    fprintf(stderr, "stet: unknown command '%s'\n%s", buf_cstr(&cmd), usage);
    buf_cleanup(&cmd);
    return CLI_USAGE;
}
