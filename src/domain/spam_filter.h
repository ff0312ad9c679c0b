/* The spam filter on top of the store: scoring a comment about to be posted (the
 * store's counts and signals read, domain/spam.h's rules applied) and training it
 * on messages that are no comment of this site (the legacy importer's spam). A
 * moderator's decision trains it in the store, in the decision's own transaction
 * (store_comment_set_status). */
#ifndef STET_DOMAIN_SPAM_FILTER_H
#define STET_DOMAIN_SPAM_FILTER_H

#include "domain/context.h"
#include "domain/spam.h"
#include "domain/types.h"

/* A comment's assessment, to be stored with it (struct comment's spam fields). */
struct spam_assessment {
    struct spam_verdict verdict;
    int64_t hash;       /* spam_text's hash; 0: none */
    const char *tokens; /* the tokens as JSON (arena); NULL: not assessed */
};

/* Scores comment `text` (its Markdown, valid UTF-8) and `html` (its rendering) by
 * `author` for story `story_id`, under ctx->env->spam: the classifier once it was
 * trained on spam.min_training spam and ham decisions each, the same text on
 * another story within spam.duplicate_window, the author's comments in the last
 * minute, the links per word. Moderators, admins and legacy comments (NULL author)
 * are exempt, as is everything while spam.enabled is false: *out is then all zero
 * (nothing stored, nothing trained later). Reads only: the caller stores *out with
 * the comment, in the comment's own transaction. Store errors. */
int spam_filter_assess(const struct dctx *ctx, const struct user *author, int64_t story_id,
                       struct str text, const char *html,
                       struct spam_assessment *out) STET_MUST_CHECK;

/* Copies an assessment into the comment about to be inserted: its score, hash and
 * tokens, and when the filter holds it, COMMENT_HELD with the filter's reason,
 * unless a policy held it already: the site's own rule names the reason then (the
 * queue shows the score beside it). */
void spam_filter_apply(const struct spam_assessment *s, struct comment *c);

/* Trains the filter on one message that is no comment of this site (the legacy
 * importer's spam or ham): `text` its Markdown or plain text, `html` its rendering
 * (links are read there; may be ""). Store errors. */
int spam_filter_train(const struct dctx *ctx, struct str text, const char *html,
                      bool is_spam) STET_MUST_CHECK;

#endif
