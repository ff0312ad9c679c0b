/* `stet import FORMAT FILE`: another system's comment export into the site. Each
 * format is one row of `formats` (and one "import FORMAT" entry of the command table,
 * commands.c, with its flags and help); Disqus and WordPress run the legacy
 * importer (domain/legacy_import.c) fed by the export readers of src/import, which
 * this file only glues together. */
#include "cli/cli.h"

#include "cli/import_report.h"
#include "domain/legacy_import.h"
#include "import/import.h"
#include "import/legacy_html.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* ---- the parser's records to the importer ---- */

struct glue {
    struct legacy_import *li;
    enum import_format format;
    struct import_progress progress;
};

static int on_thread(void *ctx, struct import_thread *t)
{
    struct glue *g = ctx;
    const struct legacy_thread lt = {
        .id = t->source_id,
        .path = t->path,
        /* Disqus's identifier is the site's own key for the page, often its slug. */
        .name = g->format == IMPORT_WXR ? t->slug : t->identifier,
        .title = t->title,
        .created_at = t->created_at,
        .is_deleted = t->is_deleted,
    };
    return legacy_import_thread(g->li, t->arena, &lt);
}

static enum legacy_state state_of(enum import_state s)
{
    switch (s) {
    case IMPORT_APPROVED:
        return LEGACY_APPROVED;
    case IMPORT_PENDING:
        return LEGACY_PENDING;
    case IMPORT_SPAM:
        return LEGACY_SPAM;
    case IMPORT_DELETED:
        break;
    }
    return LEGACY_DELETED;
}

static int on_post(void *ctx, struct import_post *p)
{
    struct glue *g = ctx;
    const struct legacy_post lp = {
        .id = p->source_id,
        .thread_id = p->thread_source_id,
        .parent_id = p->parent_source_id,
        .body = p->body,
        .created_at = p->created_at,
        .state = state_of(p->state),
        .is_comment = p->kind == IMPORT_COMMENT,
        .author_name = p->author_name,
        .author_email = p->author_email,
    };
    g->progress.n_posts++;
    return legacy_import_post(g->li, p->arena, &lp);
}

static void on_progress(void *ctx, uint64_t bytes)
{
    struct glue *g = ctx;
    import_progress_update(&g->progress, bytes);
}

/* The sanitizer in each format's mode: Disqus stores HTML, WordPress text with line
 * breaks that WordPress turns into paragraphs. */
static int disqus_html(void *ctx, struct arena *a, const char *src, size_t len, char **out)
{
    return legacy_html_clean(ctx, a, src, len, LEGACY_HTML_HTML, out);
}

static int wordpress_html(void *ctx, struct arena *a, const char *src, size_t len, char **out)
{
    return legacy_html_clean(ctx, a, src, len, LEGACY_HTML_AUTOP, out);
}

/* ---- the command ---- */

/* --match: "path", "slug", or absent (path, then slug). */
static int parse_match(const struct cli_args *args, enum legacy_match *out)
{
    const char *m = cli_value(args, "--match");
    if (m == NULL)
        *out = LEGACY_MATCH_PATH_THEN_SLUG;
    else if (strcmp(m, "path") == 0)
        *out = LEGACY_MATCH_PATH;
    else if (strcmp(m, "slug") == 0)
        *out = LEGACY_MATCH_SLUG;
    else
        return cli_fail(CLI_USAGE, "%s: --match must be path or slug", args->cmd->name);
    return CLI_OK;
}

/* Why the import stopped, where the user can find it: "FILE:LINE: what" for the
 * file, the error's name for anything else. Nothing was written either way. */
static int import_failed(const char *path, int rc, const struct import_error *err)
{
    if (err->message[0] != '\0' && err->line > 0)
        return cli_fail(CLI_FAIL, "%s:%d: %s; nothing was imported", path, err->line, err->message);
    if (err->message[0] != '\0')
        return cli_fail(CLI_FAIL, "%s: %s; nothing was imported", path, err->message);
    return cli_fail(CLI_FAIL, "import of %s failed (%s); nothing was imported", path, err_name(rc));
}

static int run_legacy(struct cli_session *s, const struct cli_args *args, enum import_format format,
                      struct legacy_options *opts)
{
    const char *path = args->operand[0];
    bool dry_run = cli_value(args, "--dry-run") != NULL;
    struct glue g = {.format = format};
    struct import_stats stats;
    struct import_error err = {0};
    struct legacy_summary sum;
    const struct import_sink sink = {&g, on_thread, on_post, on_progress};
    struct dctx ctx = cli_dctx(s, NULL);

    struct legacy_html *sanitizer = legacy_html_new(false);
    opts->html_ctx = sanitizer;
    int rc = legacy_import_begin(&ctx, opts, &g.li);
    if (rc != 0) {
        legacy_html_free(sanitizer);
        return cli_fail(CLI_FAIL, "import: cannot start (%s)", err_name(rc));
    }
    import_progress_init(&g.progress, path);
    rc = import_parse_file(format, path, &sink, &stats, &err);
    import_progress_done(&g.progress, stats.n_bytes);
    if (rc == 0)
        rc = legacy_import_end(g.li, !dry_run, &sum);
    legacy_import_free(g.li);
    legacy_html_free(sanitizer);
    if (rc != 0)
        return import_failed(path, rc, &err);
    import_summary_print(stdout, import_format_name(format), path, dry_run, &sum, &stats);
    return CLI_OK;
}

static int import_disqus(struct cli_session *s, const struct cli_args *args)
{
    struct legacy_options o = {
        .source = "disqus",
        .create_stories = cli_value(args, "--create-stories") != NULL,
        .to_html = disqus_html,
    };
    int status = parse_match(args, &o.match);
    return status != CLI_OK ? status : run_legacy(s, args, IMPORT_DISQUS, &o);
}

static int import_wordpress(struct cli_session *s, const struct cli_args *args)
{
    struct legacy_options o = {
        .source = "wordpress",
        .ids_per_thread = true,
        .create_stories = cli_value(args, "--create-stories") != NULL,
        .to_html = wordpress_html,
    };
    int status = parse_match(args, &o.match);
    return status != CLI_OK ? status : run_legacy(s, args, IMPORT_WXR, &o);
}

/* A whole site written by `stet export` (cmd_export.c reads it). */
static int import_stet(struct cli_session *s, const struct cli_args *args)
{
    return cli_import_stet(s, args->operand[0], cli_value(args, "--dry-run") != NULL);
}

/* One row per format: the command table's entry ("import disqus") and what runs it
 * on the site's database, opened for it. A format with other flags (`import stet`,
 * a whole site) gets its own entry in commands.c and its row here. */
static const struct {
    const char *command;
    int (*run)(struct cli_session *s, const struct cli_args *args);
} formats[] = {
    {"import disqus", import_disqus},
    {"import wordpress", import_wordpress},
    {"import stet", import_stet},
};

int cmd_import(int argc, char **argv)
{
    const struct cli_command *sub;
    struct cli_args args;
    int status = cli_subcommand("import", argc, argv, &sub);
    if (status == CLI_OK)
        status = cli_parse(sub->name, argc - 1, argv + 1, &args);
    if (status != CLI_OK)
        return status == CLI_HELP ? CLI_OK : status;
    size_t i = 0;
    while (i < sizeof(formats) / sizeof(formats[0]) && strcmp(formats[i].command, sub->name) != 0)
        i++;
    assert(i < sizeof(formats) / sizeof(formats[0]) && "an import command without its row");

    struct cli_session s;
    status = cli_session_open(&s, &args.common, false);
    if (status != CLI_OK)
        return status;
    status = formats[i].run(&s, &args);
    cli_session_close(&s);
    return status;
}
