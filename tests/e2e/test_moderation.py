"""Moderator decisions over the JSON API (issue 11), on both backends: a
moderator rejects a visible comment and approves a held one, and the anonymous story
page (its cached copy and ETag), the story's count and open live streams follow; a
reader or an anonymous client gets 403 / 401 and nothing changes in the database;
every decision leaves an audit entry that GET /api/v1/audit shows to admins only;
the queue lists held and reported comments with why they wait."""

import glob
import json
import sqlite3
import subprocess

from harness import IS_POSTGRES, ServerTest, eventually, parse_html, unique
from test_live import open_stream, post_api


def sql(server, statement):
    """Runs trusted SQL on the server's database; the first column of each row."""
    if IS_POSTGRES:
        psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
        p = subprocess.run([psql[-1] if psql else "psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1",
                            "-d", server.db, "-c", statement],
                           check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        return [line for line in p.stdout.decode().splitlines() if line]
    with sqlite3.connect(server.db[len("sqlite:"):]) as db:
        return [str(row[0]) for row in db.execute(statement)]


def page(server, slug, headers=None):
    r = server.client().request("GET", "/stories/" + slug, headers=headers or {})
    assert r.status in (200, 304), r
    return r


def shows(server, slug, cid):
    """Whether the anonymous story page shows comment `cid`."""
    return parse_html(page(server, slug).text).by_id("comment-%d" % cid) is not None


class Moderation(ServerTest):
    @classmethod
    def prepare(cls):
        cls.mod_name = unique("mod")
        cls.admin_name = unique("admin")
        cls.reader_name = unique("reader")
        cls.server.add_user(cls.mod_name, role="moderator")
        cls.server.add_user(cls.admin_name, role="admin")
        cls.server.add_user(cls.reader_name)

    def setUp(self):
        super().setUp()
        self.mod = self.token_for(self.mod_name)
        self.admin = self.token_for(self.admin_name)
        self.reader = self.token_for(self.reader_name)

    def story(self):
        slug = unique("mod-")
        self.server.add_story(slug)
        return slug

    def count(self, slug):
        r = self.client().get("/api/v1/counts?stories=" + slug)
        self.assertEqual(r.status, 200, r)
        return r.json()["counts"][slug]

    def status_of(self, cid):
        return sql(self.server, "SELECT status FROM comments WHERE id = %d" % cid)[0]

    def decide(self, cid, action, token, note=None):
        body = {} if note is None else {"note": note}
        return self.client().post_json("/api/v1/comments/%d/%s" % (cid, action), body, token=token)

    def audit(self, token, query=""):
        return self.client().get("/api/v1/audit" + query, token=token)

    def hold(self, slug, cid):
        """Holds a visible comment as a policy would (no API for that in this slice):
        its status, its story's count and content version."""
        sql(self.server, "UPDATE comments SET status = 'held' WHERE id = %d" % cid)
        sql(self.server, "UPDATE stories SET comment_count = comment_count - 1, "
                         "content_version = content_version + 1 WHERE slug = '%s'" % slug)
        eventually(lambda: not shows(self.server, slug, cid), "the held comment leaves the page")

    # --- reject

    def test_reject_takes_the_comment_off_the_page_and_the_stream(self):
        slug = self.story()
        keep = post_api(self, self.server, slug, self.reader, "a fine comment")
        bad = post_api(self, self.server, slug, self.reader, unique("an abusive comment "))
        before = page(self.server, slug)
        self.assertIn(bad["body_html"], before.text)
        self.assertEqual(self.count(slug), 2)
        stream = open_stream(self, self.server, slug)

        r = self.decide(bad["id"], "reject", self.mod, "  Abuse.  ")
        self.assertEqual(r.status, 200, r)
        c = r.json()["comment"]
        self.assertEqual(c["id"], bad["id"])
        self.assertEqual(c["status"], "rejected")
        self.assertEqual(c["story"], slug)

        after = page(self.server, slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(after.status, 200)
        self.assertNotEqual(after.header("ETag"), before.header("ETag"))
        root = parse_html(after.text)
        self.assertIsNone(root.by_id("comment-%d" % bad["id"]))
        self.assertIsNotNone(root.by_id("comment-%d" % keep["id"]))
        self.assertNotIn(bad["body_html"], after.text)
        self.assertEqual(self.count(slug), 1)
        self.assertEqual(self.status_of(bad["id"]), "rejected")
        ev = stream.next_event()
        self.assertEqual(ev["event"], "removed", ev)
        self.assertEqual(json.loads(ev["data"]), {"id": bad["id"]})

        entry = self.audit(self.admin).json()["entries"][0]
        self.assertEqual(entry["action"], "comment.reject")
        self.assertEqual(entry["target"], "comment:%d" % bad["id"])
        self.assertEqual(entry["actor"], self.mod_name)
        self.assertEqual(entry["note"], "Abuse.")
        self.assertRegex(entry["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")

    # --- approve

    def test_approve_puts_a_held_comment_on_the_page(self):
        slug = self.story()
        c = post_api(self, self.server, slug, self.reader, unique("held for review "))
        self.hold(slug, c["id"])
        before = page(self.server, slug)
        self.assertEqual(self.count(slug), 0)
        queue = self.client().get("/api/v1/moderation/queue?sort=newest&limit=100",
                                  token=self.mod).json()["comments"]
        waiting = [q for q in queue if q["id"] == c["id"]]
        self.assertEqual(len(waiting), 1, queue)
        self.assertEqual(waiting[0]["status"], "held")
        self.assertEqual(waiting[0]["reasons"], ["held"])
        self.assertIsNone(waiting[0]["spam_score"])
        stream = open_stream(self, self.server, slug)

        r = self.decide(c["id"], "approve", self.mod)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["comment"]["status"], "visible")
        after = page(self.server, slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(after.status, 200)
        self.assertNotEqual(after.header("ETag"), before.header("ETag"))
        self.assertIsNotNone(parse_html(after.text).by_id("comment-%d" % c["id"]))
        self.assertEqual(self.count(slug), 1)
        ev = stream.next_event()
        self.assertEqual(ev["event"], "comment", ev)
        self.assertEqual(json.loads(ev["data"])["id"], c["id"])
        queue = self.client().get("/api/v1/moderation/queue?sort=newest&limit=100",
                                  token=self.mod).json()["comments"]
        self.assertNotIn(c["id"], [q["id"] for q in queue])
        entry = self.audit(self.admin).json()["entries"][0]
        self.assertEqual((entry["action"], entry["target"], entry["note"]),
                         ("comment.approve", "comment:%d" % c["id"], ""))

    def test_approving_a_reported_comment_clears_it_from_the_queue(self):
        slug = self.story()
        c = post_api(self, self.server, slug, self.reader, "reported, but fine")
        sql(self.server, "UPDATE comments SET report_count = 2 WHERE id = %d" % c["id"])
        queue = self.client().get("/api/v1/moderation/queue?sort=newest", token=self.mod)
        self.assertEqual(queue.status, 200, queue)
        entry = [q for q in queue.json()["comments"] if q["id"] == c["id"]]
        self.assertEqual(len(entry), 1)
        self.assertEqual((entry[0]["status"], entry[0]["reasons"], entry[0]["report_count"]),
                         ("visible", ["reported"], 2))
        r = self.decide(c["id"], "approve", self.admin, "Reports were unfounded.")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sql(self.server, "SELECT report_count FROM comments WHERE id = %d"
                             % c["id"]), ["0"])
        queue = self.client().get("/api/v1/moderation/queue?sort=newest", token=self.mod)
        self.assertNotIn(c["id"], [q["id"] for q in queue.json()["comments"]])
        self.assertTrue(shows(self.server, slug, c["id"]))

    # --- who may

    def test_readers_and_anonymous_change_nothing(self):
        slug = self.story()
        c = post_api(self, self.server, slug, self.reader, "stays as it is")
        n_audit = sql(self.server, "SELECT count(*) FROM audit_log")
        before = page(self.server, slug)
        for action in ("reject", "approve"):
            r = self.decide(c["id"], action, self.reader, "I do not like it")
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.json()["error"]["code"], "forbidden")
            r = self.decide(c["id"], action, None)
            self.assertEqual(r.status, 401, r)
        # A reader's bad JSON is still a 403: who may comes first.
        r = self.client().request("POST", "/api/v1/comments/%d/reject" % c["id"], body=b"{",
                                  headers={"Content-Type": "application/json",
                                           "Authorization": "Bearer " + self.reader})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.status_of(c["id"]), "visible")
        self.assertEqual(sql(self.server, "SELECT count(*) FROM audit_log"), n_audit)
        self.assertEqual(self.count(slug), 1)
        same = page(self.server, slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(same.status, 304)
        for token, status in ((self.reader, 403), (None, 401)):
            self.assertEqual(self.client().get("/api/v1/moderation/queue", token=token).status,
                             status)
            self.assertEqual(self.audit(token).status, status)
        # The audit log is the admins' alone.
        r = self.audit(self.mod)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"]["code"], "forbidden")

    def test_bad_requests(self):
        slug = self.story()
        c = post_api(self, self.server, slug, self.reader, "some words")
        r = self.decide(c["id"], "reject", self.mod, "x" * 501)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["error"]["field"], "note")
        self.assertEqual(self.status_of(c["id"]), "visible")
        self.assertEqual(self.decide(999999999, "reject", self.mod).status, 404)
        self.assertEqual(self.client().post_json("/api/v1/comments/abc/approve", {},
                                                 token=self.mod).status, 404)
        r = self.client().request("POST", "/api/v1/comments/%d/reject" % c["id"],
                                  headers={"Authorization": "Bearer " + self.mod})
        self.assertEqual(r.status, 200, r)  # no body: a decision without a note
        self.assertEqual(self.client().get("/api/v1/moderation/queue?limit=0",
                                           token=self.mod).status, 400)
        self.assertEqual(self.client().get("/api/v1/moderation/queue?cursor=zz",
                                           token=self.mod).status, 400)
        self.assertEqual(self.audit(self.admin, "?limit=101").status, 400)

    def test_audit_pages(self):
        slug = self.story()
        c = post_api(self, self.server, slug, self.reader, "decided on three times")
        for note in ("first", "second", "third"):
            self.assertEqual(self.decide(c["id"], "reject", self.mod, note).status, 200)
        r = self.audit(self.admin, "?limit=2")
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual([e["note"] for e in j["entries"]], ["third", "second"])
        self.assertIsNotNone(j["next_cursor"])
        r = self.audit(self.admin, "?limit=1&cursor=" + j["next_cursor"])
        self.assertEqual([e["note"] for e in r.json()["entries"]], ["first"])
        self.assertTrue(all(e["id"] for e in j["entries"]))
