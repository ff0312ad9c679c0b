"""Moderation from the server's command line (issue 11, item 1), on both backends,
against a running `stet serve` on the same database: `stet comment reject|approve|
delete` change the anonymous page, its ETag and open live streams as a moderator's
decision on the web does, and leave an audit entry with no actor and a note marked
"from the command line"; `stet comment queue` lists what waits with why; `stet user
suspend|ban|unsuspend` change what the account may do. Usage errors exit 2 and
failures 1, each with a `stet: ...` message, and a refused command changes nothing
in the database."""

import json
import re
import subprocess

from harness import IS_POSTGRES, ServerTest, eventually, parse_html, unique
from test_live import open_stream, post_api
from test_moderation import page, shows, sql

CONFIG = ("[limits]\ncomment_account = 0\ncomment_client = 0\nlogins_per_15min = 0\n"
          "[comments]\nbanned_words = frobnicate\n")
FROM_CLI = "from the command line"


class CliModeration(ServerTest):
    server_kwargs = {"config": CONFIG}

    @classmethod
    def prepare(cls):
        cls.admin_name = unique("admin")
        cls.server.add_user(cls.admin_name, role="admin")

    def setUp(self):
        super().setUp()
        self.admin = self.token_for(self.admin_name)

    # --- helpers

    def stet(self, *args):
        p = self.server.cli(*args)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def stet_offline(self, *args):
        """A command that opens no database (help): no --db."""
        p = subprocess.run([self.server.bin] + list(args), stdin=subprocess.DEVNULL,
                           capture_output=True, env=self.server.env, timeout=30)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def story(self):
        slug = unique("cli-")
        self.server.add_story(slug)
        return slug

    def reader(self, role=None):
        name = unique("rdr")
        self.server.add_user(name, role=role)
        return name, self.token_for(name)

    def status_of(self, cid):
        return sql(self.server, "SELECT status FROM comments WHERE id = %d" % cid)[0]

    def snapshot(self):
        """What a refused command must leave alone: every comment's and account's
        moderation state and the audit log."""
        return (sql(self.server, "SELECT id || ' ' || status || ' ' || report_count "
                                 "FROM comments ORDER BY id"),
                sql(self.server, "SELECT username || ' ' || COALESCE(suspended_until, 0) "
                                 "FROM users ORDER BY id"),
                sql(self.server, "SELECT COUNT(*) FROM audit_log"))

    def last_audit(self):
        """The newest audit entry as GET /api/v1/audit shows it to an admin."""
        r = self.client().get("/api/v1/audit?limit=1", token=self.admin)
        self.assertEqual(r.status, 200, r)
        return r.json()["entries"][0]

    def assert_cli_audit(self, action, target, note):
        entry = self.last_audit()
        self.assertEqual((entry["action"], entry["target"], entry["actor"], entry["note"]),
                         (action, target, None, note))
        self.assertEqual(sql(self.server, "SELECT COUNT(*) FROM audit_log WHERE actor_id IS NULL "
                                          "AND action = '%s' AND target = '%s'" % (action, target)),
                         ["1"])

    def changed_page(self, slug, etag):
        """The anonymous page once its ETag moved (the CLI is another process: on
        PostgreSQL the server hears of the commit by NOTIFY a moment later)."""
        return eventually(
            lambda: (lambda r: r if r.status == 200 and r.header("ETag") != etag else None)(
                page(self.server, slug, {"If-None-Match": etag})),
            "the page's ETag changes")

    def post(self, slug, token, body):
        return self.client().post_json("/api/v1/stories/%s/comments" % slug, {"body": body},
                                       token=token)

    # --- comments

    def test_reject_then_approve_change_the_page_the_stream_and_the_audit_log(self):
        slug = self.story()
        _, token = self.reader()
        keep = post_api(self, self.server, slug, token, "a fine comment")
        bad = post_api(self, self.server, slug, token, unique("an abusive comment "))
        before = page(self.server, slug)
        self.assertIn(bad["body_html"], before.text)
        stream = open_stream(self, self.server, slug)

        rc, out, err = self.stet("comment", "reject", str(bad["id"]), "--note", "  Abuse.  ")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, "comment %d on %s is now rejected\n" % (bad["id"], slug))
        self.assertEqual(self.status_of(bad["id"]), "rejected")
        after = self.changed_page(slug, before.header("ETag"))
        root = parse_html(after.text)
        self.assertIsNone(root.by_id("comment-%d" % bad["id"]))
        self.assertIsNotNone(root.by_id("comment-%d" % keep["id"]))
        ev = stream.next_event()
        self.assertEqual((ev["event"], json.loads(ev["data"])), ("removed", {"id": bad["id"]}))
        self.assert_cli_audit("comment.reject", "comment:%d" % bad["id"], "Abuse., " + FROM_CLI)

        rc, out, err = self.stet("comment", "approve", str(bad["id"]))
        self.assertEqual((rc, out, err),
                         (0, "comment %d on %s is now visible\n" % (bad["id"], slug), ""))
        again = self.changed_page(slug, after.header("ETag"))
        self.assertIsNotNone(parse_html(again.text).by_id("comment-%d" % bad["id"]))
        ev = stream.next_event()
        self.assertEqual((ev["event"], json.loads(ev["data"])["id"]), ("comment", bad["id"]))
        self.assert_cli_audit("comment.approve", "comment:%d" % bad["id"], FROM_CLI)

    def test_story_close_and_open_are_audited(self):
        slug = self.story()
        before = page(self.server, slug)
        rc, out, err = self.stet("story", "close", slug)
        self.assertEqual((rc, err), (0, ""), out)
        self.changed_page(slug, before.header("ETag"))
        self.assert_cli_audit("story.close", "story:" + slug, FROM_CLI)
        rc, out, err = self.stet("story", "open", slug)
        self.assertEqual((rc, err), (0, ""), out)
        self.assert_cli_audit("story.open", "story:" + slug, FROM_CLI)

    def test_delete_removes_the_comment_and_is_audited(self):
        slug = self.story()
        _, token = self.reader()
        c = post_api(self, self.server, slug, token, unique("to be deleted "))
        before = page(self.server, slug)
        stream = open_stream(self, self.server, slug)

        rc, out, err = self.stet("comment", "delete", "--note", "Doxxing", str(c["id"]))
        self.assertEqual((rc, out, err), (0, "deleted comment %d\n" % c["id"], ""))
        self.assertEqual(self.status_of(c["id"]), "deleted")
        after = self.changed_page(slug, before.header("ETag"))
        self.assertIsNone(parse_html(after.text).by_id("comment-%d" % c["id"]))
        ev = stream.next_event()
        self.assertEqual((ev["event"], json.loads(ev["data"])), ("removed", {"id": c["id"]}))
        self.assert_cli_audit("comment.delete", "comment:%d" % c["id"], "Doxxing, " + FROM_CLI)

        rc, out, err = self.stet("comment", "delete", str(c["id"]))
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("stet: comment %d: not found" % c["id"], err)

    def test_queue_lists_what_waits_and_why_on_one_line_each(self):
        slug = self.story()
        name, token = self.reader()
        r = self.post(slug, token, "Buy frobnicate now\nsecond\tline")
        self.assertEqual(r.status, 201, r)
        held = r.json()["comment"]
        self.assertEqual(held["status"], "held")
        # What no form accepts but an old import might hold: a terminal escape and
        # a right-to-left override must reach the operator's screen as text.
        reported = post_api(self, self.server, slug, token, "plain")
        char = "chr" if IS_POSTGRES else "char"
        sql(self.server, "UPDATE comments SET report_count = 2, body_src = 'x' || %s(27) || "
                         "'[2J' || %s(8238) || 'y\\z' WHERE id = %d" % (char, char, reported["id"]))
        visible = post_api(self, self.server, slug, token, "nothing to see")

        rc, out, err = self.stet("comment", "queue")
        self.assertEqual((rc, err), (0, ""))
        lines = {int(line.split("\t")[0]): line.split("\t") for line in out.splitlines()}
        self.assertNotIn(visible["id"], lines)
        self.assertEqual(lines[held["id"]][:3], [str(held["id"]), slug, name])
        self.assertRegex(lines[held["id"]][3], r"^\d+[smhd]$")
        self.assertEqual(lines[held["id"]][4:],
                         ["held (policy: banned word)", "-", r"Buy frobnicate now\nsecond\tline"])
        self.assertEqual(lines[reported["id"]][4:],
                         ["reported 2 times", "-", r"x\x1b[2J\u202ey\\z"])
        ids = [int(line.split("\t")[0]) for line in out.splitlines()]
        self.assertEqual(ids, sorted(ids), "oldest first")

        rc, out, err = self.stet("comment", "queue", "--limit", "1")
        self.assertEqual((rc, err, len(out.splitlines())), (0, "", 1))
        long_text = "frobnicate " + "é" * 200
        r = self.post(slug, token, long_text)
        self.assertEqual(r.json()["comment"]["status"], "held", r)
        rc, out, _ = self.stet("comment", "queue")
        text = out.splitlines()[-1].split("\t")[6]
        self.assertEqual(text, long_text[:80] + "…")

    # --- accounts

    def test_suspend_ban_and_unsuspend_change_what_the_account_may_do(self):
        slug = self.story()
        name, token = self.reader()
        rc, out, err = self.stet("user", "suspend", name, "--until", "2999-01-02",
                                 "--reason", "Flame war")
        self.assertEqual((rc, out, err),
                         (0, "suspended %s until 2999-01-02T00:00:00Z\n" % name, ""))
        r = eventually(lambda: (lambda r: r if r.status == 403 else None)(
            self.post(slug, token, "still here?")), "the suspension applies")
        self.assertIn("suspended until", r.json()["error"]["message"])
        self.assertIn("2999", r.json()["error"]["message"])
        self.assert_cli_audit("user.suspend", "user:" + name,
                              "until 2999-01-02T00:00:00Z: Flame war, " + FROM_CLI)

        rc, out, err = self.stet("user", "unsuspend", name)
        self.assertEqual((rc, out, err), (0, "%s may post again\n" % name, ""))
        eventually(lambda: self.post(slug, token, unique("back ")).status == 201,
                   "the account posts again")
        self.assert_cli_audit("user.unsuspend", "user:" + name, FROM_CLI)

        rc, out, err = self.stet("user", "ban", name, "--reason", "Spam bot")
        self.assertEqual((rc, out, err), (0, "banned %s\n" % name, ""))
        r = eventually(lambda: (lambda r: r if r.status == 403 else None)(
            self.post(slug, token, "and now?")), "the ban applies")
        self.assertIn("banned", r.json()["error"]["message"])
        self.assert_cli_audit("user.ban", "user:" + name, "Spam bot, " + FROM_CLI)

        # The operator reaches moderators too, with --days counted from now.
        mod, _ = self.reader(role="moderator")
        rc, out, err = self.stet("user", "suspend", mod, "--days", "3", "--reason", "Cooling off")
        self.assertEqual((rc, err), (0, ""))
        self.assertRegex(out, r"^suspended %s until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$" % mod)

    def test_refused_commands_exit_1_and_change_nothing(self):
        slug = self.story()
        name, token = self.reader()
        c = post_api(self, self.server, slug, token, "stays as it is")
        before = self.snapshot()
        cases = [
            (("comment", "reject", "999999"), "stet: comment 999999: not found"),
            (("comment", "approve", "999999"), "stet: comment 999999: not found"),
            (("comment", "delete", "999999"), "stet: comment 999999: not found"),
            (("user", "suspend", self.admin_name, "--days", "1", "--reason", "x"),
             "stet: user suspend: An admin cannot be suspended."),
            (("user", "ban", self.admin_name, "--reason", "x"),
             "stet: user ban: An admin cannot be suspended."),
            (("user", "ban", "nobody_here", "--reason", "x"), "stet: no user named 'nobody_here'"),
            (("user", "unsuspend", "nobody_here"), "stet: no user named 'nobody_here'"),
        ]
        for args, message in cases:
            rc, out, err = self.stet(*args)
            self.assertEqual((rc, out), (1, ""), args)
            self.assertEqual(err.strip(), message, args)
        self.assertEqual(self.snapshot(), before)
        self.assertTrue(shows(self.server, slug, c["id"]))

    def test_usage_errors_exit_2_with_a_clear_message_and_change_nothing(self):
        slug = self.story()
        name, token = self.reader()
        c = post_api(self, self.server, slug, token, "stays as it is too")
        cid = str(c["id"])
        before = self.snapshot()
        cases = [
            (("comment", "reject"), "stet: comment reject: ID is missing"),
            (("comment", "reject", "abc"),
             "stet: comment reject: ID must be a comment's number, e.g. 42 (not 'abc')"),
            (("comment", "approve", "0"),
             "stet: comment approve: ID must be a comment's number, e.g. 42 (not '0')"),
            (("comment", "reject", cid, "--note", "two\nlines"),
             "stet: comment reject: --note: Text must be a single line."),
            (("comment", "delete", cid, "--note", "n" * 501),
             "stet: comment delete: --note: Text is too long."),
            (("comment", "reject", cid, "--reason", "x"), "stet: comment reject: unknown flag --reason"),
            (("comment", "queue", "--limit", "0"),
             "stet: comment queue: --limit must be a number from 1 to 1000000"),
            (("comment", "frobnicate"), 'stet: unknown command "comment frobnicate"'),
            (("user", "suspend", name, "--reason", "x"),
             "stet: user suspend: give either --days N or --until YYYY-MM-DD "
             "(`stet user ban` suspends for good)"),
            (("user", "suspend", name, "--days", "1", "--until", "2999-01-01", "--reason", "x"),
             "stet: user suspend: give either --days N or --until YYYY-MM-DD "
             "(`stet user ban` suspends for good)"),
            (("user", "suspend", name, "--days", "0", "--reason", "x"),
             "stet: user suspend: --days must be a number from 1 to 3650"),
            (("user", "suspend", name, "--until", "soon", "--reason", "x"),
             "stet: user suspend: --until must be a date, YYYY-MM-DD, or an ISO 8601 time "
             "such as 2026-12-01T09:00:00+01:00"),
            (("user", "suspend", name, "--until", "2001-01-01", "--reason", "x"),
             "stet: user suspend: --until: A suspension must end in the future."),
            (("user", "suspend", name, "--days", "1"),
             "stet: user suspend: --reason is required (--reason TEXT)"),
            (("user", "ban", name, "--reason", "   "),
             "stet: user ban: --reason: This field is required."),
            (("user", "unsuspend"), "stet: user unsuspend: NAME is missing"),
        ]
        for args, message in cases:
            rc, out, err = self.stet(*args)
            self.assertEqual((rc, out), (2, ""), args)
            self.assertEqual(err.splitlines()[0], message, args)
        self.assertEqual(self.snapshot(), before)

    def test_help_names_every_moderation_command(self):
        for args in (("help", "comment"), ("comment", "--help")):
            rc, out, err = self.stet_offline(*args)
            self.assertEqual((rc, err), (0, ""), args)
            for sub in ("queue [--limit N]", "approve [--note TEXT] ID",
                        "reject [--note TEXT] ID", "delete [--note TEXT] ID"):
                self.assertIn("usage: stet comment " + sub, out, args)
        rc, out, _ = self.stet_offline("help", "user", "suspend")
        self.assertEqual(rc, 0)
        self.assertIn("usage: stet user suspend [--days N] [--until DATE] --reason TEXT NAME", out)
        rc, out, _ = self.stet_offline("help")
        for cmd in ("user suspend", "user ban", "user unsuspend", "comment queue",
                    "comment approve", "comment reject", "comment delete"):
            self.assertRegex(out, r"\n  %s +\S" % re.escape(cmd))
