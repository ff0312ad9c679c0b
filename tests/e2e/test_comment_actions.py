"""Edit, Delete and Report on the story page (issue 11, item 6): every comment of the
shared, cached fragment carries the four links, hidden by stet.css; the reader's own
stylesheet (/static/you/NAME?role=ROLE) shows Edit and Delete on their comments,
Report on everyone else's and, for a moderator, Moderate. Each link leads to a form
that works without JavaScript and checks the reader itself: 303 with a one-shot
notice on success, the form again with the message and the status on an error, and
403/404 with nothing changed for whoever may not. Checked in the database."""

import re

from harness import ServerTest, form_fields, parse_html, unique
from test_cache import page, session_token
from test_comment_edit import NO_LIMITS, comment_row, sql

ACTIONS = ("comment-edit", "comment-delete", "comment-report", "comment-moderate")


class CommentActions(ServerTest):
    server_kwargs = {"config": NO_LIMITS}

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

    # --- the links and who sees them

    def test_links_are_in_the_shared_fragment_and_hidden_by_default(self):
        slug = self.story()
        c = self.post(slug, self.anna, "linked words")
        r = page(self.server, slug)
        art = parse_html(r.text).by_id("comment-%d" % c["id"])
        base = "/stories/%s/comments/%d" % (slug, c["id"])
        hrefs = {cls: art.find("a", cls=cls).get("href") for cls in ACTIONS}
        self.assertEqual(hrefs, {"comment-edit": base + "/edit",
                                 "comment-delete": base + "/delete",
                                 "comment-report": base + "/report",
                                 "comment-moderate": "/moderation/comments/%d" % c["id"]})
        # The site's stylesheet hides all four; an anonymous page links no other.
        css_url = [l.get("href") for l in parse_html(r.text).find_all("link", rel="stylesheet")]
        self.assertEqual(len(css_url), 1, css_url)
        site = self.client().get(css_url[0]).text
        hidden = re.search(r"\.comment-edit, \.comment-delete, \.comment-report, "
                           r"\.comment-moderate \{ display: none; \}", site)
        self.assertIsNotNone(hidden, "stet.css does not hide the action links")

    def test_readers_stylesheet_reveals_only_their_links(self):
        slug = self.story()
        self.post(slug, self.anna, "anna's words")
        url, css = self.you_css(self.logged_in(self.anna), slug)
        self.assertIn("role=reader", url)
        shown = self.revealed(css)
        own = '.comment[data-author="%s"] > .comment-actions > ' % self.anna
        self.assertEqual(shown["comment-edit"], [own + ".comment-edit"])
        self.assertEqual(shown["comment-delete"], [own + ".comment-delete"])
        self.assertEqual(shown["comment-report"],
                         ['.comment:not([data-author="%s"]) > .comment-actions > .comment-report'
                          % self.anna])
        self.assertNotIn("comment-moderate", shown)
        self.assertIn(".comment-you", css)  # the "You" marker still works

        url, css = self.you_css(self.logged_in(self.mod), slug)
        self.assertIn("role=moderator", url)
        self.assertEqual(self.revealed(css)["comment-moderate"],
                         [".comment > .comment-actions > .comment-moderate"])
        # The address decides, not who asks; a role that is none is no stylesheet.
        self.assertEqual(self.client().get("/static/you/%s?role=admin" % self.anna).status, 200)
        self.assertEqual(self.client().get("/static/you/%s?role=god" % self.anna).status, 404)

    def test_stylesheet_address_follows_a_role_change(self):
        slug = self.story()
        who = unique("pro")
        self.server.add_user(who)
        c = self.logged_in(who)
        before, _ = self.you_css(c, slug)
        self.server.cli("user", "role", who, "moderator")
        after, css = self.you_css(c, slug)
        self.assertNotEqual(before, after)
        self.assertIn("comment-moderate", self.revealed(css))

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
        self.assertEqual(r.header("Location"), "/stories/" + slug)
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
