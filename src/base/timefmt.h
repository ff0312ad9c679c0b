/* Wall-clock time as Unix seconds, and its ISO 8601 / RFC 3339 text form in UTC. */
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
/* "30 November 2026" for pages; out holds at least 32 bytes. Clamped the same way. */
void time_format_human(int64_t t, char out[32]);
/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][.fff](Z|±HH:MM)". STET_EINVAL for
 * anything else, for a leap second (":60": Unix time has no such second) and for a
 * time outside time_in_range once the offset is applied (what no page could print). */
int time_parse_iso(struct str s, int64_t *out) STET_MUST_CHECK;

#endif
