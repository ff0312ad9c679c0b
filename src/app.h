/* The process: configuration, database connections, templates, weather and the
 * HTTP server, built once by `stet serve` (or a CLI command) and freed at exit. */
#ifndef STET_APP_H
#define STET_APP_H

#include "base/err.h"
#include "config.h"
#include "domain/context.h"
#include "render/template.h"
#include "services/akismet.h"
#include "services/weather.h"
#include "store/store.h"

struct app {
    struct config cfg;
    struct store_pool *pool;
    struct tmpl_set *templates;
    struct weather *weather;
    struct akismet *akismet; /* spam.akismet_url's client; NULL: not configured */
    /* The web layer's process state, made by web_init (serve only; NULL for offline
     * commands) and freed by web_cleanup: app.c never touches what they point to. */
    const struct route *routes; /* the table dispatch matches (cli/routes.c) */
    size_t n_routes;
    struct live *live;
    /* Request, cache and process counters for GET /metrics. */
    struct metrics *metrics;
    struct page_cache *pages;
    uint64_t page_salt; /* folds into every cached page's version: build, assets, site name */
    struct domain_env env;
    /* The env that app_dctx hands out: &env, then after each app_reload_limits a copy
     * with the new limits. Copies are never changed and live until app_cleanup,
     * since a request may still hold the one it started with. */
    _Atomic(const struct domain_env *) env_now;
    struct app_env_copy *env_copies;
    char static_version[17]; /* cache-busting hash of the static assets */
    /* The assets' URLs with that hash, made once: every page links them. */
    char css_url[64];
    char live_js_url[64];
    char comment_form_js_url[64];
};

/* Opens the database (migrating it), compiles templates, starts the weather
 * refresher. `n_read` and `n_write` size the store pool's two connection sets.
 * Takes ownership of *cfg (the caller's copy is cleared). Errors are reported on
 * stderr as "stet: ...". */
int app_init(struct app *app, struct config *cfg, unsigned n_read,
             unsigned n_write) STET_MUST_CHECK;
void app_cleanup(struct app *app);

/* Serving threads see `c`'s rate limits from their next domain call on (SIGHUP).
 * Call it from one thread at a time; costs one struct domain_env until app_cleanup. */
void app_reload_limits(struct app *app, const struct config *c);

/* A domain call context for one unit of work. */
struct dctx app_dctx(struct app *app, struct arena *a, struct store *st, struct err_detail *err);

#endif
