"""PostgreSQL going away under running nodes: while the cluster is paused every
request that needs the database answers 503 `unavailable` promptly (JSON on /api,
an HTML page elsewhere), /healthz stays 200 and the servers stay up; after resume
the same processes serve again and live comments flow from node B to a stream on A."""

import socket
import time
import unittest

from harness import (IS_POSTGRES, TwoNodeTest, StreamClosed, pause_cluster, raw_request,
                     resume_cluster, unique)
from test_live import api_comment, assert_comment_event, open_stream, post_api

CLIENT_TIMEOUT = 10.0


@unittest.skipUnless(IS_POSTGRES, "needs PostgreSQL (STET_E2E_BACKEND=postgres)")
class PostgresOutage(TwoNodeTest):
    @classmethod
    def prepare(cls):
        cls.slug = "outage-" + unique("s")
        cls.server.add_story(cls.slug, title="Outage Story")

    def call(self, node, method, path, body=None, token=None, json_body=True):
        c = node.client()
        try:
            if body is None:
                return c.request(method, path, token=token, timeout=CLIENT_TIMEOUT)
            if json_body:
                return c.post_json(path, body, token=token, timeout=CLIENT_TIMEOUT)
            return c.post_form(path, body, timeout=CLIENT_TIMEOUT)
        except (socket.timeout, TimeoutError) as e:
            self.fail("%s %s on %s got no answer within %.0f s (%s)" % (
                method, path, node.base_url, CLIENT_TIMEOUT, e))

    def assert_unavailable(self, node, token):
        s = self.slug
        for path in ("/stories/" + s, "/"):
            r = self.call(node, "GET", path)
            self.assertEqual(r.status, 503, "GET %s during the outage: %r" % (path, r))
            self.assertTrue(r.header("Content-Type", "").startswith("text/html"), r)
        for method, path, body in (("GET", "/api/v1/stories/%s/comments" % s, None),
                                   ("GET", "/api/v1/stories", None),
                                   ("POST", "/api/v1/stories/%s/comments" % s, {"body": "lost"})):
            r = self.call(node, method, path, body=body, token=token if body else None)
            self.assertApiError(r, 503, "unavailable")
        r = self.call(node, "GET", "/healthz")
        self.assertEqual(r.status, 200, r)

    def wait_serving(self, node, deadline):
        last = None
        while time.monotonic() < deadline:
            try:
                last = raw_request(node.host, node.port, "GET", "/stories/" + self.slug, None, {},
                                   CLIENT_TIMEOUT)
                if last.status == 200:
                    return
            except OSError as e:
                last = e
            time.sleep(0.2)
        self.fail("%s did not serve the story page again after resume (last: %r)" % (
            node.base_url, last))

    def test_pause_and_resume(self):
        _, token, _ = self.api_user()
        s = open_stream(self, self.server, self.slug)
        c1 = post_api(self, self.node_b, self.slug, token, "before the outage")
        ev = s.next_event(timeout=10)
        assert_comment_event(self, ev, 1, api_comment(self, self.server, self.slug, c1["id"]))
        last_id = ev["id"]

        pause_cluster()
        try:
            for node in (self.server, self.node_b):
                self.assert_unavailable(node, token)
            with self.subTest("the CLI fails cleanly while the database is down"):
                p = self.server.cli("story", "list")
                self.assertEqual(p.returncode, 1, p)
                # Log lines may come first (stderr is also the log); the error is a
                # `stet: ...` line.
                lines = p.stderr.decode("utf-8", "replace").splitlines()
                self.assertTrue([ln for ln in lines if ln.startswith("stet: ")], p.stderr)
            for node in (self.server, self.node_b):
                self.assertIsNone(node.problems())
        finally:
            resume_cluster()

        deadline = time.monotonic() + 30
        for node in (self.server, self.node_b):
            self.wait_serving(node, deadline)
        # Without a restart, everything works again on both nodes.
        for node in (self.server, self.node_b):
            r = self.call(node, "GET", "/api/v1/stories/%s/comments" % self.slug)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["count"], 1, r)
            r = self.call(node, "GET", "/")
            self.assertEqual(r.status, 200, r)
        c2 = post_api(self, self.node_b, self.slug, token, "after the outage")
        want = api_comment(self, self.server, self.slug, c2["id"])
        # The stream that stayed open gets it; one that was closed resumes with
        # Last-Event-ID. Both are fine, but the event must arrive either way.
        try:
            ev = s.next_event(timeout=10)
        except StreamClosed:
            s = open_stream(self, self.server, self.slug, last_event_id=last_id)
            ev = s.next_event(timeout=10)
        assert_comment_event(self, ev, 2, want)


if __name__ == "__main__":
    unittest.main()
