/* The demo site for `stet serve --demo`: a few stories written for this project, so
 * a first run shows a real front page. Added only to a database with no stories. */
#include "cli/cli.h"
#include "domain/stories.h"

#include <stdio.h>

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
    fprintf(stderr, "stet: added %zu demo stories\n",
            sizeof(demo_stories) / sizeof(demo_stories[0]));
    return 0;
}
