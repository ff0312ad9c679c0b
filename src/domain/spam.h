/* The spam filter's pure parts: a comment turned into tokens, a naive Bayes
 * classifier over per-token counts, and the verdict that combines the classifier
 * with the cheap signals (the same text on another story, link density, posting
 * speed). Pure: the caller reads the counts and the signals from the store
 * (domain/spam_filter.c), so every rule is testable without one.
 *
 * The classifier is Graham's, as Robinson refined it and SpamBayes runs it: each
 * token's spam probability from the fraction of spam and of ham messages that held
 * it, pulled towards 0.5 by how little it was seen, and the most telling tokens
 * combined with Fisher's chi-square method into one score in [0, 1]. Chosen over a
 * multinomial naive Bayes because it counts a token once per message (a spammer
 * repeating a word gains nothing), weighs the spam and ham sides by their own
 * totals (moderators reject far fewer comments than they approve), stays near 0.5
 * on what it has not seen instead of jumping to 0 or 1, and a probability near 1
 * means both that the spam evidence is strong and that the ham evidence is weak,
 * which is what a threshold a moderator sets (spam.hold_at) needs. */
#ifndef STET_DOMAIN_SPAM_H
#define STET_DOMAIN_SPAM_H

#include "base/arena.h"
#include "base/str.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPAM_TOKENS_MAX    200 /* distinct tokens of one comment; the rest are not read */
#define SPAM_TOKEN_MAX     40  /* bytes of a word token; a longer word is "shape:longword" */
#define SPAM_HOSTS_MAX     16  /* link hosts of one comment taken as tokens */
#define SPAM_HOST_MAX      64  /* bytes of a link host kept as a token */
#define SPAM_DUP_MIN_WORDS 8   /* shorter texts ("Thanks!") are never duplicates */
#define SPAM_MAX_CLUES     150 /* the most telling tokens the classifier combines */

/* A comment as the filter sees it. */
struct spam_text {
    /* Distinct tokens, sorted by their bytes (the order the store takes the token
     * rows' locks in), at most SPAM_TOKENS_MAX, in the arena: folded words ("cheap"),
     * link hosts ("host:example.com", without "www."), and shape tokens
     * ("shape:links:2", "shape:words:6-20", "shape:caps", "shape:longword"). */
    const char **tokens;
    size_t n_tokens;
    size_t n_words; /* runs of non-blank characters in the Markdown (a URL is one) */
    size_t n_links; /* links in the rendered HTML */
    /* FNV-1a of the folded text (case, punctuation and white space gone), never 0;
     * 0 when the text has fewer than SPAM_DUP_MIN_WORDS words. */
    int64_t hash;
};

/* Reads `text` (Markdown, valid UTF-8) and `html` (its rendering, where the links
 * are) into *out, in the arena. */
void spam_analyze(struct arena *a, const char *text, size_t len, const char *html,
                  struct spam_text *out);

/* The tokens as a JSON array of strings, in the arena: how the store takes a token
 * list in one statement. */
const char *spam_tokens_json(struct arena *a, const char *const *tokens, size_t n);

/* The probability that a comment is spam from its tokens' counts (c[0..n), the
 * tokens the store knows; unknown ones are neutral and need not be passed) and the
 * numbers of spam and ham messages trained. False (abstains, *p untouched) until
 * both numbers reach `min_training`. */
bool spam_classify(const struct store_spam_count *c, size_t n, int64_t n_spam, int64_t n_ham,
                   int64_t min_training, double *p);

/* config [spam]. */
struct spam_settings {
    bool enabled;             /* spam.enabled: false scores nothing */
    double hold_at;           /* spam.hold_at: the classifier holds from this score */
    int64_t min_training;     /* spam.min_training: spam and ham decisions each */
    int64_t duplicate_window; /* spam.duplicate_window, seconds; 0: no duplicate check */
    int64_t burst;            /* spam.burst: comments in a minute that hold; 0: off */
    double link_density;      /* spam.link_density: more links per word hold; 0: off */
};

/* What is known of a comment to post besides its tokens. */
struct spam_signals {
    bool has_p;       /* the classifier gave a probability */
    double p;         /* the probability, when has_p */
    bool duplicate;   /* the same text on another story within duplicate_window */
    int64_t n_recent; /* the author's comments in the last minute, this one included */
    size_t n_links;   /* spam_text's */
    size_t n_words;   /* spam_text's */
};

/* The reasons as the queue shows them (comments.hold_reason); the classifier's
 * carries its score: "spam: 0.97 (like rejected spam)". */
#define SPAM_REASON_DUPLICATE "spam: same text on another story"

struct spam_verdict {
    bool is_held;
    bool has_score;     /* false: nothing was known to score (stored as NULL) */
    int score;          /* thousandths, 0..1000, when has_score */
    const char *reason; /* why it is held ("spam: ..."); NULL when not held */
};

/* Combines the classifier and the cheap signals. A signal that fires holds on its
 * own, whatever the classifier says, and raises the score to its weight (the same
 * text 0.99, a burst 0.98, two links or more and more than s->link_density of
 * them per word 0.95); the classifier holds from
 * s->hold_at. The first reason that holds is named: the same text, the burst, the
 * links, then the classifier. Nothing is held when s->enabled is false. */
void spam_judge(struct arena *a, const struct spam_settings *s, const struct spam_signals *sig,
                struct spam_verdict *out);

/* What a remote spam service (spam.akismet_url, services/akismet.h) is told of a
 * comment about to be posted. Slices point into the request; none is terminated. */
struct spam_remote_comment {
    struct str user_ip;      /* the client's address (dctx.client) */
    struct str user_agent;   /* the request's User-Agent; may be empty */
    struct str referrer;     /* the request's Referer; may be empty */
    struct str story_slug;   /* the story it was posted to (the permalink) */
    struct str author;       /* the name shown with it */
    struct str author_email; /* the account's address; may be empty */
    struct str content;      /* the Markdown as written */
    int64_t date;            /* when it was posted, Unix seconds */
};

/* The answers of a remote spam service. */
enum spam_remote_answer {
    SPAM_REMOTE_HAM,
    SPAM_REMOTE_SPAM,
    SPAM_REMOTE_NONE, /* timeout, error or an answer that is neither: the local verdict stands */
};

/* Asks the remote service about `c`, within its own short timeout, logging a
 * failure with request id `rid` (may be NULL). Called with no store connection or
 * lock held. */
typedef enum spam_remote_answer (*spam_remote_fn)(void *ctx, const struct spam_remote_comment *c,
                                                  const char *rid);

/* A remote service's "spam", as the queue shows it. */
#define SPAM_REASON_REMOTE "spam: akismet"

#endif
