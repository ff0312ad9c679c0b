#!/usr/bin/env python3
"""Opens many idle Server-Sent Events connections to a loopback stet and holds them.

Each connection sends `GET PATH` and then only reads (and discards) what comes. The
state is written to --status FILE every half second as `key=value` words, with
ready=1 once every connection has been attempted and nothing changed for two
seconds; run.sh measures the server then and stops this process by pid (SIGTERM).
"""

import argparse
import errno
import os
import resource
import selectors
import signal
import socket
import sys
import time

CONNECTING, SENT, ANSWERED = 1, 2, 3


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return soft
    target_hard = hard if hard == resource.RLIM_INFINITY or hard >= want else want
    for new_soft, new_hard in ((want, target_hard), (hard, hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, new_hard))
            break
        except (ValueError, OSError):
            continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--hold", type=float, default=120.0, help="seconds before exiting on its own")
    ap.add_argument("--open-timeout", type=float, default=60.0)
    ap.add_argument("--status", required=True)
    args = ap.parse_args()

    limit = raise_nofile(args.count + 64)
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__(0, True))

    request = (
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n"
        "Cache-Control: no-cache\r\n\r\n" % (args.path, args.port)
    ).encode()
    sel = selectors.DefaultSelector()
    state = {}  # socket -> [phase, first bytes]
    counts = {"attempted": 0, "connect_errors": 0, "closed": 0, "reset": 0}
    codes = {}
    first_error = [""]
    started = time.monotonic()
    last_change = [started]
    in_flight = [0]

    def changed():
        last_change[0] = time.monotonic()

    def close(sock, key):
        try:
            sel.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()
        state.pop(sock, None)
        counts[key] += 1
        changed()

    def open_one():
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except OSError as e:
            counts["connect_errors"] += 1
            first_error[0] = first_error[0] or "socket: " + os.strerror(e.errno)
            return
        s.setblocking(False)
        counts["attempted"] += 1
        rc = s.connect_ex(("127.0.0.1", args.port))
        if rc not in (0, errno.EINPROGRESS):
            first_error[0] = first_error[0] or "connect: " + os.strerror(rc)
            s.close()
            counts["connect_errors"] += 1
            return
        state[s] = [CONNECTING, b""]
        in_flight[0] += 1
        sel.register(s, selectors.EVENT_WRITE)

    def write_status(final=False):
        open_now = len(state)
        answered = sum(codes.values())
        waiting = sum(1 for v in state.values() if v[0] == SENT)
        ready = counts["attempted"] + counts["connect_errors"] >= args.count and (
            in_flight[0] == 0 and time.monotonic() - last_change[0] >= 2.0
        )
        if time.monotonic() - started > args.open_timeout:
            ready = True
        words = [
            "ready=%d" % (1 if (ready or final) else 0),
            "nofile=%d" % limit,
            "attempted=%d" % counts["attempted"],
            "open=%d" % open_now,
            "waiting_headers=%d" % waiting,
            "answered=%d" % answered,
            "codes=%s" % (",".join("%s:%d" % kv for kv in sorted(codes.items())) or "-"),
            "closed_by_server=%d" % counts["closed"],
            "reset=%d" % counts["reset"],
            "connect_errors=%d" % counts["connect_errors"],
        ]
        tmp = args.status + ".tmp"
        with open(tmp, "w") as f:
            f.write(" ".join(words) + "\n")
            if first_error[0]:
                f.write("first_error=" + first_error[0].replace("\n", " ") + "\n")
        os.replace(tmp, args.status)
        return ready

    next_status = 0.0
    deadline = started + args.hold
    buf_limit = 512
    while not stop[0] and time.monotonic() < deadline:
        while in_flight[0] < 256 and counts["attempted"] + counts["connect_errors"] < args.count:
            open_one()
        for key, mask in sel.select(timeout=0.2):
            s = key.fileobj
            st = state.get(s)
            if st is None:
                continue
            if st[0] == CONNECTING:
                in_flight[0] -= 1
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    first_error[0] = first_error[0] or "connect: " + os.strerror(err)
                    sel.unregister(s)
                    s.close()
                    state.pop(s, None)
                    counts["connect_errors"] += 1
                    changed()
                    continue
                try:
                    s.send(request)
                except OSError as e:
                    first_error[0] = first_error[0] or "send: " + os.strerror(e.errno)
                    close(s, "reset")
                    continue
                st[0] = SENT
                sel.modify(s, selectors.EVENT_READ)
                changed()
                continue
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                first_error[0] = first_error[0] or "recv: " + os.strerror(e.errno)
                close(s, "reset")
                continue
            if not data:
                close(s, "closed")
                continue
            if st[0] == SENT:
                st[1] = (st[1] + data)[:buf_limit]
                line_end = st[1].find(b"\r\n")
                if line_end >= 0 or len(st[1]) >= buf_limit:
                    parts = st[1][: max(line_end, 0)].split(b" ")
                    code = parts[1].decode("ascii", "replace") if len(parts) > 1 else "?"
                    codes[code] = codes.get(code, 0) + 1
                    st[0] = ANSWERED
                    changed()
        now = time.monotonic()
        if now >= next_status:
            write_status()
            next_status = now + 0.5
    write_status(final=True)
    for s in list(state):
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
