/* stderr logging. Each line is built whole and written with one call so lines from
 * different threads never interleave. The timestamp's date and time change once a
 * second, so each thread formats them once a second, not once a line: the access
 * log writes a line per request.
 *
 * The level, the journal test and the access-log destination are process-wide, as
 * stderr itself is: atomics, written by the serving thread at start and on SIGHUP,
 * read by every thread that logs. */
#include "base/log.h"

#include "base/fmt.h"
#include "base/str.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static _Atomic int min_level = LOG_LEVEL_INFO;

/* The access log's descriptor: stderr until log_access_open gives it one of its own,
 * which later calls replace with dup3 so that the number a writer loaded always
 * names an open file. */
static _Atomic int access_fd = STDERR_FILENO;
static _Atomic bool access_off = false;
static _Atomic bool access_to_stderr = true;
static bool access_dedicated; /* only log_access_open's caller touches it */

static pthread_once_t journal_once = PTHREAD_ONCE_INIT;
static bool stderr_is_journal; /* written once under journal_once */

/* Reads a decimal number up to `end`; false on anything else or overflow. */
static bool parse_u64(const char *s, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    if (s == end)
        return false;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* systemd sets JOURNAL_STREAM=DEV:INO for a service whose stderr is the journal;
 * a child whose stderr was redirected inherits the variable, so it only counts
 * while stderr is still that very stream (sd-daemon(3)). */
static void detect_journal(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    const char *colon = v != NULL ? strchr(v, ':') : NULL;
    uint64_t dev, ino;
    struct stat st;
    if (colon == NULL || !parse_u64(v, colon, &dev) ||
        !parse_u64(colon + 1, colon + strlen(colon), &ino) || fstat(STDERR_FILENO, &st) != 0)
        return;
    stderr_is_journal = (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino;
}

static bool journal(void)
{
    pthread_once(&journal_once, detect_journal);
    return stderr_is_journal;
}

const char *log_journal_prefix(enum log_level level)
{
    if (!journal())
        return "";
    switch (level) {
    case LOG_LEVEL_ERROR:
        return "<3>";
    case LOG_LEVEL_WARN:
        return "<4>";
    case LOG_LEVEL_INFO:
        return "<6>";
    case LOG_LEVEL_DEBUG:
        return "<7>";
    }
    return "";
}

static const char *level_word(int prio)
{
    switch (prio) {
    case LOG_LEVEL_ERROR:
        return "error";
    case LOG_LEVEL_WARN:
        return "warn";
    case LOG_LEVEL_DEBUG:
        return "debug";
    default:
        return "info";
    }
}

/* Appends "2026-11-30T06:31:26.531Z LEVEL [RID] ", or "<6>LEVEL [RID] " for the
 * journal, which has its own timestamps and reads the priority from the prefix. */
static void prefix(struct fmt *f, int prio, const char *rid, bool for_journal)
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[80];
    if (for_journal) {
        fmt_char(f, '<');
        fmt_char(f, (char)('0' + prio));
        fmt_char(f, '>');
    } else {
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
        char ms[3] = {(char)('0' + ts.tv_nsec / 100000000),
                      (char)('0' + ts.tv_nsec / 10000000 % 10),
                      (char)('0' + ts.tv_nsec / 1000000 % 10)};
        fmt_bytes(f, ms, sizeof(ms));
        fmt_cstr(f, "Z ");
    }
    fmt_cstr(f, level_word(prio));
    fmt_cstr(f, " [");
    fmt_cstr(f, rid != NULL ? rid : "-");
    fmt_cstr(f, "] ");
}

/* A short write is not worth retrying; the line is best effort. */
static void emit(int fd, struct fmt *f)
{
    /* fmt keeps one byte for its NUL, which becomes the newline. */
    f->p[f->len++] = '\n';
    if (write(fd, f->p, f->len) < 0)
        return;
}

static void vlog(int prio, const char *rid, const char *fmt, va_list ap)
{
    if (prio > atomic_load_explicit(&min_level, memory_order_relaxed))
        return;
    char line[LOG_LINE_MAX];
    struct fmt f = FMT_ON(line);
    prefix(&f, prio, rid, journal());
    int m = vsnprintf(line + f.len, f.cap - f.len, fmt, ap);
    if (m > 0)
        f.len += (size_t)m < f.cap - 1 - f.len ? (size_t)m : f.cap - 1 - f.len;
    emit(STDERR_FILENO, &f);
}

void log_debug(const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_DEBUG, rid, fmt, ap);
    va_end(ap);
}

void log_info(const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_INFO, rid, fmt, ap);
    va_end(ap);
}

void log_warn(const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_WARN, rid, fmt, ap);
    va_end(ap);
}

void log_error(const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_ERROR, rid, fmt, ap);
    va_end(ap);
}

void log_set_level(enum log_level level)
{
    atomic_store_explicit(&min_level, (int)level, memory_order_relaxed);
}

int log_level_parse(const char *name, enum log_level *out)
{
    static const struct {
        const char *name;
        enum log_level level;
    } names[] = {
        {"debug", LOG_LEVEL_DEBUG},  {"info", LOG_LEVEL_INFO},   {"warn", LOG_LEVEL_WARN},
        {"warning", LOG_LEVEL_WARN}, {"error", LOG_LEVEL_ERROR},
    };
    struct str s = str_trim(str_from(name));
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (str_eq_nocase(s, str_from(names[i].name))) {
            *out = names[i].level;
            return 0;
        }
    }
    return STET_EINVAL;
}

const char *log_level_name(enum log_level level)
{
    return level_word((int)level);
}

/* Makes `fd` the access log's descriptor, consuming it; false (errno set) when the
 * previous one stays. */
static bool access_install(int fd, bool to_stderr)
{
    if (!access_dedicated) {
        atomic_store(&access_fd, fd);
        access_dedicated = true;
    } else {
        /* dup3 swaps the file behind the number in one step: a writer never sees
         * it closed. */
        int rc = dup3(fd, atomic_load(&access_fd), O_CLOEXEC);
        int saved = errno;
        close(fd);
        errno = saved;
        if (rc < 0)
            return false;
    }
    atomic_store(&access_to_stderr, to_stderr);
    atomic_store(&access_off, false);
    return true;
}

int log_access_open(const char *dest, char *err, size_t err_len)
{
    if (strcmp(dest, "off") == 0) {
        atomic_store(&access_off, true);
        /* Lets go of a file logrotate moved away, so its space is freed. */
        int null = access_dedicated ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
        if (null >= 0 && access_install(null, false))
            atomic_store(&access_off, true);
        return 0;
    }
    bool to_stderr = strcmp(dest, "stderr") == 0;
    int fd = to_stderr ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
                       : open(dest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
    if (fd < 0 || !access_install(fd, to_stderr)) {
        snprintf(err, err_len, "cannot open the access log %s: %s", dest, strerror(errno));
        return STET_EIO;
    }
    return 0;
}

void log_access(const char *rid, const char *text, size_t len)
{
    if (atomic_load_explicit(&access_off, memory_order_relaxed))
        return;
    char line[LOG_LINE_MAX];
    struct fmt f = FMT_ON(line);
    bool to_stderr = atomic_load_explicit(&access_to_stderr, memory_order_relaxed);
    prefix(&f, LOG_LEVEL_INFO, rid, to_stderr && journal());
    fmt_bytes(&f, text, len);
    emit(atomic_load_explicit(&access_fd, memory_order_relaxed), &f);
}
