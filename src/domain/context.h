/* What a domain call needs besides its arguments: the request arena, one store
 * connection, the clock, and the process-wide services the domain may not include
 * directly (the Markdown renderer lives in render/). Built per request by the web
 * layer or per command by the CLI. */
#ifndef STET_DOMAIN_CONTEXT_H
#define STET_DOMAIN_CONTEXT_H

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* Renders user Markdown to safe HTML in the arena; 0 or STET_EIO. */
typedef int (*domain_markdown_fn)(struct arena *a, const char *src, size_t len, char **out);

/* Told after a comment became visible and its transaction committed (live updates). */
typedef void (*domain_published_fn)(void *ctx, int64_t story_id, int64_t event_seq);

/* Process-lifetime settings and services, owned by struct app. */
struct domain_env {
    domain_markdown_fn markdown;
    int comment_max_chars;         /* comments.max_length */
    int comments_per_minute;       /* per account; 0: no limit */
    int logins_per_15min;          /* per login name; 0: no limit */
    domain_published_fn published; /* may be NULL */
    void *published_ctx;
};

struct dctx {
    struct arena *a;
    struct store *st;
    const struct domain_env *env;
    int64_t now;            /* Unix seconds, fixed for the whole call */
    /* The client's address as text ("203.0.113.7", "2001:db8::1"), after trusted
     * proxies were looked through; empty for the command line. Rate limits key on it. */
    struct str client;
    struct err_detail *err; /* receives field and message on EINVAL/ECONFLICT; may be NULL */
};

#endif
