/* Wall-clock time as Unix seconds, and its ISO 8601 / RFC 3339 text form in UTC. */
#ifndef STET_BASE_TIMEFMT_H
#define STET_BASE_TIMEFMT_H

#include "base/err.h"
#include "base/str.h"

#include <stdint.h>

#define TIMEFMT_ISO_LEN 21 /* "2026-11-30T04:02:31Z" plus NUL */

/* Current time in Unix seconds. */
int64_t time_now(void);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" into out (at least TIMEFMT_ISO_LEN bytes). */
void time_format_iso(int64_t t, char out[TIMEFMT_ISO_LEN]);
/* "30 November 2026" for pages; out holds at least 32 bytes. */
void time_format_human(int64_t t, char out[32]);
/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][.fff](Z|±HH:MM)"; STET_EINVAL otherwise. */
int time_parse_iso(struct str s, int64_t *out) STET_MUST_CHECK;

#endif
