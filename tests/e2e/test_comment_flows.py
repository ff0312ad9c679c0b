"""The comment flows a reader goes through: every comment reachable by its
permalink on a story with more than one page of comments (200 a page), the pages
linked to each other with their range, a failed post (logged out elsewhere, a stale
form, the rate limit, a rule broken, the database down) keeping the text with the
reason and what to do, errors shown where the reader is, and a GET on the address
a form posts to leading back to the form."""

import re
import time
import unittest
import urllib.parse

from harness import (DEFAULT_PASSWORD, IS_POSTGRES, ServerTest, form_fields, parse_html,
                     pause_cluster, resume_cluster, unique)

PAGE = 200  # STORY_PAGE_COMMENTS


def fill_story(testcase_cls, slug, n):
    """Posts n comments "comment number I" over the API as one user; returns their ids."""
    server = testcase_cls.server
    name = unique("filler")
    server.add_user(name)
    r = server.client().post_json("/api/v1/sessions", {"login": name, "password": DEFAULT_PASSWORD})
    token = r.json()["token"]
    ids = []
    for i in range(n):
        r = server.client().post_json("/api/v1/stories/%s/comments" % slug,
                                      {"body": "comment number %d" % i}, token=token)
        if r.status != 201:
            raise AssertionError("posting comment %d: %r" % (i, r))
        ids.append(r.json()["comment"]["id"])
    return ids


def path_of(resp, server):
    loc = resp.header("Location") or ""
    return loc[len(server.base_url):] if loc.startswith(server.base_url) else loc


def form_of(resp):
    root = parse_html(resp.text)
    form = root.by_id("comment-form")
    return root, form


def fields_of(form):
    return form_fields(form)


class ReaderTest(ServerTest):
    """A server with one story, `cls.slug` (prefix SLUG_PREFIX, title TITLE), and one
    registered reader, `cls.reader`."""
    SLUG_PREFIX = "story-"
    TITLE = "A Story"

    @classmethod
    def prepare(cls):
        cls.slug = unique(cls.SLUG_PREFIX)
        cls.title = cls.TITLE
        cls.server.add_story(cls.slug, title=cls.title)
        cls.reader = unique("reader")
        cls.server.add_user(cls.reader)

    def logged_in(self):
        c = self.client()
        self.assertEqual(c.login(self.reader).status, 303)
        return c


class CommentPaging(ReaderTest):
    """A story with 210 comments, so a second page. Each test reads the story as it
    finds it (tests may add comments) and reasons from the API's numbers."""
    server_kwargs = {"config": "[limits]\ncomments_per_minute = 0\n"}

    SLUG_PREFIX, TITLE = "paged-", "A Busy Story"

    @classmethod
    def prepare(cls):
        super().prepare()
        cls.ids = fill_story(cls, cls.slug, 210)

    def all_ids(self):
        ids, cursor = [], None
        while True:
            q = "?sort=oldest&limit=100" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
            j = self.api_comments(self.slug, q)
            ids += [c["id"] for c in j["comments"]]
            cursor = j.get("next_cursor")
            if not cursor:
                return ids

    def articles(self, text):
        return [int(a.get("data-id")) for a in parse_html(text).find_all("article", cls="comment")]

    def test_permalink_lands_on_the_page_holding_the_comment(self):
        ids = self.all_ids()
        late, early = ids[PAGE], ids[5]
        r = self.client().get("/stories/%s/comments/%d" % (self.slug, late))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(path_of(r, self.server),
                         "/stories/%s?after=%d#comment-%d" % (self.slug, ids[PAGE - 1], late))
        page2 = self.client().get(path_of(r, self.server).split("#")[0])
        self.assertEqual(page2.status, 200)
        self.assertIn(late, self.articles(page2.text))
        self.assertNotIn(late, self.articles(self.client().get("/stories/" + self.slug).text))
        # Reached by its permalink, the later page is cached like a linked one.
        self.assertIsNotNone(page2.header("ETag"), "a page reached by a permalink is not cached")

        r = self.client().get("/stories/%s/comments/%d" % (self.slug, early))
        self.assertEqual(path_of(r, self.server), "/stories/%s#comment-%d" % (self.slug, early))
        for bad in ("999999999", "0", "x1"):
            r = self.client().get("/stories/%s/comments/%s" % (self.slug, bad))
            self.assertEqual(r.status, 404, (bad, r))
        other = unique("other-")
        self.server.add_story(other)
        r = self.client().get("/stories/%s/comments/%d" % (other, late))
        self.assertEqual(r.status, 404, "a comment of another story")

    def test_post_redirects_to_the_page_holding_the_new_comment(self):
        c = self.logged_in()
        r = c.submit("/stories/" + self.slug, "comment-form", {"body": "my late comment"})
        self.assertEqual(r.status, 303, r)
        loc = path_of(r, self.server)
        m = re.fullmatch(r"/stories/%s\?after=(\d+)#comment-(\d+)" % re.escape(self.slug), loc)
        self.assertIsNotNone(m, "not sent to a later page: %s" % loc)
        cid = int(m.group(2))
        page = c.get(loc.split("#")[0])
        self.assertEqual(page.status, 200)
        self.assertIn(cid, self.articles(page.text))
        root, form = form_of(page)
        # Said once, to this reader: the confirmation, and the mark the draft
        # script lets go of the text by.
        self.assertIn("Your comment was posted.", page.text)
        self.assertEqual(form.get("data-posted"), "1")
        # Where the reader lands (their comment, just above the form), once.
        notice = root.by_id("flash")
        self.assertIn("respond", notice.parent.classes)
        self.assertEqual(page.text.count('id="flash"'), 1)
        again = c.get(loc.split("#")[0])
        self.assertNotIn("Your comment was posted.", again.text)
        self.assertIsNone(form_of(again)[1].get("data-posted"))
        self.assertNotIn("Your comment was posted.", self.client().get(loc.split("#")[0]).text)

    def test_reply_from_page_two_stays_on_page_two(self):
        c = self.logged_in()
        ids = self.all_ids()
        target = ids[PAGE + 3]
        page2 = c.get("/stories/%s?after=%d" % (self.slug, ids[PAGE - 1]))
        art = parse_html(page2.text).by_id("comment-%d" % target)
        link = art.find("a", cls="comment-reply").get("href")
        r = c.get(link.split("#")[0])
        self.assertEqual(r.status, 200)
        self.assertIn(target, self.articles(r.text), "the reply form is not on the page of its comment")
        root, form = form_of(r)
        self.assertEqual(fields_of(form).get("parent_id"), str(target))
        cancel = root.find("a", cls="cancel-reply").get("href")
        self.assertEqual(cancel, "/stories/%s?after=%d#comment-form" % (self.slug, ids[PAGE - 1]))
        r = c.post_form(form.get("action").split("#")[0], dict(fields_of(form), body="reply on p2"))
        self.assertEqual(r.status, 303, r)
        loc = path_of(r, self.server)
        self.assertTrue(loc.startswith("/stories/%s?after=%d#comment-" % (self.slug, ids[PAGE - 1])),
                        loc)
        rid = int(loc.rsplit("-", 1)[1])
        self.assertIn(rid, self.articles(c.get(loc.split("#")[0]).text))

        # A failed reply comes back on the same page too.
        r = c.post_form(form.get("action").split("#")[0], dict(fields_of(form), body="   "))
        self.assertEqual(r.status, 422)
        self.assertIn(target, self.articles(r.text))

    def test_pages_say_their_range_and_link_newer_and_older(self):
        ids = self.all_ids()
        n = len(ids)
        first = self.client().get("/stories/" + self.slug)
        root = parse_html(first.text)
        ranges = [p.norm_text() for p in root.find_all("p", cls="comment-range")]
        self.assertEqual(ranges[0], "Comments 1\u2013200 of %d" % n)
        self.assertEqual(root.find_all("p", cls="comments-older"), [])
        newer = root.find("p", cls="comments-more").find("a")
        self.assertEqual(newer.norm_text(), "Newer comments")
        self.assertEqual(newer.get("href"),
                         "/stories/%s?after=%d#comments" % (self.slug, ids[PAGE - 1]))
        second = self.client().get(newer.get("href").split("#")[0])
        root = parse_html(second.text)
        self.assertEqual(root.find("p", cls="comment-range").norm_text(),
                         "Comments 201\u2013%d of %d" % (n, n))
        self.assertEqual(root.find_all("p", cls="comments-more"), [])
        older = root.find("p", cls="comments-older").find("a")
        self.assertEqual(older.norm_text(), "Older comments")
        self.assertEqual(older.get("href"), "/stories/%s#comments" % self.slug)


class FailedPosts(ReaderTest):
    """Each way a post can fail keeps the text in the form with the reason and what
    to do, under the failure's own status."""

    SLUG_PREFIX, TITLE = "fail-", "Harbour Lights"

    def story_form(self, c):
        r = c.get("/stories/" + self.slug)
        return fields_of(form_of(r)[1])

    def post(self, c, fields, **kw):
        return c.post_form("/stories/%s/comments" % self.slug, fields, **kw)

    def assertKept(self, r, status, text, *phrases):
        self.assertEqual(r.status, status, r)
        root, form = form_of(r)
        self.assertIsNotNone(form, "no form on the %d page" % status)
        self.assertEqual(root.by_id("comment-body").text(), text)
        summary = root.by_id("comment-error")
        self.assertIsNotNone(summary, "no error summary")
        self.assertEqual(summary.get("tabindex"), "-1")
        self.assertIn("autofocus", summary.attrs)
        for p in phrases:
            self.assertIn(p, summary.norm_text())
        self.assertTrue(root.find("title").text().startswith("Error: "), root.find("title").text())
        return root, form

    def test_get_on_the_post_address_goes_to_the_form(self):
        for c in (self.client(), self.logged_in()):
            r = c.get("/stories/%s/comments" % self.slug)
            self.assertEqual(r.status, 303, r)
            self.assertEqual(path_of(r, self.server), "/stories/%s#comment-form" % self.slug)
        self.assertEqual(self.client().get("/stories/NO%20SUCH/comments").status, 404)

    def test_422_renders_with_the_form_in_view_and_the_error_in_the_title(self):
        c = self.logged_in()
        form = form_of(c.get("/stories/" + self.slug))[1]
        self.assertEqual(form.get("action"), "/stories/%s/comments#comment-form" % self.slug)
        r = self.post(c, dict(self.story_form(c), body="  "))
        root, _ = self.assertKept(r, 422, "  ", "Comment cannot be empty.")
        self.assertEqual(root.find("title").text().split(" · ")[:2],
                         ["Error: Comment cannot be empty.", self.title])

    def test_too_long_says_how_long_and_the_limit(self):
        c = self.logged_in()
        form = form_of(c.get("/stories/" + self.slug))[1]
        ta = form.find("textarea")
        self.assertNotIn("maxlength", ta.attrs, "the browser would cut pasted text silently")
        self.assertEqual(ta.get("data-max-length"), "10000")
        text = "x" * 10050
        r = self.post(c, dict(self.story_form(c), body=text))
        self.assertKept(r, 422, text, "Your comment is 10,050 characters long; the limit is "
                        "10,000. Shorten it by 50 characters")
        # A line break counts once, as the reader sees it, though browsers send CRLF.
        r = self.post(c, dict(self.story_form(c), body="ab\r\n" * 3000))
        self.assertEqual(r.status, 303, r)

    def test_the_longest_comment_fits_in_a_request_whatever_its_characters(self):
        # 10,000 four-byte characters are 120,000 bytes once a browser percent-encodes
        # them: over the server's general body limit, which must grow with the rule.
        c = self.logged_in()
        r = self.post(c, dict(self.story_form(c), body="\U0001F30A" * 10000))
        self.assertEqual(r.status, 303, r)
        r = self.post(c, dict(self.story_form(c), body="\U0001F30A" * 10001))
        self.assertKept(r, 422, "\U0001F30A" * 10001, "the limit is 10,000")

    def test_stale_form_keeps_the_text_and_works_again(self):
        c = self.logged_in()
        r = self.post(c, dict(self.story_form(c), body="kept text", csrf="0" * 64))
        root, form = self.assertKept(r, 403, "kept text", "This form had expired",
                                     "press Post comment again")
        r = self.post(c, fields_of(form))
        self.assertEqual(r.status, 303, r)

    def test_another_sites_form_gets_no_filled_in_form(self):
        c = self.logged_in()
        r = self.post(c, dict(self.story_form(c), body="planted text", csrf="0" * 64),
                      headers={"Origin": "http://evil.example"})
        self.assertEqual(r.status, 403)
        self.assertNotIn("planted text", r.text)

    def test_logged_out_elsewhere_keeps_text_and_logs_in_and_posts_at_once(self):
        c = self.logged_in()
        old = self.story_form(c)
        self.assertEqual(c.logout().status, 303)  # "another tab"
        r = self.post(c, dict(old, body="words I will not lose"))
        root, form = self.assertKept(r, 401, "words I will not lose", "no longer logged in",
                                     "Log in below to post it")
        self.assertIsNotNone(root.by_id("comment-login"))
        sent = fields_of(form)
        self.assertEqual(sorted(sent), ["body", "csrf", "login", "password"])
        # A wrong password: still the form, still the text.
        r = self.post(c, dict(sent, login=self.reader, password="wrong password 1"))
        root, form = self.assertKept(r, 401, "words I will not lose", "Wrong username")
        self.assertEqual(root.by_id("comment-login-name").get("value"), self.reader)
        r = self.post(c, dict(fields_of(form), password=DEFAULT_PASSWORD))
        self.assertEqual(r.status, 303, r)
        self.assertIn("stet_session", c.cookies)
        loc = path_of(r, self.server)
        page = c.get(loc.split("#")[0])
        cid = loc.rsplit("-", 1)[1]
        art = parse_html(page.text).by_id("comment-" + cid)
        self.assertIn("words I will not lose", art.norm_text())
        # Logged in now: the next form is the ordinary one, and its token works.
        r = self.post(c, dict(self.story_form(c), body="and one more"))
        self.assertEqual(r.status, 303, r)

    def test_anonymous_post_offers_login_with_the_text(self):
        c = self.client()
        tok = c.csrf("/login")  # the anonymous token a stale page of this reader holds
        r = self.post(c, {"body": "anon text", "csrf": tok})
        self.assertKept(r, 401, "anon text", "Log in below")


class RateLimitedPost(ReaderTest):
    server_kwargs = {"config": "[limits]\ncomment_account = 1/1m\n"}
    SLUG_PREFIX = "rate-"

    def test_429_keeps_the_text_and_says_how_long_to_wait(self):
        c = self.logged_in()
        r = c.submit("/stories/" + self.slug, "comment-form", {"body": "first"})
        self.assertEqual(r.status, 303, r)
        r = c.submit("/stories/" + self.slug, "comment-form", {"body": "second, too soon"})
        self.assertEqual(r.status, 429, r)
        wait = int(r.header("Retry-After"))
        self.assertTrue(0 < wait <= 60, wait)
        root, form = form_of(r)
        self.assertEqual(root.by_id("comment-body").text(), "second, too soon")
        self.assertIn("Wait %d s, then press Post comment again." % wait,
                      root.by_id("comment-error").norm_text())


@unittest.skipUnless(IS_POSTGRES, "needs PostgreSQL (STET_E2E_BACKEND=postgres)")
class DatabaseDown(ReaderTest):
    """With the database unreachable, a post (whether or not the reader's session
    can be read) comes back as a form holding the text, and nothing is done."""

    SLUG_PREFIX = "down-"

    def test_503_keeps_the_text(self):
        c = self.logged_in()
        fields = fields_of(form_of(c.get("/stories/" + self.slug))[1])
        stranger = self.client()  # a session cookie no node has seen: it must be read
        stranger.cookies["stet_session"] = "A" * 43
        pause_cluster()
        try:
            for who in (c, stranger):
                r = who.post_form("/stories/%s/comments" % self.slug,
                                  dict(fields, body="words kept through an outage"))
                self.assertEqual(r.status, 503, r)
                root = parse_html(r.text)
                self.assertEqual(root.by_id("comment-body").text(), "words kept through an outage")
                self.assertIn("not posted", root.by_id("comment-error").norm_text())
        finally:
            resume_cluster()
        # Nothing was stored: once the database is back, the story has no comment.
        deadline = time.monotonic() + 30
        while True:
            r = self.client().get("/api/v1/stories/%s/comments" % self.slug)
            if r.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["count"], 0, r)
        self.assertIsNone(self.server.problems())


if __name__ == "__main__":
    unittest.main()
