/* Wall-clock time as Unix seconds, its ISO 8601 / RFC 3339 text form in UTC, and
 * dates and times of day as the site's readers see them, in the site's time zone. */
#ifndef STET_BASE_TIMEFMT_H
#define STET_BASE_TIMEFMT_H

#include "base/err.h"
#include "base/str.h"

#include <stdbool.h>
#include <stdint.h>

#define TIMEFMT_ISO_LEN 21 /* "2026-11-30T04:02:31Z" plus NUL */

/* The instants a four-digit year can show: 0000-01-01T00:00:00Z and
 * 9999-12-31T23:59:59Z in Unix seconds. */
#define TIME_MIN (-62167219200LL)
#define TIME_MAX 253402300799LL

/* Current time in Unix seconds. */
int64_t time_now(void);
/* True when TIME_MIN <= t <= TIME_MAX: the formatters below print t as it is. */
bool time_in_range(int64_t t);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" into out (at least TIMEFMT_ISO_LEN bytes). A time
 * outside time_in_range prints as the nearest end of the range, never as a wrapped
 * year. */
void time_format_iso(int64_t t, char out[TIMEFMT_ISO_LEN]);
/* Time zones are IANA names ("Europe/Berlin"), at most this long. */
#define TIME_ZONE_NAME_MAX 64
#define TIMEFMT_LOCAL_LEN  32 /* "30 Nov 2026, 04:02" */
#define TIMEFMT_FULL_LEN   64 /* "Wednesday 30 September 2026, 14:03 CEST" */

/* True when `name` is "UTC" or names a zone of the system's time zone database
 * (a TZif file under $TZDIR, default /usr/share/zoneinfo): letters, digits, "_+-"
 * and "/" between components, no "." or ".." component, at most TIME_ZONE_NAME_MAX
 * bytes. */
bool time_zone_exists(const char *name);
/* Makes `name` (which time_zone_exists accepted) the zone of the formatters below,
 * for the whole process: sets TZ and calls tzset. Call once at startup, before any
 * thread starts; C has no thread-safe way to change it later. */
void time_zone_use(const char *name);
/* "30 Nov 2026, 04:02" in the zone of time_zone_use. Clamped like the others. */
void time_format_local(int64_t t, char out[TIMEFMT_LOCAL_LEN]);
/* "30 November 2026", the date in the zone of time_zone_use (a story's date, next
 * to its comments' times); out holds at least 32 bytes. Clamped the same way. */
void time_format_human(int64_t t, char out[32]);
/* "Monday 30 November 2026, 04:02 CET": date, time and zone abbreviation (or offset,
 * "+04", where the zone has no abbreviation) in the zone of time_zone_use. */
void time_format_local_full(int64_t t, char out[TIMEFMT_FULL_LEN]);
/* Days since 1970-01-01 of a date of the proleptic Gregorian calendar (month
 * 1..12), and back to its year and month: calendar arithmetic in UTC without timegm
 * or the TZ environment. */
int64_t time_days_from_civil(int64_t y, int64_t m, int64_t d);
void time_civil_from_days(int64_t days, int *y, int *m);
/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][.fff](Z|±HH:MM)". STET_EINVAL for
 * anything else, for a leap second (":60": Unix time has no such second) and for a
 * time outside time_in_range once the offset is applied (what no page could print). */
int time_parse_iso(struct str s, int64_t *out) STET_MUST_CHECK;

#endif
