/* The weather refresher: one background thread per struct weather fetches the
 * provider with libcurl, parses the answer with jansson, and publishes the reading
 * under a mutex that readers hold only for a copy, so a render never waits on the
 * network. */
#include "services/weather.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/timefmt.h"
#include "base/xalloc.h"
#include "services/curl_body.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WEATHER_MIN_C     (-150.0)
#define WEATHER_MAX_C     150.0
#define WEATHER_TIMEOUT_S 10L
#define WEATHER_CONNECT_S 5L
#define WEATHER_REDIRECTS 3L

struct weather {
    /* The source, under mu: weather_reconfigure may change it while the refresher
     * runs, and bumps gen so that a fetch begun before does not publish. */
    char *url; /* NULL: never fetches */
    int refresh_s;
    bool fahrenheit;
    uint64_t gen; /* bumped by every weather_reconfigure that changes something */

    struct mutex mu;
    pthread_cond_t cond;    /* signalled by weather_free to end the wait early */
    pthread_cond_t fetched; /* broadcast when `fetches` grows */
    bool stop;
    bool has_thread;
    pthread_t thread;

    bool has_reading;
    struct weather_reading reading;
    uint64_t version;
    uint64_t fetches; /* fetches finished, good or bad */
};

/* libcurl wants one process-wide init before any thread uses it. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int first_number(json_t *daily, const char *key, double *out)
{
    json_t *arr = json_object_get(daily, key);
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return STET_EINVAL;
    json_t *v = json_array_get(arr, 0);
    if (!json_is_number(v))
        return STET_EINVAL;
    double d = json_number_value(v);
    if (!isfinite(d) || d < WEATHER_MIN_C || d > WEATHER_MAX_C)
        return STET_EINVAL;
    *out = d;
    return 0;
}

static int round_temp(double c, bool fahrenheit)
{
    double v = fahrenheit ? c * 9.0 / 5.0 + 32.0 : c;
    /* lround gives the integer 0 for -0.4, so the strip never shows "-0". */
    return (int)lround(v);
}

int weather_parse(const char *json, size_t len, bool fahrenheit, int *hi, int *lo)
{
    json_error_t jerr;
    double max_c, min_c;
    int rc = STET_EINVAL;

    if (json == NULL || len > WEATHER_MAX_BODY)
        return STET_EINVAL;
    json_t *root = json_loadb(json, len, 0, &jerr);
    if (root == NULL)
        return STET_EINVAL;
    json_t *daily = json_object_get(root, "daily");
    if (!json_is_object(daily))
        goto out;
    if (first_number(daily, "temperature_2m_max", &max_c) != 0 ||
        first_number(daily, "temperature_2m_min", &min_c) != 0)
        goto out;
    *hi = round_temp(max_c, fahrenheit);
    *lo = round_temp(min_c, fahrenheit);
    rc = 0;
out:
    json_decref(root);
    return rc;
}

/* Lets weather_free interrupt a slow transfer instead of waiting out the timeout. */
static int progress_cb(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct weather *w = user;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    mutex_lock(&w->mu);
    bool stop = w->stop;
    mutex_unlock(&w->mu);
    return stop ? 1 : 0;
}

/* One fetch of `url` and parse. 0 with hi/lo filled, or STET_EIO after logging one
 * line. */
static int fetch_once(struct weather *w, const char *url, bool fahrenheit, int *hi, int *lo)
{
    char errbuf[CURL_ERROR_SIZE];
    struct buf body = BUF_INIT;
    struct curl_body sink = {&body, WEATHER_MAX_BODY};
    int rc = STET_EIO;

    CURL *h = curl_easy_init();
    if (h == NULL) {
        log_warn(NULL, "weather: cannot create a curl handle");
        return STET_EIO;
    }
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
    /* A redirect must not turn a remote answer into a local file read. */
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, WEATHER_REDIRECTS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, WEATHER_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, WEATHER_CONNECT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)WEATHER_MAX_BODY);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "stet/" STET_VERSION);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_body_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, w);

    CURLcode cc = curl_easy_perform(h);
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        goto out; /* shutting down */
    if (cc != CURLE_OK) {
        if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED)
            log_warn(NULL, "weather: %s: answer larger than %d bytes", url, WEATHER_MAX_BODY);
        else
            log_warn(NULL, "weather: %s: %s", url,
                     errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    if (weather_parse(buf_cstr(&body), body.len, fahrenheit, hi, lo) != 0) {
        log_warn(NULL, "weather: %s: answer is not a daily forecast with max and min", url);
        goto out;
    }
    rc = 0;
out:
    curl_easy_cleanup(h);
    buf_cleanup(&body);
    return rc;
}

/* Publishes a reading fetched from source generation `gen`, unless the source has
 * changed since. */
static void publish(struct weather *w, uint64_t gen, int hi, int lo, int64_t now)
{
    mutex_lock(&w->mu);
    if (gen != w->gen) {
        mutex_unlock(&w->mu);
        return;
    }
    bool was_shown = w->has_reading && now - w->reading.fetched_at <= WEATHER_MAX_AGE_S;
    if (!was_shown || w->reading.hi != hi || w->reading.lo != lo)
        w->version++;
    w->reading.hi = hi;
    w->reading.lo = lo;
    w->reading.fetched_at = now;
    w->has_reading = true;
    mutex_unlock(&w->mu);
}

/* Counted after publish, so whoever sees the count also sees the reading it led to. */
static void count_fetch(struct weather *w)
{
    mutex_lock(&w->mu);
    w->fetches++;
    pthread_cond_broadcast(&w->fetched);
    mutex_unlock(&w->mu);
}

static void *refresher(void *arg)
{
    pthread_setname_np(pthread_self(), "stet-weather"); /* for top -H, gdb, perf */
    struct weather *w = arg;

    for (;;) {
        int hi, lo;
        mutex_lock(&w->mu);
        uint64_t gen = w->gen;
        char *url = w->url != NULL ? xstrdup(w->url) : NULL;
        bool fahrenheit = w->fahrenheit;
        int refresh_s = w->refresh_s;
        mutex_unlock(&w->mu);
        if (url != NULL) {
            if (fetch_once(w, url, fahrenheit, &hi, &lo) == 0) {
                log_debug(NULL, "weather: %s: hi %d lo %d", url, hi, lo);
                publish(w, gen, hi, lo, time_now());
            }
            free(url);
            count_fetch(w);
        }

        struct timespec deadline = clock_mono_after_ms((int64_t)refresh_s * 1000);
        mutex_lock(&w->mu);
        /* A new source (weather_reconfigure) is fetched at once. */
        while (!w->stop && w->gen == gen) {
            if (mutex_timedwait(&w->mu, &w->cond, &deadline) == ETIMEDOUT)
                break;
        }
        bool stop = w->stop;
        mutex_unlock(&w->mu);
        if (stop)
            break;
    }
    return NULL;
}

static void start_refresher(struct weather *w)
{
    pthread_once(&curl_once, curl_init_once);
    if (pthread_create(&w->thread, NULL, refresher, w) != 0) {
        log_error(NULL, "weather: cannot start the refresh thread; no weather strip");
        return;
    }
    w->has_thread = true;
}

struct weather *weather_new(const char *url, int refresh_s, bool fahrenheit)
{
    struct weather *w = xcalloc(1, sizeof(*w));

    w->refresh_s = refresh_s > 0 ? refresh_s : 1;
    w->fahrenheit = fahrenheit;
    mutex_init(&w->mu);
    /* A wall-clock jump must neither stall the refresh nor make it spin. */
    clock_cond_init(&w->cond);
    clock_cond_init(&w->fetched);
    if (url == NULL || *url == '\0')
        return w;

    w->url = xstrdup(url);
    start_refresher(w);
    return w;
}

void weather_reconfigure(struct weather *w, const char *url, int refresh_s, bool fahrenheit)
{
    if (url != NULL && *url == '\0')
        url = NULL;
    mutex_lock(&w->mu);
    bool same_url = (url == NULL && w->url == NULL) ||
                    (url != NULL && w->url != NULL && strcmp(url, w->url) == 0);
    bool new_source = !same_url || fahrenheit != w->fahrenheit;
    if (new_source) {
        free(w->url);
        w->url = url != NULL ? xstrdup(url) : NULL;
        w->fahrenheit = fahrenheit;
        /* A reading from the old source (or in the old unit) is not shown again. */
        if (w->has_reading)
            w->version++;
        w->has_reading = false;
    }
    refresh_s = refresh_s > 0 ? refresh_s : 1;
    if (new_source || refresh_s != w->refresh_s) {
        /* Ends the refresher's wait (a new interval starts with a fetch) and
         * discards a fetch under way. */
        w->refresh_s = refresh_s;
        w->gen++;
        pthread_cond_signal(&w->cond);
    }
    bool start = !w->has_thread && w->url != NULL;
    mutex_unlock(&w->mu);
    /* Only the caller of weather_reconfigure and weather_new start the thread, and
     * they are one thread (see weather.h), so has_thread needs no lock here. */
    if (start)
        start_refresher(w);
}

void weather_free(struct weather *w)
{
    if (w == NULL)
        return;
    if (w->has_thread) {
        mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_signal(&w->cond);
        mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    pthread_cond_destroy(&w->cond);
    pthread_cond_destroy(&w->fetched);
    mutex_cleanup(&w->mu);
    free(w->url);
    free(w);
}

bool weather_get(struct weather *w, int64_t now, struct weather_reading *out)
{
    bool ok = false;
    if (w == NULL)
        return false;
    mutex_lock(&w->mu);
    if (w->has_reading && now - w->reading.fetched_at <= WEATHER_MAX_AGE_S) {
        *out = w->reading;
        ok = true;
    }
    mutex_unlock(&w->mu);
    return ok;
}

uint64_t weather_version(struct weather *w)
{
    uint64_t v;
    if (w == NULL)
        return 0;
    mutex_lock(&w->mu);
    v = w->version;
    mutex_unlock(&w->mu);
    return v;
}

uint64_t weather_fetches(struct weather *w)
{
    uint64_t n;
    if (w == NULL)
        return 0;
    mutex_lock(&w->mu);
    n = w->fetches;
    mutex_unlock(&w->mu);
    return n;
}

bool weather_wait_fetches(struct weather *w, uint64_t n, int timeout_s)
{
    bool reached;

    if (w == NULL)
        return false;
    struct timespec deadline = clock_mono_after_ms((int64_t)timeout_s * 1000);
    mutex_lock(&w->mu);
    while (w->fetches < n) {
        if (mutex_timedwait(&w->mu, &w->fetched, &deadline) == ETIMEDOUT)
            break;
    }
    reached = w->fetches >= n;
    mutex_unlock(&w->mu);
    return reached;
}

const char *weather_curl_version(void)
{
    return curl_version_info(CURLVERSION_NOW)->version;
}

const char *weather_jansson_version(void)
{
    return jansson_version_str();
}
