"""Edit, Delete, Report and Moderate on the story page (issue 11, item 6): every
comment of a logged-in reader's page carries one "Actions" link (none on the
anonymous page), to /comments/ID, which lists what that reader may do: Edit and
Delete their own comment, Report someone else's, Moderate for a moderator. Each
action is a form that works without JavaScript and checks the reader itself: 303
with a one-shot notice on success, the form again with the message and the status
on an error, and 403/404 with nothing changed for whoever may not. Checked in the
database."""

import re

from harness import ServerTest, eventually, form_fields, parse_html, unique
from test_cache import page, session_token
from test_comment_edit import NO_LIMITS, comment_row, sql

ACTIONS = ("comment-edit", "comment-delete", "comment-report", "comment-moderate")


# Each test logs its readers in afresh, more often than the login limits allow.
NO_LOGIN_LIMITS = "login_account = 0\nlogin_account_client = 0\nlogin_client = 0\n"


class CommentActions(ServerTest):
    server_kwargs = {"config": NO_LIMITS + NO_LOGIN_LIMITS}

    @classmethod
    def prepare(cls):
        cls.anna, cls.bob, cls.mod = unique("anna"), unique("bob"), unique("mod")
        cls.server.add_user(cls.anna)
        cls.server.add_user(cls.bob)
        cls.server.add_user(cls.mod, role="moderator")
        cls.tokens = {u: session_token(cls.server, u) for u in (cls.anna, cls.bob, cls.mod)}

    # --- helpers

    def story(self):
        slug = unique("act-")
        self.server.add_story(slug, title="Actions story")
        return slug

    def post(self, slug, who, body):
        r = self.client().post_json("/api/v1/stories/%s/comments" % slug, {"body": body},
                                    token=self.tokens[who])
        self.assertEqual(r.status, 201, r)
        return r.json()["comment"]

    def logged_in(self, who):
        c = self.client()
        r = c.login(who)
        self.assertEqual(r.status, 303, r)
        return c

    def url(self, slug, cid, action):
        return "/stories/%s/comments/%d/%s" % (slug, cid, action)

    def form_of(self, client, path, status=200):
        r = client.get(path)
        self.assertEqual(r.status, status, r)
        root = parse_html(r.text)
        forms = [f for f in root.find_all("form") if f.get("action") == path]
        return r, root, (form_fields(forms[0]) if forms else None)

    def you_css(self, client, slug):
        r = client.get("/stories/" + slug)
        links = [l.get("href") for l in parse_html(r.text).find_all("link", rel="stylesheet")
                 if l.get("href", "").startswith("/static/you/")]
        self.assertEqual(len(links), 1, links)
        css = client.get(links[0])
        self.assertEqual(css.status, 200, css)
        return links[0], css.text

    def revealed(self, css):
        """{class: [selector, ...]} of the rules that show an action link."""
        out = {}
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
            if "display: inline" not in body:
                continue
            for sel in selectors.split(","):
                for cls in ACTIONS:
                    if sel.strip().endswith("." + cls):
                        out.setdefault(cls, []).append(sel.strip())
        return out

    # --- the one "Actions" link and the page it leads to

    def actions_of(self, client, cid, status=200):
        """{class: href} of the action links on comment `cid`'s actions page."""
        r = client.get("/comments/%d" % cid)
        self.assertEqual(r.status, status, r)
        if status != 200:
            return None
        root = parse_html(r.text)
        lst = root.find("ul", cls="comment-action-list")
        return {a.get("class"): a.get("href") for a in lst.find_all("a")} if lst else {}

    def test_one_actions_link_per_comment_for_logged_in_readers_only(self):
        slug = self.story()
        c = self.post(slug, self.anna, "linked words")
        cid = c["id"]
        anon = page(self.server, slug)
        art = parse_html(anon.text).by_id("comment-%d" % cid)
        # Anonymous readers can do nothing with a comment: their (cached) page has
        # no action links at all, nor the old per-action ones.
        self.assertIsNone(art.find("p", cls="comment-actions"))
        for cls in ACTIONS + ("comment-more",):
            self.assertNotIn(cls, anon.text)
        self.assertIsNone(parse_html(anon.text).by_id("comments").get("data-actions"))
        # A logged-in reader gets one short link per comment, described by the
        # comment's author and time for a screen reader.
        for who in (self.anna, self.bob, self.mod):
            root = parse_html(self.logged_in(who).get("/stories/" + slug).text)
            art = root.by_id("comment-%d" % cid)
            links = art.find("p", cls="comment-actions").find_all("a")
            self.assertEqual([a.get("class") for a in links], ["comment-reply", "comment-more"])
            more = links[1]
            self.assertEqual(more.get("href"), "/comments/%d" % cid)
            self.assertEqual(more.norm_text(), "Actions")
            described = more.get("aria-describedby").split()
            self.assertEqual(described, ["comment-%d-author" % cid, "comment-%d-time" % cid])
            for ident in described:
                self.assertIsNotNone(root.by_id(ident), ident)
            self.assertEqual(root.by_id("comments").get("data-actions"), "1")
        # On a closed story a logged-in reader keeps Actions (a moderator, a
        # deletion), without Reply; the anonymous page still has none.
        self.server.cli("story", "close", slug)
        root = parse_html(self.logged_in(self.mod).get("/stories/" + slug).text)
        links = root.by_id("comment-%d" % cid).find("p", cls="comment-actions").find_all("a")
        self.assertEqual([a.get("class") for a in links], ["comment-more"])
        self.assertNotIn("comment-more", page(self.server, slug).text)

    def test_the_actions_page_lists_what_each_reader_may_do(self):
        slug = self.story()
        cid = self.post(slug, self.anna, "whose words")["id"]
        base = "/stories/%s/comments/%d" % (slug, cid)
        anna, bob, mod = (self.logged_in(w) for w in (self.anna, self.bob, self.mod))
        self.assertEqual(self.actions_of(anna, cid),
                         {"comment-edit": base + "/edit", "comment-delete": base + "/delete"})
        self.assertEqual(self.actions_of(bob, cid), {"comment-report": base + "/report"})
        self.assertEqual(self.actions_of(mod, cid),
                         {"comment-delete": base + "/delete", "comment-report": base + "/report",
                          "comment-moderate": "/moderation/comments/%d" % cid})
        # Every link leads to a page that lets that reader act.
        for client, links in ((anna, self.actions_of(anna, cid)), (bob, self.actions_of(bob, cid)),
                              (mod, self.actions_of(mod, cid))):
            for href in links.values():
                self.assertEqual(client.get(href).status, 200, href)
        # Anonymous: asked to log in; no such comment: 404.
        self.assertIsNone(self.actions_of(self.client(), cid, status=401))
        self.assertIsNone(self.actions_of(bob, 999999999, status=404))
        # After the edit window the author may still delete, and reads why Edit is gone.
        sql(self.server, "UPDATE comments SET created_at = created_at - 901 WHERE id = %d" % cid)
        self.assertEqual(self.actions_of(anna, cid), {"comment-delete": base + "/delete"})
        self.assertIn("can no longer be edited", anna.get("/comments/%d" % cid).text)

    def test_held_and_deleted_comments_on_the_actions_page(self):
        slug = self.story()
        cid = self.post(slug, self.anna, "soon held")["id"]
        sql(self.server, "UPDATE comments SET status = 'held' WHERE id = %d" % cid)
        anna, bob = self.logged_in(self.anna), self.logged_in(self.bob)
        self.assertEqual(set(self.actions_of(anna, cid)), {"comment-edit", "comment-delete"})
        self.assertIn("awaiting moderation", anna.get("/comments/%d" % cid).text)
        self.assertIsNone(self.actions_of(bob, cid, status=404))  # not bob's to see
        self.assertEqual(set(self.actions_of(self.logged_in(self.mod), cid)),
                         {"comment-delete", "comment-moderate"})
        sql(self.server, "UPDATE comments SET status = 'deleted' WHERE id = %d" % cid)
        self.assertIsNone(self.actions_of(anna, cid, status=404))

    def test_readers_stylesheet_marks_only_their_comments(self):
        slug = self.story()
        self.post(slug, self.anna, "anna's words")
        url, css = self.you_css(self.logged_in(self.anna), slug)
        self.assertNotIn("role=", url)
        self.assertEqual(self.revealed(css), {})  # no action links left to reveal
        self.assertIn('.comment[data-author="%s"] > .comment-meta > .comment-you' % self.anna, css)

    def test_moderate_follows_a_role_change(self):
        slug = self.story()
        cid = self.post(slug, self.anna, "to be moderated")["id"]
        who = unique("pro")
        self.server.add_user(who)
        c = self.logged_in(who)
        self.assertNotIn("comment-moderate", self.actions_of(c, cid))
        self.server.cli("user", "role", who, "moderator")
        # The command line is another process: the server's memo of the session
        # hears of its commit a moment later (NOTIFY on PostgreSQL).
        eventually(lambda: "comment-moderate" in self.actions_of(c, cid),
                   "the Actions page offers Moderate after the role change")

    # --- edit

    def test_author_edits_through_the_form(self):
        slug = self.story()
        cm = self.post(slug, self.anna, "first *draft*")
        before = page(self.server, slug)
        c = self.logged_in(self.anna)
        path = self.url(slug, cm["id"], "edit")
        _, root, fields = self.form_of(c, path)
        self.assertEqual(fields["body"], "first *draft*")
        self.assertIn("csrf", fields)
        self.assertIsNotNone(root.find("label", **{"for": "comment-body"}))
        self.assertTrue(int(root.by_id("comment-body").get("data-max-length")) > 0)

        r = c.post_form(path, dict(fields, body="second **draft**"))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/stories/%s/comments/%d" % (slug, cm["id"]))
        self.assertEqual(comment_row(self.server, cm["id"])[1], "second **draft**")
        landed = c.get(c.get(r.header("Location")).header("Location").split("#")[0])
        self.assertIn("Your comment was updated.", parse_html(landed.text).by_id("flash").text())
        # The anonymous page and its ETag follow.
        after = page(self.server, slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(after.status, 200, after)
        self.assertIn("second", parse_html(after.text).by_id("comment-%d" % cm["id"]).text())

    def test_edit_errors_reshow_the_form_with_the_text(self):
        slug = self.story()
        cm = self.post(slug, self.anna, "short")
        c = self.logged_in(self.anna)
        path = self.url(slug, cm["id"], "edit")
        _, root, fields = self.form_of(c, path)
        too_long = "x" * (int(root.by_id("comment-body").get("data-max-length")) + 1)
        r = c.post_form(path, dict(fields, body=too_long))
        self.assertEqual(r.status, 422, r)
        root = parse_html(r.text)
        self.assertEqual(root.find(cls="form-error").get("role"), "alert")
        self.assertEqual(root.by_id("comment-error").get("tabindex"), "-1")
        self.assertEqual(root.by_id("comment-body").text(), too_long)
        self.assertEqual(comment_row(self.server, cm["id"])[1], "short")

    def test_after_the_window_the_page_says_so_and_has_no_form(self):
        slug = self.story()
        cm = self.post(slug, self.anna, "old words")
        sql(self.server, "UPDATE comments SET created_at = created_at - 901 WHERE id = %d"
            % cm["id"])
        c = self.logged_in(self.anna)
        path = self.url(slug, cm["id"], "edit")
        r, root, fields = self.form_of(c, path, status=403)
        self.assertIsNone(fields)
        self.assertIn("The edit window of 15 minutes has passed.",
                      root.find(cls="form-error").text())
        tok = c.csrf("/stories/" + slug)
        r = c.post_form(path, {"body": "late words", "csrf": tok})
        self.assertEqual(r.status, 403, r)
        self.assertIn("late words", parse_html(r.text).by_id("comment-draft").text())
        self.assertEqual(comment_row(self.server, cm["id"])[1], "old words")

    def test_others_cannot_edit_or_delete(self):
        slug = self.story()
        cm = self.post(slug, self.anna, "anna only")
        bob = self.logged_in(self.bob)
        tok = bob.csrf("/stories/" + slug)
        r, _, fields = self.form_of(bob, self.url(slug, cm["id"], "edit"), status=403)
        self.assertIsNone(fields)
        r = bob.post_form(self.url(slug, cm["id"], "edit"), {"body": "bob's", "csrf": tok})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(bob.get(self.url(slug, cm["id"], "delete")).status, 403)
        r = bob.post_form(self.url(slug, cm["id"], "delete"), {"csrf": tok})
        self.assertEqual(r.status, 403, r)
        # Anonymous: asked to log in. Another story's address or no such comment: 404.
        anon = self.client()
        for action in ("edit", "delete", "report"):
            r = anon.get(self.url(slug, cm["id"], action))
            self.assertEqual(r.status, 401, action)
            # Asked to log in, and led back here; not told to register to comment.
            self.assertIn("You must be logged in to do that.", r.text)
            self.assertNotIn("registered to comment", r.text)
            login = [a for a in parse_html(r.text).find("p", cls="login-notice").find_all("a")
                     if a.norm_text() == "Log in"]
            self.assertEqual(len(login), 1, r.text)
            self.assertIn("next=", login[0].get("href"))
            other = self.story()
            self.assertEqual(bob.get(self.url(other, cm["id"], action)).status, 404, action)
            self.assertEqual(bob.get(self.url(slug, 999999999, action)).status, 404, action)
        self.assertEqual(comment_row(self.server, cm["id"])[:2], ("visible", "anna only"))

    # --- delete

    def test_author_deletes_after_confirming(self):
        slug = self.story()
        cm = self.post(slug, self.anna, "to be gone")
        before = page(self.server, slug)
        c = self.logged_in(self.anna)
        path = self.url(slug, cm["id"], "delete")
        _, root, fields = self.form_of(c, path)
        self.assertIn("to be gone", root.find("blockquote").text())
        r = c.post_form(path, fields)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/stories/%s#comments" % slug)
        self.assertEqual(comment_row(self.server, cm["id"])[0], "deleted")
        landed = c.get(r.header("Location"))
        self.assertIn("Your comment was deleted.", parse_html(landed.text).by_id("flash").text())
        after = page(self.server, slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(after.status, 200, after)
        self.assertIsNone(parse_html(after.text).by_id("comment-%d" % cm["id"]))
        self.assertEqual(c.get(path).status, 404)

    def test_csrf_is_required(self):
        slug = self.story()
        cm = self.post(slug, self.anna, "guarded")
        c = self.logged_in(self.anna)
        for action, extra in (("delete", {}), ("edit", {"body": "x"}),):
            r = c.post_form(self.url(slug, cm["id"], action), dict(extra, csrf="0" * 64))
            self.assertEqual(r.status, 403, r)
        self.assertEqual(comment_row(self.server, cm["id"])[:2], ("visible", "guarded"))

    # --- report

    def test_reader_reports_once_with_a_reason(self):
        slug = self.story()
        cm = self.post(slug, self.anna, "questionable")
        bob = self.logged_in(self.bob)
        path = self.url(slug, cm["id"], "report")
        _, root, fields = self.form_of(bob, path)
        self.assertIsNotNone(root.find("label", **{"for": "report-reason"}))
        r = bob.post_form(path, dict(fields, reason=""))
        self.assertEqual(r.status, 422, r)
        self.assertEqual(parse_html(r.text).find(cls="form-error").get("role"), "alert")
        r = bob.post_form(path, dict(fields, reason="off topic"))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/stories/%s/comments/%d" % (slug, cm["id"]))
        landed = bob.get(bob.get(r.header("Location")).header("Location").split("#")[0])
        self.assertIn("Thank you. A moderator will look at it.",
                      parse_html(landed.text).by_id("flash").text())
        r = bob.post_form(path, dict(fields, reason="again"))
        self.assertEqual(r.status, 409, r)
        self.assertIn("again", parse_html(r.text).by_id("report-reason").text())
        self.assertEqual(sql(self.server, "SELECT reason FROM reports WHERE comment_id = %d"
                             % cm["id"]), [("off topic",)])
        # Not one's own comment.
        anna = self.logged_in(self.anna)
        self.assertEqual(anna.get(path).status, 422)
