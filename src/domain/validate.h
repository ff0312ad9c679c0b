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

/* Every problem a form has, in the order of its fields, so it can be shown all at
 * once instead of one per try. The messages are the rules' (static or arena). */
#define FIELD_ERRORS_MAX 8

struct field_error {
    int rc; /* STET_EINVAL (a rule) or STET_ECONFLICT (a value taken) */
    const char *field;
    const char *message;
};

struct field_errors {
    size_t n;
    struct field_error items[FIELD_ERRORS_MAX];
};

/* Appends a problem; more than FIELD_ERRORS_MAX is a programmer error (asserted). */
void field_errors_add(struct field_errors *fe, int rc, const char *field, const char *message);
/* 0 for no problem; else STET_EINVAL when a rule is broken and STET_ECONFLICT when
 * only values are taken, with the first problem of that kind in `err` (may be
 * NULL): one field for the callers that report one (the API, the command line). */
int field_errors_result(const struct field_errors *fe, struct err_detail *err) STET_MUST_CHECK;

/* SPEC section 6's shapes (base/ident.h), with a message saying what is wrong.
 * Lengths of usernames are counted in characters, as the message says. */
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
