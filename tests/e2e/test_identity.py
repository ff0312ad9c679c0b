"""Look-alike names (issue 8, item 4; SPEC section 6): usernames and e-mail addresses
are compared with ASCII case folding only, the same way on every backend, for login,
registration and roles. Before, PostgreSQL's lower() folded the Kelvin sign U+212A
into "k": "\u212Aate" with kate's password logged in as kate there, and the address
"\u212Aate@example.org" was "taken" by kate@example.org on PostgreSQL (409) but free on
SQLite (201). Run on each backend (STET_E2E_BACKEND); the answers must not differ."""

import glob
import os
import subprocess
import unittest

from harness import IS_POSTGRES, LOGIN_ERROR, ServerTest, pg_cluster, unique

KELVIN = "\u212a"  # KELVIN SIGN, which Unicode case folding maps to "k"


def unicode_database():
    """On PostgreSQL, a fresh database whose lower() folds beyond ASCII (LC_CTYPE
    C.UTF-8), as on most servers; the test cluster's default locale C folds ASCII only
    and hid the defect. None on SQLite (the harness makes its own file)."""
    if not IS_POSTGRES:
        return None
    name = "e2e_ident_" + os.urandom(6).hex()
    psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    sql = ("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' "
           "LC_CTYPE 'C.UTF-8'" % name)
    subprocess.run([psql[-1] if psql else "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-d", pg_cluster("url"), "-c", sql],
                   check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    url = pg_cluster("url", name)
    folds = subprocess.run([psql[-1] if psql else "psql", "-X", "-Atq", "-d", url, "-c",
                            "SELECT lower(U&'\\212A') = 'k'"],
                           check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert folds.stdout.strip() == b"t", "C.UTF-8 lower() does not fold U+212A on this server"
    return url


class LookAlikeNames(ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.server_kwargs = {"db": unicode_database()}
        super().setUpClass()

    @classmethod
    def prepare(cls):
        cls.tail = unique("ate")
        cls.kate = "k" + cls.tail
        cls.kate_email = "k%s@example.org" % cls.tail
        cls.password = "kate's own password"
        cls.server.add_user(cls.kate, email=cls.kate_email, password=cls.password)

    def login(self, login, password):
        return self.client().post_json("/api/v1/sessions", {"login": login, "password": password})

    def assertLoggedInAs(self, login, password, username):
        r = self.login(login, password)
        self.assertEqual(r.status, 201, "%r: %r" % (login, r))
        self.assertEqual(r.json()["user"]["username"], username)

    def test_ascii_case_still_does_not_matter(self):
        self.assertLoggedInAs(self.kate.upper(), self.password, self.kate)
        self.assertLoggedInAs(self.kate_email.upper(), self.password, self.kate)
        self.assertLoggedInAs("K" + self.tail, self.password, self.kate)

    def test_kelvin_sign_login_is_refused(self):
        for login in (KELVIN + self.tail, KELVIN + self.tail.upper(),
                      KELVIN + self.kate_email[1:]):
            r = self.login(login, self.password)
            # The same answer as a wrong password: nothing says the name is close.
            self.assertApiError(r, 401, "invalid_credentials")
            self.assertEqual(r.json()["error"]["message"], LOGIN_ERROR)
        c = self.client()
        r = c.login(KELVIN + self.tail, self.password)
        self.assertEqual(self.assertFormError(r, 401), LOGIN_ERROR)
        self.assertNotIn("stet_session", c.cookies)

    def test_email_variant_is_another_address(self):
        """Decision: under ASCII-only folding "\u212Aate@example.org" is another address
        than kate@example.org, so it registers (201) on both backends, as its own
        account that kate's password does not open, and that cannot reach kate's.
        Refusing it (409) would make uniqueness fold what login does not; refusing
        every non-ASCII address would refuse real internationalized ones. E-mail
        addresses are never shown to anyone but their owner, and a username (shown
        to everyone) is ASCII only, so no reader can be misled by the look-alike."""
        variant = KELVIN + self.kate_email[1:]
        name = unique("kelvin")
        r = self.client().post_json("/api/v1/users", {"username": name, "email": variant,
                                                      "password": "the variant's password"})
        self.assertEqual(r.status, 201, r)
        self.assertLoggedInAs(variant, "the variant's password", name)
        self.assertLoggedInAs(KELVIN + self.kate_email[1:].upper(), "the variant's password",
                              name)
        self.assertApiError(self.login(variant, self.password), 401, "invalid_credentials")
        self.assertLoggedInAs(self.kate_email, self.password, self.kate)
        # An ASCII case variant of either address is taken.
        for taken in (self.kate_email.upper(), KELVIN + self.kate_email[1:].upper()):
            r = self.client().post_json("/api/v1/users", {"username": unique("dup"),
                                                          "email": taken,
                                                          "password": "password123"})
            self.assertApiError(r, 409, "conflict", "email")

    def test_username_look_alike_cannot_register(self):
        r = self.client().post_json("/api/v1/users", {"username": KELVIN + self.tail,
                                                      "email": unique("x") + "@example.org",
                                                      "password": "password123"})
        self.assertApiError(r, 422, "invalid", "username")
        r = self.client().post_json("/api/v1/users", {"username": self.kate.upper(),
                                                      "email": unique("y") + "@example.org",
                                                      "password": "password123"})
        self.assertApiError(r, 409, "conflict", "username")

    def test_role_change_by_look_alike_finds_nobody(self):
        p = self.server.cli("user", "role", KELVIN + self.tail, "admin")
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn("no user named", p.stderr.decode("utf-8", "replace"))
        p = self.server.cli("user", "role", self.kate.upper(), "reader")
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
