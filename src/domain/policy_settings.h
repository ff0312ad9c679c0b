/* The comment policies' settings and the one check of their values, shared by the
 * configuration file (config.c, [comments]) and the admins' page and API
 * (domain/policies.c). Built into the types library, below config and the domain
 * alike, so both use the same rules; it needs nothing but base/. */
#ifndef STET_DOMAIN_POLICY_SETTINGS_H
#define STET_DOMAIN_POLICY_SETTINGS_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum policy_premoderate {
    POLICY_PREMOD_NONE = 0, /* nothing is held for being new */
    POLICY_PREMOD_ALL = 1,  /* every comment waits for a moderator */
    POLICY_PREMOD_NEW = 2,  /* an account's comments wait until `first` were approved */
};

/* The policies of config [comments], each checked by policy_set. banned_words is
 * borrowed: its owner is whoever passed it to policy_set (the config for the file's
 * value, the request arena for an admin's). */
struct policy_settings {
    enum policy_premoderate premoderate; /* comments.premoderate */
    int premoderate_first;               /* comments.premoderate_first, 1..1000 */
    /* comments.banned_words: entries separated by commas or line ends; NULL: none.
     * An entry with no letter or digit matches nothing. */
    const char *banned_words;
    bool banned_reject;      /* comments.banned_action = reject (else hold) */
    int max_links;           /* comments.max_links, 0..1000; 0: no limit */
    int64_t min_account_age; /* comments.min_account_age, seconds, 0..1 year; 0: none */
};

/* The bounds of banned_words, wherever it comes from: entries, bytes per entry and
 * bytes in all (separators included). The whole list is larger than an INI line
 * (inih reads 200 bytes), so a long list is an admin's, set on the page. */
#define POLICY_BANNED_WORDS_MAX   500
#define POLICY_BANNED_WORD_LEN    100
#define POLICY_BANNED_WORDS_BYTES 16384
/* The longest value any policy takes (banned_words). */
#define POLICY_VALUE_MAX                 POLICY_BANNED_WORDS_BYTES
#define POLICY_PREMODERATE_FIRST_DEFAULT 3

/* How many policies there are, and their names in the order pages list them (the
 * keys of config [comments] and of the admins' API). */
#define POLICY_N 6
extern const char *const policy_names[POLICY_N];

/* The defaults when nothing is configured: nothing held, nothing refused. */
void policy_defaults(struct policy_settings *p);

/* True when `name` is one of policy_names. */
bool policy_is_name(struct str name);

/* Sets policy `name` of `p` from `value` (text as the INI file or a form holds it;
 * surrounding white space ignored). STET_EINVAL for an unknown name or a bad value,
 * with `err` (of `errlen` bytes) saying what is wrong after the name, e.g. "must be
 * none, all or new"; `p` is then unchanged. For banned_words `p` keeps `value`
 * itself (NULL when it holds no entry): the caller keeps it alive. */
int policy_set(struct policy_settings *p, const char *name, const char *value, char *err,
               size_t errlen) STET_MUST_CHECK;

/* Policy `name` of `p` as text policy_set reads back: "all", "3", "reject", the
 * banned words one per line (empty for none). In the arena; NULL for an unknown
 * name. */
const char *policy_get(struct arena *a, const struct policy_settings *p, const char *name);

/* The next entry of a banned-words list at *p (separated by commas or line ends),
 * trimmed; false at the end. */
bool policy_next_word(const char **p, struct str *word);

#endif
