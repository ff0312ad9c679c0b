/* Opens a store connection by URL scheme and hands it to the matching backend; the
 * one place that knows which backends exist. */
#include "store/store.h"

#include "base/log.h"
#include "store/sqlite/sqlite_store.h"

#include <string.h>

int store_open(const char *url, struct store **out)
{
    *out = NULL;
    if (url == NULL) {
        log_error(NULL, "store: no database URL");
        return STET_EINVAL;
    }
    struct str u = str_from(url);
    if (str_starts_with(u, "sqlite:"))
        return sqlite_store_open(url + strlen("sqlite:"), out);
    if (str_starts_with(u, "postgres://") || str_starts_with(u, "postgresql://")) {
        log_error(NULL, "store: PostgreSQL support is not built yet");
        return STET_EINVAL;
    }
    /* The URL is not echoed: it may carry a password. */
    log_error(NULL, "store: unsupported database URL (use sqlite:PATH or postgres://...)");
    return STET_EINVAL;
}

void store_close(struct store *st)
{
    if (st != NULL)
        st->ops->close(st);
}
