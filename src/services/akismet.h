/* An Akismet-compatible spam check (spam.akismet_url): a comment about to be posted
 * is sent, form-encoded, to the service's comment-check endpoint, which answers
 * "true" (spam) or "false". The call is made with libcurl on the posting thread,
 * bounded by AKISMET_TIMEOUT_MS, and fails open: no answer, an error or anything
 * else than "true" or "false" leaves the decision to stet's own filter. */
#ifndef STET_SERVICES_AKISMET_H
#define STET_SERVICES_AKISMET_H

#include "base/buf.h"
#include "base/str.h"

#include <stdbool.h>
#include <stdint.h>

#define AKISMET_TIMEOUT_MS   1000 /* the whole call, connection included */
#define AKISMET_MAX_ANSWER   256  /* bytes of an answer read; "true" and "false" are short */
#define AKISMET_FIELD_MAX    4096 /* bytes of a header field sent (user agent, referrer) */
#define AKISMET_IDLE_HANDLES 8    /* connections kept open for the next check */

/* A comment as Akismet's comment-check takes it. Slices need not be terminated;
 * an empty one is sent empty. */
struct akismet_comment {
    struct str blog; /* the site's front page URL */
    struct str user_ip;
    struct str user_agent;
    struct str referrer;
    struct str permalink;    /* the story the comment was posted to */
    struct str author;       /* comment_author: the name shown */
    struct str author_email; /* comment_author_email */
    struct str content;      /* comment_content: the Markdown as written */
    int64_t date;            /* comment_date_gmt, Unix seconds */
};

enum akismet_answer {
    AKISMET_HAM,    /* "false" */
    AKISMET_SPAM,   /* "true" */
    AKISMET_FAILED, /* no usable answer: the local verdict stands */
};

/* Counts of answers since start, for /metrics. */
struct akismet_counts {
    uint64_t spam, ham, failed;
};

struct akismet;

/* A client of the comment-check endpoint `url` (http or https) with API key `key`
 * (sent as the api_key field, never in the URL) for a site in language `lang`
 * ("en"). The strings are copied. Free with akismet_free. */
struct akismet *akismet_new(const char *url, const char *key, const char *lang);
/* Closes the kept connections and frees. NULL is a no-op. Not while a check runs. */
void akismet_free(struct akismet *ak);

/* Asks the service about `c`; waits at most AKISMET_TIMEOUT_MS. Safe from any
 * number of threads at once. A failure is logged (once per check, with request id
 * `rid`, may be NULL) and counted, never returned as an error. */
enum akismet_answer akismet_check(struct akismet *ak, const struct akismet_comment *c,
                                  const char *rid);

/* Appends the form body of a check of `c` to `out`: api_key, blog, user_ip,
 * user_agent, referrer, permalink, comment_type=comment, comment_author,
 * comment_author_email, comment_content, comment_date_gmt (ISO 8601, UTC),
 * blog_lang and blog_charset=UTF-8, each percent-encoded
 * (application/x-www-form-urlencoded). Header fields longer than AKISMET_FIELD_MAX
 * are cut there (at a UTF-8 boundary). */
void akismet_form(const struct akismet *ak, const struct akismet_comment *c, struct buf *out);

/* Reads an answer body: "true" or "false" (surrounding white space ignored) and
 * nothing else. */
enum akismet_answer akismet_parse(const char *body, size_t len);

void akismet_counts(struct akismet *ak, struct akismet_counts *out);

#endif
