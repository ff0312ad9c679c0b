/* Input rules. Messages are written for the person who typed the value; they are
 * shown verbatim in forms and API errors. */
#include "domain/validate.h"

#include "base/utf8.h"

#include <assert.h>
#include <string.h>

void field_errors_add(struct field_errors *fe, int rc, const char *field, const char *message)
{
    assert(fe->n < FIELD_ERRORS_MAX);
    fe->items[fe->n++] = (struct field_error){rc, field, message};
}

int field_errors_result(const struct field_errors *fe, struct err_detail *err)
{
    if (fe->n == 0)
        return 0;
    /* A broken rule outranks a taken value: the form has to be fixed either way,
     * and 422 says so; 409 only when nothing but a taken value stands in the way. */
    int rc = STET_ECONFLICT;
    for (size_t i = 0; i < fe->n; i++)
        if (fe->items[i].rc == STET_EINVAL)
            rc = STET_EINVAL;
    for (size_t i = 0; i < fe->n; i++)
        if (fe->items[i].rc == rc)
            return err_set(err, rc, fe->items[i].field, fe->items[i].message);
    return rc; /* not reached: some item has rc */
}

int validate_username(struct str s, struct err_detail *err)
{
    if (ident_is_username(s))
        return 0;
    if (s.len == 0)
        return err_set(err, STET_EINVAL, "username", "Username is required.");
    /* Characters when the text is UTF-8 ("éé" is two, too short, not four), so
     * the length message is only given when the length is what is wrong. */
    size_t n = utf8_valid(s.ptr, s.len) ? utf8_count(s.ptr, s.len) : s.len;
    if (n < USERNAME_MIN || n > USERNAME_MAX)
        return err_set(err, STET_EINVAL, "username", "Username must be 3 to 32 characters long.");
    return err_set(err, STET_EINVAL, "username",
                   "Username may contain only letters, digits, '_', '.' and '-'.");
}

int validate_email(struct str s, struct err_detail *err)
{
    if (ident_is_email(s))
        return 0;
    if (s.len == 0)
        return err_set(err, STET_EINVAL, "email", "Email address is required.");
    if (s.len > EMAIL_MAX)
        return err_set(err, STET_EINVAL, "email", "Email address must be at most 254 bytes.");
    return err_set(err, STET_EINVAL, "email", "Enter a valid email address.");
}

int validate_password(struct str s, struct err_detail *err)
{
    static const char *const too_long = "Password must be at most 1024 characters.";
    /* Characters, not bytes: the rule a person reads is about what they typed. The
     * byte bound first keeps the count cheap on hostile input. */
    if (s.len == 0)
        return err_set(err, STET_EINVAL, "password", "Password is required.");
    if (s.len > PASSWORD_MAX)
        return err_set(err, STET_EINVAL, "password", too_long);
    if (!utf8_valid(s.ptr, s.len))
        return err_set(err, STET_EINVAL, "password", "Password must be valid UTF-8 text.");
    size_t n = utf8_count(s.ptr, s.len);
    if (n < PASSWORD_MIN)
        return err_set(err, STET_EINVAL, "password", "Password must be at least 8 characters.");
    if (n > PASSWORD_MAX_CHARS)
        return err_set(err, STET_EINVAL, "password", too_long);
    if (utf8_all_space(s.ptr, s.len))
        return err_set(err, STET_EINVAL, "password",
                       "Password cannot be only spaces or other white space.");
    return 0;
}

int validate_comment_body(struct str s, int max_chars, struct str *trimmed, struct err_detail *err)
{
    if (!utf8_valid(s.ptr, s.len))
        return err_set(err, STET_EINVAL, "body", "Comment must be valid UTF-8 text.");
    struct str t = str_trim(s);
    if (t.len == 0)
        return err_set(err, STET_EINVAL, "body", "Comment cannot be empty.");
    if (utf8_count(t.ptr, t.len) > (size_t)max_chars)
        return err_set(err, STET_EINVAL, "body", "Comment is too long.");
    if (utf8_has_control(t.ptr, t.len))
        return err_set(err, STET_EINVAL, "body",
                       "Comment contains control characters (only tabs and line breaks may "
                       "appear).");
    *trimmed = t;
    return 0;
}

int validate_story_body(struct str s, struct err_detail *err)
{
    if (s.len > STORY_BODY_MAX)
        return err_set(err, STET_EINVAL, "body", "Story body is too long.");
    if (!utf8_valid(s.ptr, s.len))
        return err_set(err, STET_EINVAL, "body", "Story body must be valid UTF-8.");
    if (utf8_has_control(s.ptr, s.len))
        return err_set(err, STET_EINVAL, "body",
                       "Story body contains control characters (only tabs and line breaks may "
                       "appear).");
    return 0;
}

int validate_slug(struct str s, struct err_detail *err)
{
    static const char *const msg =
        "Slug must be 1 to 100 of a-z, 0-9 and '-', not starting or ending with '-'.";
    if (s.len == 0 || s.len > SLUG_MAX || s.ptr[0] == '-' || s.ptr[s.len - 1] == '-')
        return err_set(err, STET_EINVAL, "slug", msg);
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return err_set(err, STET_EINVAL, "slug", msg);
    }
    return 0;
}

int validate_line(struct str s, const char *field, int max_chars, bool required,
                  struct str *trimmed, struct err_detail *err)
{
    if (!utf8_valid(s.ptr, s.len))
        return err_set(err, STET_EINVAL, field, "Text must be valid UTF-8.");
    struct str t = str_trim(s);
    if (required && t.len == 0)
        return err_set(err, STET_EINVAL, field, "This field is required.");
    if (utf8_count(t.ptr, t.len) > (size_t)max_chars)
        return err_set(err, STET_EINVAL, field, "Text is too long.");
    if (t.len > 0 && (utf8_has_control(t.ptr, t.len) || memchr(t.ptr, '\n', t.len) != NULL))
        return err_set(err, STET_EINVAL, field, "Text must be a single line.");
    *trimmed = t;
    return 0;
}
