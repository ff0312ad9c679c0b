/* sd_notify without the library: the protocol is one datagram per state change.
 * A name starting with '@' is an abstract socket (a leading NUL byte on the wire),
 * any other an absolute path. */
#include "base/notify.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Fills `sa` from NOTIFY_SOCKET's value; false when it is no socket name. */
static bool notify_address(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
    size_t n = strlen(name);
    if ((name[0] != '/' && name[0] != '@') || n < 2 || n > sizeof(sa->sun_path))
        return false;
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, name, n);
    if (name[0] == '@')
        sa->sun_path[0] = '\0';
    /* Abstract names are exactly n bytes long; a path may carry its NUL. */
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    return true;
}

int notify_send(const char *state)
{
    const char *name = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t len;
    if (name == NULL || *name == '\0')
        return 0;
    if (!notify_address(name, &sa, &len))
        return STET_EIO;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return STET_EIO;
    size_t n = strlen(state);
    ssize_t sent = sendto(fd, state, n, MSG_NOSIGNAL, (const struct sockaddr *)&sa, len);
    close(fd);
    return sent == (ssize_t)n ? 0 : STET_EIO;
}

int notify_reloading(void)
{
    /* systemd matches this against the time it sent SIGHUP, to tell the reload it
     * asked for from an earlier one. */
    struct timespec ts;
    char msg[64];
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
    return notify_send(msg);
}
