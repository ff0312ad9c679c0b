/* The web layer's process state: what `stet serve` needs besides struct app's
 * configuration, store and templates. web/ owns its lifetime, so app.c (below web/)
 * holds only the pointers and never includes a web header. */
#include "web/web.h"

#include "web/live.h"
#include "web/metrics.h"
#include "web/page_cache.h"

/* The domain's commit hook (domain_env.published): wakes the hub's streams. */
static void publish(void *ctx, int64_t story_id, int64_t seq)
{
    live_publish(ctx, story_id, seq);
}

int web_init(struct app *app, const struct route *routes, size_t n_routes)
{
    app->routes = routes;
    app->n_routes = n_routes;
    app->metrics = metrics_new(routes, n_routes);
    app->pages = page_cache_new(PAGE_CACHE_MAX_BYTES);
    app->live = live_new(app->cfg.db_url);
    if (app->live == NULL)
        return STET_EIO;
    /* Before any serving thread starts, so none reads the hook half set. */
    app->env.published = publish;
    app->env.published_ctx = app->live;
    return 0;
}

void web_cleanup(struct app *app)
{
    app->env.published = NULL;
    app->env.published_ctx = NULL;
    live_free(app->live);
    metrics_free(app->metrics);
    page_cache_free(app->pages);
    app->live = NULL;
    app->metrics = NULL;
    app->pages = NULL;
    app->routes = NULL;
    app->n_routes = 0;
}
