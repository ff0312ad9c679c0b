"""Every applicable error row of SPEC section 5, on the API and the HTML forms, and the
promise that a rejected request changes nothing; plus closed stories, oversized
headers and keep-alive."""

import http.client
import socket
import unittest

from harness import ServerTest, eventually, parse_html, unique


# Past the request body limit that a 10,000-character comment sets (12 bytes a
# character at worst, web_body_limit).
OVER_BODY_LIMIT = 10000 * 12 + 16 * 1024

class ApiErrors(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = "err-" + unique("s")
        cls.server.add_story(cls.slug, title="Errors")
        cls.other = "err2-" + unique("s")
        cls.server.add_story(cls.other, title="Other")
        cls.taken = unique("Taken")
        cls.taken_email = cls.taken + "@Example.com"
        cls.server.add_user(cls.taken, email=cls.taken_email)
        c = cls.server.client()
        r = c.post_json("/api/v1/sessions", {"login": cls.taken, "password": "correct horse battery"})
        assert r.status == 201, r
        cls.token = r.json()["token"]
        r = c.post_json("/api/v1/stories/%s/comments" % cls.other, {"body": "on the other story"},
                        token=cls.token)
        assert r.status == 201, r
        cls.other_comment = r.json()["comment"]["id"]

    def post_comment(self, body, raw=False, **kw):
        c = self.client()
        return c.post_json("/api/v1/stories/%s/comments" % self.slug, body, token=self.token, **kw)

    def assertUnchanged(self, before):
        self.assertEqual(self.count(self.slug), before, "a rejected request changed the count")

    def assertNoUser(self, username):
        r = self.client().post_json("/api/v1/sessions",
                                    {"login": username, "password": "correct horse battery"})
        self.assertEqual(r.status, 401, "user %r exists after a rejected request" % username)

    # 400
    def test_400_malformed_json(self):
        before = self.count(self.slug)
        for raw in (b'{"body": "x"', b"{body: 1}", b"", b"nul", b'{"body":"x"} trailing',
                    b"\xef\xbb\xbf{", b"[", b'{"body":"\\ud800"}'):
            r = self.post_comment(raw)
            self.assertApiError(r, 400, "bad_request")
        self.assertUnchanged(before)

    def test_400_array_instead_of_object(self):
        before = self.count(self.slug)
        self.assertApiError(self.post_comment(b'["body", "x"]'), 400, "bad_request")
        self.assertApiError(self.post_comment(b'"just a string"'), 400, "bad_request")
        self.assertApiError(self.post_comment(b"42"), 400, "bad_request")
        name = unique("arr")
        r = self.client().post_json("/api/v1/users", [name, name + "@example.com", "password123"])
        self.assertApiError(r, 400, "bad_request")
        self.assertUnchanged(before)

    def test_400_wrong_types(self):
        before = self.count(self.slug)
        self.assertApiError(self.post_comment({"body": 12}), 400, "bad_request")
        self.assertApiError(self.post_comment({"body": ["x"]}), 400, "bad_request")
        # null is refused either as a wrong type or as a missing body.
        self.assertIn(self.post_comment({"body": None}).status, (400, 422))
        self.assertApiError(self.post_comment({"body": "ok", "parent_id": "1"}), 400, "bad_request")
        self.assertApiError(self.post_comment({"body": "ok", "parent_id": 1.5}), 400, "bad_request")
        name = unique("typ")
        r = self.client().post_json("/api/v1/users",
                                    {"username": name, "email": name + "@example.com",
                                     "password": 12345678})
        self.assertApiError(r, 400, "bad_request")
        r = self.client().post_json("/api/v1/sessions", {"login": 5, "password": "x"})
        self.assertApiError(r, 400, "bad_request")
        self.assertUnchanged(before)
        self.assertNoUser(name)

    def test_400_invalid_utf8_in_json(self):
        before = self.count(self.slug)
        for bad in (b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"ok \xe2\x82"):
            r = self.post_comment(b'{"body": "' + bad + b'"}')
            self.assertApiError(r, 400, "bad_request")
        name = unique("utf")
        r = self.client().post_json("/api/v1/users", b'{"username": "' + name.encode() +
                                    b'", "email": "x\xff@example.com", "password": "password123"}')
        self.assertApiError(r, 400, "bad_request")
        self.assertUnchanged(before)
        self.assertNoUser(name)

    def test_400_bad_query_values(self):
        for q in ("?limit=abc", "?limit=0", "?limit=-1", "?limit=101", "?sort=sideways",
                  "?cursor=not-a-cursor", "?limit=99999999999999999999"):
            r = self.client().get("/api/v1/stories/%s/comments%s" % (self.slug, q))
            self.assertApiError(r, 400, "bad_request")
        r = self.client().get("/api/v1/stories?limit=abc")
        self.assertApiError(r, 400, "bad_request")

    # 404
    def test_404_unknown_story_and_route(self):
        self.assertApiError(self.client().get("/api/v1/stories/no-such-story"), 404, "not_found")
        self.assertApiError(self.client().get("/api/v1/stories/no-such-story/comments"), 404,
                            "not_found")
        r = self.client().post_json("/api/v1/stories/no-such-story/comments", {"body": "x"},
                                    token=self.token)
        self.assertApiError(r, 404, "not_found")
        self.assertApiError(self.client().get("/api/v1/nothing-here"), 404, "not_found")
        self.assertApiError(self.client().get("/api/v2/stories"), 404)
        r = self.client().get("/no/such/page")
        self.assertEqual(r.status, 404, r)
        self.assertTrue(r.header("Content-Type", "").startswith("text/html"), r)
        r = self.client().get("/stories/no-such-story")
        self.assertEqual(r.status, 404, r)
        self.assertTrue(r.header("Content-Type", "").startswith("text/html"), r)

    # 405
    def test_405_wrong_method(self):
        c = self.client()
        self.assertApiError(c.request("PUT", "/api/v1/stories"), 405, "method_not_allowed")
        self.assertApiError(c.request("DELETE", "/api/v1/counts?stories=a"), 405,
                            "method_not_allowed")
        self.assertApiError(c.request("GET", "/api/v1/users"), 405, "method_not_allowed")
        self.assertEqual(c.request("POST", "/healthz").status, 405)
        self.assertEqual(c.request("DELETE", "/stories/" + self.slug).status, 405)
        # GET on it leads to the story's form (test_comment_flows).
        self.assertEqual(c.request("PUT", "/stories/%s/comments" % self.slug).status, 405)
        self.assertEqual(c.request("GET", "/logout").status, 405)

    # 409
    def test_409_duplicate_username_other_case_and_email(self):
        r = self.client().post_json("/api/v1/users", {"username": self.taken.lower(),
                                                      "email": unique("e") + "@example.com",
                                                      "password": "password123"})
        self.assertApiError(r, 409, "conflict")
        fresh = unique("fresh")
        r = self.client().post_json("/api/v1/users", {"username": fresh,
                                                      "email": self.taken_email.upper(),
                                                      "password": "password123"})
        self.assertApiError(r, 409, "conflict")
        self.assertNoUser(fresh)

    # 413
    def test_413_api_body_too_large(self):
        before = self.count(self.slug)
        big = b'{"body": "' + b"a" * OVER_BODY_LIMIT + b'"}'
        self.assertApiError(self.post_comment(big), 413, "payload_too_large")
        self.assertUnchanged(before)
        r = self.client().get("/healthz")
        self.assertEqual(r.status, 200)

    # 422
    def test_422_user_rules(self):
        good = {"email": None, "password": "password123"}
        cases = [
            ({"username": "ab"}, "username"),
            ({"username": "x" * 33}, "username"),
            ({"username": "has space"}, "username"),
            ({"username": "semi;colon"}, "username"),
            ({"username": "caf\u00e9ok"}, "username"),
            ({"email": "no-at-sign.example.com"}, "email"),
            ({"email": "two@at@example.com"}, "email"),
            ({"email": "a" * 250 + "@example.com"}, "email"),
            ({"password": "short7!"}, "password"),
            ({"password": "p" * 1025}, "password"),
        ]
        for change, field in cases:
            name = unique("rule")
            body = {"username": name, "email": name + "@example.com", "password": good["password"]}
            body.update(change)
            r = self.client().post_json("/api/v1/users", body)
            self.assertApiError(r, 422, "invalid", field)
            self.assertNoUser(body["username"])
        # The edges are allowed.
        name = "a.b-" + unique("C_")[:28]
        r = self.client().post_json("/api/v1/users", {"username": name, "email": name + "@x.example",
                                                      "password": "p" * 8})
        self.assertEqual(r.status, 201, r)

    def test_422_comment_rules(self):
        before = self.count(self.slug)
        for body in ("", "   \n\t  ", "a" * 10001, "\u00e9" * 10001):
            self.assertApiError(self.post_comment({"body": body}), 422, "invalid", "body")
        self.assertApiError(self.post_comment({"body": "ok", "parent_id": 99999999}), 422,
                            "invalid", "parent_id")
        self.assertApiError(self.post_comment({"body": "ok", "parent_id": self.other_comment}),
                            422, "invalid", "parent_id")
        self.assertUnchanged(before)
        # 10000 characters (20000 bytes) is within the limit.
        r = self.post_comment({"body": "\u00e9" * 10000})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.count(self.slug), before + 1)

    def test_422_password_counts_characters_and_refuses_white_space(self):
        """SPEC 6: 8-1024 characters, not only white space (eight spaces were taken)."""
        for password in (" " * 8, " \t" * 6, "\u00a0" * 8, "\u00e9" * 4):
            name = unique("pw")
            r = self.client().post_json("/api/v1/users", {"username": name,
                                                          "email": name + "@example.com",
                                                          "password": password})
            self.assertApiError(r, 422, "invalid", "password")
            self.assertNoUser(name)
        # Eight two-byte characters are eight characters; 1024 emoji (4096 bytes) are
        # within the limit, and the login accepts what the registration did.
        for password in ("\u00e9" * 8, "\U0001f600" * 1024):
            name = unique("pw")
            r = self.client().post_json("/api/v1/users", {"username": name,
                                                          "email": name + "@example.com",
                                                          "password": password})
            self.assertEqual(r.status, 201, r)
            r = self.client().post_json("/api/v1/sessions", {"login": name, "password": password})
            self.assertEqual(r.status, 201, r)

    def test_422_comment_control_characters(self):
        """Comments keep to the rule stories now follow: tabs and line breaks only."""
        before = self.count(self.slug)
        for body in ("lone\rcarriage return", "escape \u001b[2J", "bell \u0007",
                     "next line \u0085", "csi \u009b31m", "delete \u007f"):
            self.assertApiError(self.post_comment({"body": body}), 422, "invalid", "body")
        self.assertUnchanged(before)
        r = self.post_comment({"body": "line one\r\nline two\n\tindented"})
        self.assertEqual(r.status, 201, r)


class StoryRules(ServerTest):
    """Stories: dates a page can print, and bodies without control characters, through
    the API (422) and the CLI (an error, nothing added)."""

    @classmethod
    def prepare(cls):
        admin = unique("admin")
        cls.server.add_user(admin, role="admin", password="admin password 1")
        r = cls.server.client().post_json("/api/v1/sessions",
                                          {"login": admin, "password": "admin password 1"})
        assert r.status == 201, r
        cls.token = r.json()["token"]

    def create(self, **fields):
        body = {"slug": unique("rule-"), "title": "Rules", "body": "Text."}
        body.update(fields)
        return body["slug"], self.client().post_json("/api/v1/stories", body, token=self.token)

    def test_422_unprintable_dates(self):
        # A leap second, and instants whose UTC year has five digits or a sign: one
        # was stored and shown as the year 0000.
        for when in ("9999-12-31T23:59:60Z", "2016-12-31T23:59:60Z",
                     "9999-12-31T23:30:00-01:00", "0000-01-01T00:00:00+00:01"):
            slug, r = self.create(published_at=when)
            self.assertApiError(r, 422, "invalid", "published_at")
            self.assertIn("leap second", r.json()["error"]["message"])
            self.assertEqual(self.client().get("/api/v1/stories/" + slug).status, 404)
        slug, r = self.create(published_at="9999-12-31T23:59:59Z")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["story"]["published_at"], "9999-12-31T23:59:59Z")
        page = self.client().get("/stories/" + slug)
        self.assertIn("31 December 9999", page.text)

    def test_422_control_characters_in_story(self):
        for field, value in (("body", "Clear \u001b[2J the screen"), ("body", "lone\rcr"),
                             ("body", "nel \u0085"), ("title", "Bell \u0007"),
                             ("byline", "By \u001b[31mRed")):
            slug, r = self.create(**{field: value})
            self.assertApiError(r, 422, "invalid", field)
            self.assertEqual(self.client().get("/api/v1/stories/" + slug).status, 404)
        slug, r = self.create(body="# Heading\r\n\r\n\tcode\nand text")
        self.assertEqual(r.status, 201, r)

    def test_cli_refuses_the_same(self):
        slug = unique("cli-")
        p = self.server.cli("story", "add", "--slug", slug, "--title", "T", "--body-file", "-",
                            "--published-at", "9999-12-31T23:59:60Z", stdin="Text.")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("leap second", p.stderr.decode("utf-8", "replace"))
        p = self.server.cli("story", "add", "--slug", slug, "--title", "T", "--body-file", "-",
                            stdin="Text \x1b[2J here")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("control characters", p.stderr.decode("utf-8", "replace"))
        self.assertEqual(self.client().get("/api/v1/stories/" + slug).status, 404)


class FormErrors(ServerTest):
    """The same rules through the HTML forms: status, form-error, nothing written."""

    @classmethod
    def prepare(cls):
        cls.slug = "ferr-" + unique("s")
        cls.server.add_story(cls.slug, title="Form Errors")
        cls.other = "ferr2-" + unique("s")
        cls.server.add_story(cls.other, title="Other")

    def setUp(self):
        super().setUp()
        if not hasattr(type(self), "c"):
            type(self).c = self.web_user()
        self.c = type(self).c

    def count_now(self):
        return self.count(self.slug)

    def form_csrf(self):
        """The token the logged-in reader's forms carry (bound to the session)."""
        return self.c.csrf("/stories/" + self.slug)

    def post(self, fields, slug=None, with_csrf=True):
        f = dict(fields)
        if with_csrf:
            f.setdefault("csrf", self.form_csrf())
        return self.c.post_form("/stories/%s/comments" % (slug or self.slug), f)

    def test_422_empty_and_too_long_body_keeps_text(self):
        before = self.count_now()
        r = self.post({"body": "   "})
        self.assertFormError(r, 422)
        long_text = "typed <text> & more " + "z" * 10001
        r = self.post({"body": long_text})
        self.assertFormError(r, 422)
        ta = parse_html(r.text).by_id("comment-body")
        self.assertIsNotNone(ta, "the form is not re-shown")
        self.assertEqual(ta.text(), long_text)
        self.assertIn("typed &lt;text&gt; &amp; more", r.text)
        self.assertEqual(self.count_now(), before)

    def test_422_unknown_or_foreign_parent(self):
        before = self.count_now()
        self.assertFormError(self.post({"body": "hi", "parent_id": "99999999"}), 422)
        r = self.post({"body": "on other"}, slug=self.other)
        self.assertEqual(r.status, 303, r)
        foreign = r.header("Location").rsplit("#comment-", 1)[1]
        self.assertFormError(self.post({"body": "hi", "parent_id": foreign}), 422)
        self.assertEqual(self.count_now(), before)

    def test_400_invalid_utf8_in_form(self):
        before = self.count_now()
        for enc in ("%FF%FE", "%C3%28", "ok%E2%82"):
            data = "body=" + enc + "&csrf=" + self.form_csrf()
            r = self.c.post_form("/stories/%s/comments" % self.slug, data)
            self.assertEqual(r.status, 400, r)
        self.assertEqual(self.count_now(), before)
        name = unique("bad")
        anon = self.client()
        csrf = anon.csrf("/register")
        r = anon.post_form("/register", "username=%s&email=x%%FF%%40example.com&password=password123"
                           "&csrf=%s" % (name, csrf))
        self.assertEqual(r.status, 400, r)
        self.assertNotIn("stet_session", anon.cookies)

    def test_413_form_body_too_large(self):
        before = self.count_now()
        data = "csrf=%s&body=%s" % (self.form_csrf(), "a" * OVER_BODY_LIMIT)
        r = self.c.post_form("/stories/%s/comments" % self.slug, data)
        self.assertEqual(r.status, 413, r)
        self.assertEqual(self.count_now(), before)
        self.assertEqual(self.client().get("/healthz").status, 200)

    def test_404_form_post_unknown_story(self):
        r = self.post({"body": "hi"}, slug="no-such-story")
        self.assertEqual(r.status, 404, r)

    def test_401_anonymous_form_post(self):
        anon = self.client()
        csrf = anon.csrf("/login")  # an anonymous story page has no form
        before = self.count_now()
        r = anon.post_form("/stories/%s/comments" % self.slug, {"body": "anon", "csrf": csrf})
        self.assertEqual(r.status, 401, r)
        self.assertIn("You must be registered to comment on stories.", r.text)
        self.assertIn("Click here to register.", r.text)
        self.assertEqual(self.count_now(), before)

    def test_csrf_missing_or_wrong(self):
        before = self.count_now()
        r = self.post({"body": "no csrf"}, with_csrf=False)
        self.assertFormError(r, 403)
        r = self.post({"body": "wrong csrf", "csrf": "0" * 43})
        self.assertFormError(r, 403)
        r = self.post({"body": "empty csrf", "csrf": ""})
        self.assertFormError(r, 403)
        self.assertEqual(self.count_now(), before)
        # A planted CSRF cookie with the same value in the field: a logged-in
        # reader's token is bound to the session, so no cookie can stand in for it.
        saved = self.c.cookies.get("stet_csrf")
        planted = "a" * 64
        self.c.cookies["stet_csrf"] = planted
        try:
            r = self.post({"body": "planted", "csrf": planted}, with_csrf=False)
            self.assertFormError(r, 403)
        finally:
            if saved is None:
                self.c.cookies.pop("stet_csrf", None)
            else:
                self.c.cookies["stet_csrf"] = saved
        self.assertEqual(self.count_now(), before)
        # Another session's token is refused too.
        other = self.web_user()
        r = self.post({"body": "someone else's", "csrf": other.csrf("/stories/" + self.slug)})
        self.assertFormError(r, 403)
        # A form posted from another site (Origin), even with the right token.
        r = self.c.post_form("/stories/%s/comments" % self.slug,
                             {"body": "cross-site", "csrf": self.form_csrf()},
                             headers={"Origin": "https://evil.example"})
        self.assertFormError(r, 403)
        r = self.c.post_form("/stories/%s/comments" % self.slug,
                             {"body": "opaque", "csrf": self.form_csrf()},
                             headers={"Origin": "null"})
        self.assertFormError(r, 403)
        self.assertEqual(self.count_now(), before)
        # Another port on the same host is another site.
        r = self.c.post_form("/stories/%s/comments" % self.slug,
                             {"body": "other port", "csrf": self.form_csrf()},
                             headers={"Origin": "http://127.0.0.1:1"})
        self.assertFormError(r, 403)
        # The same form from this site goes through, also when a proxy sends
        # another Host (the site's own origin is base_url's).
        r = self.c.post_form("/stories/%s/comments" % self.slug,
                             {"body": "same site", "csrf": self.form_csrf()},
                             headers={"Origin": self.server.base_url})
        self.assertEqual(r.status, 303, r)
        r = self.c.post_form("/stories/%s/comments" % self.slug,
                             {"body": "through a proxy", "csrf": self.form_csrf()},
                             headers={"Origin": self.server.base_url,
                                      "Host": "backend.internal:8080"})
        self.assertEqual(r.status, 303, r)
        before = self.count_now()
        # Register with a forged token: no account.
        anon = self.client()
        anon.csrf("/register")
        name = unique("forged")
        r = anon.post_form("/register", {"username": name, "email": name + "@example.com",
                                         "password": "password123", "csrf": "forged"})
        self.assertFormError(r, 403)
        self.assertNotIn("stet_session", anon.cookies)
        r = self.client().post_json("/api/v1/users", {"username": name, "email": name + "@example.com",
                                                      "password": "password123"})
        self.assertEqual(r.status, 201, "the forged registration created the account: %r" % r)
        # Logout with a forged token keeps the session.
        u = self.web_user()
        r = u.post_form("/logout", {"csrf": "forged"})
        self.assertFormError(r, 403)
        self.assertIsNotNone(parse_html(u.get("/").text).find("form", cls="logout"))

    def test_form_pages_set_csrf_cookie(self):
        for path in ("/register", "/login"):
            c = self.client()
            tok = c.csrf(path)
            self.assertEqual(c.cookies.get("stet_csrf"), tok)
            r = self.client().get(path)
            sc = [h for h in r.header_all("Set-Cookie") if h.startswith("stet_csrf=")]
            self.assertTrue(sc, "no stet_csrf cookie from %s" % path)
            self.assertIn("HttpOnly", sc[0])
            self.assertIn("SameSite=Lax", sc[0])
            self.assertIn("Path=/", sc[0])
            # A second GET with the cookie keeps the same token.
            self.assertEqual(c.csrf(path), tok)

    def test_csrf_rotates_at_login_and_logout(self):
        c = self.client()
        before = c.csrf("/login")
        name = unique("rot")
        self.assertEqual(c.register(name).status, 303)
        at_login = c.cookies.get("stet_csrf")
        self.assertIsNotNone(at_login)
        self.assertNotEqual(at_login, before)
        # Logged in, forms carry the session's token, not the cookie's.
        page_token = c.csrf("/")
        self.assertNotEqual(page_token, at_login)
        self.assertEqual(c.logout().status, 303)
        self.assertNotIn(c.cookies.get("stet_csrf"), (None, before, at_login))
        # The old session's token is worth nothing now.
        r = c.post_form("/logout", {"csrf": page_token})
        self.assertFormError(r, 403)


class ClosedStory(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = "closed-" + unique("s")
        cls.server.add_story(cls.slug, title="Closed One")

    def test_closed_and_reopened(self):
        c = self.web_user()
        cc, token, _ = self.api_user()
        p = self.server.cli("story", "close", self.slug)
        self.assertEqual(p.returncode, 0, p.stderr)
        eventually(lambda: "comments-closed" in self.client().get("/stories/" + self.slug).text,
                   "the server sees the story closed from the command line")
        before = self.count(self.slug)
        r = cc.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": "late"}, token=token)
        self.assertApiError(r, 403, "comments_closed")
        root = parse_html(c.get("/stories/" + self.slug).text)
        closed = root.find("p", cls="comments-closed")
        self.assertIsNotNone(closed)
        self.assertEqual(closed.norm_text(), "Comments are closed for this story.")
        self.assertIsNone(root.by_id("comment-form"))
        self.assertIsNone(root.find("p", cls="register-notice"))
        r = c.post_form("/stories/%s/comments" % self.slug, {"body": "late", "csrf": c.csrf("/")})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.count(self.slug), before)
        j = self.client().get("/api/v1/stories/" + self.slug).json()
        self.assertIs(j["story"]["comments_open"], False)
        anon = parse_html(self.client().get("/stories/" + self.slug).text)
        self.assertIsNotNone(anon.find("p", cls="comments-closed"))
        self.assertIsNone(anon.find("p", cls="register-notice"))

        p = self.server.cli("story", "open", self.slug)
        self.assertEqual(p.returncode, 0, p.stderr)
        eventually(lambda: "comments-closed" not in self.client().get("/stories/" + self.slug).text,
                   "the server sees the story opened from the command line")
        r = cc.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": "now"}, token=token)
        self.assertEqual(r.status, 201, r)
        self.assertIsNotNone(parse_html(c.get("/stories/" + self.slug).text).by_id("comment-form"))


class Transport(ServerTest):
    def test_oversized_header(self):
        try:
            r = self.client().get("/", headers={"X-Big": "a" * (20 * 1024)})
            self.assertTrue(400 <= r.status < 500, r)
            if r.status != 431:
                print("note: oversized header answered %d, not 431" % r.status)
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as e:
            self.fail("oversized header: connection dropped without an answer (%r)" % e)
        self.assertEqual(self.client().get("/healthz").status, 200)

    def test_header_limit(self):
        # 12 KiB of request head (http/limits.h); a 7 KB cookie, which
        # libmicrohttpd stores twice, still fits, on a page and on a form post.
        big_cookie = {"Cookie": "stet_pref=" + "c" * 7000}
        self.assertEqual(self.client().get("/", headers=big_cookie).status, 200)
        r = self.client().request("POST", "/login", body=b"login=x&password=y",
                                  headers=dict(big_cookie, **{
                                      "Content-Type": "application/x-www-form-urlencoded"}))
        self.assertEqual(r.status, 403, r)  # no CSRF cookie: refused, but answered
        r = self.client().get("/", headers={"X-Big": "h" * (13 * 1024)})
        self.assertEqual(r.status, 431, r)
        self.assertEqual(self.client().get("/healthz").status, 200)

    def test_long_path(self):
        r = self.client().get("/stories/" + "a" * 5000)
        self.assertTrue(400 <= r.status < 500, r)
        self.assertEqual(self.client().get("/healthz").status, 200)

    def test_keep_alive(self):
        conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=10)
        try:
            conn.request("GET", "/healthz")
            r1 = conn.getresponse()
            b1 = r1.read()
            self.assertEqual(r1.status, 200)
            self.assertEqual(b1.strip(), b"ok")
            self.assertTrue(r1.getheader("Content-Type", "").startswith("text/plain"))
            self.assertNotEqual((r1.getheader("Connection") or "").lower(), "close")
            sock1 = conn.sock
            self.assertIsNotNone(sock1, "the server closed the connection after one request")
            conn.request("GET", "/")
            r2 = conn.getresponse()
            r2.read()
            self.assertEqual(r2.status, 200)
            self.assertIs(conn.sock, sock1, "second request needed a new connection")
            self.assertNotEqual((r2.getheader("Connection") or "").lower(), "close")
        finally:
            conn.close()

    def raw_exchange(self, data, wait=3):
        s = socket.create_connection((self.server.host, self.server.port), timeout=wait)
        try:
            s.sendall(data)
            try:
                return s, s.recv(200)
            except socket.timeout:
                return s, None
        except BaseException:
            s.close()
            raise

    def test_garbage_request_line(self):
        # Garbage may be answered with 4xx, closed, or left to time out; while it
        # hangs there, everyone else is still served.
        s, data = self.raw_exchange(b"\x00\xff GARBAGE\r\n\r\n")
        try:
            self.assertTrue(data is None or data == b"" or data.startswith(b"HTTP/1.1 4"), data)
            self.assertEqual(self.client().get("/healthz").status, 200)
        finally:
            s.close()
        for req, first in ((b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", (b"HTTP/1.1 4", b"HTTP/1.1 5")),
                           (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", (b"HTTP/1.1 4", b"HTTP/1.1 5"))):
            s, data = self.raw_exchange(req)
            s.close()
            self.assertTrue(data and data.startswith(first), (req, data))
        self.assertEqual(self.client().get("/healthz").status, 200)

    def test_static_css(self):
        r = self.client().get("/static/stet.css")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type", "").startswith("text/css"), r)
        self.assertEqual(r.header("Cache-Control"), "public, max-age=31536000, immutable")
        page = self.client().get("/").text
        self.assertRegex(page, r'href="/static/stet\.css\?v=[^"]+"')


if __name__ == "__main__":
    unittest.main()
