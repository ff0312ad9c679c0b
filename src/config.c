/* Builds struct config from defaults, an INI file, the environment and command-line
 * flags, in that order, so each later layer overrides the earlier ones. Every value
 * goes through one setter per key, so the file, the environment and the flags share
 * the same validation. */
#include "config.h"

#include "base/log.h"
#include "base/str.h"
#include "base/timefmt.h"
#include "base/utf8.h"
#include "base/xalloc.h"

#include <assert.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_LISTEN      "127.0.0.1:8080"
#define DEFAULT_DB_URL      "sqlite:stet.db"
#define DEFAULT_SITE        "stet"
#define DEFAULT_REFRESH     1800
#define DEFAULT_MAX_LEN     10000
#define DEFAULT_EDIT_WINDOW 900      /* seconds an author may edit (comments.edit_window) */
#define MAX_EDIT_WINDOW     31536000 /* a year */
#define MAX_THREADS         64

/* comments.report_threshold: readers' reports that hold a visible comment. */
#define DEFAULT_REPORT_THRESHOLD 3

/* State shared by the setters: where errors go and whether base_url was given, since
 * an unset base_url is derived from the final listen address. */
struct loader {
    struct config *c;
    bool base_url_set;
    char *err;
    size_t err_len;
    /* INI parsing only: the file, the physical line being read, and the first
     * error's line (0: none yet). */
    const char *file;
    FILE *fp;
    int lineno;
    int err_line;
    bool too_long; /* stopped at a line longer than the parser's buffer */
};

static void replace(char **slot, const char *value)
{
    free(*slot);
    *slot = xstrdup(value);
}

/* Frees a string that may hold a secret (a token, a database URL with a password)
 * after overwriting it: free() leaves the bytes in the heap. */
static void free_secret(char **slot)
{
    if (*slot != NULL)
        explicit_bzero(*slot, strlen(*slot));
    free(*slot);
    *slot = NULL;
}

static int fail(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct loader *l, const char *fmt, ...)
{
    if (l->err != NULL && l->err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(l->err, l->err_len, fmt, ap);
        va_end(ap);
    }
    return STET_EINVAL;
}

int config_parse_listen(const char *s, char **host, uint16_t *port)
{
    const char *colon;
    const char *h;
    size_t h_len;
    int64_t p;

    if (s == NULL || *s == '\0')
        return STET_EINVAL;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return STET_EINVAL;
        h = s + 1;
        h_len = (size_t)(close - h);
        colon = close + 1;
        if (h_len == 0)
            return STET_EINVAL;
        /* Only hex digits, colons and dots (an embedded IPv4 tail) form an IPv6 literal. */
        for (size_t i = 0; i < h_len; i++) {
            char ch = h[i];
            bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                      (ch >= 'A' && ch <= 'F') || ch == ':' || ch == '.';
            if (!ok)
                return STET_EINVAL;
        }
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return STET_EINVAL;
        h = s;
        h_len = (size_t)(colon - s);
        if (h_len == 0)
            return STET_EINVAL;
        /* A bare IPv6 address is ambiguous about where the port starts. */
        if (memchr(h, ':', h_len) != NULL)
            return STET_EINVAL;
        for (size_t i = 0; i < h_len; i++) {
            char ch = h[i];
            bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                      (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == '-';
            if (!ok)
                return STET_EINVAL;
        }
    }
    if (str_to_i64(str_from(colon + 1), 0, 65535, &p) != 0)
        return STET_EINVAL;
    /* str_to_i64 accepts a sign; a port is digits only. */
    if (colon[1] == '+' || colon[1] == '-')
        return STET_EINVAL;
    struct str hs = {h, h_len};
    if (str_eq_nocase(hs, STR_LIT("localhost")))
        *host = xstrdup("127.0.0.1");
    else
        *host = xstrndup(h, h_len);
    *port = (uint16_t)p;
    return 0;
}

static int parse_bool(const char *v, bool *out)
{
    struct str s = str_trim(str_from(v));
    if (str_eq_nocase(s, STR_LIT("true")) || str_eq_nocase(s, STR_LIT("yes")) ||
        str_eq_nocase(s, STR_LIT("on")) || str_eq_cstr(s, "1")) {
        *out = true;
        return 0;
    }
    if (str_eq_nocase(s, STR_LIT("false")) || str_eq_nocase(s, STR_LIT("no")) ||
        str_eq_nocase(s, STR_LIT("off")) || str_eq_cstr(s, "0")) {
        *out = false;
        return 0;
    }
    return STET_EINVAL;
}

static int parse_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
    return str_to_i64(str_trim(str_from(v)), min, max, out);
}

/* RFC 6750's b64token (token68): what may follow "Bearer " in a header. */
static bool is_token68(struct str s)
{
    size_t i = 0;
    while (i < s.len) {
        char ch = s.ptr[i];
        bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
                  ch == '+' || ch == '/';
        if (!ok)
            break;
        i++;
    }
    if (i == 0)
        return false;
    while (i < s.len && s.ptr[i] == '=')
        i++;
    return i == s.len;
}

/* Takes the metrics token `t` (white space around it ignored); `origin` says where it
 * was read for the message, which never quotes the token. An empty token switches
 * /metrics off, so that an environment variable can override the file. */
static int set_metrics_token(struct loader *l, struct str t, const char *where, const char *origin)
{
    t = str_trim(t);
    if (t.len == 0) {
        free_secret(&l->c->metrics_token);
        return 0;
    }
    if (t.len < CONFIG_METRICS_TOKEN_MIN || t.len > CONFIG_METRICS_TOKEN_MAX || !is_token68(t))
        return fail(l,
                    "%s: the metrics token%s must be %d to %d characters of A-Z a-z 0-9 - . _ ~ "
                    "+ / (make one with `openssl rand -hex 32`)",
                    where, origin, CONFIG_METRICS_TOKEN_MIN, CONFIG_METRICS_TOKEN_MAX);
    free_secret(&l->c->metrics_token);
    l->c->metrics_token = xstrndup(t.ptr, t.len);
    return 0;
}

/* The token from a file of its own (readable by the stet user only), so that it
 * need not sit in a world-readable INI file: the whole file, white space around the
 * token (a trailing newline) ignored. An empty path switches /metrics off like an
 * empty token. */
static int set_metrics_token_file(struct loader *l, const char *path, const char *where)
{
    /* Room for the longest token, "\r\n", and one byte more to notice a longer file. */
    char text[CONFIG_METRICS_TOKEN_MAX + 3];
    char origin[300];

    if (*path == '\0')
        return set_metrics_token(l, STR_NULL, where, "");
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return fail(l, "%s: cannot read the metrics token file %s: %s", where, path,
                    strerror(errno));
    size_t n = fread(text, 1, sizeof(text), f);
    bool read_error = ferror(f) != 0;
    fclose(f);
    snprintf(origin, sizeof(origin), " in %s", path);
    int rc;
    if (read_error)
        rc = fail(l, "%s: cannot read the metrics token file %s", where, path);
    else if (n == sizeof(text))
        rc = fail(l, "%s: the metrics token%s is longer than %d characters", where, origin,
                  CONFIG_METRICS_TOKEN_MAX);
    else if (n == 0)
        rc = fail(l, "%s: the metrics token file %s is empty", where, path);
    else
        rc = set_metrics_token(l, (struct str){text, n}, where, origin);
    explicit_bzero(text, sizeof(text));
    return rc;
}

/* ---- [limits] ---- */

/* The defaults. Login: an account can be tried 30 times at once from anywhere, then
 * once every 30 s (a slow-down that never locks its owner out for long); 10 times
 * from one client, then once every 90 s; a client can try 60 logins across all
 * names, then one every 15 s (spraying). A client can make 10 accounts, then one
 * every 6 minutes. An account can post 30 comments, then one every 2 s; a client 60,
 * then one a second. An account can send 20 reports, then one every 3 minutes; a
 * client 60, then one a minute: enough for a reader who flags a thread, too few for
 * sock puppets to hold comment after comment. */
static void set_default_limits(struct config *c)
{
    c->login_account = (struct config_rate){30, 15 * 60};
    c->login_account_client = (struct config_rate){10, 15 * 60};
    c->login_client = (struct config_rate){60, 15 * 60};
    c->register_client = (struct config_rate){10, 3600};
    c->comment_account = (struct config_rate){30, 60};
    c->comment_client = (struct config_rate){60, 60};
    c->report_account = (struct config_rate){20, 3600};
    c->report_client = (struct config_rate){60, 3600};
}

/* "N/PERIOD": N in 1..CONFIG_RATE_CAPACITY_MAX, PERIOD a number with a unit s, m, h
 * or d (none: seconds) of at most CONFIG_RATE_PERIOD_MAX seconds; or "0": off. */
static int parse_rate(const char *v, struct config_rate *out)
{
    struct str s = str_trim(str_from(v));
    int64_t n, period;
    const char *slash = memchr(s.ptr, '/', s.len);
    if (slash == NULL) {
        if (str_to_i64(s, 0, 0, &n) != 0)
            return STET_EINVAL;
        *out = (struct config_rate){0, 60};
        return 0;
    }
    struct str count = str_trim((struct str){s.ptr, (size_t)(slash - s.ptr)});
    struct str per = str_trim((struct str){slash + 1, s.len - (size_t)(slash - s.ptr) - 1});
    int64_t unit = 1;
    if (per.len > 0) {
        switch (per.ptr[per.len - 1]) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            unit = 0;
            break;
        }
        if (unit != 0)
            per.len--;
        else
            unit = 1;
    }
    if (str_to_i64(count, 0, CONFIG_RATE_CAPACITY_MAX, &n) != 0 ||
        str_to_i64(per, 1, CONFIG_RATE_PERIOD_MAX, &period) != 0 ||
        period * unit > CONFIG_RATE_PERIOD_MAX)
        return STET_EINVAL;
    *out = (struct config_rate){(int)n, (int)(period * unit)};
    return 0;
}

/* One policy key of [comments], `name` without the section: policy_set checks it
 * as it checks an admin's value. The banned words are copied first, as the policy
 * keeps the text it was given. */
static int set_policy(struct loader *l, const char *name, const char *value, const char *where)
{
    char why[160];
    bool words = strcmp(name, "banned_words") == 0;
    char *copy = words ? xstrdup(value) : NULL;
    struct policy_settings p = l->c->comment_policy;
    if (policy_set(&p, name, words ? copy : value, why, sizeof(why)) != 0) {
        free(copy);
        return fail(l, "%s: comments.%s '%.40s' %s", where, name, value, why);
    }
    if (words) {
        free(l->c->comment_banned_words);
        l->c->comment_banned_words = copy;
    }
    l->c->comment_policy = p;
    return 0;
}

/* A decimal such as "0.9" or "1" as thousandths, at most three decimals, within
 * [0, max]: locale-free, and exact for the values a person writes. */
static int parse_thousandths(const char *v, int64_t max, int64_t *out)
{
    struct str s = str_trim(str_from(v));
    int64_t whole = 0, frac = 0, scale = 1000;
    size_t i = 0, digits = 0;
    for (; i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9' && digits < 6; i++, digits++)
        whole = whole * 10 + (s.ptr[i] - '0');
    if (digits == 0)
        return STET_EINVAL;
    if (i < s.len && s.ptr[i] == '.') {
        for (i++; i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9' && scale > 1; i++) {
            scale /= 10;
            frac += (s.ptr[i] - '0') * scale;
        }
    }
    if (i != s.len || whole * 1000 + frac > max)
        return STET_EINVAL;
    *out = whole * 1000 + frac;
    return 0;
}

/* A service's URL: http or https with a host, no white space or control
 * character, at most CONFIG_URL_MAX bytes; "" unsets it (NULL), so that an
 * environment variable can switch it off. */
static int set_service_url(struct loader *l, char **slot, const char *key, const char *value,
                           const char *where)
{
    struct str s = str_from(value);
    if (s.len == 0) {
        free(*slot);
        *slot = NULL;
        return 0;
    }
    bool https = str_starts_with(s, "https://");
    if (!https && !str_starts_with(s, "http://"))
        return fail(l, "%s: %s '%s' must start with http:// or https://", where, key, value);
    size_t scheme = strlen(https ? "https://" : "http://");
    if (s.len == scheme || value[scheme] == '/')
        return fail(l, "%s: %s '%s' has no host", where, key, value);
    if (s.len > CONFIG_URL_MAX)
        return fail(l, "%s: %s is longer than %d bytes", where, key, CONFIG_URL_MAX);
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)value[i] <= ' ' || value[i] == 0x7f)
            return fail(l, "%s: %s '%s' holds a space or a control character", where, key, value);
    replace(slot, value);
    return 0;
}

/* spam.akismet_key: never quoted in a message, it is a credential. */
static int set_akismet_key(struct loader *l, const char *value, const char *where)
{
    struct str k = str_trim(str_from(value));
    free_secret(&l->c->spam_akismet_key);
    if (k.len == 0)
        return 0;
    if (k.len > CONFIG_AKISMET_KEY_MAX || !is_token68(k))
        return fail(l, "%s: spam.akismet_key must be 1 to %d characters of A-Z a-z 0-9 - . _ ~ + /",
                    where, CONFIG_AKISMET_KEY_MAX);
    l->c->spam_akismet_key = xstrndup(k.ptr, k.len);
    return 0;
}

/* One [spam] key, `name` without the section. */
static int set_spam(struct loader *l, const char *name, const char *value, const char *where)
{
    struct config *c = l->c;
    int64_t n;
    if (strcmp(name, "enabled") == 0) {
        if (parse_bool(value, &c->spam_enabled) != 0)
            return fail(l, "%s: spam.enabled '%s' must be true or false", where, value);
    } else if (strcmp(name, "hold_at") == 0) {
        if (parse_thousandths(value, 1000, &n) != 0 || n < 500)
            return fail(l, "%s: spam.hold_at '%s' is not a score between 0.5 and 1", where, value);
        c->spam_hold_at = (int)n;
    } else if (strcmp(name, "min_training") == 0) {
        if (parse_int(value, 1, 1000000, &n) != 0)
            return fail(l, "%s: spam.min_training '%s' is not a number in 1..1000000", where,
                        value);
        c->spam_min_training = (int)n;
    } else if (strcmp(name, "duplicate_window") == 0) {
        if (parse_int(value, 0, MAX_EDIT_WINDOW, &n) != 0)
            return fail(l,
                        "%s: spam.duplicate_window '%s' is not a number of seconds in "
                        "0..31536000",
                        where, value);
        c->spam_duplicate_window = (int)n;
    } else if (strcmp(name, "burst") == 0) {
        if (parse_int(value, 0, 1000, &n) != 0 || n == 1)
            return fail(l, "%s: spam.burst '%s' is not 0 (off) or a number in 2..1000", where,
                        value);
        c->spam_burst = (int)n;
    } else if (strcmp(name, "link_density") == 0) {
        if (parse_thousandths(value, 10000, &n) != 0)
            return fail(l, "%s: spam.link_density '%s' is not links per word between 0 and 10",
                        where, value);
        c->spam_link_density = (int)n;
    } else if (strcmp(name, "akismet_url") == 0) {
        return set_service_url(l, &c->spam_akismet_url, "spam.akismet_url", value, where);
    } else if (strcmp(name, "akismet_key") == 0) {
        return set_akismet_key(l, value, where);
    } else if (strcmp(name, "akismet_site") == 0) {
        return set_service_url(l, &c->spam_akismet_site, "spam.akismet_site", value, where);
    } else {
        return fail(l, "%s: unknown key 'spam.%s'", where, name);
    }
    return 0;
}

/* One [limits] key, `name` without the section. The two counts of earlier releases
 * still work: comments_per_minute = N is comment_account = N/1m and
 * logins_per_15min = N is login_account = N/15m; 0 switches off every comment or
 * every login limit, as it switched off the only one there was. */
static int set_limit(struct loader *l, const char *name, const char *value, const char *where)
{
    struct config *c = l->c;
    const struct {
        const char *name;
        struct config_rate *slot;
    } keys[] = {
#define LIMIT_KEY(field) {#field, &c->field},
        CONFIG_RATE_LIMITS(LIMIT_KEY)
#undef LIMIT_KEY
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(name, keys[i].name) != 0)
            continue;
        if (parse_rate(value, keys[i].slot) != 0)
            return fail(l,
                        "%s: limits.%s '%s' is not N/PERIOD (N 0..%d, PERIOD like 30s, 15m, 1h "
                        "or 1d, at most 7d) or 0",
                        where, name, value, CONFIG_RATE_CAPACITY_MAX);
        return 0;
    }
    bool comments = strcmp(name, "comments_per_minute") == 0;
    if (!comments && strcmp(name, "logins_per_15min") != 0)
        return fail(l, "%s: unknown key 'limits.%s'", where, name);
    int64_t n;
    if (parse_int(value, 0, CONFIG_RATE_CAPACITY_MAX, &n) != 0)
        return fail(l, "%s: limits.%s '%s' is not a number in 0..%d", where, name, value,
                    CONFIG_RATE_CAPACITY_MAX);
    if (comments) {
        c->comment_account = (struct config_rate){(int)n, 60};
        if (n == 0)
            c->comment_client.capacity = 0;
    } else {
        c->login_account = (struct config_rate){(int)n, 15 * 60};
        if (n == 0)
            c->login_account_client.capacity = c->login_client.capacity = 0;
    }
    return 0;
}

static int set_seconds(struct loader *l, const char *key, const char *value, const char *where,
                       int *out)
{
    int64_t n;
    if (parse_int(value, 1, CONFIG_TIMEOUT_MAX, &n) != 0)
        return fail(l, "%s: %s '%s' is not a number of seconds in 1..%d", where, key, value,
                    CONFIG_TIMEOUT_MAX);
    *out = (int)n;
    return 0;
}

/* Applies one value. `where` names its origin ("stet.ini:3", "STET_LISTEN",
 * "--listen") for the error message. */
static int set_key(struct loader *l, const char *key, const char *value, const char *where)
{
    struct config *c = l->c;
    int64_t n;
    bool b;

    if (strcmp(key, "server.listen") == 0) {
        char *host = NULL;
        uint16_t port;
        if (config_parse_listen(value, &host, &port) != 0)
            return fail(l, "%s: invalid listen address '%s' (want HOST:PORT or [V6]:PORT)", where,
                        value);
        free(c->listen_host);
        c->listen_host = host;
        c->listen_port = port;
    } else if (strcmp(key, "server.base_url") == 0) {
        struct str s = str_from(value);
        bool https = str_starts_with(s, "https://");
        if (!https && !str_starts_with(s, "http://"))
            return fail(l, "%s: base_url '%s' must start with http:// or https://", where, value);
        size_t len = s.len;
        if (len > 0 && value[len - 1] == '/')
            len--;
        if (len <= strlen(https ? "https://" : "http://"))
            return fail(l, "%s: base_url '%s' has no host", where, value);
        free(c->base_url);
        c->base_url = xstrndup(value, len);
        c->base_https = https;
        l->base_url_set = true;
    } else if (strcmp(key, "server.trusted_proxies") == 0) {
        char why[160];
        if (net_list_parse(value, &c->trusted_proxies, why, sizeof(why)) != 0)
            return fail(l, "%s: server.trusted_proxies: %s", where, why);
    } else if (strcmp(key, "server.max_connections_per_client") == 0) {
        if (parse_int(value, 0, CONFIG_MAX_PER_CLIENT_MAX, &n) != 0)
            return fail(l, "%s: max_connections_per_client '%s' is not a number in 0..%d", where,
                        value, CONFIG_MAX_PER_CLIENT_MAX);
        c->max_per_client = (unsigned)n;
    } else if (strcmp(key, "server.head_timeout") == 0) {
        return set_seconds(l, key, value, where, &c->head_timeout_s);
    } else if (strcmp(key, "server.body_timeout") == 0) {
        return set_seconds(l, key, value, where, &c->body_timeout_s);
    } else if (strcmp(key, "server.threads") == 0) {
        if (parse_int(value, 1, MAX_THREADS, &n) != 0)
            return fail(l, "%s: threads '%s' is not a number in 1..%d", where, value, MAX_THREADS);
        c->threads = (unsigned)n;
    } else if (strcmp(key, "server.metrics_token") == 0) {
        return set_metrics_token(l, str_from(value), where, "");
    } else if (strcmp(key, "server.metrics_token_file") == 0) {
        return set_metrics_token_file(l, value, where);
    } else if (strcmp(key, "server.metrics") == 0) {
        /* Its default, loopback, let anyone read /metrics through a proxy on the same
         * machine (every request comes from 127.0.0.1 there). Refused rather than
         * ignored, so that nobody believes the old setting still holds. */
        return fail(l,
                    "%s: server.metrics is gone: /metrics answers only requests that carry "
                    "server.metrics_token as a Bearer token (also server.metrics_token_file, "
                    "STET_METRICS_TOKEN), and nobody when no token is set; remove the line",
                    where);
    } else if (strcmp(key, "database.synchronous") == 0) {
        struct str s = str_trim(str_from(value));
        if (str_eq_nocase(s, STR_LIT("full")))
            c->db_sync_normal = false;
        else if (str_eq_nocase(s, STR_LIT("normal")))
            c->db_sync_normal = true;
        else
            return fail(l, "%s: database.synchronous '%s' must be full or normal", where, value);
    } else if (strcmp(key, "database.url") == 0) {
        if (*value == '\0')
            return fail(l, "%s: database url is empty", where);
        free_secret(&c->db_url);
        c->db_url = xstrdup(value);
    } else if (strcmp(key, "site.name") == 0) {
        replace(&c->site_name, value);
    } else if (strcmp(key, "site.timezone") == 0) {
        if (!time_zone_exists(value))
            return fail(l,
                        "%s: site.timezone '%s' is not a known time zone (want an IANA name such "
                        "as Europe/Berlin, from the tzdata package, or UTC)",
                        where, value);
        replace(&c->site_timezone, value);
    } else if (strcmp(key, "weather.url") == 0) {
        free(c->weather_url);
        /* An empty value switches the strip off, so an environment variable can
         * override a URL set in the file. */
        c->weather_url = *value != '\0' ? xstrdup(value) : NULL;
    } else if (strcmp(key, "weather.refresh") == 0) {
        if (parse_int(value, 1, 86400, &n) != 0)
            return fail(l, "%s: weather.refresh '%s' is not a number of seconds in 1..86400", where,
                        value);
        c->weather_refresh = (int)n;
    } else if (strcmp(key, "weather.units") == 0) {
        struct str s = str_trim(str_from(value));
        if (str_eq_nocase(s, STR_LIT("celsius")))
            c->weather_fahrenheit = false;
        else if (str_eq_nocase(s, STR_LIT("fahrenheit")))
            c->weather_fahrenheit = true;
        else
            return fail(l, "%s: weather.units '%s' must be celsius or fahrenheit", where, value);
    } else if (strcmp(key, "comments.require_registration") == 0) {
        if (parse_bool(value, &b) != 0)
            return fail(l, "%s: comments.require_registration '%s' must be true or false", where,
                        value);
        c->require_registration = b;
    } else if (strcmp(key, "comments.max_length") == 0) {
        if (parse_int(value, 1, 100000, &n) != 0)
            return fail(l, "%s: comments.max_length '%s' is not a number in 1..100000", where,
                        value);
        c->comment_max_length = (int)n;
    } else if (strcmp(key, "comments.report_threshold") == 0) {
        if (parse_int(value, 0, 1000000, &n) != 0)
            return fail(l, "%s: comments.report_threshold '%s' is not a number in 0..1000000",
                        where, value);
        c->comment_report_threshold = (int)n;
    } else if (strcmp(key, "comments.edit_window") == 0) {
        if (parse_int(value, 0, MAX_EDIT_WINDOW, &n) != 0)
            return fail(l,
                        "%s: comments.edit_window '%s' is not a number of seconds in 0..31536000",
                        where, value);
        c->comment_edit_window = (int)n;
    } else if (strncmp(key, "comments.", 9) == 0 && policy_is_name(str_from(key + 9))) {
        return set_policy(l, key + 9, value, where);
    } else if (strncmp(key, "limits.", 7) == 0) {
        return set_limit(l, key + 7, value, where);
    } else if (strncmp(key, "spam.", 5) == 0) {
        return set_spam(l, key + 5, value, where);
    } else if (strcmp(key, "log.level") == 0) {
        enum log_level level;
        if (log_level_parse(value, &level) != 0)
            return fail(l, "%s: log.level '%s' must be debug, info, warn or error", where, value);
        c->log_level = (int)level;
    } else if (strcmp(key, "log.access") == 0) {
        struct str s = str_trim(str_from(value));
        /* Relative paths would follow the working directory, which differs between
         * systemd (/var/lib/stet) and a shell. */
        if (!str_eq_cstr(s, "stderr") && !str_eq_cstr(s, "off") && !str_starts_with(s, "/"))
            return fail(l, "%s: log.access '%s' must be stderr, off or an absolute file path",
                        where, value);
        free(c->access_log);
        c->access_log = xstrndup(s.ptr, s.len);
    } else {
        return fail(l, "%s: unknown key '%s'", where, key);
    }
    return 0;
}

/* An fgets-style reader that tracks the line number, so a handler error can name its
 * line even though inih only reports the first error's line. inih hands over its
 * line buffer's size (`num`, 200 bytes in Debian's build) and parses whatever does not
 * fit as a line of its own, so a long weather URL used to become "unknown key".
 * Reading through this callback sees every line whole, whatever size the library
 * was built with, without knowing its internals: a line that does not fit stops
 * the parse and is reported with its number. */
static char *ini_reader_fn(char *str, int num, void *stream)
{
    struct loader *l = stream;
    char *r = fgets(str, num, l->fp);
    if (r == NULL)
        return NULL;
    l->lineno++;
    size_t len = strlen(r);
    if (len > 0 && r[len - 1] == '\n')
        return r;
    /* No newline: either the last line of the file or a line cut at the buffer. */
    int next = getc(l->fp);
    if (next == EOF)
        return r;
    if (next == '\n' && len + 1 == (size_t)num) {
        /* It fitted exactly, without its newline. */
        return r;
    }
    l->too_long = true;
    l->err_line = l->lineno;
    fail(l, "%s:%d: line longer than %d bytes (the INI parser's limit)", l->file, l->lineno,
         num - 1);
    return NULL;
}

static int ini_handler_fn(void *user, const char *section, const char *name, const char *value)
{
    struct loader *l = user;
    char key[256];
    char where[512];

    if (l->err_line != 0)
        return 0; /* keep the first error's message */
    snprintf(where, sizeof(where), "%s:%d", l->file, l->lineno);
    int n = snprintf(key, sizeof(key), "%s.%s", section, name);
    if (n < 0 || (size_t)n >= sizeof(key)) {
        l->err_line = l->lineno;
        fail(l, "%s: key too long", where);
        return 0;
    }
    if (set_key(l, key, value, where) != 0) {
        l->err_line = l->lineno;
        return 0;
    }
    return 1;
}

/* Reads `path`; a missing file is no error when `optional` (the default file). */
static int load_file(struct loader *l, const char *path, bool optional)
{
    l->fp = fopen(path, "r");
    if (l->fp == NULL) {
        if (optional && errno == ENOENT)
            return 0;
        return fail(l, "cannot read %s: %s", path, strerror(errno));
    }
    l->file = path;
    l->lineno = 0;
    l->err_line = 0;
    l->too_long = false;
    int rc = ini_parse_stream(ini_reader_fn, l, ini_handler_fn, l);
    bool read_error = ferror(l->fp) != 0;
    fclose(l->fp);
    l->fp = NULL;
    if (read_error)
        return fail(l, "cannot read %s", path);
    if (l->too_long)
        return STET_EINVAL; /* the reader wrote the message */
    if (rc == 0 && l->err_line == 0)
        return 0;
    /* inih reports the first failing line, which may be a syntax error that comes
     * before the first bad key; the handler's message only fits its own line. */
    if (rc > 0 && (l->err_line == 0 || rc < l->err_line))
        return fail(l, "%s:%d: syntax error (want [section] or key = value)", path, rc);
    if (rc < 0 && l->err_line == 0)
        return fail(l, "cannot read %s", path);
    return STET_EINVAL; /* the handler wrote the message */
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > 8)
        n = 8;
    return (unsigned)n;
}

/* The Akismet keys make sense together only: a URL without its key would be
 * refused by the service on every comment, a key without a URL does nothing. */
static int check_akismet(struct loader *l)
{
    const struct config *c = l->c;
    if (c->spam_akismet_url != NULL && c->spam_akismet_key == NULL)
        return fail(l, "spam.akismet_url is set but spam.akismet_key is not (the service's API "
                       "key, or STET_AKISMET_KEY)");
    if (c->spam_akismet_url == NULL && c->spam_akismet_key != NULL)
        return fail(l, "spam.akismet_key is set but spam.akismet_url is not (Akismet's is "
                       "https://rest.akismet.com/1.1/comment-check)");
    if (c->spam_akismet_url == NULL && c->spam_akismet_site != NULL)
        return fail(l, "spam.akismet_site is set but spam.akismet_url is not");
    /* Akismet's older https://KEY.rest.akismet.com form would put the credential
     * into every log line that names the URL. */
    if (c->spam_akismet_url != NULL && strstr(c->spam_akismet_url, c->spam_akismet_key) != NULL)
        return fail(l, "spam.akismet_url must not hold the API key: stet sends it as the "
                       "api_key field (use https://rest.akismet.com/1.1/comment-check)");
    return 0;
}

static void derive_base_url(struct config *c)
{
    char url[512];
    bool v6 = strchr(c->listen_host, ':') != NULL;
    snprintf(url, sizeof(url), v6 ? "http://[%s]:%u" : "http://%s:%u", c->listen_host,
             (unsigned)c->listen_port);
    replace(&c->base_url, url);
    c->base_https = false;
}

void config_set_bound_port(struct config *c, uint16_t port)
{
    c->listen_port = port;
    if (c->base_url_derived)
        derive_base_url(c);
}

/* The store takes the SQLite durability setting in the URL; one the URL spells out
 * itself wins. */
static void apply_synchronous(struct config *c)
{
    struct str u = str_from(c->db_url);
    if (!c->db_sync_normal || !str_starts_with(u, "sqlite:") ||
        strstr(c->db_url, "?synchronous=") != NULL)
        return;
    size_t len = u.len + sizeof("?synchronous=normal");
    char *url = xmalloc(len);
    snprintf(url, len, "%s?synchronous=normal", c->db_url);
    free(c->db_url);
    c->db_url = url;
}

const char *config_getenv(const char *name)
{
    return getenv(name);
}

int config_load(struct config *c, const struct config_flags *flags, config_getenv_fn env, char *err,
                size_t err_len)
{
    static const struct {
        const char *env;
        const char *key;
    } env_keys[] = {
        {"STET_LISTEN", "server.listen"},
        {"STET_BASE_URL", "server.base_url"},
        {"STET_DATABASE_URL", "database.url"},
        {"STET_SITE_NAME", "site.name"},
        {"STET_SITE_TIMEZONE", "site.timezone"},
        {"STET_WEATHER_URL", "weather.url"},
        {"STET_THREADS", "server.threads"},
        {"STET_TRUSTED_PROXIES", "server.trusted_proxies"},
        {"STET_METRICS_TOKEN", "server.metrics_token"},
        {"STET_AKISMET_KEY", "spam.akismet_key"},
        {"STET_LOG_LEVEL", "log.level"},
        {"STET_ACCESS_LOG", "log.access"},
    };
    struct loader l = {.c = c, .err = err, .err_len = err_len};
    int rc;

    if (err != NULL && err_len > 0)
        err[0] = '\0';
    memset(c, 0, sizeof(*c));
    rc = config_parse_listen(DEFAULT_LISTEN, &c->listen_host, &c->listen_port);
    assert(rc == 0);
    c->db_url = xstrdup(DEFAULT_DB_URL);
    c->site_name = xstrdup(DEFAULT_SITE);
    c->site_timezone = xstrdup("UTC");
    c->weather_url = NULL;
    c->weather_refresh = DEFAULT_REFRESH;
    c->weather_fahrenheit = false;
    c->require_registration = true;
    c->comment_max_length = DEFAULT_MAX_LEN;
    c->comment_report_threshold = DEFAULT_REPORT_THRESHOLD;
    c->comment_edit_window = DEFAULT_EDIT_WINDOW;
    policy_defaults(&c->comment_policy);
    c->spam_enabled = true;
    c->spam_hold_at = 900;
    c->spam_min_training = 10;
    c->spam_duplicate_window = 86400;
    c->spam_burst = 0;
    c->spam_link_density = 500;
    set_default_limits(c);
    c->threads = default_threads();
    c->max_per_client = CONFIG_MAX_PER_CLIENT_DEFAULT;
    c->head_timeout_s = CONFIG_HEAD_TIMEOUT_DEFAULT;
    c->body_timeout_s = CONFIG_BODY_TIMEOUT_DEFAULT;
    c->log_level = LOG_LEVEL_INFO;
    c->access_log = xstrdup("stderr");

    const char *file = flags != NULL ? flags->config_file : NULL;
    if (file == NULL && env != NULL)
        file = env("STET_CONFIG");
    bool optional = file == NULL;
    if (optional)
        file = CONFIG_DEFAULT_FILE;
    if (*file != '\0') {
        rc = load_file(&l, file, optional);
        if (rc != 0)
            goto out;
    }

    if (env != NULL) {
        for (size_t i = 0; i < sizeof(env_keys) / sizeof(env_keys[0]); i++) {
            const char *v = env(env_keys[i].env);
            if (v == NULL)
                continue;
            rc = set_key(&l, env_keys[i].key, v, env_keys[i].env);
            if (rc != 0)
                goto out;
        }
    }

    if (flags != NULL && flags->listen != NULL) {
        rc = set_key(&l, "server.listen", flags->listen, "--listen");
        if (rc != 0)
            goto out;
    }
    if (flags != NULL && flags->db_url != NULL) {
        rc = set_key(&l, "database.url", flags->db_url, "--db");
        if (rc != 0)
            goto out;
    }

    rc = check_akismet(&l);
    if (rc != 0)
        goto out;
    c->base_url_derived = !l.base_url_set;
    if (!l.base_url_set)
        derive_base_url(c);
    apply_synchronous(c);
    rc = 0;
out:
    if (rc != 0)
        config_cleanup(c);
    return rc;
}

void config_cleanup(struct config *c)
{
    free(c->listen_host);
    free(c->base_url);
    free_secret(&c->db_url);
    free_secret(&c->metrics_token);
    free(c->site_name);
    free(c->site_timezone);
    free(c->weather_url);
    free(c->spam_akismet_url);
    free_secret(&c->spam_akismet_key);
    free(c->spam_akismet_site);
    free(c->comment_banned_words);
    free(c->access_log);
    memset(c, 0, sizeof(*c));
}
