/* The service manager's readiness protocol (sd_notify(3)) without libsystemd: one
 * datagram of "KEY=VALUE" lines to the AF_UNIX socket named by $NOTIFY_SOCKET.
 * Outside systemd (no NOTIFY_SOCKET) every call is a no-op. */
#ifndef STET_BASE_NOTIFY_H
#define STET_BASE_NOTIFY_H

#include "base/err.h"

#include <stdbool.h>

/* Sends `state` ("READY=1", "STOPPING=1", "STATUS=...", several joined by '\n').
 * 0 when sent or when there is nobody to tell; STET_EIO when NOTIFY_SOCKET is set
 * but names no usable socket or the send failed (the caller decides whether that
 * matters: systemd then kills a Type=notify service that never reports ready). */
int notify_send(const char *state) STET_MUST_CHECK;

/* "RELOADING=1" with the MONOTONIC_USEC= the notify-reload protocol asks for. */
int notify_reloading(void) STET_MUST_CHECK;

#endif
