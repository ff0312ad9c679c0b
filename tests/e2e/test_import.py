"""`stet import disqus|wordpress` (issue 12), on both backends, against a running
site on the same database: each fixture imports with the exact summary; the story
page shows the legacy comments threaded, escaped, labelled, with their authors and
original dates, counted, and a reader can answer one; the e-mail addresses stay
private; spam trains the filter once; importing again adds nothing and changes no
row; --dry-run writes nothing; --create-stories makes the stories; a truncated file
and a file that is not XML stop with FILE:LINE and leave every table as it was."""

import os
import re
import sqlite3
import subprocess

from harness import IS_POSTGRES, ServerTest, parse_html, unique
from test_moderation import sql
from test_spam import token, totals

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "import")
DISQUS = os.path.normpath(os.path.join(FIXTURES, "disqus.xml"))
WXR = os.path.normpath(os.path.join(FIXTURES, "wxr.xml"))


def fixture(name):
    return os.path.normpath(os.path.join(FIXTURES, name))


def summary(head, rows, file_rows, dry_run=False):
    lines = [head]
    lines += ["  %-40s %d" % (label, n) for label, n in rows]
    if file_rows:
        lines.append("In the file:")
        lines += ["  %-52s %d" % (label, n) for label, n in file_rows]
    if dry_run:
        lines.append("Nothing was written (--dry-run).")
    return "\n".join(lines) + "\n"


def rows(matched, created, imported, held, spam, deleted, pings, already, orphans, no_thread,
         no_story):
    return [("stories matched", matched), ("stories created", created),
            ("comments imported", imported), ("  held for moderation", held),
            ("skipped as spam", spam), ("skipped as deleted", deleted),
            ("skipped as pingbacks, trackbacks, other", pings), ("already imported", already),
            ("orphans re-rooted", orphans), ("skipped without a thread", no_thread),
            ("skipped without a story", no_story)]


DISQUS_FILE = [
    ("threads without an id, skipped", 1),
    ("threads without an identifier or link, skipped", 1),
    ("posts without an id, skipped", 1),
    ("posts naming no thread, skipped", 1),
    ("posts without a text", 1),
    ("dates not understood (the thread's date used)", 1),
    ("links naming their story by query only (?p=N)", 1),
]
WXR_FILE = [
    ("threads without an id, skipped", 1),
    ("threads without an identifier or link, skipped", 1),
    ("posts naming no thread, skipped", 1),
    ("posts without a text", 1),
    ("dates not understood (the thread's date used)", 2),
    ("comments dated by comment_date (no comment_date_gmt)", 2),
    ("comments without a comment_type", 2),
    ("links naming their story by query only (?p=N)", 1),
    ("item fields after its comments, ignored", 2),
]


def dump(server):
    """Every row of every table, as text: what "the database exactly as before"
    compares."""
    if IS_POSTGRES:
        tables = sql(server, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                             "ORDER BY 1")
        return {t: sql(server, "SELECT x::text FROM %s x ORDER BY 1" % t) for t in tables}
    with sqlite3.connect(server.db[len("sqlite:"):]) as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")]
        return {t: sorted(repr(r) for r in db.execute("SELECT * FROM %s" % t)) for t in tables}


def run_import(server, fmt, path, *flags):
    p = server.cli("import", fmt, path, *flags, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def article(root, legacy_id):
    """The page's <article> of the comment imported as `legacy_id`."""
    return root.by_id("comment-%d" % legacy_id)


class DisqusImport(ServerTest):
    """The Disqus fixture under an existing story: story-one matches by its link's
    path; thread 102 (deleted, linked by ?p= only) and thread 555 (not in the file)
    take nothing."""

    @classmethod
    def prepare(cls):
        cls.server.add_story("story-one", title="Story one")
        cls.reader = unique("reader")
        cls.server.add_user(cls.reader)

    def ids(self):
        """legacy_id -> comment id of the imported comments."""
        got = sql(self.server, "SELECT legacy_id || ':' || id FROM comments "
                               "WHERE legacy_source = 'disqus'")
        return {int(k): int(v) for k, v in (x.split(":") for x in got)}

    def test_import_page_reimport_and_reply(self):
        # The page is cached before the import: the import must move its version.
        cached = self.client().get("/stories/story-one")
        self.assertEqual(cached.status, 200)
        etag = cached.header("ETag")
        before = dump(self.server)
        code, out, err = run_import(self.server, "disqus", DISQUS, "--dry-run")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, summary("Dry run of the import of disqus from " + DISQUS,
                                      rows(1, 0, 6, 0, 1, 1, 0, 0, 1, 1, 1), DISQUS_FILE,
                                      dry_run=True))
        self.assertEqual(dump(self.server), before, "--dry-run wrote something")

        code, out, err = run_import(self.server, "disqus", DISQUS)
        self.assertEqual(code, 0, err)
        self.assertEqual(out, summary("Imported disqus from " + DISQUS,
                                      rows(1, 0, 6, 0, 1, 1, 0, 0, 1, 1, 1), DISQUS_FILE))
        self.assertEqual(totals(self.server), (1, 0), "the spam post did not train the filter")
        ids = self.ids()
        self.assertEqual(sorted(ids), [2001, 2002, 2003, 2004, 2005, 2006])

        page = self.client().get("/stories/story-one", headers={"If-None-Match": etag})
        self.assertEqual(page.status, 200)
        self.assertNotEqual(page.header("ETag"), etag)
        root = parse_html(page.text)
        for legacy_id, cid in ids.items():
            art = root.by_id("comment-%d" % cid)
            self.assertIsNotNone(art, legacy_id)
            self.assertIn("legacy", art.classes, legacy_id)
            self.assertEqual(art.find("span", cls="legacy-label").norm_text(), "Legacy")
        # Threaded four deep as in Disqus; the early reply and the orphan at the top.
        for child, parent in ((2002, 2001), (2003, 2002), (2004, 2003)):
            up = [a for a in root.by_id("comment-%d" % ids[child]).ancestors()
                  if a.tag == "article"]
            self.assertEqual(up[0].get("id"), "comment-%d" % ids[parent])
        for top in (2001, 2005, 2006):
            self.assertEqual([a for a in root.by_id("comment-%d" % ids[top]).ancestors()
                              if a.tag == "article"], [])
        zoe = root.by_id("comment-%d" % ids[2001])
        self.assertEqual(zoe.find("span", cls="comment-author").norm_text(),
                         "Zo\u00eb \u00c5ngstr\u00f6m \u5c71\u7530")
        self.assertEqual(zoe.find("time", cls="comment-time").get("datetime"),
                         "2015-06-01T11:00:00Z")
        link = zoe.find("div", cls="comment-body").find("a")
        self.assertEqual(link.get("href"), "http://example.com/a?b=1&c=2")
        self.assertIn("nofollow", link.get("rel"))
        self.assertIsNone(link.get("onclick"))
        self.assertNotIn("alert(1)", page.text)
        self.assertNotIn("<script>alert", page.text)
        self.assertNotIn("zoe@example.org", page.text)
        self.assertNotIn("early@example.org", page.text)
        counts = self.client().get("/api/v1/counts?stories=story-one").json()["counts"]
        self.assertEqual(counts, {"story-one": 6})
        listing = self.client().get("/api/v1/stories/story-one/comments").text
        self.assertNotIn("example.org\"", listing.replace("example.org/", ""))
        self.assertIn('"legacy":true', listing.replace(" ", ""))

        # Again: nothing new, not one row different (spam not trained twice).
        after = dump(self.server)
        code, out, err = run_import(self.server, "disqus", DISQUS)
        self.assertEqual(code, 0, err)
        self.assertEqual(out, summary("Imported disqus from " + DISQUS,
                                      rows(1, 0, 0, 0, 1, 1, 0, 6, 0, 1, 1), DISQUS_FILE))
        self.assertEqual(dump(self.server), after, "a second import changed the database")

        # Today's reader answers a legacy comment.
        tok = token(self.server, self.reader)
        r = self.client().post_json("/api/v1/stories/story-one/comments",
                                    {"body": "Answering an old comment", "parent_id": ids[2004]},
                                    token=tok)
        self.assertEqual(r.status, 201, r)
        reply = r.json()["comment"]["id"]
        root = parse_html(self.client().get("/stories/story-one").text)
        up = [a for a in root.by_id("comment-%d" % reply).ancestors() if a.tag == "article"]
        self.assertEqual(up[0].get("id"), "comment-%d" % ids[2004])
        self.assertNotIn("legacy", root.by_id("comment-%d" % reply).classes)
        counts = self.client().get("/api/v1/counts?stories=story-one").json()["counts"]
        self.assertEqual(counts, {"story-one": 7})


class WordPressImport(ServerTest):
    """The WXR fixture with --create-stories into a site without stories: three
    stories made (by path, by title for ?p=12, and for an item whose link comes after
    its comments), the pending comment held for moderators with its reason."""

    @classmethod
    def prepare(cls):
        cls.mod_name = unique("mod")
        cls.server.add_user(cls.mod_name, role="moderator")

    def test_create_stories_held_and_pings(self):
        code, out, err = run_import(self.server, "wordpress", WXR)
        self.assertEqual(code, 0, err)
        self.assertEqual(out, summary("Imported wordpress from " + WXR,
                                      rows(0, 0, 0, 0, 1, 0, 3, 0, 0, 1, 7), WXR_FILE))
        self.assertEqual(sql(self.server, "SELECT count(*) FROM comments"), ["0"])

        code, out, err = run_import(self.server, "wordpress", WXR, "--create-stories")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, summary("Imported wordpress from " + WXR,
                                      rows(0, 3, 7, 1, 1, 0, 3, 0, 1, 1, 0), WXR_FILE))
        self.assertEqual(sql(self.server, "SELECT slug FROM stories ORDER BY slug"),
                         ["late", "plain-permalink", "story-one"])
        self.assertEqual(sql(self.server, "SELECT title FROM stories WHERE slug = 'story-one'"),
                         ["Story one: \u00fcn\u00efc\u00f6d\u00e9"])
        # Published at the item's date (2016-01-01 09:00:00 UTC).
        self.assertEqual(sql(self.server,
                             "SELECT published_at FROM stories WHERE slug = 'story-one'"),
                         ["1451638800"])

        page = self.client().get("/stories/story-one")
        root = parse_html(page.text)
        legacy = [a for a in root.find_all("article") if "legacy" in a.classes]
        self.assertEqual(len(legacy), 4)  # Zoë, Bob, Dave, the orphan; Carol is held
        self.assertNotIn("Level three, pending", page.text)
        self.assertNotIn("linked here", page.text)
        self.assertNotIn("cheap pills", page.text)
        self.assertNotIn("zoe@example.org", page.text)
        self.assertIn("<p>First line<br />second line</p>", page.text)
        self.assertEqual(self.client().get("/api/v1/counts?stories=story-one").json()["counts"],
                         {"story-one": 4})

        mod = token(self.server, self.mod_name)
        queue = self.client().get("/api/v1/moderation/queue?limit=100", token=mod).json()
        held = [q for q in queue["comments"] if q["status"] == "held"]
        self.assertEqual(len(held), 1, queue)
        self.assertEqual(held[0]["reasons"], ["held", "imported: pending"])
        self.assertEqual(held[0]["author"], {"name": "Carol"})


class BrokenFiles(ServerTest):
    """A file that stops the parse half-way leaves every table as it was, also the
    rows an earlier import made and the stories this one would have created."""

    @classmethod
    def prepare(cls):
        code, out, err = run_import(cls.server, "disqus", DISQUS, "--create-stories")
        assert code == 0, err

    def assertUnchanged(self, fmt, path, *flags):
        before = dump(self.server)
        code, out, err = run_import(self.server, fmt, path, "--create-stories", *flags)
        self.assertEqual(code, 1, (out, err))
        self.assertEqual(out, "")
        self.assertRegex(err, r"(?m)^stet: %s:[1-9][0-9]*: .+; nothing was imported$"
                         % re.escape(path))
        self.assertEqual(dump(self.server), before, "%s changed the database" % path)

    def test_truncated_disqus(self):
        self.assertUnchanged("disqus", fixture("disqus-truncated.xml"))

    def test_truncated_wordpress(self):
        self.assertUnchanged("wordpress", fixture("wxr-truncated.xml"))

    def test_not_xml(self):
        self.assertUnchanged("disqus", fixture("not-xml.csv"))
        self.assertUnchanged("wordpress", fixture("not-xml.csv"))

    def test_wrong_format(self):
        self.assertUnchanged("wordpress", DISQUS)

    def test_missing_file_and_usage(self):
        before = dump(self.server)
        missing = os.path.join(self.server.tmp, "nope.xml")
        code, out, err = run_import(self.server, "disqus", missing)
        self.assertEqual(code, 1)
        self.assertRegex(err, r"(?m)^stet: %s: .+; nothing was imported$" % re.escape(missing))
        for args in (["import"], ["import", "disqus"], ["import", "mbox", DISQUS],
                     ["import", "disqus", DISQUS, "--match", "title"]):
            p = self.server.cli(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
        self.assertEqual(dump(self.server), before)
        self.assertEqual(self.server.cli("import", "--help").returncode, 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
