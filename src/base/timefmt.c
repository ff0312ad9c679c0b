/* UTC time formatting, local time in the site's zone, and a strict ISO 8601 subset
 * parser. The parser computes days from the civil date itself so it needs neither
 * timegm nor the TZ environment.
 *
 * The site's zone is the process's TZ, set once at startup (time_zone_use) before any
 * thread exists, and read with localtime_r. That is the only zone API C and POSIX
 * offer; it is thread-safe on these terms: glibc's localtime_r takes its time zone
 * lock and loads the zone once (it re-reads TZ only for plain localtime), and nothing
 * changes TZ afterwards. Reading TZif files ourselves would mean reimplementing the
 * POSIX rule strings that modern ("slim") zone files rely on for every date after
 * their last listed transition. */
#include "base/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

int64_t time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

bool time_in_range(int64_t t)
{
    return t >= TIME_MIN && t <= TIME_MAX;
}

/* Broken-down UTC of t clamped to the printable range, where gmtime_r cannot fail
 * (it does for years beyond int) and every field has its fixed width. */
static void utc_of(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)(t < TIME_MIN ? TIME_MIN : t > TIME_MAX ? TIME_MAX : t);
    gmtime_r(&tt, tm);
}

void time_format_iso(int64_t t, char out[TIMEFMT_ISO_LEN])
{
    struct tm tm;
    utc_of(t, &tm);
    /* The compiler cannot see that tm fields are in range; format into room for any
     * int and keep the fixed-width prefix. */
    char tmp[80];
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(out, tmp, TIMEFMT_ISO_LEN - 1);
    out[TIMEFMT_ISO_LEN - 1] = '\0';
}

/* One component of a zone name: "Europe", "St_Johns", "GMT+5". */
static bool zone_component_ok(const char *s, size_t n)
{
    if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '+' || c == '-' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

/* The name's shape, checked before it becomes part of a path: relative, no "..". */
static bool zone_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > TIME_ZONE_NAME_MAX)
        return false;
    const char *p = name;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (!zone_component_ok(p, n))
            return false;
        if (slash == NULL)
            return true;
        p = slash + 1;
    }
}

/* tzfile(5): every zone file starts with the magic "TZif". glibc would take any other
 * file, or none, silently as UTC, which is what this check exists to refuse. */
bool time_zone_exists(const char *name)
{
    if (strcmp(name, "UTC") == 0)
        return true;
    if (!zone_name_ok(name))
        return false;
    const char *dir = getenv("TZDIR");
    char path[512];
    int n = snprintf(path, sizeof(path), "%s/%s",
                     dir != NULL && dir[0] != '\0' ? dir : "/usr/share/zoneinfo", name);
    if (n < 0 || (size_t)n >= sizeof(path))
        return false;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    char magic[4];
    bool ok = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
              memcmp(magic, "TZif", sizeof(magic)) == 0;
    fclose(f);
    return ok;
}

void time_zone_use(const char *name)
{
    char tz[TIME_ZONE_NAME_MAX + 2];
    /* "UTC0" is a POSIX rule that needs no zone file (a container may have no tzdata);
     * ":NAME" asks for the file NAME under the zone directory, as POSIX says. */
    if (strcmp(name, "UTC") == 0)
        snprintf(tz, sizeof(tz), "UTC0");
    else
        snprintf(tz, sizeof(tz), ":%s", name);
    setenv("TZ", tz, 1);
    tzset();
}

/* Broken-down time of t in the site's zone, clamped like utc_of. localtime_r fails
 * only for a year beyond int, which clamping rules out; UTC is the fallback anyway. */
static void local_of(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)(t < TIME_MIN ? TIME_MIN : t > TIME_MAX ? TIME_MAX : t);
    if (localtime_r(&tt, tm) == NULL)
        gmtime_r(&tt, tm);
}

void time_format_human(int64_t t, char out[32])
{
    struct tm tm;
    local_of(t, &tm);
    snprintf(out, 32, "%d %s %d", tm.tm_mday % 32, month_names[tm.tm_mon % 12], tm.tm_year + 1900);
}

void time_format_local(int64_t t, char out[TIMEFMT_LOCAL_LEN])
{
    struct tm tm;
    local_of(t, &tm);
    snprintf(out, TIMEFMT_LOCAL_LEN, "%d %.3s %d, %02d:%02d", tm.tm_mday % 32,
             month_names[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour % 24, tm.tm_min % 60);
}

void time_format_local_full(int64_t t, char out[TIMEFMT_FULL_LEN])
{
    struct tm tm;
    char zone[16];
    local_of(t, &tm);
    if (strftime(zone, sizeof(zone), "%Z", &tm) == 0)
        zone[0] = '\0';
    snprintf(out, TIMEFMT_FULL_LEN, "%s %d %s %d, %02d:%02d%s%s", day_names[tm.tm_wday % 7],
             tm.tm_mday % 32, month_names[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour % 24,
             tm.tm_min % 60, zone[0] != '\0' ? " " : "", zone);
}

/* Howard Hinnant's algorithms ("chrono-Compatible Low-Level Date Algorithms"). */
int64_t time_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void time_civil_from_days(int64_t z, int *y, int *m)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
}

static int digits(struct str s, size_t at, size_t n, int64_t *out)
{
    if (at + n > s.len)
        return STET_EINVAL;
    int64_t v = 0;
    for (size_t i = at; i < at + n; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return STET_EINVAL;
        v = v * 10 + (s.ptr[i] - '0');
    }
    *out = v;
    return 0;
}

static bool at_char(struct str s, size_t at, char c)
{
    return at < s.len && s.ptr[at] == c;
}

int time_parse_iso(struct str s, int64_t *out)
{
    int64_t y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (digits(s, 0, 4, &y) || !at_char(s, 4, '-') || digits(s, 5, 2, &mo) || !at_char(s, 7, '-') ||
        digits(s, 8, 2, &d))
        return STET_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return STET_EINVAL;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return STET_EINVAL;
    size_t i = 10;
    if (i < s.len) {
        if (s.ptr[i] != 'T' && s.ptr[i] != 't' && s.ptr[i] != ' ')
            return STET_EINVAL;
        if (digits(s, 11, 2, &h) || !at_char(s, 13, ':') || digits(s, 14, 2, &mi))
            return STET_EINVAL;
        i = 16;
        if (at_char(s, i, ':')) {
            if (digits(s, 17, 2, &sec))
                return STET_EINVAL;
            i = 19;
            if (at_char(s, i, '.')) {
                i++;
                size_t start = i;
                while (i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9' && i - start < 9)
                    i++;
                if (i == start)
                    return STET_EINVAL;
            }
        }
        /* No leap second: Unix time cannot name it, and folding it into the next
         * second would turn 9999-12-31T23:59:60Z into the year 10000. */
        if (h > 23 || mi > 59 || sec > 59)
            return STET_EINVAL;
        if (at_char(s, i, 'Z') || at_char(s, i, 'z')) {
            i++;
        } else if (at_char(s, i, '+') || at_char(s, i, '-')) {
            int64_t oh, om;
            int sign = s.ptr[i] == '-' ? -1 : 1;
            if (digits(s, i + 1, 2, &oh) || !at_char(s, i + 3, ':') || digits(s, i + 4, 2, &om) ||
                oh > 23 || om > 59)
                return STET_EINVAL;
            off = sign * (oh * 3600 + om * 60);
            i += 6;
        } else {
            return STET_EINVAL;
        }
        if (i != s.len)
            return STET_EINVAL;
    }
    int64_t t = time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    if (!time_in_range(t))
        return STET_EINVAL;
    *out = t;
    return 0;
}
