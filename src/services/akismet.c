/* The Akismet-compatible comment check (akismet.h): the form built here, one POST
 * with libcurl on the caller's thread, a few idle handles kept so that the next
 * check reuses their connection (and TLS session) instead of paying for a new one
 * inside its one second. */
#include "services/akismet.h"

#include "base/fmt.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/timefmt.h"
#include "base/xalloc.h"
#include "services/curl_body.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct akismet {
    char *url, *key, *lang;
    struct mutex mu; /* guards idle and n_idle */
    CURL *idle[AKISMET_IDLE_HANDLES];
    size_t n_idle;
    _Atomic uint64_t spam, ham, failed;
};

/* libcurl wants one process-wide init before any thread uses it; the weather
 * refresher's own once is harmless beside this one (the init is counted). */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct akismet *akismet_new(const char *url, const char *key, const char *lang)
{
    pthread_once(&curl_once, curl_init_once);
    struct akismet *ak = xcalloc(1, sizeof(*ak));
    ak->url = xstrdup(url);
    ak->key = xstrdup(key);
    ak->lang = xstrdup(lang);
    mutex_init(&ak->mu);
    return ak;
}

void akismet_free(struct akismet *ak)
{
    if (ak == NULL)
        return;
    for (size_t i = 0; i < ak->n_idle; i++)
        curl_easy_cleanup(ak->idle[i]);
    mutex_cleanup(&ak->mu);
    free(ak->url);
    /* The key is a credential: it does not stay behind in freed memory. */
    explicit_bzero(ak->key, strlen(ak->key));
    free(ak->key);
    free(ak->lang);
    free(ak);
}

/* ---- the form ---- */

/* RFC 3986's unreserved characters go as they are, every other byte as %XX: what
 * application/x-www-form-urlencoded readers all accept. */
static void put_encoded(struct buf *out, struct str s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        if (plain) {
            buf_putc(out, (char)c);
        } else {
            buf_putc(out, '%');
            buf_putc(out, hex[c >> 4]);
            buf_putc(out, hex[c & 15]);
        }
    }
}

/* `sep` is "" for the first field, "&" for the others. */
static void put_field(struct buf *out, const char *sep, const char *name, struct str value)
{
    buf_puts(out, sep);
    buf_puts(out, name);
    buf_putc(out, '=');
    put_encoded(out, value);
}

/* A request header as a client sent it, cut to AKISMET_FIELD_MAX bytes without
 * splitting a UTF-8 sequence. */
static struct str bounded(struct str s)
{
    if (s.len <= AKISMET_FIELD_MAX)
        return s;
    size_t n = AKISMET_FIELD_MAX;
    while (n > 0 && ((unsigned char)s.ptr[n] & 0xC0) == 0x80)
        n--;
    return (struct str){s.ptr, n};
}

void akismet_form(const struct akismet *ak, const struct akismet_comment *c, struct buf *out)
{
    char date[TIMEFMT_ISO_LEN];
    time_format_iso(c->date, date);
    put_field(out, "", "api_key", str_from(ak->key));
    put_field(out, "&", "blog", c->blog);
    put_field(out, "&", "user_ip", c->user_ip);
    put_field(out, "&", "user_agent", bounded(c->user_agent));
    put_field(out, "&", "referrer", bounded(c->referrer));
    put_field(out, "&", "permalink", c->permalink);
    put_field(out, "&", "comment_type", str_from("comment"));
    put_field(out, "&", "comment_author", c->author);
    put_field(out, "&", "comment_author_email", c->author_email);
    put_field(out, "&", "comment_content", c->content);
    put_field(out, "&", "comment_date_gmt", str_from(date));
    put_field(out, "&", "blog_lang", str_from(ak->lang));
    put_field(out, "&", "blog_charset", str_from("UTF-8"));
}

enum akismet_answer akismet_parse(const char *body, size_t len)
{
    struct str s = str_trim((struct str){body, len});
    if (str_eq_cstr(s, "true"))
        return AKISMET_SPAM;
    if (str_eq_cstr(s, "false"))
        return AKISMET_HAM;
    return AKISMET_FAILED;
}

/* ---- the call ---- */

static CURL *take_handle(struct akismet *ak)
{
    CURL *h = NULL;
    mutex_lock(&ak->mu);
    if (ak->n_idle > 0)
        h = ak->idle[--ak->n_idle];
    mutex_unlock(&ak->mu);
    return h != NULL ? h : curl_easy_init();
}

/* A handle after a good answer goes back with its connection; after a failure it
 * is dropped, so that a connection in an unknown state is not used again. */
static void give_handle(struct akismet *ak, CURL *h, bool reuse)
{
    if (reuse) {
        mutex_lock(&ak->mu);
        if (ak->n_idle < AKISMET_IDLE_HANDLES) {
            ak->idle[ak->n_idle++] = h;
            h = NULL;
        }
        mutex_unlock(&ak->mu);
    }
    if (h != NULL)
        curl_easy_cleanup(h);
}

static enum akismet_answer count(struct akismet *ak, enum akismet_answer a)
{
    _Atomic uint64_t *n = a == AKISMET_SPAM ? &ak->spam : a == AKISMET_HAM ? &ak->ham : &ak->failed;
    atomic_fetch_add_explicit(n, 1, memory_order_relaxed);
    return a;
}

/* One POST of `form`; the answer's body in `answer`. False after logging why. */
static bool post(struct akismet *ak, CURL *h, const struct buf *form, struct buf *answer,
                 const char *rid)
{
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, ak->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)AKISMET_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form->data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form->len);
    /* Akismet asks for "Application/Version | Plugin/Version". */
    curl_easy_setopt(h, CURLOPT_USERAGENT, "stet/" STET_VERSION " | stet-akismet/1");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    /* At most AKISMET_MAX_ANSWER bytes: a longer answer is no answer. */
    struct curl_body sink = {answer, AKISMET_MAX_ANSWER};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_body_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        if (cc == CURLE_WRITE_ERROR)
            log_warn(rid, "akismet: %s: answer longer than %d bytes", ak->url, AKISMET_MAX_ANSWER);
        else
            log_warn(rid, "akismet: %s: %s", ak->url,
                     errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
        return false;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        log_warn(rid, "akismet: %s: HTTP status %ld", ak->url, status);
        return false;
    }
    return true;
}

enum akismet_answer akismet_check(struct akismet *ak, const struct akismet_comment *c,
                                  const char *rid)
{
    CURL *h = take_handle(ak);
    if (h == NULL) {
        log_warn(rid, "akismet: cannot create a curl handle");
        return count(ak, AKISMET_FAILED);
    }
    struct buf form = BUF_INIT, answer = BUF_INIT;
    akismet_form(ak, c, &form);
    enum akismet_answer a = AKISMET_FAILED;
    bool ok = post(ak, h, &form, &answer, rid);
    if (ok) {
        a = akismet_parse(answer.data != NULL ? answer.data : "", answer.len);
        /* "invalid" (a wrong key or blog) and the like: the body says what, escaped
         * because a server's bytes must not forge a log line. */
        if (a == AKISMET_FAILED) {
            char shown[4 * AKISMET_MAX_ANSWER + 1];
            struct fmt f = FMT_ON(shown);
            fmt_escaped(&f, answer.data != NULL ? answer.data : "", answer.len);
            log_warn(rid, "akismet: %s: answer '%s' is neither true nor false", ak->url, shown);
        }
    }
    give_handle(ak, h, ok);
    /* The form holds the key. */
    if (form.data != NULL)
        explicit_bzero(form.data, form.len);
    buf_cleanup(&form);
    buf_cleanup(&answer);
    return count(ak, a);
}

void akismet_counts(struct akismet *ak, struct akismet_counts *out)
{
    out->spam = atomic_load_explicit(&ak->spam, memory_order_relaxed);
    out->ham = atomic_load_explicit(&ak->ham, memory_order_relaxed);
    out->failed = atomic_load_explicit(&ak->failed, memory_order_relaxed);
}
