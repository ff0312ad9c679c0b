/* `stet story add|list|close|open`: editors' tools for stories. */
#include "base/buf.h"
#include "base/timefmt.h"
#include "cli/cli.h"
#include "domain/stories.h"
#include "domain/validate.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char story_usage[] =
    "usage: stet story add --slug SLUG --title TEXT [--byline TEXT] [--body-file FILE|-] "
    "[--published-at ISO8601]\n"
    "       stet story list | stet story close SLUG | stet story open SLUG";

/* The command line acts with an editor's rights: whoever runs it owns the site. */
static const struct user cli_editor = {
    .username = "cli", .display_name = "cli", .role = ROLE_ADMIN};

static int read_body(struct arena *a, const char *path, struct str *out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return cli_fail(CLI_FAIL, "cannot read %s", path);
    struct buf b = BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= STORY_BODY_MAX)
        buf_append(&b, chunk, n);
    bool failed = ferror(f) != 0;
    if (f != stdin)
        fclose(f);
    if (failed || b.len > STORY_BODY_MAX) {
        buf_cleanup(&b);
        return cli_fail(CLI_FAIL, failed ? "cannot read %s" : "%s: story body is too long", path);
    }
    out->ptr = arena_strndup(a, buf_cstr(&b), b.len);
    out->len = b.len;
    buf_cleanup(&b);
    return CLI_OK;
}

/* Parses `story add` options; the body file is read later, into the arena. */
static int parse_add(int argc, char **argv, struct story_input *in, const char **body_file)
{
    static const struct option opts[] = {
        {"slug", required_argument, NULL, 's'},         {"title", required_argument, NULL, 't'},
        {"byline", required_argument, NULL, 'b'},       {"body-file", required_argument, NULL, 'f'},
        {"published-at", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
    };
    const char *published = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            in->slug = str_from(optarg);
            break;
        case 't':
            in->title = str_from(optarg);
            break;
        case 'b':
            in->byline = str_from(optarg);
            break;
        case 'f':
            *body_file = optarg;
            break;
        case 'p':
            published = optarg;
            break;
        default:
            return cli_fail(CLI_USAGE, "%s", story_usage);
        }
    }
    if (in->slug.ptr == NULL || in->title.ptr == NULL || optind != argc)
        return cli_fail(CLI_USAGE, "%s", story_usage);
    if (published != NULL && time_parse_iso(str_from(published), &in->published_at) != 0)
        return cli_fail(CLI_USAGE, "--published-at must be ISO 8601 from the year 0000 to 9999, "
                                   "without a leap second, e.g. 2026-11-30T08:00:00Z");
    return CLI_OK;
}

static int story_add(struct cli_session *s, struct story_input *in, const char *body_file)
{
    if (body_file != NULL && read_body(s->arena, body_file, &in->body) != CLI_OK)
        return CLI_FAIL;
    struct err_detail err = {0};
    struct dctx ctx = cli_dctx(s, &err);
    struct story story;
    int rc = story_create(&ctx, &cli_editor, in, &story);
    if (rc != 0)
        return cli_report("story add", rc, &err);
    printf("added story %s\n", story.slug);
    return CLI_OK;
}

static int story_list(struct cli_session *s)
{
    struct dctx ctx = cli_dctx(s, NULL);
    const char *cursor = "";
    do {
        struct story *stories;
        size_t n;
        int rc = story_list_page(&ctx, STORY_PAGE_MAX, str_from(cursor), &stories, &n, &cursor);
        if (rc != 0)
            return cli_report("story list", rc, NULL);
        for (size_t i = 0; i < n; i++)
            printf("%s\t%lld\t%s\t%s\n", stories[i].slug, (long long)stories[i].n_comments,
                   stories[i].comments_open ? "open" : "closed", stories[i].title);
    } while (cursor != NULL);
    return CLI_OK;
}

static int story_open(struct cli_session *s, const char *slug, bool open)
{
    struct dctx ctx = cli_dctx(s, NULL);
    int rc = story_set_comments_open(&ctx, str_from(slug), open);
    if (rc == STET_ENOTFOUND)
        return cli_fail(CLI_FAIL, "no story with slug '%s'", slug);
    if (rc != 0)
        return cli_report(open ? "story open" : "story close", rc, NULL);
    printf("comments %s on %s\n", open ? "open" : "closed", slug);
    return CLI_OK;
}

int cmd_story(int argc, char **argv)
{
    struct config_flags flags = {0};
    struct story_input in = {0};
    const char *body_file = NULL;
    if (cli_take_common(&argc, argv, &flags) != CLI_OK)
        return CLI_USAGE;
    const char *sub = argc >= 2 ? argv[1] : "";
    bool is_add = strcmp(sub, "add") == 0, is_list = strcmp(sub, "list") == 0;
    bool is_open = strcmp(sub, "open") == 0, is_close = strcmp(sub, "close") == 0;
    if (is_add) {
        if (parse_add(argc - 1, argv + 1, &in, &body_file) != CLI_OK)
            return CLI_USAGE;
    } else if (!((is_list && argc == 2) || ((is_open || is_close) && argc == 3))) {
        return cli_fail(CLI_USAGE, "%s", story_usage);
    }

    struct cli_session s;
    int status = cli_session_open(&s, &flags);
    if (status != CLI_OK)
        return status;
    if (is_add)
        status = story_add(&s, &in, body_file);
    else if (is_list)
        status = story_list(&s);
    else
        status = story_open(&s, argv[2], is_open);
    cli_session_close(&s);
    return status;
}
