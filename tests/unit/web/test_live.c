/* The live-comments hub over real sockets, on a SQLite file shared by a writer
 * connection (the test) and the hub's own connection, whose comment_events the
 * test can hold or fail. Each test fixes an interleaving by hand: which snapshot
 * a subscribing request saw, which commits were published, when the hub may read.
 * Checked: every event arrives once and in order (a stream that subscribes between
 * another request's snapshot and the channel's creation included), catch-up past
 * the ring and past the ring's byte cap, recovery from a failed read, and streams
 * ending while the hub reads for them. Also the event types: a moderation change
 * (made here in SQL, as moderation will: the comment takes the story's next number
 * in the change's transaction) arrives as "updated" or "removed", a removed
 * comment's data is its id alone, and a stream that resumes from before a change,
 * from the ring or from the database, hears only the comment's latest event. Waits
 * have deadlines only to break hangs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/server.h"
#include "test_store.h"
#include "web/live.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_S 20
#define MAX_SEQ    512

/* ---- the hub's store: comment_events as the test lets it run ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n_calls;
    int64_t after; /* the calls below are those reading after this number; -1: all */
    int n_fail;    /* such calls still to fail with STET_EIO */
    bool hold;     /* such calls wait while set */
    int n_held;    /* calls waiting now */
    int max_limit; /* the most rows any call asked for */
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, -1, 0, false, 0, 0};

static struct store_ops hub_ops;
static int (*real_comment_events)(struct arena *, struct store *, int64_t, int64_t, int,
                                  struct comment **, size_t *);

static int gated_comment_events(struct arena *a, struct store *st, int64_t story_id,
                                int64_t after_seq, int limit, struct comment **out, size_t *n)
{
    pthread_mutex_lock(&gate.mu);
    gate.n_calls++;
    if (limit > gate.max_limit)
        gate.max_limit = limit;
    bool chosen = gate.after < 0 || after_seq == gate.after;
    if (chosen && gate.hold) {
        gate.n_held++;
        pthread_cond_broadcast(&gate.cv);
        while (gate.hold)
            pthread_cond_wait(&gate.cv, &gate.mu);
        gate.n_held--;
    }
    bool fail = chosen && gate.n_fail > 0;
    if (fail)
        gate.n_fail--;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
    if (fail)
        return STET_EIO;
    return real_comment_events(a, st, story_id, after_seq, limit, out, n);
}

static void gate_set(int64_t after, bool hold, int n_fail)
{
    pthread_mutex_lock(&gate.mu);
    gate.after = after;
    gate.hold = hold;
    gate.n_fail = n_fail;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
}

static bool is_held(void)
{
    return gate.n_held > 0;
}

static bool has_failed(void)
{
    return gate.n_fail == 0;
}

/* Waits until `done` holds for the gate (a hub query held, the failures spent). */
static bool gate_wait(bool (*done)(void))
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += DEADLINE_S;
    pthread_mutex_lock(&gate.mu);
    bool ok = true;
    while (ok && !done())
        ok = pthread_cond_timedwait(&gate.cv, &gate.mu, &dl) == 0;
    pthread_mutex_unlock(&gate.mu);
    return ok;
}

/* ---- the database and its stories ---- */

static char db_dir[64];
static char db_url[128];
static struct store *writer; /* the test's connection: commits comments */
static int64_t author_id;

struct tstory {
    int64_t id;
    int64_t n;                        /* events committed */
    int64_t cid[MAX_SEQ + 1];         /* comment id by event number */
    const char *type[MAX_SEQ + 1];    /* event type by number; NULL: "comment" */
    const char *content[MAX_SEQ + 1]; /* text its data must hold, or NULL */
};

static void story_new(struct tstory *s, const char *slug)
{
    memset(s, 0, sizeof(*s));
    struct story st = {.slug = slug,
                       .title = slug,
                       .byline = "",
                       .body_src = "b",
                       .body_html = "<p>b</p>",
                       .published_at = 1,
                       .created_at = 1,
                       .comments_open = true};
    assert_int_equal(store_story_insert(writer, &st, &s->id), 0);
}

/* Commits one visible comment whose HTML is `html_len` bytes; publishes it to `lv`
 * unless NULL (as if its news were lost or late). */
static void commit(struct live *lv, struct tstory *s, size_t html_len)
{
    char *html = malloc(html_len + 1);
    memset(html, 'x', html_len);
    html[html_len] = '\0';
    struct comment c = {.story_id = s->id,
                        .author_id = author_id,
                        .body_src = "x",
                        .body_html = html,
                        .created_at = 1,
                        .status = COMMENT_VISIBLE};
    int64_t id, seq;
    assert_int_equal(store_comment_insert(writer, &c, &id, &seq), 0);
    free(html);
    assert_int_equal(seq, s->n + 1);
    assert_true(seq <= MAX_SEQ);
    s->n = seq;
    s->cid[seq] = id;
    if (lv != NULL)
        live_publish(lv, s->id, seq);
}

/* Changes comment `cid` as a moderator would, in one transaction: `set` (SQL
 * assignments) on its row, which takes the story's next event number; then
 * publishes the number. The event must arrive as `type`, its data holding
 * `content` (NULL: anything). */
static void moderate(struct live *hub, struct tstory *s, int64_t cid, const char *set,
                     const char *type, const char *content)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "BEGIN; UPDATE stories SET event_seq = event_seq + 1, content_version = "
             "content_version + 1 WHERE id = %lld; UPDATE comments SET %s, event_seq = "
             "(SELECT event_seq FROM stories WHERE id = %lld) WHERE id = %lld; COMMIT;",
             (long long)s->id, set, (long long)s->id, (long long)cid);
    assert_int_equal(store_exec_sql(writer, sql), 0);
    s->n++;
    assert_true(s->n <= MAX_SEQ);
    s->cid[s->n] = cid;
    s->type[s->n] = type;
    s->content[s->n] = content;
    live_publish(hub, s->id, s->n);
}

/* ---- the server: GET /events?story=ID&snap=SEQ&after=SEQ subscribes as a request
 * whose story snapshot said SEQ ---- */

static struct live *lv;

static void dispatch(struct req *req)
{
    char q[128];
    long long id, snap, after;
    int len = req->query.len < sizeof(q) ? (int)req->query.len : (int)sizeof(q) - 1;
    memcpy(q, req->query.ptr, (size_t)len);
    q[len] = '\0';
    if (sscanf(q, "story=%lld&snap=%lld&after=%lld", &id, &snap, &after) != 3) {
        resp_set(req, 400, "text/plain", "bad", 3);
        return;
    }
    struct story st = {.id = id, .event_seq = snap};
    live_subscribe(lv, req, &st, after);
}

struct fixture {
    struct http_server *srv;
    uint16_t port;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct store *hub_st;
    if (store_open(db_url, &hub_st) != 0)
        return -1;
    real_comment_events = hub_st->ops->comment_events;
    test_store_patch(hub_st, &hub_ops)->comment_events = gated_comment_events;
    gate_set(-1, false, 0);
    lv = live_new_on(hub_st);
    char err[256];
    int fd;
    if (lv == NULL || http_listen("127.0.0.1", 0, &fd, &f->port, err, sizeof(err)) != 0)
        return -1;
    struct http_server_config cfg = {.listen_fd = fd,
                                     .n_io_threads = 2,
                                     .n_read_workers = 1,
                                     .n_write_workers = 1,
                                     .dispatch = dispatch};
    if (http_server_start(&cfg, &f->srv) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    gate_set(-1, false, 0);
    http_server_stop(f->srv);
    assert_int_equal(live_n_streams(lv), 0);
    live_free(lv);
    lv = NULL;
    free(f);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(db_dir, sizeof(db_dir), "/tmp/stet-test-live-XXXXXX");
    if (mkdtemp(db_dir) == NULL)
        return -1;
    snprintf(db_url, sizeof(db_url), "sqlite:%s/t.db", db_dir);
    int applied;
    if (store_open(db_url, &writer) != 0 || store_migrate(writer, &applied) != 0)
        return -1;
    struct user u = {
        .username = "writer", .display_name = "W", .email = "w@example.com", .created_at = 1};
    return store_user_insert(writer, &u, "hash", &author_id);
}

static int group_teardown(void **state)
{
    (void)state;
    store_close(writer);
    char path[160];
    const char *files[] = {"t.db", "t.db-wal", "t.db-shm"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", db_dir, files[i]);
        unlink(path);
    }
    rmdir(db_dir);
    return 0;
}

/* ---- a Server-Sent Events client on a plain socket ---- */

struct client {
    int fd;
    bool head_done;
    char *raw; /* bytes not yet decoded from the chunked body */
    size_t raw_len, raw_cap;
    char *body; /* decoded bytes not yet parsed into events */
    size_t body_len, body_cap;
};

static void grow(char **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    while (*cap < need)
        *cap = *cap ? *cap * 2 : 4096;
    *p = realloc(*p, *cap);
    assert_non_null(*p);
}

/* Connects and asks for a stream; rcvbuf > 0 shrinks the socket's receive buffer so
 * that a client that does not read stops the server soon. */
static void client_open(struct client *c, uint16_t port, const struct tstory *s, int64_t snap,
                        int64_t after, int rcvbuf)
{
    memset(c, 0, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(c->fd >= 0);
    if (rcvbuf > 0)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    char rq[256];
    int n = snprintf(rq, sizeof(rq),
                     "GET /events?story=%lld&snap=%lld&after=%lld HTTP/1.1\r\nHost: t\r\n\r\n",
                     (long long)s->id, (long long)snap, (long long)after);
    assert_int_equal(send(c->fd, rq, (size_t)n, MSG_NOSIGNAL), n);
}

static void client_close(struct client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->raw);
    free(c->body);
    c->raw = c->body = NULL;
}

static size_t hex_prefix(const char *p, const char *end)
{
    size_t v = 0;
    for (; p < end; p++) {
        int d = *p >= '0' && *p <= '9'   ? *p - '0'
                : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                         : -1;
        if (d < 0)
            break;
        assert_true(v < ((size_t)1 << 40));
        v = v * 16 + (size_t)d;
    }
    return v;
}

/* Moves complete chunks from raw to body. */
static void decode(struct client *c)
{
    if (!c->head_done) {
        char *end = memmem(c->raw, c->raw_len, "\r\n\r\n", 4);
        if (end == NULL)
            return;
        assert_memory_equal(c->raw, "HTTP/1.1 200", 12);
        size_t used = (size_t)(end - c->raw) + 4;
        memmove(c->raw, c->raw + used, c->raw_len - used);
        c->raw_len -= used;
        c->head_done = true;
    }
    for (;;) {
        char *nl = memmem(c->raw, c->raw_len, "\r\n", 2);
        if (nl == NULL)
            return;
        size_t size = hex_prefix(c->raw, nl);
        size_t line = (size_t)(nl - c->raw) + 2;
        assert_true(size > 0); /* the stream never ends by itself */
        if (c->raw_len < line + size + 2)
            return;
        grow(&c->body, &c->body_cap, c->body_len + size);
        memcpy(c->body + c->body_len, c->raw + line, size);
        c->body_len += size;
        memmove(c->raw, c->raw + line + size + 2, c->raw_len - line - size - 2);
        c->raw_len -= line + size + 2;
    }
}

/* Takes the next whole event block from body: its id, and checks its type and data
 * are those of the comment's change with that number (a removed comment's data is
 * its id and nothing else). False when no whole event is there yet. Comments and
 * the retry line are skipped. */
static bool take_event(struct client *c, const struct tstory *s, int64_t *id)
{
    for (;;) {
        char *end = c->body_len > 0 ? memmem(c->body, c->body_len, "\n\n", 2) : NULL;
        if (end == NULL)
            return false;
        size_t len = (size_t)(end - c->body) + 2;
        bool found = false;
        if (c->body_len > 4 && memcmp(c->body, "id: ", 4) == 0) {
            long long seq = 0, cid = 0;
            char type[16];
            int data_at = 0;
            *end = '\0';
            assert_int_equal(
                sscanf(c->body, "id: %lld\nevent: %15[a-z]\ndata: %n", &seq, type, &data_at), 2);
            assert_true(data_at > 0 && seq >= 1 && seq <= s->n);
            const char *data = c->body + data_at;
            assert_string_equal(type, s->type[seq] != NULL ? s->type[seq] : "comment");
            assert_int_equal(sscanf(data, "{\"id\":%lld", &cid), 1);
            assert_int_equal(cid, s->cid[seq]);
            if (strcmp(type, "removed") == 0) {
                char only_id[48];
                snprintf(only_id, sizeof(only_id), "{\"id\":%lld}", cid);
                assert_string_equal(data, only_id);
            }
            /* Nothing of a deleted comment's author or text ever leaves. */
            if (strstr(data, "\"status\":\"deleted\"") != NULL &&
                (strstr(data, "body_html") != NULL || strstr(data, "author") != NULL))
                fail_msg("event %lld tells of a deleted comment: %s", seq, data);
            if (s->content[seq] != NULL && strstr(data, s->content[seq]) == NULL)
                fail_msg("event %lld lacks %s: %s", seq, s->content[seq], data);
            *id = seq;
            found = true;
        }
        memmove(c->body, c->body + len, c->body_len - len);
        c->body_len -= len;
        if (found)
            return true;
    }
}

/* Reads events until the one numbered `last`, appending their numbers to ids. */
static bool read_until(struct client *c, const struct tstory *s, int64_t last, int64_t *ids,
                       size_t *n)
{
    time_t end = time(NULL) + DEADLINE_S;
    for (;;) {
        int64_t id;
        while (take_event(c, s, &id)) {
            assert_true(*n < MAX_SEQ);
            ids[(*n)++] = id;
            if (id == last)
                return true;
        }
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int left = (int)(end - time(NULL));
        if (left <= 0 || poll(&pfd, 1, left * 1000) <= 0)
            return false;
        grow(&c->raw, &c->raw_cap, c->raw_len + 65536);
        ssize_t got = recv(c->fd, c->raw + c->raw_len, 65536, 0);
        if (got <= 0)
            return false;
        c->raw_len += (size_t)got;
        decode(c);
    }
}

/* The stream's events must be exactly from+1 .. to, in order. */
static void expect_events(struct client *c, const struct tstory *s, int64_t from, int64_t to)
{
    int64_t *ids = calloc(MAX_SEQ, sizeof(*ids));
    size_t n = 0;
    bool ok = read_until(c, s, to, ids, &n);
    if (!ok || n != (size_t)(to - from)) {
        fprintf(stderr, "# wanted events %lld..%lld, got %zu:", (long long)from + 1, (long long)to,
                n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %lld", (long long)ids[i]);
        fprintf(stderr, "%s\n", ok ? "" : " (then nothing)");
    }
    assert_true(ok);
    assert_int_equal(n, (size_t)(to - from));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ids[i], from + 1 + (int64_t)i);
    free(ids);
}

/* The stream's events must be exactly want[0..n_want), in order: numbers that a
 * later change of the same comment superseded are not among them. */
static void expect_only(struct client *c, const struct tstory *s, const int64_t *want,
                        size_t n_want)
{
    int64_t *ids = calloc(MAX_SEQ, sizeof(*ids));
    size_t n = 0;
    bool ok = read_until(c, s, want[n_want - 1], ids, &n);
    if (!ok || n != n_want) {
        fprintf(stderr, "# wanted %zu events ending with %lld, got %zu:", n_want,
                (long long)want[n_want - 1], n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %lld", (long long)ids[i]);
        fprintf(stderr, "%s\n", ok ? "" : " (then nothing)");
    }
    assert_true(ok);
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ids[i], want[i]);
    free(ids);
}

/* Until the server has answered the subscription (its head arrived). */
static void wait_head(struct client *c)
{
    time_t end = time(NULL) + DEADLINE_S;
    while (!c->head_done) {
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int left = (int)(end - time(NULL));
        assert_true(left > 0 && poll(&pfd, 1, left * 1000) > 0);
        grow(&c->raw, &c->raw_cap, c->raw_len + 4096);
        ssize_t got = recv(c->fd, c->raw + c->raw_len, 4096, 0);
        assert_true(got > 0);
        c->raw_len += (size_t)got;
        decode(c);
    }
}

/* ---- tests ---- */

static void test_subscribe_between_snapshot_and_channel(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "race");
    for (int i = 0; i < 5; i++)
        commit(lv, s, 10);
    /* Request A reads the story now: its snapshot says 5. No stream is open, so no
     * channel exists and the news of 6 and 7 reaches nobody. */
    int64_t snap_a = s->n;
    commit(lv, s, 10);
    commit(lv, s, 10);
    /* Request B, later, saw 7 and creates the channel. */
    struct client b, a;
    client_open(&b, f->port, s, 7, 7, 0);
    wait_head(&b);
    /* Then A subscribes from its own snapshot. */
    client_open(&a, f->port, s, snap_a, snap_a, 0);
    wait_head(&a);
    commit(lv, s, 10);
    expect_events(&a, s, 5, 8);
    expect_events(&b, s, 7, 8);
    client_close(&a);
    client_close(&b);
    free(s);
}

static void test_stale_snapshot_creates_the_channel(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "stale");
    for (int i = 0; i < 3; i++)
        commit(NULL, s, 10);
    /* The first request's snapshot is older than the database: the channel starts
     * there and must still fetch what it missed, for this stream and a newer one. */
    struct client a, b;
    client_open(&a, f->port, s, 1, 1, 0);
    wait_head(&a);
    client_open(&b, f->port, s, 3, 3, 0);
    wait_head(&b);
    commit(lv, s, 10);
    expect_events(&a, s, 1, 4);
    expect_events(&b, s, 3, 4);
    client_close(&a);
    client_close(&b);
    free(s);
}

struct writer_job {
    struct tstory *s;
    int n;
};

static void *write_more(void *arg)
{
    struct writer_job *j = arg;
    for (int i = 0; i < j->n; i++)
        commit(lv, j->s, 100);
    return NULL;
}

static void test_catch_up_past_the_ring_while_posting(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "long");
    const int before = LIVE_RING + 60, during = 60;
    /* One stream keeps the channel and its ring (the newest LIVE_RING) alive. */
    struct client live;
    client_open(&live, f->port, s, 0, 0, 0);
    wait_head(&live);
    for (int i = 0; i < before; i++)
        commit(lv, s, 100);
    expect_events(&live, s, 0, before);
    /* From the start (all from the database, then the ring), from inside the ring,
     * and from the end, while more comments are posted. */
    struct client from0, mid, end;
    client_open(&from0, f->port, s, before, 0, 0);
    client_open(&mid, f->port, s, before, before - 100, 0);
    client_open(&end, f->port, s, before, before, 0);
    struct writer_job job = {s, during};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, write_more, &job), 0);
    pthread_join(t, NULL);
    expect_events(&from0, s, 0, before + during);
    expect_events(&mid, s, before - 100, before + during);
    expect_events(&end, s, before, before + during);
    expect_events(&live, s, before, before + during);
    client_close(&from0);
    client_close(&mid);
    client_close(&end);
    client_close(&live);
    free(s);
}

/* A stream far behind is caught up in batches: no hub query asks for more than
 * LIVE_FETCH_ROWS rows, however many events the stream is missing, and they still
 * arrive exactly once, in order. */
static void test_catch_up_reads_in_bounded_batches(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "batches");
    const int n = 10 * LIVE_FETCH_ROWS;
    for (int i = 0; i < n; i++)
        commit(NULL, s, 100);
    pthread_mutex_lock(&gate.mu);
    gate.n_calls = 0;
    gate.max_limit = 0;
    pthread_mutex_unlock(&gate.mu);
    struct client c;
    client_open(&c, f->port, s, n, 0, 0);
    expect_events(&c, s, 0, n);
    pthread_mutex_lock(&gate.mu);
    int calls = gate.n_calls, max_limit = gate.max_limit;
    pthread_mutex_unlock(&gate.mu);
    assert_true(max_limit > 0 && max_limit <= LIVE_FETCH_ROWS);
    assert_true(calls >= n / LIVE_FETCH_ROWS);
    client_close(&c);
    free(s);
}

static void test_large_events_leave_the_ring(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "large");
    /* Ten events of 200 KB overflow LIVE_RING_BYTES: the ring keeps only the newest,
     * and a stream that had not read them yet gets the older ones from the database,
     * one batch (of one event, each larger than LIVE_STAGE_BYTES) at a time. */
    struct client slow;
    client_open(&slow, f->port, s, 0, 0, 0);
    wait_head(&slow);
    for (int i = 0; i < 10; i++)
        commit(lv, s, 200 * 1024);
    expect_events(&slow, s, 0, 10);
    struct client late;
    client_open(&late, f->port, s, 10, 3, 0);
    commit(lv, s, 10);
    expect_events(&late, s, 3, 11);
    expect_events(&slow, s, 10, 11);
    client_close(&slow);
    client_close(&late);
    free(s);
}

static void test_failed_read_is_retried(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "fail");
    for (int i = 0; i < 5; i++)
        commit(NULL, s, 10);
    /* The catch-up read from 0 fails once; the next news retries it. */
    gate_set(0, false, 1);
    struct client c;
    client_open(&c, f->port, s, 5, 0, 0);
    assert_true(gate_wait(has_failed));
    commit(lv, s, 10);
    expect_events(&c, s, 0, 6);
    client_close(&c);
    free(s);
}

static void test_streams_end_while_the_hub_reads(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "ending");
    for (int i = 0; i < 40; i++)
        commit(NULL, s, 10);
    /* Streams behind the ring wait for a batch; the hub's read of it is held while
     * every stream ends (the server stops), then finishes for nobody. */
    gate_set(0, true, 0);
    struct client c[4];
    for (int i = 0; i < 4; i++)
        client_open(&c[i], f->port, s, 40, i * 5, 0);
    for (int i = 0; i < 4; i++)
        wait_head(&c[i]);
    assert_true(gate_wait(is_held));
    http_server_stop(f->srv);
    f->srv = NULL;
    assert_int_equal(live_n_streams(lv), 0);
    gate_set(-1, false, 0);
    for (int i = 0; i < 4; i++)
        client_close(&c[i]);
    free(s);
}

static void test_streams_that_do_not_read(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "stuck");
    for (int i = 0; i < 30; i++)
        commit(NULL, s, 50 * 1024);
    /* Twenty streams from different positions stop reading at once; a reader beside
     * them still gets everything, and the stuck ones, once they read, get theirs. */
    struct client stuck[20], reader;
    for (int i = 0; i < 20; i++)
        client_open(&stuck[i], f->port, s, 30, i % 10, 4096);
    client_open(&reader, f->port, s, 30, 0, 0);
    commit(lv, s, 10);
    expect_events(&reader, s, 0, 31);
    for (int i = 0; i < 20; i++)
        expect_events(&stuck[i], s, i % 10, 31);
    for (int i = 0; i < 20; i++)
        client_close(&stuck[i]);
    client_close(&reader);
    free(s);
}

#define EDIT_SET     "body_src = 'better', body_html = '<p>better</p>', edited_at = 1700000000"
#define EDIT_CONTENT "\"body_html\":\"<p>better</p>\""

/* An open stream hears each moderation change of a comment it was sent: an edit as
 * "updated" with the new text, a hold, rejection or deletion as "removed" with the
 * id alone; new comments still follow. A stream that starts from before the
 * changes while the ring holds them gets each comment's latest event only. */
static void test_changes_arrive_typed(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "moderated");
    struct client watcher;
    client_open(&watcher, f->port, s, 0, 0, 0);
    wait_head(&watcher);
    for (int i = 0; i < 4; i++)
        commit(lv, s, 10);
    expect_events(&watcher, s, 0, 4);
    moderate(lv, s, s->cid[1], EDIT_SET, "updated", EDIT_CONTENT);
    moderate(lv, s, s->cid[2], "status = 'held'", "removed", NULL);
    moderate(lv, s, s->cid[3], "status = 'rejected'", "removed", NULL);
    moderate(lv, s, s->cid[4], "status = 'deleted'", "removed", NULL);
    expect_events(&watcher, s, 4, 8);
    commit(lv, s, 10);
    expect_events(&watcher, s, 8, 9);

    struct client late;
    client_open(&late, f->port, s, 9, 0, 0);
    const int64_t latest[] = {5, 6, 7, 8, 9};
    expect_only(&late, s, latest, sizeof(latest) / sizeof(latest[0]));
    client_close(&late);
    client_close(&watcher);
    free(s);
}

/* A deleted comment kept as a "comment deleted" placeholder (replies under it) is
 * "updated" to its deleted form, without author or text, live and on resuming;
 * when it goes too (its last reply left), "removed". */
static void test_placeholder_arrives_updated(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "placeholder");
    struct client watcher;
    client_open(&watcher, f->port, s, 0, 0, 0);
    wait_head(&watcher);
    for (int i = 0; i < 2; i++)
        commit(lv, s, 10);
    expect_events(&watcher, s, 0, 2);
    moderate(lv, s, s->cid[1], "status = 'deleted', placeholder = 1", "updated",
             "\"status\":\"deleted\"");
    expect_events(&watcher, s, 2, 3);
    struct client late;
    client_open(&late, f->port, s, 3, 0, 0);
    const int64_t kept[] = {2, 3};
    expect_only(&late, s, kept, 2);
    client_close(&late);
    moderate(lv, s, s->cid[2], "status = 'deleted'", "removed", NULL);
    moderate(lv, s, s->cid[1], "placeholder = 0", "removed", NULL);
    expect_events(&watcher, s, 3, 5);
    client_close(&watcher);
    free(s);
}

/* Catch-up from the database: a stream resuming from before an edit and a removal
 * gets the comment's latest event, never its first, so a removed comment's text
 * is not replayed; from between them, the rest. */
static void test_resume_hears_latest_changes(void **state)
{
    struct fixture *f = *state;
    struct tstory *s = calloc(1, sizeof(*s));
    story_new(s, "resumed");
    for (int i = 0; i < 3; i++)
        commit(NULL, s, 10);
    moderate(NULL, s, s->cid[1], EDIT_SET, "updated", EDIT_CONTENT);
    moderate(NULL, s, s->cid[2], "status = 'rejected'", "removed", NULL);
    struct client from0, from3;
    client_open(&from0, f->port, s, s->n, 0, 0);
    client_open(&from3, f->port, s, s->n, 3, 0);
    const int64_t all[] = {3, 4, 5};
    expect_only(&from0, s, all, 3);
    expect_only(&from3, s, all + 1, 2);
    client_close(&from0);
    client_close(&from3);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_subscribe_between_snapshot_and_channel, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stale_snapshot_creates_the_channel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catch_up_past_the_ring_while_posting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catch_up_reads_in_bounded_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_events_leave_the_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_read_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streams_end_while_the_hub_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streams_that_do_not_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_arrive_typed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_hears_latest_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placeholder_arrives_updated, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
