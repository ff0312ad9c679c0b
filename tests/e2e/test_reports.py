"""Issue 11, reports and accounts under moderation (SPEC 5, "Moderation and a
reader's own comments"): readers report a comment and enough reports hold it (it
leaves the anonymous page, whose ETag changes, and the live stream says `removed`);
moderators suspend and ban readers, who then cannot post; admins change roles.
Who may do what, with the database checked after every refusal, and the audit
log's entries read with SQL on the test database."""

import glob
import sqlite3
import subprocess
import time
import unittest

from harness import IS_POSTGRES, ServerTest, parse_html, unique


def sql_rows(server, query):
    """The rows of `query` on the server's database, as lists of strings (None for
    NULL), on either backend."""
    if not IS_POSTGRES:
        con = sqlite3.connect(server.db[len("sqlite:"):])
        try:
            return [[None if v is None else str(v) for v in row]
                    for row in con.execute(query).fetchall()]
        finally:
            con.close()
    # Unit separator between fields, a marker no test value holds for NULL; lines
    # split on "\n" only (str.splitlines would also split on the separator).
    psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    p = subprocess.run([psql[-1] if psql else "psql", "-X", "-Atq", "-F", "\x1f", "-P",
                        "null=<NULL>", "-d", server.db, "-c", query],
                       capture_output=True, timeout=30, check=True)
    out = p.stdout.decode("utf-8")
    return [[None if v == "<NULL>" else v for v in line.split("\x1f")]
            for line in out.split("\n") if line]


def audit(server, action, target):
    """The audit log's entries of `action` on `target`: [actor username or None, note]."""
    return sql_rows(server, "SELECT u.username, a.note FROM audit_log a LEFT JOIN users u "
                            "ON u.id = a.actor_id WHERE a.action = '%s' AND a.target = '%s' "
                            "ORDER BY a.id" % (action, target))


def anonymous_page(server, slug):
    r = server.client().get("/stories/" + slug)
    assert r.status == 200, r
    return r


def shows(page, cid):
    return parse_html(page.text).by_id("comment-%d" % cid) is not None


class Reports(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = unique("reports-")
        cls.server.add_story(cls.slug, title="Reported story")

    def post(self, token, body="A comment someone will dislike."):
        r = self.client().post_json("/api/v1/stories/%s/comments" % self.slug, {"body": body},
                                    token=token)
        self.assertEqual(r.status, 201, r)
        return r.json()["comment"]

    def report(self, cid, token, reason="Rude and off topic."):
        return self.client().post_json("/api/v1/comments/%d/reports" % cid, {"reason": reason},
                                       token=token)

    def report_count(self, cid):
        return int(sql_rows(self.server, "SELECT report_count FROM comments WHERE id = %d"
                            % cid)[0][0])

    def test_three_reports_hold_the_comment(self):
        _, author, _ = self.api_user()
        c = self.post(author)
        cid = c["id"]
        before = anonymous_page(self.server, self.slug)
        self.assertTrue(shows(before, cid))
        count_before = int(parse_html(before.text).by_id("comments").get("data-count"))
        seq = sql_rows(self.server, "SELECT event_seq FROM stories WHERE slug = '%s'"
                       % self.slug)[0][0]
        tokens = [self.api_user()[1] for _ in range(3)]

        with self.server.events(self.slug, last_event_id=seq) as stream:
            for i, tok in enumerate(tokens[:2]):
                r = self.report(cid, tok)
                self.assertEqual(r.status, 201, r)
                self.assertEqual(r.json()["report"]["comment_id"], cid)
            # Two reports: still there, and the page did not change at all.
            still = anonymous_page(self.server, self.slug)
            self.assertTrue(shows(still, cid))
            self.assertEqual(still.header("ETag"), before.header("ETag"))

            r = self.report(cid, tokens[2])
            self.assertEqual(r.status, 201, r)
            ev = stream.next_event()
            self.assertEqual(ev.get("event"), "removed", ev)
            self.assertIn('"id":%d' % cid, ev["data"].replace(" ", ""))

        after = anonymous_page(self.server, self.slug)
        self.assertFalse(shows(after, cid))
        self.assertNotEqual(after.header("ETag"), before.header("ETag"))
        self.assertEqual(int(parse_html(after.text).by_id("comments").get("data-count")),
                         count_before - 1)
        self.assertEqual(sql_rows(self.server, "SELECT status, report_count FROM comments "
                                  "WHERE id = %d" % cid), [["held", "3"]])
        self.assertEqual(audit(self.server, "comment.hold", "comment:%d" % cid),
                         [[None, "3 reports"]])
        # Held: no longer there to report, for a reader who has not yet.
        r = self.report(cid, self.api_user()[1])
        self.assertEqual(r.status, 404, r)
        self.assertEqual(self.report_count(cid), 3)

    def test_same_reader_twice_conflicts(self):
        _, author, _ = self.api_user()
        cid = self.post(author)["id"]
        _, tok, _ = self.api_user()
        self.assertEqual(self.report(cid, tok).status, 201)
        r = self.report(cid, tok, "Again.")
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json()["error"]["code"], "conflict")
        self.assertEqual(self.report_count(cid), 1)

    def test_report_rules(self):
        c, author, _ = self.api_user()
        cid = self.post(author)["id"]
        anon = self.client().post_json("/api/v1/comments/%d/reports" % cid, {"reason": "x"})
        self.assertEqual(anon.status, 401, anon)
        own = self.report(cid, author)
        self.assertEqual(own.status, 422, own)
        self.assertIn("your own comment", own.json()["error"]["message"])
        _, tok, _ = self.api_user()
        for bad in ("", "   ", "x" * 501, "two\nlines"):
            r = self.report(cid, tok, bad)
            self.assertEqual(r.status, 422, (bad, r))
            self.assertEqual(r.json()["error"]["field"], "reason")
        self.assertEqual(self.report(cid + 100000, tok).status, 404)
        self.assertEqual(self.report_count(cid), 0)
        self.assertEqual(self.report(cid, tok, "x" * 500).status, 201)


class ReportLimits(Reports):
    """limits.report_account and limits.report_client: a few accounts (or one
    address) cannot hold comment after comment. A refused report spends nothing and
    stores nothing."""
    server_kwargs = {"config": "[limits]\nreport_account = 2/1h\nreport_client = 3/1h\n"}

    # The inherited tests need more reports than these limits allow.
    test_three_reports_hold_the_comment = None
    test_same_reader_twice_conflicts = None
    test_report_rules = None

    def test_reports_are_limited_per_account_and_per_client(self):
        _, author, _ = self.api_user()
        cids = [self.post(author, "Comment %d to report." % i)["id"] for i in range(4)]
        _, first, _ = self.api_user()
        _, second, _ = self.api_user()
        for cid in cids[:2]:
            self.assertEqual(self.report(cid, first).status, 201)
        r = self.report(cids[2], first)
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.json()["error"]["code"], "rate_limited")
        self.assertIn("reporting too fast", r.json()["error"]["message"])
        self.assertGreater(int(r.header("Retry-After")), 0)
        self.assertEqual(self.report_count(cids[2]), 0)
        # Another account from the same address: the address's third report passes
        # (the refused one spent nothing), its fourth does not.
        self.assertEqual(self.report(cids[2], second).status, 201)
        r = self.report(cids[3], second)
        self.assertEqual(r.status, 429, r)
        self.assertEqual(self.report_count(cids[3]), 0)


class Suspensions(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = unique("suspend-")
        cls.server.add_story(cls.slug, title="Suspensions")
        cls.admin = unique("admin")
        cls.server.add_user(cls.admin, role="admin")
        cls.mod = unique("mod")
        cls.server.add_user(cls.mod, role="moderator")

    def post(self, token):
        return self.client().post_json("/api/v1/stories/%s/comments" % self.slug,
                                       {"body": "Hello again."}, token=token)

    def suspend(self, name, token, body):
        return self.client().post_json("/api/v1/users/%s/suspension" % name, body, token=token)

    def unsuspend(self, name, token):
        return self.client().request("DELETE", "/api/v1/users/%s/suspension" % name, token=token)

    def set_role(self, name, token, role):
        return self.client().post_json("/api/v1/users/%s" % name, {"role": role}, method="PATCH",
                                       token=token)

    def user_row(self, name):
        return sql_rows(self.server, "SELECT role, suspended_until, suspension_reason FROM users "
                                     "WHERE username = '%s'" % name)[0]

    def audit_count(self):
        return int(sql_rows(self.server, "SELECT count(*) FROM audit_log")[0][0])

    def test_suspended_reader_cannot_post_until_unsuspended(self):
        _, tok, user = self.api_user()
        name = user["username"]
        mod = self.token_for(self.mod)
        self.assertEqual(self.post(tok).status, 201)
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7 * 86400))
        r = self.suspend(name, mod, {"until": until, "reason": "Flooding the thread."})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["suspension"]["until"], until)
        self.assertEqual(self.user_row(name)[2], "Flooding the thread.")
        self.assertEqual(audit(self.server, "user.suspend", "user:" + name),
                         [[self.mod, "until %s: Flooding the thread." % until]])

        r = self.post(tok)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"]["code"], "forbidden")
        self.assertIn("Your account is suspended until", r.json()["error"]["message"])

        r = self.unsuspend(name, mod)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.user_row(name)[1:], [None, None])
        self.assertEqual(audit(self.server, "user.unsuspend", "user:" + name), [[self.mod, ""]])
        self.assertEqual(self.post(tok).status, 201)

    def test_ban_without_until(self):
        _, tok, user = self.api_user()
        name = user["username"]
        r = self.suspend(name, self.token_for(self.mod), {"reason": "Spam account."})
        self.assertEqual(r.status, 201, r)
        self.assertIsNone(r.json()["suspension"]["until"])
        self.assertEqual(audit(self.server, "user.ban", "user:" + name),
                         [[self.mod, "Spam account."]])
        r = self.post(tok)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"]["message"], "Your account is banned.")
        # Nor may a banned reader hold others' comments with reports.
        _, other, _ = self.api_user()
        cid = self.client().post_json("/api/v1/stories/%s/comments" % self.slug,
                                      {"body": "Fine words."}, token=other).json()["comment"]["id"]
        r = self.client().post_json("/api/v1/comments/%d/reports" % cid, {"reason": "x"},
                                    token=tok)
        self.assertEqual(r.status, 403, r)

    def test_bad_suspensions(self):
        _, _, user = self.api_user()
        name = user["username"]
        mod = self.token_for(self.mod)
        n = self.audit_count()
        for body, field in (({"reason": ""}, "reason"),
                            ({"until": "2001-01-01T00:00:00Z", "reason": "x"}, "until"),
                            ({"until": "next week", "reason": "x"}, "until")):
            r = self.suspend(name, mod, body)
            self.assertEqual(r.status, 422, (body, r))
            self.assertEqual(r.json()["error"]["field"], field)
        self.assertEqual(self.suspend("nobody-" + unique(), mod, {"reason": "x"}).status, 404)
        self.assertEqual(self.user_row(name)[1], None)
        self.assertEqual(self.audit_count(), n)

    def test_moderator_cannot_suspend_admin_or_moderator(self):
        mod = self.token_for(self.mod)
        other_mod = unique("mod")
        self.server.add_user(other_mod, role="moderator")
        n = self.audit_count()
        for target in (self.admin, other_mod, self.mod):
            r = self.suspend(target, mod, {"reason": "Power struggle."})
            self.assertEqual(r.status, 403, (target, r))
            self.assertEqual(r.json()["error"]["code"], "forbidden")
            self.assertEqual(self.user_row(target)[1], None)
        admin = self.token_for(self.admin)
        r = self.suspend(self.admin, admin, {"reason": "Myself."})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.audit_count(), n)
        # An admin may suspend a moderator.
        r = self.suspend(other_mod, admin, {"reason": "Abused the tools."})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.user_row(other_mod)[1] is not None, True)

    def test_readers_get_403_on_moderator_routes(self):
        _, reader, _ = self.api_user()
        _, _, victim = self.api_user()
        name = victim["username"]
        n = self.audit_count()
        r = self.suspend(name, reader, {"reason": "x"})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"]["code"], "forbidden")
        self.assertEqual(self.unsuspend(name, reader).status, 403)
        r = self.set_role(name, reader, "admin")
        self.assertEqual(r.status, 403, r)
        # A moderator may not change roles either; nobody anonymous may do anything.
        self.assertEqual(self.set_role(name, self.token_for(self.mod), "moderator").status, 403)
        self.assertEqual(self.suspend(name, None, {"reason": "x"}).status, 401)
        self.assertEqual(self.set_role(name, None, "admin").status, 401)
        self.assertEqual(self.user_row(name), ["reader", None, None])
        self.assertEqual(self.audit_count(), n)

    def test_admin_changes_role(self):
        _, _, user = self.api_user()
        name = user["username"]
        admin = self.token_for(self.admin)
        self.assertEqual(self.set_role(name, admin, "overlord").status, 422)
        self.assertEqual(self.set_role("nobody-" + unique(), admin, "moderator").status, 404)
        self.assertEqual(self.set_role(self.admin, admin, "reader").status, 422)
        r = self.set_role(name, admin, "moderator")
        self.assertEqual(r.status, 200, r)
        u = r.json()["user"]
        self.assertEqual((u["username"], u["role"]), (name, "moderator"))
        self.assertNotIn("email", u)
        self.assertEqual(self.user_row(name)[0], "moderator")
        self.assertEqual(audit(self.server, "user.role", "user:" + name),
                         [[self.admin, "reader to moderator"]])


if __name__ == "__main__":
    unittest.main()
