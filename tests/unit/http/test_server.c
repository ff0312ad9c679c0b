/* The transport over real sockets with libcurl: bodies, keep-alive reuse, body and
 * header limits, HEAD, a missing answer, worker dispatch that must not block GETs on
 * the same I/O thread, bind errors, and a graceful stop with a request in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/server.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the dispatcher and the done callback observed, shared with the test thread. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool slow_entered;
    bool get_done;
    int n_done;
    struct done_entry {
        char id[64];
        int status;
        uint64_t bytes;
        char peer[64];
    } recent[64]; /* ring of the latest completions, by request id */
} seen = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, 0, {{"", 0, 0, ""}}};

static struct http_server *srv;
static uint16_t port;

static void mark_slow_entered(void)
{
    pthread_mutex_lock(&seen.mu);
    seen.slow_entered = true;
    pthread_cond_broadcast(&seen.cv);
    pthread_mutex_unlock(&seen.mu);
}

/* Waits (with a deadlock breaker, not a timing assertion) for `flag`. */
static bool wait_flag(bool *flag)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    pthread_mutex_lock(&seen.mu);
    while (!*flag)
        if (pthread_cond_timedwait(&seen.cv, &seen.mu, &dl) != 0)
            break;
    bool ok = *flag;
    pthread_mutex_unlock(&seen.mu);
    return ok;
}

static void dispatch(struct req *req)
{
    const char *text = "text/plain";
    if (req->fail == STET_ELIMIT) {
        resp_set(req, 413, text, "too large", 9);
        return;
    }
    if (req->fail != 0) {
        /* The transport's other refusals, with the status web/respond.c gives them. */
        int status = req->fail == STET_EURI ? 414 : req->fail == STET_EHEADERS ? 431 : 400;
        const char *why = req->fail_message != NULL ? req->fail_message : "refused";
        resp_set(req, status, text, why, strlen(why));
        return;
    }
    resp_add_header(req, "X-Req-Id", req->id);
    if (str_eq_cstr(req->path, "/nothing"))
        return; /* leaves status 0: the transport must answer 500 */
    if (str_eq_cstr(req->path, "/slow-wait")) {
        /* Holds a worker until a GET has completed: if POSTs blocked the single
         * I/O thread, the GET could not complete and this wait would give up. */
        mark_slow_entered();
        bool ok = wait_flag(&seen.get_done);
        const char *b = ok ? "saw get" : "no get";
        resp_set(req, 200, text, b, strlen(b));
        return;
    }
    if (str_eq_cstr(req->path, "/slow")) {
        mark_slow_entered();
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
        resp_set(req, 200, text, "slow done", 9);
        return;
    }
    struct str hv = STR_LIT("-");
    req_header(req, "x-test", &hv);
    char *b = arena_printf(req->arena, "%.*s %.*s q=%.*s body=%zu h=%.*s peer=%.*s",
                           (int)req->method_name.len, req->method_name.ptr, (int)req->path.len,
                           req->path.ptr, (int)req->query.len, req->query.ptr, req->body.len,
                           (int)hv.len, hv.ptr, (int)req_peer(req).len, req_peer(req).ptr);
    if (req->body.len > 0 && req->body.ptr[req->body.len] != '\0')
        b = arena_strdup(req->arena, "body not NUL-terminated");
    if (str_eq_cstr(req->path, "/echo-body"))
        resp_set(req, 200, text, req->body.ptr, req->body.len);
    else
        resp_set(req, 200, text, b, strlen(b));
}

static void done(struct req *req, int status, uint64_t bytes, int64_t duration_us)
{
    (void)duration_us;
    pthread_mutex_lock(&seen.mu);
    struct done_entry *e = &seen.recent[seen.n_done++ % 64];
    snprintf(e->id, sizeof(e->id), "%s", req->id != NULL ? req->id : "");
    e->status = status;
    e->bytes = bytes;
    snprintf(e->peer, sizeof(e->peer), "%.*s", (int)req_peer(req).len, req_peer(req).ptr);
    pthread_cond_broadcast(&seen.cv);
    pthread_mutex_unlock(&seen.mu);
}

/* Copies what the done callback saw for request `id`, waiting (bounded: a deadlock
 * breaker, not a timing assertion) until it has run for it. The done callback runs
 * after the response is on the wire, so the client can get there first. Tests
 * assert on the copy, never while holding the lock: a failed assertion jumps out
 * and would leave it held, stalling the server's I/O thread. */
static bool done_find(const char *id, struct done_entry *out)
{
    if (id[0] == '\0')
        return false;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    bool found = false;
    pthread_mutex_lock(&seen.mu);
    for (;;) {
        for (int i = 0; i < 64 && !found; i++)
            if (strcmp(seen.recent[i].id, id) == 0) {
                *out = seen.recent[i];
                found = true;
            }
        if (found || pthread_cond_timedwait(&seen.cv, &seen.mu, &dl) != 0)
            break;
    }
    pthread_mutex_unlock(&seen.mu);
    return found;
}

struct reply {
    long status;
    char body[1024];
    size_t len;
    char req_id[64];
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t len = size * n;
    size_t room = sizeof(r->body) - 1 - r->len;
    memcpy(r->body + r->len, p, len < room ? len : room);
    r->len += len < room ? len : room;
    r->body[r->len] = '\0';
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t len = size * n;
    if (len > 10 && strncasecmp(p, "X-Req-Id: ", 10) == 0) {
        size_t v = len - 10;
        while (v > 0 && (p[10 + v - 1] == '\r' || p[10 + v - 1] == '\n'))
            v--;
        snprintf(r->req_id, sizeof(r->req_id), "%.*s", (int)v, p + 10);
    }
    return len;
}

static CURL *easy(void)
{
    CURL *c = curl_easy_init();
    assert_non_null(c);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    return c;
}

static CURLcode perform(CURL *c, const char *path, struct reply *r)
{
    char url[4096];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)port, path);
    memset(r, 0, sizeof(*r));
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    return rc;
}

static void get(const char *path, struct reply *r)
{
    CURL *c = easy();
    assert_int_equal(perform(c, path, r), CURLE_OK);
    curl_easy_cleanup(c);
}

static void post(CURL *c, const char *path, const char *body, size_t len, struct reply *r)
{
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    assert_int_equal(perform(c, path, r), CURLE_OK);
}

/* Binds HOST port 0 and serves it with `n_io` I/O threads; 0 or -1. */
static int start(const char *host, unsigned n_io, struct http_server **out, uint16_t *out_port)
{
    char err[256];
    int fd;
    if (http_listen(host, 0, &fd, out_port, err, sizeof(err)) != 0)
        return -1;
    struct http_server_config cfg = {.listen_fd = fd,
                                     .n_io_threads = n_io,
                                     .n_read_workers = 1,
                                     .n_write_workers = 2,
                                     .dispatch = dispatch,
                                     .done = done};
    return http_server_start(&cfg, out) == 0 ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* One I/O thread, so a POST that blocked it would visibly block the GET. */
    return start("127.0.0.1", 1, &srv, &port);
}

static int group_teardown(void **state)
{
    (void)state;
    http_server_stop(srv); /* no-op when the stop test already ran */
    curl_global_cleanup();
    return 0;
}

static void test_get(void **state)
{
    (void)state;
    struct reply r;
    struct done_entry d;
    CURL *c = easy();
    struct curl_slist *h = curl_slist_append(NULL, "X-Test: Hello");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    assert_int_equal(perform(c, "/p%20q/x?a=1&b=%20", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "GET /p%20q/x q=a=1&b=%20 body=0 h=Hello peer=127.0.0.1");
    curl_slist_free_all(h);
    curl_easy_cleanup(c);

    assert_true(done_find(r.req_id, &d));
    assert_int_equal(d.status, 200);
    assert_int_equal(d.bytes, r.len);
    assert_string_equal(d.peer, "127.0.0.1");
}

static void test_keep_alive(void **state)
{
    (void)state;
    struct reply r;
    char first_id[64];
    long n_connects = -1;
    CURL *c = easy();
    assert_int_equal(perform(c, "/a", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    snprintf(first_id, sizeof(first_id), "%s", r.req_id);
    assert_int_equal(perform(c, "/b", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n_connects);
    assert_int_equal(n_connects, 0);
    /* Request ids are unique. */
    assert_true(first_id[0] != '\0');
    assert_string_not_equal(first_id, r.req_id);

    /* A POST goes through a worker and a suspend/resume; the connection survives. */
    post(c, "/echo", "x=1", 3, &r);
    assert_int_equal(r.status, 200);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n_connects);
    assert_int_equal(n_connects, 0);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    assert_int_equal(perform(c, "/c", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n_connects);
    assert_int_equal(n_connects, 0);
    curl_easy_cleanup(c);
}

static void test_post_body(void **state)
{
    (void)state;
    struct reply r;
    CURL *c = easy();
    post(c, "/echo", "a=1&b=two", 9, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "POST /echo q= body=9 h=- peer=127.0.0.1");
    post(c, "/echo-body", "a=1&b=two", 9, &r);
    assert_string_equal(r.body, "a=1&b=two");

    /* Exactly the limit is accepted. */
    char *big = malloc(64 * 1024);
    memset(big, 'x', 64 * 1024);
    post(c, "/echo", big, 64 * 1024, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "POST /echo q= body=65536 h=- peer=127.0.0.1");
    free(big);

    /* PUT and DELETE also go to workers. */
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
    post(c, "/echo", "", 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "DELETE /echo q= body=0 h=- peer=127.0.0.1");
    curl_easy_cleanup(c);
}

static void test_body_too_large(void **state)
{
    (void)state;
    struct reply r;
    size_t n = 65 * 1024;
    char *big = malloc(n);
    memset(big, 'x', n);
    CURL *c = easy();
    post(c, "/echo", big, n, &r);
    assert_int_equal(r.status, 413);
    assert_string_equal(r.body, "too large");
    curl_easy_cleanup(c);
    free(big);
}

struct chunk_src {
    size_t left;
};

static size_t read_chunks(char *p, size_t size, size_t n, void *ud)
{
    struct chunk_src *s = ud;
    size_t len = size * n;
    if (len > 4096)
        len = 4096;
    if (len > s->left)
        len = s->left;
    memset(p, 'y', len);
    s->left -= len;
    return len;
}

static void test_chunked_too_large(void **state)
{
    (void)state;
    struct reply r;
    struct chunk_src src = {70 * 1024};
    CURL *c = easy();
    struct curl_slist *h = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_chunks);
    curl_easy_setopt(c, CURLOPT_READDATA, &src);
    assert_int_equal(perform(c, "/echo", &r), CURLE_OK);
    assert_int_equal(r.status, 413);
    assert_int_equal(src.left, 0); /* the whole body was read and discarded */

    /* A small chunked body is delivered whole. */
    src.left = 5000;
    assert_int_equal(perform(c, "/echo", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "POST /echo q= body=5000 h=- peer=127.0.0.1");
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static void test_header_too_large(void **state)
{
    (void)state;
    struct reply r;
    size_t n = 20 * 1024;
    char *line = malloc(n + 16);
    memcpy(line, "X-Big: ", 7);
    memset(line + 7, 'a', n);
    line[7 + n] = '\0';
    CURL *c = easy();
    struct curl_slist *h = curl_slist_append(NULL, line);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    assert_int_equal(perform(c, "/a", &r), CURLE_OK);
    assert_int_equal(r.status, 431);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(line);
}

static void test_path_too_long(void **state)
{
    (void)state;
    struct reply r;
    char path[3000];
    path[0] = '/';
    memset(path + 1, 'p', sizeof(path) - 2);
    path[sizeof(path) - 1] = '\0';
    get(path, &r);
    assert_int_equal(r.status, 414);
}

static void test_head(void **state)
{
    (void)state;
    struct done_entry d;
    char head_id[64];
    struct reply r;
    CURL *c = easy();
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    assert_int_equal(perform(c, "/h", &r), CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    curl_off_t cl = -1;
    curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    assert_int_equal(cl, strlen("HEAD /h q= body=0 h=- peer=127.0.0.1"));
    snprintf(head_id, sizeof(head_id), "%s", r.req_id);
    /* The connection stays usable after a body-less response. */
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    assert_int_equal(perform(c, "/h", &r), CURLE_OK);
    assert_string_equal(r.body, "GET /h q= body=0 h=- peer=127.0.0.1");
    long n_connects = -1;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n_connects);
    assert_int_equal(n_connects, 0);
    curl_easy_cleanup(c);
    /* HEAD and GET both completed with 200. */
    assert_true(done_find(head_id, &d));
    assert_int_equal(d.status, 200);
    assert_true(done_find(r.req_id, &d));
    assert_int_equal(d.status, 200);
}

static void test_no_answer_is_500(void **state)
{
    (void)state;
    struct reply r;
    get("/nothing", &r);
    assert_int_equal(r.status, 500);
}

struct bg_post {
    const char *path;
    struct reply r;
    CURLcode rc;
};

static void *post_thread(void *arg)
{
    struct bg_post *p = arg;
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)port, p->path);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &p->r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &p->r);
    p->rc = curl_easy_perform(c);
    if (p->rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &p->r.status);
    curl_easy_cleanup(c);
    return NULL;
}

static void test_slow_post_does_not_block_get(void **state)
{
    (void)state;
    seen.slow_entered = false;
    seen.get_done = false;
    struct bg_post p = {"/slow-wait", {0}, CURLE_OK};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, post_thread, &p), 0);
    assert_true(wait_flag(&seen.slow_entered));

    struct reply r;
    get("/during", &r);
    assert_int_equal(r.status, 200);
    pthread_mutex_lock(&seen.mu);
    seen.get_done = true;
    pthread_cond_broadcast(&seen.cv);
    pthread_mutex_unlock(&seen.mu);

    pthread_join(t, NULL);
    assert_int_equal(p.rc, CURLE_OK);
    assert_int_equal(p.r.status, 200);
    assert_string_equal(p.r.body, "saw get");
}

static void test_bind_errors(void **state)
{
    (void)state;
    char err[256];
    int fd = -1;
    uint16_t got = 0;
    assert_int_equal(http_listen("127.0.0.1", port, &fd, &got, err, sizeof(err)), STET_EIO);
    assert_int_equal(fd, -1);
    char want[64];
    snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%u: Address already in use",
             (unsigned)port);
    assert_string_equal(err, want); /* names the address as server.listen writes it */
    /* Names are not resolved. */
    assert_int_equal(http_listen("localhost", 0, &fd, &got, err, sizeof(err)), STET_EIO);
    assert_non_null(strstr(err, "localhost"));
    http_server_stop(NULL);
}

static void test_ipv6(void **state)
{
    (void)state;
    struct http_server *v6 = NULL;
    uint16_t v6_port;
    if (start("::1", 2, &v6, &v6_port) != 0)
        skip(); /* no IPv6 loopback in this sandbox */
    char url[128];
    snprintf(url, sizeof(url), "http://[::1]:%u/six", (unsigned)v6_port);
    struct reply r;
    memset(&r, 0, sizeof(r));
    CURL *c = easy();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "GET /six q= body=0 h=- peer=::1");
    curl_easy_cleanup(c);
    /* A taken IPv6 port is named in brackets, as server.listen writes it. */
    char err[256], want[96];
    int fd = -1;
    uint16_t got = 0;
    assert_int_equal(http_listen("::1", v6_port, &fd, &got, err, sizeof(err)), STET_EIO);
    snprintf(want, sizeof(want), "cannot listen on [::1]:%u: ", (unsigned)v6_port);
    assert_non_null(strstr(err, want));
    http_server_stop(v6);
}

static void test_graceful_stop(void **state)
{
    (void)state;
    seen.slow_entered = false;
    struct bg_post p = {"/slow", {0}, CURLE_OK};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, post_thread, &p), 0);
    assert_true(wait_flag(&seen.slow_entered));
    http_server_stop(srv);
    srv = NULL;
    pthread_join(t, NULL);
    assert_int_equal(p.rc, CURLE_OK);
    assert_int_equal(p.r.status, 200);
    assert_string_equal(p.r.body, "slow done");
    struct done_entry d;
    assert_true(done_find(p.r.req_id, &d));
    assert_int_equal(d.status, 200);

    /* Nothing listens any more. */
    struct reply r;
    CURL *c = easy();
    assert_int_not_equal(perform(c, "/a", &r), CURLE_OK);
    curl_easy_cleanup(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_post_body),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_chunked_too_large),
        cmocka_unit_test(test_header_too_large),
        cmocka_unit_test(test_path_too_long),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_no_answer_is_500),
        cmocka_unit_test(test_slow_post_does_not_block_get),
        cmocka_unit_test(test_bind_errors),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_graceful_stop),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
