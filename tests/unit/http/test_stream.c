/* Streaming responses over real sockets (libcurl and plain sockets): park and wake,
 * end of stream, a client that leaves, wakes racing the producer, a thousand parked
 * streams beside ordinary requests, HEAD and worker-dispatched streams, and a stop
 * with streams open. Waits have deadlines only to break deadlocks, and a wait that
 * reaches its deadline fails; nothing asserts on timing except that a stop does not
 * wait out the grace period for streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/limits.h"
#include "http/server.h"
#include "http/stream.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SUBS   1100
#define N_MANY     1000
#define N_STOP     50
#define DEADLINE_S 20

/* One subscriber as an owner would keep it; `hub.mu` plays the owner's lock, held
 * around produce, done and every wake, as stream.h asks. */
struct sub {
    struct http_stream *s; /* NULL until answered and again once done */
    int available;         /* highest message number ready to send */
    int sent;              /* highest message number produced */
    bool end;              /* produce -1 once everything is sent */
    bool jitter;           /* pause before answering "nothing", to race wakes */
    int n_produce;
    int n_done;
    int n_raced; /* a message arrived while produce was saying "nothing" */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sub subs[MAX_SUBS];
} hub = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {{0}}};

static struct http_server *srv;
static uint16_t port;

static void deadline_in(struct timespec *dl, int s)
{
    clock_gettime(CLOCK_REALTIME, dl);
    dl->tv_sec += s;
}

static ssize_t produce(void *ctx, char *buf, size_t max)
{
    struct sub *u = ctx;
    pthread_mutex_lock(&hub.mu);
    u->n_produce++;
    /* Tests wait for the producer to have been asked (wait_sub); without this they
     * would sleep until their deadline and pass without having seen it happen. */
    pthread_cond_broadcast(&hub.cv);
    ssize_t n = 0;
    if (u->sent < u->available) {
        u->sent++;
        n = snprintf(buf, max, "data: %d\n\n", u->sent);
    } else if (u->end) {
        n = -1;
    }
    bool jitter = u->jitter;
    int seen = u->available;
    pthread_mutex_unlock(&hub.mu);
    if (n == 0 && jitter) {
        /* Widen the window in which a wake finds the stream busy, not parked. */
        struct timespec ts = {0, (long)(rand() % 300) * 1000};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&hub.mu);
        if (u->available != seen)
            u->n_raced++;
        pthread_mutex_unlock(&hub.mu);
    }
    return n;
}

static void stream_done(void *ctx)
{
    struct sub *u = ctx;
    pthread_mutex_lock(&hub.mu);
    u->n_done++;
    u->s = NULL;
    pthread_cond_broadcast(&hub.cv);
    pthread_mutex_unlock(&hub.mu);
}

static void dispatch(struct req *req)
{
    struct str q = req->query;
    int64_t i;
    if (str_eq_cstr(req->path, "/sse") && q.len > 2 && memcmp(q.ptr, "i=", 2) == 0 &&
        str_to_i64((struct str){q.ptr + 2, q.len - 2}, 0, MAX_SUBS - 1, &i) == 0) {
        resp_add_header(req, "X-Before", "1");
        pthread_mutex_lock(&hub.mu);
        struct sub *u = &hub.subs[i];
        u->s = resp_stream(req, "text/event-stream", produce, stream_done, u);
        pthread_cond_broadcast(&hub.cv);
        pthread_mutex_unlock(&hub.mu);
        resp_add_header(req, "X-After", "1");
        return;
    }
    resp_set(req, 200, "text/plain", "ok", 2);
}

static void reset_sub(int i, int available)
{
    pthread_mutex_lock(&hub.mu);
    memset(&hub.subs[i], 0, sizeof(hub.subs[i]));
    hub.subs[i].available = available;
    pthread_mutex_unlock(&hub.mu);
}

/* The owner's side: publish a message and wake the stream if it is still open. */
static void publish(int i, int available, bool end)
{
    pthread_mutex_lock(&hub.mu);
    struct sub *u = &hub.subs[i];
    u->available = available;
    u->end = end;
    if (u->s != NULL)
        http_stream_wake(u->s);
    pthread_mutex_unlock(&hub.mu);
}

static void wake(int i)
{
    pthread_mutex_lock(&hub.mu);
    if (hub.subs[i].s != NULL)
        http_stream_wake(hub.subs[i].s);
    pthread_mutex_unlock(&hub.mu);
}

/* Copies sub i once `ok` holds for it. False when the deadline passed first: every
 * change a test waits for is signalled on hub.cv, so reaching the deadline means a
 * lost signal or a hang, even if the condition holds by then. */
static bool wait_sub(int i, bool (*ok)(const struct sub *), struct sub *out)
{
    struct timespec dl;
    deadline_in(&dl, DEADLINE_S);
    pthread_mutex_lock(&hub.mu);
    bool r = true;
    while (r && !ok(&hub.subs[i]))
        r = pthread_cond_timedwait(&hub.cv, &hub.mu, &dl) == 0;
    *out = hub.subs[i];
    pthread_mutex_unlock(&hub.mu);
    return r;
}

static bool is_done(const struct sub *u)
{
    return u->n_done > 0;
}

static bool is_open(const struct sub *u)
{
    return u->s != NULL;
}

static long vm_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* A plain client connection and what it has read but not yet consumed. */
struct conn {
    int fd;
    size_t len;
    char buf[1024];
};

static int conn_open(struct conn *c, uint16_t p, const char *method, const char *path)
{
    c->len = 0;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(p);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
        return -1;
    char rq[256];
    int n = snprintf(rq, sizeof(rq), "%s %s HTTP/1.1\r\nHost: t\r\n\r\n", method, path);
    return send(c->fd, rq, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* Reads until `marker` has arrived, consuming everything up to its end. False on
 * EOF, error or the deadline. */
static bool conn_read_until(struct conn *c, const char *marker)
{
    size_t mlen = strlen(marker);
    time_t end = time(NULL) + DEADLINE_S;
    for (;;) {
        char *hit = memmem(c->buf, c->len, marker, mlen);
        if (hit != NULL) {
            size_t used = (size_t)(hit - c->buf) + mlen;
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            return true;
        }
        if (c->len == sizeof(c->buf)) {
            /* Keep the tail that could begin the marker. */
            memmove(c->buf, c->buf + c->len - mlen, mlen);
            c->len = mlen;
        }
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int left = (int)(end - time(NULL));
        if (left <= 0 || poll(&pfd, 1, left * 1000) <= 0)
            return false;
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (n <= 0)
            return false;
        c->len += (size_t)n;
    }
}

/* True when the server closes the connection (after any bytes) before the deadline. */
static bool conn_read_eof(struct conn *c)
{
    time_t end = time(NULL) + DEADLINE_S;
    for (;;) {
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int left = (int)(end - time(NULL));
        if (left <= 0 || poll(&pfd, 1, left * 1000) <= 0)
            return false;
        char tmp[512];
        ssize_t n = recv(c->fd, tmp, sizeof(tmp), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return true;
        if (n < 0)
            return false;
    }
}

static int start_server(struct http_server **out, uint16_t *out_port, unsigned n_io)
{
    char err[256];
    int fd;
    if (http_listen("127.0.0.1", 0, &fd, out_port, err, sizeof(err)) != 0)
        return -1;
    struct http_server_config cfg = {.listen_fd = fd,
                                     .n_io_threads = n_io,
                                     .n_read_workers = 1,
                                     .n_write_workers = 2,
                                     .dispatch = dispatch};
    return http_server_start(&cfg, out) == 0 ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    /* Room for both ends of N_MANY connections in this one process. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return start_server(&srv, &port, 2);
}

static int group_teardown(void **state)
{
    (void)state;
    http_server_stop(srv);
    curl_global_cleanup();
    return 0;
}

/* ---- libcurl: park, wake, end ---- */

struct capture {
    pthread_mutex_t mu;
    char body[4096];
    size_t len;
    char headers[4096];
    size_t hlen;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct capture *c = ud;
    size_t len = size * n;
    pthread_mutex_lock(&hub.mu);
    size_t room = sizeof(c->body) - 1 - c->len;
    size_t take = len < room ? len : room;
    memcpy(c->body + c->len, p, take);
    c->len += take;
    c->body[c->len] = '\0';
    pthread_cond_broadcast(&hub.cv);
    pthread_mutex_unlock(&hub.mu);
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct capture *c = ud;
    size_t len = size * n;
    size_t room = sizeof(c->headers) - 1 - c->hlen;
    size_t take = len < room ? len : room;
    for (size_t i = 0; i < take; i++) /* lower-case for easy matching */
        c->headers[c->hlen + i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] - 'A' + 'a') : p[i];
    c->hlen += take;
    c->headers[c->hlen] = '\0';
    return len;
}

struct curl_job {
    const char *path;
    bool head;
    bool post;
    struct capture cap;
    CURLcode rc;
    long status;
};

static void *curl_thread(void *arg)
{
    struct curl_job *j = arg;
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)port, j->path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &j->cap);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &j->cap);
    if (j->head)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (j->post)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
    j->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &j->status);
    curl_easy_cleanup(c);
    return NULL;
}

static bool body_has(struct capture *c, const char *want)
{
    struct timespec dl;
    deadline_in(&dl, DEADLINE_S);
    pthread_mutex_lock(&hub.mu);
    bool ok = true; /* false once the deadline passed, as in wait_sub */
    while (ok && strstr(c->body, want) == NULL)
        ok = pthread_cond_timedwait(&hub.cv, &hub.mu, &dl) == 0;
    pthread_mutex_unlock(&hub.mu);
    return ok;
}

static bool produced_twice(const struct sub *u)
{
    return u->n_produce >= 2;
}

static void test_park_wake_end(void **state)
{
    (void)state;
    struct sub u;
    reset_sub(0, 1);
    struct curl_job *j = calloc(1, sizeof(*j));
    j->path = "/sse?i=0";
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, curl_thread, j), 0);

    /* The first message arrives on its own, 9 bytes, while the stream is parked:
     * nothing waits for a fuller buffer. */
    assert_true(body_has(&j->cap, "data: 1\n\n"));
    assert_true(wait_sub(0, produced_twice, &u));
    assert_int_equal(u.sent, 1);
    assert_int_equal(u.n_done, 0);

    /* Woken from this thread, the producer runs again. */
    publish(0, 2, false);
    assert_true(body_has(&j->cap, "data: 2\n\n"));

    /* Three messages in one wake all arrive, then the producer ends the stream. */
    publish(0, 5, true);
    pthread_join(t, NULL);
    assert_int_equal(j->rc, CURLE_OK);
    assert_int_equal(j->status, 200);
    assert_string_equal(j->cap.body, "data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\n");
    assert_non_null(strstr(j->cap.headers, "content-type: text/event-stream\r\n"));
    assert_non_null(strstr(j->cap.headers, "cache-control: no-cache\r\n"));
    assert_non_null(strstr(j->cap.headers, "x-accel-buffering: no\r\n"));
    assert_non_null(strstr(j->cap.headers, "transfer-encoding: chunked\r\n"));
    assert_non_null(strstr(j->cap.headers, "x-before: 1\r\n"));
    assert_non_null(strstr(j->cap.headers, "x-after: 1\r\n"));
    assert_true(wait_sub(0, is_done, &u));
    assert_int_equal(u.n_done, 1);
    assert_null(u.s);
    free(j);
}

static void test_head_and_post(void **state)
{
    (void)state;
    struct sub u;

    /* HEAD: headers only; done runs without the producer ever being asked. */
    reset_sub(1, 1);
    struct curl_job *j = calloc(1, sizeof(*j));
    j->path = "/sse?i=1";
    j->head = true;
    curl_thread(j);
    assert_int_equal(j->rc, CURLE_OK);
    assert_int_equal(j->status, 200);
    assert_non_null(strstr(j->cap.headers, "content-type: text/event-stream\r\n"));
    assert_true(wait_sub(1, is_done, &u));
    assert_int_equal(u.n_done, 1);
    assert_int_equal(u.n_produce, 0);
    free(j);

    /* A POST is dispatched on a worker thread; its stream works the same. */
    reset_sub(2, 1);
    j = calloc(1, sizeof(*j));
    j->path = "/sse?i=2";
    j->post = true;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, curl_thread, j), 0);
    assert_true(body_has(&j->cap, "data: 1\n\n"));
    publish(2, 2, true);
    pthread_join(t, NULL);
    assert_int_equal(j->rc, CURLE_OK);
    assert_string_equal(j->cap.body, "data: 1\n\ndata: 2\n\n");
    assert_true(wait_sub(2, is_done, &u));
    assert_int_equal(u.n_done, 1);
    free(j);
}

/* ---- plain sockets ---- */

static void test_client_disconnect(void **state)
{
    (void)state;
    struct sub u;
    struct conn c;
    reset_sub(3, 1);
    assert_int_equal(conn_open(&c, port, "GET", "/sse?i=3"), 0);
    assert_true(conn_read_until(&c, "\r\n\r\n"));
    assert_true(conn_read_until(&c, "data: 1\n\n"));
    assert_true(wait_sub(3, produced_twice, &u));
    conn_close(&c);

    /* A parked connection is out of the event loop; the next wake notices the
     * client has gone. Waking again until then is the owner's heartbeat. */
    struct timespec dl;
    deadline_in(&dl, DEADLINE_S);
    for (;;) {
        wake(3);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        pthread_mutex_lock(&hub.mu);
        struct timespec step = now;
        step.tv_nsec += 100 * 1000 * 1000;
        if (step.tv_nsec >= 1000000000) {
            step.tv_sec++;
            step.tv_nsec -= 1000000000;
        }
        if (hub.subs[3].n_done == 0)
            pthread_cond_timedwait(&hub.cv, &hub.mu, &step);
        int n_done = hub.subs[3].n_done;
        pthread_mutex_unlock(&hub.mu);
        if (n_done > 0 || now.tv_sec > dl.tv_sec)
            break;
    }
    /* Once more to see no second done: a request after it round-trips the server. */
    struct conn c2;
    assert_int_equal(conn_open(&c2, port, "GET", "/plain"), 0);
    assert_true(conn_read_until(&c2, "ok"));
    conn_close(&c2);
    assert_true(wait_sub(3, is_done, &u));
    assert_int_equal(u.n_done, 1);
    assert_int_equal(u.sent, 1);
}

static void test_wake_races_produce(void **state)
{
    (void)state;
    struct sub u;
    struct conn c;
    reset_sub(4, 1);
    pthread_mutex_lock(&hub.mu);
    hub.subs[4].jitter = true;
    pthread_mutex_unlock(&hub.mu);
    srand(42);
    assert_int_equal(conn_open(&c, port, "GET", "/sse?i=4"), 0);
    assert_true(conn_read_until(&c, "data: 1\n\n"));
    for (int k = 2; k <= 201; k++) {
        /* Publish at a random moment while the producer may be between "nothing"
         * and parking; a lost wake would leave this read waiting forever. */
        struct timespec ts = {0, (long)(rand() % 300) * 1000};
        nanosleep(&ts, NULL);
        publish(4, k, false);
        char want[32];
        snprintf(want, sizeof(want), "data: %d\n\n", k);
        assert_true(conn_read_until(&c, want));
    }
    publish(4, 201, true);
    assert_true(conn_read_until(&c, "0\r\n\r\n"));
    assert_true(wait_sub(4, is_done, &u));
    conn_close(&c);
    assert_int_equal(u.n_done, 1);
    assert_int_equal(u.sent, 201);
    /* Informational: how often a wake hit the producer mid-call (the racy case). */
    printf("# wake races: %d of 200 messages arrived while produce said nothing\n", u.n_raced);
}

static void test_many_parked_streams(void **state)
{
    (void)state;
    struct conn *cs = calloc(N_MANY, sizeof(*cs));
    assert_non_null(cs);
    const int base = 50;
    for (int i = 0; i < N_MANY; i++)
        reset_sub(base + i, 1);
    long rss_before = vm_rss_kib();
    struct mallinfo2 mi_before = mallinfo2();

    for (int i = 0; i < N_MANY; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/sse?i=%d", base + i);
        assert_int_equal(conn_open(&cs[i], port, "GET", path), 0);
    }
    for (int i = 0; i < N_MANY; i++)
        assert_true(conn_read_until(&cs[i], "data: 1\n\n"));
    for (int i = 0; i < N_MANY; i++) {
        struct sub u;
        assert_true(wait_sub(base + i, produced_twice, &u));
    }
    long rss_parked = vm_rss_kib();
    struct mallinfo2 mi_parked = mallinfo2();
    printf("# VmRSS: %ld kB before, %ld kB with %d parked streams (both ends in this "
           "process), %.1f kB per stream; malloc'd %.1f KiB per stream\n",
           rss_before, rss_parked, N_MANY, (double)(rss_parked - rss_before) / N_MANY,
           ((double)mi_parked.uordblks - (double)mi_before.uordblks) / 1024.0 / N_MANY);

    /* Ordinary requests on the same server are still answered. */
    for (int k = 0; k < 20; k++) {
        struct conn g;
        assert_int_equal(conn_open(&g, port, "GET", "/plain"), 0);
        assert_true(conn_read_until(&g, "\r\n\r\nok"));
        conn_close(&g);
    }
    CURL *cu = curl_easy_init();
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/plain", (unsigned)port);
    curl_easy_setopt(cu, CURLOPT_URL, url);
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(cu, CURLOPT_NOBODY, 1L);
    assert_int_equal(curl_easy_perform(cu), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 200);
    curl_easy_cleanup(cu);

    /* Every stream is woken and gets its next message, then ends. */
    for (int i = 0; i < N_MANY; i++)
        publish(base + i, 2, false);
    for (int i = 0; i < N_MANY; i++)
        assert_true(conn_read_until(&cs[i], "data: 2\n\n"));
    for (int i = 0; i < N_MANY; i++)
        publish(base + i, 2, true);
    for (int i = 0; i < N_MANY; i++)
        assert_true(conn_read_until(&cs[i], "0\r\n\r\n"));
    for (int i = 0; i < N_MANY; i++) {
        struct sub u;
        assert_true(wait_sub(base + i, is_done, &u));
        assert_int_equal(u.n_done, 1);
        assert_int_equal(u.sent, 2);
        conn_close(&cs[i]);
    }
    free(cs);
}

static void test_stop_with_parked_streams(void **state)
{
    (void)state;
    struct http_server *s2 = NULL;
    uint16_t p2 = 0;
    assert_int_equal(start_server(&s2, &p2, 3), 0);
    struct conn cs[N_STOP];
    const int base = 1050;
    for (int i = 0; i < N_STOP; i++) {
        reset_sub(base + i, 1);
        char path[64];
        snprintf(path, sizeof(path), "/sse?i=%d", base + i);
        assert_int_equal(conn_open(&cs[i], p2, "GET", path), 0);
    }
    for (int i = 0; i < N_STOP; i++)
        assert_true(conn_read_until(&cs[i], "data: 1\n\n"));
    for (int i = 0; i < N_STOP; i++) {
        struct sub u;
        assert_true(wait_sub(base + i, produced_twice, &u));
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    http_server_stop(s2);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* Streams are not in-flight requests: the grace period is not waited out. */
    assert_true(t1.tv_sec - t0.tv_sec < HTTP_SHUTDOWN_GRACE_S);

    pthread_mutex_lock(&hub.mu);
    int n_done_once = 0;
    for (int i = 0; i < N_STOP; i++)
        n_done_once += hub.subs[base + i].n_done == 1 && hub.subs[base + i].s == NULL;
    pthread_mutex_unlock(&hub.mu);
    assert_int_equal(n_done_once, N_STOP);
    for (int i = 0; i < N_STOP; i++) {
        assert_true(conn_read_eof(&cs[i]));
        conn_close(&cs[i]);
    }
}

static void test_stream_while_open_is_listed(void **state)
{
    (void)state;
    /* The owner's handle is live between resp_stream and done. */
    struct sub u;
    struct conn c;
    reset_sub(5, 0);
    assert_int_equal(conn_open(&c, port, "GET", "/sse?i=5"), 0);
    assert_true(wait_sub(5, is_open, &u));
    assert_true(conn_read_until(&c, "\r\n\r\n")); /* head sent, nothing produced yet */
    publish(5, 0, true);
    assert_true(conn_read_until(&c, "0\r\n\r\n"));
    assert_true(wait_sub(5, is_done, &u));
    assert_int_equal(u.n_done, 1);
    assert_int_equal(u.sent, 0);
    conn_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_park_wake_end),
        cmocka_unit_test(test_head_and_post),
        cmocka_unit_test(test_client_disconnect),
        cmocka_unit_test(test_wake_races_produce),
        cmocka_unit_test(test_stream_while_open_is_listed),
        cmocka_unit_test(test_many_parked_streams),
        cmocka_unit_test(test_stop_with_parked_streams),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
