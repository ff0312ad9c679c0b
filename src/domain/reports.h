/* Readers reporting comments; enough reports (comments.report_threshold) hold a
 * visible comment for a moderator. */
#ifndef STET_DOMAIN_REPORTS_H
#define STET_DOMAIN_REPORTS_H

#include "domain/context.h"
#include "domain/types.h"

#define REPORT_REASON_MAX 500 /* characters */

/* What a report answers: the comment reported and the report as stored. */
struct report {
    int64_t comment_id;
    const char *reason; /* arena */
    int64_t created_at;
};

/* `reader` reports comment `id` for `reason` (1..REPORT_REASON_MAX characters, one
 * line). Any logged-in reader who may write (EUNAUTH anonymous; a suspended or
 * banned one EFORBIDDEN, as for posting), once per comment (ECONFLICT, nothing
 * changes), never their own comment (EINVAL). Only a visible comment can be
 * reported (ENOTFOUND for any other, whose existence is not the reader's to know).
 * When this report holds the comment, the live stream is told after commit. */
int report_comment(const struct dctx *ctx, const struct user *reader, int64_t id, struct str reason,
                   struct report *out) STET_MUST_CHECK;
/* The checks of report_comment that do not need the reason, for its form: 0 and
 * *out (arena) when `reader` may report comment `id`; EUNAUTH, EFORBIDDEN (a
 * suspension), ENOTFOUND, EINVAL (their own) as report_comment; store errors.
 * Whether they reported it already is told when they send the report. */
int report_find(const struct dctx *ctx, const struct user *reader, int64_t id,
                struct comment *out) STET_MUST_CHECK;

#endif
