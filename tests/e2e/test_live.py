"""Live comments over Server-Sent Events on one node (both backends): the stream's
head and `retry`, one `id`/`event`/`data` block per new visible comment whose data
equals the API's comment object, per-story event numbers in commit order,
Last-Event-ID resume (header and query) without gaps or repeats, the story page's
data-events / data-event-seq markers and /static/live.js, 1,000 idle streams
that do not stop the site from serving (with the server's RSS printed), and
streams that resume from 0 over large comments and never read, which must not make
the server hold the backlog once per stream."""

import json
import os
import re
import resource
import socket
import threading
import time
import urllib.parse

from harness import REPO, EventStream, ServerTest, parse_html, raw_request, readable, unique

RETRY_PREFIX = b"retry: 3000\n\n"


def post_api(testcase, server, slug, token, body):
    """Posts over the API on `server`; returns the 201 comment object."""
    r = server.client().post_json("/api/v1/stories/%s/comments" % slug, {"body": body},
                                  token=token)
    testcase.assertEqual(r.status, 201, r)
    return r.json()["comment"]


def api_comment(testcase, server, slug, cid):
    """The comment with id `cid` as anonymous GET .../comments lists it."""
    cursor = None
    while True:
        q = "?sort=oldest&limit=100" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
        r = server.client().get("/api/v1/stories/%s/comments%s" % (slug, q))
        testcase.assertEqual(r.status, 200, r)
        j = r.json()
        for c in j["comments"]:
            if c["id"] == cid:
                return c
        cursor = j.get("next_cursor")
        if not cursor:
            testcase.fail("comment %r not in the API list of %s" % (cid, slug))


def story_seq(testcase, server, slug):
    """The story page's data-event-seq (its current event number)."""
    r = server.client().get("/stories/" + slug)
    testcase.assertEqual(r.status, 200, r)
    sec = parse_html(r.text).by_id("comments")
    testcase.assertIsNotNone(sec, "no #comments section")
    seq = sec.get("data-event-seq")
    testcase.assertIsNotNone(seq, "no data-event-seq on #comments: %r" % sec.attrs)
    testcase.assertRegex(seq, r"^\d+$")
    return int(seq)


def open_stream(testcase, server, slug, **kw):
    """Connects, checks the 200 event-stream head and the `retry: 3000` opening."""
    s = server.events(slug, **kw)
    testcase.addCleanup(s.close)
    if s.status != 200:
        testcase.fail("events answered %d: %r" % (s.status, s.read_body(2)[:300]))
    ctype = s.header("Content-Type", "")
    testcase.assertTrue(ctype.startswith("text/event-stream"), "Content-Type %r" % ctype)
    got = s.wait_body(len(RETRY_PREFIX))
    testcase.assertEqual(got[:len(RETRY_PREFIX)], RETRY_PREFIX, "stream must start with retry: 3000")
    return s


def assert_comment_event(testcase, ev, seq, comment):
    """ev is exactly `id: SEQ`, `event: comment`, `data: JSON` with the API's object."""
    names = [n for n, _ in ev["fields"]]
    testcase.assertEqual(names, ["id", "event", "data"], "event block fields %r" % ev["fields"])
    testcase.assertEqual(ev["event"], "comment", ev)
    testcase.assertEqual(ev["id"], str(seq), ev)
    try:
        data = json.loads(ev["data"])
    except ValueError as e:
        testcase.fail("event data is not JSON (%s): %r" % (e, ev["data"][:300]))
    testcase.assertEqual(data, comment, "event data differs from the API comment")
    return data


class LiveComments(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = "live-" + unique("s")
        cls.server.add_story(cls.slug, title="Live Story")

    def new_story(self):
        slug = "live-" + unique("s")
        self.server.add_story(slug)
        return slug

    def test_stream_head_and_unknown_story(self):
        s = open_stream(self, self.server, self.slug)
        self.assertIsNone(s.header("Content-Length"), "an endless stream has no Content-Length")
        s = self.server.events("no-such-story-" + unique("x"))
        self.addCleanup(s.close)
        self.assertEqual(s.status, 404, s.read_body(2)[:300])

    def test_new_comment_is_delivered(self):
        slug = self.new_story()
        _, token, user = self.api_user()
        seq0 = story_seq(self, self.server, slug)
        self.assertEqual(seq0, 0, "a story without comments has event number 0")
        s = open_stream(self, self.server, slug)
        posted = post_api(self, self.server, slug, token, "Live *one* <b>x</b>")
        ev = s.next_event()
        want = api_comment(self, self.server, slug, posted["id"])
        data = assert_comment_event(self, ev, seq0 + 1, want)
        self.assertEqual(data["author"]["username"], user["username"])
        self.assertIn("<em>one</em>", data["body_html"])
        self.assertNotIn("<b>", data["body_html"])
        self.assertEqual(story_seq(self, self.server, slug), seq0 + 1)

    def test_form_post_is_delivered(self):
        slug = self.new_story()
        s = open_stream(self, self.server, slug)
        c = self.web_user()
        r = c.submit("/stories/" + slug, "comment-form", {"body": "posted with a form"})
        self.assertEqual(r.status, 303, r)
        cid = int(r.header("Location").rsplit("#comment-", 1)[1])
        ev = s.next_event()
        assert_comment_event(self, ev, 1, api_comment(self, self.server, slug, cid))

    def test_without_last_event_id_only_new_comments(self):
        slug = self.new_story()
        _, token, _ = self.api_user()
        post_api(self, self.server, slug, token, "old one")
        post_api(self, self.server, slug, token, "old two")
        s = open_stream(self, self.server, slug)
        new = post_api(self, self.server, slug, token, "new three")
        ev = s.next_event()
        assert_comment_event(self, ev, 3, api_comment(self, self.server, slug, new["id"]))

    def check_resume(self, **stream_kw):
        slug = self.new_story()
        _, token, _ = self.api_user()
        ids = [post_api(self, self.server, slug, token, "resume %d" % i)["id"] for i in (1, 2, 3)]
        self.assertEqual(story_seq(self, self.server, slug), 3)
        s = open_stream(self, self.server, slug, **{k: (v(1) if callable(v) else v)
                                                     for k, v in stream_kw.items()})
        for seq, cid in ((2, ids[1]), (3, ids[2])):
            assert_comment_event(self, s.next_event(), seq,
                                 api_comment(self, self.server, slug, cid))
        live = post_api(self, self.server, slug, token, "resume live 4")
        # The next event must be the 4th: no repeat of 1-3, no gap.
        assert_comment_event(self, s.next_event(), 4, api_comment(self, self.server, slug, live["id"]))

    def test_resume_with_last_event_id_header(self):
        self.check_resume(last_event_id=lambda n: n)

    def test_resume_with_query_parameter(self):
        self.check_resume(query=lambda n: "last_event_id=%d" % n)

    def test_header_wins_over_query(self):
        # An EventSource opened on ?last_event_id=N reconnects with a newer
        # Last-Event-ID header on the same URL; the header is the fresher position.
        slug = self.new_story()
        _, token, _ = self.api_user()
        ids = [post_api(self, self.server, slug, token, "both %d" % i)["id"] for i in (1, 2, 3)]
        s = open_stream(self, self.server, slug, last_event_id=2, query="last_event_id=0")
        assert_comment_event(self, s.next_event(), 3, api_comment(self, self.server, slug, ids[2]))

    def test_resume_from_zero_replays_everything(self):
        slug = self.new_story()
        _, token, _ = self.api_user()
        ids = [post_api(self, self.server, slug, token, "all %d" % i)["id"] for i in (1, 2)]
        s = open_stream(self, self.server, slug, last_event_id=0)
        for seq, cid in enumerate(ids, 1):
            assert_comment_event(self, s.next_event(), seq, api_comment(self, self.server, slug, cid))

    def test_events_are_per_story(self):
        a, b = self.new_story(), self.new_story()
        _, token, _ = self.api_user()
        sa = open_stream(self, self.server, a)
        sb = open_stream(self, self.server, b)
        cb = post_api(self, self.server, b, token, "for b")
        ca = post_api(self, self.server, a, token, "for a")
        # Each story counts its own events from 1, and a stream sees only its story.
        assert_comment_event(self, sa.next_event(), 1, api_comment(self, self.server, a, ca["id"]))
        assert_comment_event(self, sb.next_event(), 1, api_comment(self, self.server, b, cb["id"]))

    def test_concurrent_posts_arrive_in_order_once(self):
        slug = self.new_story()
        _, token, _ = self.api_user()
        s = open_stream(self, self.server, slug)
        n = 10
        posted, errors = [], []
        lock = threading.Lock()

        def worker(i):
            try:
                r = self.server.client().post_json("/api/v1/stories/%s/comments" % slug,
                                                   {"body": "concurrent %d" % i}, token=token,
                                                   timeout=30)
                with lock:
                    (posted if r.status == 201 else errors).append(r)
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(e)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        got = [s.next_event() for _ in range(n)]
        self.assertEqual([e["id"] for e in got], [str(i) for i in range(1, n + 1)])
        ids = [json.loads(e["data"])["id"] for e in got]
        self.assertEqual(sorted(ids), sorted(r.json()["comment"]["id"] for r in posted))
        # Commit order: ids were assigned in commit order, so event order follows them.
        self.assertEqual(ids, sorted(ids), "event order differs from commit (id) order")
        listed = [c["id"] for c in self.api_comments(slug, "?sort=oldest&limit=100")["comments"]]
        self.assertEqual(ids, listed)

    def test_story_page_markers_and_script(self):
        slug = self.new_story()
        _, token, _ = self.api_user()
        post_api(self, self.server, slug, token, "one")
        post_api(self, self.server, slug, token, "two")
        r = self.client().get("/stories/" + slug)
        self.assertEqual(r.status, 200, r)
        root = parse_html(r.text)
        sec = root.by_id("comments")
        self.assertEqual(sec.tag, "section")
        self.assertEqual(sec.get("data-events"), "/stories/%s/events" % slug)
        self.assertEqual(sec.get("data-event-seq"), "2")
        scripts = [n for n in root.find_all("script")
                   if (n.get("src") or "").split("?")[0] == "/static/live.js"]
        self.assertEqual(len(scripts), 1, "no <script src=/static/live.js defer>")
        self.assertIn("defer", scripts[0].attrs)
        js = self.client().get(scripts[0].get("src"))
        self.assertEqual(js.status, 200, js)
        self.assertRegex(js.header("Content-Type", ""), r"^(application|text)/javascript")
        self.assertIn("EventSource", js.text)
        # The page works without JavaScript: the comments are in the HTML itself.
        self.assertEqual(len(root.find_all("article", cls="comment")), 2)


class ManyIdleStreams(ServerTest):
    N = 1000
    SAMPLE = 50
    # Every stream comes from 127.0.0.1: lift the per-client connection cap.
    server_kwargs = {"config": "[server]\nmax_connections_per_client = %d\n" % (N + 64)}

    @classmethod
    def setUpClass(cls):
        # The server inherits our limit, so raise it before it starts.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = 4 * cls.N + 256
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY
                                                        else want, hard))
        super().setUpClass()
        cls.slug = "many-" + unique("s")
        cls.server.add_story(cls.slug)

    def test_thousand_idle_streams(self):
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < self.N + 100:
            self.skipTest("RLIMIT_NOFILE is only %d" % soft)
        _, token, _ = self.api_user()
        path = "/stories/%s/events" % self.slug
        streams = []
        try:
            for _ in range(self.N):
                streams.append(EventStream(self.server.host, self.server.port, path, timeout=20))
            for i, s in enumerate(streams):
                status = s.read_head()
                self.assertEqual(status, 200, "stream %d answered %d" % (i, status))
            rss = self.server.rss_kb()
            print("\ne2e: RSS with %d SSE connections: %s kB" % (self.N, rss), flush=True)
            # Ordinary requests still work while the streams are parked.
            c = self.client()
            r = c.get("/")
            self.assertEqual(r.status, 200, r)
            r = c.get("/stories/" + self.slug)
            self.assertEqual(r.status, 200, r)
            first = post_api(self, self.server, self.slug, token, "while 1000 listen")
            second = post_api(self, self.server, self.slug, token, "second while 1000 listen")
            want = [api_comment(self, self.server, self.slug, x["id"]) for x in (first, second)]
            step = self.N // self.SAMPLE
            for i in range(0, self.N, step):
                for seq, comment in ((1, want[0]), (2, want[1])):
                    ev = streams[i].next_event(timeout=20)
                    assert_comment_event(self, ev, seq, comment)
            # A parked stream still gets its keep-alive comment (every 15 s).
            s = streams[0]
            self.assertTrue(s.wait_comment(25), "no keep-alive comment within 25 s")
            self.assertEqual(s.comments[0], ": keep-alive")
            self.assertIsNone(self.server.problems())
        finally:
            for s in streams:
                s.close()
        r = raw_request(self.server.host, self.server.port, "GET", "/healthz", None, {}, 10)
        self.assertEqual(r.status, 200)


def live_constant(name):
    """A size from src/web/live.h (`#define NAME (A * B)` or `#define NAME A`), so the
    bound below follows the code's caps."""
    with open(os.path.join(REPO, "src", "web", "live.h")) as f:
        m = re.search(r"^#define\s+%s\s+\(?([0-9 *]+)\)?" % name, f.read(), re.M)
    if not m:
        raise AssertionError("no #define %s in src/web/live.h" % name)
    value = 1
    for factor in m.group(1).split("*"):
        value *= int(factor)
    return value


class StuckStream:
    """A stream that never reads: a tiny receive buffer, and only MSG_PEEK to see how
    far the server got, so the socket stays full and the server cannot send more."""

    def __init__(self, server, slug, last_event_id):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((server.host, server.port))
        self.sock.sendall(("GET /stories/%s/events HTTP/1.1\r\nHost: %s:%d\r\n"
                           "Accept: text/event-stream\r\nLast-Event-ID: %d\r\n\r\n"
                           % (slug, server.host, server.port, last_event_id)).encode())

    def wait_for(self, marker, timeout=30.0):
        """True once `marker` is among the bytes waiting in the socket."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not readable(self.sock, left):
                return False
            seen = self.sock.recv(1 << 16, socket.MSG_PEEK)
            if marker in seen:
                return True
            if not seen:
                return False  # closed by the server
            time.sleep(0.02)  # readable stays true: wait for more to arrive

    def close(self):
        self.sock.close()


class LiveCatchUpMemory(ServerTest):
    """Issue 8, item 6: 30 comments of 10,000 characters whose HTML was ~135 KB each
    (block quotes nested 5,000 deep) and 50 streams resuming from old ids that never
    read made the server render the whole backlog into one buffer per stream: RSS
    grew by 412 MB. A stream now copies from shared rendered events and stages at
    most one catch-up batch (LIVE_STAGE_BYTES, plus the one event it is sending).
    Markdown's own output cap (render/markdown.h) now shrinks the nested quotes, so
    every other comment is 9,999 ampersands, ~50 KB of "&amp;" within that cap: the
    test must not depend on how large one comment can get, only on the backlog
    being much larger than what a stream may stage."""

    N_COMMENTS = 30
    N_STUCK = 100  # the 50, doubled so the backlog dwarfs the bound's fixed part
    BODIES = ("> " * 4999 + "a", "&" * 9999)
    # Under AddressSanitizer freed memory waits in a quarantine (256 MB by default)
    # and counts in RSS: this test measures what is held, so it runs without one.
    # Every other test keeps it; the option is ignored by a build without ASan.
    _asan = os.environ.get("ASAN_OPTIONS", "")
    server_kwargs = {"env": {"ASAN_OPTIONS": (_asan + ":" if _asan else "")
                             + "quarantine_size_mb=0"}}

    def test_streams_that_do_not_read_hold_one_batch_each(self):
        slug = "catchup-" + unique("s")
        self.server.add_story(slug)
        # Two authors, so the per-account posting limit never gets in the way.
        tokens = [self.api_user()[1], self.api_user()[1]]
        ids = [post_api(self, self.server, slug, tokens[i % 2], self.BODIES[i % 2])["id"]
               for i in range(self.N_COMMENTS)]
        r = self.server.client().get("/api/v1/stories/%s/comments?sort=oldest&limit=100" % slug,
                                     timeout=60)
        self.assertEqual(r.status, 200, r)
        by_id = {c["id"]: c for c in r.json()["comments"]}
        self.assertEqual(sorted(by_id), sorted(ids))

        # A first reader renders every event once: the sizes the bound is made of.
        first = open_stream(self, self.server, slug, last_event_id=0, timeout=60)
        sizes = []
        for seq, cid in enumerate(ids, 1):
            ev = first.next_event()
            assert_comment_event(self, ev, seq, by_id[cid])
            sizes.append(len(("id: %d\nevent: comment\ndata: %s\n\n" % (seq, ev["data"]))
                             .encode()))
        first.close()

        before = self.server.rss_kb()
        stuck = []
        try:
            for i in range(self.N_STUCK):
                # Half resume from 0 (they may share batches), half from every other
                # position (they cannot).
                last = 0 if i % 2 == 0 else i % self.N_COMMENTS
                stuck.append((StuckStream(self.server, slug, last), last))
            # Each stuck stream has its first event under way: its batch is staged.
            for s, last in stuck:
                self.assertTrue(s.wait_for(b"id: %d\n" % (last + 1)),
                                "stream from %d never got event %d" % (last, last + 1))
            after = self.server.rss_kb()

            # Meanwhile a stream that reads gets every event once, in order, and a
            # new one after them.
            reader = open_stream(self, self.server, slug, last_event_id=0, timeout=60)
            for seq, cid in enumerate(ids, 1):
                assert_comment_event(self, reader.next_event(), seq, by_id[cid])
            _, token, _ = self.api_user()
            new = post_api(self, self.server, slug, token, "after the backlog")
            assert_comment_event(self, reader.next_event(), self.N_COMMENTS + 1,
                                 api_comment(self, self.server, slug, new["id"]))
        finally:
            for s, _ in stuck:
                s.close()

        # What the streams may hold (bytes): each one batch (under LIVE_STAGE_BYTES
        # before its last event, which holds the one being sent), as if none shared,
        # plus its connection (the bench measures ~19 KB per idle stream); once, the
        # ring and the hub's rows of one query (a row: the HTML and its source); and
        # 8 MiB for the allocator's own overhead. Without the cap each stream held the
        # whole backlog, which must exceed twice the bound for this test to mean
        # anything.
        biggest = max(sizes)
        per_stream = live_constant("LIVE_STAGE_BYTES") + biggest + 32 * 1024
        shared = (live_constant("LIVE_RING_BYTES") + biggest
                  + live_constant("LIVE_FETCH_ROWS") * 2 * biggest)
        bound = self.N_STUCK * per_stream + shared + 8 * 1024 * 1024
        unbounded = self.N_STUCK * sum(sizes)
        grew = (after - before) * 1024
        print("\ne2e: %d stuck streams over %d events of up to %d bytes: RSS grew %.1f MB "
              "(bound %.1f MB; the whole backlog per stream would be %.1f MB)"
              % (self.N_STUCK, len(sizes), biggest, grew / 1e6, bound / 1e6, unbounded / 1e6),
              flush=True)
        self.assertGreater(unbounded, 2 * bound, "comments too small for this test to tell")
        self.assertLess(grew, bound, "streams that do not read pin too much memory")
