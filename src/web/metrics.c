/* Counters behind `GET /metrics` and their Prometheus text exposition. Requests are
 * counted per route pattern, never per raw path, so the number of series is fixed by
 * the route table whatever clients send; every counter is a relaxed atomic because
 * recording runs on every request of every thread. */
#include "web/metrics.h"

#include "app.h"
#include "base/xalloc.h"
#include "domain/password.h"
#include "web/handlers.h"
#include "web/live.h"
#include "web/respond.h"
#include "web/web.h"

#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Index 0 holds status 0 and anything outside 100..599; 1..500 hold 100..599. */
#define N_STATUS  501
#define N_BUCKETS 13 /* the bounds below plus +Inf */

static const int64_t bucket_le_us[N_BUCKETS - 1] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000};
static const char *const bucket_le_text[N_BUCKETS] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                                      "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                                      "1",      "2.5",   "+Inf"};

/* One label value of `route`: everything recorded for the routes sharing a pattern. */
struct series {
    atomic_uint_fast64_t by_status[N_STATUS];
    atomic_uint_fast64_t buckets[N_BUCKETS]; /* not cumulative; summed when formatted */
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t bytes;
};

struct metrics {
    const struct route *routes;
    size_t n_routes;
    size_t *series_of; /* route index -> series index */
    const char **labels;
    size_t n_series; /* the last one is "unmatched" */
    struct series *series;
    atomic_uint_fast64_t cache_hits;
    atomic_uint_fast64_t cache_misses;
    double start_time;
};

/* Start time as Prometheus clients define it: boot time plus the process's start
 * tick from /proc, which stays right however late the metrics object is built. */
static double process_start_time(void)
{
    double fallback = (double)time(NULL);
    char line[1024];
    unsigned long long btime = 0, start_ticks = 0;
    bool have_btime = false;

    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return fallback;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "btime %llu", &btime) == 1) {
            have_btime = true;
            break;
        }
    fclose(f);
    f = fopen("/proc/self/stat", "r");
    if (f == NULL || !have_btime) {
        if (f != NULL)
            fclose(f);
        return fallback;
    }
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    /* The command name may hold spaces and parentheses; fields resume after the last
     * ')'. starttime is field 22, the 20th after it. */
    const char *p = strrchr(line, ')');
    if (p == NULL)
        return fallback;
    p++;
    for (int field = 3; field < 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    long hz = sysconf(_SC_CLK_TCK);
    if (p == NULL || hz <= 0 || sscanf(p, " %llu", &start_ticks) != 1)
        return fallback;
    return (double)btime + (double)start_ticks / (double)hz;
}

struct metrics *metrics_new(const struct route *routes, size_t n_routes)
{
    struct metrics *m = xcalloc(1, sizeof(*m));
    m->routes = routes;
    m->n_routes = n_routes;
    m->series_of = xcalloc(n_routes + 1, sizeof(*m->series_of));
    m->labels = xcalloc(n_routes + 1, sizeof(*m->labels));
    for (size_t i = 0; i < n_routes; i++) {
        size_t s = 0;
        while (s < m->n_series && strcmp(m->labels[s], routes[i].pattern) != 0)
            s++;
        if (s == m->n_series)
            m->labels[m->n_series++] = routes[i].pattern;
        m->series_of[i] = s;
    }
    m->labels[m->n_series++] = "unmatched";
    m->series = xcalloc(m->n_series, sizeof(*m->series));
    for (size_t s = 0; s < m->n_series; s++) {
        for (size_t i = 0; i < N_STATUS; i++)
            atomic_init(&m->series[s].by_status[i], 0);
        for (size_t i = 0; i < N_BUCKETS; i++)
            atomic_init(&m->series[s].buckets[i], 0);
        atomic_init(&m->series[s].sum_us, 0);
        atomic_init(&m->series[s].bytes, 0);
    }
    atomic_init(&m->cache_hits, 0);
    atomic_init(&m->cache_misses, 0);
    m->start_time = process_start_time();
    return m;
}

void metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    free(m->series);
    free(m->labels);
    free(m->series_of);
    free(m);
}

void metrics_record(struct metrics *m, const struct route *route, int status, uint64_t bytes,
                    int64_t duration_us)
{
    if (m == NULL)
        return;
    size_t s = m->n_series - 1;
    /* Compare addresses as integers: a route from another table is not an error. */
    uintptr_t r = (uintptr_t)route, base = (uintptr_t)m->routes;
    if (route != NULL && r >= base && r < base + m->n_routes * sizeof(*route) &&
        (r - base) % sizeof(*route) == 0)
        s = m->series_of[(r - base) / sizeof(*route)];
    struct series *se = &m->series[s];

    size_t si = status >= 100 && status <= 599 ? (size_t)(status - 99) : 0;
    atomic_fetch_add_explicit(&se->by_status[si], 1, memory_order_relaxed);
    if (duration_us < 0)
        duration_us = 0;
    size_t b = 0;
    while (b < N_BUCKETS - 1 && duration_us > bucket_le_us[b])
        b++;
    atomic_fetch_add_explicit(&se->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&se->sum_us, (uint_fast64_t)duration_us, memory_order_relaxed);
    atomic_fetch_add_explicit(&se->bytes, bytes, memory_order_relaxed);
}

void metrics_cache_hit(struct metrics *m, bool hit)
{
    if (m == NULL)
        return;
    atomic_fetch_add_explicit(hit ? &m->cache_hits : &m->cache_misses, 1, memory_order_relaxed);
}

static uint64_t load(const atomic_uint_fast64_t *a)
{
    /* The counters are only read, but C17 atomic_load takes a non-const pointer. */
    return (uint64_t)atomic_load_explicit((atomic_uint_fast64_t *)(uintptr_t)a,
                                          memory_order_relaxed);
}

static uint64_t count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return 0;
    uint64_t n = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    /* The directory stream's own descriptor was listed too. */
    return n > 0 ? n - 1 : 0;
}

void metrics_read_process(const struct metrics *m, struct metrics_external *ext)
{
    ext->resident_bytes = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        unsigned long long size, resident;
        long page = sysconf(_SC_PAGESIZE);
        if (fscanf(f, "%llu %llu", &size, &resident) == 2 && page > 0)
            ext->resident_bytes = (uint64_t)resident * (uint64_t)page;
        fclose(f);
    }
    ext->open_fds = count_fds();
    ext->start_time = m->start_time;
}

void metrics_escape_label(struct buf *out, struct str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '\\')
            buf_puts(out, "\\\\");
        else if (c == '"')
            buf_puts(out, "\\\"");
        else if (c == '\n')
            buf_puts(out, "\\n");
        else
            buf_putc(out, c);
    }
}

static void family(struct buf *out, const char *name, const char *type, const char *help)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void route_label(struct buf *out, const char *label)
{
    buf_puts(out, "route=\"");
    metrics_escape_label(out, str_from(label));
    buf_putc(out, '"');
}

static void format_requests(const struct metrics *m, struct buf *out)
{
    family(out, "stet_http_requests_total", "counter",
           "HTTP requests answered, by route pattern and status (0: client left first).");
    for (size_t s = 0; s < m->n_series; s++)
        for (size_t i = 0; i < N_STATUS; i++) {
            uint64_t v = load(&m->series[s].by_status[i]);
            if (v == 0)
                continue;
            buf_puts(out, "stet_http_requests_total{");
            route_label(out, m->labels[s]);
            buf_printf(out, ",status=\"%d\"} %llu\n", i == 0 ? 0 : (int)i + 99,
                       (unsigned long long)v);
        }

    family(out, "stet_http_request_duration_seconds", "histogram",
           "Time from the request line to the end of the response, by route pattern.");
    for (size_t s = 0; s < m->n_series; s++) {
        uint64_t counts[N_BUCKETS], total = 0;
        for (size_t b = 0; b < N_BUCKETS; b++) {
            counts[b] = load(&m->series[s].buckets[b]);
            total += counts[b];
        }
        if (total == 0)
            continue;
        /* _count is the sum of the buckets read, so it equals +Inf even while other
         * threads keep recording. */
        uint64_t cum = 0;
        for (size_t b = 0; b < N_BUCKETS; b++) {
            cum += counts[b];
            buf_puts(out, "stet_http_request_duration_seconds_bucket{");
            route_label(out, m->labels[s]);
            buf_printf(out, ",le=\"%s\"} %llu\n", bucket_le_text[b], (unsigned long long)cum);
        }
        uint64_t sum_us = load(&m->series[s].sum_us);
        buf_puts(out, "stet_http_request_duration_seconds_sum{");
        route_label(out, m->labels[s]);
        buf_printf(out, "} %llu.%06llu\n", (unsigned long long)(sum_us / 1000000),
                   (unsigned long long)(sum_us % 1000000));
        buf_puts(out, "stet_http_request_duration_seconds_count{");
        route_label(out, m->labels[s]);
        buf_printf(out, "} %llu\n", (unsigned long long)total);
    }

    family(out, "stet_http_response_bytes_total", "counter",
           "Response body bytes sent, by route pattern.");
    for (size_t s = 0; s < m->n_series; s++) {
        uint64_t requests = 0;
        for (size_t b = 0; b < N_BUCKETS; b++)
            requests += load(&m->series[s].buckets[b]);
        if (requests == 0)
            continue;
        buf_puts(out, "stet_http_response_bytes_total{");
        route_label(out, m->labels[s]);
        buf_printf(out, "} %llu\n", (unsigned long long)load(&m->series[s].bytes));
    }
}

static void sample_u64(struct buf *out, const char *name, const char *type, const char *help,
                       uint64_t v)
{
    family(out, name, type, help);
    buf_printf(out, "%s %llu\n", name, (unsigned long long)v);
}

static void sample_micros(struct buf *out, const char *name, const char *type, const char *help,
                          uint64_t us)
{
    family(out, name, type, help);
    buf_printf(out, "%s %llu.%06llu\n", name, (unsigned long long)(us / 1000000),
               (unsigned long long)(us % 1000000));
}

/* A failed check (timeout, error, neither true nor false) is one the local verdict
 * decided alone: a rate of those is what an operator alerts on. */
static void format_akismet(const struct akismet_counts *a, struct buf *out)
{
    family(out, "stet_akismet_checks_total", "counter",
           "Remote spam checks (spam.akismet_url) by answer; failed: no usable answer.");
    buf_printf(out, "stet_akismet_checks_total{answer=\"spam\"} %llu\n",
               (unsigned long long)a->spam);
    buf_printf(out, "stet_akismet_checks_total{answer=\"ham\"} %llu\n", (unsigned long long)a->ham);
    buf_printf(out, "stet_akismet_checks_total{answer=\"failed\"} %llu\n",
               (unsigned long long)a->failed);
}

void metrics_format(const struct metrics *m, const struct metrics_external *ext, struct buf *out)
{
    format_requests(m, out);

    sample_u64(out, "stet_page_cache_hits_total", "counter",
               "Story pages served from the render cache.", load(&m->cache_hits));
    sample_u64(out, "stet_page_cache_misses_total", "counter",
               "Story pages that had to be rendered.", load(&m->cache_misses));

    const struct store_stats *db = &ext->db;
    sample_u64(out, "stet_group_commit_batches_total", "counter",
               "Group-commit transactions committed.", db->commits);
    sample_u64(out, "stet_group_commit_writes_total", "counter",
               "Writes carried by group-commit transactions.", db->batched_writes);
    family(out, "stet_group_commit_batch_size_avg", "gauge",
           "Average writes per group-commit transaction since start.");
    if (db->commits > 0) {
        /* Whole and thousandths in integers: exact for any counter size. */
        uint64_t milli = db->batched_writes % db->commits * 1000 / db->commits;
        buf_printf(out, "stet_group_commit_batch_size_avg %llu.%03llu\n",
                   (unsigned long long)(db->batched_writes / db->commits),
                   (unsigned long long)milli);
    } else {
        buf_puts(out, "stet_group_commit_batch_size_avg 0\n");
    }
    sample_u64(out, "stet_group_commit_batch_size_max", "gauge",
               "Largest group-commit transaction since start, in writes.", db->max_batch);
    sample_micros(out, "stet_db_seconds_total", "counter",
                  "Wall time spent inside group-commit transactions.", db->db_time_us);

    sample_u64(out, "stet_sse_connections", "gauge", "Open Server-Sent Events streams.",
               ext->sse_connections);
    if (ext->has_akismet)
        format_akismet(&ext->akismet, out);

    sample_u64(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
               ext->resident_bytes);
    sample_u64(out, "process_open_fds", "gauge", "Number of open file descriptors.", ext->open_fds);
    family(out, "process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.");
    buf_printf(out, "process_start_time_seconds %.2f\n", ext->start_time);

    family(out, "stet_build_info", "gauge", "The running stet version; always 1.");
    buf_puts(out, "stet_build_info{version=\"");
    metrics_escape_label(out, str_from(ext->version != NULL ? ext->version : ""));
    buf_puts(out, "\"} 1\n");
}

enum metrics_auth metrics_check_auth(struct str authorization, struct str token)
{
    static const char scheme[] = "Bearer ";
    const size_t scheme_len = sizeof(scheme) - 1;
    struct str a = str_trim(authorization);
    if (a.len <= scheme_len || strncasecmp(a.ptr, scheme, scheme_len) != 0)
        return METRICS_AUTH_MISSING;
    /* RFC 9110 allows more than one space after the scheme. */
    struct str sent = str_trim((struct str){a.ptr + scheme_len, a.len - scheme_len});
    return secret_equal(sent, token) ? METRICS_AUTH_OK : METRICS_AUTH_WRONG;
}

/* 401 with the challenge of RFC 6750, section 3: a missing token gets none of its
 * error codes, a wrong one gets invalid_token. */
static int refuse(struct req *req, enum metrics_auth why)
{
    static const char body[] = "GET /metrics needs Authorization: Bearer <metrics token>\n";
    resp_add_header(req, "WWW-Authenticate",
                    why == METRICS_AUTH_WRONG ? "Bearer realm=\"stet\", error=\"invalid_token\""
                                              : "Bearer realm=\"stet\"");
    resp_add_header(req, "Cache-Control", "no-store");
    return respond_bytes(req, 401, "text/plain; charset=utf-8", body, sizeof(body) - 1);
}

int page_metrics(struct req *req)
{
    struct app *app = req->app;
    /* Off without a token, and then refused exactly like an unknown URL. With one,
     * the peer's address proves nothing: behind a proxy on the same machine every
     * request comes from loopback. */
    if (app->cfg.metrics_token == NULL || app->metrics == NULL)
        return respond_error(req, STET_ENOTFOUND);
    struct str auth = STR_NULL;
    (void)req_header(req, "Authorization", &auth);
    enum metrics_auth granted = metrics_check_auth(auth, str_from(app->cfg.metrics_token));
    if (granted != METRICS_AUTH_OK)
        return refuse(req, granted);

    struct metrics_external ext = {.version = STET_VERSION};
    store_pool_stats(app->pool, &ext.db);
    ext.sse_connections = app->live != NULL ? live_n_streams(app->live) : 0;
    metrics_read_process(app->metrics, &ext);
    if (app->akismet != NULL) {
        ext.has_akismet = true;
        akismet_counts(app->akismet, &ext.akismet);
    }

    struct buf b = BUF_INIT;
    metrics_format(app->metrics, &ext, &b);
    char *body = arena_alloc(req->arena, b.len + 1);
    memcpy(body, buf_cstr(&b), b.len + 1);
    size_t len = b.len;
    buf_cleanup(&b);
    resp_add_header(req, "Cache-Control", "no-store");
    return respond_bytes(req, 200, METRICS_CONTENT_TYPE, body, len);
}
