/* Operational counters for `GET /metrics` (Prometheus text format 0.0.4): requests
 * by route and status, latency histograms, response bytes, page-cache hits, plus
 * values read at scrape time (database, SSE streams, process). Recording is
 * lock-free (C11 atomics), so any I/O or worker thread may call it. */
#ifndef STET_WEB_METRICS_H
#define STET_WEB_METRICS_H

#include "base/buf.h"
#include "base/str.h"
#include "services/akismet.h"
#include "store/store.h"
#include "web/router.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics;

/* Counters for the routes of `routes` (borrowed: must outlive the object; routes
 * sharing a pattern share one series) plus "unmatched". Free with metrics_free. */
struct metrics *metrics_new(const struct route *routes, size_t n_routes);
/* metrics_free(NULL) is a no-op. */
void metrics_free(struct metrics *m);

/* Counts one finished request. `route` is the matched entry of the table given to
 * metrics_new, or NULL (anything else also counts as "unmatched"). Status 0 (the
 * client left before a response was sent) and any status outside 100..599 count as
 * status "0". A NULL `m` is a no-op. */
void metrics_record(struct metrics *m, const struct route *route, int status, uint64_t bytes,
                    int64_t duration_us);

/* Counts one render-cache lookup of a page (hit: served from memory). NULL `m`: no-op. */
void metrics_cache_hit(struct metrics *m, bool hit);

/* The values read at scrape time rather than counted. */
struct metrics_external {
    struct store_stats db;
    uint64_t sse_connections;
    uint64_t resident_bytes;
    uint64_t open_fds;
    double start_time; /* Unix seconds */
    const char *version;
    /* The remote spam check's answers (spam.akismet_url); not shown without one. */
    bool has_akismet;
    struct akismet_counts akismet;
};

/* Fills the process values of `ext` from /proc (zero when unreadable); leaves the
 * others untouched. */
void metrics_read_process(const struct metrics *m, struct metrics_external *ext);

/* Appends the whole exposition (HELP, TYPE and samples of every family) to `out`. */
void metrics_format(const struct metrics *m, const struct metrics_external *ext, struct buf *out);

/* Appends `s` escaped as a label value (backslash, double quote, newline). */
void metrics_escape_label(struct buf *out, struct str s);

/* What a scrape's Authorization header proves. */
enum metrics_auth {
    METRICS_AUTH_OK,      /* "Bearer <the configured token>" */
    METRICS_AUTH_MISSING, /* no header, or another scheme */
    METRICS_AUTH_WRONG,   /* a Bearer token, not the configured one */
};

/* Checks `authorization` (the header's value, STR_NULL when absent) against `token`.
 * The scheme is matched without regard to case, the token exactly and in constant
 * time for a given length (secret_equal). */
enum metrics_auth metrics_check_auth(struct str authorization, struct str token);

#endif
