"""How a comment reads (issue 9, items 6-12): line breaks and headings in comment
Markdown, times in the site's zone (site.timezone), whom a reply answers when nesting
cannot show it, a closed story without comments, the staff badge and the "you"
marker, the Reply link's accessible name, the live region and focusable code
blocks."""

import datetime
import os
import re
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.parse
import zoneinfo

from harness import IS_POSTGRES, ServerTest, clean_env, parse_html, stet_bin, unique

ZONE = "Europe/Berlin"
CONFIG = ("[site]\ntimezone = %s\n[limits]\ncomments_per_minute = 0\nregister_client = 0\n"
          % ZONE)


class CommentLook(ServerTest):
    server_kwargs = {"config": CONFIG}

    @classmethod
    def prepare(cls):
        cls.anna = unique("anna")
        cls.bob = unique("bob")
        cls.mod = unique("mod")
        cls.admin = unique("adm")
        cls.server.add_user(cls.anna)
        cls.server.add_user(cls.bob)
        cls.server.add_user(cls.mod, role="moderator")
        cls.server.add_user(cls.admin, role="admin")

    # --- helpers

    def token(self, username):
        """One API session per user for the whole class (logging in costs a hash)."""
        tokens = self.__class__.__dict__.get("tokens")
        if tokens is None:
            tokens = self.__class__.tokens = {}
        if username not in tokens:
            tokens[username] = self.token_for(username)
        return tokens[username]

    def post(self, slug, username, body, parent_id=None):
        doc = {"body": body}
        if parent_id is not None:
            doc["parent_id"] = parent_id
        r = self.client().post_json("/api/v1/stories/%s/comments" % slug, doc,
                                    token=self.token(username))
        self.assertEqual(r.status, 201, r)
        return r.json()["comment"]

    def story(self, **kw):
        slug = unique("look-")
        self.server.add_story(slug, **kw)
        return slug

    def page(self, slug, client=None, path=None):
        r = (client or self.client()).get(path or "/stories/" + slug)
        self.assertEqual(r.status, 200, r)
        return r, parse_html(r.text)

    def page_with(self, slug, cid, client=None):
        """The story page (any page of its comments) that shows comment `cid`, parsed:
        the first page, then every page of comments its links lead to."""
        seen, todo = set(), ["/stories/" + slug]
        while todo:
            path = todo.pop(0)
            if path in seen:
                continue
            seen.add(path)
            _, root = self.page(slug, client, path)
            if root.by_id("comment-%d" % cid) is not None:
                return root
            for a in root.by_id("comments").find_all("a"):
                href = a.get("href", "").split("#")[0]
                if href.startswith("/stories/%s?" % slug):
                    todo.append(href)
        self.fail("comment %d is on no page of %s (looked at %s)" % (cid, slug, sorted(seen)))

    def logged_in(self, username):
        c = self.client()
        r = c.login(username)
        self.assertIn(r.status, (200, 303), r)
        return c

    # --- item 6: Markdown in comments

    def test_comment_keeps_line_breaks_and_demotes_headings(self):
        slug = self.story(body="# Story heading\n\nline one\nline two")
        c = self.post(slug, self.anna, "# BREAKING\n\n1 High Street\nLeeds")
        self.assertIn("<p><strong>BREAKING</strong></p>", c["body_html"])
        self.assertIn("1 High Street<br />\nLeeds", c["body_html"])
        _, root = self.page(slug)
        art = root.by_id("comment-%d" % c["id"])
        self.assertEqual(art.find_all("h1"), [])
        self.assertEqual(len(art.find("div", cls="comment-body").find_all("br")), 1)
        # The story body is the editor's Markdown, headings and soft breaks as written.
        body = root.find("div", cls="story-body")
        self.assertIsNotNone(body.find("h1"))
        self.assertEqual(body.find_all("br"), [])

    def test_code_block_is_focusable_and_labelled(self):
        slug = self.story()
        c = self.post(slug, self.anna, "```\n" + "x = 1  # " + "long " * 60 + "\n```")
        _, root = self.page(slug)
        pre = root.by_id("comment-%d" % c["id"]).find("pre")
        self.assertIsNotNone(pre)
        self.assertEqual(pre.get("tabindex"), "0")
        self.assertEqual(pre.get("role"), "group")
        self.assertEqual(pre.get("aria-label"), "Code block")
        self.assertTrue(pre.has_class("code-block"))

    # --- item 7: times in the site's zone

    def test_time_in_site_zone(self):
        slug = self.story()
        c = self.post(slug, self.anna, "what time is it")
        _, root = self.page(slug)
        self.assertEqual(root.by_id("comments").get("data-tz"), ZONE)
        art = root.by_id("comment-%d" % c["id"])
        t = art.find("time", cls="comment-time")
        utc = datetime.datetime.strptime(t.get("datetime"), "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        local = utc.astimezone(zoneinfo.ZoneInfo(ZONE))
        self.assertEqual(t.norm_text(), "%d %s %d, %02d:%02d" % (
            local.day, local.strftime("%b"), local.year, local.hour, local.minute))
        self.assertEqual(t.get("title"), "%s %d %s %d, %02d:%02d %s" % (
            local.strftime("%A"), local.day, local.strftime("%B"), local.year, local.hour,
            local.minute, local.tzname()))

    @unittest.skipIf(IS_POSTGRES, "edits the SQLite file directly")
    def test_edited_comment_says_so(self):
        # A comment copied from another system may carry edited_at; an author's
        # edit sets it too (test_comment_edit covers that path).
        slug = self.story()
        c = self.post(slug, self.anna, "first version")
        with sqlite3.connect(self.server.db[len("sqlite:"):]) as db:
            db.execute("UPDATE comments SET edited_at = created_at + 600 WHERE id = ?",
                       (c["id"],))
        _, root = self.page(slug)
        edited = root.by_id("comment-%d" % c["id"]).find("time", cls="comment-edited")
        self.assertIsNotNone(edited)
        self.assertEqual(edited.norm_text(), "edited")
        self.assertRegex(edited.get("title"), r"^Edited \w+day \d+ \w+ \d{4}, \d\d:\d\d CES?T$")

    # --- item 9: whom a reply answers

    def test_reply_beyond_shown_depth_names_its_parent(self):
        slug = self.story()
        authors = [self.anna, self.bob] * 4
        ids, parent = [], None
        for i, who in enumerate(authors[:7]):
            parent = self.post(slug, who, "level %d" % (i + 1), parent)["id"]
            ids.append(parent)
        root = self.page_with(slug, ids[-1])
        for level, cid in enumerate(ids, start=1):
            art = root.by_id("comment-%d" % cid)
            self.assertIsNotNone(art, "comment at level %d missing" % level)
            link = art.find("header").find("a", cls="comment-in-reply-to")
            if level <= 5:
                # Nesting shows whom it answers; no line needed.
                self.assertIsNone(link, "level %d: %s" % (level, link and link.norm_text()))
                continue
            self.assertIsNotNone(link, "level %d names no parent" % level)
            self.assertEqual(link.get("href"), "#comment-%d" % ids[level - 2])
            self.assertEqual(link.norm_text(), "in reply to %s" % authors[level - 2])

    def test_reply_to_a_comment_on_an_earlier_page(self):
        slug = self.story()
        first = self.post(slug, self.anna, "the very first")["id"]
        for i in range(200):
            self.post(slug, self.bob, "filler %d" % i)
        reply = self.post(slug, self.bob, "answering the first", first)["id"]
        root = self.page_with(slug, reply)
        self.assertIsNone(root.by_id("comment-%d" % first), "parent on the same page")
        link = root.by_id("comment-%d" % reply).find("a", cls="comment-in-reply-to")
        self.assertIsNotNone(link)
        self.assertEqual(link.get("href"), "/stories/%s/comments/%d" % (slug, first))
        self.assertEqual(link.norm_text(), "in reply to an earlier comment")

    # --- item 10: closed stories

    def test_closed_story_without_comments_says_only_closed(self):
        slug = self.story()
        p = self.server.cli("story", "close", slug)
        self.assertEqual(p.returncode, 0, p.stderr)
        r, root = self.page(slug)
        main = root.find("main")
        self.assertIn("Comments are closed for this story.", main.norm_text())
        self.assertIsNone(root.by_id("comments"))
        self.assertIsNone(root.find(cls="comments-empty"))
        self.assertIsNone(root.find(cls="comment-count"))
        self.assertNotIn("Be the first", r.text)
        self.assertEqual(main.norm_text().count("Comments are closed"), 1)

    def test_closed_story_with_comments_shows_them_and_the_closed_line(self):
        slug = self.story()
        c = self.post(slug, self.anna, "said before closing")
        p = self.server.cli("story", "close", slug)
        self.assertEqual(p.returncode, 0, p.stderr)
        r, root = self.page(slug)
        self.assertIsNotNone(root.by_id("comment-%d" % c["id"]))
        self.assertEqual(root.by_id("comments").get("data-count"), "1")
        self.assertEqual(root.find("main").norm_text().count("Comments are closed"), 1)
        self.assertIsNone(root.find(cls="comments-empty"))

    # --- item 11: accessibility markers

    def test_articles_named_and_reply_links_named_for_their_comment(self):
        slug = self.story()
        c = self.post(slug, self.anna, "name me")
        _, root = self.page(slug, self.logged_in(self.bob))
        art = root.by_id("comment-%d" % c["id"])
        self.assertEqual(art.tag, "article")
        ids = art.get("aria-labelledby", "").split()
        self.assertEqual(len(ids), 2, art.attrs)
        self.assertEqual(root.by_id(ids[0]).norm_text(), self.anna)
        self.assertEqual(root.by_id(ids[1]).tag, "time")
        reply = art.find("a", cls="comment-reply")
        self.assertEqual(reply.norm_text(), "Reply to %s" % self.anna)
        hidden = reply.find("span", cls="visually-hidden")
        self.assertEqual(hidden.norm_text(), "to %s" % self.anna)
        # The visible text starts the accessible name (WCAG 2.5.3, label in name).
        self.assertEqual(reply.text().replace(hidden.text(), "").strip(), "Reply")

    def test_one_polite_live_region(self):
        slug = self.story()
        self.post(slug, self.anna, "first")
        _, root = self.page(slug)
        section = root.by_id("comments")
        regions = [n for n in section.iter()
                   if n.get("role") in ("status", "log", "alert") or n.get("aria-live")]
        self.assertEqual(len(regions), 1, [r.attrs for r in regions])
        self.assertEqual(regions[0].get("id"), "comments-live")
        self.assertEqual(regions[0].get("role"), "status")
        self.assertIn(regions[0].get("aria-live"), (None, "polite"))

    # --- item 12: staff badge and "you"

    def test_staff_badge_for_moderators_and_admins(self):
        slug = self.story()
        by = {who: self.post(slug, who, "hi from %s" % who)
              for who in (self.anna, self.mod, self.admin)}
        _, root = self.page(slug)
        for who, role in ((self.mod, "moderator"), (self.admin, "admin")):
            art = root.by_id("comment-%d" % by[who]["id"])
            badge = art.find("header").find("span", cls="comment-staff")
            self.assertIsNotNone(badge, who)
            self.assertEqual(badge.norm_text(), "Staff")
            self.assertEqual(badge.get("data-role"), role)
            self.assertEqual(by[who]["author"]["role"], role)
        art = root.by_id("comment-%d" % by[self.anna]["id"])
        self.assertIsNone(art.find(cls="comment-staff"))
        self.assertEqual(by[self.anna]["author"]["role"], "reader")

    def you_stylesheet(self, client, slug):
        """The reader's own stylesheet linked from the story page, fetched, or None."""
        _, root = self.page(slug, client)
        links = [l.get("href") for l in root.find_all("link", rel="stylesheet")
                 if l.get("href", "").startswith("/static/you/")]
        if not links:
            return None
        self.assertEqual(len(links), 1, links)
        r = client.get(links[0])
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type", "").startswith("text/css"), r)
        return r.text

    def test_you_marker_only_on_the_readers_own_comments(self):
        slug = self.story()
        mine = self.post(slug, self.anna, "my own words")
        theirs = self.post(slug, self.bob, "someone else's")
        _, root = self.page(slug)
        for c, who in ((mine, self.anna), (theirs, self.bob)):
            art = root.by_id("comment-%d" % c["id"])
            self.assertEqual(art.get("data-author"), who)
            you = art.find("span", cls="comment-you")
            self.assertIsNotNone(you)
            self.assertIn("hidden", you.attrs)  # shown only by the reader's stylesheet

        # Anonymous: no stylesheet of anyone's. A reader: one that selects only the
        # comments carrying their own name.
        self.assertIsNone(self.you_stylesheet(self.client(), slug))
        for who in (self.anna, self.bob):
            css = self.you_stylesheet(self.logged_in(who), slug)
            self.assertIsNotNone(css, who)
            selected = set(re.findall(r'data-author="([^"]*)"', css))
            self.assertEqual(selected, {who})
            self.assertIn(".comment-you", css)
            self.assertIn("display: inline-block", css)

    def test_you_stylesheet_refuses_what_is_no_username(self):
        r = self.client().get("/static/you/" + self.anna)
        self.assertEqual(r.status, 200, r)
        self.assertIn("public", r.header("Cache-Control", ""))
        for name in ("a", "x" * 33, urllib.parse.quote('a"b{}'), "..", "a%20b"):
            r = self.client().get("/static/you/" + name)
            self.assertEqual(r.status, 404, (name, r))


class SiteTimezoneConfig(unittest.TestCase):
    """site.timezone is checked when the server starts: an unknown zone is refused with
    a message that names the key, before anything listens."""

    def serve(self, zone):
        with tempfile.TemporaryDirectory(prefix="stet-tz-") as tmp:
            ini = os.path.join(tmp, "stet.ini")
            with open(ini, "w") as f:
                f.write("[site]\ntimezone = %s\n" % zone)
            return subprocess.run(
                [stet_bin(), "serve", "--listen", "127.0.0.1:0", "--db",
                 "sqlite:" + os.path.join(tmp, "stet.db"), "--config", ini, "--demo"],
                stdin=subprocess.DEVNULL, capture_output=True, env=clean_env(), cwd=tmp,
                timeout=30)

    def test_unknown_zone_refused_naming_the_key(self):
        for zone in ("Mars/Olympus_Mons", "../../etc/passwd", "Europe/Berlin/"):
            p = self.serve(zone)
            err = p.stderr.decode("utf-8", "replace")
            self.assertNotEqual(p.returncode, 0, err)
            self.assertIn("site.timezone", err)
            self.assertIn("not a known time zone", err)
            self.assertNotIn(b"listening", p.stdout)


if __name__ == "__main__":
    unittest.main()
