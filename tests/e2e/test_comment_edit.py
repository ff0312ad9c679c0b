"""A reader's own comment (issue 11; SPEC 5 "Moderation and a reader's own
comments"): PATCH /api/v1/comments/ID edits it within comments.edit_window (15
minutes by default) and DELETE removes it. The anonymous story page (cached, with
its ETag) and open live streams follow every change: an edit shows the new text with
the "edited" mark and is sent as `updated`; a delete takes the comment off the page
and the count and is sent as `removed`. Only the author edits; the author or a
moderator deletes, a moderator's delete of someone else's comment leaving an audit
entry. Everyone else gets 401/403/404 and nothing changes: checked in the database."""

import glob
import json
import sqlite3
import subprocess
import time

from harness import IS_POSTGRES, ServerTest, eventually, parse_html, unique
from test_cache import page, session_token
from test_live import open_stream

NO_LIMITS = "[limits]\ncomment_account = 0\ncomment_client = 0\n"


def sql(server, statement):
    """Rows of `statement` (trusted text, numbers formatted in) on the server's
    database: the SQLite file, or PostgreSQL through psql."""
    if not IS_POSTGRES:
        with sqlite3.connect(server.db[len("sqlite:"):]) as db:
            return [tuple(r) for r in db.execute(statement).fetchall()]
    psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    out = subprocess.run([psql[-1] if psql else "psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1",
                          "-F", "\t", "-d", server.db, "-c", statement], check=True,
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    return [tuple(int(v) if v.lstrip("-").isdigit() else v for v in line.split("\t"))
            for line in out.stdout.decode().splitlines()]


def comment_row(server, cid):
    """(status, body_src, edited_at or 0) as stored."""
    rows = sql(server, "SELECT status, body_src, coalesce(edited_at, 0) FROM comments "
                       "WHERE id = %d" % cid)
    return rows[0] if rows else None


class OwnComments(ServerTest):
    server_kwargs = {"config": NO_LIMITS}

    @classmethod
    def prepare(cls):
        cls.slug = unique("own-")
        cls.server.add_story(cls.slug, title="Own comments")
        cls.anna, cls.bob, cls.mod = unique("anna"), unique("bob"), unique("mod")
        cls.server.add_user(cls.anna)
        cls.server.add_user(cls.bob)
        cls.server.add_user(cls.mod, role="moderator")
        cls.anna_token = session_token(cls.server, cls.anna)
        cls.bob_token = session_token(cls.server, cls.bob)
        cls.mod_token = session_token(cls.server, cls.mod)

    # --- helpers

    def post(self, body, token=None, slug=None):
        r = self.client().post_json("/api/v1/stories/%s/comments" % (slug or self.slug),
                                    {"body": body}, token=token or self.anna_token)
        self.assertEqual(r.status, 201, r)
        return r.json()["comment"]

    def patch(self, cid, body, token):
        return self.client().post_json("/api/v1/comments/%s" % cid, {"body": body},
                                       method="PATCH", token=token)

    def delete(self, cid, token):
        return self.client().request("DELETE", "/api/v1/comments/%s" % cid, token=token)

    def anon_page(self, slug=None):
        """The anonymous story page: (response, its #comments section)."""
        r = page(self.server, slug or self.slug)
        self.assertEqual(r.status, 200, r)
        return r, parse_html(r.text).by_id("comments")

    def assertChangedFor(self, before, slug=None):
        """The cached anonymous page of `before` (a response) is no longer current:
        its ETag is answered with a full 200 carrying a new one."""
        r = page(self.server, slug or self.slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.header("ETag"), before.header("ETag"))

    def assertUnchangedFor(self, before):
        r = page(self.server, self.slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(r.status, 304, r)

    def stream_at_now(self, slug=None):
        """A live stream of the story from its current event on."""
        _, sec = self.anon_page(slug)
        return open_stream(self, self.server, slug or self.slug,
                           last_event_id=int(sec.get("data-event-seq")))

    # --- editing

    def test_author_edits_within_the_window(self):
        c = self.post("the first *version*")
        before, sec = self.anon_page()
        self.assertIn("first", sec.by_id("comment-%d" % c["id"]).find(cls="comment-body").text())
        stream = self.stream_at_now()

        r = self.patch(c["id"], "the second **version**", self.anna_token)
        self.assertEqual(r.status, 200, r)
        got = r.json()["comment"]
        self.assertEqual(got["id"], c["id"])
        self.assertEqual(got["body_html"], "<p>the second <strong>version</strong></p>\n")
        self.assertEqual(got["status"], "visible")
        self.assertIsNotNone(got["edited_at"])
        self.assertEqual(got["created_at"], c["created_at"])
        self.assertEqual(comment_row(self.server, c["id"])[:2],
                         ("visible", "the second **version**"))

        # The anonymous page (and its ETag) follow at once, with the edited mark.
        self.assertChangedFor(before)
        _, sec = self.anon_page()
        art = sec.by_id("comment-%d" % c["id"])
        self.assertIn("second", art.find(cls="comment-body").text())
        self.assertNotIn("first", art.find(cls="comment-body").text())
        mark = art.find("time", cls="comment-edited")
        self.assertIsNotNone(mark, "no edited mark")
        self.assertEqual(mark.get("datetime"), got["edited_at"])

        # Open pages get it as `updated`, with the API's comment.
        ev = stream.next_event()
        self.assertEqual(ev["event"], "updated", ev)
        self.assertEqual(json.loads(ev["data"]), got)
        listed = [x for x in self.api_comments(self.slug, "?limit=100&sort=newest")["comments"]
                  if x["id"] == c["id"]]
        self.assertEqual(listed, [got])

    def test_same_text_is_no_edit(self):
        c = self.post("unchanged words")
        before, _ = self.anon_page()
        r = self.patch(c["id"], "  unchanged words\r\n", self.anna_token)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json()["comment"]["edited_at"])
        self.assertEqual(comment_row(self.server, c["id"]), ("visible", "unchanged words", 0))
        self.assertUnchangedFor(before)

    def test_edit_after_the_window(self):
        c = self.post("too late to change")
        sql(self.server, "UPDATE comments SET created_at = created_at - 901 WHERE id = %d"
            % c["id"])
        before, _ = self.anon_page()
        r = self.patch(c["id"], "changed anyway", self.anna_token)
        err = self.assertApiError(r, 403, "forbidden")
        self.assertEqual(err["message"], "The edit window of 15 minutes has passed.")
        self.assertEqual(comment_row(self.server, c["id"]), ("visible", "too late to change", 0))
        self.assertUnchangedFor(before)
        # Still inside it with time to spare: the last second of the window is the
        # unit test's (test_edit_until_the_window_closes), with a clock that stands
        # still; here a slow run may take seconds between the update and the request.
        sql(self.server, "UPDATE comments SET created_at = %d WHERE id = %d"
            % (int(time.time()) - 840, c["id"]))
        self.assertEqual(self.patch(c["id"], "just in time", self.anna_token).status, 200)

    def test_nobody_else_edits(self):
        c = self.post("anna's own words")
        before, _ = self.anon_page()
        for token in (self.bob_token, self.mod_token):
            r = self.patch(c["id"], "words put in her mouth", token)
            self.assertApiError(r, 403, "forbidden")
        self.assertApiError(self.patch(c["id"], "anonymous words", None), 401,
                            "registration_required")
        self.assertEqual(comment_row(self.server, c["id"]), ("visible", "anna's own words", 0))
        self.assertUnchangedFor(before)

    def test_bad_requests(self):
        c = self.post("a fine comment")
        self.assertApiError(self.patch(c["id"], "   ", self.anna_token), 422, "invalid", "body")
        self.assertApiError(self.patch(c["id"], "x" * 10001, self.anna_token), 422, "invalid",
                            "body")
        r = self.client().request("PATCH", "/api/v1/comments/%d" % c["id"], body=b"{not json",
                                  headers={"Content-Type": "application/json"},
                                  token=self.anna_token)
        self.assertApiError(r, 400, "bad_request")
        for bad in ("999999999", "0", "-1", "abc"):
            self.assertApiError(self.patch(bad, "text", self.anna_token), 404, "not_found")
            self.assertApiError(self.delete(bad, self.anna_token), 404, "not_found")
        self.assertEqual(comment_row(self.server, c["id"]), ("visible", "a fine comment", 0))

    def test_no_edit_on_a_closed_story(self):
        slug = unique("closing-")
        self.server.add_story(slug)
        c = self.post("said before closing", slug=slug)
        p = self.server.cli("story", "close", slug)
        self.assertEqual(p.returncode, 0, p.stderr)
        # Read-only polling: the node hears of the CLI's change a moment later on
        # PostgreSQL, and an edit let through meanwhile would spoil the check below.
        eventually(lambda: not self.client().get("/api/v1/stories/" + slug).json()["story"][
            "comments_open"], "the node sees the story closed")
        self.assertApiError(self.patch(c["id"], "said after", self.anna_token), 403,
                            "comments_closed")
        self.assertEqual(comment_row(self.server, c["id"])[1], "said before closing")

    # --- deleting

    def test_author_deletes(self):
        keep = self.post("this one stays")
        c = self.post("this one goes")
        before, sec = self.anon_page()
        count = int(sec.get("data-count"))
        self.assertIsNotNone(sec.by_id("comment-%d" % c["id"]))
        stream = self.stream_at_now()

        r = self.delete(c["id"], self.anna_token)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        self.assertEqual(comment_row(self.server, c["id"])[0], "deleted")
        self.assertEqual(sql(self.server, "SELECT count(*) FROM audit_log WHERE target = "
                             "'comment:%d'" % c["id"]), [(0,)])

        self.assertChangedFor(before)
        _, sec = self.anon_page()
        self.assertIsNone(sec.by_id("comment-%d" % c["id"]))
        self.assertIsNotNone(sec.by_id("comment-%d" % keep["id"]))
        self.assertEqual(int(sec.get("data-count")), count - 1)
        self.assertEqual(self.count(self.slug), count - 1)

        ev = stream.next_event()
        self.assertEqual(ev["event"], "removed", ev)
        self.assertEqual(json.loads(ev["data"]), {"id": c["id"]})

        # Gone: nothing more to delete or edit.
        self.assertApiError(self.delete(c["id"], self.anna_token), 404, "not_found")
        self.assertApiError(self.patch(c["id"], "back again", self.anna_token), 404, "not_found")

    def test_reader_cannot_delete_anothers(self):
        c = self.post("bob may not remove this")
        before, _ = self.anon_page()
        self.assertApiError(self.delete(c["id"], self.bob_token), 403, "forbidden")
        self.assertApiError(self.delete(c["id"], None), 401, "registration_required")
        self.assertEqual(comment_row(self.server, c["id"])[0], "visible")
        self.assertUnchangedFor(before)

    def test_moderator_deletes_with_audit_entry(self):
        c = self.post("abusive words")
        before, sec = self.anon_page()
        count = int(sec.get("data-count"))
        r = self.delete(c["id"], self.mod_token)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(comment_row(self.server, c["id"])[0], "deleted")
        rows = sql(self.server, "SELECT u.username, a.action, a.note FROM audit_log a "
                                "JOIN users u ON u.id = a.actor_id "
                                "WHERE a.target = 'comment:%d'" % c["id"])
        self.assertEqual(rows, [(self.mod, "comment.delete", "")])
        self.assertChangedFor(before)
        _, sec = self.anon_page()
        self.assertIsNone(sec.by_id("comment-%d" % c["id"]))
        self.assertEqual(int(sec.get("data-count")), count - 1)


class EditingOff(ServerTest):
    server_kwargs = {"config": NO_LIMITS + "[comments]\nedit_window = 0\n"}

    def test_no_edits_but_deletes(self):
        slug = unique("off-")
        self.server.add_story(slug)
        name = unique("writer")
        self.server.add_user(name)
        token = session_token(self.server, name)
        r = self.client().post_json("/api/v1/stories/%s/comments" % slug, {"body": "final"},
                                    token=token)
        self.assertEqual(r.status, 201, r)
        cid = r.json()["comment"]["id"]
        r = self.client().post_json("/api/v1/comments/%d" % cid, {"body": "edited"},
                                    method="PATCH", token=token)
        err = self.assertApiError(r, 403, "forbidden")
        self.assertEqual(err["message"], "Comments cannot be edited on this site.")
        self.assertEqual(comment_row(self.server, cid), ("visible", "final", 0))
        r = self.client().request("DELETE", "/api/v1/comments/%d" % cid, token=token)
        self.assertEqual(r.status, 204, r)
