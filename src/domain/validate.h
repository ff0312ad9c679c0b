/* The input rules of SPEC section 6, as pure functions. Each returns 0 or
 * STET_EINVAL with the field and a sentence for the reader in `err`. */
#ifndef STET_DOMAIN_VALIDATE_H
#define STET_DOMAIN_VALIDATE_H

#include "base/err.h"
#include "base/ident.h"
#include "base/str.h"

#define USERNAME_MIN       IDENT_USERNAME_MIN
#define USERNAME_MAX       IDENT_USERNAME_MAX
#define EMAIL_MAX          IDENT_EMAIL_MAX /* bytes */
#define PASSWORD_MIN       8               /* characters */
#define PASSWORD_MAX_CHARS 1024
/* Bytes: the longest a valid password can be (4 bytes per character in UTF-8), so a
 * longer one is refused before any work is spent on it. */
#define PASSWORD_MAX   (4 * PASSWORD_MAX_CHARS)
#define SLUG_MAX       100
#define TITLE_MAX      300          /* characters */
#define BYLINE_MAX     200          /* characters */
#define STORY_BODY_MAX (512 * 1024) /* bytes */

/* SPEC section 6's shapes (base/ident.h), with a message saying what is wrong. */
int validate_username(struct str s, struct err_detail *err) STET_MUST_CHECK;
int validate_email(struct str s, struct err_detail *err) STET_MUST_CHECK;
/* PASSWORD_MIN..PASSWORD_MAX_CHARS characters of UTF-8, not all of them white space. */
int validate_password(struct str s, struct err_detail *err) STET_MUST_CHECK;
/* Trims the body; 1..max_chars characters of UTF-8 with no control characters
 * besides tab and line breaks (utf8_has_control). `trimmed` is a slice of `s`. */
int validate_comment_body(struct str s, int max_chars, struct str *trimmed,
                          struct err_detail *err) STET_MUST_CHECK;
/* A story's Markdown source: at most STORY_BODY_MAX bytes of UTF-8 (empty allowed)
 * under the same control-character rule as comments. */
int validate_story_body(struct str s, struct err_detail *err) STET_MUST_CHECK;
/* 1..SLUG_MAX of a-z 0-9 and '-', not starting or ending with '-'. */
int validate_slug(struct str s, struct err_detail *err) STET_MUST_CHECK;
/* Required single-line text of 1..max_chars characters after trimming (or 0.. when
 * optional); `trimmed` is a slice of `s`. */
int validate_line(struct str s, const char *field, int max_chars, bool required,
                  struct str *trimmed, struct err_detail *err) STET_MUST_CHECK;

#endif
