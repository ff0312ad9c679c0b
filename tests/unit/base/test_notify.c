/* Unit tests for base/notify: datagrams to a path socket and to an abstract one, the
 * reload message, and the names that are no socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Binds a datagram socket at `name` (a path, or '@' for an abstract name). */
static int listen_at(const char *name)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = strlen(name);
    assert_true(n < sizeof(sa.sun_path));
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@')
        sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(
        bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
        0);
    return fd;
}

/* The next datagram, NUL-terminated; the send came first, so it is queued. */
static void receive(int fd, char *out, size_t cap)
{
    ssize_t n = recv(fd, out, cap - 1, MSG_DONTWAIT);
    assert_true(n >= 0);
    out[n] = '\0';
}

static void test_no_socket_is_a_no_op(void **state)
{
    (void)state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(notify_send("READY=1"), 0);
    setenv("NOTIFY_SOCKET", "", 1);
    assert_int_equal(notify_send("READY=1"), 0);
}

static void test_path_socket(void **state)
{
    (void)state;
    char dir[] = "/tmp/stet-notify-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/notify", dir);
    int fd = listen_at(path);
    setenv("NOTIFY_SOCKET", path, 1);
    char got[256];
    assert_int_equal(notify_send("READY=1\nSTATUS=serving"), 0);
    receive(fd, got, sizeof(got));
    assert_string_equal(got, "READY=1\nSTATUS=serving");

    assert_int_equal(notify_reloading(), 0);
    receive(fd, got, sizeof(got));
    unsigned long long usec = 0;
    char tail = 'x';
    assert_int_equal(sscanf(got, "RELOADING=1\nMONOTONIC_USEC=%llu%c", &usec, &tail), 1);
    assert_true(usec > 0);
    close(fd);
    unlink(path);
    rmdir(dir);
}

static void test_abstract_socket(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof(name), "@stet-notify-test-%ld", (long)getpid());
    int fd = listen_at(name);
    setenv("NOTIFY_SOCKET", name, 1);
    char got[64];
    assert_int_equal(notify_send("STOPPING=1"), 0);
    receive(fd, got, sizeof(got));
    assert_string_equal(got, "STOPPING=1");
    close(fd);
}

static void test_bad_names(void **state)
{
    (void)state;
    const char *bad[] = {"relative/sock", "@", "/", "/nonexistent/dir/sock"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setenv("NOTIFY_SOCKET", bad[i], 1);
        assert_int_equal(notify_send("READY=1"), STET_EIO);
    }
    char too_long[200];
    memset(too_long, 'a', sizeof(too_long) - 1);
    too_long[0] = '/';
    too_long[sizeof(too_long) - 1] = '\0';
    setenv("NOTIFY_SOCKET", too_long, 1);
    assert_int_equal(notify_send("READY=1"), STET_EIO);
    unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_socket_is_a_no_op),
        cmocka_unit_test(test_path_socket),
        cmocka_unit_test(test_abstract_socket),
        cmocka_unit_test(test_bad_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
