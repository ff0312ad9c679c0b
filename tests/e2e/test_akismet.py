"""The optional Akismet-compatible check (spam.akismet_url), on both backends,
against a fake comment-check endpoint on loopback: its "true" holds a reader's
comment with the reason "spam: akismet", "false" lets it through; an endpoint that
answers 500, something else than true or false, nothing within the timeout, or
refuses the connection leaves the local verdict standing (counted as failed in
/metrics); staff's comments and comments the local checks hold already are never
sent; the request is a form POST carrying Akismet's documented fields, URL-encoded,
with the key (from STET_AKISMET_KEY) as the api_key field and never in the URL."""

import http.server
import re
import socket
import threading
import urllib.parse

from harness import ServerTest, unique
from test_metrics import METRICS_AUTH, METRICS_TOKEN
from test_moderation import shows

KEY = "e2eakismetkey123"
NO_LIMITS = "[limits]\ncomment_account = 0\ncomment_client = 0\n"


class FakeAkismet:
    """Answers comment-check POSTs with the body the test sets ("true", "false",
    anything), or 500 ("error"), or nothing until released ("hang"); records each
    request's path, headers and form fields."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answer = "false"
        self.requests = []
        self.release = threading.Event()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n).decode("ascii")
                with owner.lock:
                    owner.requests.append({
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                        "fields": urllib.parse.parse_qs(body, keep_blank_values=True,
                                                        strict_parsing=True),
                    })
                    answer = owner.answer
                if answer == "hang":
                    owner.release.wait(20)
                    return
                status = 500 if answer == "error" else 200
                data = answer.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/1.1/comment-check" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def set(self, answer):
        with self.lock:
            self.answer = answer
        if answer == "hang":
            self.release.clear()
        else:
            self.release.set()

    def count(self):
        with self.lock:
            return len(self.requests)

    def last(self):
        with self.lock:
            return self.requests[-1]

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port():
    """A loopback port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class AkismetServerTest(ServerTest):
    """A server whose spam.akismet_url is cls.endpoint_url() (the key from the
    environment), with a reader, a moderator and a story per test."""

    fake = None

    @classmethod
    def endpoint_url(cls):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        url = cls.endpoint_url()
        cls.server_kwargs = {
            "config": NO_LIMITS + "[spam]\nakismet_url = %s\n" % url,
            "env": {"STET_AKISMET_KEY": KEY, "STET_METRICS_TOKEN": METRICS_TOKEN},
        }
        super().setUpClass()

    @classmethod
    def prepare(cls):
        cls.reader_name = unique("reader")
        cls.server.add_user(cls.reader_name)
        cls.mod_name = unique("mod")
        cls.server.add_user(cls.mod_name, role="moderator")

    def setUp(self):
        super().setUp()
        self.reader = self.token_for(self.reader_name)
        self.mod = self.token_for(self.mod_name)
        self.slug = unique("ak-")
        self.server.add_story(self.slug)

    def post(self, body, tok=None, headers=None):
        r = self.client().post_json("/api/v1/stories/%s/comments" % self.slug, {"body": body},
                                    token=tok or self.reader, headers=headers)
        self.assertEqual(r.status, 201, r)
        return r.json()["comment"]

    def failed_checks(self):
        r = self.client().get("/metrics", headers=METRICS_AUTH)
        self.assertEqual(r.status, 200, r)
        m = re.search(r'^stet_akismet_checks_total\{answer="failed"\} (\d+)$', r.text, re.M)
        self.assertIsNotNone(m, r.text)
        return int(m.group(1))


class Akismet(AkismetServerTest):
    @classmethod
    def endpoint_url(cls):
        cls.fake = FakeAkismet()
        return cls.fake.url

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.fake.close()

    def test_true_holds_with_the_reason(self):
        self.fake.set("true")
        c = self.post("An ordinary looking remark about the harbour ferry timetable")
        self.assertEqual(c["status"], "held", c)
        self.assertFalse(shows(self.server, self.slug, c["id"]))
        r = self.client().get("/api/v1/moderation/queue?sort=newest&limit=100", token=self.mod)
        entry = [q for q in r.json()["comments"] if q["id"] == c["id"]]
        self.assertEqual(entry[0]["reasons"], ["held", "spam: akismet"], entry)

    def test_false_passes(self):
        self.fake.set("false")
        before = self.fake.count()
        c = self.post("The council should publish the bridge survey before the vote")
        self.assertEqual(c["status"], "visible", c)
        self.assertEqual(self.fake.count(), before + 1)

    def test_the_request_carries_the_documented_fields(self):
        self.fake.set("false")
        text = "Fish & chips = 100% good; caf\u00e9 \u201cnice\u201d\nsecond line + more"
        c = self.post(text, headers={"User-Agent": "Mozilla/5.0 (e2e; rv=1+2)",
                                     "Referer": "http://127.0.0.1/stories/%s?a=1&b=2" % self.slug})
        self.assertEqual(c["status"], "visible", c)
        req = self.fake.last()
        self.assertEqual(req["path"], "/1.1/comment-check")
        self.assertNotIn(KEY, req["path"])
        self.assertEqual(req["headers"]["content-type"], "application/x-www-form-urlencoded")
        # Every byte outside A-Z a-z 0-9 - . _ ~ is percent-encoded.
        self.assertRegex(req["body"], r"^[A-Za-z0-9._~%&=-]+$")
        f = {k: v[0] for k, v in req["fields"].items()}
        self.assertTrue(all(len(v) == 1 for v in req["fields"].values()), req["fields"])
        self.assertEqual(f["api_key"], KEY)
        self.assertEqual(f["blog"], self.server.base_url)
        self.assertEqual(f["user_ip"], "127.0.0.1")
        self.assertEqual(f["user_agent"], "Mozilla/5.0 (e2e; rv=1+2)")
        self.assertEqual(f["referrer"], "http://127.0.0.1/stories/%s?a=1&b=2" % self.slug)
        self.assertEqual(f["permalink"], "%s/stories/%s" % (self.server.base_url, self.slug))
        self.assertEqual(f["comment_type"], "comment")
        self.assertEqual(f["comment_author"], self.reader_name)
        self.assertEqual(f["comment_author_email"], "%s@example.com" % self.reader_name.lower())
        self.assertEqual(f["comment_content"], text)
        self.assertRegex(f["comment_date_gmt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(f["blog_lang"], "en")
        self.assertEqual(f["blog_charset"], "UTF-8")

    def test_no_answer_leaves_the_local_verdict(self):
        before = self.failed_checks()
        for answer in ("error", "invalid", "hang"):
            self.fake.set(answer)
            c = self.post("Another plain remark, this one about %s answers" % answer)
            self.assertEqual(c["status"], "visible", (answer, c))
        self.fake.set("false")
        self.assertEqual(self.failed_checks(), before + 3)

    def test_staff_and_locally_held_comments_are_not_sent(self):
        self.fake.set("true")
        before = self.fake.count()
        c = self.post("A moderator's own words about the harbour bridge", self.mod)
        self.assertEqual(c["status"], "visible", c)
        # The same text on another story: held by stet's own filter, not sent.
        text = "Visit my profile for the best deals on watches and bags today"
        self.fake.set("false")
        self.post(text)
        sent = self.fake.count()
        self.slug = unique("ak-")
        self.server.add_story(self.slug)
        c = self.post(text)
        self.assertEqual(c["status"], "held", c)
        self.assertEqual(self.fake.count(), sent)
        self.assertEqual(sent, before + 1)


class DeadEndpoint(AkismetServerTest):
    """Nothing listens at the configured URL: every comment passes on its own."""

    @classmethod
    def endpoint_url(cls):
        return "http://127.0.0.1:%d/1.1/comment-check" % closed_port()

    def test_a_refused_connection_passes(self):
        before = self.failed_checks()
        c = self.post("A remark posted while the spam service is down")
        self.assertEqual(c["status"], "visible", c)
        self.assertEqual(self.failed_checks(), before + 1)
