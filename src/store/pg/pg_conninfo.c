/* libpq connection parameters and messages, shared by the store's connections, the
 * LISTEN thread (pg_listener.c) and the change watch (pg_watch.c): a URL parsed into
 * keywords with stet's defaults added, and libpq's messages as single log lines. */
#include "store/pg/pg_store.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/url.h"
#include "base/xalloc.h"

#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq messages end in a newline (sometimes two lines); log lines must not. */
static int msg_len(const char *m)
{
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    return n > INT_MAX ? INT_MAX : (int)n;
}

/* One log line from a message that may span several ("ERROR: ...\nDETAIL: ..."). */
const char *pg_one_line(const char *m, char *buf, size_t size)
{
    snprintf(buf, size, "%.*s", msg_len(m), m);
    for (char *p = buf; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    }
    return buf;
}

/* Server notices (e.g. "relation already exists, skipping") are chatter; warnings
 * and out-of-band errors are worth a log line. */
void pg_notice_receiver(void *arg, const void *res)
{
    const PGresult *r = res;
    (void)arg;
    const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (sev != NULL && strcmp(sev, "NOTICE") != 0 && strcmp(sev, "INFO") != 0 &&
        strcmp(sev, "DEBUG") != 0 && strcmp(sev, "LOG") != 0) {
        char line[600];
        log_warn(NULL, "postgres: %s", pg_one_line(PQresultErrorMessage(r), line, sizeof(line)));
    }
}

/* ---- connection parameters ---- */

static void params_add(struct pg_params *p, size_t *cap, const char *k, const char *v)
{
    if (p->n + 1 >= *cap) {
        *cap = *cap * 2 + 8;
        p->keys = xrealloc(p->keys, *cap * sizeof(*p->keys));
        p->vals = xrealloc(p->vals, *cap * sizeof(*p->vals));
    }
    p->keys[p->n] = xstrdup(k);
    p->vals[p->n] = xstrdup(v);
    p->n++;
    p->keys[p->n] = NULL;
    p->vals[p->n] = NULL;
}

static bool params_has(const struct pg_params *p, const char *k)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->keys[i], k) == 0)
            return true;
    }
    return false;
}

/* Logs why `url` cannot be used, showing it redacted. libpq's reasons quote the piece
 * they could not read, which may be the password ("invalid percent-encoded token:
 * \"p%zzw\""), so every quoted piece of `why` is replaced too. */
static void log_bad_url(const char *url, const char *why)
{
    struct buf b = BUF_INIT;
    url_redact(&b, url);
    buf_puts(&b, ": ");
    bool quoted = false;
    for (size_t i = 0, n = (size_t)msg_len(why); i < n; i++) {
        if (why[i] == '"') {
            quoted = !quoted;
            buf_putc(&b, '"');
            if (quoted)
                buf_puts(&b, URL_REDACTED);
        } else if (!quoted) {
            buf_putc(&b, why[i] == '\n' || why[i] == '\t' ? ' ' : why[i]);
        }
    }
    log_error(NULL, "postgres: bad database URL %s", buf_cstr(&b));
    buf_cleanup(&b);
}

/* True when a host or port holds what only a password could have put there. libpq
 * ends the user info at the first '@' or '/', so in "postgresql://u:p@ss@db/x" the
 * host is "ss@db" and in "postgresql://u:pa/ss@db/x" the port is "pa", and its
 * connection errors would quote them. A Unix socket path may hold an '@' (an
 * abstract socket's name starts with one); a host name, an address or a port never. */
static bool password_spilled(const struct pg_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const char *v = p->vals[i];
        if (strcmp(p->keys[i], "port") == 0 && v[strspn(v, "0123456789,")] != '\0')
            return true;
        if (strcmp(p->keys[i], "host") != 0)
            continue;
        /* A comma-separated list of hosts. */
        for (const char *e = v; *e != '\0';) {
            size_t len = strcspn(e, ",");
            const char *at = memchr(e, '@', len);
            if (e[0] != '/' && at != NULL && at != e)
                return true;
            e += len + (e[len] == ',');
        }
    }
    return false;
}

int pg_params_from_url(const char *url, const char *app, bool listener, struct pg_params *out)
{
    char *err = NULL;
    size_t cap = 0;
    memset(out, 0, sizeof(*out));
    PQconninfoOption *opts = PQconninfoParse(url, &err);
    if (opts == NULL) {
        log_bad_url(url, err != NULL ? err : "out of memory");
        PQfreemem(err);
        return STET_EINVAL;
    }
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        /* Stet speaks UTF-8 whatever the URL says; text parameters are sent as is. */
        if (o->val != NULL && o->val[0] != '\0' && strcmp(o->keyword, "client_encoding") != 0)
            params_add(out, &cap, o->keyword, o->val);
    }
    PQconninfoFree(opts);
    if (password_spilled(out)) {
        log_bad_url(url, "a host or port holds part of the password; write '@' as %40 and '/' "
                         "as %2F in the user name and password");
        pg_params_cleanup(out);
        return STET_EINVAL;
    }
    params_add(out, &cap, "client_encoding", "UTF8");
    if (!params_has(out, "connect_timeout"))
        params_add(out, &cap, "connect_timeout", "5");
    if (!params_has(out, "application_name"))
        params_add(out, &cap, "application_name", app);
    if (listener) {
        static const char *const ka[][2] = {
            {"keepalives_idle", "30"}, {"keepalives_interval", "10"}, {"keepalives_count", "3"}};
        for (size_t i = 0; i < sizeof(ka) / sizeof(ka[0]); i++) {
            if (!params_has(out, ka[i][0]))
                params_add(out, &cap, ka[i][0], ka[i][1]);
        }
    }
    return 0;
}

void pg_params_cleanup(struct pg_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->keys[i]);
        free(p->vals[i]);
    }
    free(p->keys);
    free(p->vals);
    memset(p, 0, sizeof(*p));
}

int pg_store_conninfo(struct arena *a, const char *url, const char **out)
{
    struct pg_params p;
    struct buf b;
    int rc = pg_params_from_url(url, "stet", false, &p);
    if (rc != 0)
        return rc;
    buf_init(&b);
    for (size_t i = 0; i < p.n; i++) {
        if (strcmp(p.keys[i], "password") != 0)
            buf_printf(&b, "%s=%s\n", p.keys[i], p.vals[i]);
    }
    *out = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
    buf_cleanup(&b);
    pg_params_cleanup(&p);
    return 0;
}
