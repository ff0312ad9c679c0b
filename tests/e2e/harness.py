"""End-to-end harness: starts a real `stet serve` on a free loopback port with a
fresh database, drives it over HTTP (forms, cookies, CSRF, JSON API, Server-Sent
Events) and fails a test when the server crashes, exits non-zero or prints a
sanitizer report. Python 3 standard library only.

Backend: STET_E2E_BACKEND=sqlite (default; a file in the server's temp dir) or
postgres (STET_E2E_PG_DIR names a cluster started by `tools/pg-cluster.sh start`;
every server gets a fresh database from `tools/pg-cluster.sh createdb`)."""

import html
import html.parser
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# TSan reports a race as "WARNING: ThreadSanitizer: data race"; only its own faults
# say "ERROR:". Without halt_on_error a race would otherwise pass unseen.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer",
                     "WARNING: ThreadSanitizer", "ERROR: ThreadSanitizer",
                     "ERROR: MemorySanitizer")

REGISTRATION_MESSAGE = "You must be registered to comment on stories."
LOGIN_ERROR = "Wrong username, email or password."
DEFAULT_PASSWORD = "correct horse battery"

BACKEND = os.environ.get("STET_E2E_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgres"):
    raise SystemExit("STET_E2E_BACKEND must be sqlite or postgres, not %r" % BACKEND)
PG_DIR = os.environ.get("STET_E2E_PG_DIR")
PG_CLUSTER = os.path.join(REPO, "tools", "pg-cluster.sh")
IS_POSTGRES = BACKEND == "postgres"


def readable(sock, timeout):
    """True when `sock` has bytes (or EOF) to read within `timeout` seconds.

    poll, not select: a suite holding a thousand streams has descriptors
    past select's FD_SETSIZE of 1024."""
    p = select.poll()
    p.register(sock, select.POLLIN | select.POLLPRI)
    return bool(p.poll(max(0, timeout) * 1000))


def pg_cluster(*args, timeout=60):
    """Runs `tools/pg-cluster.sh ARGS...` on STET_E2E_PG_DIR; returns its stdout."""
    if not PG_DIR:
        raise RuntimeError("STET_E2E_BACKEND=postgres needs STET_E2E_PG_DIR (a running cluster)")
    p = subprocess.run(["sh", PG_CLUSTER, args[0], PG_DIR] + list(args[1:]),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("pg-cluster.sh %s failed (%d): %s" % (
            " ".join(args), p.returncode, p.stderr.decode("utf-8", "replace")[-2000:]))
    return p.stdout.decode("utf-8", "replace").strip()


def new_database_url(tmp):
    """A fresh, empty database for one server (and any further nodes sharing it)."""
    if not IS_POSTGRES:
        return "sqlite:" + os.path.join(tmp, "stet.db")
    url = pg_cluster("createdb", "e2e_" + os.urandom(6).hex()).splitlines()[-1].strip()
    if not url.startswith(("postgresql:", "postgres:")):
        raise RuntimeError("pg-cluster.sh createdb printed %r, not a URL" % url)
    return url


def pause_cluster():
    """Stops the PostgreSQL server, keeping its data (postgres backend only)."""
    pg_cluster("pause")


def resume_cluster():
    """Starts the paused PostgreSQL server again on the same socket."""
    pg_cluster("resume")


def stet_bin():
    """The binary under test: $STET_BIN (relative to the cwd) or build/stet."""
    path = os.environ.get("STET_BIN")
    if path:
        return os.path.abspath(path)
    return os.path.join(REPO, "build", "stet")


def clean_env(extra=None):
    """The environment for stet: ours without any STET_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STET_")}
    # STET_CONFIG="" reads no file: a /etc/stet/stet.ini on this machine (stet's
    # default) must not change what a test sees. --config still names one.
    env["STET_CONFIG"] = ""
    if extra:
        env.update(extra)
    return env


def sanitizer_report(text):
    for marker in SANITIZER_MARKERS:
        if marker in text:
            return marker
    return None


# ---------------------------------------------------------------- responses


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<Response %d %s %r>" % (self.status, self.reason, self.body[:300])


# ---------------------------------------------------------------- HTML parsing


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []  # Node or str

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def has_class(self, c):
        return c in self.classes

    def iter(self):
        for ch in self.children:
            if isinstance(ch, Node):
                yield ch
                yield from ch.iter()

    def find_all(self, tag=None, cls=None, **attrs):
        out = []
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            if cls and not n.has_class(cls):
                continue
            if any(n.attrs.get(k.rstrip("_")) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def by_id(self, ident):
        for n in self.iter():
            if n.attrs.get("id") == ident:
                return n
        return None

    def ancestors(self):
        n = self.parent
        while n is not None:
            yield n
            n = n.parent

    def text(self):
        parts = []
        for ch in self.children:
            parts.append(ch if isinstance(ch, str) else ch.text())
        return "".join(parts)

    def norm_text(self):
        return " ".join(self.text().split())


class _TreeBuilder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, [(k, v if v is not None else "") for k, v in attrs], self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, [(k, v if v is not None else "") for k, v in attrs], self.cur)
        self.cur.children.append(node)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_html(text):
    b = _TreeBuilder()
    b.feed(text)
    b.close()
    return b.root


def form_fields(form):
    """Name -> value for a form's inputs, textareas and selects (as a browser submits)."""
    fields = {}
    for n in form.iter():
        name = n.get("name")
        if not name:
            continue
        if n.tag == "input":
            typ = (n.get("type") or "text").lower()
            if typ in ("submit", "button", "image", "reset", "file"):
                continue
            if typ in ("checkbox", "radio") and "checked" not in n.attrs:
                continue
            fields[name] = n.get("value", "")
        elif n.tag == "textarea":
            fields[name] = n.text()
        elif n.tag == "select":
            opts = n.find_all("option")
            sel = [o for o in opts if "selected" in o.attrs] or opts[:1]
            if sel:
                fields[name] = sel[0].get("value", sel[0].text())
    return fields


def csrf_from_html(text):
    root = parse_html(text)
    for n in root.find_all("input"):
        if n.get("name") == "csrf":
            return n.get("value")
    return None


def strip_tags(text):
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())


# ---------------------------------------------------------------- client


class Client:
    """One browser-like user: keeps cookies, never follows redirects."""

    def __init__(self, server, timeout=10.0):
        self.server = server
        self.cookies = {}
        self.timeout = timeout

    @property
    def base(self):
        return self.server.base_url

    def cookie_header(self):
        return "; ".join("%s=%s" % kv for kv in self.cookies.items())

    def _store_cookies(self, resp):
        for sc in resp.header_all("Set-Cookie"):
            parts = [p.strip() for p in sc.split(";")]
            if "=" not in parts[0]:
                continue
            name, value = parts[0].split("=", 1)
            attrs = {}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                attrs[k.strip().lower()] = v.strip()
            expired = attrs.get("max-age") in ("0", "-1") or (
                "expires" in attrs and "1970" in attrs["expires"])
            if expired or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def request(self, method, path, body=None, headers=None, token=None, cookies=True,
                timeout=None):
        hdrs = {}
        if cookies and self.cookies:
            hdrs["Cookie"] = self.cookie_header()
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        if headers:
            hdrs.update(headers)
        if isinstance(body, str):
            body = body.encode("utf-8")
        resp = raw_request(self.server.host, self.server.port, method, path, body, hdrs,
                           timeout or self.timeout)
        self._store_cookies(resp)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_form(self, path, fields, **kw):
        if isinstance(fields, (bytes, str)):
            data = fields
        else:
            data = urllib.parse.urlencode(fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(kw.pop("headers", {}) or {})
        return self.request("POST", path, body=data, headers=headers, **kw)

    def post_json(self, path, obj, method="POST", **kw):
        if isinstance(obj, bytes):
            data = obj
        else:
            data = json.dumps(obj).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        headers.update(kw.pop("headers", {}) or {})
        return self.request(method, path, body=data, headers=headers, **kw)

    def csrf(self, path="/login"):
        """GETs a page with a form and returns the csrf token its forms carry (the
        anonymous CSRF cookie's value, or a logged-in reader's session-bound token)."""
        r = self.get(path)
        tok = csrf_from_html(r.text)
        if tok is None:
            raise AssertionError("no csrf field on %s (%d)" % (path, r.status))
        return tok

    def submit(self, page_path, form_selector, values, action=None):
        """GETs page_path, finds the form (by id or action) and posts it with `values`
        merged over its own fields, exactly like a browser would."""
        r = self.get(page_path)
        root = parse_html(r.text)
        form = None
        for f in root.find_all("form"):
            action = (f.get("action") or "").split("#")[0]  # a browser never sends the fragment
            if form_selector in (f.get("id"), action, action.split("?")[0]):
                form = f
                break
        if form is None:
            raise AssertionError("no form %r on %s:\n%s" % (form_selector, page_path, r.text[:2000]))
        fields = form_fields(form)
        fields.update(values)
        return self.post_form(action or form.get("action"), fields)

    def register(self, username, email=None, password=DEFAULT_PASSWORD, next_path=None):
        email = email or "%s@example.com" % username.lower()
        page = "/register" if next_path is None else "/register?next=" + urllib.parse.quote(
            next_path, safe="")
        return self.submit(page, "/register",
                           {"username": username, "email": email, "password": password})

    def login(self, login, password=DEFAULT_PASSWORD, next_path=None):
        page = "/login" if next_path is None else "/login?next=" + urllib.parse.quote(
            next_path, safe="")
        return self.submit(page, "/login", {"login": login, "password": password})

    def logout(self):
        return self.submit("/", "/logout", {})


def raw_request(host, port, method, path, body, headers, timeout):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        try:
            conn.request(method, path, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413) before reading all of a large body
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.reason, r.getheaders(), data)
    finally:
        conn.close()


# ---------------------------------------------------------------- server


class Server:
    """A running `stet serve` with its own temp directory and SQLite database."""

    def __init__(self, demo=False, config=None, env=None, extra_args=None, db=None):
        self.tmp = tempfile.mkdtemp(prefix="stet-e2e-")
        try:
            self.db = db or new_database_url(self.tmp)
        except BaseException:
            self._cleanup_tmp()
            raise
        self.bin = stet_bin()
        self.env = clean_env(env)
        self.config_path = None
        if config is not None:
            self.config_path = os.path.join(self.tmp, "stet.ini")
            with open(self.config_path, "w") as f:
                f.write(config)
        args = [self.bin, "serve", "--listen", "127.0.0.1:0", "--db", self.db]
        if self.config_path:
            args += ["--config", self.config_path]
        if demo:
            args.append("--demo")
        args += extra_args or []
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        self.stderr_file = open(self.stderr_path, "wb")
        self.proc = None
        self.host = "127.0.0.1"
        self.port = None
        self.base_url = None
        self.cli_reports = []
        self._start(args, migrate=not demo)

    def _start(self, args, migrate):
        if not os.access(self.bin, os.X_OK):
            self._cleanup_tmp()
            raise RuntimeError("stet binary not found: %s (set STET_BIN)" % self.bin)
        if migrate:
            # Only `serve --demo` creates a database: a plain serve wants one made by
            # `stet migrate` (which changes nothing in one that is up to date).
            p = self.cli("migrate")
            if p.returncode != 0:
                self.stderr_file.close()
                self._cleanup_tmp()
                raise RuntimeError("stet migrate failed (%d): %s" % (p.returncode, p.stderr))
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.stderr_file,
                                     stdin=subprocess.DEVNULL, env=self.env, cwd=self.tmp)
        line_box = []

        def read_line():
            line_box.append(self.proc.stdout.readline())

        t = threading.Thread(target=read_line, daemon=True)
        t.start()
        t.join(20)
        line = line_box[0].decode("utf-8", "replace").strip() if line_box else None
        m = re.fullmatch(r"stet: listening on http://127\.0\.0\.1:(\d+)", line or "")
        if not m:
            self._kill()
            raise RuntimeError("stet did not print its listening line (got %r)\nstderr:\n%s"
                               % (line, self.stderr_text()[-3000:]))
        # Keep draining stdout so a chatty server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        self.port = int(m.group(1))
        self.base_url = "http://127.0.0.1:%d" % self.port
        deadline = time.monotonic() + 20
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                r = raw_request(self.host, self.port, "GET", "/healthz", None, {}, 2)
                if r.status == 200:
                    return
                last = r
            except OSError as e:
                last = e
            time.sleep(0.05)
        self._kill()
        raise RuntimeError("stet /healthz never answered 200 (last: %r)\nstderr:\n%s"
                           % (last, self.stderr_text()[-3000:]))

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.stderr_file.close()

    def _cleanup_tmp(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def problems(self):
        """Why the server is unhealthy right now, or None."""
        if self.proc.poll() is not None:
            return "stet exited with status %s\nstderr tail:\n%s" % (
                self.proc.returncode, self.stderr_text()[-4000:])
        marker = sanitizer_report(self.stderr_text())
        if marker:
            return "sanitizer report (%s) in stet stderr:\n%s" % (marker,
                                                                   self.stderr_text()[-6000:])
        return None

    def stop(self):
        """SIGTERM, then wait; returns None or a description of what went wrong."""
        problem = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problem = "stet did not exit within 15 s of SIGTERM"
        self.stderr_file.close()
        if problem is None and self.proc.returncode != 0:
            problem = "stet exited with status %d after SIGTERM" % self.proc.returncode
        err = self.stderr_text()
        marker = sanitizer_report(err)
        if marker:
            problem = (problem or "") + "\nsanitizer report (%s):\n%s" % (marker, err[-6000:])
        elif problem:
            problem += "\nstderr tail:\n" + err[-3000:]
        if problem is None:
            self._cleanup_tmp()
        else:
            problem += "\n(kept %s)" % self.tmp
        return problem

    # --- CLI on the same database

    def cli(self, *args, stdin=None, config=True, timeout=30):
        cmd = [self.bin] + list(args) + ["--db", self.db]
        if config and self.config_path:
            cmd += ["--config", self.config_path]
        if stdin is None:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=self.env,
                               cwd=self.tmp, timeout=timeout)
        else:
            p = subprocess.run(cmd, input=stdin.encode() if isinstance(stdin, str) else stdin,
                               capture_output=True, env=self.env, cwd=self.tmp, timeout=timeout)
        err = p.stderr.decode("utf-8", "replace")
        if sanitizer_report(err):
            self.cli_reports.append("%r:\n%s" % (cmd, err[-4000:]))
        return p

    def add_user(self, username, email=None, password=DEFAULT_PASSWORD, role=None):
        email = email or "%s@example.com" % username.lower()
        args = ["user", "add", "--username", username, "--email", email]
        if role:
            args += ["--role", role]
        p = self.cli(*args, stdin=password + "\n")
        if p.returncode != 0:
            raise AssertionError("stet user add failed (%d): %s" % (p.returncode, p.stderr))
        return p

    def add_story(self, slug, title=None, body="A story body.\n\nSecond paragraph.",
                  byline="By A. Reporter", published_at=None):
        args = ["story", "add", "--slug", slug, "--title", title or slug.replace("-", " ").title(),
                "--byline", byline, "--body-file", "-"]
        if published_at:
            args += ["--published-at", published_at]
        p = self.cli(*args, stdin=body)
        if p.returncode != 0:
            raise AssertionError("stet story add failed (%d): %s" % (p.returncode, p.stderr))
        return p

    def client(self):
        return Client(self)

    def another_node(self, **kw):
        """A second `stet serve` on the same database (same --db URL)."""
        return Server(db=self.db, **kw)

    def rss_kb(self):
        """The server's resident set size (VmRSS) in kB, or None."""
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return None

    def events(self, slug, last_event_id=None, query=None, timeout=10.0, connect=True):
        """An EventStream on /stories/SLUG/events (Last-Event-ID as a header)."""
        headers = {}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        path = "/stories/%s/events" % slug
        if query:
            path += "?" + query
        s = EventStream(self.host, self.port, path, headers, timeout)
        if connect:
            s.read_head()
        return s


# ---------------------------------------------------------------- server-sent events


class StreamClosed(Exception):
    pass


class EventStream:
    """A raw-socket Server-Sent Events client: sends the GET at once, then reads the
    head and the (possibly chunked) body incrementally, each read with a deadline."""

    def __init__(self, host, port, path, headers=None, timeout=10.0):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        hdrs = {"Host": "%s:%d" % (host, port), "Accept": "text/event-stream",
                "Cache-Control": "no-cache"}
        hdrs.update(headers or {})
        req = "GET %s HTTP/1.1\r\n" % path + "".join(
            "%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
        self.sock.sendall(req.encode("latin-1"))
        self.raw = b""  # undecoded bytes from the socket
        self.body = b""  # decoded body bytes not yet parsed into blocks
        self.all_body = b""  # every decoded body byte, for asserting the exact prefix
        self.status = None
        self.headers = []
        self.chunked = False
        self.length = None  # Content-Length of a non-stream answer
        self.eof = False
        self.blocks = []  # parsed SSE blocks, each a list of (field, value)
        self.comments = []  # comment lines (": keep-alive") seen

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if not readable(self.sock, left):
            return False
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            data = b""
        if not data:
            self.eof = True
            return False
        self.raw += data
        return True

    def read_head(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\r\n\r\n" not in self.raw:
            if not self._recv(deadline):
                raise AssertionError("no complete response head on the event stream (%s; got %r)"
                                     % ("closed" if self.eof else "timeout", self.raw[:300]))
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        self.status = int(parts[1])
        for line in lines[1:]:
            k, _, v = line.partition(":")
            self.headers.append((k.strip(), v.strip()))
        te = (self.header("Transfer-Encoding") or "").lower()
        self.chunked = "chunked" in te
        cl = self.header("Content-Length")
        self.length = int(cl) if cl is not None and not self.chunked else None
        self._decode()
        return self.status

    def _decode(self):
        if not self.chunked:
            self.body += self.raw
            self.all_body += self.raw
            self.raw = b""
            return
        while True:
            nl = self.raw.find(b"\r\n")
            if nl < 0:
                return
            size = int(self.raw[:nl].split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.eof = True
                self.raw = b""
                return
            if len(self.raw) < nl + 2 + size + 2:
                return
            chunk = self.raw[nl + 2:nl + 2 + size]
            self.raw = self.raw[nl + 2 + size + 2:]
            self.body += chunk
            self.all_body += chunk

    def read_body(self, timeout=None):
        """The whole body of a non-stream answer (an error page)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self.eof and (self.length is None or len(self.all_body) < self.length):
            if not self._recv(deadline):
                break
            self._decode()
        return self.all_body

    def wait_body(self, n, timeout=None):
        """Reads until at least n decoded body bytes arrived (or timeout/close)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while len(self.all_body) < n and not self.eof:
            if not self._recv(deadline):
                break
            self._decode()
        return self.all_body

    def _parse(self):
        text = self.body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        while b"\n\n" in text:
            block, text = text.split(b"\n\n", 1)
            fields = []
            for line in block.decode("utf-8").split("\n"):
                if line.startswith(":"):
                    self.comments.append(line)
                    continue
                name, sep, value = line.partition(":")
                if sep and value.startswith(" "):
                    value = value[1:]
                fields.append((name, value))
            if fields:
                self.blocks.append(fields)
        self.body = text

    def next_block(self, timeout=None):
        """The next SSE block (list of (field, value)), or raises on timeout/close."""
        deadline = time.monotonic() + (timeout or self.timeout)
        self._parse()
        while not self.blocks:
            if self.eof:
                raise StreamClosed("event stream closed by the server (pending %r)" % self.body[:200])
            if not self._recv(deadline):
                if self.eof:
                    continue
                raise socket.timeout("no event within %.1f s (pending %r)" % (
                    timeout or self.timeout, self.body[:200]))
            self._decode()
            self._parse()
        return self.blocks.pop(0)

    def wait_comment(self, timeout=None):
        """Reads until a comment line (": keep-alive") arrived; True if one did."""
        deadline = time.monotonic() + (timeout or self.timeout)
        self._parse()
        while not self.comments and not self.eof:
            if not self._recv(deadline):
                break
            self._decode()
            self._parse()
        return bool(self.comments)

    def next_event(self, timeout=None):
        """The next block carrying an `event` or `data` field, as a dict with keys
        id, event, data (data lines joined by newlines); fields appearing twice are
        reported under 'dup'."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            block = self.next_block(max(0.01, deadline - time.monotonic()))
            names = [n for n, _ in block]
            if "event" not in names and "data" not in names:
                continue
            ev = {"fields": block, "dup": [n for n in set(names) if names.count(n) > 1 and n != "data"]}
            for n, v in block:
                if n == "data":
                    ev["data"] = v if "data" not in ev else ev["data"] + "\n" + v
                else:
                    ev.setdefault(n, v)
            return ev


# ---------------------------------------------------------------- test base


_counter = [0]


def eventually(check, what, deadline_s=10.0):
    """check() until it returns something true, which is returned. For a change made
    by another process (the CLI, another node): on PostgreSQL a node hears of it by
    NOTIFY a moment after the commit, so its memo of reads may still answer the old
    value for that moment. On SQLite the first call already sees it."""
    end = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("never happened within %.0f s: %s" % (deadline_s, what))
        time.sleep(0.02)


def unique(prefix="u"):
    _counter[0] += 1
    return "%s%d%s" % (prefix, _counter[0], os.urandom(2).hex())


class ServerTest(unittest.TestCase):
    """One server per test class; each test checks the server is still healthy."""

    server_kwargs = {}
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(**cls.server_kwargs)
        try:
            cls.prepare()
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def prepare(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            problem = cls.server.stop()
            cls.server = None
            if problem:
                raise AssertionError(problem)

    def setUp(self):
        self._cli_reports_seen = len(self.server.cli_reports)

    def tearDown(self):
        problem = self.server.problems()
        if problem:
            self.fail(problem)
        new = self.server.cli_reports[getattr(self, "_cli_reports_seen", 0):]
        if new:
            self.fail("sanitizer report from a CLI run:\n" + new[0])

    # --- helpers

    def client(self):
        return self.server.client()

    def api_user(self, username=None, password=DEFAULT_PASSWORD, email=None):
        """Registers over the API and returns (client, token, user json)."""
        username = username or unique("api")
        email = email or "%s@example.com" % username.lower()
        c = self.client()
        r = c.post_json("/api/v1/users", {"username": username, "email": email,
                                          "password": password})
        self.assertEqual(r.status, 201, r)
        r = c.post_json("/api/v1/sessions", {"login": username, "password": password})
        self.assertEqual(r.status, 201, r)
        j = r.json()
        return c, j["token"], j["user"]

    def token_for(self, login, password=DEFAULT_PASSWORD):
        r = self.client().post_json("/api/v1/sessions", {"login": login, "password": password})
        self.assertEqual(r.status, 201, r)
        return r.json()["token"]

    def web_user(self, username=None, next_path=None):
        """Registers through the HTML form; returns a logged-in client."""
        username = username or unique("web")
        c = self.client()
        r = c.register(username, next_path=next_path)
        self.assertEqual(r.status, 303, r)
        self.assertIn("stet_session", c.cookies)
        return c

    def count(self, slug):
        r = self.client().get("/api/v1/counts?stories=" + urllib.parse.quote(slug))
        self.assertEqual(r.status, 200, r)
        return r.json()["counts"].get(slug)

    def api_comments(self, slug, query=""):
        r = self.client().get("/api/v1/stories/%s/comments%s" % (slug, query))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def assertLocation(self, resp, path):
        loc = resp.header("Location")
        self.assertIsNotNone(loc, "no Location header: %r" % resp)
        if loc.startswith(self.server.base_url):
            loc = loc[len(self.server.base_url):]
        self.assertEqual(loc, path, resp)

    def assertApiError(self, resp, status, code=None, field=None):
        self.assertEqual(resp.status, status, resp)
        ctype = resp.header("Content-Type", "")
        self.assertTrue(ctype.startswith("application/json"), "content-type %r: %r" % (ctype, resp))
        j = resp.json()
        self.assertIn("error", j, resp)
        err = j["error"]
        self.assertIsInstance(err.get("message"), str, resp)
        self.assertTrue(err["message"], resp)
        if code:
            self.assertEqual(err.get("code"), code, resp)
        if field:
            self.assertEqual(err.get("field"), field, resp)
        return err

    def assertFormError(self, resp, status):
        self.assertEqual(resp.status, status, resp)
        root = parse_html(resp.text)
        errs = [p for p in root.find_all("p", cls="form-error") if p.get("role") == "alert"]
        self.assertTrue(errs, 'no <p class="form-error" role="alert"> in %r' % resp)
        return errs[0].norm_text()

    def assertNoRaw(self, text, payloads):
        for p in payloads:
            self.assertNotIn(p, text, "raw payload %r appears unescaped" % p)


class TwoNodeTest(ServerTest):
    """Two `stet serve` processes on one database: cls.server (node A) and cls.node_b.
    With `two_nodes = False` node B is node A itself (for tests that also make sense
    on one node, e.g. on SQLite)."""

    two_nodes = True
    node_b = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.two_nodes:
            cls.node_b = cls.server
            return
        try:
            cls.node_b = cls.server.another_node(**cls.server_kwargs)
        except BaseException:
            cls.server.stop()
            cls.server = None
            raise

    @classmethod
    def tearDownClass(cls):
        problem = None
        if cls.node_b is not None and cls.node_b is not cls.server:
            problem = cls.node_b.stop()
        cls.node_b = None
        try:
            super().tearDownClass()
        finally:
            if problem:
                raise AssertionError("node B: " + problem)

    def tearDown(self):
        if self.node_b is not self.server:
            problem = self.node_b.problems()
            if problem:
                self.fail("node B: " + problem)
        super().tearDown()

    def client_b(self):
        return self.node_b.client()
