"""The render cache: an anonymous story page is served from memory with an ETag and
gzip, and changes exactly when what it shows changes — a new comment (on this node
or another), the story closed from the command line, the weather — and never mixes
a logged-in reader's parts into the shared copy."""

import gzip
import time
import unittest

from fake_weather import FakeWeatherMixin
from harness import (DEFAULT_PASSWORD, IS_POSTGRES, ServerTest, TwoNodeTest, eventually, parse_html,
                     unique)
from test_live import post_api


def session_token(server, login):
    r = server.client().post_json("/api/v1/sessions", {"login": login, "password": DEFAULT_PASSWORD})
    if r.status != 201:
        raise AssertionError("login failed: %r" % r)
    return r.json()["token"]


def page(server, slug, headers=None):
    r = server.client().request("GET", "/stories/" + slug, headers=headers or {})
    return r


class AnonymousPageCache(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = unique("cache-")
        cls.server.add_story(cls.slug, title="Cached story")
        name = unique("cacher")
        cls.server.add_user(name)
        cls.token = session_token(cls.server, name)

    def test_etag_and_304(self):
        first = page(self.server, self.slug)
        self.assertEqual(first.status, 200, first)
        etag = first.header("ETag")
        self.assertIsNotNone(etag)
        self.assertIn("s-maxage", first.header("Cache-Control", ""))
        self.assertIn("public", first.header("Cache-Control", ""))
        second = page(self.server, self.slug)
        self.assertEqual(second.header("ETag"), etag)
        self.assertEqual(second.body, first.body)
        not_modified = page(self.server, self.slug, {"If-None-Match": etag})
        self.assertEqual(not_modified.status, 304)
        self.assertEqual(not_modified.body, b"")
        self.assertEqual(not_modified.header("ETag"), etag)
        other = page(self.server, self.slug, {"If-None-Match": '"0000000000000000"'})
        self.assertEqual(other.status, 200)

    def test_gzip_is_the_same_page(self):
        plain = page(self.server, self.slug)
        zipped = page(self.server, self.slug, {"Accept-Encoding": "gzip, deflate"})
        self.assertEqual(zipped.status, 200)
        self.assertEqual(zipped.header("Content-Encoding"), "gzip")
        self.assertIn("Accept-Encoding", zipped.header("Vary", ""))
        self.assertEqual(gzip.decompress(zipped.body), plain.body)
        refused = page(self.server, self.slug, {"Accept-Encoding": "gzip;q=0"})
        self.assertIsNone(refused.header("Content-Encoding"))
        self.assertEqual(refused.body, plain.body)

    def test_new_comment_changes_the_page(self):
        before = page(self.server, self.slug)
        text = unique("fresh comment ")
        c = post_api(self, self.server, self.slug, self.token, text)
        after = page(self.server, self.slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(after.status, 200)
        self.assertNotEqual(after.header("ETag"), before.header("ETag"))
        self.assertIn(text, after.text)
        self.assertIsNotNone(parse_html(after.text).by_id("comment-%d" % c["id"]))
        zipped = page(self.server, self.slug, {"Accept-Encoding": "gzip"})
        self.assertIn(text.encode(), gzip.decompress(zipped.body)
                      if zipped.header("Content-Encoding") == "gzip" else zipped.body)

    def test_closing_from_the_command_line_changes_the_page(self):
        slug = unique("closing-")
        self.server.add_story(slug)
        open_page = page(self.server, slug)
        self.assertNotIn("comments-closed", open_page.text)
        p = self.server.cli("story", "close", slug)
        self.assertEqual(p.returncode, 0, p.stderr)

        def closed_page():
            r = page(self.server, slug, {"If-None-Match": open_page.header("ETag")})
            return r if r.status == 200 and "comments-closed" in r.text else None
        eventually(closed_page, "the page shows the story closed")

    def test_promoting_a_commenter_changes_the_page(self):
        # The staff badge is on the page, so a role change must move its version
        # even though no comment (and no live event) came with it.
        slug = unique("promote-")
        self.server.add_story(slug)
        name = unique("promoted")
        self.server.add_user(name)
        c = post_api(self, self.server, slug, session_token(self.server, name),
                     unique("soon staff "))
        before = page(self.server, slug)
        self.assertEqual(before.status, 200)
        self.assertIsNone(parse_html(before.text).find("span", cls="comment-staff"))
        p = self.server.cli("user", "role", name, "moderator")
        self.assertEqual(p.returncode, 0, p.stderr)

        def promoted_page():
            r = page(self.server, slug, {"If-None-Match": before.header("ETag")})
            return r if r.status == 200 else None
        after = eventually(promoted_page, "the page changes with the role")
        self.assertNotEqual(after.header("ETag"), before.header("ETag"))
        comment = parse_html(after.text).by_id("comment-%d" % c["id"])
        self.assertIsNotNone(comment)
        badge = comment.find("span", cls="comment-staff")
        self.assertIsNotNone(badge)
        self.assertEqual(badge.get("data-role"), "moderator")

    def test_logged_in_parts_never_reach_the_shared_copy(self):
        c = self.server.client()
        c.register(unique("reader"))
        mine = c.get("/stories/" + self.slug)
        self.assertEqual(mine.status, 200)
        self.assertIsNotNone(parse_html(mine.text).by_id("comment-form"))
        self.assertIn("private", mine.header("Cache-Control", ""))
        anon = page(self.server, self.slug)
        root = parse_html(anon.text)
        self.assertIsNone(root.by_id("comment-form"))
        self.assertNotIn('name="csrf"', anon.text)
        self.assertIsNotNone(root.find("p", cls="register-notice"))
        self.assertEqual(root.find_all("a", cls="comment-reply"), [])

    def test_logged_in_page_is_whole_around_the_shared_fragment(self):
        # The logged-in page is sent as three pieces (layout head, the cached
        # fragment, form and layout tail): it must arrive as one well-formed page.
        c = self.server.client()
        c.register(unique("piecer"))
        text = unique("fragment comment ")
        post_api(self, self.server, self.slug, self.token, text)
        for _ in range(2):  # the second time from the cache
            r = c.get("/stories/" + self.slug)
            self.assertEqual(r.status, 200)
            self.assertEqual(int(r.header("Content-Length")), len(r.body))
            self.assertEqual(r.text.count("<!DOCTYPE html>"), 1)
            self.assertEqual(r.text.count("</html>"), 1)
            self.assertNotIn("stet:fragment", r.text)
            self.assertIn(text, r.text)
            root = parse_html(r.text)
            self.assertIsNotNone(root.by_id("comment-form"))
            self.assertIsNotNone(root.find("span", cls="viewer"))
            self.assertTrue(r.text.index(text) < r.text.index('id="comment-form"'))
        head = c.request("HEAD", "/stories/" + self.slug)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")
        self.assertEqual(int(head.header("Content-Length")), len(r.body))
        # gzip: the reader's parts framed around the fragment compressed once; the
        # same page once inflated, and much smaller on the wire.
        self.assertIn("Accept-Encoding", r.header("Vary", ""))
        zipped = c.get("/stories/" + self.slug, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(zipped.status, 200)
        self.assertEqual(zipped.header("Content-Encoding"), "gzip")
        self.assertEqual(int(zipped.header("Content-Length")), len(zipped.body))
        self.assertEqual(gzip.decompress(zipped.body), r.body)
        self.assertLess(len(zipped.body), len(r.body))
        refused = c.get("/stories/" + self.slug, headers={"Accept-Encoding": "gzip;q=0"})
        self.assertIsNone(refused.header("Content-Encoding"))
        self.assertEqual(refused.body, r.body)

    def test_head_of_a_cached_page(self):
        plain = page(self.server, self.slug)
        head = self.server.client().request("HEAD", "/stories/" + self.slug)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")
        self.assertEqual(int(head.header("Content-Length")), len(plain.body))
        self.assertEqual(head.header("ETag"), plain.header("ETag"))


class LaterCommentPages(ServerTest):
    """Comments past the first 200 are on later pages (?after=CURSOR). Each page a
    rendered page links to is cached like the first; a cursor nobody linked to is
    rendered for that request only, so invented cursors cannot fill the cache."""
    server_kwargs = {"config": "[limits]\ncomments_per_minute = 0\n"}

    @classmethod
    def prepare(cls):
        cls.slug = unique("pages-")
        cls.server.add_story(cls.slug)
        name = unique("pager")
        cls.server.add_user(name)
        cls.token = session_token(cls.server, name)
        for i in range(410):
            r = cls.server.client().post_json("/api/v1/stories/%s/comments" % cls.slug,
                                              {"body": "comment number %d" % i}, token=cls.token)
            if r.status != 201:
                raise AssertionError("posting comment %d: %r" % (i, r))

    def more_link(self, text):
        a = parse_html(text).find("p", cls="comments-more")
        return a.find("a").get("href").split("#")[0] if a is not None else None

    def test_later_pages_are_cached_and_change_with_the_story(self):
        first = page(self.server, self.slug)
        self.assertIn("comment number 0<", first.text)
        second_url = self.more_link(first.text)
        self.assertIsNotNone(second_url)
        second = self.server.client().get(second_url)
        self.assertEqual(second.status, 200)
        self.assertIn("comment number 200<", second.text)
        self.assertNotIn("comment number 199<", second.text)
        etag = second.header("ETag")
        self.assertIsNotNone(etag, "a linked page of comments is not cached")
        again = self.server.client().get(second_url, headers={"If-None-Match": etag})
        self.assertEqual(again.status, 304)
        third_url = self.more_link(second.text)
        third = self.server.client().get(third_url)
        self.assertIn("comment number 409<", third.text)
        self.assertIsNone(self.more_link(third.text))
        self.assertIsNotNone(third.header("ETag"))

        # A cursor nobody linked to: the right comments, but not kept.
        first = self.api_comments(self.slug, "?limit=1")["comments"][0]["id"]
        invented = "/stories/%s?after=%d" % (self.slug, first)
        r = self.server.client().get(invented)
        self.assertEqual(r.status, 200)
        self.assertIn("comment number 1<", r.text)
        self.assertNotIn("comment number 0<", r.text)
        self.assertIsNone(r.header("ETag"))
        self.assertIn("private", r.header("Cache-Control", ""))

        # A new comment changes every page's version; it shows on the last.
        post_api(self, self.server, self.slug, self.token, "comment number 410")
        changed = self.server.client().get(second_url, headers={"If-None-Match": etag})
        self.assertEqual(changed.status, 200)
        self.assertNotEqual(changed.header("ETag"), etag)
        self.assertIn("comment number 410<", self.server.client().get(third_url).text)


class WeatherChangesThePage(FakeWeatherMixin, ServerTest):
    weather_hi, weather_lo = 20.2, 5.4

    @classmethod
    def prepare(cls):
        cls.slug = unique("weather-cache-")
        cls.server.add_story(cls.slug)

    def wait_for(self, text, deadline_s=15):
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            r = page(self.server, self.slug)
            if text in r.text:
                return r
            time.sleep(0.2)
        self.fail("page never showed %r" % text)

    def test_weather_change_reaches_the_cached_page(self):
        first = self.wait_for("Hi 20° | Lo 5°")
        self.fake.set("ok", hi=31.0, lo=12.0)
        second = self.wait_for("Hi 31° | Lo 12°")
        self.assertNotEqual(first.header("ETag"), second.header("ETag"))


@unittest.skipUnless(IS_POSTGRES, "needs PostgreSQL (STET_E2E_BACKEND=postgres)")
class CacheAcrossNodes(TwoNodeTest):
    @classmethod
    def prepare(cls):
        cls.slug = unique("nodes-cache-")
        cls.server.add_story(cls.slug)
        name = unique("nodeposter")
        cls.server.add_user(name)
        cls.token = session_token(cls.server, name)
        mod = unique("nodemod")
        cls.server.add_user(mod, role="moderator")
        cls.mod_token = session_token(cls.server, mod)

    def test_post_on_b_changes_cached_page_on_a(self):
        before = page(self.server, self.slug)
        self.assertEqual(page(self.server, self.slug).header("ETag"), before.header("ETag"))
        text = unique("from node b ")
        post_api(self, self.node_b, self.slug, self.token, text)

        def changed_page():
            r = page(self.server, self.slug, {"If-None-Match": before.header("ETag")})
            return r if r.status == 200 and text in r.text else None
        eventually(changed_page, "node A's page shows the comment posted on B")

    def test_decisions_on_b_change_cached_page_on_a(self):
        """Every change a moderator or the author makes on node B reaches node A's
        cached page and its ETag: reject, approve, edit, delete."""
        text = unique("decided on b ")
        cid = post_api(self, self.node_b, self.slug, self.token, text)["id"]
        edited = unique("edited on b ")
        steps = [  # what, method, path suffix, body, moderator's, the text A shows after
            ("rejected", "POST", "/reject", {}, True, None),
            ("approved", "POST", "/approve", {}, True, text),
            ("edited", "PATCH", "", {"body": edited}, False, edited),
            ("deleted", "DELETE", "", None, False, None),
        ]
        current = eventually(lambda: self.page_where(text, True), "node A shows the comment")
        for what, method, suffix, body, by_mod, after in steps:
            path = "/api/v1/comments/%d%s" % (cid, suffix)
            token = self.mod_token if by_mod else self.token
            if body is None:
                r = self.client_b().request(method, path, token=token)
            else:
                r = self.client_b().post_json(path, body, method=method, token=token)
            self.assertIn(r.status, (200, 204), "%s on node B: %r" % (what, r))
            etag = current.header("ETag")

            def followed():
                r = page(self.server, self.slug, {"If-None-Match": etag})
                if r.status != 200:
                    return None
                gone = text not in r.text and edited not in r.text
                return r if (gone if after is None else after in r.text) else None
            current = eventually(followed, "node A's cached page follows the comment %s on B" % what)

    def page_where(self, text, shown):
        r = page(self.server, self.slug)
        return r if r.status == 200 and (text in r.text) == shown else None

if __name__ == "__main__":
    unittest.main()
