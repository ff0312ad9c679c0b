"""The JSON API of SPEC section 5: accounts, sessions, comments with paging, counts,
story creation by role, and the registration_required answer."""

import unittest
import urllib.parse

from harness import REGISTRATION_MESSAGE, ServerTest, unique


class Api(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = "api-" + unique("s")
        cls.server.add_story(cls.slug, title="API Story")
        cls.empty = "empty-" + unique("s")
        cls.server.add_story(cls.empty, title="Quiet Story")
        cls.admin = unique("admin")
        cls.server.add_user(cls.admin, role="admin", password="admin password 1")

    def test_register_returns_user_without_secrets(self):
        name = unique("Newbie")
        c = self.client()
        r = c.post_json("/api/v1/users", {"username": name, "email": name + "@example.com",
                                          "password": "long enough pw"})
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.header("Content-Type").startswith("application/json"), r)
        self.assertIn("charset=utf-8", r.header("Content-Type").lower())
        u = r.json()["user"]
        self.assertEqual(u["username"], name)
        self.assertIsInstance(u["id"], int)
        self.assertEqual(u["role"], "reader")
        self.assertIn("display_name", u)
        self.assertIn("created_at", u)
        self.assertEqual(u.get("email"), name + "@example.com")
        for secret in ("password", "password_hash", "hash"):
            self.assertNotIn(secret, u)
        self.assertNotIn("long enough pw", r.text)
        self.assertNotIn("$argon2", r.text)

    def test_session_post_list_and_delete(self):
        c, token, user = self.api_user()
        self.assertNotIn("email", self.client().get("/api/v1/stories/%s/comments" % self.slug).text)
        r = c.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": "Hello **API**"},
                        token=token)
        self.assertEqual(r.status, 201, r)
        com = r.json()["comment"]
        self.assertIsInstance(com["id"], int)
        self.assertEqual(com["story"], self.slug)
        self.assertIsNone(com["parent_id"])
        self.assertEqual(com["author"]["username"], user["username"])
        self.assertIn("display_name", com["author"])
        self.assertIn("<strong>API</strong>", com["body_html"])
        self.assertIsNone(com["edited_at"])
        self.assertIs(com["legacy"], False)
        self.assertEqual(com["status"], "visible")
        self.assertRegex(com["created_at"], r"^\d{4}-\d\d-\d\dT")

        r = c.post_json("/api/v1/stories/%s/comments" % self.slug,
                        {"body": "a reply", "parent_id": com["id"]}, token=token)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["comment"]["parent_id"], com["id"])

        listed = self.api_comments(self.slug, "?sort=oldest&limit=100")
        ids = [x["id"] for x in listed["comments"]]
        self.assertIn(com["id"], ids)
        self.assertEqual(listed["count"], len(ids))
        for x in listed["comments"]:
            self.assertNotIn("email", x["author"])

        # Log out: the token stops working.
        r = c.request("DELETE", "/api/v1/sessions/current", token=token)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        before = self.count(self.slug)
        r = c.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": "after logout"},
                        token=token)
        err = self.assertApiError(r, 401, "registration_required")
        self.assertEqual(err["message"], REGISTRATION_MESSAGE)
        self.assertEqual(self.count(self.slug), before)

    def test_post_without_or_with_bad_token(self):
        c = self.client()
        before = self.count(self.slug)
        for token in (None, "not-a-real-token", "A" * 64, ""):
            r = c.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": "sneaky"},
                            token=token)
            err = self.assertApiError(r, 401, "registration_required")
            self.assertEqual(err["message"], REGISTRATION_MESSAGE)
        r = c.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": "sneaky"},
                        headers={"Authorization": "Basic dXNlcjpwYXNz"})
        self.assertApiError(r, 401, "registration_required")
        self.assertEqual(self.count(self.slug), before)

    def test_paging_sort_limit_cursor(self):
        slug = "paging-" + unique("s")
        self.server.add_story(slug, title="Paging")
        c, token, _ = self.api_user()
        made = []
        for i in range(7):
            r = c.post_json("/api/v1/stories/%s/comments" % slug, {"body": "comment %d" % i},
                            token=token)
            self.assertEqual(r.status, 201, r)
            made.append(r.json()["comment"]["id"])
        self.assertEqual(made, sorted(made))

        for sort, expect in (("oldest", made), ("newest", list(reversed(made)))):
            for limit in (1, 2, 3, 7, 100):
                seen = []
                cursor = None
                pages = 0
                while True:
                    q = "?sort=%s&limit=%d" % (sort, limit)
                    if cursor:
                        q += "&cursor=" + urllib.parse.quote(cursor, safe="")
                    j = self.api_comments(slug, q)
                    self.assertEqual(j["count"], 7)
                    self.assertLessEqual(len(j["comments"]), limit)
                    seen += [x["id"] for x in j["comments"]]
                    pages += 1
                    self.assertLess(pages, 20, "paging does not end")
                    cursor = j["next_cursor"]
                    if cursor is None:
                        break
                    self.assertIsInstance(cursor, str)
                self.assertEqual(seen, expect, "sort=%s limit=%d" % (sort, limit))

        j = self.api_comments(slug)
        self.assertEqual(sorted(x["id"] for x in j["comments"]), made)
        self.assertIsNone(j["next_cursor"])
        j = self.api_comments(slug, "?limit=3")
        self.assertEqual(len(j["comments"]), 3)
        self.assertIsNotNone(j["next_cursor"])

    def test_comment_cursor_is_commit_order_and_old_cursors_page_on(self):
        """Comments page by id (commit order). A cursor of the older "<time>.<id>" form,
        which links made before still carry, pages on from its id; a malformed one is
        a clean 400."""
        slug = "cursor-" + unique("s")
        self.server.add_story(slug, title="Cursors")
        c, token, _ = self.api_user()
        made = []
        for i in range(5):
            r = c.post_json("/api/v1/stories/%s/comments" % slug, {"body": "c %d" % i},
                            token=token)
            self.assertEqual(r.status, 201, r)
            made.append(r.json()["comment"]["id"])
        j = self.api_comments(slug, "?sort=oldest&limit=2")
        self.assertEqual(j["next_cursor"], str(made[1]))
        for old in ("1700000000.%d" % made[1], "0.%d" % made[1]):
            j = self.api_comments(slug, "?sort=oldest&limit=10&cursor=" + old)
            self.assertEqual([x["id"] for x in j["comments"]], made[2:])
            j = self.api_comments(slug, "?sort=newest&limit=10&cursor=" + old)
            self.assertEqual([x["id"] for x in j["comments"]], made[:1])
        for bad in ("x", "1.", ".5", "5.x", "-3", "0", "1.2.3"):
            r = self.client().get("/api/v1/stories/%s/comments?cursor=%s" % (slug, bad))
            self.assertApiError(r, 400, "bad_request")
        r = self.client().get("/stories/%s?after=%d.%d" % (slug, 1700000000, made[2]))
        self.assertEqual(r.status, 200, r)
        self.assertIn("c 3", r.text)
        self.assertNotIn("c 2<", r.text)

    def test_counts(self):
        c, token, _ = self.api_user()
        r = c.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": "count me"}, token=token)
        self.assertEqual(r.status, 201, r)
        n = self.api_comments(self.slug)["count"]
        r = self.client().get("/api/v1/counts?stories=%s,%s,no-such-story" % (self.slug, self.empty))
        self.assertEqual(r.status, 200, r)
        counts = r.json()["counts"]
        self.assertEqual(counts, {self.slug: n, self.empty: 0})

    def test_story_list_and_show(self):
        r = self.client().get("/api/v1/stories")
        self.assertEqual(r.status, 200, r)
        j = r.json()
        slugs = [s["slug"] for s in j["stories"]]
        self.assertIn(self.slug, slugs)
        s = [s for s in j["stories"] if s["slug"] == self.empty][0]
        for key in ("title", "url", "published_at", "comment_count", "comments_open"):
            self.assertIn(key, s)
        self.assertEqual(s["comment_count"], 0)
        self.assertIs(s["comments_open"], True)
        self.assertTrue(s["url"].endswith("/stories/" + self.empty), s["url"])
        # limit + cursor walk through every story exactly once.
        seen, cursor = [], None
        for _ in range(50):
            q = "/api/v1/stories?limit=1" + ("&cursor=" + urllib.parse.quote(
                cursor, safe="") if cursor else "")
            j = self.client().get(q).json()
            self.assertLessEqual(len(j["stories"]), 1)
            seen += [x["slug"] for x in j["stories"]]
            cursor = j["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(sorted(seen), sorted(set(seen)))
        self.assertTrue({self.slug, self.empty} <= set(seen))
        r = self.client().get("/api/v1/stories/" + self.slug)
        self.assertEqual(r.status, 200, r)
        story = r.json()["story"]
        self.assertEqual(story["slug"], self.slug)
        self.assertEqual(story["title"], "API Story")
        self.assertIn("<p>", story["body_html"])

    def test_story_create_by_role(self):
        slug = "made-" + unique("s")
        body = {"slug": slug, "title": "Made Over The API", "byline": "By Robot",
                "body": "Para one.\n\nPara two."}
        c = self.client()
        # No token.
        r = c.post_json("/api/v1/stories", body)
        self.assertApiError(r, 401)
        # A reader.
        rc, rtoken, _ = self.api_user()
        r = rc.post_json("/api/v1/stories", body, token=rtoken)
        self.assertApiError(r, 403, "forbidden")
        self.assertEqual(self.client().get("/api/v1/stories/" + slug).status, 404)
        # The admin.
        token = self.token_for(self.admin, "admin password 1")
        r = c.post_json("/api/v1/stories", body, token=token)
        self.assertEqual(r.status, 201, r)
        st = r.json()["story"]
        self.assertEqual(st["slug"], slug)
        self.assertEqual(st["title"], "Made Over The API")
        r = self.client().get("/stories/" + slug)
        self.assertEqual(r.status, 200, r)
        self.assertIn("Made Over The API", r.text)
        self.assertIn("Para two.", r.text)
        # Same slug again: conflict.
        r = c.post_json("/api/v1/stories", body, token=token)
        self.assertApiError(r, 409, "conflict")


if __name__ == "__main__":
    unittest.main()
