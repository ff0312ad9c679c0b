/* `stet story add|list|close|open`: editors' tools for stories. */
#include "base/buf.h"
#include "base/timefmt.h"
#include "cli/cli.h"
#include "domain/desk.h"
#include "domain/stories.h"
#include "domain/users.h"
#include "domain/validate.h"

#include <stdio.h>
#include <string.h>

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

/* Takes `story add`'s values; the body file is read later, into the arena. */
static int parse_add(const struct cli_args *args, struct story_input *in, const char **body_file)
{
    in->slug = str_from(cli_value(args, "--slug"));
    in->title = str_from(cli_value(args, "--title"));
    const char *byline = cli_value(args, "--byline");
    if (byline != NULL)
        in->byline = str_from(byline);
    *body_file = cli_value(args, "--body-file");
    const char *published = cli_value(args, "--published-at");
    if (published != NULL && time_parse_iso(str_from(published), &in->published_at) != 0)
        return cli_fail(CLI_USAGE, "story add: --published-at must be ISO 8601 from the year "
                                   "0000 to 9999, without a leap second, e.g. "
                                   "2026-11-30T08:00:00Z");
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
    int rc = desk_story_set_open(&ctx, &user_operator, str_from(slug), open);
    if (rc == STET_ENOTFOUND)
        return cli_fail(CLI_FAIL, "no story with slug '%s'", slug);
    if (rc != 0)
        return cli_report(open ? "story open" : "story close", rc, NULL);
    printf("comments %s on %s\n", open ? "open" : "closed", slug);
    return CLI_OK;
}

int cmd_story(int argc, char **argv)
{
    const struct cli_command *sub;
    struct cli_args args;
    struct story_input in = {0};
    const char *body_file = NULL;
    int status = cli_subcommand("story", argc, argv, &sub);
    if (status == CLI_OK)
        status = cli_parse(sub->name, argc - 1, argv + 1, &args);
    if (status == CLI_OK && strcmp(sub->name, "story add") == 0)
        status = parse_add(&args, &in, &body_file);
    if (status != CLI_OK)
        return status == CLI_HELP ? CLI_OK : status;

    struct cli_session s;
    status = cli_session_open(&s, &args.common, false);
    if (status != CLI_OK)
        return status;
    if (strcmp(sub->name, "story add") == 0)
        status = story_add(&s, &in, body_file);
    else if (strcmp(sub->name, "story list") == 0)
        status = story_list(&s);
    else
        status = story_open(&s, args.operand[0], strcmp(sub->name, "story open") == 0);
    cli_session_close(&s);
    return status;
}
