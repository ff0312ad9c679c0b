/* stderr logging. Each line is built whole and written with one call so lines from
 * different threads never interleave. The timestamp's date and time change once a
 * second, so each thread formats them once a second, not once a line: the access
 * log writes a line per request. */
#include "base/log.h"

#include "base/fmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

/* Appends "2026-11-30T06:31:26.531Z LEVEL [RID] ". */
static void prefix(struct fmt *f, const char *level, const char *rid)
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[80];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_sec = ts.tv_sec;
    }
    fmt_cstr(f, cached);
    char ms[3] = {(char)('0' + ts.tv_nsec / 100000000), (char)('0' + ts.tv_nsec / 10000000 % 10),
                  (char)('0' + ts.tv_nsec / 1000000 % 10)};
    fmt_bytes(f, ms, sizeof(ms));
    fmt_cstr(f, "Z ");
    fmt_cstr(f, level);
    fmt_cstr(f, " [");
    fmt_cstr(f, rid != NULL ? rid : "-");
    fmt_cstr(f, "] ");
}

/* A short write to stderr is not worth retrying; the line is best effort. */
static void emit(struct fmt *f)
{
    /* fmt keeps one byte for its NUL, which becomes the newline. */
    f->p[f->len++] = '\n';
    if (write(STDERR_FILENO, f->p, f->len) < 0)
        return;
}

static void vlog(const char *level, const char *rid, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    struct fmt f = FMT_ON(line);
    prefix(&f, level, rid);
    int m = vsnprintf(line + f.len, f.cap - f.len, fmt, ap);
    if (m > 0)
        f.len += (size_t)m < f.cap - 1 - f.len ? (size_t)m : f.cap - 1 - f.len;
    emit(&f);
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

void log_info_text(const char *rid, const char *text, size_t len)
{
    char line[LOG_LINE_MAX];
    struct fmt f = FMT_ON(line);
    prefix(&f, "info", rid);
    fmt_bytes(&f, text, len);
    emit(&f);
}
