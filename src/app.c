/* Building and tearing down process state. Each step reports its own failure, so
 * `stet serve` prints one precise line when something is wrong at startup. */
#include "app.h"

#include "base/hash.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "base/url.h"
#include "base/xalloc.h"
#include "domain/password.h"
#include "render/markdown.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct app_env_copy {
    struct domain_env env;
    struct app_env_copy *next;
};

static void static_assets_version(char out[17])
{
    /* FNV-1a over the embedded static files: changes exactly when one of them does. */
    uint64_t h = HASH_INIT;
    for (const struct embedded_file *f = embedded_static; f->name != NULL; f++)
        h = hash_bytes(h, f->data, f->len);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static struct rate_limit limit_of(struct config_rate r)
{
    return (struct rate_limit){r.capacity, r.period_s};
}

/* config [limits] as the domain takes them. */
static struct domain_limits app_limits(const struct config *c)
{
    return (struct domain_limits){
#define LIMIT(field) .field = limit_of(c->field),
        CONFIG_RATE_LIMITS(LIMIT)
#undef LIMIT
    };
}

/* What every cached page's version folds in besides its own data: the build (its
 * version and its templates, so an upgrade never serves a page or a 304 made by
 * the old one), the static assets' version and the site name. */
static uint64_t page_salt(const char *static_version, const char *site_name)
{
    uint64_t h = hash_bytes(HASH_INIT, STET_VERSION, strlen(STET_VERSION));
    for (const struct embedded_file *f = embedded_templates; f->name != NULL; f++) {
        h = hash_bytes(h, f->name, strlen(f->name));
        h = hash_bytes(h, f->data, f->len);
    }
    h = hash_bytes(h, static_version, strlen(static_version));
    return hash_bytes(h, site_name, strlen(site_name));
}

/* The domain's remote spam check on the Akismet client: the permalink and the blog
 * are the site's URLs, which only the configuration knows (base_url may be made
 * from the bound port after app_init, so it is read per check). */
static enum spam_remote_answer app_spam_remote(void *ctx, const struct spam_remote_comment *c,
                                               const char *rid)
{
    const struct app *app = ctx;
    const char *site =
        app->cfg.spam_akismet_site != NULL ? app->cfg.spam_akismet_site : app->cfg.base_url;
    struct buf permalink = BUF_INIT;
    buf_printf(&permalink, "%s/stories/%.*s", app->cfg.base_url, (int)c->story_slug.len,
               c->story_slug.ptr);
    const struct akismet_comment q = {
        .blog = str_from(site),
        .user_ip = c->user_ip,
        .user_agent = c->user_agent,
        .referrer = c->referrer,
        .permalink = {permalink.data, permalink.len},
        .author = c->author,
        .author_email = c->author_email,
        .content = c->content,
        .date = c->date,
    };
    enum akismet_answer a = akismet_check(app->akismet, &q, rid);
    buf_cleanup(&permalink);
    return a == AKISMET_SPAM  ? SPAM_REMOTE_SPAM
           : a == AKISMET_HAM ? SPAM_REMOTE_HAM
                              : SPAM_REMOTE_NONE;
}

int app_init(struct app *app, struct config *cfg, unsigned n_read, unsigned n_write)
{
    char err[256];
    int rc;

    memset(app, 0, sizeof(*app));
    app->cfg = *cfg;
    memset(cfg, 0, sizeof(*cfg));
    /* Before any thread starts: see base/timefmt.c. */
    time_zone_use(app->cfg.site_timezone);
    app->env.markdown = md_comment_to_safe_html;
    app->env.story_markdown = md_to_safe_html;
    app->env.comment_max_chars = app->cfg.comment_max_length;
    app->env.report_threshold = app->cfg.comment_report_threshold;
    app->env.edit_window = app->cfg.comment_edit_window;
    app->env.policy = app->cfg.comment_policy;
    app->env.spam = (struct spam_settings){
        .enabled = app->cfg.spam_enabled,
        .hold_at = app->cfg.spam_hold_at / 1000.0,
        .min_training = app->cfg.spam_min_training,
        .duplicate_window = app->cfg.spam_duplicate_window,
        .burst = app->cfg.spam_burst,
        .link_density = app->cfg.spam_link_density / 1000.0,
    };
    app->env.limits = app_limits(&app->cfg);
    if (app->cfg.spam_akismet_url != NULL) {
        /* The site's pages are in English (templates/layout.html's lang). */
        app->akismet = akismet_new(app->cfg.spam_akismet_url, app->cfg.spam_akismet_key, "en");
        app->env.spam_remote = app_spam_remote;
        app->env.spam_remote_ctx = app;
    }
    atomic_init(&app->env_now, &app->env);

    if (!app->cfg.require_registration) {
        fprintf(stderr,
                "%sstet: comments.require_registration = false (anonymous comments) is "
                "not supported yet\n",
                log_journal_prefix(LOG_LEVEL_ERROR));
        return STET_EINVAL;
    }
    if (secret_init() != 0) {
        fprintf(stderr, "%sstet: cannot initialize libsodium\n",
                log_journal_prefix(LOG_LEVEL_ERROR));
        return STET_EIO;
    }
    md_init();
    static_assets_version(app->static_version);
    snprintf(app->css_url, sizeof(app->css_url), "/static/stet.css?v=%s", app->static_version);
    snprintf(app->live_js_url, sizeof(app->live_js_url), "/static/live.js?v=%s",
             app->static_version);
    snprintf(app->comment_form_js_url, sizeof(app->comment_form_js_url),
             "/static/comment_form.js?v=%s", app->static_version);
    app->page_salt = page_salt(app->static_version, app->cfg.site_name);

    rc = tmpl_set_new(embedded_templates, &app->templates, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "%sstet: template error: %s\n", log_journal_prefix(LOG_LEVEL_ERROR), err);
        return rc;
    }
    rc = store_pool_new(app->cfg.db_url, n_read, n_write, &app->pool);
    if (rc != 0) {
        struct buf url = BUF_INIT;
        url_redact(&url, app->cfg.db_url);
        fprintf(stderr, "%sstet: cannot open database %s\n", log_journal_prefix(LOG_LEVEL_ERROR),
                buf_cstr(&url));
        buf_cleanup(&url);
        return rc;
    }
    int applied = 0;
    rc = store_migrate(store_pool_store(app->pool, false), &applied);
    if (rc != 0) {
        fprintf(stderr, "%sstet: database migration failed\n", log_journal_prefix(LOG_LEVEL_ERROR));
        return rc;
    }
    if (applied > 0)
        log_info(NULL, "applied %d database migration(s)", applied);
    app->weather =
        weather_new(app->cfg.weather_url, app->cfg.weather_refresh, app->cfg.weather_fahrenheit);
    return 0;
}

void app_reload_limits(struct app *app, const struct config *c)
{
    struct app_env_copy *copy = xmalloc(sizeof(*copy));
    copy->env = *atomic_load_explicit(&app->env_now, memory_order_relaxed);
    copy->env.limits = app_limits(c);
    copy->next = app->env_copies;
    app->env_copies = copy;
    /* Release: a thread that loads the pointer sees the copy's contents. */
    atomic_store_explicit(&app->env_now, &copy->env, memory_order_release);
}

void app_cleanup(struct app *app)
{
    while (app->env_copies != NULL) {
        struct app_env_copy *next = app->env_copies->next;
        free(app->env_copies);
        app->env_copies = next;
    }
    /* web_cleanup has run: the web layer's objects are its to free. */
    assert(app->live == NULL && app->metrics == NULL && app->pages == NULL);
    weather_free(app->weather);
    akismet_free(app->akismet);
    store_pool_free(app->pool);
    tmpl_set_free(app->templates);
    config_cleanup(&app->cfg);
    memset(app, 0, sizeof(*app));
}

struct dctx app_dctx(struct app *app, struct arena *a, struct store *st, struct err_detail *err)
{
    const struct domain_env *env = atomic_load_explicit(&app->env_now, memory_order_acquire);
    return (struct dctx){.a = a, .st = st, .env = env, .now = time_now(), .err = err};
}
