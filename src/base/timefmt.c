/* UTC time formatting and a strict ISO 8601 subset parser. The parser computes days
 * from the civil date itself so it needs neither timegm nor the TZ environment. */
#include "base/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

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

void time_format_human(int64_t t, char out[32])
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    struct tm tm;
    utc_of(t, &tm);
    snprintf(out, 32, "%d %s %d", tm.tm_mday % 32, months[tm.tm_mon % 12], tm.tm_year + 1900);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
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
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    if (!time_in_range(t))
        return STET_EINVAL;
    *out = t;
    return 0;
}
