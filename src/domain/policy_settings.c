/* The comment policies' values: their names, defaults, the one check every source of
 * a value goes through, and the text each reads back as (policy_settings.h). */
#include "domain/policy_settings.h"

#include "base/utf8.h"

#include <stdio.h>
#include <string.h>

#define MIN_ACCOUNT_AGE_MAX (365 * 86400)

const char *const policy_names[POLICY_N] = {"premoderate",  "premoderate_first",
                                            "banned_words", "banned_action",
                                            "max_links",    "min_account_age"};

static const char *const premoderate_modes[] = {"none", "all", "new"};

void policy_defaults(struct policy_settings *p)
{
    *p = (struct policy_settings){.premoderate = POLICY_PREMOD_NONE,
                                  .premoderate_first = POLICY_PREMODERATE_FIRST_DEFAULT};
}

bool policy_is_name(struct str name)
{
    for (size_t i = 0; i < POLICY_N; i++)
        if (str_eq_cstr(name, policy_names[i]))
            return true;
    return false;
}

/* Line ends separate entries as commas do: the admins' page edits one per line. */
bool policy_next_word(const char **p, struct str *word)
{
    while (**p != '\0') {
        const char *start = *p;
        size_t len = strcspn(start, ",\r\n");
        *p = start + len + (start[len] != '\0');
        *word = str_trim((struct str){start, len});
        if (word->len > 0)
            return true;
    }
    return false;
}

/* Bounded, so matching a comment costs a known amount; *has_any when an entry is
 * there at all. */
static int check_banned(const char *value, bool *has_any, char *err, size_t errlen)
{
    size_t n = 0;
    struct str w;
    if (strlen(value) > POLICY_BANNED_WORDS_BYTES) {
        snprintf(err, errlen, "is longer than %d bytes", POLICY_BANNED_WORDS_BYTES);
        return STET_EINVAL;
    }
    for (const char *p = value; policy_next_word(&p, &w);) {
        if (++n > POLICY_BANNED_WORDS_MAX) {
            snprintf(err, errlen, "has more than %d entries", POLICY_BANNED_WORDS_MAX);
            return STET_EINVAL;
        }
        if (w.len > POLICY_BANNED_WORD_LEN || !utf8_valid(w.ptr, w.len)) {
            snprintf(err, errlen, "entry '%.*s' is not UTF-8 text of at most %d bytes",
                     (int)(w.len > 40 ? 40 : w.len), w.ptr, POLICY_BANNED_WORD_LEN);
            return STET_EINVAL;
        }
    }
    *has_any = n > 0;
    return 0;
}

static int number(struct str v, int64_t min, int64_t max, int64_t *out, const char *what, char *err,
                  size_t errlen)
{
    if (str_to_i64(v, min, max, out) == 0)
        return 0;
    snprintf(err, errlen, "is not a number%s in %lld..%lld", what, (long long)min, (long long)max);
    return STET_EINVAL;
}

int policy_set(struct policy_settings *p, const char *name, const char *value, char *err,
               size_t errlen)
{
    struct str v = str_trim(str_from(value));
    int64_t n;
    if (strcmp(name, "premoderate") == 0) {
        for (size_t i = 0; i < sizeof(premoderate_modes) / sizeof(premoderate_modes[0]); i++) {
            if (str_eq_cstr(v, premoderate_modes[i])) {
                p->premoderate = (enum policy_premoderate)i;
                return 0;
            }
        }
        snprintf(err, errlen, "must be none, all or new");
        return STET_EINVAL;
    }
    if (strcmp(name, "banned_action") == 0) {
        if (!str_eq_cstr(v, "hold") && !str_eq_cstr(v, "reject")) {
            snprintf(err, errlen, "must be hold or reject");
            return STET_EINVAL;
        }
        p->banned_reject = str_eq_cstr(v, "reject");
        return 0;
    }
    if (strcmp(name, "banned_words") == 0) {
        bool has_any = false;
        int rc = check_banned(value, &has_any, err, errlen);
        if (rc == 0)
            p->banned_words = has_any ? value : NULL;
        return rc;
    }
    if (strcmp(name, "premoderate_first") == 0) {
        if (number(v, 1, 1000, &n, "", err, errlen) != 0)
            return STET_EINVAL;
        p->premoderate_first = (int)n;
    } else if (strcmp(name, "max_links") == 0) {
        if (number(v, 0, 1000, &n, "", err, errlen) != 0)
            return STET_EINVAL;
        p->max_links = (int)n;
    } else if (strcmp(name, "min_account_age") == 0) {
        if (number(v, 0, MIN_ACCOUNT_AGE_MAX, &n, " of seconds", err, errlen) != 0)
            return STET_EINVAL;
        p->min_account_age = n;
    } else {
        snprintf(err, errlen, "is not a policy");
        return STET_EINVAL;
    }
    return 0;
}

/* The entries one per line, as the admins' page shows them: never longer than
 * `list`, whose entries are trimmed and whose separators are one byte each. */
static const char *banned_lines(struct arena *a, const char *list)
{
    if (list == NULL)
        return "";
    char *out = arena_alloc(a, strlen(list) + 1);
    size_t n = 0;
    struct str w;
    for (const char *p = list; policy_next_word(&p, &w);) {
        if (n > 0)
            out[n++] = '\n';
        memcpy(out + n, w.ptr, w.len);
        n += w.len;
    }
    out[n] = '\0';
    return out;
}

const char *policy_get(struct arena *a, const struct policy_settings *p, const char *name)
{
    if (strcmp(name, "premoderate") == 0)
        return premoderate_modes[p->premoderate];
    if (strcmp(name, "premoderate_first") == 0)
        return arena_printf(a, "%d", p->premoderate_first);
    if (strcmp(name, "banned_words") == 0)
        return banned_lines(a, p->banned_words);
    if (strcmp(name, "banned_action") == 0)
        return p->banned_reject ? "reject" : "hold";
    if (strcmp(name, "max_links") == 0)
        return arena_printf(a, "%d", p->max_links);
    if (strcmp(name, "min_account_age") == 0)
        return arena_printf(a, "%lld", (long long)p->min_account_age);
    return NULL;
}
