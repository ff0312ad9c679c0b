/* The connection guard on its own, over socket pairs: the per-client cap (IPv4
 * address, IPv6 /64, exempt proxies, no cap), counts that go away with their
 * connections, and the sweeper shutting down exactly the connections past their
 * deadline or abandoned half way through a request, while leaving busy ones (and
 * those with bytes still to read) alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/conn_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_storage v4(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, text, &sin->sin_addr), 1);
    return ss;
}

static struct sockaddr_storage v6(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
    return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static void caps_per_client(void **state)
{
    (void)state;
    struct net_list proxies;
    char err[64];
    assert_int_equal(net_list_parse("10.0.0.1", &proxies, err, sizeof(err)), 0);
    struct conn_guard_config cfg = {3, &proxies, 60, 60};
    struct conn_guard *g = conn_guard_new(&cfg);
    assert_non_null(g);
    struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.2"), proxy = v4("10.0.0.1");
    struct sockaddr_storage six_a = v6("2001:db8:1:2::1"), six_b = v6("2001:db8:1:2:ffff::9");
    struct sockaddr_storage six_other = v6("2001:db8:1:3::1");
    struct guarded_conn *c[16];
    size_t n = 0;

    for (int i = 0; i < 3; i++) {
        assert_true(conn_guard_admit(g, SA(a)));
        c[n++] = conn_guard_open(g, -1, SA(a));
    }
    assert_false(conn_guard_admit(g, SA(a)));
    assert_int_equal(conn_guard_count(g, SA(a)), 3);
    assert_true(conn_guard_admit(g, SA(b))); /* another client is not affected */
    /* A proxy carries many clients: never capped, never counted. */
    for (int i = 0; i < 5; i++) {
        assert_true(conn_guard_admit(g, SA(proxy)));
        c[n++] = conn_guard_open(g, -1, SA(proxy));
    }
    assert_int_equal(conn_guard_count(g, SA(proxy)), 0);
    /* One IPv6 /64 is one client. */
    for (int i = 0; i < 3; i++)
        c[n++] = conn_guard_open(g, -1, i % 2 ? SA(six_a) : SA(six_b));
    assert_false(conn_guard_admit(g, SA(six_a)));
    assert_false(conn_guard_admit(g, SA(six_b)));
    assert_true(conn_guard_admit(g, SA(six_other)));

    /* Closing gives the room back. */
    conn_guard_close(g, c[0]);
    assert_true(conn_guard_admit(g, SA(a)));
    assert_int_equal(conn_guard_count(g, SA(a)), 2);
    for (size_t i = 1; i < n; i++)
        conn_guard_close(g, c[i]);
    assert_int_equal(conn_guard_count(g, SA(a)), 0);
    assert_int_equal(conn_guard_count(g, SA(six_a)), 0);
    conn_guard_close(g, NULL);
    conn_guard_free(g);

    /* No cap at all. */
    struct conn_guard_config open_cfg = {0, NULL, 60, 60};
    g = conn_guard_new(&open_cfg);
    for (int i = 0; i < 5; i++)
        c[i] = conn_guard_open(g, -1, SA(a));
    assert_true(conn_guard_admit(g, SA(a)));
    for (int i = 0; i < 5; i++)
        conn_guard_close(g, c[i]);
    conn_guard_free(g);
    conn_guard_free(NULL);
}

/* True once the peer of `fd` sees the end of the stream; waits up to 10 s (a
 * deadlock breaker, not a timing assertion). */
static bool peer_sees_end(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1)
        return false;
    char ch;
    return recv(fd, &ch, 1, 0) == 0;
}

static bool still_open(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;
}

static void late_connections_are_shut_down(void **state)
{
    (void)state;
    /* Deadlines of 0 s: past as soon as the sweeper looks. */
    struct conn_guard_config cfg = {0, NULL, 0, 0};
    struct conn_guard *g = conn_guard_new(&cfg);
    int head[2], body[2], busy[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, head), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, body), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, busy), 0);
    struct sockaddr_storage a = v4("192.0.2.1");
    struct guarded_conn *ch = conn_guard_open(g, head[0], SA(a));
    struct guarded_conn *cb = conn_guard_open(g, body[0], SA(a));
    struct guarded_conn *cu = conn_guard_open(g, busy[0], SA(a));
    conn_guard_phase(cb, CONN_AWAIT_BODY);
    conn_guard_phase(cu, CONN_BUSY); /* being answered: no deadline */

    assert_true(peer_sees_end(head[1]));
    assert_true(peer_sees_end(body[1]));
    /* Counted under the sweeper's lock, so the count is complete by now. */
    assert_int_equal(conn_guard_n_expired(g), 2);
    assert_true(still_open(busy[1]));

    /* Back to waiting for a head: it may now expire too, and only once. */
    conn_guard_phase(cu, CONN_AWAIT_HEAD);
    assert_true(peer_sees_end(busy[1]));
    assert_int_equal(conn_guard_n_expired(g), 3);

    conn_guard_close(g, ch);
    conn_guard_close(g, cb);
    conn_guard_close(g, cu);
    conn_guard_free(g);
    for (int i = 0; i < 2; i++) {
        close(head[i]);
        close(body[i]);
        close(busy[i]);
    }
}

static void abandoned_requests_are_shut_down(void **state)
{
    (void)state;
    struct conn_guard_config cfg = {0, NULL, 3600, 3600};
    struct conn_guard *g = conn_guard_new(&cfg);
    int gone[2], unread[2], busy[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, gone), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, unread), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, busy), 0);
    struct sockaddr_storage a = v4("192.0.2.1");
    struct guarded_conn *cg = conn_guard_open(g, gone[0], SA(a));
    struct guarded_conn *cr = conn_guard_open(g, unread[0], SA(a));
    struct guarded_conn *cu = conn_guard_open(g, busy[0], SA(a));
    conn_guard_phase(cg, CONN_AWAIT_BODY);
    conn_guard_phase(cu, CONN_BUSY);
    /* Half a request, then the client closes its side. */
    assert_int_equal(send(gone[1], "abc", 3, 0), 3);
    assert_int_equal(recv(gone[0], (char[3]){0}, 3, 0), 3); /* the server read it */
    shutdown(gone[1], SHUT_WR);
    /* Closed too, but with bytes the server has not read: not abandoned yet. */
    assert_int_equal(send(unread[1], "GET", 3, 0), 3);
    shutdown(unread[1], SHUT_WR);
    /* Being answered: the client may half-close after a whole request. */
    shutdown(busy[1], SHUT_WR);

    assert_true(peer_sees_end(gone[1]));
    assert_int_equal(conn_guard_n_expired(g), 1);
    assert_true(still_open(unread[1]));
    assert_true(still_open(busy[1]));
    /* Once the server has read what was left, the request can never complete. */
    assert_int_equal(recv(unread[0], (char[3]){0}, 3, 0), 3);
    assert_true(peer_sees_end(unread[1]));
    assert_true(still_open(busy[1]));

    conn_guard_close(g, cg);
    conn_guard_close(g, cr);
    conn_guard_close(g, cu);
    conn_guard_free(g);
    for (int i = 0; i < 2; i++) {
        close(gone[i]);
        close(unread[i]);
        close(busy[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(caps_per_client),
        cmocka_unit_test(late_connections_are_shut_down),
        cmocka_unit_test(abandoned_requests_are_shut_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
