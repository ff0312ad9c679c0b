"""Issue 12, item 8: `stet export` writes the whole site but its secrets as one JSON
document, and `stet import stet` (for now the command `import-stet`) reads it back into
an empty database with nothing lost. A site built through the API (threads, an edited,
a held, a rejected comment, a deleted placeholder, legacy comments, reports, audit
entries, a suspension, a policy, spam training) goes out and back in; the second export
equals the first but for exported_at, and the copy serves the same pages and API
answers. With STET_E2E_BACKEND=postgres the copy goes PostgreSQL -> SQLite ->
PostgreSQL. A truncated or malformed file and a non-empty target change nothing."""

import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

from harness import (DEFAULT_PASSWORD, IS_POSTGRES, Server, clean_env, new_database_url,
                     sanitizer_report, stet_bin)

# The command that reads an export, until `stet import` dispatches to it.
IMPORT = ["import", "stet"]
CONFIG = "[limits]\ncomment_account = 0\ncomment_client = 0\n"


def sql(url, statement):
    """Rows of trusted SQL on a database URL, as lists of strings (None for NULL)."""
    if url.startswith("sqlite:"):
        con = sqlite3.connect(url[len("sqlite:"):])
        try:
            rows = con.execute(statement).fetchall()
            con.commit()
            return [[None if v is None else str(v) for v in row] for row in rows]
        finally:
            con.close()
    psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    p = subprocess.run([psql[-1] if psql else "psql", "-X", "-Atq", "-F", "\x1f", "-P",
                        "null=<NULL>", "-d", url, "-c", statement],
                       capture_output=True, timeout=30, check=True)
    return [[None if v == "<NULL>" else v for v in line.split("\x1f")]
            for line in p.stdout.decode("utf-8").split("\n") if line]


def stet(*args, timeout=60):
    """Runs stet outside any server; fails the test run on a sanitizer report."""
    p = subprocess.run([stet_bin()] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                       env=clean_env(), timeout=timeout)
    err = p.stderr.decode("utf-8", "replace")
    if sanitizer_report(err):
        raise AssertionError("sanitizer report from %r:\n%s" % (args, err[-4000:]))
    return p


def fresh_database(tmp, backend):
    """A new database made by `stet migrate`: a SQLite file, or a PostgreSQL one."""
    if backend == "sqlite":
        url = "sqlite:" + os.path.join(tmp, "copy-%s.db" % os.urandom(4).hex())
    else:
        url = new_database_url(tmp)
    p = stet("migrate", "--db", url)
    assert p.returncode == 0, p
    return url


def export(url, path):
    p = stet("export", "--db", url, "-o", path)
    assert p.returncode == 0, p
    with open(path, "rb") as f:
        return f.read()


def without_time(doc_bytes):
    doc = json.loads(doc_bytes)
    del doc["exported_at"]
    return doc


class Site:
    """The site the round trip carries, built on a running server through its API."""

    def __init__(self, server):
        self.s = server
        self.c = server.client()
        server.add_user("chief", role="admin", password="admin password 1")
        server.add_user("mod", role="moderator", password="mod password 1")
        self.admin = self.token("chief", "admin password 1")
        self.mod = self.token("mod", "mod password 1")
        self.tokens = {}
        for name in ("anna", "bob", "carol", "dave"):
            r = self.c.post_json("/api/v1/users", {"username": name, "password": DEFAULT_PASSWORD,
                                                   "email": "%s@example.org" % name})
            assert r.status == 201, r
            self.tokens[name] = self.token(name, DEFAULT_PASSWORD)
        self.slugs = ["harbour", "election"]
        for slug in self.slugs:
            r = self.c.post_json("/api/v1/stories", {
                "slug": slug, "title": "Story “%s” & <friends>" % slug, "byline": "By Zoë",
                "body": "Para *one*.\n\nPara two: \"quoted\" ünïcode."}, token=self.admin)
            assert r.status == 201, r

    def token(self, login, password):
        r = self.c.post_json("/api/v1/sessions", {"login": login, "password": password})
        assert r.status == 201, r
        return r.json()["token"]

    def post(self, who, body, parent=None, slug="harbour"):
        doc = {"body": body}
        if parent is not None:
            doc["parent_id"] = parent
        r = self.c.post_json("/api/v1/stories/%s/comments" % slug, doc, token=self.tokens[who])
        assert r.status == 201, r
        return r.json()["comment"]

    def call(self, method, path, body, token, status):
        r = self.c.post_json(path, body, method=method, token=token) if body is not None else \
            self.c.request(method, path, token=token)
        assert r.status == status, (path, r)
        return r

    def build(self):
        top = self.post("anna", "Top comment, **bold** and <script>x</script> ✓")
        reply = self.post("bob", "A reply", top["id"])
        self.post("anna", "A reply to the reply", reply["id"])
        edited = self.post("carol", "Before the edit")
        self.call("PATCH", "/api/v1/comments/%d" % edited["id"], {"body": "After the edit"},
                  self.tokens["carol"], 200)
        # A policy (site_settings) that holds a post.
        self.call("PATCH", "/api/v1/policies", {"banned_words": "cheap pills"}, self.admin, 200)
        held = self.post("dave", "cheap pills here")
        assert held["status"] == "held", held
        # Spam training: a rejection and an approval.
        spam = self.post("dave", "buy watches now at the best price")
        self.call("POST", "/api/v1/comments/%d/reject" % spam["id"], {"note": "spam"}, self.mod,
                  200)
        self.call("POST", "/api/v1/comments/%d/approve" % edited["id"], {}, self.mod, 200)
        # A placeholder: the parent deleted under a reply.
        gone = self.post("bob", "Soon deleted", slug="election")
        self.post("carol", "Stays under a placeholder", gone["id"], slug="election")
        self.call("DELETE", "/api/v1/comments/%d" % gone["id"], None, self.tokens["bob"], 204)
        # A report and a suspension.
        self.call("POST", "/api/v1/comments/%d/reports" % reply["id"], {"reason": "rude"},
                  self.tokens["carol"], 201)
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7 * 86400))
        self.call("POST", "/api/v1/users/dave/suspension", {"until": until, "reason": "Spam."},
                  self.mod, 201)
        self.legacy()

    def legacy(self):
        """Two imported comments, a reply under the other, as an importer leaves them."""
        story = sql(self.s.db, "SELECT id, event_seq FROM stories WHERE slug = 'election'")[0]
        sid, seq = int(story[0]), int(story[1])
        for n, parent in ((1, "NULL"), (2, "(SELECT max(id) FROM comments)")):
            sql(self.s.db, "INSERT INTO comments (story_id, parent_id, legacy_author, body_src, "
                "body_html, created_at, is_legacy, status, legacy_source, legacy_id, event_seq) "
                "VALUES (%d, %s, 'Old Reader %d', '', '<p>From Disqus, ünïcode %d</p>', "
                "1300000000, TRUE, 'visible', 'disqus', 'dsq-%d', %d)"
                % (sid, parent, n, n, n, seq + n))
        sql(self.s.db, "UPDATE stories SET event_seq = %d, content_version = content_version + 2,"
            " comment_count = comment_count + 2 WHERE id = %d" % (seq + 2, sid))

    def answers(self, server, token=None):
        """What the site shows: anonymous pages and API answers, by path."""
        c = server.client()
        got = {}
        paths = ["/", "/api/v1/stories", "/api/v1/counts?stories=" + ",".join(self.slugs)]
        for slug in self.slugs:
            paths += ["/stories/" + slug, "/api/v1/stories/" + slug,
                      "/api/v1/stories/%s/comments" % slug]
        if token:
            paths += ["/api/v1/moderation/queue", "/api/v1/audit"]
        for path in paths:
            staff = path.startswith(("/api/v1/moderation", "/api/v1/audit"))
            r = c.get(path, token=token) if staff else c.get(path)
            assert r.status == 200, (path, r)
            # Absolute links name each server's own port.
            body = r.body.replace(server.base_url.encode(), b"BASE")
            got[path] = json.loads(body) if path.startswith("/api/") else body
        return got


class RoundTrip(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="stet-export-")
        cls.src = Server(config=CONFIG)
        try:
            cls.site = Site(cls.src)
            cls.site.build()
            cls.first = export(cls.src.db, os.path.join(cls.tmp, "first.json"))
        except BaseException:
            cls.src.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        problem = cls.src.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if problem:
            raise AssertionError(problem)

    def import_into(self, backend, doc_path):
        url = fresh_database(self.tmp, backend)
        p = stet(*IMPORT, doc_path, "--db", url)
        self.assertEqual(p.returncode, 0, p)
        self.assertIn(b"stet: imported ", p.stderr)
        return url

    def test_document_holds_the_site(self):
        doc = json.loads(self.first)
        self.assertEqual(doc["format"], "stet-export")
        self.assertEqual(doc["format_version"], 1)
        self.assertRegex(doc["exported_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        t = doc["tables"]
        self.assertEqual(list(t), ["users", "stories", "comments", "reports", "audit_log",
                                   "site_settings", "spam_tokens", "spam_totals", "legacy_spam"])
        self.assertEqual(doc["counts"], {k: len(v) for k, v in t.items()})
        by_status = {}
        for c in t["comments"]:
            by_status.setdefault(c["status"], []).append(c)
        self.assertEqual(sorted(by_status), ["deleted", "held", "rejected", "visible"])
        self.assertTrue(by_status["deleted"][0]["placeholder"])
        self.assertTrue(any(c["edited_at"] for c in t["comments"]))
        self.assertTrue(any(c["hold_reason"] for c in by_status["held"]))
        legacy = [c for c in t["comments"] if c["is_legacy"]]
        self.assertEqual([(c["legacy_source"], c["legacy_id"]) for c in legacy],
                         [("disqus", "dsq-1"), ("disqus", "dsq-2")])
        self.assertEqual(legacy[1]["parent_id"], legacy[0]["id"])
        self.assertEqual(t["reports"][0]["reason"], "rude")
        self.assertEqual([u["suspension_reason"] for u in t["users"] if u["username"] == "dave"],
                         ["Spam."])
        self.assertTrue(t["audit_log"] and t["site_settings"] and t["spam_tokens"])
        self.assertEqual(t["users"][0]["email"], "chief@example.com")

    def test_no_secret_in_the_export(self):
        text = self.first.decode("utf-8")
        hashes = sql(self.src.db, "SELECT password_hash FROM users")
        self.assertEqual(len(hashes), 6)
        for (h,) in hashes:
            self.assertNotIn(h, text)
        self.assertNotIn("argon2", text)
        self.assertNotIn("password", text)
        for tok in list(self.site.tokens.values()) + [self.site.admin, self.site.mod]:
            self.assertNotIn(tok, text)
        for (h,) in sql(self.src.db, "SELECT token_hash FROM sessions"):
            self.assertNotIn(h, text)
        keys = sql(self.src.db, "SELECT secret FROM site_keys")
        self.assertTrue(keys)  # rate limiting made one: it must stay home
        for (k,) in keys:
            self.assertNotIn(k, text)

    def test_round_trip(self):
        path = os.path.join(self.tmp, "first.json")
        hops = ["sqlite", "postgres"] if IS_POSTGRES else ["sqlite"]
        source_answers = self.site.answers(self.src, self.site.admin)
        doc_path = path
        for backend in hops:
            with self.subTest(backend):
                url = self.import_into(backend, doc_path)
                doc_path = os.path.join(self.tmp, "again-%s.json" % backend)
                again = export(url, doc_path)
                self.assertEqual(without_time(again), without_time(self.first))
                self.check_copy_serves(url, source_answers)

    def check_copy_serves(self, url, source_answers):
        copy = Server(db=url, config=CONFIG)
        try:
            copy.add_user("chief2", role="admin", password="admin password 2")
            r = copy.client().post_json("/api/v1/sessions", {"login": "chief2",
                                                             "password": "admin password 2"})
            self.assertEqual(r.status, 201, r)
            token = r.json()["token"]
            got = self.site.answers(copy, token)
            for path, want in source_answers.items():
                self.assertEqual(got[path], want, path)
            # Users came without passwords: nobody logs in until given one.
            r = copy.client().post_json("/api/v1/sessions", {"login": "anna",
                                                             "password": DEFAULT_PASSWORD})
            self.assertEqual(r.status, 401, r)
            # New rows get ids after the imported ones (PostgreSQL's sequences moved).
            r = copy.client().post_json("/api/v1/stories/harbour/comments", {"body": "new here"},
                                        token=token)
            self.assertEqual(r.status, 201, r)
            top = max(int(x[0]) for x in sql(url, "SELECT id FROM comments WHERE body_src <> "
                                                  "'new here'"))
            self.assertGreater(r.json()["comment"]["id"], top)
        finally:
            problem = copy.stop()
        self.assertIsNone(problem)


class ImportedRepliesMove(unittest.TestCase):
    """A reply imported before its parent gets the lower id; the site still moves
    whole, by export and import and by migrate-data, to a fresh database of the
    same backend (the references are checked at the end of the copy)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="stet-export-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def parents(self, url):
        return sql(url, "SELECT c.legacy_id, p.legacy_id FROM comments c LEFT JOIN comments p "
                        "ON p.id = c.parent_id ORDER BY c.legacy_id")

    def test_reply_older_than_its_parent(self):
        backend = "postgres" if IS_POSTGRES else "sqlite"
        src = fresh_database(self.tmp, backend)
        self.assertEqual(stet("story", "add", "--db", src, "--slug", "story-one", "--title",
                              "One", "--body-file", os.devnull).returncode, 0)
        fixture = os.path.join(os.path.dirname(__file__), "..", "fixtures", "import",
                               "disqus-reply-first.xml")
        p = stet("import", "disqus", fixture, "--db", src)
        self.assertEqual(p.returncode, 0, p.stderr)
        want = [["3001", None], ["3002", "3001"]]
        self.assertEqual(self.parents(src), want)
        ids = sql(src, "SELECT legacy_id FROM comments ORDER BY id")
        self.assertEqual(ids, [["3002"], ["3001"]], "the reply no longer comes first")

        path = os.path.join(self.tmp, "site.json")
        export(src, path)
        dst = fresh_database(self.tmp, backend)
        p = stet("import", "stet", path, "--db", dst)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.parents(dst), want)

        moved = fresh_database(self.tmp, backend)
        p = stet("migrate-data", "--from", src, "--to", moved)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.parents(moved), want)


class RefusedImports(unittest.TestCase):
    """What goes wrong changes nothing: the database still holds no site data."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="stet-export-")
        cls.src = Server(config=CONFIG)
        try:
            site = Site(cls.src)
            site.build()
            cls.path = os.path.join(cls.tmp, "site.json")
            cls.doc = export(cls.src.db, cls.path)
        except BaseException:
            cls.src.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        problem = cls.src.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if problem:
            raise AssertionError(problem)

    def backend(self):
        return "postgres" if IS_POSTGRES else "sqlite"

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def assert_empty(self, url):
        doc = json.loads(export(url, os.path.join(self.tmp, "check.json")))
        self.assertEqual(set(doc["counts"].values()), {0}, doc["counts"])

    def refused(self, data, name="bad.json", pattern=None):
        path = self.write(name, data)
        url = fresh_database(self.tmp, self.backend())
        p = stet(*IMPORT, path, "--db", url)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 1, err)
        # A broken reference may be found only at the end (SQLite checks them all
        # then: a reply can come before its parent), without a line.
        self.assertRegex(err, r"stet: %s(:\d+)?: .*; nothing was imported" % re.escape(path))
        if pattern:
            self.assertRegex(err, pattern)
        self.assert_empty(url)
        return err

    def test_truncated_anywhere(self):
        comments_at = self.doc.index(b'"comments":[')
        for cut in (len(self.doc) - 3, len(self.doc) // 2, comments_at + 40, comments_at, 100):
            with self.subTest(cut=cut):
                self.refused(self.doc[:cut], pattern="ends early")

    def test_malformed_row_names_its_line(self):
        lines = self.doc.split(b"\n")
        n = next(i for i, line in enumerate(lines) if b'"body_src":"A reply"' in line)
        lines[n] = re.sub(rb'"created_at":\d+', b'"created_at":"soon"', lines[n], count=1)
        bad = b"\n".join(lines)
        err = self.refused(bad, pattern="column created_at must be an integer")
        self.assertIn(":%d: " % (n + 1), err)

    def test_broken_json_and_wrong_references(self):
        self.refused(b"not json at all", pattern="expected '\\{'")
        self.refused(self.doc.replace(b'"body_src":"A reply"', b'"body_src":"A reply', 1))
        # A comment whose story is not there: the rows before it are rolled back.
        doc = json.loads(self.doc)
        doc["tables"]["comments"][-1]["story_id"] = 999
        self.refused(json.dumps(doc).encode(),
                     pattern="refused this row|refers to one the file does not hold")
        # A reply whose parent is not in the file, found at the end (a reply may come
        # before its parent: imported comments do), dry run or not.
        doc = json.loads(self.doc)
        reply = next(c for c in doc["tables"]["comments"] if c["parent_id"] is not None)
        reply["parent_id"] = 999999
        err = self.refused(json.dumps(doc).encode(), name="orphan.json",
                           pattern="refers to one the file does not hold")
        path = self.write("orphan-dry.json", json.dumps(doc).encode())
        url = fresh_database(self.tmp, self.backend())
        p = stet(*IMPORT, path, "--dry-run", "--db", url)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("refers to one the file does not hold", p.stderr.decode())
        doc = json.loads(self.doc)
        doc["tables"]["users"][0]["password_hash"] = "x"
        self.refused(json.dumps(doc).encode(), pattern='unknown column "password_hash"')
        doc = json.loads(self.doc)
        doc["counts"]["comments"] += 1
        self.refused(json.dumps(doc).encode(), pattern="counts")

    def test_non_empty_target_is_refused(self):
        before = export(self.src.db, os.path.join(self.tmp, "before.json"))
        p = stet(*IMPORT, self.path, "--db", self.src.db)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn(b"the database is not empty (table users has rows)", p.stderr)
        after = export(self.src.db, os.path.join(self.tmp, "after.json"))
        self.assertEqual(without_time(after), without_time(before))

    def test_dry_run_writes_nothing(self):
        url = fresh_database(self.tmp, self.backend())
        p = stet(*IMPORT, self.path, "--dry-run", "--db", url)
        self.assertEqual(p.returncode, 0, p)
        self.assertIn(b"would import (dry run, nothing written)", p.stderr)
        self.assert_empty(url)


if __name__ == "__main__":
    unittest.main()
