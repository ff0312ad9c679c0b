/* `stet import FORMAT FILE`: another system's comment export into the site. Each
 * format is one row of `formats` (and one "import FORMAT" entry of the command table,
 * commands.c, with its flags and help); Disqus and WordPress run the legacy
 * importer (domain/legacy_import.c) fed by the export readers of src/import, which
 * this file only glues together. */
#include "cli/cli.h"

#include "base/handoff.h"
#include "cli/import_report.h"
#include "domain/legacy_import.h"
#include "import/import.h"
#include "import/legacy_html.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- the parser's records to the importer ----
 *
 * Two threads: the parser's reads the export (libxml2's reader, the larger half of
 * the work), the command's makes each body safe HTML and runs the importer on the
 * database. Records pass between them through a bounded handoff, each in its own
 * arena, so memory stays flat. */

/* A record in flight: a thread or a post, with the arena that holds its strings. */
struct record {
    struct arena *arena;
    bool is_post;
    union {
        struct legacy_thread thread;
        struct legacy_post post;
    } u;
};

/* Records in flight at most, and their arenas' bytes (one larger record passes
 * alone): enough that neither thread waits for the other's every record. */
#define RECORDS_IN_FLIGHT 64
#define RECORD_BYTES      (4 * 1024 * 1024)

/* The parser's side: everything here belongs to the parser's thread until it ends. */
struct parse_side {
    enum import_format format;
    const char *path;
    struct handoff *queue;
    struct import_progress progress;
    struct import_stats stats;
    struct import_error err;
    int rc;
};

/* Hands record `r` to the importer's thread with its arena, which the parser then
 * leaves alone; when the importer has stopped, the arena stays the parser's. */
static int hand_over(struct parse_side *ps, struct record *r, struct arena **arena)
{
    r->arena = *arena;
    int rc = handoff_put(ps->queue, r, arena_used(*arena));
    if (rc == 0)
        *arena = NULL;
    return rc;
}

static int on_thread(void *ctx, struct import_thread *t)
{
    struct parse_side *ps = ctx;
    struct record r = {
        .u.thread =
            {
                .id = t->source_id,
                .path = t->path,
                /* Disqus's identifier is the site's own key for the page, often its slug. */
                .name = ps->format == IMPORT_WXR ? t->slug : t->identifier,
                .title = t->title,
                .created_at = t->created_at,
                .is_deleted = t->is_deleted,
            },
    };
    return hand_over(ps, &r, &t->arena);
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
    struct parse_side *ps = ctx;
    struct record r = {
        .is_post = true,
        .u.post =
            {
                .id = p->source_id,
                .thread_id = p->thread_source_id,
                .parent_id = p->parent_source_id,
                .body = p->body,
                .created_at = p->created_at,
                .state = state_of(p->state),
                .is_comment = p->kind == IMPORT_COMMENT,
                .author_name = p->author_name,
                .author_email = p->author_email,
            },
    };
    ps->progress.n_posts++;
    return hand_over(ps, &r, &p->arena);
}

static void on_progress(void *ctx, uint64_t bytes)
{
    struct parse_side *ps = ctx;
    import_progress_update(&ps->progress, bytes);
}

static void *parse_main(void *arg)
{
    struct parse_side *ps = arg;
    const struct import_sink sink = {ps, on_thread, on_post, on_progress};
    ps->rc = import_parse_file(ps->format, ps->path, &sink, &ps->stats, &ps->err);
    handoff_close(ps->queue);
    return NULL;
}

/* The importer's side: the body of a post that may be kept made safe HTML (in the
 * record's arena), then the post imported. */
static int import_post(struct legacy_import *li, struct legacy_html *sanitizer,
                       enum legacy_html_mode mode, struct record *r)
{
    struct legacy_post *p = &r->u.post;
    if (legacy_post_is_kept(p)) {
        char *html;
        int rc = legacy_html_clean(sanitizer, r->arena, p->body, strlen(p->body), mode, &html);
        if (rc != 0)
            return rc;
        p->body_html = html;
    }
    return legacy_import_post(li, r->arena, p);
}

/* The importer's side, on the command's thread: every record the parser hands over
 * until it closes. After the first error the rest are only freed, and the parser
 * stops at its next record with that error. */
static int import_records(struct legacy_import *li, struct handoff *queue,
                          enum import_format format)
{
    /* Disqus stores HTML; WordPress text with line breaks that WordPress turns into
     * paragraphs. */
    enum legacy_html_mode mode = format == IMPORT_WXR ? LEGACY_HTML_AUTOP : LEGACY_HTML_HTML;
    struct legacy_html *sanitizer = legacy_html_new(false);
    struct record r;
    int rc = 0;
    while (handoff_take(queue, &r)) {
        if (rc == 0) {
            rc = r.is_post ? import_post(li, sanitizer, mode, &r)
                           : legacy_import_thread(li, r.arena, &r.u.thread);
            if (rc != 0)
                handoff_stop(queue, rc);
        }
        arena_free(r.arena);
    }
    legacy_html_free(sanitizer);
    return rc;
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
                      const struct legacy_options *opts)
{
    const char *path = args->operand[0];
    bool dry_run = cli_value(args, "--dry-run") != NULL;
    struct legacy_summary sum;
    struct dctx ctx = cli_dctx(s, NULL);
    struct legacy_import *li;
    pthread_t parser;

    int rc = legacy_import_begin(&ctx, opts, &li);
    if (rc != 0)
        return cli_fail(CLI_FAIL, "import: cannot start (%s)", err_name(rc));
    struct parse_side ps = {
        .format = format,
        .path = path,
        .queue = handoff_new(sizeof(struct record), RECORDS_IN_FLIGHT, RECORD_BYTES),
    };
    import_progress_init(&ps.progress, path);
    if (pthread_create(&parser, NULL, parse_main, &ps) == 0) {
        rc = import_records(li, ps.queue, format);
        pthread_join(parser, NULL);
        if (rc == 0)
            rc = ps.rc;
    } else {
        rc = STET_EIO;
        snprintf(ps.err.message, sizeof(ps.err.message), "cannot start the parser's thread");
    }
    import_progress_done(&ps.progress, ps.stats.n_bytes);
    if (rc == 0)
        rc = legacy_import_end(li, !dry_run, &sum);
    legacy_import_free(li);
    handoff_free(ps.queue);
    if (rc != 0)
        return import_failed(path, rc, &ps.err);
    import_summary_print(stdout, import_format_name(format), path, dry_run, &sum, &ps.stats);
    return CLI_OK;
}

static int import_disqus(struct cli_session *s, const struct cli_args *args)
{
    struct legacy_options o = {
        .source = "disqus",
        .create_stories = cli_value(args, "--create-stories") != NULL,
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
