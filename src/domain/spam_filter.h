/* The spam filter on top of the store: scoring a comment about to be posted (the
 * store's counts and signals read, domain/spam.h's rules applied), what a
 * moderator's decision trains it on (the store trains in the decision's own
 * transaction, store_comment_decide), and training on messages that are no comment
 * of this site (the legacy importer's spam). A posted comment keeps only its score
 * and text hash: its tokens are read again from its text when it is decided. */
#ifndef STET_DOMAIN_SPAM_FILTER_H
#define STET_DOMAIN_SPAM_FILTER_H

#include "domain/context.h"
#include "domain/spam.h"
#include "domain/types.h"

/* A comment's assessment, to be stored with it (struct comment's spam fields). */
struct spam_assessment {
    struct spam_verdict verdict;
    int64_t hash; /* spam_text's hash; 0: none */
};

/* Why a text is scored. */
enum spam_filter_occasion {
    SPAM_FILTER_POST, /* a new comment */
    SPAM_FILTER_EDIT, /* a comment's new text: no new comment, so no posting speed */
};

/* Scores comment `text` (its Markdown, valid UTF-8) and `html` (its rendering) by
 * `author` for story `story_id`, under ctx->env->spam: the classifier once it was
 * trained on spam.min_training spam and ham decisions each, the same text on
 * another story within spam.duplicate_window, the author's comments in the last
 * minute (a post only), the links per word. Moderators, admins and legacy comments
 * (NULL author) are exempt, as is everything while spam.enabled is false: *out is
 * then all zero (nothing stored, nothing trained later). Reads only: the caller
 * stores *out with the comment, in the comment's own transaction. Store errors. */
int spam_filter_assess(const struct dctx *ctx, const struct user *author, int64_t story_id,
                       struct str text, const char *html, enum spam_filter_occasion occasion,
                       struct spam_assessment *out) STET_MUST_CHECK;

/* Asks the remote spam service (spam.akismet_url, ctx->env->spam_remote) about
 * comment `text` by `author` on `story` that the local checks let through: its
 * "spam" holds it, as the filter's own verdict does, with SPAM_REASON_REMOTE. Sends
 * nothing when no service is configured, spam.enabled is false, the author is a
 * moderator or an admin, or `held` (a policy or the filter holds it already: a
 * moderator reads it anyway). No answer (a timeout, an error, anything but true or
 * false) leaves *s as it was: the service can only add to the local verdict. Never
 * fails. Waits for the network (bounded by the service's timeout): call it with no
 * store connection or lock held. */
void spam_filter_ask_remote(const struct dctx *ctx, const struct user *author,
                            const struct story *story, struct str text, bool held,
                            struct spam_assessment *s);

/* Copies an assessment into the comment about to be inserted: its score and hash,
 * and when the filter holds it, COMMENT_HELD with the filter's reason,
 * unless a policy held it already: the site's own rule names the reason then (the
 * queue shows the score beside it). */
void spam_filter_apply(const struct spam_assessment *s, struct comment *c);

/* What a moderator's decision `status` on comment `c` (as read from the store)
 * trains the filter on: its tokens, read from its text (body_src and body_html, as
 * at its post), and that text, in ctx->a. False (*out untouched) when the decision
 * trains nothing: spam.enabled is false, `status` is neither COMMENT_VISIBLE (ham)
 * nor COMMENT_REJECTED (spam), or the comment is exempt from the filter (its
 * author is a moderator or an admin, or it is a legacy comment, which the import
 * trained already). */
bool spam_filter_sample(const struct dctx *ctx, const struct comment *c, enum comment_status status,
                        struct store_spam_sample *out);

/* Trains the filter on one message that is no comment of this site (the legacy
 * importer's spam or ham): `text` its Markdown or plain text, `html` its rendering
 * (links are read there; may be ""). Store errors. */
int spam_filter_train(const struct dctx *ctx, struct str text, const char *html,
                      bool is_spam) STET_MUST_CHECK;

#endif
