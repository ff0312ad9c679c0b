/* Text folded for matching whole words without regard to case: letters are
 * lower-cased and every run of characters that are not letters or digits becomes one
 * space, so "Buy  CHEAP-pills!" and "buy cheap pills" fold alike. fold.c says which
 * scripts' letters fold and the limits (no normalization, no word breaks inside
 * scripts written without spaces). Shared by the banned-word policy
 * (domain/policy.c) and the spam filter (domain/spam.c). */
#ifndef STET_BASE_FOLD_H
#define STET_BASE_FOLD_H

#include <stddef.h>

/* The bytes fold_words may write for `len` bytes of input, its NUL included: no
 * fold lengthens a character's UTF-8 (ß is two bytes, so is "ss"), plus the two
 * edge spaces. */
#define FOLD_OUT_MAX(len) ((len) + 3)

/* Writes `s[0..len)` (valid UTF-8; a stray byte still decodes to something and
 * moves on) folded into `out` (FOLD_OUT_MAX(len) bytes), between a leading and a
 * trailing space, NUL-terminated: each word is then " word " inside it. Returns
 * the length without the NUL; 1 (a single space) when the text holds no word. */
size_t fold_words(const char *s, size_t len, char *out);

#endif
