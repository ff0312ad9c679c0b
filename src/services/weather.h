/* The weather strip's data: a background thread fetches weather.url (http, https or
 * file) every refresh interval with libcurl and keeps the last good reading. Page
 * renders only read the cached reading and never wait for the provider. */
#ifndef STET_SERVICES_WEATHER_H
#define STET_SERVICES_WEATHER_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEATHER_MAX_AGE_S (6 * 3600)   /* a reading older than this is hidden */
#define WEATHER_MAX_BODY  (256 * 1024) /* provider answer limit */

struct weather_reading {
    int hi; /* rounded, in the configured unit */
    int lo;
    int64_t fetched_at; /* Unix seconds of the fetch that produced it */
};

/* Parses Open-Meteo's daily forecast shape
 * {"daily":{"temperature_2m_max":[23.4],"temperature_2m_min":[9.1]}} (Celsius) and
 * rounds (converting to Fahrenheit first when asked). STET_EINVAL on any other shape. */
int weather_parse(const char *json, size_t len, bool fahrenheit, int *hi, int *lo) STET_MUST_CHECK;

struct weather;

/* Starts the refresher; the first fetch begins at once in the background.
 * `url` NULL: returns a weather that never has a reading. Free with weather_free. */
struct weather *weather_new(const char *url, int refresh_s, bool fahrenheit);
/* Changes the source (SIGHUP): a new URL or unit hides the current reading and is
 * fetched at once, a new refresh interval starts with a fetch, an empty or NULL url
 * switches the strip off. Call it from the thread that created `w` (it may start
 * the refresher); safe against concurrent readers. */
void weather_reconfigure(struct weather *w, const char *url, int refresh_s, bool fahrenheit);
/* Stops the thread (interrupting a wait) and frees. NULL is a no-op. */
void weather_free(struct weather *w);
/* The current reading when one exists and is at most WEATHER_MAX_AGE_S old at `now`. */
bool weather_get(struct weather *w, int64_t now, struct weather_reading *out);
/* Bumped each time the shown reading changes (for cache invalidation). */
uint64_t weather_version(struct weather *w);
/* How many fetches the refresher has finished, good or bad; 0 for NULL. A reading a
 * fetch published is visible once this count includes it. With the provider's answer
 * changed when the count was n, the fetch that makes it n + 2 began after the change:
 * tests wait for that instead of sleeping. */
uint64_t weather_fetches(struct weather *w);
/* Blocks until weather_fetches(w) >= n or timeout_s seconds pass; true if reached.
 * Not while weather_free runs. */
bool weather_wait_fetches(struct weather *w, uint64_t n, int timeout_s);

/* The libcurl and jansson versions running ("7.88.1", "2.14"); static storage. */
const char *weather_curl_version(void);
const char *weather_jansson_version(void);

#endif
