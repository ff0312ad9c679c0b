"""The moderators' web pages (issue 11, item 1), on both backends: the queue at
/moderation with Approve and Reject forms, one comment's page with Delete, the audit
log for admins, opening and closing a story, the header's Moderation link; a reader
or an anonymous visitor gets a 403 page and nothing changes."""

import urllib.parse

from harness import ServerTest, eventually, parse_html, unique
from test_live import post_api
from test_moderation import shows, sql

NO_LIMITS = "[limits]\ncomment_account = 0\ncomment_client = 0\nlogins_per_15min = 0\n"


class ModerationPages(ServerTest):
    server_kwargs = {"config": NO_LIMITS}

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
        self.reader_token = self.token_for(self.reader_name)

    def web(self, name):
        c = self.client()
        r = c.login(name)
        self.assertEqual(r.status, 303, r)
        return c

    def story(self):
        slug = unique("modp-")
        self.server.add_story(slug, title="Story " + slug)
        return slug

    def comment(self, slug, text=None):
        return post_api(self, self.server, slug, self.reader_token, text or unique("words "))

    def held(self, slug, text=None):
        c = self.comment(slug, text)
        sql(self.server, "UPDATE comments SET status = 'held' WHERE id = %d" % c["id"])
        sql(self.server, "UPDATE stories SET comment_count = comment_count - 1, "
                         "content_version = content_version + 1 WHERE slug = '%s'" % slug)
        eventually(lambda: not shows(self.server, slug, c["id"]), "the held comment leaves")
        return c

    def status_of(self, cid):
        return sql(self.server, "SELECT status FROM comments WHERE id = %d" % cid)[0]

    def audit_count(self):
        return int(sql(self.server, "SELECT COUNT(*) FROM audit_log")[0])

    def queue_item(self, client, cid, path="/moderation"):
        """The queue's page showing comment `cid` (following Newer links) and its item."""
        while True:
            r = client.get(path)
            self.assertEqual(r.status, 200, r)
            root = parse_html(r.text)
            item = root.by_id("mod-comment-%d" % cid)
            newer = root.find("a", cls="pager-newer")
            if item is not None or newer is None:
                return r, item
            path = newer.get("href")

    # --- the queue

    def test_queue_shows_what_waits_and_why(self):
        slug = self.story()
        c = self.held(slug, "held *text*")
        rep = self.comment(slug, unique("reported "))
        other = self.client().post_json("/api/v1/users", {
            "username": unique("rep"), "email": unique("r") + "@example.com",
            "password": "correct horse battery"})
        self.assertEqual(other.status, 201, other)
        tok = self.token_for(other.json()["user"]["username"], "correct horse battery")
        r = self.client().post_json("/api/v1/comments/%d/reports" % rep["id"],
                                    {"reason": "spam"}, token=tok)
        self.assertEqual(r.status, 201, r)

        mod = self.web(self.mod_name)
        r, item = self.queue_item(mod, c["id"])
        self.assertIsNotNone(item, r.text[:3000])
        root = parse_html(r.text)
        self.assertEqual(root.find("h1").norm_text(), "Moderation queue")
        self.assertEqual(item.find("a", href="/stories/" + slug).norm_text(), "Story " + slug)
        self.assertIn(self.reader_name, item.find("h2").norm_text())
        self.assertIn("<em>text</em>", r.text)  # the stored safe HTML
        self.assertEqual(item.find(cls="mod-reasons").norm_text(), "Held")
        self.assertIsNotNone(item.find("time"))
        for action in ("approve", "reject"):
            form = item.find("form", action="/moderation/comments/%d/%s" % (c["id"], action))
            self.assertIsNotNone(form, action)
            self.assertEqual(form.get("method"), "post")
            self.assertTrue(form.find("input", name="csrf").get("value"))
        note = item.find("input", name="note")
        self.assertIsNotNone(root.find("label", **{"for": note.get("id")}))
        _, ritem = self.queue_item(mod, rep["id"])
        self.assertEqual(ritem.find(cls="mod-reasons").norm_text(), "Reported once")

    def test_empty_queue_and_paging(self):
        mod = self.web(self.mod_name)
        # Whatever earlier tests left: decide it all, so the queue is empty.
        for cid in sql(self.server, "SELECT id FROM comments WHERE status = 'held' "
                                    "OR (report_count > 0 AND status = 'visible')"):
            sql(self.server, "UPDATE comments SET status = 'rejected', report_count = 0 "
                             "WHERE id = %s" % cid)
        r = mod.get("/moderation")
        self.assertEqual(r.status, 200, r)
        self.assertIn("Nothing waits for a decision.", r.text)
        self.assertIsNone(parse_html(r.text).find("nav", cls="pager"))

        slug = self.story()
        ids = [self.comment(slug)["id"] for _ in range(27)]
        sql(self.server, "UPDATE comments SET status = 'held' WHERE id IN (%s)"
            % ",".join(map(str, ids)))
        r = mod.get("/moderation")
        root = parse_html(r.text)
        shown = [int(li.get("data-id")) for li in root.find_all("li", cls="mod-item")]
        self.assertEqual(shown, ids[:25])
        newer = root.find("a", cls="pager-newer")
        self.assertIsNone(root.find("a", cls="pager-older"))
        r2 = mod.get(newer.get("href"))
        root2 = parse_html(r2.text)
        self.assertEqual([int(li.get("data-id")) for li in root2.find_all("li", cls="mod-item")],
                         ids[25:])
        older = root2.find("a", cls="pager-older")
        r3 = mod.get(older.get("href"))
        self.assertEqual([int(li.get("data-id"))
                          for li in parse_html(r3.text).find_all("li", cls="mod-item")],
                         ids[:25])
        self.assertEqual(mod.get("/moderation?after=x").status, 400)
        sql(self.server, "UPDATE comments SET status = 'rejected' WHERE id IN (%s)"
            % ",".join(map(str, ids)))

    def test_approve_from_the_queue(self):
        slug = self.story()
        c = self.held(slug)
        mod = self.web(self.mod_name)
        r = mod.submit("/moderation", "/moderation/comments/%d/approve" % c["id"], {})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/moderation")
        self.assertEqual(self.status_of(c["id"]), "visible")
        page = mod.get("/moderation")
        self.assertIn("The comment was approved.", parse_html(page.text).by_id("flash").norm_text())
        self.assertIsNone(parse_html(page.text).by_id("mod-comment-%d" % c["id"]))
        eventually(lambda: shows(self.server, slug, c["id"]), "the approved comment shows")

    def test_reject_with_a_note_and_a_note_too_long(self):
        slug = self.story()
        c = self.comment(slug)
        mod = self.web(self.mod_name)
        before = self.audit_count()
        long_note = "x" * 501
        r = mod.submit("/moderation/comments/%d" % c["id"],
                       "/moderation/comments/%d/reject" % c["id"], {"note": long_note})
        self.assertEqual(r.status, 422, r)
        root = parse_html(r.text)
        err = root.find(cls="form-error")
        self.assertEqual(err.get("role"), "alert")
        self.assertEqual(root.by_id("form-error").get("tabindex"), "-1")
        self.assertEqual(root.by_id("note-%d" % c["id"]).get("value"), long_note)
        self.assertEqual(root.by_id("note-%d" % c["id"]).get("aria-invalid"), "true")
        self.assertEqual(self.status_of(c["id"]), "visible")
        self.assertEqual(self.audit_count(), before)

        r = mod.submit("/moderation/comments/%d" % c["id"],
                       "/moderation/comments/%d/reject" % c["id"], {"note": "Off topic."})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/moderation/comments/%d" % c["id"])
        self.assertEqual(self.status_of(c["id"]), "rejected")
        page = mod.get(r.header("Location"))
        root = parse_html(page.text)
        self.assertIn("The comment was rejected.", root.by_id("flash").norm_text())
        self.assertEqual(root.find(cls="mod-status").norm_text(), "rejected")
        self.assertEqual(sql(self.server, "SELECT note FROM audit_log ORDER BY id DESC LIMIT 1"),
                         ["Off topic."])
        eventually(lambda: not shows(self.server, slug, c["id"]), "the rejected comment leaves")

    def test_delete_from_the_comment_page_and_next(self):
        slug = self.story()
        c = self.comment(slug)
        mod = self.web(self.mod_name)
        r = mod.get("/moderation/comments/%d" % c["id"])
        self.assertEqual(r.status, 200, r)
        root = parse_html(r.text)
        self.assertEqual(root.find("h1").norm_text(), "Comment by " + self.reader_name)
        self.assertIsNotNone(root.find("form", action="/moderation/comments/%d/delete" % c["id"]))
        r = mod.submit("/moderation/comments/%d" % c["id"],
                       "/moderation/comments/%d/delete" % c["id"], {"next": "//evil.example/x"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/moderation")
        self.assertEqual(self.status_of(c["id"]), "deleted")
        self.assertIn("The comment was deleted.", mod.get("/moderation").text)
        eventually(lambda: not shows(self.server, slug, c["id"]), "the deleted comment leaves")
        # Gone: the page says so and offers no decision.
        root = parse_html(mod.get("/moderation/comments/%d" % c["id"]).text)
        self.assertIsNone(root.find("form", cls="mod-delete"))
        self.assertEqual(mod.get("/moderation/comments/999999999").status, 404)
        r = mod.post_form("/moderation/comments/999999999/approve", {"csrf": mod.csrf("/")})
        self.assertEqual(r.status, 404, r)

    # --- the audit log

    def test_audit_log_is_for_admins(self):
        slug = self.story()
        c = self.comment(slug)
        mod = self.web(self.mod_name)
        r = mod.submit("/moderation/comments/%d" % c["id"],
                       "/moderation/comments/%d/reject" % c["id"], {"note": "Abuse <b>"})
        self.assertEqual(r.status, 303, r)
        r = mod.get("/moderation/audit")
        self.assertEqual(r.status, 403, r)
        self.assertIn("Only an admin can read the audit log.", r.text)
        self.assertIsNone(parse_html(mod.get("/moderation").text).find("a", href="/moderation/audit"))

        admin = self.web(self.admin_name)
        r = admin.get("/moderation/audit")
        self.assertEqual(r.status, 200, r)
        root = parse_html(r.text)
        self.assertIsNotNone(root.find("a", href="/moderation/audit"))
        row = root.find("tr", cls="audit-entry")
        self.assertEqual(row.find(cls="audit-action").norm_text(), "comment.reject")
        self.assertIn(self.mod_name, row.norm_text())
        self.assertIn("Abuse <b>", row.norm_text())
        self.assertNotIn("Abuse <b>", r.text)  # escaped
        self.assertEqual(row.find("a").get("href"), "/moderation/comments/%d" % c["id"])

    # --- stories

    def test_close_and_open_a_story(self):
        slug = self.story()
        c = self.comment(slug)
        mod = self.web(self.mod_name)
        r = mod.submit("/moderation/comments/%d" % c["id"], "/stories/%s/close" % slug, {})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(sql(self.server, "SELECT comments_open FROM stories WHERE slug = '%s'"
                             % slug)[0] in ("0", "f", "False"), True)
        page = mod.get(r.header("Location"))
        self.assertIn("Comments are closed on this story.", page.text)
        self.assertIsNotNone(parse_html(page.text).find("form", action="/stories/%s/open" % slug))
        r = mod.submit("/moderation/comments/%d" % c["id"], "/stories/%s/open" % slug, {})
        self.assertEqual(r.status, 303, r)
        self.assertIn(sql(self.server, "SELECT comments_open FROM stories WHERE slug = '%s'"
                          % slug)[0], ("1", "t", "True"))

    # --- who may

    def test_readers_and_visitors_get_403_and_nothing_changes(self):
        slug = self.story()
        c = self.held(slug)
        mine = self.comment(slug)  # the reader's own: deleting it here is still refused
        reader = self.web(self.reader_name)
        anon = self.client()
        before = self.audit_count()
        pages = ["/moderation", "/moderation/comments/%d" % c["id"], "/moderation/audit"]
        for client, who in ((reader, "reader"), (anon, "anonymous")):
            for path in pages:
                r = client.get(path)
                self.assertEqual(r.status, 403, (who, path, r))
                root = parse_html(r.text)
                self.assertEqual([f for f in root.find_all("form")
                                  if f.get("action", "").startswith("/moderation")], [], path)
                self.assertEqual(root.find("h1").norm_text(), "Moderators only")
                self.assertEqual(root.find(cls="form-error").get("role"), "alert")
                prompt = root.find("p", cls="login-prompt")
                if who == "anonymous":
                    self.assertEqual(prompt.find("a").get("href"),
                                     "/login?next=" + urllib.parse.quote(path, safe=""))
                else:
                    self.assertIsNone(prompt)
            csrf = client.csrf("/login") if who == "anonymous" else client.csrf("/")
            for action in ("approve", "reject", "delete"):
                for cid in (c["id"], mine["id"]):
                    r = client.post_form("/moderation/comments/%d/%s" % (cid, action),
                                         {"csrf": csrf, "note": "x"})
                    self.assertEqual(r.status, 403, (who, action, r))
            for action in ("close", "open"):
                r = client.post_form("/stories/%s/%s" % (slug, action), {"csrf": csrf})
                self.assertEqual(r.status, 403, (who, action, r))
        self.assertEqual(self.status_of(c["id"]), "held")
        self.assertEqual(self.status_of(mine["id"]), "visible")
        self.assertIn(sql(self.server, "SELECT comments_open FROM stories WHERE slug = '%s'"
                          % slug)[0], ("1", "t", "True"))
        self.assertEqual(self.audit_count(), before)
        # Without the CSRF field a moderator changes nothing either.
        mod = self.web(self.mod_name)
        r = mod.post_form("/moderation/comments/%d/approve" % c["id"], {})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.status_of(c["id"]), "held")

    def test_header_link_for_moderators_only(self):
        slug = self.story()
        self.comment(slug)
        for name, has in ((self.mod_name, True), (self.admin_name, True),
                          (self.reader_name, False)):
            client = self.web(name)
            for path in ("/", "/stories/" + slug):
                root = parse_html(client.get(path).text)
                link = root.find("a", cls="moderation-link")
                self.assertEqual(link is not None, has, (name, path))
                if has:
                    self.assertEqual(link.get("href"), "/moderation")
                    self.assertIsNotNone(link.ancestors and root.find("header"))
        # Never inside the shared story fragment the anonymous page is cut from.
        self.assertNotIn("/moderation\"", self.client().get("/stories/" + slug).text)
