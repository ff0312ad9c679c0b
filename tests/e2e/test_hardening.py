"""Smaller defences, each over real HTTP: a malformed query string is the client's
error (400, in JSON on the API) rather than a parameter that silently goes missing;
bytes a client puts in the request line reach the access log escaped, so they can
neither forge a log line nor drive a terminal; and a refusal of gzip (q=0) is
honoured in any spelling."""

import socket

from harness import ServerTest, eventually, unique


def raw(server, data):
    """Sends `data` as it is and returns the whole answer (the server closes)."""
    s = socket.create_connection((server.host, server.port), timeout=10)
    try:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
    finally:
        s.close()


class MalformedQuery(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = unique("q")
        cls.server.add_story(cls.slug)

    def test_api_query_400_json(self):
        for q in ("limit=%zz", "cursor=%ff%fe", "limit=1&sort=%", "x=%00"):
            r = self.client().get("/api/v1/stories?" + q)
            self.assertApiError(r, 400, "bad_request")
            r = self.client().get("/api/v1/stories/%s/comments?%s" % (self.slug, q))
            self.assertApiError(r, 400, "bad_request")

    def test_page_query_400_html(self):
        r = self.client().get("/stories/%s?after=%%zz" % self.slug)
        self.assertEqual(r.status, 400, r)
        self.assertTrue(r.header("Content-Type", "").startswith("text/html"), r)
        self.assertIn("query string", r.text)

    def test_good_queries_still_work(self):
        self.assertEqual(self.client().get("/api/v1/stories?limit=5").status, 200)
        self.assertEqual(self.client().get("/stories/%s?reply_to=" % self.slug).status, 200)
        self.assertEqual(self.client().get("/api/v1/counts?stories=" + self.slug).status, 200)


class AccessLogEscapes(ServerTest):
    def test_control_bytes_escaped(self):
        marker = unique("esc")
        # A vertical tab, an escape sequence and a newline-like byte in the path.
        raw(self.server, b"GET /" + marker.encode() + b"\x0bFORGED\x1b[31m\x7f\\ HTTP/1.1\r\n"
            b"Host: x\r\nConnection: close\r\n\r\n")

        def line():
            for l in self.server.stderr_text().splitlines():
                if marker in l:
                    return l
            return None
        logged = eventually(line, "the request is logged")
        self.assertIn(marker + "\\x0bFORGED\\x1b[31m\\x7f\\x5c", logged)
        text = self.server.stderr_text()
        for byte in ("\x0b", "\x1b", "\x7f"):
            self.assertNotIn(byte, text)


class GzipRefused(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = unique("gz")
        cls.server.add_story(cls.slug)

    def test_q0_in_any_spelling(self):
        path = "/stories/" + self.slug
        for _ in range(2):  # rendered, then from the cache
            for ae in ("gzip;q=0", "GZIP;Q=0", "gzip ; q = 0", "gzip;q=0.000", "*;q=0",
                       "gzip;q=0, *;q=1", "identity"):
                r = self.client().get(path, headers={"Accept-Encoding": ae})
                self.assertEqual(r.status, 200)
                self.assertIsNone(r.header("Content-Encoding"), ae)
            for ae in ("gzip", "GZip;q=0.5", "*", "br, *;q=0.1"):
                r = self.client().get(path, headers={"Accept-Encoding": ae})
                self.assertEqual(r.header("Content-Encoding"), "gzip", ae)
