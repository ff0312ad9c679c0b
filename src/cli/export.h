/* The site export (`stet export`, `stet import stet`): one JSON document holding a
 * whole site but its secrets, which a site can leave stet with and which moves a site
 * between backends. This header is the format: which tables and columns it carries and
 * as which JSON types (the plan), and the streaming reader that hands a document back
 * one row at a time. The layout, written by cmd_export.c:
 *
 *   {"format":"stet-export","format_version":1,"stet_version":"...",
 *   "schema_version":11,"exported_at":"2026-05-01T12:00:00Z",
 *   "tables":{
 *   "users":[
 *   {"id":1,"username":"anna",...},
 *   ...
 *   ],
 *   ...},
 *   "counts":{"users":3,...}}
 *
 * Rows are objects keyed by column; times are Unix seconds. */
#ifndef STET_CLI_EXPORT_H
#define STET_CLI_EXPORT_H

#include "base/err.h"
#include "store/copy.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EXPORT_FORMAT         "stet-export"
#define EXPORT_FORMAT_VERSION 1

/* Bounds of the plan: columns of one table, tables of a site. */
#define EXPORT_MAX_COLUMNS 32
#define EXPORT_MAX_TABLES  32
/* The largest single value the reader takes (a row, a header field): a story's
 * Markdown and HTML are the biggest things in a row, and far smaller. */
#define EXPORT_MAX_VALUE (64 * 1024 * 1024)
/* A key (a table's or a header field's name): a plain identifier. */
#define EXPORT_MAX_KEY 64

/* What a column holds in the document. */
enum export_type {
    EXPORT_INT,  /* a JSON integer (64 bits: spam_hash uses all of them) */
    EXPORT_TEXT, /* a JSON string */
    EXPORT_BOOL, /* true or false (the store's 0 and 1) */
};

/* One table as the document carries it. */
struct export_table {
    const struct store_table *table;         /* the bulk copier's: name, key, identity column */
    const char *columns[EXPORT_MAX_COLUMNS]; /* the exported ones, in the copier's order */
    enum export_type types[EXPORT_MAX_COLUMNS];
    size_t n_columns;
    /* users: the password hash is a secret and stays out of the document; an import
     * fills it with EXPORT_NO_PASSWORD, which no password verifies. */
    bool has_password;
};

#define EXPORT_PASSWORD_COLUMN "password_hash"
/* Not a libsodium hash string, so crypto_pwhash_str_verify refuses every password. */
#define EXPORT_NO_PASSWORD "!no password: imported by stet import stet"

/* Fills out[0..*n) with every table of store_tables() that the document carries, in
 * the copier's foreign-key order. Every table and column of store_tables() must have
 * a rule here (exported with a type, or left out as a secret): a new one without a
 * rule is EINVAL, logged, so that a secret added to the schema can never leak into
 * an export by default. */
int export_plan(struct export_table out[EXPORT_MAX_TABLES], size_t *n) STET_MUST_CHECK;
/* The plan's entry for `name`, or NULL. */
const struct export_table *export_plan_find(const struct export_table *plan, size_t n,
                                            const char *name);

/* ---- reading a document ---- */

/* Where a document went wrong: the 1-based line and the byte offset where the
 * value at fault starts (or where the syntax broke), and what is wrong. */
struct export_error {
    int64_t line;
    int64_t offset;
    char message[256];
};

/* Sets err->message (printf-style) and returns STET_EINVAL, for the callbacks. */
int export_fail(struct export_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The reader's callbacks, in document order. Values are borrowed for the call. Each
 * returns 0 or an error, which stops the read and is passed back; a callback that
 * fails for a reason in the document says why with export_fail (err->line and
 * err->offset already point at the value). */
struct export_reader_ops {
    int (*field)(void *ctx, const char *key, json_t *value, struct export_error *err);
    int (*table_begin)(void *ctx, const char *name, struct export_error *err);
    int (*row)(void *ctx, json_t *row, struct export_error *err);
    int (*table_end)(void *ctx, struct export_error *err);
};

/* Reads one document from `in`: an object whose fields go to `field`, except
 * "tables", an object of arrays of row objects, which streams through table_begin,
 * row and table_end. Memory stays within a few EXPORT_MAX_VALUE whatever the size.
 * Keys must be plain identifiers of at most EXPORT_MAX_KEY bytes, given once; a row
 * must be an object without duplicate keys. 0; EINVAL with *err filled for a
 * document that is malformed, truncated or refused by a callback; EIO (err filled)
 * for a read error; a callback's own error. */
int export_read(FILE *in, const struct export_reader_ops *ops, void *ctx,
                struct export_error *err) STET_MUST_CHECK;

#endif
