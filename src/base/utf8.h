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
/* True when valid UTF-8 text holds a control character other than tab and a line
 * break: any C0 control but TAB, LF and a CR directly before an LF (a lone CR is
 * refused: it rewrites the line it is on when the text reaches a terminal or a log),
 * DEL, or a C1 control (U+0080..U+009F, which some terminals obey too). */
bool utf8_has_control(const char *s, size_t len);
/* True when valid UTF-8 text is empty or holds only white space (Unicode
 * White_Space: ASCII blanks, NEL, no-break and typographic spaces, line and
 * paragraph separators, the ideographic space). */
bool utf8_all_space(const char *s, size_t len);

#endif
