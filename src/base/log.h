/* Log lines on stderr: one line per event, `LEVEL [request-id] message`. A request id
 * of NULL (process-level events) prints as "-". Thread-safe. */
#ifndef STET_BASE_LOG_H
#define STET_BASE_LOG_H

#include <stddef.h>

void log_info(const char *rid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *rid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_error(const char *rid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An info line whose message is already formatted (hot paths: the access log). */
void log_info_text(const char *rid, const char *text, size_t len);

#endif
