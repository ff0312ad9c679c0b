"""A deleted comment with replies (issue 11 item 2; SPEC 5 "Live comments": "a
deleted comment with replies is `updated` to its 'comment deleted' form"): it stays
in the thread as a placeholder, the words "comment deleted" where its author and
text were, its replies under it, no actions but its permalink, and no longer
counted. The anonymous page (and its ETag), the API's list and open live streams
agree: the stream sends `updated` with the comment's deleted form (no author, no
text), and `removed` for the placeholder when its last reply leaves. A reply to it
is refused as a reply to any deleted comment is."""

import json

from harness import ServerTest, parse_html, unique
from test_cache import page, session_token
from test_comment_edit import NO_LIMITS, comment_row, sql
from test_live import open_stream

DELETED_KEYS = {"id", "story", "parent_id", "created_at", "status"}


class DeletedWithReplies(ServerTest):
    server_kwargs = {"config": NO_LIMITS}

    @classmethod
    def prepare(cls):
        cls.anna, cls.bob, cls.mod = unique("anna"), unique("bob"), unique("mod")
        cls.server.add_user(cls.anna)
        cls.server.add_user(cls.bob)
        cls.server.add_user(cls.mod, role="moderator")
        cls.anna_token = session_token(cls.server, cls.anna)
        cls.bob_token = session_token(cls.server, cls.bob)
        cls.mod_token = session_token(cls.server, cls.mod)

    # --- helpers

    def story(self):
        slug = unique("deleted-")
        self.server.add_story(slug, title="Deleted comments")
        return slug

    def post(self, slug, body, token, parent_id=None):
        doc = {"body": body}
        if parent_id is not None:
            doc["parent_id"] = parent_id
        r = self.client().post_json("/api/v1/stories/%s/comments" % slug, doc, token=token)
        self.assertEqual(r.status, 201, r)
        return r.json()["comment"]

    def delete(self, cid, token):
        r = self.client().request("DELETE", "/api/v1/comments/%s" % cid, token=token)
        self.assertEqual(r.status, 204, r)

    def anon_page(self, slug):
        r = page(self.server, slug)
        self.assertEqual(r.status, 200, r)
        return r, parse_html(r.text).by_id("comments")

    def stream_at_now(self, slug):
        _, sec = self.anon_page(slug)
        return open_stream(self, self.server, slug, last_event_id=int(sec.get("data-event-seq")))

    def listed(self, slug):
        return {c["id"]: c for c in self.api_comments(slug, "?limit=100")["comments"]}

    def assertPlaceholder(self, sec, cid, reply_ids, secret):
        """#comment-CID is a placeholder: the words, its permalink, the replies
        nested under it, and nothing of its author, text or actions."""
        art = sec.by_id("comment-%d" % cid)
        self.assertIsNotNone(art, "the placeholder left the page")
        self.assertTrue(art.has_class("comment-placeholder"), art.classes)
        self.assertIsNone(art.get("data-author"))
        own = [ch for ch in art.children if hasattr(ch, "tag") and
               not ch.has_class("comment-replies")]
        self.assertEqual([ch.tag for ch in own], ["header"])
        head = own[0]
        self.assertEqual(head.find(cls="comment-deleted").norm_text(), "comment deleted")
        self.assertEqual(head.find("a", cls="comment-permalink").get("href"), "#comment-%d" % cid)
        self.assertEqual([a.get("class") for a in head.find_all("a")], ["comment-permalink"])
        self.assertNotIn(secret, head.norm_text())
        self.assertNotIn(self.anna, head.norm_text())
        replies = art.find(cls="comment-replies")
        self.assertIsNotNone(replies, "no replies under the placeholder")
        for rid in reply_ids:
            got = replies.by_id("comment-%d" % rid)
            self.assertIsNotNone(got, "reply %d moved" % rid)
            self.assertIsNone(got.find(cls="comment-in-reply-to"), "nested, it says no more")

    # --- tests

    def test_placeholder_keeps_the_thread(self):
        slug = self.story()
        parent = self.post(slug, "the secret words of the parent", self.anna_token)
        reply = self.post(slug, "a reply that stays", self.bob_token, parent["id"])
        before, sec = self.anon_page(slug)
        count = int(sec.get("data-count"))
        stream = self.stream_at_now(slug)

        self.delete(parent["id"], self.anna_token)
        self.assertEqual(comment_row(self.server, parent["id"])[0], "deleted")

        # The cached anonymous page and its ETag follow at once.
        r = page(self.server, slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.header("ETag"), before.header("ETag"))
        sec = parse_html(r.text).by_id("comments")
        self.assertPlaceholder(sec, parent["id"], [reply["id"]], "secret words")
        self.assertNotIn("secret words", r.text)
        # Not counted (as Remark42 and Disqus count): one fewer, here and in the API.
        self.assertEqual(int(sec.get("data-count")), count - 1)
        self.assertEqual(sec.find(cls="comment-count").text(), str(count - 1))
        self.assertEqual(self.count(slug), count - 1)

        # The API lists it where the page shows it, as "deleted" and nothing more.
        listed = self.listed(slug)
        self.assertEqual(set(listed), {parent["id"], reply["id"]})
        got = listed[parent["id"]]
        self.assertEqual(set(got), DELETED_KEYS)
        self.assertEqual(got, {"id": parent["id"], "story": slug, "parent_id": None,
                               "created_at": parent["created_at"], "status": "deleted"})
        self.assertEqual(self.api_comments(slug, "?limit=100")["count"], count - 1)

        # Open pages hear it as `updated`, carrying that same deleted form.
        ev = stream.next_event()
        self.assertEqual(ev["event"], "updated", ev)
        self.assertEqual(json.loads(ev["data"]), got)

        # Its permalink still finds it; nothing replies to it, edits or deletes it.
        r = self.client().get("/stories/%s/comments/%d" % (slug, parent["id"]))
        self.assertEqual(r.status, 303, r)
        self.assertTrue(r.header("Location").endswith("#comment-%d" % parent["id"]), r)
        r = self.client().post_json("/api/v1/stories/%s/comments" % slug,
                                    {"body": "late answer", "parent_id": parent["id"]},
                                    token=self.bob_token)
        self.assertApiError(r, 422, "invalid", "parent_id")
        r = self.client().request("DELETE", "/api/v1/comments/%d" % parent["id"],
                                  token=self.anna_token)
        self.assertApiError(r, 404, "not_found")
        r = self.client().post_json("/api/v1/comments/%d" % parent["id"], {"body": "back"},
                                    method="PATCH", token=self.anna_token)
        self.assertApiError(r, 404, "not_found")

    def test_placeholder_leaves_with_its_last_reply(self):
        slug = self.story()
        parent = self.post(slug, "parent text", self.anna_token)
        first = self.post(slug, "first reply", self.bob_token, parent["id"])
        second = self.post(slug, "second reply", self.bob_token, parent["id"])
        self.delete(parent["id"], self.anna_token)
        before, sec = self.anon_page(slug)
        count = int(sec.get("data-count"))
        self.assertPlaceholder(sec, parent["id"], [first["id"], second["id"]], "parent text")
        stream = self.stream_at_now(slug)

        # One reply left: the placeholder stays for the other.
        self.delete(first["id"], self.bob_token)
        _, sec = self.anon_page(slug)
        self.assertPlaceholder(sec, parent["id"], [second["id"]], "parent text")
        ev = stream.next_event()
        self.assertEqual((ev["event"], json.loads(ev["data"])), ("removed", {"id": first["id"]}))

        # The last one goes (a moderator's rejection): the placeholder with it, in one
        # change, two events, the count down by the reply alone.
        r = self.client().post_json("/api/v1/comments/%d/reject" % second["id"], {},
                                    token=self.mod_token)
        self.assertEqual(r.status, 200, r)
        r = page(self.server, slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(r.status, 200, r)
        sec = parse_html(r.text).by_id("comments")
        for gone in (parent, first, second):
            self.assertIsNone(sec.by_id("comment-%d" % gone["id"]))
        self.assertEqual(int(sec.get("data-count")), count - 2)
        self.assertEqual(self.listed(slug), {})
        got = [stream.next_event(), stream.next_event()]
        self.assertEqual([(e["event"], json.loads(e["data"])) for e in got],
                         [("removed", {"id": second["id"]}), ("removed", {"id": parent["id"]})])
        self.assertEqual(int(got[1]["id"]), int(got[0]["id"]) + 1)
        self.assertEqual(sql(self.server, "SELECT count(*) FROM comments WHERE story_id = "
                             "(SELECT id FROM stories WHERE slug = '%s') AND placeholder"
                             % slug), [(0,)])

    def test_without_replies_it_leaves(self):
        slug = self.story()
        lone = self.post(slug, "nobody answered", self.anna_token)
        stream = self.stream_at_now(slug)
        self.delete(lone["id"], self.mod_token)
        _, sec = self.anon_page(slug)
        self.assertIsNone(sec.by_id("comment-%d" % lone["id"]))
        self.assertEqual(self.listed(slug), {})
        ev = stream.next_event()
        self.assertEqual((ev["event"], json.loads(ev["data"])), ("removed", {"id": lone["id"]}))
