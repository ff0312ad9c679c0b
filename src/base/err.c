/* Error helpers: filling a detail record and naming codes for logs. */
#include "base/err.h"

#include <stddef.h>

int err_set(struct err_detail *d, int rc, const char *field, const char *message)
{
    if (d != NULL) {
        d->field = field;
        d->message = message;
        d->retry_after = 0;
    }
    return rc;
}

int err_set_retry(struct err_detail *d, int rc, const char *message, int retry_after)
{
    err_set(d, rc, NULL, message);
    if (d != NULL)
        d->retry_after = retry_after;
    return rc;
}

const char *err_name(int rc)
{
    switch (rc) {
    case STET_OK:
        return "ok";
    case STET_ENOTFOUND:
        return "not_found";
    case STET_EINVAL:
        return "invalid";
    case STET_ECONFLICT:
        return "conflict";
    case STET_EFORBIDDEN:
        return "forbidden";
    case STET_EUNAUTH:
        return "unauthorized";
    case STET_ELIMIT:
        return "payload_too_large";
    case STET_EIO:
        return "internal";
    case STET_ECLOSED:
        return "comments_closed";
    case STET_EBADREQ:
        return "bad_request";
    case STET_EUNAVAIL:
        return "unavailable";
    case STET_EMETHOD:
        return "method_not_allowed";
    case STET_ERATE:
        return "rate_limited";
    case STET_EAGAIN:
        return "would_block";
    case STET_EURI:
        return "uri_too_long";
    case STET_EHEADERS:
        return "headers_too_large";
    default:
        return "unknown";
    }
}
