/* `stet serve`: build the app, start the HTTP server, wait for SIGINT or SIGTERM,
 * then shut down gracefully (in-flight requests finish, the database closes). */
#include "base/log.h"
#include "base/url.h"
#include "cli/cli.h"
#include "domain/ratelimit.h"
#include "domain/sessions.h"
#include "http/server.h"
#include "services/janitor.h"
#include "web/web.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Threads for requests that write (posting, registering, logging in). This many
 * posts can wait in the group committer at once and share one commit; none holds a
 * database connection while it waits there or hashes a password (Argon2id's memory
 * is bounded in domain/password.c, not here). */
#define SERVE_WRITE_WORKERS 64
/* Threads for GET requests that need the database (a page not in the cache, the
 * API's lists): reads take milliseconds at most, so few threads keep up. */
#define SERVE_READ_WORKERS 16
/* Database connections, borrowed per operation. Reads and writes have their own,
 * so a write waiting for SQLite's write lock never keeps a reader waiting; with
 * PostgreSQL the server must fit every node's total (see docs/deploy.md). */
#define SERVE_READ_CONNECTIONS  16
#define SERVE_WRITE_CONNECTIONS 16

/* Housekeeping: expired sessions and rate-limit buckets full again are deleted
 * this often, at most this many of each per piece (one short transaction). */
#define SERVE_PRUNE_INTERVAL_S 300
#define SERVE_PRUNE_BATCH      1000

/* One piece of housekeeping (a janitor_fn); true when a batch came back full. */
static bool prune_piece(void *arg)
{
    struct app *app = arg;
    struct arena *a = arena_new(4096);
    struct dctx ctx = app_dctx(app, a, store_pool_store(app->pool, false), NULL);
    int64_t sessions = 0, buckets = 0;
    int rc = session_prune(&ctx, SERVE_PRUNE_BATCH, &sessions, &buckets);
    arena_free(a);
    if (rc != 0) {
        log_warn(NULL, "janitor: pruning failed (%s); trying again later", err_name(rc));
        return false;
    }
    if (sessions > 0 || buckets > 0)
        log_info(NULL, "janitor: removed %lld expired session(s), %lld idle rate-limit bucket(s)",
                 (long long)sessions, (long long)buckets);
    return sessions == SERVE_PRUNE_BATCH || buckets == SERVE_PRUNE_BATCH;
}

/* Before serving: the key that names rate-limit buckets (the same on every node),
 * and the janitor. Reports its failure. */
static int start_housekeeping(struct app *app, struct janitor **janitor)
{
    if (rate_key_load(store_pool_store(app->pool, false), app->env.rate_key) != 0)
        return cli_fail(CLI_FAIL, "cannot read or create the rate-limit key");
    if (janitor_start(SERVE_PRUNE_INTERVAL_S, prune_piece, app, janitor) != 0)
        return cli_fail(CLI_FAIL, "cannot start the housekeeping thread");
    return 0;
}

static int seed_demo(struct app *app)
{
    struct arena *a = arena_new(64 * 1024);
    struct dctx ctx = app_dctx(app, a, store_pool_store(app->pool, false), NULL);
    int rc = demo_seed(&ctx);
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
    if (optind != argc) {
        /* A database URL given without --db lands here. */
        struct buf arg = BUF_INIT;
        url_redact(&arg, argv[optind]);
        cli_fail(CLI_USAGE, "serve: unexpected argument '%s'", buf_cstr(&arg));
        buf_cleanup(&arg);
        return CLI_USAGE;
    }

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
    /* Bound first: the port is known before any thread reads the configuration
     * (base_url), and a busy port fails before a database is created. */
    int listen_fd;
    uint16_t port;
    if (http_listen(cfg.listen_host, cfg.listen_port, &listen_fd, &port, err, sizeof(err)) != 0) {
        config_cleanup(&cfg);
        return cli_fail(CLI_FAIL, "%s", err);
    }
    config_set_bound_port(&cfg, port);
    unsigned io_threads = cfg.threads;
    struct app app;
    if (app_init(&app, &cfg, SERVE_READ_CONNECTIONS, SERVE_WRITE_CONNECTIONS) != 0) {
        close(listen_fd);
        app_cleanup(&app);
        return CLI_FAIL;
    }
    if (app_start_live(&app) != 0) {
        close(listen_fd);
        app_cleanup(&app);
        return cli_fail(CLI_FAIL, "cannot start live comments");
    }
    if (demo && seed_demo(&app) != 0) {
        close(listen_fd);
        app_cleanup(&app);
        return cli_fail(CLI_FAIL, "cannot add the demo stories");
    }
    struct janitor *janitor = NULL;
    if (start_housekeeping(&app, &janitor) != 0) {
        close(listen_fd);
        app_cleanup(&app);
        return CLI_FAIL;
    }

    struct http_server_config hc = {
        .listen_fd = listen_fd,
        .n_io_threads = io_threads,
        .n_read_workers = SERVE_READ_WORKERS,
        .n_write_workers = SERVE_WRITE_WORKERS,
        .max_per_client = app.cfg.max_per_client,
        .head_timeout_s = app.cfg.head_timeout_s,
        .body_timeout_s = app.cfg.body_timeout_s,
        .trusted_proxies = &app.cfg.trusted_proxies,
        .app = &app,
        .dispatch = web_dispatch,
        .done = web_done,
    };
    struct http_server *srv;
    if (http_server_start(&hc, &srv) != 0) {
        janitor_stop(janitor);
        app_cleanup(&app);
        return cli_fail(CLI_FAIL, "cannot start serving on %s port %u", app.cfg.listen_host,
                        (unsigned)port);
    }
    /* Logged before the listening line, which whoever started stet may wait for:
     * by the time that line is out, so is this one. */
    struct buf db = BUF_INIT;
    url_redact(&db, app.cfg.db_url);
    log_info(NULL, "stet %s serving %s on port %u", STET_VERSION, buf_cstr(&db), (unsigned)port);
    buf_cleanup(&db);
    bool v6 = strchr(app.cfg.listen_host, ':') != NULL;
    printf("stet: listening on http://%s%s%s:%u\n", v6 ? "[" : "", app.cfg.listen_host,
           v6 ? "]" : "", (unsigned)app.cfg.listen_port);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    log_info(NULL, "received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(srv);
    janitor_stop(janitor);
    app_cleanup(&app);
    log_info(NULL, "stopped");
    return CLI_OK;
}
