"""HTTP request smuggling over raw sockets (RFC 9112 sections 2.2, 3.2, 5, 6.1 and
6.3): every head a proxy in front could frame differently from stet and that stet can
see (Content-Length with Transfer-Encoding, two Content-Lengths, "Transfer-Encoding :
chunked", a bare CR or control byte in a value or the target, HTTP/1.1 with no Host or
two, an unknown transfer coding) is answered 400 with Connection: close, the
connection really ends, and the request queued behind it on the same connection is
never answered. The API gets its JSON error, pages their HTML one; the server goes on
serving. Refusals show in the access log and in /metrics with the status sent, a
431 included, and a request line libmicrohttpd cannot parse leaves a log line.

What libmicrohttpd drops or rewrites before stet sees the head (NUL, obs-fold, bare
LF) is tested for what still holds without a front end (HiddenFromStet); the front
end's refusal of them is tests/deploy/run.sh's."""

import json
import re
import socket
import unittest

from harness import ServerTest, eventually, unique
from test_metrics import METRICS_AUTH, METRICS_ENV, parse, value

PAGE = "/"
API = "/api/v1/stories"


def smuggled(tag):
    """The request a primitive hides; answered, it would show as a second status line
    and as its path in the access log."""
    return ("GET /smuggled-%s HTTP/1.1\r\nHost: x\r\n\r\n" % tag).encode()


def head(method, path, lines, version="HTTP/1.1"):
    return ("%s %s %s\r\n" % (method, path, version)).encode("latin-1") + b"".join(
        (line if isinstance(line, bytes) else line.encode("latin-1")) + b"\r\n"
        for line in lines) + b"\r\n"


# name -> function(path, tag) -> the bytes sent: a primitive, then a hidden request.
PRIMITIVES = {
    "content_length_and_chunked": lambda p, t: head(
        "POST", p, ["Host: x", "Content-Length: %d" % (5 + len(smuggled(t))),
                    "Transfer-Encoding: chunked"]) + b"0\r\n\r\n" + smuggled(t),
    "chunked_and_content_length": lambda p, t: head(
        "POST", p, ["Host: x", "Transfer-Encoding: chunked", "Content-Length: 4"])
    + b"%x\r\n" % len(smuggled(t)) + smuggled(t) + b"\r\n0\r\n\r\n",
    "two_content_lengths": lambda p, t: head(
        "POST", p, ["Host: x", "Content-Length: 0", "Content-Length: %d" % len(smuggled(t))])
    + smuggled(t),
    "equal_content_lengths": lambda p, t: head(
        "POST", p, ["Host: x", "Content-Length: 2", "Content-Length: 2"]) + b"ab" + smuggled(t),
    "space_before_colon": lambda p, t: head(
        "POST", p, ["Host: x", "Transfer-Encoding : chunked", "Content-Length: 0"])
    + b"0\r\n\r\n" + smuggled(t),
    "bare_cr_in_value": lambda p, t: head("GET", p, ["Host: x", b"X-Note: a\rb"]) + smuggled(t),
    "bare_cr_in_path": lambda p, t: head("GET", p + "\rx", ["Host: x"]) + smuggled(t),
    "escape_in_query": lambda p, t: head("GET", p + "?q=\x1b", ["Host: x"]) + smuggled(t),
    "no_host": lambda p, t: head("GET", p, ["Accept: */*"]) + smuggled(t),
    "two_hosts": lambda p, t: head("GET", p, ["Host: x", "Host: y"]) + smuggled(t),
    "unknown_transfer_coding": lambda p, t: head(
        "POST", p, ["Host: x", "Transfer-Encoding: xchunked"]) + b"0\r\n\r\n" + smuggled(t),
    "chunked_in_http10": lambda p, t: head(
        "POST", p, ["Transfer-Encoding: chunked"], "HTTP/1.0") + b"0\r\n\r\n" + smuggled(t),
}


class Exchange:
    """What came back on one connection: every byte until the server closed it."""

    def __init__(self, data, closed):
        self.data = data
        self.closed = closed
        self.status = None
        self.headers = {}
        self.body = b""
        self.rest = b""
        m = re.match(rb"HTTP/1\.1 (\d{3}) [^\r\n]*\r\n", data)
        if not m:
            return
        self.status = int(m.group(1))
        end = data.index(b"\r\n\r\n")
        for line in data[m.end():end].split(b"\r\n"):
            k, _, v = line.decode("latin-1").partition(":")
            self.headers[k.strip().lower()] = v.strip()
        n = int(self.headers.get("content-length", "0"))
        self.body = data[end + 4:end + 4 + n]
        self.rest = data[end + 4 + n:]

    def __repr__(self):
        return "<exchange closed=%s %r>" % (self.closed, self.data[:600])


def exchange(server, data, timeout=10.0):
    """Sends `data` at once and reads until the server closes the connection (or
    `timeout` passes with it still open: closed False)."""
    s = socket.create_connection((server.host, server.port), timeout=timeout)
    out = b""
    closed = False
    try:
        s.sendall(data)
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                # Closing with unread bytes (the hidden request) sends a reset; what
                # arrived before it is already in `out`.
                closed = True
                break
            if not b:
                closed = True
                break
            out += b
    finally:
        s.close()
    return Exchange(out, closed)


def chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n0\r\n\r\n"


def statuses(x):
    """Every status line on the connection, also those right after a body."""
    return [int(s) for s in re.findall(rb"HTTP/1\.1 (\d{3}) ", x.data)]


class Smuggling(ServerTest):
    def assertRefused(self, x, api, what):
        self.assertEqual(x.status, 400, (what, x))
        self.assertEqual(x.headers.get("connection", "").lower(), "close", (what, x))
        self.assertTrue(x.closed, ("connection left open", what, x))
        self.assertEqual(x.rest, b"", ("the hidden request was answered", what, x))
        if api:
            self.assertTrue(x.headers.get("content-type", "").startswith("application/json"),
                            (what, x))
            err = json.loads(x.body)["error"]
            self.assertEqual(err["code"], "bad_request", (what, x))
            self.assertTrue(err["message"], (what, x))
        else:
            self.assertTrue(x.headers.get("content-type", "").startswith("text/html"), (what, x))
            self.assertIn(b"Bad request", x.body, (what, x))

    def test_each_primitive_refused_and_closed(self):
        for name, build in sorted(PRIMITIVES.items()):
            for path, api in ((PAGE, False), (API, True)):
                with self.subTest(primitive=name, path=path):
                    tag = unique("h")
                    x = exchange(self.server, build(path, tag))
                    self.assertRefused(x, api, name)
                    self.assertNotIn("/smuggled-" + tag, self.server.stderr_text())
        # Nothing stuck: a reader is served as before, on the page and on the API.
        self.assertEqual(self.client().get(PAGE).status, 200)
        self.assertEqual(self.client().get(API).status, 200)

    def test_sound_requests_keep_their_connection(self):
        # The checks refuse nothing a real client sends: pipelined sound requests,
        # a chunked body, one Content-Length, HTTP/1.0 without Host, all answered on
        # one connection (an anonymous story post is 401 either way).
        post = ["Host: x", "Content-Type: application/json"]
        data = (head("GET", PAGE, ["Host: 127.0.0.1", "Accept: */*", "X-Tab: a\tb"])
                + head("POST", API, post + ["Transfer-Encoding: chunked"])
                + b"2\r\n{}\r\n0\r\n\r\n"
                + head("POST", API, post + ["Content-Length: 2"]) + b"{}"
                + head("GET", "/healthz", [], "HTTP/1.0"))
        x = exchange(self.server, data)
        self.assertEqual(statuses(x), [200, 401, 401, 200], x)
        # A head larger than libmicrohttpd's first read buffer (half its pool) but
        # within HTTP_MAX_HEADERS is answered, not refused.
        for pad in (7000, 9000, 11000):
            x = exchange(self.server, head("GET", "/healthz", [
                "Host: x", "X-Pad: " + "p" * pad, "Connection: close"]))
            self.assertEqual(x.status, 200, (pad, x))

    def test_reason_in_log(self):
        x = exchange(self.server, PRIMITIVES["content_length_and_chunked"](API, unique("r")))
        self.assertEqual(x.status, 400, x)
        eventually(lambda: "refused: Content-Length and Transfer-Encoding together." in
                   self.server.stderr_text(), "the refusal's reason in the log")


class HiddenFromStet(ServerTest):
    """Heads libmicrohttpd 0.9.75 rewrites before stet can see them, so no 400 is
    possible; alone, stet is one parser and these smuggle nothing past a second one.
    What holds anyway is tested here. Left out, because it does not hold and only the
    front end can refuse them (tests/deploy/run.sh): a folded Content-Length
    ("Content-Length:" CRLF " 35"), a NUL inside one ("Content-Length: 0<NUL>35") or at
    the start of its line. stet reads no length or 0 from those and answers the
    request behind them, which a front end that unfolded the line or kept the bytes
    after the NUL would have sent as body. A NUL in the path or in any other value
    frames nothing."""

    def test_folded_transfer_encoding_runs_no_hidden_request(self):
        # libmicrohttpd glues a continuation line onto the header's name, so stet
        # sees no framing, reads the chunk line as a broken request line and closes.
        # A front end that unfolds sees chunked; either way, nothing hidden runs.
        shapes = {
            "in_chunk": lambda t: (["Transfer-Encoding:", " chunked"], chunk(smuggled(t))),
            "after_body": lambda t: (["Transfer-Encoding:", " chunked"],
                                     b"0\r\n\r\n" + smuggled(t)),
            "folded_after": lambda t: (["Transfer-Encoding: chunked", " x"],
                                       b"0\r\n\r\n" + smuggled(t)),
        }
        for name, build in sorted(shapes.items()):
            for method in ("GET", "POST"):
                for path in (PAGE, API):
                    with self.subTest(shape=name, method=method, path=path):
                        tag = unique("f")
                        lines, body = build(tag)
                        x = exchange(self.server, head(method, path, ["Host: x"] + lines) + body)
                        self.assertLessEqual(len(statuses(x)), 1, x)
                        self.assertTrue(x.closed, x)
                        self.assertNotIn("/smuggled-" + tag, self.server.stderr_text())
        self.assertEqual(self.client().get(API).status, 200)

    def test_bare_lf_ends_a_line(self):
        # A bare LF is a line end to libmicrohttpd, as RFC 9112 section 2.2 allows
        # (nginx reads it so too), so it cannot carry a header inside a value: the
        # framing after it holds, the hidden request is body, and the sound request
        # after that body is answered as the next one.
        after = head("GET", "/healthz", ["Host: x", "Connection: close"])
        for te in (False, True):
            for path in (PAGE, API):
                with self.subTest(chunked=te, path=path):
                    tag = unique("l")
                    hidden = smuggled(tag)
                    framing = ("Transfer-Encoding: chunked" if te else
                               "Content-Length: %d" % len(hidden))
                    body = chunk(hidden) if te else hidden
                    x = exchange(self.server,
                                 head("POST", path, ["Host: x", "X-Note: a\n" + framing])
                                 + body + after)
                    self.assertEqual(statuses(x)[1:], [200], x)
                    self.assertNotIn("/smuggled-" + tag, self.server.stderr_text())


class RefusalLogging(ServerTest):
    """Refused requests are logged and counted with the status they were sent."""

    server_kwargs = {"env": METRICS_ENV}

    def scrape(self):
        r = self.client().get("/metrics", headers=METRICS_AUTH)
        self.assertEqual(r.status, 200, r)
        return parse(r.text)[1]

    def counted(self, status):
        return value(self.scrape(), "stet_http_requests_total", route="unmatched",
                     status=str(status))

    def assertLoggedAndCounted(self, path, status, before, zero_before):
        line = re.compile(r"\S+ %s %d \d+ " % (re.escape(path), status))
        eventually(lambda: line.search(self.server.stderr_text()),
                   "an access log line for %s with %d" % (path, status))
        eventually(lambda: self.counted(status) == before + 1,
                   "one more %d in stet_http_requests_total" % status)
        self.assertEqual(self.counted(0), zero_before)

    def test_431_from_stet_is_logged_and_counted(self):
        # Over HTTP_MAX_HEADERS but inside libmicrohttpd's pool: stet answers,
        # and on the API in JSON.
        before, zero = self.counted(431), self.counted(0)
        path = "/api/v1/big-%s" % unique("h")
        x = exchange(self.server, head("GET", path, ["Host: x", "X-Big: " + "a" * 13000]))
        self.assertEqual(x.status, 431, x)
        self.assertEqual(json.loads(x.body)["error"]["code"], "headers_too_large")
        self.assertTrue(x.closed, x)
        self.assertLoggedAndCounted(path, 431, before, zero)

    def test_431_from_libmicrohttpd_is_logged_and_counted(self):
        # Beyond its pool libmicrohttpd answers by itself (with its own HTML, even on
        # the API: it has no hook for the body); the log and /metrics still say 431.
        before, zero = self.counted(431), self.counted(0)
        path = "/api/v1/huge-%s" % unique("h")
        x = exchange(self.server, head("GET", path, ["Host: x", "X-Big: " + "a" * 20000]))
        self.assertEqual(x.status, 431, x)
        self.assertLoggedAndCounted(path, 431, before, zero)

    def test_400_from_libmicrohttpd_is_logged_and_counted(self):
        # A header line without a colon: refused by libmicrohttpd after the URI
        # callback, so it is a request stet logs.
        before, zero = self.counted(400), self.counted(0)
        path = "/no-colon-%s" % unique("h")
        x = exchange(self.server, head("GET", path, ["Host: x", "NoColonHere"]))
        self.assertEqual(x.status, 400, x)
        self.assertLoggedAndCounted(path, 400, before, zero)

    def test_smuggling_refusal_is_logged_and_counted(self):
        before, zero = self.counted(400), self.counted(0)
        path = "/api/v1/te-%s" % unique("h")
        x = exchange(self.server, PRIMITIVES["two_content_lengths"](path, unique("t")))
        self.assertEqual(x.status, 400, x)
        self.assertLoggedAndCounted(path, 400, before, zero)

    def test_garbage_request_line_is_logged(self):
        # libmicrohttpd answers 400 before any callback of stet's runs: the log line
        # its own message becomes is all there is (no path, not in /metrics).
        for line in (b"GET / FOO\r\n\r\n", b"GET /x HTTP/1.1 trailing\r\n\r\n"):
            count = self.server.stderr_text().count(
                "libmicrohttpd refused a request with 400 (Request malformed)")
            x = exchange(self.server, line)
            self.assertEqual(x.status, 400, x)
            self.assertTrue(x.closed, x)
            eventually(lambda: self.server.stderr_text().count(
                "libmicrohttpd refused a request with 400 (Request malformed)") == count + 1,
                "a log line for %r" % line)
        self.assertNotIn("<html>", self.server.stderr_text())
        self.assertEqual(self.client().get("/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
