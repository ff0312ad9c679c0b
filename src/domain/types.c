/* Names of the enums in domain/types.h, as stored in the database and shown in the
 * API; the strings here are the single spelling every layer uses. */
#include "domain/types.h"

#include <string.h>

static const char *const role_names[] = {
    [ROLE_READER] = "reader",
    [ROLE_MODERATOR] = "moderator",
    [ROLE_ADMIN] = "admin",
};

static const char *const status_names[] = {
    [COMMENT_VISIBLE] = "visible",
    [COMMENT_HELD] = "held",
    [COMMENT_REJECTED] = "rejected",
    [COMMENT_DELETED] = "deleted",
};

#define N_ROLES    (sizeof(role_names) / sizeof(role_names[0]))
#define N_STATUSES (sizeof(status_names) / sizeof(status_names[0]))

const char *role_name(enum role r)
{
    /* An out-of-range value is a bug elsewhere; a fixed string keeps logs printable. */
    if ((unsigned)r >= N_ROLES)
        return "unknown";
    return role_names[r];
}

bool role_parse(const char *s, size_t len, enum role *out)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < N_ROLES; i++) {
        if (strlen(role_names[i]) == len && memcmp(role_names[i], s, len) == 0) {
            *out = (enum role)i;
            return true;
        }
    }
    return false;
}

const char *comment_status_name(enum comment_status s)
{
    if ((unsigned)s >= N_STATUSES)
        return "unknown";
    return status_names[s];
}
