/* Who someone is: the shape of usernames and e-mail addresses (SPEC section 6) and
 * the one key they are compared by. Lookup, uniqueness (the stores' username_key and
 * email_key columns) and every rate-limit key use ident_key, so no database's or C
 * library's idea of case decides whether two spellings are one account. */
#ifndef STET_BASE_IDENT_H
#define STET_BASE_IDENT_H

#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>

#define IDENT_USERNAME_MIN 3
#define IDENT_USERNAME_MAX 32
#define IDENT_EMAIL_MAX    254 /* bytes */
#define IDENT_KEY_MAX      IDENT_EMAIL_MAX

/* True for a byte a username may hold: A-Z a-z 0-9 _ . - */
bool ident_username_char(char c);
/* True when `s` is a username: IDENT_USERNAME_MIN..MAX bytes of ident_username_char. */
bool ident_is_username(struct str s);
/* True when `s` is an e-mail address as stet accepts one: 1..IDENT_EMAIL_MAX bytes of
 * valid UTF-8, exactly one '@' with text on both sides, and no white space, control
 * byte or any of < > " , (which would make it ambiguous in a header or a list). */
bool ident_is_email(struct str s);

/* The comparison key of a username or an e-mail address: `s` with ASCII A-Z turned
 * into a-z and every other byte left as it is, so two spellings meet exactly when
 * they differ only in the case of ASCII letters (the Kelvin sign U+212A stays itself
 * and never meets "k"). Usernames hold no '@' and e-mail addresses always one, so the
 * keys of the two kinds never meet either. Writes the key and a NUL into `out` and
 * returns its length (s.len). Returns 0, with out = "", when `s` can be neither a
 * username nor an e-mail address: such a text names nobody. */
size_t ident_key(struct str s, char out[IDENT_KEY_MAX + 1]);

#endif
