"""The story-page walk-through of SPEC section 1 through the HTML pages: read, register,
comment, reply, log out; plus logging in by username or email and login errors."""

import re
import unittest
import urllib.parse

from harness import (LOGIN_ERROR, ServerTest, parse_html, strip_tags, unique)


def story_item(text, slug):
    """The front page's <li class="story-item"> for slug, as a node."""
    root = parse_html(text)
    for li in root.find_all("li", cls="story-item"):
        if li.get("data-slug") == slug:
            return li
    return None


class WalkThrough(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = "harbour-" + unique("s")
        cls.server.add_story(cls.slug, title="Harbour Lights Return",
                             body="The harbour lights are back.\n\nEveryone came to see.")
        cls.other = "other-" + unique("s")
        cls.server.add_story(cls.other, title="Another Story")
        cls.deep = "deep-" + unique("s")
        cls.server.add_story(cls.deep, title="Deep Thread")

    def front_count(self, slug):
        li = story_item(self.client().get("/").text, slug)
        self.assertIsNotNone(li, "story %s not on the front page" % slug)
        a = [x for x in li.find_all("a") if x.get("href") == "/stories/" + slug]
        self.assertTrue(a, "no link to the story in %s" % li.norm_text())
        span = li.find("span", cls="comment-count")
        self.assertIsNotNone(span)
        return int(span.norm_text())

    def story_state(self, client):
        r = client.get("/stories/" + self.slug)
        self.assertEqual(r.status, 200, r)
        root = parse_html(r.text)
        return r, root

    def test_walkthrough(self):
        slug = self.slug
        anon = self.client()

        # Front page lists the stories with their counts.
        r = anon.get("/")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type", "").startswith("text/html"), r)
        self.assertEqual(self.front_count(slug), 0)
        self.assertEqual(self.front_count(self.other), 0)

        # Story page as an anonymous visitor.
        r, root = self.story_state(anon)
        art = root.find("article", cls="story")
        self.assertIsNotNone(art, r.text[:2000])
        self.assertEqual(art.get("data-slug"), slug)
        h1 = root.find("h1", cls="story-title")
        self.assertEqual(h1.norm_text(), "Harbour Lights Return")
        self.assertIn("The harbour lights are back.", r.text)
        sec = root.by_id("comments")
        self.assertIsNotNone(sec)
        self.assertEqual(sec.get("data-count"), "0")
        self.assertIn("Comments 0", sec.norm_text())
        self.assertEqual(sec.find("span", cls="comment-count").norm_text(), "0")
        empty = root.find("p", cls="comments-empty")
        self.assertIsNotNone(empty)
        self.assertEqual(empty.norm_text(), "There are no comments yet. Be the first!")
        self.assertIn("Post a Comment", strip_tags(r.text))
        self.assertIsNone(root.by_id("comment-form"))
        self.assertIn('<p class="register-notice">You must be registered to comment on stories. '
                      '<a href="/register?next=%2Fstories%2F' + slug + '%23comment-form">Click here to '
                      'register.</a></p>', r.text)
        self.assertIn('<a href="/login?next=%2Fstories%2F' + slug + '%23comment-form">Log in</a>',
                      r.text)
        self.assertIsNone(root.find("form", cls="logout"))

        # Follow the register link, fill in the form, get sent back logged in.
        href = root.find("p", cls="register-notice").find("a").get("href")
        user = unique("Reader")
        c = self.client()
        r = c.submit(href, "/register", {"username": user, "email": user + "@example.com",
                                         "password": "a good long password"})
        self.assertEqual(r.status, 303, r)
        self.assertLocation(r, "/stories/" + slug + "#comment-form")
        set_cookie = ";".join(r.header_all("Set-Cookie"))
        self.assertIn("stet_session=", set_cookie)
        sess = [h for h in r.header_all("Set-Cookie") if h.startswith("stet_session=")][0]
        self.assertIn("HttpOnly", sess)
        self.assertIn("SameSite=Lax", sess)
        self.assertIn("Path=/", sess)

        r, root = self.story_state(c)
        self.assertIn(user, strip_tags(r.text))
        logout = root.find("form", cls="logout")
        self.assertIsNotNone(logout, "no logout form when logged in")
        self.assertEqual(logout.get("action"), "/logout")
        self.assertIsNone(root.find("p", cls="register-notice"))
        form = root.by_id("comment-form")
        self.assertIsNotNone(form, "no comment form for a logged-in reader")
        self.assertEqual(form.get("method"), "post")
        self.assertEqual(form.get("action"), "/stories/%s/comments#comment-form" % slug)
        ta = form.find("textarea")
        self.assertEqual((ta.get("name"), ta.get("id")), ("body", "comment-body"))
        self.assertIn("Post comment", form.norm_text() + " ".join(
            b.get("value", "") for b in form.find_all("input")))
        # The form's token is bound to the session: well-formed, and not the
        # anonymous cookie's (which anyone who can set a cookie could plant).
        token = [i for i in form.find_all("input") if i.get("name") == "csrf"][0].get("value")
        self.assertRegex(token, r"^[0-9a-f]{64}$")
        self.assertNotEqual(c.cookies.get("stet_csrf"), token)

        # Post a comment.
        r = c.submit("/stories/" + slug, "comment-form", {"body": "First! The *lights* are lovely."})
        self.assertEqual(r.status, 303, r)
        loc = r.header("Location").replace(self.server.base_url, "")
        m = re.fullmatch(r"/stories/%s#comment-(\d+)" % re.escape(slug), loc)
        self.assertIsNotNone(m, loc)
        cid = m.group(1)

        r, root = self.story_state(c)
        art = root.by_id("comment-" + cid)
        self.assertIsNotNone(art)
        self.assertEqual(art.tag, "article")
        self.assertTrue(art.has_class("comment"))
        self.assertEqual(art.get("data-id"), cid)
        self.assertEqual(art.get("data-parent"), "")
        self.assertFalse(art.has_class("legacy"))
        self.assertIn(user, art.find(cls="comment-author").norm_text())
        self.assertIsNotNone(art.find("time"))
        self.assertRegex(art.find("time").get("datetime", ""), r"^\d{4}-\d\d-\d\dT")
        body = art.find(cls="comment-body")
        self.assertIn("First! The lights are lovely.", body.norm_text())
        self.assertIsNotNone(body.find("em"))
        sec = root.by_id("comments")
        self.assertEqual(sec.get("data-count"), "1")
        self.assertIn("Comments 1", sec.norm_text())
        self.assertIsNone(root.find("p", cls="comments-empty"))
        self.assertEqual(self.front_count(slug), 1)
        self.assertEqual(self.front_count(self.other), 0)

        # Reply link and reply form.
        reply_href = "/stories/%s?reply_to=%s#comment-form" % (slug, cid)
        links = [a for a in art.find_all("a", cls="comment-reply") if a.get("href") == reply_href]
        self.assertTrue(links, "no Reply link %s" % reply_href)
        # Visible "Reply", named for the comment it answers.
        self.assertEqual(links[0].norm_text(),
                         "Reply to " + art.find(cls="comment-author").norm_text())
        r = c.get("/stories/%s?reply_to=%s" % (slug, cid))
        form = parse_html(r.text).by_id("comment-form")
        pid = [i for i in form.find_all("input") if i.get("name") == "parent_id"]
        self.assertTrue(pid, "reply form has no parent_id")
        self.assertEqual(pid[0].get("type"), "hidden")
        self.assertEqual(pid[0].get("value"), cid)
        r = c.submit("/stories/%s?reply_to=%s" % (slug, cid), "comment-form",
                     {"body": "A reply to the first."})
        self.assertEqual(r.status, 303, r)
        m = re.search(r"#comment-(\d+)$", r.header("Location"))
        rid = m.group(1)
        self.assertNotEqual(rid, cid)

        r, root = self.story_state(c)
        reply = root.by_id("comment-" + rid)
        self.assertIsNotNone(reply)
        self.assertEqual(reply.get("data-parent"), cid)
        anc = list(reply.ancestors())
        self.assertTrue(anc[0].tag == "div" and anc[0].has_class("comment-replies"),
                        "reply's parent element is %s.%s" % (anc[0].tag, anc[0].classes))
        parent_art = [a for a in anc if a.tag == "article" and a.has_class("comment")][0]
        self.assertEqual(parent_art.get("id"), "comment-" + cid)
        self.assertEqual(root.by_id("comments").get("data-count"), "2")
        self.assertEqual(self.front_count(slug), 2)

        # Log out: the comments stay, the form goes, the notice comes back.
        old_session = c.cookies["stet_session"]
        r = c.logout()
        self.assertEqual(r.status, 303, r)
        self.assertLocation(r, "/")
        cleared = [h for h in r.header_all("Set-Cookie") if h.startswith("stet_session=")]
        self.assertTrue(cleared, "logout does not clear the session cookie")
        self.assertIn("Max-Age=0", cleared[0])
        self.assertNotIn("stet_session", c.cookies)
        r, root = self.story_state(c)
        self.assertIsNotNone(root.by_id("comment-" + cid))
        self.assertIsNotNone(root.by_id("comment-" + rid))
        self.assertIsNone(root.by_id("comment-form"))
        self.assertIsNotNone(root.find("p", cls="register-notice"))
        self.assertEqual(root.find_all("a", cls="comment-reply"), [])
        self.assertIsNone(root.find("form", cls="logout"))

        # The old session is gone on the server too.
        replay = self.client()
        replay.cookies["stet_session"] = old_session
        r, root = self.story_state(replay)
        self.assertIsNone(root.by_id("comment-form"))
        self.assertIsNotNone(root.find("p", cls="register-notice"))

    def test_reply_nesting_capped_at_five_levels(self):
        c, token, _ = self.api_user()
        parent = None
        ids = []
        for i in range(7):
            body = {"body": "level %d" % (i + 1)}
            if parent is not None:
                body["parent_id"] = parent
            r = c.post_json("/api/v1/stories/%s/comments" % self.deep, body, token=token)
            self.assertEqual(r.status, 201, r)
            parent = r.json()["comment"]["id"]
            ids.append(parent)
        root = parse_html(self.client().get("/stories/" + self.deep).text)
        for i, cid in enumerate(ids):
            art = root.by_id("comment-%d" % cid)
            self.assertIsNotNone(art, "comment %d (level %d) missing" % (cid, i + 1))
            depth = 1 + sum(1 for a in art.ancestors() if a.tag == "article" and a.has_class("comment"))
            self.assertEqual(depth, min(i + 1, 5), "comment at level %d shown at depth %d" % (i + 1, depth))


class Login(ServerTest):
    @classmethod
    def prepare(cls):
        cls.user = unique("CaseUser")
        cls.email = cls.user + "@Example.COM"
        cls.server.add_user(cls.user, email=cls.email, password="the right password")

    def test_login_by_username_other_case(self):
        c = self.client()
        r = c.login(self.user.lower(), "the right password", next_path="/")
        self.assertEqual(r.status, 303, r)
        self.assertLocation(r, "/")
        self.assertIn("stet_session", c.cookies)
        self.assertIsNotNone(parse_html(c.get("/").text).find("form", cls="logout"))

    def test_login_by_email_other_case(self):
        c = self.client()
        r = c.login(self.email.upper(), "the right password")
        self.assertEqual(r.status, 303, r)
        self.assertIn("stet_session", c.cookies)

    def test_login_next_is_followed(self):
        c = self.client()
        r = c.login(self.user, "the right password", next_path="/stories/x?y=1")
        self.assertEqual(r.status, 303, r)
        self.assertLocation(r, "/stories/x?y=1")

    def test_wrong_password_and_unknown_user_look_the_same(self):
        c = self.client()
        r1 = c.login(self.user, "the wrong password")
        e1 = self.assertFormError(r1, 401)
        r2 = c.login("nobody-" + unique("x"), "the wrong password")
        e2 = self.assertFormError(r2, 401)
        self.assertEqual(e1, LOGIN_ERROR)
        self.assertEqual(e1, e2)
        self.assertNotIn("stet_session", c.cookies)
        # The login field is kept, the password never.
        root = parse_html(r1.text)
        inputs = {i.get("name"): i for i in root.find_all("input")}
        self.assertEqual(inputs["login"].get("value"), self.user)
        self.assertIn(inputs["password"].get("value", ""), ("",))
        self.assertNotIn("the wrong password", r1.text)

    def test_api_wrong_password_and_unknown_user_look_the_same(self):
        c = self.client()
        r1 = c.post_json("/api/v1/sessions", {"login": self.user, "password": "nope nope nope"})
        r2 = c.post_json("/api/v1/sessions", {"login": "ghost" + unique(), "password": "nope nope nope"})
        self.assertApiError(r1, 401, "invalid_credentials")
        self.assertApiError(r2, 401, "invalid_credentials")
        self.assertEqual(r1.json(), r2.json())

    def test_api_login_by_email_any_case(self):
        r = self.client().post_json("/api/v1/sessions",
                                    {"login": self.email.lower(), "password": "the right password"})
        self.assertEqual(r.status, 201, r)
        j = r.json()
        self.assertTrue(j["token"])
        self.assertEqual(j["user"]["username"], self.user)
        self.assertNotIn("password_hash", j["user"])

    def test_register_form_errors_keep_input_but_not_password(self):
        c = self.client()
        r = c.register("x", email="ok-" + unique() + "@example.com", password="secret pass 123")
        err = self.assertFormError(r, 422)
        self.assertIn("sername", err)
        self.assertNotIn("secret pass 123", r.text)
        root = parse_html(r.text)
        inputs = {i.get("name"): i for i in root.find_all("input")}
        self.assertEqual(inputs["username"].get("value"), "x")
        # Taken username (other case) and taken email -> 409, fields kept.
        r = c.register(self.user.upper(), email="fresh-" + unique() + "@example.com",
                       password="secret pass 123")
        self.assertFormError(r, 409)
        self.assertNotIn("secret pass 123", r.text)
        inputs = {i.get("name"): i for i in parse_html(r.text).find_all("input")}
        self.assertEqual(inputs["username"].get("value"), self.user.upper())
        self.assertTrue(inputs["email"].get("value").startswith("fresh-"))
        r = c.register(unique("fresh"), email=self.email.lower(), password="secret pass 123")
        self.assertFormError(r, 409)
        self.assertNotIn("stet_session", c.cookies)


if __name__ == "__main__":
    unittest.main()
