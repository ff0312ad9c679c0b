/* stderr logging. Each line is built whole and written with one call so lines from
 * different threads never interleave. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void vlog(const char *level, const char *rid, const char *fmt, va_list ap)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s [%s] ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level, rid != NULL ? rid : "-");
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    /* A short write to stderr is not worth retrying; the line is best effort. */
    if (write(STDERR_FILENO, line, len) < 0)
        return;
}

void log_info(const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("info", rid, fmt, ap);
    va_end(ap);
}

void log_warn(const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warn", rid, fmt, ap);
    va_end(ap);
}

void log_error(const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error", rid, fmt, ap);
    va_end(ap);
}
