/* The characters an XML or HTML document may hold, as UTF-8 (internal to
 * src/import): both the export reader and the legacy HTML sanitizer replace anything
 * else with U+FFFD rather than fail on it. */
#ifndef STET_IMPORT_XMLCHAR_H
#define STET_IMPORT_XMLCHAR_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

/* UTF-8 for U+FFFD REPLACEMENT CHARACTER. */
#define IMPORT_REPLACEMENT "\xEF\xBF\xBD"

/* The length of the well-formed UTF-8 sequence at p[0..n) (RFC 3629's table, as in
 * base/utf8.c) when it encodes a character XML 1.0 allows; 0 when it does not (bad
 * UTF-8, a C0 control but tab, LF and CR, U+FFFE, U+FFFF); -1 when it is a valid
 * start cut off by the end of the buffer. n > 0. */
int import_xml_char_len(const unsigned char *p, size_t n);

/* Appends s[0..len) to out with every byte import_xml_char_len refuses (a cut-off
 * sequence at the end included) replaced by U+FFFD; returns how many were replaced. */
uint64_t import_xml_repair(struct buf *out, const char *s, size_t len);

/* Initialises libxml2 once per process (xmlInitParser, which is not safe to race):
 * every entry point of src/import calls it first. */
void import_xml_init(void);

#endif
