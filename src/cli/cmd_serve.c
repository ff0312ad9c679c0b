/* `stet serve`: build the app, start the HTTP server, wait for SIGINT or SIGTERM,
 * then shut down gracefully (in-flight requests finish, the database closes). */
#include "base/log.h"
#include "cli/cli.h"
#include "http/server.h"
#include "web/web.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Threads for blocking requests (writes, password hashing). Each holds a pooled
 * connection while its comment waits in the group committer, so this many posts can
 * share one commit; Argon2id's memory is bounded in domain/password.c, not here. */
#define SERVE_WORKERS 64
/* Database connections beyond one per I/O thread. Fewer than workers: a worker
 * holds one only while its request runs, and a PostgreSQL server must fit every
 * node's pool (see docs/deploy.md). */
#define SERVE_POOL_EXTRA 32

static int seed_demo(struct app *app)
{
    struct store *st = store_pool_acquire(app->pool);
    struct arena *a = arena_new(64 * 1024);
    struct dctx ctx = app_dctx(app, a, st, NULL);
    int rc = demo_seed(&ctx);
    store_pool_release(app->pool, st);
    arena_free(a);
    return rc;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"demo", no_argument, NULL, 'D'},
        {NULL, 0, NULL, 0},
    };
    struct config_flags flags = {0};
    bool demo = false;
    int c;
    if (cli_take_common(&argc, argv, &flags) != CLI_OK)
        return CLI_USAGE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            flags.listen = optarg;
            break;
        case 'D':
            demo = true;
            break;
        default:
            return cli_fail(CLI_USAGE, "usage: stet serve [--config FILE] [--listen HOST:PORT] "
                                       "[--db URL] [--demo]");
        }
    }
    if (optind != argc)
        return cli_fail(CLI_USAGE, "serve: unexpected argument '%s'", argv[optind]);

    /* Block the shutdown signals before any thread starts, so every thread inherits
     * the mask and only sigwait below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct config cfg;
    char err[512];
    if (config_load(&cfg, &flags, config_getenv, err, sizeof(err)) != 0)
        return cli_fail(CLI_FAIL, "%s", err);
    unsigned io_threads = cfg.threads;
    struct app app;
    if (app_init(&app, &cfg, io_threads + SERVE_POOL_EXTRA) != 0) {
        app_cleanup(&app);
        return CLI_FAIL;
    }
    if (app_start_live(&app) != 0) {
        app_cleanup(&app);
        return cli_fail(CLI_FAIL, "cannot start live comments");
    }
    if (demo && seed_demo(&app) != 0) {
        app_cleanup(&app);
        return cli_fail(CLI_FAIL, "cannot add the demo stories");
    }

    struct http_server_config hc = {
        .host = app.cfg.listen_host,
        .port = app.cfg.listen_port,
        .n_io_threads = io_threads,
        .n_workers = SERVE_WORKERS,
        .app = &app,
        .dispatch = web_dispatch,
        .done = web_done,
    };
    struct http_server *srv;
    if (http_server_start(&hc, &srv) != 0) {
        app_cleanup(&app);
        return cli_fail(CLI_FAIL, "cannot listen on %s port %u", app.cfg.listen_host,
                        (unsigned)app.cfg.listen_port);
    }
    config_set_bound_port(&app.cfg, http_server_port(srv));
    bool v6 = strchr(app.cfg.listen_host, ':') != NULL;
    printf("stet: listening on http://%s%s%s:%u\n", v6 ? "[" : "", app.cfg.listen_host,
           v6 ? "]" : "", (unsigned)app.cfg.listen_port);
    fflush(stdout);
    log_info(NULL, "stet %s serving %s on port %u", STET_VERSION, app.cfg.db_url,
             (unsigned)http_server_port(srv));

    int sig = 0;
    sigwait(&stop, &sig);
    log_info(NULL, "received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(srv);
    app_cleanup(&app);
    log_info(NULL, "stopped");
    return CLI_OK;
}
