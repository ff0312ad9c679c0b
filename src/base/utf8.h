/* UTF-8 validation and character counting for user input. */
#ifndef STET_BASE_UTF8_H
#define STET_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when `s[0..len)` is well-formed UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF) and holds no NUL byte. */
bool utf8_valid(const char *s, size_t len);
/* Code points in valid UTF-8 (counts lead bytes). */
size_t utf8_count(const char *s, size_t len);
/* True when the text holds a control character other than tab, LF and CR. */
bool utf8_has_control(const char *s, size_t len);

#endif
