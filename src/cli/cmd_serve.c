/* `stet serve`: build the app, start the HTTP server, wait for SIGINT or SIGTERM,
 * then shut down gracefully (in-flight requests finish, the database closes). SIGHUP
 * re-reads the configuration file and applies what can change while serving. The
 * service manager hears about each state on $NOTIFY_SOCKET (Type=notify). */
#include "base/log.h"
#include "base/notify.h"
#include "base/url.h"
#include "cli/cli.h"
#include "domain/ratelimit.h"
#include "domain/sessions.h"
#include "http/server.h"
#include "services/janitor.h"
#include "web/web.h"

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

/* Tells systemd; a failure matters only in that systemd then times the start out,
 * so it is logged, not fatal. */
static void notify(const char *state)
{
    if (notify_send(state) != 0)
        log_warn(NULL, "cannot tell the service manager %s (NOTIFY_SOCKET)", state);
}

/* The log settings of `c`, at start and on SIGHUP; reports a file that cannot be
 * opened in `err`. */
static int apply_log(const struct config *c, char *err, size_t err_len)
{
    log_set_level((enum log_level)c->log_level);
    return log_access_open(c->access_log, err, err_len);
}

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void swap_str(char **a, char **b)
{
    char *t = *a;
    *a = *b;
    *b = t;
}

/* Logs each key of `next` that differs from the running `cur` and takes a restart
 * to apply. `port` is the configured port (cur's is the one bound). Values are not
 * shown: some are secrets (the database URL, the metrics token). */
static void report_restart_keys(const struct config *cur, uint16_t port, const struct config *next)
{
    const struct {
        const char *key;
        bool changed;
    } keys[] = {
        {"server.listen",
         !same_str(cur->listen_host, next->listen_host) || port != next->listen_port},
        {"server.base_url",
         cur->base_url_derived != next->base_url_derived ||
             (!cur->base_url_derived && !same_str(cur->base_url, next->base_url))},
        {"server.threads", cur->threads != next->threads},
        {"server.trusted_proxies",
         cur->trusted_proxies.n != next->trusted_proxies.n ||
             memcmp(cur->trusted_proxies.items, next->trusted_proxies.items,
                    cur->trusted_proxies.n * sizeof(cur->trusted_proxies.items[0])) != 0},
        {"server.max_connections_per_client", cur->max_per_client != next->max_per_client},
        {"server.head_timeout", cur->head_timeout_s != next->head_timeout_s},
        {"server.body_timeout", cur->body_timeout_s != next->body_timeout_s},
        {"server.metrics_token", !same_str(cur->metrics_token, next->metrics_token)},
        {"database.url", !same_str(cur->db_url, next->db_url)},
        {"database.synchronous", cur->db_sync_normal != next->db_sync_normal},
        {"site.name", !same_str(cur->site_name, next->site_name)},
        {"site.timezone", !same_str(cur->site_timezone, next->site_timezone)},
        {"comments.require_registration", cur->require_registration != next->require_registration},
        {"comments.max_length", cur->comment_max_length != next->comment_max_length},
        {"comments.report_threshold",
         cur->comment_report_threshold != next->comment_report_threshold},
        {"comments.edit_window", cur->comment_edit_window != next->comment_edit_window},
        {"comments.premoderate",
         cur->comment_policy.premoderate != next->comment_policy.premoderate},
        {"comments.premoderate_first",
         cur->comment_policy.premoderate_first != next->comment_policy.premoderate_first},
        {"comments.banned_words", !same_str(cur->comment_banned_words, next->comment_banned_words)},
        {"comments.banned_action",
         cur->comment_policy.banned_reject != next->comment_policy.banned_reject},
        {"comments.max_links", cur->comment_policy.max_links != next->comment_policy.max_links},
        {"comments.min_account_age",
         cur->comment_policy.min_account_age != next->comment_policy.min_account_age},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (keys[i].changed)
            log_warn(NULL, "reload: %s changed; it takes effect when stet restarts", keys[i].key);
}

static bool same_rate(struct config_rate a, struct config_rate b)
{
    return a.capacity == b.capacity && a.period_s == b.period_s;
}

/* Applies [limits] of `next` when any changed, logging each. */
static void reload_limits(struct app *app, struct config *next)
{
    struct config *cur = &app->cfg;
    const struct {
        const char *key;
        struct config_rate *cur, *next;
    } rates[] = {
#define RATE(field) {#field, &cur->field, &next->field},
        CONFIG_RATE_LIMITS(RATE)
#undef RATE
    };
    bool changed = false;
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        if (same_rate(*rates[i].cur, *rates[i].next))
            continue;
        log_info(NULL, "reload: limits.%s = %d/%ds", rates[i].key, rates[i].next->capacity,
                 rates[i].next->period_s);
        *rates[i].cur = *rates[i].next;
        changed = true;
    }
    if (changed)
        app_reload_limits(app, cur);
}

/* Applies [weather] of `next` when any of it changed. */
static void reload_weather(struct app *app, struct config *next)
{
    struct config *cur = &app->cfg;
    if (same_str(cur->weather_url, next->weather_url) &&
        cur->weather_refresh == next->weather_refresh &&
        cur->weather_fahrenheit == next->weather_fahrenheit)
        return;
    struct buf url = BUF_INIT;
    url_redact(&url, next->weather_url != NULL ? next->weather_url : "(none)");
    log_info(NULL, "reload: weather from %s every %d s in %s", buf_cstr(&url),
             next->weather_refresh, next->weather_fahrenheit ? "fahrenheit" : "celsius");
    buf_cleanup(&url);
    weather_reconfigure(app->weather, next->weather_url, next->weather_refresh,
                        next->weather_fahrenheit);
    swap_str(&cur->weather_url, &next->weather_url);
    cur->weather_refresh = next->weather_refresh;
    cur->weather_fahrenheit = next->weather_fahrenheit;
}

/* SIGHUP: reads the configuration again as at start (same flags, same environment,
 * the demo's weather when `demo`) and applies [weather], [limits] and [log]; reopens
 * the access log for logrotate.
 * Runs on the serving thread, which alone reads or writes those fields of app->cfg
 * after start; requests see the changes through weather_reconfigure,
 * app_reload_limits and the log's atomics. A file with an error changes nothing. */
static void reload(struct app *app, const struct config_flags *flags, bool demo, uint16_t port)
{
    struct config next;
    char err[512];
    if (notify_reloading() != 0)
        log_warn(NULL, "cannot tell the service manager RELOADING=1 (NOTIFY_SOCKET)");
    log_info(NULL, "received SIGHUP, reloading the configuration");
    if (config_load(&next, flags, config_getenv, err, sizeof(err)) != 0) {
        log_error(NULL, "reload: %s; nothing changed", err);
        notify("READY=1");
        return;
    }
    if (demo)
        demo_weather(&next);
    struct config *cur = &app->cfg;
    reload_weather(app, &next);
    reload_limits(app, &next);
    report_restart_keys(cur, port, &next);
    /* The log settings last, so the lines above still show at the old level. */
    if (cur->log_level != next.log_level)
        log_info(NULL, "reload: log.level = %s", log_level_name((enum log_level)next.log_level));
    if (!same_str(cur->access_log, next.access_log))
        log_info(NULL, "reload: log.access = %s", next.access_log);
    if (apply_log(&next, err, sizeof(err)) != 0)
        log_error(NULL, "reload: %s; the access log stays %s", err, cur->access_log);
    else
        swap_str(&cur->access_log, &next.access_log);
    cur->log_level = next.log_level;
    config_cleanup(&next);
    log_info(NULL, "reload done");
    notify("READY=1");
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
    struct cli_args args;
    int status = cli_parse("serve", argc, argv, &args);
    if (status != CLI_OK)
        return status == CLI_HELP ? CLI_OK : status;
    struct config_flags flags = args.common;
    flags.listen = cli_value(&args, "--listen");
    bool demo = cli_value(&args, "--demo") != NULL;

    /* Block the shutdown and reload signals before any thread starts, so every
     * thread inherits the mask and only sigwait below receives them: the work a
     * signal asks for runs on this thread, never in a handler. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct config cfg;
    char err[512];
    if (config_load(&cfg, &flags, config_getenv, err, sizeof(err)) != 0)
        return cli_fail(CLI_FAIL, "%s", err);
    if (apply_log(&cfg, err, sizeof(err)) != 0) {
        config_cleanup(&cfg);
        return cli_fail(CLI_FAIL, "%s", err);
    }
    uint16_t configured_port = cfg.listen_port;
    /* Bound first: the port is known before any thread reads the configuration
     * (base_url), and a busy port fails before a database is created. */
    int listen_fd;
    uint16_t port;
    if (http_listen(cfg.listen_host, cfg.listen_port, &listen_fd, &port, err, sizeof(err)) != 0) {
        config_cleanup(&cfg);
        return cli_fail(CLI_FAIL, "%s", err);
    }
    config_set_bound_port(&cfg, port);
    /* Only the demo may start on a new database: a mistyped --db, or a relative
     * sqlite: path read from another directory, must not serve an empty site. */
    if (!demo && cli_require_database(cfg.db_url) != CLI_OK) {
        close(listen_fd);
        config_cleanup(&cfg);
        return CLI_FAIL;
    }
    if (demo)
        demo_weather(&cfg);
    unsigned io_threads = cfg.threads;
    struct app app;
    if (app_init(&app, &cfg, SERVE_READ_CONNECTIONS, SERVE_WRITE_CONNECTIONS) != 0) {
        close(listen_fd);
        app_cleanup(&app);
        return CLI_FAIL;
    }
    if (web_init(&app, cli_routes, cli_n_routes) != 0) {
        close(listen_fd);
        web_cleanup(&app);
        app_cleanup(&app);
        return cli_fail(CLI_FAIL, "cannot start live comments");
    }
    if (demo && seed_demo(&app) != 0) {
        close(listen_fd);
        web_cleanup(&app);
        app_cleanup(&app);
        return cli_fail(CLI_FAIL, "cannot add the demo stories");
    }
    struct janitor *janitor = NULL;
    if (start_housekeeping(&app, &janitor) != 0) {
        close(listen_fd);
        web_cleanup(&app);
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
        .max_body = web_body_limit(app.cfg.comment_max_length),
        .trusted_proxies = &app.cfg.trusted_proxies,
        .app = &app,
        .dispatch = web_dispatch,
        .done = web_done,
    };
    struct http_server *srv;
    if (http_server_start(&hc, &srv) != 0) {
        janitor_stop(janitor);
        web_cleanup(&app);
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
    notify("READY=1");

    int sig = 0;
    for (;;) {
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        reload(&app, &flags, demo, configured_port);
    }
    notify("STOPPING=1");
    log_info(NULL, "received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(srv);
    janitor_stop(janitor);
    web_cleanup(&app);
    app_cleanup(&app);
    log_info(NULL, "stopped");
    return CLI_OK;
}
