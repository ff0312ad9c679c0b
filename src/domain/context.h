/* What a domain call needs besides its arguments: the request arena, one store
 * connection, the clock, and the process-wide services the domain may not include
 * directly (the Markdown renderer lives in render/). Built per request by the web
 * layer or per command by the CLI. */
#ifndef STET_DOMAIN_CONTEXT_H
#define STET_DOMAIN_CONTEXT_H

#include "base/arena.h"
#include "base/err.h"
#include "domain/policy.h"
#include "domain/spam.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* Renders user Markdown to safe HTML in the arena; 0 or STET_EIO. */
typedef int (*domain_markdown_fn)(struct arena *a, const char *src, size_t len, char **out);

/* Told after a comment became visible and its transaction committed (live updates). */
typedef void (*domain_published_fn)(void *ctx, int64_t story_id, int64_t event_seq);

/* A token bucket's size: `capacity` hits at once, given back at an even pace over
 * `period_s` seconds (one every period_s / capacity). A capacity of 0: no limit. */
struct rate_limit {
    int capacity;
    int period_s;
};

/* The limits of config [limits]; domain/ratelimit.c says how they combine. */
struct domain_limits {
    struct rate_limit login_account;        /* attempts at one account from anywhere */
    struct rate_limit login_account_client; /* attempts at one account from one client */
    struct rate_limit login_client;         /* attempts from one client at any account */
    struct rate_limit register_client;      /* accounts created from one client */
    struct rate_limit comment_account;      /* comments by one account */
    struct rate_limit comment_client;       /* comments from one client */
    struct rate_limit report_account;       /* reports by one account */
    struct rate_limit report_client;        /* reports from one client */
};

/* Process-lifetime settings and services, owned by struct app. */
struct domain_env {
    /* Comments: every line end kept, headings as bold paragraphs. */
    domain_markdown_fn markdown;
    domain_markdown_fn story_markdown; /* story bodies: CommonMark as written */
    int comment_max_chars;             /* comments.max_length */
    int report_threshold;              /* comments.report_threshold; 0: never hold */
    int edit_window;                   /* comments.edit_window, seconds; 0: no editing */
    struct policy_settings policy;     /* comments.premoderate, banned_words, ... */
    struct spam_settings spam;         /* [spam] */
    struct domain_limits limits;
    /* Keys the hashes that name rate-limit buckets (rate_key_load): hex, with NUL. */
    char rate_key[STORE_SITE_KEY_LEN + 1];
    domain_published_fn published; /* may be NULL */
    void *published_ctx;
    /* The remote spam check (spam.akismet_url); NULL: not configured, nothing sent. */
    spam_remote_fn spam_remote;
    void *spam_remote_ctx;
};

struct dctx {
    struct arena *a;
    struct store *st;
    const struct domain_env *env;
    int64_t now; /* Unix seconds, fixed for the whole call */
    /* The client's address as text ("203.0.113.7", "2001:db8::1"), after trusted
     * proxies were looked through; empty for the command line. Rate limits key on it. */
    struct str client;
    struct err_detail *err; /* receives field and message on EINVAL/ECONFLICT; may be NULL */
    /* The request's User-Agent and Referer (empty when absent or for the command
     * line) and its id for log lines (NULL outside a request): what a remote spam
     * check is told and how its failures are logged. */
    struct str user_agent;
    struct str referrer;
    const char *request_id;
};

#endif
