/* Comment policies: pre-moderation, banned words, links and account age decide
 * whether a comment is shown, held or refused (policy.h).
 *
 * Banned words are matched on the folded form of the text (base/fold.h), so a
 * phrase matches whole words whatever the case and whatever punctuation or white
 * space stands between its words; that header says which letters fold and the
 * limits. */
#include "domain/policy.h"

#include "base/fold.h"
#include "base/str.h"

#include <string.h>

/* `s` folded (base/fold.h) in the arena, NUL-terminated; *out_len its length. */
static char *fold(struct arena *a, const char *s, size_t len, size_t *out_len)
{
    char *out = arena_alloc(a, FOLD_OUT_MAX(len));
    *out_len = fold_words(s, len, out);
    return out;
}

const char *policy_find_banned(struct arena *a, const char *list, const char *text, size_t len)
{
    if (list == NULL || *list == '\0')
        return NULL;
    size_t hay_len;
    const char *hay = fold(a, text, len, &hay_len);
    struct str w;
    for (const char *p = list; policy_next_word(&p, &w);) {
        size_t needle_len;
        const char *needle = fold(a, w.ptr, w.len, &needle_len);
        /* Both carry their spaces at the edges: a match is whole words. */
        if (needle_len > 1 && memmem(hay, hay_len, needle, needle_len) != NULL)
            return arena_strndup(a, w.ptr, w.len);
    }
    return NULL;
}

size_t policy_count_links(const char *html)
{
    /* The renderer writes every link as "<a href=" and escapes any '<' of the text,
     * so each occurrence is one link the reader can follow. */
    size_t n = 0;
    for (const char *p = html; p != NULL && (p = strstr(p, "<a href=")) != NULL; p++)
        n++;
    return n;
}

/* Staff decide; a legacy comment was decided by the system it came from. */
static bool is_exempt(const struct user *u)
{
    return u == NULL || u->role >= ROLE_MODERATOR;
}

bool policy_needs_count(const struct policy_settings *p, const struct policy_author *au)
{
    return p->premoderate == POLICY_PREMOD_NEW && !au->is_edit && !is_exempt(au->user);
}

static void held(struct policy_decision *out, const char *reason, const char *message)
{
    *out = (struct policy_decision){POLICY_HELD, reason, message};
}

void policy_decide(struct arena *a, const struct policy_settings *p, const struct policy_author *au,
                   const char *text, size_t text_len, const char *html, int64_t now,
                   struct policy_decision *out)
{
    *out = (struct policy_decision){POLICY_VISIBLE, NULL, NULL};
    if (is_exempt(au->user))
        return;
    const char *word = policy_find_banned(a, p->banned_words, text, text_len);
    if (word != NULL && p->banned_reject) {
        *out = (struct policy_decision){
            POLICY_REJECTED, POLICY_REASON_BANNED,
            arena_printf(a,
                         "Your comment contains “%s”, which this site does not allow. "
                         "Remove it, then post again.",
                         word)};
        return;
    }
    /* The first rule that holds names the reason: the most specific first. */
    size_t n_links = p->max_links > 0 ? policy_count_links(html) : 0;
    if (word != NULL)
        held(out, POLICY_REASON_BANNED,
             "Your comment awaits moderation: it contains a word "
             "a moderator reviews first.");
    else if (p->max_links > 0 && n_links > (size_t)p->max_links)
        held(out, POLICY_REASON_LINKS,
             arena_printf(a,
                          "Your comment awaits moderation: it has %zu links; up to %d "
                          "appear at once.",
                          n_links, p->max_links));
    else if (au->is_edit)
        return;
    else if (p->min_account_age > 0 && now - au->user->created_at < p->min_account_age)
        held(out, POLICY_REASON_AGE,
             "Your comment awaits moderation: comments from new "
             "accounts are reviewed first.");
    else if (p->premoderate == POLICY_PREMOD_ALL)
        held(out, POLICY_REASON_PREMODERATE,
             "Your comment awaits moderation: a moderator "
             "reviews every comment first.");
    else if (p->premoderate == POLICY_PREMOD_NEW && au->n_approved < p->premoderate_first)
        held(out, POLICY_REASON_FIRST,
             "Your comment awaits moderation: a new commenter's "
             "first comments are reviewed first.");
}
