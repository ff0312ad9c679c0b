/* The input rules of SPEC section 6, as pure functions. Each returns 0 or
 * STET_EINVAL with the field and a sentence for the reader in `err`. */
#ifndef STET_DOMAIN_VALIDATE_H
#define STET_DOMAIN_VALIDATE_H

#include "base/err.h"
#include "base/str.h"

#define USERNAME_MIN   3
#define USERNAME_MAX   32
#define EMAIL_MAX      254
#define PASSWORD_MIN   8
#define PASSWORD_MAX   1024
#define SLUG_MAX       100
#define TITLE_MAX      300          /* characters */
#define BYLINE_MAX     200          /* characters */
#define STORY_BODY_MAX (512 * 1024) /* bytes */

int validate_username(struct str s, struct err_detail *err) STET_MUST_CHECK;
int validate_email(struct str s, struct err_detail *err) STET_MUST_CHECK;
int validate_password(struct str s, struct err_detail *err) STET_MUST_CHECK;
/* Trims the body; 1..max_chars characters of UTF-8 with no control characters
 * besides tab and newlines. `trimmed` is a slice of `s`. */
int validate_comment_body(struct str s, int max_chars, struct str *trimmed,
                          struct err_detail *err) STET_MUST_CHECK;
/* 1..SLUG_MAX of a-z 0-9 and '-', not starting or ending with '-'. */
int validate_slug(struct str s, struct err_detail *err) STET_MUST_CHECK;
/* Required single-line text of 1..max_chars characters after trimming (or 0.. when
 * optional); `trimmed` is a slice of `s`. */
int validate_line(struct str s, const char *field, int max_chars, bool required,
                  struct str *trimmed, struct err_detail *err) STET_MUST_CHECK;

#endif
