"""The command line next to a running server: story list output, close/open, user
role, usage errors (exit 2) and failures (exit 1) with `stet: ...` on stderr."""

import os
import subprocess
import tempfile
import unittest

from harness import ServerTest, clean_env, sanitizer_report, stet_bin, unique


def run_bare(*args, stdin=None):
    """stet without the server's --db (a temp cwd so nothing lands in the repo)."""
    with tempfile.TemporaryDirectory(prefix="stet-cli-") as d:
        p = subprocess.run([stet_bin()] + list(args), input=stdin or b"", capture_output=True,
                           env=clean_env(), cwd=d, timeout=30)
    assert not sanitizer_report(p.stderr.decode("utf-8", "replace")), p.stderr
    return p


class Cli(ServerTest):
    @classmethod
    def prepare(cls):
        cls.a = "cli-a-" + unique("s")
        cls.b = "cli-b-" + unique("s")
        cls.server.add_story(cls.a, title="First\u00e9 Title")
        cls.server.add_story(cls.b, title="Second Title")

    def story_lines(self):
        p = self.server.cli("story", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = {}
        for line in p.stdout.decode("utf-8").splitlines():
            parts = line.split("\t")
            self.assertEqual(len(parts), 4, "bad story list line %r" % line)
            out[parts[0]] = parts[1:]
        return out

    def test_story_list(self):
        c, token, _ = self.api_user()
        for body in ("one", "two"):
            r = c.post_json("/api/v1/stories/%s/comments" % self.b, {"body": body}, token=token)
            self.assertEqual(r.status, 201, r)
        lines = self.story_lines()
        self.assertEqual(lines[self.a], ["0", "open", "First\u00e9 Title"])
        self.assertEqual(lines[self.b], ["2", "open", "Second Title"])
        p = self.server.cli("story", "close", self.a)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.story_lines()[self.a][1], "closed")
        p = self.server.cli("story", "open", self.a)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.story_lines()[self.a][1], "open")

    def test_story_add_duplicate_and_unknown_close_fail(self):
        p = self.server.cli("story", "add", "--slug", self.a, "--title", "Again", "--body-file", "-",
                            stdin="x")
        self.assertEqual(p.returncode, 1, p)
        self.assertTrue(p.stderr.startswith(b"stet: "), p.stderr)
        p = self.server.cli("story", "close", "no-such-story")
        self.assertEqual(p.returncode, 1, p)
        self.assertTrue(p.stderr.startswith(b"stet: "), p.stderr)

    def test_story_add_shows_on_site(self):
        slug = "cli-new-" + unique("s")
        self.server.add_story(slug, title="Added From CLI", body="CLI body text.",
                              published_at="2024-05-06T07:08:09Z")
        r = self.client().get("/stories/" + slug)
        self.assertEqual(r.status, 200, r)
        self.assertIn("Added From CLI", r.text)
        self.assertIn("CLI body text.", r.text)
        j = self.client().get("/api/v1/stories/" + slug).json()["story"]
        self.assertTrue(j["published_at"].startswith("2024-05-06T07:08:09"), j)

    def test_user_add_and_role(self):
        name = unique("clirole")
        self.server.add_user(name, password="cli password 1")
        token = self.token_for(name, "cli password 1")
        body = {"slug": "role-" + unique("s"), "title": "T", "body": "B"}
        r = self.client().post_json("/api/v1/stories", body, token=token)
        self.assertEqual(r.status, 403, r)
        p = self.server.cli("user", "role", name, "admin")
        self.assertEqual(p.returncode, 0, p.stderr)
        r = self.client().post_json("/api/v1/stories", body, token=self.token_for(name, "cli password 1"))
        self.assertEqual(r.status, 201, r)
        # Duplicate user (other case) fails with 1; a bad role is a usage error or failure.
        p = self.server.cli("user", "add", "--username", name.upper(), "--email",
                            unique() + "@example.com", stdin="cli password 1\n")
        self.assertEqual(p.returncode, 1, p)
        self.assertTrue(p.stderr.startswith(b"stet: "), p.stderr)
        p = self.server.cli("user", "role", name, "emperor")
        self.assertIn(p.returncode, (1, 2), p)
        # A too-short password from stdin is refused.
        p = self.server.cli("user", "add", "--username", unique("short"), "--email",
                            unique() + "@example.com", stdin="short\n")
        self.assertEqual(p.returncode, 1, p)

    def test_usage_errors_exit_2(self):
        for args in (["no-such-command"], ["story"], ["story", "frobnicate"],
                     ["story", "add", "--title", "no slug"], ["user", "add", "--email", "x@example.com"],
                     ["serve", "--no-such-flag"], ["story", "list", "--db"]):
            p = self.server.cli(*args, config=False) if args[-1] != "--db" else run_bare(*args)
            self.assertEqual(p.returncode, 2, "%r -> %d %r" % (args, p.returncode, p.stderr))
            self.assertIn(b"stet: ", p.stderr, args)

    def test_version_and_help(self):
        p = run_bare("--version")
        self.assertEqual(p.returncode, 0, p)
        self.assertTrue(p.stdout.strip() or p.stderr.strip())
        p = run_bare("help")
        self.assertEqual(p.returncode, 0, p)
        self.assertIn(b"serve", p.stdout + p.stderr)

    def test_migrate_is_idempotent(self):
        p = self.server.cli("migrate")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.server.cli("migrate")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(self.a, self.story_lines())


class DemoSite(unittest.TestCase):
    def test_demo_fills_front_page(self):
        from harness import Server, parse_html
        s = Server(demo=True)
        try:
            r = s.client().get("/")
            self.assertEqual(r.status, 200)
            items = parse_html(r.text).find_all("li", cls="story-item")
            self.assertGreaterEqual(len(items), 2, "demo site has fewer than two stories")
            slug = items[0].get("data-slug")
            r = s.client().get("/stories/" + slug)
            self.assertEqual(r.status, 200)
            self.assertIn("Click here to register.", r.text)
        finally:
            problem = s.stop()
        self.assertIsNone(problem, problem)


if __name__ == "__main__":
    unittest.main()
