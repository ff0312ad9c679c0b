/* What `stet import` tells its user while it reads and when it is done: a progress
 * bar on a terminal (plain lines otherwise) on standard error, and the summary on
 * standard output. Private to cli/. */
#ifndef STET_CLI_IMPORT_REPORT_H
#define STET_CLI_IMPORT_REPORT_H

#include "domain/legacy_import.h"
#include "import/import.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A terminal's bar is redrawn at most this often; plain lines come at most this
 * often (milliseconds). */
#define IMPORT_BAR_INTERVAL_MS  250
#define IMPORT_LINE_INTERVAL_MS 5000

struct import_progress {
    const char *path;
    uint64_t size; /* 0 when unknown (standard input, a pipe) */
    bool is_tty;   /* standard error is a terminal: the bar */
    bool drawn;    /* a bar is on the screen */
    int64_t started_ns, last_ns;
    uint64_t n_posts; /* posts handed over so far, counted by the caller */
};

/* Starts the clock; the size comes from stat(2) on `path` ("-": unknown). */
void import_progress_init(struct import_progress *p, const char *path);
/* `bytes` of the file were read: a new bar or line when its interval has passed. */
void import_progress_update(struct import_progress *p, uint64_t bytes);
/* Clears the bar and says on standard error how long the read took and how fast
 * it went. */
void import_progress_done(struct import_progress *p, uint64_t bytes);

/* The summary: what the import did (`sum`) and what it repaired or left out of the
 * file (`stats`, the non-zero counters only). A dry run says that nothing was
 * written. */
void import_summary_print(FILE *out, const char *format, const char *path, bool dry_run,
                          const struct legacy_summary *sum, const struct import_stats *stats);

#endif
