/* Configuration: command-line flag > environment variable > INI file > default, per
 * SPEC section 3. A struct config owns its strings; free with config_cleanup. */
#ifndef STET_CONFIG_H
#define STET_CONFIG_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Who may read GET /metrics. */
enum config_metrics {
    CONFIG_METRICS_LOOPBACK = 0, /* peers on 127.0.0.0/8 or ::1 only (the default) */
    CONFIG_METRICS_ON,           /* anyone */
    CONFIG_METRICS_OFF,          /* nobody: the URL answers 404 */
};

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
    char *weather_url;   /* NULL: no weather strip */
    int weather_refresh; /* seconds, 1..86400 */
    bool weather_fahrenheit;
    bool require_registration;
    int comment_max_length;  /* characters, 1..100000 */
    int comments_per_minute; /* per account; 0: no limit */
    int logins_per_15min;    /* attempts per login name; 0: no limit */
    unsigned threads;        /* I/O threads; default: number of CPUs, at most 8 */
    /* server.metrics: who may GET /metrics (loopback, on or off) */
    enum config_metrics metrics;
};

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

/* Builds the configuration. The INI file is read only when given (flag or
 * STET_CONFIG). STET_EINVAL with a message in `err` for an unreadable file, an
 * unknown key, or a bad value (listen without a port, refresh not a number...). */
int config_load(struct config *c, const struct config_flags *flags, config_getenv_fn env, char *err,
                size_t err_len) STET_MUST_CHECK;
void config_cleanup(struct config *c);

/* Records the port actually bound (after listening on port 0), updating a derived
 * base_url to match. */
void config_set_bound_port(struct config *c, uint16_t port);

/* Splits "HOST:PORT" or "[V6]:PORT"; host is heap-allocated for the caller. */
int config_parse_listen(const char *s, char **host, uint16_t *port) STET_MUST_CHECK;

#endif
