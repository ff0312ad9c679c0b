/* `stet comment approve|reject|delete|queue`: moderation on the server, for an
 * operator without a browser. Each decision goes through the same domain call as a
 * moderator's on the web, acting as stet itself (user_operator): the audit entry has
 * no actor and its note says "from the command line", and the story's content
 * version moves in the decision's transaction, so every node's cached pages, ETags
 * and live streams follow as they do for the web. */
#include "base/buf.h"
#include "base/str.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "domain/comment_edit.h"
#include "domain/moderation.h"
#include "domain/users.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define QUEUE_TEXT_CHARS 80          /* characters of a comment's text the queue shows */
#define QUEUE_LIMIT_MAX  1000000     /* --limit's largest value */
#define QUEUE_ARENA      (64 * 1024) /* first block of one page's arena */

/* The comment's number from the ID operand: 1.. as the site numbers them. */
static int parse_id(const char *cmd, const char *text, int64_t *id)
{
    if (str_to_i64(str_from(text), 1, INT64_MAX, id) != 0)
        return cli_fail(CLI_USAGE, "%s: ID must be a comment's number, e.g. 42 (not '%s')", cmd,
                        text);
    return CLI_OK;
}

/* A domain refusal: the unknown comment, a bad --note (a usage error: nothing was
 * tried), or what the domain said. */
static int report(const char *cmd, int64_t id, int rc, const struct err_detail *err)
{
    if (rc == STET_ENOTFOUND)
        return cli_fail(CLI_FAIL, "comment %lld: not found", (long long)id);
    if (rc == STET_EINVAL && err->field != NULL && strcmp(err->field, "note") == 0)
        return cli_fail(CLI_USAGE, "%s: --note: %s", cmd, err->message);
    return cli_report(cmd, rc, err);
}

static int decide(struct cli_session *s, const char *cmd, int64_t id, const char *note)
{
    struct err_detail err = {0};
    struct dctx ctx = cli_dctx(s, &err);
    struct str why = str_from(note != NULL ? note : "");
    struct comment c;
    int rc;
    if (strcmp(cmd, "comment approve") == 0)
        rc = comment_approve(&ctx, &user_operator, id, why, &c);
    else if (strcmp(cmd, "comment reject") == 0)
        rc = comment_reject(&ctx, &user_operator, id, why, &c);
    else
        rc = comment_delete_with_note(&ctx, &user_operator, id, why);
    if (rc != 0)
        return report(cmd, id, rc, &err);
    if (strcmp(cmd, "comment delete") == 0)
        printf("deleted comment %lld\n", (long long)id);
    else
        printf("comment %lld on %s is now %s\n", (long long)id, c.story_slug,
               comment_status_name(c.status));
    return CLI_OK;
}

/* ---- the queue ---- */

/* Length of the UTF-8 character at s[0..len), or 0 when none starts there (a stray
 * or truncated byte, an overlong form, a surrogate). The store holds valid UTF-8,
 * but a terminal is no place to take that on trust. */
static size_t seq_len(const unsigned char *s, size_t len)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    if (n > len || !utf8_valid((const char *)s, n))
        return 0;
    return n;
}

static uint32_t code_point(const unsigned char *s, size_t n)
{
    if (n == 1)
        return s[0];
    uint32_t cp = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3F);
    return cp;
}

/* Characters that would move the cursor, recolour the terminal or reorder the line
 * it is on: C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and
 * isolates (U+202A..U+202E, U+2066..U+2069). */
static bool is_invisible(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* Appends at most `max_chars` characters of `s` with every invisible character
 * written as an escape ("\n", "\t", "\x1b", "\u202e") and a backslash doubled, so one
 * comment stays on one line of a terminal and shows what it holds; "…" when cut. */
static void put_visible(struct buf *b, const char *text, size_t max_chars)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text), i = 0;
    for (size_t chars = 0; i < len && chars < max_chars; chars++) {
        size_t n = seq_len(s + i, len - i);
        uint32_t cp = n > 0 ? code_point(s + i, n) : 0;
        if (n == 0)
            buf_printf(b, "\\x%02x", s[i]);
        else if (cp == '\n')
            buf_puts(b, "\\n");
        else if (cp == '\t')
            buf_append(b, "\\t", 2);
        else if (cp == '\r')
            buf_append(b, "\\r", 2);
        else if (cp == '\\')
            buf_append(b, "\\\\", 2);
        else if (cp < 0x80 && is_invisible(cp))
            buf_printf(b, "\\x%02x", (unsigned)cp);
        else if (is_invisible(cp))
            buf_printf(b, "\\u%04x", (unsigned)cp);
        else
            buf_append(b, (const char *)s + i, n);
        i += n > 0 ? n : 1;
    }
    if (i < len)
        buf_append(b, "…", strlen("…"));
}

/* "45s", "12m", "3h", "9d": how long a comment has waited, as a glance needs it. */
static void put_age(struct buf *b, int64_t seconds)
{
    if (seconds < 0)
        seconds = 0; /* a clock set back since it was posted */
    if (seconds < 60)
        buf_printf(b, "%llds", (long long)seconds);
    else if (seconds < 3600)
        buf_printf(b, "%lldm", (long long)(seconds / 60));
    else if (seconds < 86400)
        buf_printf(b, "%lldh", (long long)(seconds / 3600));
    else
        buf_printf(b, "%lldd", (long long)(seconds / 86400));
}

/* "held (policy: banned word), reported 3 times", from moderation_reasons, as the
 * web queue words it. */
static void put_reasons(struct buf *b, const struct comment *c)
{
    const char *why[MODERATION_REASONS_MAX];
    size_t n = moderation_reasons(c, why);
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(why[i], "held") != 0 && strcmp(why[i], "reported") != 0)
            continue; /* the policy's reason: shown with "held" */
        if (!first)
            buf_append(b, ", ", 2);
        first = false;
        if (strcmp(why[i], "reported") == 0) {
            buf_printf(b, "reported %lld time%s", (long long)c->report_count,
                       c->report_count == 1 ? "" : "s");
        } else {
            buf_append(b, "held", 4);
            if (c->hold_reason != NULL) {
                buf_append(b, " (", 2);
                put_visible(b, c->hold_reason, SIZE_MAX);
                buf_append(b, ")", 1);
            }
        }
    }
}

/* One line: id, story, author, age, why it waits, spam score, the text's start,
 * separated by tabs (none of them holds one: the text's are escaped). */
static void put_line(struct buf *b, const struct comment *c, int64_t now)
{
    buf_printf(b, "%lld\t%s\t", (long long)c->id, c->story_slug);
    if (c->author_username != NULL)
        buf_printf(b, "%s", c->author_username);
    else if (c->legacy_author != NULL && c->legacy_author[0] != '\0')
        put_visible(b, c->legacy_author, QUEUE_TEXT_CHARS);
    else
        buf_append(b, "-", 1);
    buf_append(b, "\t", 1);
    put_age(b, now - c->created_at);
    buf_append(b, "\t", 1);
    put_reasons(b, c);
    if (c->has_spam_score)
        buf_printf(b, "\t%d.%02d\t", c->spam_score / 1000, c->spam_score % 1000 / 10);
    else
        buf_append(b, "\t-\t", 3);
    put_visible(b, c->body_src, QUEUE_TEXT_CHARS);
    buf_append(b, "\n", 1);
}

/* Prints the queue page by page, each page in its own arena, so the whole queue
 * (a hundred thousand comments after a spam run) streams in bounded memory. */
static int queue(struct cli_session *s, int64_t limit)
{
    char cursor[64] = "";
    int64_t left = limit;
    int status = CLI_OK;
    do {
        struct arena *a = arena_new(QUEUE_ARENA);
        struct err_detail err = {0};
        struct dctx ctx = app_dctx(&s->app, a, s->st, &err);
        int page = left < MODERATION_PAGE_MAX ? (int)left : MODERATION_PAGE_MAX;
        struct comment *items;
        size_t n;
        const char *next;
        int rc = moderation_queue_page(&ctx, &user_operator, false, page, str_from(cursor), &items,
                                       &n, &next);
        if (rc == 0) {
            struct buf b = BUF_INIT;
            for (size_t i = 0; i < n; i++)
                put_line(&b, &items[i], ctx.now);
            fwrite(buf_cstr(&b), 1, b.len, stdout);
            buf_cleanup(&b);
            left -= (int64_t)n;
            if (next == NULL || strlen(next) >= sizeof(cursor))
                left = 0;
            else
                memcpy(cursor, next, strlen(next) + 1);
        } else {
            status = cli_report("comment queue", rc, &err);
        }
        arena_free(a);
    } while (status == CLI_OK && left > 0);
    /* A reader that quit (`| head`) is no failure of ours; a full disk is. */
    if (status == CLI_OK && fflush(stdout) != 0 && ferror(stdout))
        status = cli_fail(CLI_FAIL, "comment queue: cannot write to standard output");
    return status;
}

int cmd_comment(int argc, char **argv)
{
    const struct cli_command *sub;
    struct cli_args args;
    int64_t id = 0, limit = QUEUE_LIMIT_MAX;
    int status = cli_subcommand("comment", argc, argv, &sub);
    if (status == CLI_OK)
        status = cli_parse(sub->name, argc - 1, argv + 1, &args);
    if (status != CLI_OK)
        return status == CLI_HELP ? CLI_OK : status;
    bool is_queue = strcmp(sub->name, "comment queue") == 0;
    if (!is_queue && parse_id(sub->name, args.operand[0], &id) != CLI_OK)
        return CLI_USAGE;
    const char *limit_text = is_queue ? cli_value(&args, "--limit") : NULL;
    if (limit_text != NULL && str_to_i64(str_from(limit_text), 1, QUEUE_LIMIT_MAX, &limit) != 0)
        return cli_fail(CLI_USAGE, "comment queue: --limit must be a number from 1 to %d",
                        QUEUE_LIMIT_MAX);

    struct cli_session s;
    status = cli_session_open(&s, &args.common, false);
    if (status != CLI_OK)
        return status;
    if (is_queue)
        status = queue(&s, limit);
    else
        status = decide(&s, sub->name, id, cli_value(&args, "--note"));
    cli_session_close(&s);
    return status;
}
