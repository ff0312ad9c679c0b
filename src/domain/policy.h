/* Comment policies (config [comments]): what happens to a new or edited comment
 * before anyone reads it, visible, held for a moderator (with the reason the queue
 * shows) or refused. Pure: the caller supplies the text, the author and the counts,
 * so every rule is testable without a store. */
#ifndef STET_DOMAIN_POLICY_H
#define STET_DOMAIN_POLICY_H

#include "base/arena.h"
#include "domain/policy_settings.h"
#include "domain/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum policy_verdict {
    POLICY_VISIBLE = 0,
    POLICY_HELD = 1,
    POLICY_REJECTED = 2,
};

/* The reasons a comment is held, as stored in comments.hold_reason and shown in the
 * moderation queue. */
#define POLICY_REASON_PREMODERATE "policy: pre-moderation"
#define POLICY_REASON_FIRST       "policy: first comments"
#define POLICY_REASON_BANNED      "policy: banned word"
#define POLICY_REASON_LINKS       "policy: too many links"
#define POLICY_REASON_AGE         "policy: new account"

struct policy_decision {
    enum policy_verdict verdict;
    const char *reason;  /* POLICY_REASON_*; NULL when visible */
    const char *message; /* for the writer (in the arena): why it is held or refused */
};

/* What a comment to be posted or edited needs besides its text: its author
 * (NULL: a legacy comment without an account) and, under premoderate = new, how
 * many of the author's comments are visible (approved). */
struct policy_author {
    const struct user *user;
    int64_t n_approved;
    /* An edit: only the rules about the text apply (banned words, links). The rules
     * about the author were applied when it was posted; an approved comment is not
     * held again for its author being new. */
    bool is_edit;
};

/* True when deciding for `au` needs au->n_approved (premoderate = new, a post by an
 * author the rules apply to): the caller counts only then. */
bool policy_needs_count(const struct policy_settings *p, const struct policy_author *au);

/* Decides a comment's fate: `text` is its Markdown source (valid UTF-8), `html` its
 * rendered HTML (links are counted there, so autolinks and [text](url) count alike).
 * Moderators, admins and legacy comments are exempt from every rule. A banned word
 * rejects (banned_action = reject) before any rule holds. */
void policy_decide(struct arena *a, const struct policy_settings *p, const struct policy_author *au,
                   const char *text, size_t text_len, const char *html, int64_t now,
                   struct policy_decision *out);

/* Links in rendered comment HTML (its <a> elements). */
size_t policy_count_links(const char *html);

/* The first banned word or phrase of `list` (policy_next_word) found in `text` as whole words,
 * without regard to case; NULL when none. Returned as written in `list`, in the arena. */
const char *policy_find_banned(struct arena *a, const char *list, const char *text, size_t len);

#endif
