"""Group commit never acknowledges before commit: 32 threads post comments over the
API as fast as they can, the server is killed with SIGKILL in the middle of the
burst, a new server starts on the same database, and every comment that was answered
201 (its id recorded) is there, with its body, and the story's count matches what is
listed. Runs on SQLite and on PostgreSQL (STET_E2E_BACKEND=postgres). The rate limit
is off so one account may post without pause."""

import http.client
import re
import signal
import threading
import time
import unittest
import urllib.parse

from harness import DEFAULT_PASSWORD, Server, raw_request, sanitizer_report, unique

CONFIG = "[limits]\ncomments_per_minute = 0\n"
N_POSTERS = 32
N_ACCOUNTS = 4  # Argon2id per registration and login: a few accounts, shared
MIN_ACKED = 200  # acknowledged posts before the kill, so the burst is well under way
BURST_MAX_S = 20.0


class Durability(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()

    def start(self, db=None):
        s = Server(config=CONFIG, db=db)
        self.servers.append(s)
        return s

    def account(self, server):
        name = unique("dur")
        c = server.client()
        r = c.post_json("/api/v1/users", {"username": name, "email": name + "@example.com",
                                          "password": DEFAULT_PASSWORD})
        self.assertEqual(r.status, 201, r)
        r = c.post_json("/api/v1/sessions", {"login": name, "password": DEFAULT_PASSWORD})
        self.assertEqual(r.status, 201, r)
        return r.json()["token"]

    def burst(self, server, slug, tokens, stop, acked, lock):
        """N_POSTERS threads posting until `stop` is set or the server is gone."""
        path = "/api/v1/stories/%s/comments" % slug

        def poster(t):
            token = tokens[t % len(tokens)]
            k = 0
            while not stop.is_set():
                body = "durable %d-%d" % (t, k)
                k += 1
                c = server.client()
                try:
                    r = c.post_json(path, {"body": body}, token=token, timeout=30)
                except (OSError, http.client.HTTPException, AttributeError):
                    # Killed mid-request: not acknowledged. (http.client can also
                    # trip over the socket vanishing under it: AttributeError.)
                    return
                if r.status != 201:
                    with lock:
                        acked.append(("error", r.status, r.text[:200]))
                    return
                with lock:
                    acked.append((r.json()["comment"]["id"], body))

        threads = [threading.Thread(target=poster, args=(t,), daemon=True)
                   for t in range(N_POSTERS)]
        for th in threads:
            th.start()
        return threads

    def listed(self, server, slug):
        """Every comment of the story, paging with the cursor: ({id: comment}, count)."""
        seen, cursor, count = {}, None, None
        while True:
            q = "/api/v1/stories/%s/comments?limit=100" % slug
            if cursor:
                q += "&cursor=" + urllib.parse.quote(cursor, safe="")
            r = server.client().get(q)
            self.assertEqual(r.status, 200, r)
            j = r.json()
            count = j["count"]
            for c in j["comments"]:
                self.assertNotIn(c["id"], seen, "comment listed twice")
                seen[c["id"]] = c
            cursor = j["next_cursor"]
            if cursor is None:
                return seen, count

    def test_kill_mid_burst_loses_no_acknowledged_comment(self):
        first = self.start()
        slug = "durable-" + unique("s")
        first.add_story(slug, title="Durable Story")
        tokens = [self.account(first) for _ in range(N_ACCOUNTS)]

        stop, lock, acked = threading.Event(), threading.Lock(), []
        threads = self.burst(first, slug, tokens, stop, acked, lock)
        deadline = time.monotonic() + BURST_MAX_S
        while time.monotonic() < deadline:
            with lock:
                if len(acked) >= MIN_ACKED:
                    break
            time.sleep(0.01)
        # SIGKILL while the posters are still sending: batches are in flight.
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
        stop.set()
        for th in threads:
            th.join(35)
        first.stderr_file.close()
        marker = sanitizer_report(first.stderr_text())
        self.assertIsNone(marker, "sanitizer report before the kill:\n" +
                          first.stderr_text()[-4000:])
        errors = [a for a in acked if a[0] == "error"]
        self.assertEqual(errors, [], "posts refused during the burst")
        self.assertGreaterEqual(len(acked), MIN_ACKED,
                                "the burst never got going: %d acknowledged" % len(acked))

        # The same database under a new process: migrations are a no-op, SQLite's WAL
        # or PostgreSQL's recovery brings back everything that committed.
        second = self.start(db=first.db)
        rows, count = self.listed(second, slug)
        missing = [(cid, body) for cid, body in acked if cid not in rows]
        self.assertEqual(missing, [], "%d of %d acknowledged comments lost" % (
            len(missing), len(acked)))
        for cid, body in acked:
            self.assertIn("<p>%s</p>" % body, rows[cid]["body_html"])
        # Unacknowledged posts may or may not have committed; the count agrees with
        # what is there either way.
        self.assertEqual(count, len(rows))
        self.assertGreaterEqual(len(rows), len(acked))

        # The restarted server takes posts again, and its shutdown is clean.
        stop2, acked2 = threading.Event(), []
        threads = self.burst(second, slug, tokens, stop2, acked2, lock)
        time.sleep(1.0)
        stop2.set()
        for th in threads:
            th.join(35)
        self.assertTrue(acked2 and all(a[0] != "error" for a in acked2), acked2[:3])
        rows2, count2 = self.listed(second, slug)
        self.assertEqual(count2, len(rows) + len(acked2))
        self.assertTrue(all(cid in rows2 for cid, _ in acked2))
        # SIGTERM first, so the shutdown's log line can be read before stop() tidies.
        second.proc.send_signal(signal.SIGTERM)
        second.proc.wait(15)
        batches = re.search(r"group commit: \d+ comments in \d+ transactions \(largest \d+\)",
                            second.stderr_text())
        problem = second.stop()
        self.assertIsNone(problem, problem)
        first._cleanup_tmp()
        print("\n  durability: %d acknowledged before SIGKILL, %d present after restart; "
              "then %d posts in 1 s (%s)" % (len(acked), len(rows), len(acked2),
                                             batches.group(0) if batches else "no stats"))


if __name__ == "__main__":
    unittest.main()
