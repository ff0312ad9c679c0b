"""Registration and login as a reader meets them (issue 9, item 5): every problem of a
registration at once, each next to its field and listed in a summary; whitespace-only
passwords refused and lengths counted in characters; an empty login form says what is
missing; a one-time welcome after registering; the register link under a story leads
back to its comment form."""

import unittest
import urllib.parse

from harness import DEFAULT_PASSWORD, ServerTest, parse_html, unique

WELCOME = "Welcome, %s \u2014 you are registered and logged in."


def cookie_attrs(resp, name):
    """The attributes of the Set-Cookie for `name` (lower-case keys), or None."""
    for sc in resp.header_all("Set-Cookie"):
        parts = [p.strip() for p in sc.split(";")]
        if parts[0].startswith(name + "="):
            attrs = {"": parts[0].split("=", 1)[1]}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                attrs[k.strip().lower()] = v.strip()
            return attrs
    return None


class Accounts(ServerTest):
    # Many registrations from one address: the allowance is tested in test_throttle.
    server_kwargs = {"config": "[limits]\nregister_client = 0\n"}

    @classmethod
    def prepare(cls):
        cls.slug = "acct-" + unique("s")
        cls.server.add_story(cls.slug, title="Accounts Story")
        cls.taken = unique("Taken")
        cls.taken_email = cls.taken.lower() + "@example.com"
        cls.server.add_user(cls.taken, email=cls.taken_email)

    def problems(self, resp):
        """(summary text, [(href, text)] of the summary list, {field: message}) of a
        re-shown form, checking the markup every problem must carry."""
        root = parse_html(resp.text)
        summary = root.by_id("form-error")
        self.assertIsNotNone(summary, "no error summary in %r" % resp)
        self.assertIn("error-summary", summary.classes)
        self.assertEqual(summary.get("tabindex"), "-1")
        self.assertIn("autofocus", summary.attrs)
        alert = summary.find("p", cls="form-error")
        self.assertEqual(alert.get("role"), "alert")
        items = []
        lst = summary.find("ul", cls="error-list")
        if lst is not None:
            items = [(a.get("href"), a.norm_text()) for a in lst.find_all("a")]
        fields = {}
        for p in root.find_all("p", cls="field-error"):
            field = p.get("id")[:-len("-error")]
            fields[field] = p.norm_text()
            inp = root.by_id(field)
            self.assertEqual(inp.get("aria-invalid"), "true", field)
            self.assertIn(field + "-error", inp.get("aria-describedby").split(), field)
        return alert.norm_text(), items, fields

    def register(self, c, username, email, password, next_path=None):
        return c.register(username, email=email, password=password, next_path=next_path)

    # --- every problem at once

    def test_three_problems_are_listed_together(self):
        c = self.client()
        r = self.register(c, self.taken.upper(), self.taken_email.upper(), "short")
        self.assertEqual(r.status, 422, r)
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        title = parse_html(r.text).find("title").norm_text()
        self.assertTrue(title.startswith("Error: Register"), title)
        headline, items, fields = self.problems(r)
        self.assertEqual(headline, "There are 3 problems with what you entered:")
        self.assertEqual(items, [
            ("#username", "That username is already taken."),
            ("#email", "An account with that email address already exists."),
            ("#password", "Password must be at least 8 characters."),
        ])
        self.assertEqual(fields, {
            "username": "That username is already taken.",
            "email": "An account with that email address already exists.",
            "password": "Password must be at least 8 characters.",
        })
        # What was typed comes back, except the password.
        inputs = {i.get("name"): i for i in parse_html(r.text).find_all("input")}
        self.assertEqual(inputs["username"].get("value"), self.taken.upper())
        self.assertEqual(inputs["email"].get("value"), self.taken_email.upper())
        self.assertIsNone(inputs["password"].get("value"))
        self.assertNotIn("stet_session", c.cookies)

    def test_bad_username_and_bad_email_together(self):
        c = self.client()
        r = self.register(c, "no spaces", "not-an-address", DEFAULT_PASSWORD)
        self.assertEqual(r.status, 422, r)
        _, items, fields = self.problems(r)
        self.assertEqual([h for h, _ in items], ["#username", "#email"])
        self.assertEqual(fields["username"],
                         "Username may contain only letters, digits, '_', '.' and '-'.")
        self.assertEqual(fields["email"], "Enter a valid email address.")
        self.assertNotIn("password", fields)
        self.assertIsNone(parse_html(r.text).by_id("password").get("aria-invalid"))

    def test_taken_name_alone_is_409_with_one_message(self):
        c = self.client()
        fresh = unique("fresh")
        r = self.register(c, self.taken, fresh + "@example.com", DEFAULT_PASSWORD)
        self.assertEqual(r.status, 409, r)
        headline, items, fields = self.problems(r)
        self.assertEqual(headline, "That username is already taken.")
        self.assertEqual(parse_html(r.text).find("p", cls="form-error").find("a").get("href"),
                         "#username")
        self.assertEqual(items, [])
        self.assertEqual(list(fields), ["username"])

    def test_whitespace_only_password(self):
        c = self.client()
        name = unique("ws")
        r = self.register(c, name, name + "@example.com", " \t" * 6)
        self.assertEqual(r.status, 422, r)
        _, _, fields = self.problems(r)
        self.assertEqual(fields, {
            "password": "Password cannot be only spaces or other white space."})
        self.assertNotIn("stet_session", c.cookies)

    def test_password_length_counts_characters(self):
        c = self.client()
        name = unique("chars")
        # Five characters in ten bytes: too short.
        r = self.register(c, name, name + "@example.com", "\u00e9" * 5)
        self.assertEqual(r.status, 422, r)
        _, _, fields = self.problems(r)
        self.assertEqual(fields, {"password": "Password must be at least 8 characters."})
        # Ten characters of which some take two bytes: long enough, and it logs in.
        password = "caf\u00e9 \u00e9t\u00e9 !"
        self.assertEqual(len(password), 10)
        r = self.register(c, name, name + "@example.com", password)
        self.assertEqual(r.status, 303, r)
        r = self.client().login(name, password=password)
        self.assertEqual(r.status, 303, r)

    def test_api_lists_every_problem_beside_the_first(self):
        r = self.client().post_json("/api/v1/users", {
            "username": self.taken, "email": "nope", "password": "   "})
        self.assertEqual(r.status, 422, r)
        err = r.json()["error"]
        # SPEC 5's shape: code, message and one field (the first broken rule) ...
        self.assertEqual(err["code"], "invalid")
        self.assertEqual(err["field"], "email")
        self.assertEqual(err["message"], "Enter a valid email address.")
        # ... and every problem beside it.
        self.assertEqual([(e["code"], e["field"]) for e in err["errors"]],
                         [("conflict", "username"), ("invalid", "email"),
                          ("invalid", "password")])

    # --- login

    def test_empty_login_says_what_is_missing(self):
        c = self.client()
        r = c.login("", password="")
        self.assertEqual(r.status, 422, r)
        headline, items, fields = self.problems(r)
        self.assertEqual(headline, "There are 2 problems with what you entered:")
        self.assertEqual(items, [("#login", "Enter your username or email address."),
                                 ("#password", "Enter your password.")])
        self.assertEqual(fields, {"login": "Enter your username or email address.",
                                  "password": "Enter your password."})
        r = c.login(self.taken, password="")
        self.assertEqual(r.status, 422, r)
        _, _, fields = self.problems(r)
        self.assertEqual(fields, {"password": "Enter your password."})
        inputs = {i.get("name"): i for i in parse_html(r.text).find_all("input")}
        self.assertEqual(inputs["login"].get("value"), self.taken)
        self.assertIsNone(inputs["login"].get("aria-invalid"))
        r = c.login("", password=DEFAULT_PASSWORD)
        _, _, fields = self.problems(r)
        self.assertEqual(fields, {"login": "Enter your username or email address."})
        self.assertNotIn("stet_session", c.cookies)

    def test_wrong_password_still_names_no_field(self):
        r = self.client().login(self.taken, password="not the password")
        self.assertEqual(r.status, 401, r)
        headline, items, fields = self.problems(r)
        self.assertEqual(headline, "Wrong username, email or password.")
        self.assertEqual((items, fields), ([], {}))
        root = parse_html(r.text)
        for f in ("login", "password"):
            self.assertEqual(root.by_id(f).get("aria-invalid"), "true")
            self.assertEqual(root.by_id(f).get("aria-describedby"), "form-error")

    # --- the welcome

    def test_welcome_is_shown_once(self):
        c = self.client()
        name = unique("Wel")
        r = self.register(c, name, name.lower() + "@example.com", DEFAULT_PASSWORD,
                          next_path="/stories/" + self.slug)
        self.assertEqual(r.status, 303, r)
        flash = cookie_attrs(r, "stet_flash")
        self.assertIsNotNone(flash, r)
        self.assertEqual(flash[""], "registered")  # a kind, never typed text
        self.assertIn("httponly", flash)
        self.assertEqual(flash.get("samesite"), "Lax")
        self.assertEqual(flash.get("max-age"), "60")
        self.assertNotIn("secure", flash)  # an http:// site

        r = c.get(r.header("Location").split("#")[0])
        self.assertEqual(r.status, 200, r)
        box = parse_html(r.text).by_id("flash")
        self.assertIsNotNone(box, "no confirmation after registering")
        self.assertEqual(box.get("role"), "status")
        self.assertIn("flash", box.classes)
        self.assertEqual(box.norm_text(), WELCOME % name)
        self.assertEqual(r.header("Cache-Control"), "private, no-store")
        self.assertEqual(cookie_attrs(r, "stet_flash").get("max-age"), "0")
        self.assertNotIn("stet_flash", c.cookies)

        r = c.get("/stories/" + self.slug)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(parse_html(r.text).by_id("flash"), "shown twice")
        self.assertNotIn("Welcome,", r.text)

    def test_welcome_cookie_never_reaches_a_shared_page(self):
        # An anonymous story page is cached for everyone: a leftover or forged
        # cookie changes nothing in it and is not cleared there.
        anon = self.client()
        anon.cookies["stet_flash"] = "registered"
        r = anon.get("/stories/" + self.slug)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(parse_html(r.text).by_id("flash"))
        self.assertIsNone(cookie_attrs(r, "stet_flash"))
        self.assertIn("public", r.header("Cache-Control"))
        # An unknown kind shows nothing to a logged-in reader, and is cleared.
        c = self.web_user()
        c.cookies["stet_flash"] = "made-up"
        r = c.get("/")
        self.assertIsNone(parse_html(r.text).by_id("flash"))
        self.assertEqual(cookie_attrs(r, "stet_flash").get("max-age"), "0")

    # --- back to the comment form

    def test_register_from_story_returns_to_the_form(self):
        anon = self.client()
        r = anon.get("/stories/" + self.slug)
        notice = parse_html(r.text).find("p", cls="register-notice")
        href = notice.find("a").get("href")
        back = "/stories/%s#comment-form" % self.slug
        self.assertEqual(href, "/register?next=" + urllib.parse.quote(back, safe=""))
        self.assertIn('href="/login?next=%s"' % urllib.parse.quote(back, safe=""), r.text)

        c = self.client()
        r = c.get(href)
        root = parse_html(r.text)
        self.assertEqual(root.find("input", name="next").get("value"), back)
        # The way to log in instead keeps the fragment too.
        self.assertEqual(root.find("p", cls="form-switch").find("a").get("href"),
                         "/login?next=" + urllib.parse.quote(back, safe=""))
        name = unique("back")
        r = c.submit(href, "/register", {"username": name, "email": name + "@example.com",
                                         "password": DEFAULT_PASSWORD})
        self.assertEqual(r.status, 303, r)
        self.assertLocation(r, back)
        page = parse_html(c.get("/stories/" + self.slug).text)
        self.assertIsNotNone(page.by_id("comment-form"), "no #comment-form to land on")

    def test_login_from_story_returns_to_the_form(self):
        back = "/stories/%s#comment-form" % self.slug
        r = self.client().login(self.taken, next_path=back)
        self.assertEqual(r.status, 303, r)
        self.assertLocation(r, back)

    def test_next_with_other_characters_is_sent_back_percent_encoded(self):
        # A Location header is ASCII; the page the reader came from may not be.
        r = self.client().login(self.taken, next_path="/archive?x=\u00e9t\u00e9")
        self.assertEqual(r.status, 303, r)
        self.assertLocation(r, "/archive?x=%C3%A9t%C3%A9")

    def test_anonymous_post_error_page_links_back_to_the_form(self):
        anon = self.client()
        csrf = anon.csrf("/login")
        r = anon.post_form("/stories/%s/comments" % self.slug, {"body": "hi", "csrf": csrf})
        self.assertEqual(r.status, 401, r)
        back = urllib.parse.quote("/stories/%s#comment-form" % self.slug, safe="")
        self.assertIn('href="/register?next=%s"' % back, r.text)


class HttpsSite(ServerTest):
    server_kwargs = {"config": "[server]\nbase_url = https://news.example\n"
                               "[limits]\nregister_client = 0\n"}

    def test_welcome_cookie_is_secure(self):
        c = self.client()
        name = unique("sec")
        r = c.register(name)
        self.assertEqual(r.status, 303, r)
        self.assertIn("secure", cookie_attrs(r, "stet_flash"))


if __name__ == "__main__":
    unittest.main()
