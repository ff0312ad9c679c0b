/* The demo site for `stet serve --demo`: a few stories, readers and comments written
 * for this project (no real people), so a first run shows what the README's
 * screenshot shows, weather strip included. Added only to a database with no
 * stories. */
#include "base/embedded.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "cli/cli.h"
#include "domain/comments.h"
#include "domain/password.h"
#include "domain/policy_settings.h"
#include "domain/stories.h"
#include "domain/users.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct {
    const char *slug;
    const char *title;
    const char *byline;
    const char *body;
    int64_t age_s; /* published this long before now */
} demo_stories[] = {
    {"harbour-bridge-reopens", "Harbour bridge reopens after two years of repairs",
     "By Mara Lindqvist",
     "The old steel bridge across the harbour reopened to walkers and cyclists on Sunday "
     "morning, two years and four months after engineers closed it over corroded rivets.\n\n"
     "Crowds gathered at both ends well before the ribbon was cut. \"My grandfather "
     "painted this bridge,\" said Ilse Maarten, 71, who crossed first with a thermos of "
     "coffee. \"I wanted to be on it before the tourists.\"\n\n"
     "The council says cars will return in the spring, once the new deck surface has "
     "cured through the winter. Until then the bridge is open from six in the morning to "
     "midnight.\n\n"
     "Repairs cost 14.2 million, slightly under the revised budget. The original estimate, "
     "published in 2024, was less than half that.",
     2 * 3600},
    {"night-market-returns", "Night market returns to the old tram depot", "By Tomás Ferreira",
     "After a summer of paperwork the Thursday night market is back in the old tram depot, "
     "with forty stalls, a brass band and, for the first time, a repair café where "
     "volunteers mend lamps, bicycles and jackets for free.\n\n"
     "Organisers say the depot's roof, patched last year, now keeps out the rain. The "
     "market opens at five and closes at eleven, every Thursday until March.",
     26 * 3600},
    {"library-extends-hours", "Central library to stay open until ten on weeknights",
     "By Aiko Tanabe",
     "The central library will stay open until 10 p.m. from Monday to Thursday starting "
     "next month, a change students have asked for since the reading room was renovated.\n\n"
     "The extra hours are paid for by moving the Saturday bookmobile to every other week. "
     "Librarians say evening visits have doubled since the café opened in the lobby.\n\n"
     "*Opening hours* and the bookmobile schedule are posted at every branch.",
     3 * 86400},
};

/* The readers of the demo conversation. */
static const char *const demo_readers[] = {"harbourwatcher", "cyclist42", "ilse_m"};
#define N_DEMO_READERS (sizeof(demo_readers) / sizeof(demo_readers[0]))

/* The conversation under the first story, in the order it was written. */
static const struct {
    size_t reader; /* index into demo_readers */
    int parent;    /* index of the comment answered; -1: top level */
    int64_t age_s; /* written this long before now */
    const char *body;
} demo_comments[] = {
    {0, -1, 100 * 60,
     "Finally! I walked across this morning and the view of the **old docks** is better "
     "than ever."},
    {1, 0, 80 * 60,
     "Does anyone know if the bike lanes are separated from the footpath? The "
     "[council page](https://www.example.org/harbour-bridge) does not say."},
    {2, 1, 65 * 60, "They are — a painted lane on the east side, walkers on the west."},
    {2, -1, 40 * 60, "Fourteen million is a lot, but it is cheaper than a ferry. Glad it is back."},
};
#define N_DEMO_COMMENTS (sizeof(demo_comments) / sizeof(demo_comments[0]))

/* A reader with a random password nobody knows: a demo reachable from elsewhere
 * hands out no account. */
static int add_reader(const struct dctx *ctx, const char *name, struct user *out)
{
    char password[SECRET_KEY_HEX_LEN + 1];
    char email[64];
    secret_key_new(password);
    snprintf(email, sizeof(email), "%s@example.org", name);
    int rc = user_create(ctx, str_from(name), str_from(email),
                         (struct str){password, SECRET_KEY_HEX_LEN}, ROLE_READER, out);
    secret_wipe(password, sizeof(password));
    return rc;
}

static int add_conversation(const struct dctx *ctx, const char *slug)
{
    struct user readers[N_DEMO_READERS];
    int64_t ids[N_DEMO_COMMENTS];
    /* The demo's conversation took place before this site's policies: it shows as
     * written, whatever comments.premoderate, the banned words or the spam filter
     * would make of a new comment (a held comment could not even be answered). */
    struct domain_env env = *ctx->env;
    policy_defaults(&env.policy);
    env.spam.enabled = false;
    for (size_t i = 0; i < N_DEMO_READERS; i++) {
        int rc = add_reader(ctx, demo_readers[i], &readers[i]);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; i < N_DEMO_COMMENTS; i++) {
        /* Stamped as if written over the last two hours, for the relative times. */
        struct dctx at = *ctx;
        at.env = &env;
        at.now = ctx->now - demo_comments[i].age_s;
        int parent = demo_comments[i].parent;
        struct comment c;
        int rc = comment_post(&at, &readers[demo_comments[i].reader], str_from(slug),
                              str_from(demo_comments[i].body), parent < 0 ? 0 : ids[parent], &c);
        if (rc != 0)
            return rc;
        ids[i] = c.id;
    }
    return 0;
}

int demo_seed(const struct dctx *ctx)
{
    struct story *existing;
    size_t n;
    const char *next;
    int rc = story_list_page(ctx, 1, STR_NULL, &existing, &n, &next);
    if (rc != 0 || n > 0)
        return rc;
    static const struct user editor = {.username = "demo", .role = ROLE_ADMIN};
    for (size_t i = 0; i < sizeof(demo_stories) / sizeof(demo_stories[0]); i++) {
        struct story_input in = {
            .slug = str_from(demo_stories[i].slug),
            .title = str_from(demo_stories[i].title),
            .byline = str_from(demo_stories[i].byline),
            .body = str_from(demo_stories[i].body),
            .published_at = ctx->now - demo_stories[i].age_s,
        };
        struct story s;
        rc = story_create(ctx, &editor, &in, &s);
        if (rc != 0)
            return rc;
    }
    rc = add_conversation(ctx, demo_stories[0].slug);
    if (rc != 0)
        return rc;
    fprintf(stderr, "stet: added %zu demo stories, %zu readers and %zu comments\n",
            sizeof(demo_stories) / sizeof(demo_stories[0]), N_DEMO_READERS, N_DEMO_COMMENTS);
    return 0;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The in-memory file holding the demo forecast: made once per process (written only
 * under demo_forecast_once), so every call of demo_weather, at start and at each
 * SIGHUP reload, names the same URL and nothing leaks. -1 when it could not be made. */
static pthread_once_t demo_forecast_once = PTHREAD_ONCE_INIT;
static int demo_forecast_fd = -1;

static void demo_forecast_create(void)
{
    const struct embedded_file *f = &embedded_demo[0];
    while (f->name != NULL && strcmp(f->name, "weather.json") != 0)
        f++;
    assert(f->name != NULL);
    int fd = memfd_create("stet-demo-weather", MFD_CLOEXEC);
    if (fd < 0 || write_all(fd, f->data, f->len) != 0) {
        log_warn(NULL, "demo: cannot hold the demo forecast in memory (%s); no weather strip",
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    demo_forecast_fd = fd;
    log_info(NULL, "demo: weather strip from the bundled forecast (weather.url sets a real one)");
}

/* The forecast is embedded (demo/weather.json) so the demo needs neither the source
 * tree nor a network; the weather service still reads it the one way it reads any
 * provider, a URL, here file:// of an in-memory file. That file stays open until
 * the process exits: the refresher reads it again every weather.refresh. */
void demo_weather(struct config *cfg)
{
    if (cfg->weather_url != NULL)
        return;
    pthread_once(&demo_forecast_once, demo_forecast_create);
    if (demo_forecast_fd < 0)
        return;
    char url[64];
    snprintf(url, sizeof(url), "file:///proc/self/fd/%d", demo_forecast_fd);
    cfg->weather_url = xstrdup(url);
}
