"""GET /metrics (Prometheus text format 0.0.4) on a real server: the content type,
a well-formed exposition with HELP and TYPE for every family, request counters by
route pattern (never the raw path) that grow with traffic, cumulative histograms
whose +Inf bucket equals _count, the SSE gauge following an open stream, process
values; and who may read it: only a request carrying the configured bearer token
(server.metrics_token, its _file twin, STET_METRICS_TOKEN), whatever address it
comes from, and nobody when no token is configured.

Other modules that scrape /metrics start their server with METRICS_ENV and send
METRICS_AUTH."""

import http.client
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import ServerTest, clean_env, eventually, sanitizer_report, stet_bin, unique

METRICS_TOKEN = "e2e-metrics-" + os.urandom(16).hex()
METRICS_ENV = {"STET_METRICS_TOKEN": METRICS_TOKEN}
METRICS_AUTH = {"Authorization": "Bearer " + METRICS_TOKEN}

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LE = ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
      "1", "2.5", "+Inf"]
FAMILIES = {
    "stet_http_requests_total": "counter",
    "stet_http_request_duration_seconds": "histogram",
    "stet_http_response_bytes_total": "counter",
    "stet_page_cache_hits_total": "counter",
    "stet_page_cache_misses_total": "counter",
    "stet_group_commit_batches_total": "counter",
    "stet_group_commit_writes_total": "counter",
    "stet_group_commit_batch_size_avg": "gauge",
    "stet_group_commit_batch_size_max": "gauge",
    "stet_db_seconds_total": "counter",
    "stet_sse_connections": "gauge",
    "process_resident_memory_bytes": "gauge",
    "process_open_fds": "gauge",
    "process_start_time_seconds": "gauge",
    "stet_build_info": "gauge",
}

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE_RE = re.compile(r"^(%s)(?:\{(.*)\})? (\S+)$" % NAME)
LABEL_RE = re.compile(r'(%s)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)' % NAME)


def parse_labels(text):
    labels = {}
    pos = 0
    while pos < len(text):
        m = LABEL_RE.match(text, pos)
        if not m:
            raise ValueError("bad labels %r" % text)
        value = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(e.group(1), e.group(1)), m.group(2))
        labels[m.group(1)] = value
        pos = m.end()
    return labels


def parse(text):
    """Checks the exposition's grammar and returns (types, samples): samples maps
    (name, frozenset(labels.items())) to a float."""
    types, helps, samples = {}, set(), {}
    current = None
    if not text.endswith("\n"):
        raise ValueError("exposition must end with a newline")
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            if name in helps:
                raise ValueError("HELP twice for %s" % name)
            helps.add(name)
            current = name
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            if name != current or name in types:
                raise ValueError("TYPE %s without its HELP first" % name)
            types[name] = typ
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise ValueError("bad sample line %r" % line)
        name, labels, value = m.group(1), parse_labels(m.group(2) or ""), float(m.group(3))
        family = current
        allowed = {family} if types.get(family) != "histogram" else {
            family + "_bucket", family + "_sum", family + "_count"}
        if name not in allowed:
            raise ValueError("sample %s outside its family %s" % (name, family))
        key = (name, frozenset(labels.items()))
        if key in samples:
            raise ValueError("duplicate series %r" % line)
        samples[key] = value
    return types, samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class MetricsTest(ServerTest):
    """The token comes from a file of its own (server.metrics_token_file), read once
    at start: the file is gone by the time the tests run."""

    @classmethod
    def setUpClass(cls):
        token_dir = tempfile.mkdtemp(prefix="stet-e2e-token-")
        try:
            path = os.path.join(token_dir, "metrics.token")
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                f.write(METRICS_TOKEN + "\n")
            cls.server_kwargs = {"config": "[server]\nmetrics_token_file = %s\n" % path}
            super().setUpClass()
        finally:
            shutil.rmtree(token_dir)

    @classmethod
    def prepare(cls):
        cls.slug = "metrics-" + unique("s")
        cls.server.add_story(cls.slug, title="Metrics")

    def scrape(self):
        r = self.client().get("/metrics", headers=METRICS_AUTH)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), CONTENT_TYPE)
        try:
            return parse(r.text)
        except ValueError as e:
            self.fail("%s\n%s" % (e, r.text))

    def wait_for(self, pred, what, timeout=5.0):
        """Scrapes until pred(samples) holds: a request is counted when its response
        has been sent, which may be a moment after the client read it."""
        deadline = time.monotonic() + timeout
        while True:
            _, samples = self.scrape()
            if pred(samples):
                return samples
            if time.monotonic() > deadline:
                self.fail("timed out waiting for %s" % what)
            time.sleep(0.05)

    def test_families_and_content_type(self):
        types, samples = self.scrape()
        for name, typ in FAMILIES.items():
            self.assertEqual(types.get(name), typ, name)
        builds = [k for k in samples if k[0] == "stet_build_info"]
        self.assertEqual(len(builds), 1)
        self.assertRegex(dict(builds[0][1])["version"], r"^\d+\.\d+\.\d+")
        self.assertEqual(samples[builds[0]], 1)
        self.assertGreater(value(samples, "process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(value(samples, "process_open_fds"), 2)
        start = value(samples, "process_start_time_seconds")
        self.assertLessEqual(start, time.time() + 1)
        self.assertGreater(start, time.time() - 600)
        r = self.client().request("HEAD", "/metrics", headers=METRICS_AUTH)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")

    def test_route_counters_grow(self):
        _, before = self.scrape()
        c = self.client()
        for _ in range(5):
            self.assertEqual(c.get("/healthz").status, 200)
        for _ in range(3):
            self.assertEqual(c.get("/stories/" + self.slug).status, 200)
        missing = "/no-such-page-" + unique("p")
        self.assertEqual(c.get(missing).status, 404)
        self.assertEqual(c.get(missing + "/deeper").status, 404)
        self.assertEqual(c.get("/stories/no-such-story-" + unique("x")).status, 404)

        def grown(s):
            return (value(s, "stet_http_requests_total", route="/healthz", status="200") >=
                    value(before, "stet_http_requests_total", route="/healthz", status="200") + 5
                    and value(s, "stet_http_requests_total", route="/stories/{slug}",
                              status="200") >=
                    value(before, "stet_http_requests_total", route="/stories/{slug}",
                          status="200") + 3
                    and value(s, "stet_http_requests_total", route="/stories/{slug}",
                              status="404") >=
                    value(before, "stet_http_requests_total", route="/stories/{slug}",
                          status="404") + 1
                    and value(s, "stet_http_requests_total", route="unmatched", status="404") >=
                    value(before, "stet_http_requests_total", route="unmatched", status="404") + 2)

        after = self.wait_for(grown, "the request counters to grow")
        self.assertGreater(value(after, "stet_http_response_bytes_total", route="/stories/{slug}"),
                           value(before, "stet_http_response_bytes_total",
                                 route="/stories/{slug}"))
        self.assertGreater(
            value(after, "stet_http_request_duration_seconds_count", route="/healthz"),
            value(before, "stet_http_request_duration_seconds_count", route="/healthz") + 4)
        # The scrapes themselves are counted under their own route.
        self.assertGreaterEqual(value(after, "stet_http_requests_total", route="/metrics",
                                      status="200"), 1)
        # Labels are route patterns, never the raw path.
        routes = {dict(k[1]).get("route") for k in after if k[0].startswith("stet_http_")}
        self.assertNotIn("/stories/" + self.slug, routes)
        self.assertNotIn(missing, routes)
        for r in routes:
            self.assertTrue(r == "unmatched" or r.startswith("/"), r)

    def test_histograms_parse(self):
        c = self.client()
        for path in ("/", "/stories/" + self.slug, "/login", "/nowhere"):
            c.get(path)

        def routes_of(samples):
            return {dict(k[1])["route"] for k in samples
                    if k[0] == "stet_http_request_duration_seconds_count"}
        # Each request came on its own connection, maybe another I/O thread: it is
        # counted once its response is sent, which may be after the client read it.
        samples = self.wait_for(
            lambda x: {"/healthz", "/stories/{slug}", "/login", "unmatched"} <= routes_of(x),
            "every route requested to be counted")
        routes = routes_of(samples)
        for route in routes:
            buckets = {}
            for (name, labels), v in samples.items():
                lab = dict(labels)
                if name == "stet_http_request_duration_seconds_bucket" and lab["route"] == route:
                    self.assertEqual(set(lab), {"route", "le"})
                    buckets[lab["le"]] = v
            self.assertEqual(sorted(buckets, key=LE.index), LE, route)
            self.assertEqual(set(buckets), set(LE), route)
            series = [buckets[le] for le in LE]
            self.assertEqual(series, sorted(series), "buckets of %s not cumulative" % route)
            count = value(samples, "stet_http_request_duration_seconds_count", route=route)
            self.assertEqual(buckets["+Inf"], count, route)
            self.assertGreater(count, 0)
            total = value(samples, "stet_http_request_duration_seconds_sum", route=route)
            self.assertGreaterEqual(total, 0)
            self.assertLess(total, count * 60)

    def test_sse_gauge(self):
        _, samples = self.scrape()
        base = value(samples, "stet_sse_connections")
        s = self.server.events(self.slug)
        try:
            self.assertEqual(s.status, 200)
            s.wait_body(1)
            self.wait_for(lambda x: value(x, "stet_sse_connections") >= base + 1,
                          "the SSE gauge to count the open stream")
            s2 = self.server.events(self.slug)
            try:
                self.wait_for(lambda x: value(x, "stet_sse_connections") >= base + 2,
                              "the SSE gauge to count a second stream")
            finally:
                s2.close()
        finally:
            s.close()
        # A closed stream is noticed when it next wakes (keep-alive, or news on its
        # story): a new comment makes that happen now rather than in 15 s.
        c, token, _ = self.api_user()
        r = c.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": "wake up"},
                        token=token)
        self.assertEqual(r.status, 201, r)
        self.wait_for(lambda x: value(x, "stet_sse_connections") <= base,
                      "the SSE gauge to drop when the streams close", timeout=20)

    def test_not_cached(self):
        r = self.client().get("/metrics", headers=METRICS_AUTH)
        self.assertEqual(r.header("Cache-Control"), "no-store")

    def assertRefused(self, r, invalid_token):
        """401 with RFC 6750's challenge, and nothing of the exposition."""
        self.assertEqual(r.status, 401, r)
        challenge = r.header("WWW-Authenticate", "")
        self.assertTrue(challenge.startswith("Bearer realm="), challenge)
        self.assertEqual('error="invalid_token"' in challenge, invalid_token, challenge)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertNotIn(b"stet_", r.body)
        self.assertNotIn(b"# TYPE", r.body)

    def test_refused_without_the_token(self):
        """Every request arrives from loopback, as it would through a proxy on the
        same machine: the address grants nothing, only the token does. 401 rather
        than 404, since the route is no secret (it is in the documentation) and a
        scraper with a wrong token should say so rather than "not found"."""
        c = self.client()
        self.assertEqual(self.server.host, "127.0.0.1")
        self.assertRefused(c.get("/metrics"), invalid_token=False)
        self.assertRefused(c.request("HEAD", "/metrics"), invalid_token=False)
        # What a same-host proxy adds changes nothing either.
        self.assertRefused(c.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1",
                                                      "X-Real-IP": "127.0.0.1",
                                                      "Forwarded": "for=127.0.0.1"}),
                           invalid_token=False)
        self.assertRefused(c.get("/metrics", headers={"Authorization": "Basic " +
                                                      METRICS_TOKEN}), invalid_token=False)
        for wrong in (METRICS_TOKEN[:-1], METRICS_TOKEN + "x", METRICS_TOKEN.upper(),
                      "x" * len(METRICS_TOKEN), METRICS_TOKEN + " " + METRICS_TOKEN):
            self.assertRefused(c.get("/metrics", headers={"Authorization": "Bearer " + wrong}),
                               invalid_token=True)
        # The scheme's case does not matter (RFC 9110); the token's does.
        r = c.get("/metrics", headers={"Authorization": "bearer " + METRICS_TOKEN})
        self.assertEqual(r.status, 200, r)

    def test_refused_from_another_loopback_address(self):
        """The old default trusted 127.0.0.0/8; a peer on 127.0.0.2 is refused too."""
        conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=10,
                                          source_address=("127.0.0.2", 0))
        try:
            conn.request("GET", "/metrics")
            r = conn.getresponse()
            body = r.read()
        finally:
            conn.close()
        self.assertEqual(r.status, 401)
        self.assertNotIn(b"stet_", body)

    def test_token_never_logged(self):
        c = self.client()
        before = self.server.stderr_text().count("/metrics")
        self.assertEqual(c.get("/metrics", headers=METRICS_AUTH).status, 200)
        wrong = {"Authorization": "Bearer " + METRICS_TOKEN + "x"}
        self.assertEqual(c.get("/metrics", headers=wrong).status, 401)
        # The access log line is written once the response is sent.
        eventually(lambda: self.server.stderr_text().count("/metrics") >= before + 2,
                   "both scrapes in the access log")
        self.assertNotIn(METRICS_TOKEN, self.server.stderr_text())


class MetricsWithoutToken(ServerTest):
    """No token configured: /metrics is off and answers exactly like an unknown URL,
    whatever credentials a request brings."""

    def test_off_is_404_like_an_unknown_url(self):
        unknown = self.client().get("/no-such-" + unique("p"))
        for headers in ({}, METRICS_AUTH, {"Authorization": "Bearer "}):
            r = self.client().get("/metrics", headers=headers)
            self.assertEqual(r.status, 404, r)
            self.assertEqual(r.header("Content-Type"), unknown.header("Content-Type"))
            self.assertIsNone(r.header("WWW-Authenticate"))
            self.assertNotIn(b"stet_http_requests_total", r.body)
            self.assertNotIn(b"# TYPE", r.body)
        # The rest of the site is unaffected.
        self.assertEqual(self.client().get("/healthz").status, 200)


class MetricsTokenFromEnvironment(ServerTest):
    """STET_METRICS_TOKEN (e.g. from a mode-0600 systemd EnvironmentFile) overrides
    the INI file's token."""

    server_kwargs = {"env": METRICS_ENV,
                     "config": "[server]\nmetrics_token = %s\n" % ("f" * 40)}

    def test_environment_wins(self):
        r = self.client().get("/metrics", headers=METRICS_AUTH)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), CONTENT_TYPE)
        parse(r.text)
        r = self.client().get("/metrics", headers={"Authorization": "Bearer " + "f" * 40})
        self.assertEqual(r.status, 401, r)


class MetricsOldKey(unittest.TestCase):
    """server.metrics (loopback, on, off) is refused at start, pointing at the token,
    so that a configuration relying on it does not silently change meaning."""

    def test_refused_at_start(self):
        tmp = tempfile.mkdtemp(prefix="stet-e2e-")
        try:
            ini = os.path.join(tmp, "stet.ini")
            with open(ini, "w") as f:
                f.write("[server]\nmetrics = loopback\n")
            p = subprocess.run([stet_bin(), "serve", "--listen", "127.0.0.1:0", "--config", ini,
                                "--db", "sqlite:" + os.path.join(tmp, "stet.db")],
                               stdin=subprocess.DEVNULL, capture_output=True, env=clean_env(),
                               timeout=30)
        finally:
            shutil.rmtree(tmp)
        err = p.stderr.decode("utf-8", "replace")
        self.assertIsNone(sanitizer_report(err), err)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(p.stdout, b"")
        self.assertIn("stet.ini:2: server.metrics is gone", err)
        self.assertIn("server.metrics_token", err)


if __name__ == "__main__":
    unittest.main()
