"""Rate limits over real HTTP (issue 8, items 2 and 3): guessing at an account from
one client address does not lock its owner out on his own; one address can neither
spray logins over many names, nor make accounts, nor post through many accounts
without limit; every 429 carries a Retry-After that equals the wait its message
states, and a client that waits that long gets in. Clients bind 127.0.0.x source
addresses (Linux routes all of 127.0.0.0/8 to loopback), so the server sees several
clients. Small limits in each class's configuration keep the waits short."""

import http.client
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import unittest

from harness import IS_POSTGRES, DEFAULT_PASSWORD, Server, ServerTest, eventually, unique

WAIT = re.compile(r"Please (?:wait (\d+) seconds?|try again in (\d+) (minute|hour)s?)\.")


def stated_wait(message):
    """Seconds of the wait a 429 message states, or None when it states none."""
    m = WAIT.search(message)
    if m is None:
        return None
    if m.group(1):
        return int(m.group(1))
    return int(m.group(2)) * (60 if m.group(3) == "minute" else 3600)


class Throttled(ServerTest):
    def post_from(self, source, path, obj, token=None):
        """POSTs JSON from the client address `source` (127.0.0.x); (status, headers, json)."""
        conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=10,
                                          source_address=(source, 0))
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        try:
            conn.request("POST", path, body=json.dumps(obj).encode("utf-8"), headers=headers)
            r = conn.getresponse()
            body = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body
        finally:
            conn.close()

    def login_from(self, source, login, password):
        return self.post_from(source, "/api/v1/sessions", {"login": login, "password": password})

    def assertThrottled(self, answer):
        """A 429 rate_limited whose Retry-After is the wait its message states; returns it."""
        status, headers, body = answer
        self.assertEqual(status, 429, answer)
        err = json.loads(body)["error"]
        self.assertEqual(err["code"], "rate_limited", answer)
        wait = stated_wait(err["message"])
        self.assertIsNotNone(wait, "no wait in %r" % err["message"])
        self.assertEqual(headers.get("retry-after"), str(wait), answer)
        return wait


class OwnerNotLockedOut(Throttled):
    """The default limits. Item 3: 31 wrong passwords for bob from one client used to
    answer bob's own correct password from his machine with 429 for 15 minutes."""

    @classmethod
    def prepare(cls):
        cls.server.add_user("bob", password=DEFAULT_PASSWORD)

    def test_guessing_from_one_client_leaves_the_owner_in(self):
        answers = [self.login_from("127.0.0.2", "bob", "wrong password %d" % i) for i in range(31)]
        self.assertEqual(answers[0][0], 401, answers[0])
        refused = [a for a in answers if a[0] == 429]
        self.assertTrue(refused, "31 guesses from one address were never throttled")
        self.assertTrue(all(a[0] in (401, 429) for a in answers), answers)
        waits = {self.assertThrottled(a) for a in refused}
        self.assertTrue(all(w <= 15 * 60 for w in waits), waits)
        # The guesser's correct guess is refused like the wrong ones ...
        self.assertThrottled(self.login_from("127.0.0.2", "bob", DEFAULT_PASSWORD))
        # ... while bob, on his own machine, logs in.
        status, _, body = self.login_from("127.0.0.3", "bob", DEFAULT_PASSWORD)
        self.assertEqual(status, 201, body)
        self.assertIn("token", json.loads(body))


class LoginWaits(Throttled):
    """A small allowance per (account, client): two tries, one back every 6 s (long
    enough that no token comes back while the test makes its three tries)."""

    server_kwargs = {"config": "[limits]\nlogin_account_client = 2/12s\n"}

    @classmethod
    def prepare(cls):
        cls.server.add_user("carol", password=DEFAULT_PASSWORD)

    def test_retry_after_the_stated_wait_succeeds(self):
        for i in range(2):
            self.assertEqual(self.login_from("127.0.0.8", "carol", "wrong %d" % i)[0], 401)
        wait = self.assertThrottled(self.login_from("127.0.0.8", "Carol", DEFAULT_PASSWORD))
        self.assertGreaterEqual(wait, 1)
        time.sleep(wait)
        status, _, body = self.login_from("127.0.0.8", "carol", DEFAULT_PASSWORD)
        self.assertEqual(status, 201, body)



class LoginForm(Throttled):
    server_kwargs = {"config": "[limits]\nlogin_account_client = 2/1h\n"}

    def test_the_login_form_says_the_wait_too(self):
        name = "dora"
        self.server.add_user(name, password=DEFAULT_PASSWORD)
        c = self.client()
        for _ in range(2):
            self.assertEqual(c.login(name, "wrong password").status, 401)
        r = c.login(name, DEFAULT_PASSWORD)
        self.assertEqual(r.status, 429, r)
        self.assertIn("Too many login attempts. Please try again in 30 minutes.", r.text)
        self.assertEqual(r.header("Retry-After"), "1800", r)


class Spraying(Throttled):
    """One address trying a password on many names runs out of its own allowance."""

    server_kwargs = {"config": "[limits]\nlogin_client = 5/1h\n"}

    def test_spraying_names_from_one_address_is_throttled(self):
        for i in range(5):
            status, _, body = self.login_from("127.0.0.6", unique("victim"), "Summer2024!")
            self.assertEqual(status, 401, body)
        wait = self.assertThrottled(self.login_from("127.0.0.6", unique("victim"), "Summer2024!"))
        self.assertEqual(wait, 12 * 60)  # one try back every 3600 / 5 s, said in minutes
        # Another address has its own allowance.
        self.assertEqual(self.login_from("127.0.0.7", unique("victim"), "Summer2024!")[0], 401)


class Registration(Throttled):
    server_kwargs = {"config": "[limits]\nregister_client = 3/1h\n"}

    def register_from(self, source):
        name = unique("reg")
        return self.post_from(source, "/api/v1/users", {
            "username": name, "email": name + "@example.com", "password": DEFAULT_PASSWORD})

    def test_registration_from_one_address_is_throttled(self):
        for _ in range(3):
            status, _, body = self.register_from("127.0.0.4")
            self.assertEqual(status, 201, body)
        wait = self.assertThrottled(self.register_from("127.0.0.4"))
        self.assertEqual(wait, 20 * 60)
        status, _, body = self.register_from("127.0.0.5")
        self.assertEqual(status, 201, body)


class Posting(Throttled):
    """Many accounts posting from one address meet that address's allowance."""

    server_kwargs = {"config": "[limits]\ncomment_client = 3/1h\n"}

    @classmethod
    def prepare(cls):
        cls.slug = "throttle-" + unique("s")
        cls.server.add_story(cls.slug)

    def token_from(self, source):
        name = unique("poster")
        self.server.add_user(name, password=DEFAULT_PASSWORD)
        status, _, body = self.login_from(source, name, DEFAULT_PASSWORD)
        self.assertEqual(status, 201, body)
        return json.loads(body)["token"]

    def test_sock_puppets_on_one_address_are_throttled(self):
        path = "/api/v1/stories/%s/comments" % self.slug
        tokens = [self.token_from("127.0.0.9") for _ in range(4)]
        for t in tokens[:3]:
            status, _, body = self.post_from("127.0.0.9", path, {"body": "hello"}, token=t)
            self.assertEqual(status, 201, body)
        self.assertThrottled(self.post_from("127.0.0.9", path, {"body": "hello"},
                                            token=tokens[3]))
        self.assertEqual(self.count(self.slug), 3)
        status, _, body = self.post_from("127.0.0.10", path, {"body": "hello"}, token=tokens[3])
        self.assertEqual(status, 201, body)


@unittest.skipIf(IS_POSTGRES, "the test edits the database file with Python's sqlite3; the store "
                 "suite checks pruning on PostgreSQL")
class Housekeeping(unittest.TestCase):
    """Item 9: expired sessions were never deleted. `stet serve` prunes them, and
    rate-limit buckets that are full again, at start and every few minutes."""

    def test_serve_prunes_expired_sessions_and_idle_buckets(self):
        tmp = tempfile.mkdtemp(prefix="stet-e2e-prune-")
        path = os.path.join(tmp, "stet.db")
        try:
            first = Server(db="sqlite:" + path)
            try:
                c = first.client()
                r = c.post_json("/api/v1/users", {"username": "pruned", "email": "p@example.com",
                                                  "password": DEFAULT_PASSWORD})
                self.assertEqual(r.status, 201, r)
                r = c.post_json("/api/v1/sessions", {"login": "pruned",
                                                     "password": DEFAULT_PASSWORD})
                self.assertEqual(r.status, 201, r)
            finally:
                self.assertIsNone(first.stop())
            db = sqlite3.connect(path)
            try:
                with db:
                    # The login's session expired long ago, and so did its buckets.
                    self.assertEqual(db.execute("UPDATE sessions SET expires_at = 1").rowcount, 1)
                    buckets = db.execute("UPDATE rate_buckets SET full_at = 1").rowcount
                    self.assertGreaterEqual(buckets, 3)
            finally:
                db.close()
            second = Server(db="sqlite:" + path)
            try:
                line = "janitor: removed 1 expired session(s), %d idle rate-limit bucket(s)" % buckets
                eventually(lambda: line in second.stderr_text(), "the janitor's log line")
            finally:
                self.assertIsNone(second.stop())
            db = sqlite3.connect(path)
            try:
                self.assertEqual(db.execute("SELECT count(*) FROM sessions").fetchone()[0], 0)
                self.assertEqual(db.execute("SELECT count(*) FROM rate_buckets").fetchone()[0], 0)
            finally:
                db.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
