/* Log lines on stderr: one line per event, `LEVEL [request-id] message`. A request id
 * of NULL (process-level events) prints as "-". When stderr is the systemd journal
 * (JOURNAL_STREAM names it), each line starts with its syslog priority ("<6>") and
 * carries no timestamp, since the journal records both. The access log is a stream
 * of its own (stderr, a file or nothing). Thread-safe. */
#ifndef STET_BASE_LOG_H
#define STET_BASE_LOG_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

/* The levels, numbered as syslog priorities (the journal's prefix is the number). */
enum log_level {
    LOG_LEVEL_ERROR = 3,
    LOG_LEVEL_WARN = 4,
    LOG_LEVEL_INFO = 6,
    LOG_LEVEL_DEBUG = 7,
};

void log_debug(const char *rid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *rid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *rid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_error(const char *rid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "<3>" for LOG_LEVEL_ERROR and so on when stderr is the journal, else "": for a
 * message written to stderr directly ("stet: cannot listen on ..."), so that the
 * journal files it under its priority too. */
const char *log_journal_prefix(enum log_level level);

/* Lines less severe than `level` are dropped from now on (default LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);
/* "debug", "info", "warn" (also "warning") or "error", case-insensitive; STET_EINVAL
 * for anything else. */
int log_level_parse(const char *name, enum log_level *out) STET_MUST_CHECK;
/* The name log_level_parse reads back ("warn" for LOG_LEVEL_WARN). */
const char *log_level_name(enum log_level level);

/* Where access-log lines go: "stderr" (the default), "off", or a file opened for
 * appending (created 0640). Call it again after logrotate moved the file: lines
 * written meanwhile land in the old or the new file, none is lost to a closed
 * descriptor. Not thread-safe against itself (the serving thread calls it); safe
 * against concurrent log_access. STET_EIO with the reason in `err` when the file
 * cannot be opened (the previous destination stays). */
int log_access_open(const char *dest, char *err, size_t err_len) STET_MUST_CHECK;
/* One access-log line whose message is already formatted (one per request). */
void log_access(const char *rid, const char *text, size_t len);

#endif
