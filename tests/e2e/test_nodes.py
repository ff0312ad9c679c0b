"""Several stet nodes on one PostgreSQL database: a session made on node A works
on node B (API Bearer token and browser cookie), what B writes A shows (HTML and
API), a comment posted on B reaches an event stream on A, and concurrent
registrations of one username in different case yield exactly one account (two
nodes on PostgreSQL; one node on SQLite)."""

import json
import random
import string
import threading
import unittest

from harness import (IS_POSTGRES, DEFAULT_PASSWORD, Client, TwoNodeTest, eventually, parse_html,
                     unique)
from test_live import api_comment, assert_comment_event, open_stream, post_api, story_seq

NEEDS_PG = "needs PostgreSQL (STET_E2E_BACKEND=postgres)"


@unittest.skipUnless(IS_POSTGRES, NEEDS_PG)
class TwoNodes(TwoNodeTest):
    @classmethod
    def prepare(cls):
        cls.slug = "nodes-" + unique("s")
        cls.server.add_story(cls.slug, title="Two Nodes Story")

    def comment_on_page(self, server, slug, cid):
        r = server.client().get("/stories/" + slug)
        self.assertEqual(r.status, 200, r)
        node = parse_html(r.text).by_id("comment-%d" % cid)
        self.assertIsNotNone(node, "comment %d missing from %s's page" % (cid, server.base_url))
        return node

    def test_api_token_from_a_works_on_b(self):
        name = unique("nodeapi")
        a = self.server.client()
        r = a.post_json("/api/v1/users", {"username": name, "email": name + "@example.com",
                                          "password": DEFAULT_PASSWORD})
        self.assertEqual(r.status, 201, r)
        r = a.post_json("/api/v1/sessions", {"login": name, "password": DEFAULT_PASSWORD})
        self.assertEqual(r.status, 201, r)
        token = r.json()["token"]
        # The session made on A posts on B.
        r = self.client_b().post_json("/api/v1/stories/%s/comments" % self.slug,
                                      {"body": "from *B* with A's token"}, token=token)
        self.assertEqual(r.status, 201, r)
        cid = r.json()["comment"]["id"]
        # A shows it, in the API and on the page.
        got = api_comment(self, self.server, self.slug, cid)
        self.assertEqual(got["author"]["username"], name)
        self.assertIn("<em>B</em>", got["body_html"])
        node = self.comment_on_page(self.server, self.slug, cid)
        self.assertIn("from B with A", node.norm_text())
        # Logging in on B with the account made on A works too.
        r = self.client_b().post_json("/api/v1/sessions", {"login": name, "password": DEFAULT_PASSWORD})
        self.assertEqual(r.status, 201, r)
        # Ending the session on B ends it on A.
        r = self.client_b().request("DELETE", "/api/v1/sessions/current", token=token)
        self.assertEqual(r.status, 204, r)
        r = a.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": "x"}, token=token)
        self.assertApiError(r, 401, "registration_required")

    def test_browser_cookie_from_a_works_on_b(self):
        name = unique("nodeweb")
        a = self.server.client()
        r = a.register(name)
        self.assertEqual(r.status, 303, r)
        b = Client(self.node_b)
        b.cookies = dict(a.cookies)
        r = b.get("/stories/" + self.slug)
        self.assertEqual(r.status, 200, r)
        root = parse_html(r.text)
        self.assertIsNotNone(root.by_id("comment-form"), "B does not see A's session")
        self.assertIn(name, r.text)
        r = b.submit("/stories/" + self.slug, "comment-form", {"body": "posted on B by cookie"})
        self.assertEqual(r.status, 303, r)
        cid = int(r.header("Location").rsplit("#comment-", 1)[1])
        node = self.comment_on_page(self.server, self.slug, cid)
        self.assertIn("posted on B by cookie", node.norm_text())
        self.assertEqual(api_comment(self, self.server, self.slug, cid)["author"]["username"], name)
        # Logging out on B logs the cookie out on A too.
        r = b.logout()
        self.assertEqual(r.status, 303, r)
        r = eventually(lambda: (lambda r: r if "register-notice" in r.text else None)(
            a.get("/stories/" + self.slug)), "the logout on B reaches A")
        self.assertIsNone(parse_html(r.text).by_id("comment-form"), "session survived logout on B")

    def test_story_and_counts_agree_across_nodes(self):
        admin = unique("nodeadmin")
        self.server.add_user(admin, role="admin")
        r = self.client_b().post_json("/api/v1/sessions", {"login": admin, "password": DEFAULT_PASSWORD})
        token = r.json()["token"]
        slug = "nodes-new-" + unique("s")
        r = self.client_b().post_json("/api/v1/stories", {"slug": slug, "title": "Made on B",
                                                          "body": "Body from B."}, token=token)
        self.assertEqual(r.status, 201, r)
        r = self.server.client().get("/stories/" + slug)
        self.assertEqual(r.status, 200, r)
        self.assertIn("Made on B", r.text)
        for i, node in enumerate((self.server, self.node_b, self.server)):
            post_api(self, node, slug, token, "alternating %d" % i)
        for node in (self.server, self.node_b):
            r = node.client().get("/api/v1/counts?stories=" + slug)
            self.assertEqual(r.json()["counts"], {slug: 3}, node.base_url)
            eventually(lambda: story_seq(self, node, slug) == 3,
                       "%s shows the story at event 3" % node.base_url)

    def test_post_on_b_reaches_stream_on_a(self):
        slug = "nodes-sse-" + unique("s")
        self.server.add_story(slug)
        _, token, _ = self.api_user()
        s = open_stream(self, self.server, slug)
        c1 = post_api(self, self.node_b, slug, token, "from B to A's stream")
        assert_comment_event(self, s.next_event(timeout=10), 1,
                             api_comment(self, self.server, slug, c1["id"]))
        c2 = post_api(self, self.server, slug, token, "from A, same stream")
        assert_comment_event(self, s.next_event(timeout=10), 2,
                             api_comment(self, self.server, slug, c2["id"]))
        # Both nodes number the story's events alike, so a client may resume on B.
        c3 = post_api(self, self.node_b, slug, token, "third, from B")
        sb = open_stream(self, self.node_b, slug, last_event_id=1)
        for seq, c in ((2, c2), (3, c3)):
            assert_comment_event(self, sb.next_event(timeout=10), seq,
                                 api_comment(self, self.node_b, slug, c["id"]))
        assert_comment_event(self, s.next_event(timeout=10), 3,
                             api_comment(self, self.server, slug, c3["id"]))


def case_variants(base, n):
    out = set()
    rnd = random.Random(base)
    while len(out) < n:
        out.add("".join(ch.upper() if rnd.random() < 0.5 else ch for ch in base))
    return sorted(out)


class RegistrationRace(TwoNodeTest):
    """Concurrent sign-ups for one name; two nodes on PostgreSQL, one on SQLite."""

    two_nodes = IS_POSTGRES
    ATTEMPTS = 20
    # Every attempt comes from 127.0.0.1: the per-address registration limit would
    # refuse most of them before they could race.
    server_kwargs = {"config": "[limits]\nregister_client = 0\n"}

    def race(self, usernames, emails):
        nodes = [self.server, self.node_b]
        attempts = []
        # Half over the API, half through the HTML form (its csrf fetched beforehand).
        for i, (u, e) in enumerate(zip(usernames, emails)):
            node = nodes[i % 2]
            c = node.client()
            c.timeout = 60
            if i % 4 < 2:
                attempts.append((c, "api", {"username": u, "email": e, "password": DEFAULT_PASSWORD}))
            else:
                tok = c.csrf("/register")
                attempts.append((c, "form", {"username": u, "email": e, "password": DEFAULT_PASSWORD,
                                             "csrf": tok, "next": "/"}))
        barrier = threading.Barrier(len(attempts))
        results = [None] * len(attempts)

        def run(i):
            c, kind, fields = attempts[i]
            try:
                barrier.wait(30)
                if kind == "api":
                    r = c.post_json("/api/v1/users", fields)
                else:
                    r = c.post_form("/register", fields)
                results[i] = (kind, r.status, r)
            except Exception as e:  # noqa: BLE001 - reported below
                results[i] = (kind, None, e)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        wins = [r for r in results if r and (r[0], r[1]) in (("api", 201), ("form", 303))]
        others = [r for r in results if r not in wins]
        self.assertEqual(len(wins), 1, "want exactly one success, got %r" % [r[:2] for r in results])
        self.assertEqual([r for r in others if r[1] != 409], [],
                         "every other attempt must be 409: %r" % [r[:2] for r in results])
        for kind, _, r in others:
            if kind == "api":
                self.assertApiError(r, 409, "conflict")
        return results.index(wins[0])

    def test_same_username_in_different_case(self):
        base = "race" + "".join(random.choice(string.ascii_lowercase) for _ in range(8))
        names = case_variants(base, self.ATTEMPTS)
        emails = ["%s.%d@example.com" % (base, i) for i in range(self.ATTEMPTS)]
        w = self.race(names, emails)
        # The one account logs in on every node.
        for node in (self.server, self.node_b):
            r = node.client().post_json("/api/v1/sessions", {"login": names[w],
                                                             "password": DEFAULT_PASSWORD})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json()["user"]["username"], names[w])

    def test_same_email_in_different_case(self):
        base = "race" + "".join(random.choice(string.ascii_lowercase) for _ in range(8))
        local = case_variants(base, self.ATTEMPTS)
        names = ["%s_%d" % (base, i) for i in range(self.ATTEMPTS)]
        self.race(names, ["%s@Example.com" % lp for lp in local])


if __name__ == "__main__":
    unittest.main()
