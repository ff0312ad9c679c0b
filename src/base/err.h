/* Error codes shared by every layer. A function that can fail returns 0 or one of
 * these negative values; web/respond.c is the one place that maps them to HTTP. */
#ifndef STET_BASE_ERR_H
#define STET_BASE_ERR_H

#define STET_MUST_CHECK __attribute__((warn_unused_result))

enum {
    STET_OK = 0,
    STET_ENOTFOUND = -1,  /* no such story, comment, user, route */
    STET_EINVAL = -2,     /* a field breaks a rule (422) */
    STET_ECONFLICT = -3,  /* unique value already taken (409) */
    STET_EFORBIDDEN = -4, /* role too low, bad CSRF token (403) */
    STET_EUNAUTH = -5,    /* no valid session / wrong credentials (401) */
    STET_ELIMIT = -6,     /* input over a size limit (413) */
    STET_EIO = -7,        /* internal failure, already logged where it happened (500) */
    STET_ECLOSED = -8,    /* story closed for comments (403 comments_closed) */
    STET_EBADREQ = -9,    /* malformed input: JSON, form, query, UTF-8 (400) */
    STET_EUNAVAIL = -10,  /* database cannot be reached (503) */
    STET_EMETHOD = -11,   /* route exists, method does not (405) */
    STET_ERATE = -12,     /* rate limited (429) */
    /* Would have to wait for the database on a thread that must not (an I/O thread):
     * the request moves to a worker and runs again there. Never reaches a client. */
    STET_EAGAIN = -13,
    STET_EURI = -14,     /* request target over its limit (414) */
    STET_EHEADERS = -15, /* request head over its limit (431) */
};

/* Detail for the one place that reports an error: which input field broke which
 * rule. `field` and `message` point to static strings or to request-arena memory. */
struct err_detail {
    const char *field;
    const char *message;
    /* STET_ERATE: seconds until trying again can succeed, the wait the message
     * states (sent as Retry-After); 0 when not known. */
    int retry_after;
};

/* Fills `d` (when not NULL) and returns `rc`, so a check reads
 * `return err_set(d, STET_EINVAL, "username", "...")`. Clears retry_after. */
int err_set(struct err_detail *d, int rc, const char *field, const char *message);
/* The same for a refusal that lifts after `retry_after` seconds (STET_ERATE). */
int err_set_retry(struct err_detail *d, int rc, const char *message, int retry_after);

/* A short, stable name for an error code ("not_found"), for logs. */
const char *err_name(int rc);

#endif
