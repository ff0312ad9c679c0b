"""The command line next to a running server: story list output, close/open, user
role, usage errors (exit 2) and failures (exit 1) with `stet: ...` on stderr; help for
every command; no database created by a command that only reads or edits a site; the
demo site as the README's screenshot shows it."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import (IS_POSTGRES, BACKEND, Server, ServerTest, clean_env, eventually,
                     new_database_url, parse_html, sanitizer_report, stet_bin, unique)


def run_in(d, *args, stdin=None):
    """stet with `d` as its working directory, nothing from our STET_* settings."""
    p = subprocess.run([stet_bin()] + list(args), input=stdin or b"", capture_output=True,
                       env=clean_env(), cwd=d, timeout=30)
    assert not sanitizer_report(p.stderr.decode("utf-8", "replace")), p.stderr
    return p


def run_bare(*args, stdin=None):
    """stet without the server's --db (a temp cwd so nothing lands in the repo)."""
    with tempfile.TemporaryDirectory(prefix="stet-cli-") as d:
        return run_in(d, *args, stdin=stdin)


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
        admin_token = self.token_for(name, "cli password 1")
        r = self.client().post_json("/api/v1/stories", body, token=admin_token)
        self.assertEqual(r.status, 201, r)
        # The change is in the audit log, by stet itself (no account), with what changed.
        r = self.client().get("/api/v1/audit", token=admin_token)
        self.assertEqual(r.status, 200, r)
        entry = [e for e in r.json()["entries"] if e["target"] == "user:" + name]
        self.assertEqual(len(entry), 1, r.json())
        self.assertEqual((entry[0]["action"], entry[0]["actor"]), ("user.role", None))
        self.assertEqual(entry[0]["note"], "reader to admin, from the command line")
        p = self.server.cli("user", "role", "no-such-" + name, "admin")
        self.assertEqual(p.returncode, 1, p)

    def test_user_password(self):
        name = unique("clipw")
        self.server.add_user(name, password="old password 1")
        token = self.token_for(name, "old password 1")
        slug = unique("pw-")
        self.server.add_story(slug)

        def post(tok):
            return self.client().post_json("/api/v1/stories/%s/comments" % slug,
                                            {"body": unique("hello ")}, token=tok).status
        self.assertEqual(post(token), 201)
        p = self.server.cli("user", "password", name, stdin="new password 2\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        # Every session ended; only the new password logs in.
        self.assertEqual(post(token), 401)
        r = self.client().post_json("/api/v1/sessions", {"login": name,
                                                         "password": "old password 1"})
        self.assertEqual(r.status, 401, r)
        self.token_for(name, "new password 2")
        # Audited as stet itself, nothing of the password in it.
        admin = unique("clipwadm")
        self.server.add_user(admin, role="admin")
        r = self.client().get("/api/v1/audit", token=self.token_for(admin))
        entry = [e for e in r.json()["entries"] if e["target"] == "user:" + name]
        self.assertEqual([(e["action"], e["actor"]) for e in entry], [("user.password", None)])
        self.assertNotIn("new password 2", entry[0]["note"])
        # Refused: a password the rules refuse, no password, an unknown user.
        for args, stdin, want in (((name,), "short\n", "password"),
                                  ((name,), "", "no password on standard input"),
                                  (("no-such-" + name,), "good password 3\n", "no user")):
            p = self.server.cli("user", "password", *args, stdin=stdin)
            self.assertEqual(p.returncode, 1, (args, p))
            self.assertIn(want, p.stderr.decode(), args)
        self.token_for(name, "new password 2")
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
    """Item 16: `serve --demo` shows what the README's screenshot shows, with no
    setup: a conversation with replies under the first story, and the weather strip
    (the harness starts stet without any STET_* variable, STET_WEATHER_URL included)."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(demo=True)

    @classmethod
    def tearDownClass(cls):
        problem = cls.server.stop()
        if problem:
            raise AssertionError(problem)

    def first_story(self):
        r = self.server.client().get("/")
        self.assertEqual(r.status, 200)
        items = parse_html(r.text).find_all("li", cls="story-item")
        self.assertGreaterEqual(len(items), 2, "demo site has fewer than two stories")
        return items[0].get("data-slug")

    def test_demo_fills_front_page(self):
        r = self.server.client().get("/stories/" + self.first_story())
        self.assertEqual(r.status, 200)
        self.assertIn("Click here to register.", r.text)

    def test_first_story_has_threaded_comments_from_several_readers(self):
        r = self.server.client().get("/stories/" + self.first_story())
        self.assertEqual(r.status, 200)
        comments = parse_html(r.text).find_all("article", cls="comment")
        self.assertGreaterEqual(len(comments), 3, "the demo story has too few comments")
        authors = {c.get("data-author") for c in comments}
        self.assertGreaterEqual(len(authors), 3, authors)
        replies = [c for c in comments if c.get("data-parent")]
        self.assertGreaterEqual(len(replies), 2, "no threaded replies in the demo")
        nested = [c for c in replies
                  if any(a.tag == "article" and a.has_class("comment") for a in c.ancestors())]
        self.assertEqual(len(nested), len(replies), "replies are not under their parents")
        # Written by readers, and nobody can log in as one (random passwords).
        c = self.server.client()
        r = c.post_json("/api/v1/sessions", {"login": comments[0].get("data-author"),
                                             "password": "password"})
        self.assertEqual(r.status, 401, r)

    def test_weather_strip_without_setup(self):
        slug = self.first_story()

        def strip():
            r = self.server.client().get("/stories/" + slug)
            m = re.search(r'<span class="weather"[^>]*>([^<]*)</span>', r.text)
            return m and m.group(1)
        self.assertEqual(eventually(strip, "the demo's weather strip"), "Hi 23\u00b0 | Lo 9\u00b0")


class DemoSiteUnderPolicies(DemoSite):
    """The demo's conversation shows as written whatever the site's policies would do
    to a new comment: every comment pre-moderated, and the spam filter holding the
    demo's link-rich replies."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(demo=True, config="[comments]\npremoderate = all\nmax_links = 0\n"
                                             "[spam]\nlink_density = 0.01\n")

    test_weather_strip_without_setup = None


class Help(unittest.TestCase):
    """Item 13: `stet help COMMAND` and `stet COMMAND --help` print the same usage,
    from one table; usage errors name what is wrong and exit 2."""

    COMMANDS = {
        "serve": ["--listen HOST:PORT", "--demo", "--config FILE", "--db URL"],
        "migrate": ["--config FILE", "--db URL"],
        "migrate-data": ["--from URL", "--to URL"],
        "story add": ["--slug SLUG", "--title TEXT", "--byline TEXT", "--body-file FILE|-",
                      "--published-at ISO8601"],
        "story list": ["--db URL"],
        "story close": ["SLUG"],
        "story open": ["SLUG"],
        "user add": ["--username NAME", "--email ADDR", "--role ROLE"],
        "user role": ["NAME ROLE"],
        "user password": ["NAME", "--db URL"],
        "export": ["-o FILE", "--db URL"],
        "import disqus": ["FILE", "--create-stories", "--match path|slug", "--dry-run"],
        "import wordpress": ["FILE", "--create-stories", "--match path|slug", "--dry-run"],
        "import stet": ["FILE", "--dry-run"],
        "help": ["--all"],
    }

    def test_help_for_each_command(self):
        for name, words in self.COMMANDS.items():
            with self.subTest(name):
                p = run_bare("help", *name.split())
                self.assertEqual(p.returncode, 0, p)
                out = p.stdout.decode()
                self.assertTrue(out.startswith("usage: stet %s" % name), out)
                for w in words:
                    self.assertIn(w, out)
                self.assertEqual(p.stderr, b"")
                same = run_bare(*name.split(), "--help")
                self.assertEqual(same.returncode, 0, same)
                self.assertEqual(same.stdout.decode(), out)

    def test_group_help_lists_its_subcommands(self):
        for group, subs in (("story", ["add", "list", "close", "open"]), ("user", ["add", "role"])):
            p = run_bare("help", group)
            self.assertEqual(p.returncode, 0, p)
            for sub in subs:
                self.assertIn("usage: stet %s %s" % (group, sub), p.stdout.decode())
            self.assertEqual(run_bare(group, "--help").stdout, p.stdout)

    def test_overview_and_all(self):
        p = run_bare("help")
        self.assertEqual(p.returncode, 0, p)
        for name in self.COMMANDS:
            self.assertIn("  " + name + " ", p.stdout.decode())
        self.assertEqual(run_bare("--help").stdout, p.stdout)
        bare = run_bare()
        self.assertEqual(bare.returncode, 2)
        self.assertEqual(bare.stderr, p.stdout)
        every = run_bare("help", "--all")
        self.assertEqual(every.returncode, 0, every)
        for name in self.COMMANDS:
            self.assertIn("usage: stet " + name, every.stdout.decode())

    def test_unknown_command_exits_2(self):
        for args, shown in ((["frobnicate"], "frobnicate"), (["help", "frobnicate"], "frobnicate"),
                            (["story", "frobnicate"], "story frobnicate"),
                            (["help", "story", "frobnicate"], "story frobnicate")):
            with self.subTest(args):
                p = run_bare(*args)
                self.assertEqual(p.returncode, 2, p)
                self.assertTrue(p.stderr.decode().startswith('stet: unknown command "%s"\n' % shown),
                                p.stderr)
                self.assertEqual(p.stdout, b"")

    def test_usage_errors_name_the_flag(self):
        cases = [
            (["story", "add", "--slug", "x"], "stet: story add: --title is required"),
            (["story", "add", "--title", "T"], "stet: story add: --slug is required"),
            (["user", "add", "--username", "x"], "stet: user add: --email is required"),
            (["migrate-data", "--from", "sqlite:a.db"], "stet: migrate-data: --to is required"),
            (["story", "list", "--bogus"], "stet: story list: unknown flag --bogus"),
            (["story", "add", "--slug", "x", "--title"], "stet: story add: --title needs a value"),
            (["story", "add", "--slug", "x", "--title", "--byline", "B"],
             "stet: story add: --title needs a value"),
            (["serve", "--listen"], "stet: serve: --listen needs a value"),
            (["serve", "--no-such-flag"], "stet: serve: unknown flag --no-such-flag"),
            (["story", "list", "--db"], "stet: story list: --db needs a value"),
            (["story", "close"], "stet: story close: SLUG is missing"),
            (["user", "role", "anna"], "stet: user role: ROLE is missing"),
            (["story", "list", "extra"], "stet: story list: unexpected argument 'extra'"),
            (["story", "list", "--db", "sqlite:a.db", "--db", "sqlite:b.db"],
             "stet: story list: --db given twice"),
            (["story"], "stet: story needs a subcommand"),
        ]
        for args, line in cases:
            with self.subTest(args):
                p = run_bare(*args)
                self.assertEqual(p.returncode, 2, p)
                err = p.stderr.decode()
                self.assertTrue(err.startswith(line), err)
                self.assertIn("usage: stet ", err)


class NoDatabase(unittest.TestCase):
    """Item 14: only `migrate` and `serve --demo` create a database. The others say
    there is none and how to make one, and leave no file behind."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="stet-nodb-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def expect_no_database(self, p, url):
        self.assertEqual(p.returncode, 1, p)
        self.assertEqual(p.stderr.decode().strip().splitlines()[-1],
                         "stet: no database at %s; create one with `stet migrate --db %s` "
                         "(or run `stet serve --demo`)" % (url, url))

    def test_story_list_in_an_empty_folder(self):
        p = run_in(self.dir, "story", "list")
        self.expect_no_database(p, "sqlite:stet.db")
        self.assertEqual(os.listdir(self.dir), [])

    def test_every_site_command(self):
        url = "sqlite:" + os.path.join(self.dir, "site.db")
        for args in (["story", "list"], ["story", "close", "x"], ["story", "open", "x"],
                     ["story", "add", "--slug", "x", "--title", "T"], ["user", "role", "a", "admin"],
                     ["user", "add", "--username", "anna", "--email", "a@example.com"]):
            with self.subTest(args):
                p = run_in(self.dir, *args, "--db", url, stdin=b"a long password\n")
                self.expect_no_database(p, url)
                self.assertEqual(os.listdir(self.dir), [])
        p = run_in(self.dir, "migrate-data", "--from", url, "--to",
                   "sqlite:" + os.path.join(self.dir, "copy.db"))
        self.expect_no_database(p, url)
        self.assertEqual(os.listdir(self.dir), [])

    def test_serve_without_demo(self):
        p = run_in(self.dir, "serve", "--listen", "127.0.0.1:0")
        self.expect_no_database(p, "sqlite:stet.db")
        self.assertEqual(p.stdout, b"", "it listened")
        self.assertEqual(os.listdir(self.dir), [])

    def test_empty_file_is_no_database_and_stays_empty(self):
        path = os.path.join(self.dir, "empty.db")
        open(path, "wb").close()
        p = run_in(self.dir, "story", "list", "--db", "sqlite:" + path)
        self.expect_no_database(p, "sqlite:" + path)
        self.assertEqual(sorted(os.listdir(self.dir)), ["empty.db"])
        self.assertEqual(os.path.getsize(path), 0)

    def test_migrate_creates_then_commands_work(self):
        p = run_in(self.dir, "migrate")
        self.assertEqual(p.returncode, 0, p)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "stet.db")))
        p = run_in(self.dir, "story", "list")
        self.assertEqual(p.returncode, 0, p)
        self.assertEqual(p.stdout, b"")

    @unittest.skipUnless(IS_POSTGRES, "needs STET_E2E_BACKEND=postgres (now %s)" % BACKEND)
    def test_empty_postgres_database(self):
        url = new_database_url(self.dir)
        p = run_in(self.dir, "story", "list", "--db", url)
        self.assertEqual(p.returncode, 1, p)
        err = p.stderr.decode().strip().splitlines()[-1]
        self.assertTrue(err.startswith("stet: no stet tables in the database postgres"), err)
        self.assertIn("create them with `stet migrate --db postgres", err)
        p = run_in(self.dir, "serve", "--listen", "127.0.0.1:0", "--db", url)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("no stet tables in the database", p.stderr.decode())
        p = run_in(self.dir, "migrate", "--db", url)
        self.assertEqual(p.returncode, 0, p)
        p = run_in(self.dir, "story", "list", "--db", url)
        self.assertEqual(p.returncode, 0, p)


if __name__ == "__main__":
    unittest.main()
