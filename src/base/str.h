/* Borrowed string slices and bounded number parsing. A slice points into memory
 * someone else owns (usually the request arena) and is not NUL-terminated. */
#ifndef STET_BASE_STR_H
#define STET_BASE_STR_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct str {
    const char *ptr;
    size_t len;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})
#define STR_NULL   ((struct str){NULL, 0})

struct str str_from(const char *s);
bool str_eq(struct str a, struct str b);
bool str_eq_cstr(struct str a, const char *b);
bool str_eq_nocase(struct str a, struct str b);
bool str_starts_with(struct str s, const char *prefix);
/* The slice without leading and trailing ASCII white space. */
struct str str_trim(struct str s);

/* The value of a hexadecimal digit (either case), or -1 for any other byte. */
int str_hex_digit(char c);

/* Parses a whole slice as a base-10 integer within [min, max]; STET_EINVAL otherwise
 * (empty, sign only, trailing bytes, overflow, out of range). */
int str_to_i64(struct str s, int64_t min, int64_t max, int64_t *out) STET_MUST_CHECK;

#endif
