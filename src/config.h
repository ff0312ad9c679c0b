/* Configuration: command-line flag > environment variable > INI file > default, per
 * SPEC section 3. A struct config owns its strings; free with config_cleanup. */
#ifndef STET_CONFIG_H
#define STET_CONFIG_H

#include "base/err.h"
#include "base/netaddr.h"
#include "domain/policy_settings.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* server.metrics_token: 32..128 characters of RFC 6750's token68 alphabet (128 fits
 * an INI line, which inih limits to 200 bytes; `openssl rand -hex 32` gives 64). */
#define CONFIG_METRICS_TOKEN_MIN 32
#define CONFIG_METRICS_TOKEN_MAX 128
#define CONFIG_URL_MAX           2048 /* bytes of a configured service URL */
#define CONFIG_AKISMET_KEY_MAX   256

/* A rate limit: `capacity` at once, given back evenly over `period_s` seconds.
 * capacity 0: no limit. */
struct config_rate {
    int capacity; /* 0..CONFIG_RATE_CAPACITY_MAX */
    int period_s; /* 1..CONFIG_RATE_PERIOD_MAX */
};
#define CONFIG_RATE_CAPACITY_MAX 100000
#define CONFIG_RATE_PERIOD_MAX   (7 * 24 * 3600)

/* Every [limits] key, which is also its field in struct config and in the domain's
 * struct domain_limits. */
#define CONFIG_RATE_LIMITS(X)                                                                      \
    X(login_account)                                                                               \
    X(login_account_client)                                                                        \
    X(login_client)                                                                                \
    X(register_client)                                                                             \
    X(comment_account)                                                                             \
    X(comment_client)                                                                              \
    X(report_account)                                                                              \
    X(report_client)

struct config {
    char *listen_host;     /* "127.0.0.1", "::1", "0.0.0.0" */
    uint16_t listen_port;  /* 0 allowed: any free port */
    char *base_url;        /* no trailing slash; default "http://<listen>" */
    bool base_url_derived; /* base_url was not configured but built from listen */
    bool base_https;       /* base_url starts with https: cookies get Secure */
    char *db_url;          /* "sqlite:stet.db"; "?synchronous=normal" added, see below */
    /* database.synchronous = normal (default full): SQLite commits skip the fsync, so
     * the last ones may be lost on power loss (not on a crash of stet). config_load
     * applies it by appending "?synchronous=normal" to a sqlite: db_url that does not
     * name a synchronous option itself (see store_open). PostgreSQL ignores it: there
     * the server's synchronous_commit decides. */
    bool db_sync_normal;
    char *site_name;
    /* site.timezone: the IANA zone pages show dates and times in ("Europe/Berlin");
     * "UTC" by default. config_load refuses a name the zone database lacks. */
    char *site_timezone;
    char *weather_url;   /* NULL: no weather strip */
    int weather_refresh; /* seconds, 1..86400 */
    bool weather_fahrenheit;
    bool require_registration;
    int comment_max_length; /* characters, 1..100000 */
    /* comments.report_threshold: readers' reports that hold a visible comment for a
     * moderator, 0..1000000; 0: reports never hold one. */
    int comment_report_threshold;
    /* comments.edit_window: seconds after posting in which its author may edit a
     * comment, 0..31536000 (a year); 0: comments cannot be edited. */
    int comment_edit_window;
    /* The comment policies of [comments] (premoderate, premoderate_first,
     * banned_words, banned_action, max_links, min_account_age), each checked by
     * policy_set (domain/policy_settings.h); admins may override them on the site
     * (domain/policies.h). Its banned_words is comment_banned_words. */
    struct policy_settings comment_policy;
    char *comment_banned_words; /* owned; NULL: none */
    /* [spam] (domain/spam.h). spam.enabled (default true); spam.hold_at: the
     * classifier's score from which a comment is held, in thousandths, 500..1000
     * (written 0.5..1, default 0.9); spam.min_training: spam and ham decisions each
     * before the classifier scores, 1..1000000 (default 10); spam.duplicate_window:
     * seconds in which the same text on another story holds, 0..31536000 (0: off,
     * default a day); spam.burst: an author's comments in a minute that hold, 0 or
     * 2..1000 (0: off, the default: comments.* rate limits already refuse a flood,
     * and a lively thread has fast replies); spam.link_density: more links per word
     * than this hold (two links at least), in thousandths, 0..10000 (written 0..10,
     * 0: off, default 0.5). */
    bool spam_enabled;
    int spam_hold_at;
    int spam_min_training;
    int spam_duplicate_window;
    int spam_burst;
    int spam_link_density;
    /* spam.akismet_url: an Akismet-compatible comment-check endpoint (http or https)
     * asked about readers' comments the local checks let through; NULL (the
     * default): nothing is ever sent. spam.akismet_key: its API key (a secret; also
     * STET_AKISMET_KEY), required with the URL. spam.akismet_site: the blog field,
     * the site's front page; NULL: server.base_url. */
    char *spam_akismet_url;
    char *spam_akismet_key;
    char *spam_akismet_site;
    /* [limits]: token buckets, each "N/PERIOD" (see demo/stet.ini); CONFIG_RATE_LIMITS
     * lists them for the tables that read, reload and hand them on. */
    struct config_rate login_account;        /* login attempts at one account */
    struct config_rate login_account_client; /* ... at one account from one client */
    struct config_rate login_client;         /* ... from one client at any account */
    struct config_rate register_client;      /* accounts made from one client */
    struct config_rate comment_account;      /* comments by one account */
    struct config_rate comment_client;       /* comments from one client */
    struct config_rate report_account;       /* reports by one account */
    struct config_rate report_client;        /* reports from one client */
    unsigned threads;                        /* I/O threads; default: number of CPUs, at most 8 */
    /* server.trusted_proxies: addresses and prefixes whose X-Forwarded-For or
     * Forwarded header names the client (limits and the log use it), and whose
     * connections are not capped. Empty by default: every peer is a client. */
    struct net_list trusted_proxies;
    /* server.max_connections_per_client: open connections one client address (an
     * IPv6 /64) may hold; 0: no cap. */
    unsigned max_per_client;
    /* server.head_timeout / server.body_timeout, seconds: a whole request head within
     * head_timeout of the connection opening or of the previous response (also how
     * long an idle keep-alive connection stays), and its whole body within
     * body_timeout of the head. A client that trickles bytes holds a connection no
     * longer than that. */
    int head_timeout_s;
    int body_timeout_s;
    /* The bearer token GET /metrics requires (server.metrics_token, its _file twin,
     * STET_METRICS_TOKEN); NULL: /metrics answers 404. A secret: never logged,
     * wiped by config_cleanup. */
    char *metrics_token;
    /* [log] level: lines less severe are dropped (LOG_LEVEL_*, default info); access:
     * "stderr" (default), "off" or an absolute file path. Both change on SIGHUP. */
    int log_level;
    char *access_log;
};

/* Read when neither --config nor STET_CONFIG names a file, and only when it exists;
 * STET_CONFIG set to the empty string reads no file at all (the test harness does). */
#define CONFIG_DEFAULT_FILE "/etc/stet/stet.ini"

/* A browser opens six connections, a page with live comments one more per tab; a
 * few hundred leaves room for a household or an office behind one address, and
 * HTTP_MAX_CONNECTIONS / 256 = 78 such clients to fill the server. */
#define CONFIG_MAX_PER_CLIENT_DEFAULT 256
#define CONFIG_MAX_PER_CLIENT_MAX     20000
#define CONFIG_HEAD_TIMEOUT_DEFAULT   15
#define CONFIG_BODY_TIMEOUT_DEFAULT   30
#define CONFIG_TIMEOUT_MAX            3600

/* Values given on the command line; NULL means not given. */
struct config_flags {
    const char *config_file;
    const char *listen;
    const char *db_url;
};

/* Looks up an environment variable; tests pass a fake. */
typedef const char *(*config_getenv_fn)(const char *name);
/* The real environment (getenv). */
const char *config_getenv(const char *name);

/* Builds the configuration. The INI file is the one given (flag, else STET_CONFIG),
 * else CONFIG_DEFAULT_FILE when it exists. STET_EINVAL with a message in `err` for
 * an unreadable file, a line longer than the INI parser's buffer, an unknown key, or
 * a bad value (listen without a port, refresh not a number...). */
int config_load(struct config *c, const struct config_flags *flags, config_getenv_fn env, char *err,
                size_t err_len) STET_MUST_CHECK;
void config_cleanup(struct config *c);

/* Records the port actually bound (after listening on port 0), updating a derived
 * base_url to match. */
void config_set_bound_port(struct config *c, uint16_t port);

/* Splits "HOST:PORT" or "[V6]:PORT"; host is heap-allocated for the caller. */
int config_parse_listen(const char *s, char **host, uint16_t *port) STET_MUST_CHECK;

#endif
