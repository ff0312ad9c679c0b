"""Secrets stay where they belong: a response that carries one (an API token, a
session cookie, the owner's e-mail) says Cache-Control: no-store, and the password of
a database URL never reaches stet's log, its error messages or its output, however
the URL is written and whichever command gets it."""

import os
import shutil
import subprocess
import tempfile
import unittest

from harness import (BACKEND, DEFAULT_PASSWORD, IS_POSTGRES, Server, ServerTest, clean_env,
                     new_database_url, sanitizer_report, stet_bin, unique)

# Upper case and digits that appear nowhere else in the URLs below, so that any
# fragment of it in the output is found.
PASSWORD = "PW7Q" + os.urandom(6).hex().upper() + "X9"


def run_stet(args, timeout=30):
    """Runs the binary in a temp directory; returns (status, stdout + stderr)."""
    tmp = tempfile.mkdtemp(prefix="stet-e2e-")
    try:
        p = subprocess.run([stet_bin()] + args, stdin=subprocess.DEVNULL, capture_output=True,
                           env=clean_env(), cwd=tmp, timeout=timeout)
    finally:
        shutil.rmtree(tmp)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    return p.returncode, out


class SecretResponsesNotStored(ServerTest):
    def assertNoStore(self, r):
        self.assertEqual(r.header("Cache-Control"), "no-store", r.headers)

    def test_api_token_and_account(self):
        name = unique("nst")
        c = self.client()
        r = c.post_json("/api/v1/users", {"username": name, "email": name + "@example.com",
                                          "password": DEFAULT_PASSWORD})
        self.assertEqual(r.status, 201, r)
        self.assertNoStore(r)
        r = c.post_json("/api/v1/sessions", {"login": name, "password": DEFAULT_PASSWORD})
        self.assertEqual(r.status, 201, r)
        self.assertIn("token", r.json())
        self.assertNoStore(r)

    def test_html_login_and_register(self):
        """The 303s that set the session cookie."""
        name = unique("nsh")
        c = self.client()
        r = c.register(name)
        self.assertEqual(r.status, 303, r)
        self.assertTrue(any(v.startswith("stet_session=") for v in r.header_all("Set-Cookie")))
        self.assertNoStore(r)
        c.logout()
        r = c.login(name)
        self.assertEqual(r.status, 303, r)
        self.assertTrue(any(v.startswith("stet_session=") for v in r.header_all("Set-Cookie")))
        self.assertNoStore(r)


class DatabasePasswordRedacted(unittest.TestCase):
    """Nothing listens on 127.0.0.1:1, so every command fails to open the database
    and says which one, redacted. Each URL hides PASSWORD a different way; several
    are malformed, and libpq's own messages about them would quote it."""

    URLS = [
        # plain, percent-encoded, in the query string
        ("postgresql://stet:%s@127.0.0.1:1/stet" % PASSWORD,
         "postgresql://stet:***@127.0.0.1:1/stet"),
        ("postgresql://stet:%s%%40x@127.0.0.1:1/stet?sslmode=disable" % PASSWORD,
         "postgresql://stet:***@127.0.0.1:1/stet?sslmode=disable"),
        ("postgresql://127.0.0.1:1/stet?user=stet&password=%s" % PASSWORD,
         "postgresql://127.0.0.1:1/stet?user=stet&password=***"),
        # a bad percent escape: libpq's error quotes the whole password
        ("postgresql://stet:%s%%zz@127.0.0.1:1/stet" % PASSWORD,
         "postgresql://stet:***@127.0.0.1:1/stet"),
        # an unencoded '/': libpq reads the password as the port, and quotes it
        ("postgresql://stet:%s/x@127.0.0.1:1/stet" % PASSWORD,
         "postgresql://stet:***@127.0.0.1:1/stet"),
        # an unencoded '@': libpq reads the rest as the host name, and quotes it
        ("postgresql://stet:x@%s@127.0.0.1:1/stet" % PASSWORD,
         "postgresql://stet:***@127.0.0.1:1/stet"),
    ]

    def check(self, args, shown=None):
        status, out = run_stet(args)
        self.assertIsNone(sanitizer_report(out), out)
        self.assertNotEqual(status, 0, out)
        for i in range(0, len(PASSWORD) - 3):
            self.assertNotIn(PASSWORD[i:i + 4], out, "%r printed the password:\n%s" % (args, out))
        if shown is not None:
            self.assertIn(shown, out)
        return out

    def test_serve(self):
        for url, shown in self.URLS:
            out = self.check(["serve", "--listen", "127.0.0.1:0", "--db", url], shown)
            self.assertIn("cannot open database " + shown, out)

    def test_offline_commands(self):
        url, shown = self.URLS[0]
        self.check(["migrate", "--db", url], shown)
        self.check(["story", "list", "--db", url], shown)
        tmp = tempfile.mkdtemp(prefix="stet-e2e-")
        try:
            sqlite = "sqlite:" + os.path.join(tmp, "x.db")
            for url, shown in self.URLS:
                out = self.check(["migrate-data", "--from", url, "--to", sqlite], shown)
                self.assertIn("cannot open the source database " + shown, out)
        finally:
            shutil.rmtree(tmp)

    def test_url_where_a_command_or_argument_was_expected(self):
        url, shown = self.URLS[0]
        self.check([url], shown)
        self.check(["serve", url], shown)
        self.check(["migrate-data", url, "--to", "sqlite:x.db"], shown)


@unittest.skipUnless(IS_POSTGRES, "needs STET_E2E_BACKEND=postgres (now %s)" % BACKEND)
class DatabasePasswordRedactedWhileServing(unittest.TestCase):
    """The start line names the database; the cluster trusts local connections, so a
    password in the URL is accepted and ignored."""

    def test_start_line(self):
        tmp = tempfile.mkdtemp(prefix="stet-e2e-")
        try:
            url = new_database_url(tmp) + "&password=" + PASSWORD
        finally:
            shutil.rmtree(tmp)
        s = Server(db=url)
        try:
            self.assertEqual(s.client().get("/healthz").status, 200)
            err = s.stderr_text()  # stop() removes the file when all went well
        finally:
            problem = s.stop()
        self.assertIsNone(problem)
        self.assertIn("serving postgresql://", err)
        self.assertIn("password=***", err)
        self.assertNotIn(PASSWORD, err)


if __name__ == "__main__":
    unittest.main()
