/* Test support for the export readers: a sink that writes every record it gets as
 * one line of text, so a test states the exact records it expects in one string. */
#ifndef STET_TESTS_IMPORT_RECORD_DUMP_H
#define STET_TESTS_IMPORT_RECORD_DUMP_H

#include "base/buf.h"
#include "import/import.h"

/* A sink whose ctx is a struct buf: each thread and post appends one line,
 * "T key=value ..." or "P key=value ...", dates in ISO 8601, a body's line breaks
 * written as \n. on_progress records nothing. */
struct import_sink record_dump_sink(struct buf *out);

/* Parses the fixture `name` (under FIXTURE_DIR) into `out` with record_dump_sink. */
int record_dump_fixture(enum import_format format, const char *name, struct buf *out,
                        struct import_stats *stats, struct import_error *err);

#endif
