/* `stet import`'s progress and summary (import_report.h). */
#include "cli/import_report.h"

#include "base/clock.h"

#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BAR_WIDTH 30
#define MB        (1024.0 * 1024.0)

void import_progress_init(struct import_progress *p, const char *path)
{
    struct stat sb;
    memset(p, 0, sizeof(*p));
    p->path = path;
    if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
        p->size = (uint64_t)sb.st_size;
    p->is_tty = isatty(STDERR_FILENO) == 1;
    p->started_ns = clock_mono_ns();
    p->last_ns = p->started_ns;
}

static double rate(const struct import_progress *p, int64_t now)
{
    double secs = (double)(now - p->started_ns) / 1e9;
    return secs > 0 ? (double)p->n_posts / secs : 0;
}

static void draw_bar(struct import_progress *p, uint64_t bytes, int64_t now)
{
    double part = p->size > 0 ? (double)bytes / (double)p->size : 0;
    if (part > 1)
        part = 1;
    int filled = (int)(part * BAR_WIDTH);
    char bar[BAR_WIDTH + 1];
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, ' ', (size_t)(BAR_WIDTH - filled));
    bar[BAR_WIDTH] = '\0';
    /* \r and "erase to the end of the line": one line, redrawn in place. */
    if (p->size > 0)
        fprintf(stderr, "\r\033[K[%s] %3d%%  %.1f of %.1f MB  %.0f posts/s", bar, (int)(part * 100),
                (double)bytes / MB, (double)p->size / MB, rate(p, now));
    else
        fprintf(stderr, "\r\033[K%.1f MB  %.0f posts/s", (double)bytes / MB, rate(p, now));
    fflush(stderr);
    p->drawn = true;
}

static void print_line(const struct import_progress *p, uint64_t bytes, int64_t now)
{
    if (p->size > 0)
        fprintf(stderr, "stet: import: %d%% read (%.1f of %.1f MB), %llu posts, %.0f posts/s\n",
                (int)((double)bytes * 100 / (double)p->size), (double)bytes / MB,
                (double)p->size / MB, (unsigned long long)p->n_posts, rate(p, now));
    else
        fprintf(stderr, "stet: import: %.1f MB read, %llu posts, %.0f posts/s\n",
                (double)bytes / MB, (unsigned long long)p->n_posts, rate(p, now));
}

void import_progress_update(struct import_progress *p, uint64_t bytes)
{
    int64_t now = clock_mono_ns();
    int64_t interval = p->is_tty ? IMPORT_BAR_INTERVAL_MS : IMPORT_LINE_INTERVAL_MS;
    if ((now - p->last_ns) / 1000000 < interval)
        return;
    p->last_ns = now;
    if (p->is_tty)
        draw_bar(p, bytes, now);
    else
        print_line(p, bytes, now);
}

void import_progress_done(struct import_progress *p, uint64_t bytes)
{
    int64_t now = clock_mono_ns();
    if (p->drawn)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "stet: import: read %.1f MB, %llu posts in %.1f s (%.0f posts/s)\n",
            (double)bytes / MB, (unsigned long long)p->n_posts, (double)(now - p->started_ns) / 1e9,
            rate(p, now));
}

/* ---- the summary ---- */

struct row {
    const char *label;
    size_t offset;
};

#define SUM(field)  offsetof(struct legacy_summary, field)
#define STAT(field) offsetof(struct import_stats, field)

static const struct row summary_rows[] = {
    {"stories matched", SUM(n_stories_matched)},
    {"stories created", SUM(n_stories_created)},
    {"comments imported", SUM(n_imported)},
    {"  held for moderation", SUM(n_held)},
    {"skipped as spam", SUM(n_spam)},
    {"skipped as deleted", SUM(n_deleted)},
    {"skipped as pingbacks, trackbacks, other", SUM(n_pings)},
    {"already imported", SUM(n_already)},
    {"orphans re-rooted", SUM(n_orphans)},
    {"skipped without a thread", SUM(n_no_thread)},
    {"skipped without a story", SUM(n_no_story)},
};

/* What the reader repaired or left out, said the way the summary's reader needs. */
static const struct row stats_rows[] = {
    {"threads without an id, skipped", STAT(n_threads_no_id)},
    {"threads without an identifier or link, skipped", STAT(n_threads_unlinked)},
    {"posts without an id, skipped", STAT(n_posts_no_id)},
    {"posts naming no thread, skipped", STAT(n_posts_no_thread)},
    {"posts or ids over the size limit, skipped", STAT(n_oversize)},
    {"posts without a text", STAT(n_posts_empty)},
    {"dates not understood (the thread's date used)", STAT(n_bad_dates)},
    {"comments dated by comment_date (no comment_date_gmt)", STAT(n_date_fallbacks)},
    {"comments without a comment_type", STAT(n_untyped)},
    {"links naming their story by query only (?p=N)", STAT(n_query_links)},
    {"titles or names shortened", STAT(n_truncated)},
    {"e-mails, URLs or links too long, left out", STAT(n_fields_dropped)},
    {"bytes of invalid UTF-8 replaced", STAT(n_bytes_repaired)},
    {"item fields after its comments, ignored", STAT(n_late_fields)},
};

void import_summary_print(FILE *out, const char *format, const char *path, bool dry_run,
                          const struct legacy_summary *sum, const struct import_stats *stats)
{
    fprintf(out, "%s %s from %s\n", dry_run ? "Dry run of the import of" : "Imported", format,
            path);
    for (size_t i = 0; i < sizeof(summary_rows) / sizeof(summary_rows[0]); i++) {
        const int64_t *v = (const int64_t *)((const char *)sum + summary_rows[i].offset);
        fprintf(out, "  %-40s %lld\n", summary_rows[i].label, (long long)*v);
    }
    bool header = false;
    for (size_t i = 0; i < sizeof(stats_rows) / sizeof(stats_rows[0]); i++) {
        const uint64_t *v = (const uint64_t *)((const char *)stats + stats_rows[i].offset);
        if (*v == 0)
            continue;
        if (!header)
            fputs("In the file:\n", out);
        header = true;
        fprintf(out, "  %-52s %llu\n", stats_rows[i].label, (unsigned long long)*v);
    }
    if (dry_run)
        fputs("Nothing was written (--dry-run).\n", out);
}
