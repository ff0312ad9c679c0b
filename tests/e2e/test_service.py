"""stet as a systemd service: readiness on $NOTIFY_SOCKET, SIGHUP reloading the
configuration without ending the process, journal priority prefixes, the access log
switched off or sent to a file (and reopened after logrotate), config lines too long
for inih, the port-in-use message, `make install` and `stet --version`."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (REPO, Server, ServerTest, clean_env, eventually, parse_html,
                     sanitizer_report, stet_bin, unique)

WAIT_S = 15


def weather_file(directory, name, hi, lo):
    """A provider answer on disk; returns its file:// URL."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump({"daily": {"temperature_2m_max": [hi], "temperature_2m_min": [lo]}}, f)
    return "file://" + path


def strip(text):
    """(hi, lo) of the weather strip, or None."""
    for n in parse_html(text).find_all("span", cls="weather"):
        return n.get("data-hi"), n.get("data-lo")
    return None


class NotifySocket:
    """The service manager's end: an abstract AF_UNIX datagram socket."""

    def __init__(self):
        self.name = "@stet-test-%d-%s" % (os.getpid(), os.urandom(4).hex())
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name[1:])
        self.received = []

    def wait_for(self, key, timeout=WAIT_S):
        """The first not yet seen datagram holding line `key` (e.g. READY=1)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, msg in enumerate(self.received):
                if key in msg.split("\n"):
                    del self.received[:i + 1]
                    return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %s on NOTIFY_SOCKET (got %r)" % (key, self.received))
            self.sock.settimeout(left)
            try:
                self.received.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass

    def close(self):
        self.sock.close()


class Reload(ServerTest):
    """One server started under a fake systemd: notify, then SIGHUP twice."""

    @classmethod
    def setUpClass(cls):
        cls.notify = NotifySocket()
        cls.dir = tempfile.mkdtemp(prefix="stet-reload-")
        cls.url_a = weather_file(cls.dir, "a.json", 11.2, 1.4)
        cls.url_b = weather_file(cls.dir, "b.json", 21.6, 2.2)
        cls.server_kwargs = {
            "config": "[weather]\nurl = %s\nrefresh = 3600\n" % cls.url_a,
            "env": {"NOTIFY_SOCKET": cls.notify.name},
        }
        super().setUpClass()
        cls.server.add_story("reload-story", title="Reloaded")

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.notify.close()
            shutil.rmtree(cls.dir, ignore_errors=True)

    def write_config(self, text):
        # A new file renamed over the old one, as an editor or a deploy tool does.
        tmp = self.server.config_path + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.server.config_path)

    def strip_now(self):
        return strip(self.client().get("/stories/reload-story").text)

    def hup(self):
        self.server.proc.send_signal(signal.SIGHUP)
        msg = self.notify.wait_for("RELOADING=1")
        self.assertRegex(msg, r"(^|\n)MONOTONIC_USEC=\d+(\n|$)")
        self.notify.wait_for("READY=1")
        self.assertIsNone(self.server.proc.poll(), "SIGHUP ended stet")

    def test_notify_and_reload(self):
        # Ready only once it serves: the harness saw /healthz answer before this.
        self.notify.wait_for("READY=1")
        eventually(lambda: self.strip_now() == ("11", "1"), "the first weather reading")

        # 1. New weather URL and log level.
        self.write_config("[weather]\nurl = %s\nrefresh = 3600\n[log]\nlevel = warn\n"
                          % self.url_b)
        self.hup()
        eventually(lambda: self.strip_now() == ("22", "2"), "the reloaded weather URL")
        err = self.server.stderr_text()
        self.assertIn("reload: weather from %s" % self.url_b, err)
        self.assertIn("reload: log.level = warn", err)

        # 2. At warn, info lines are gone; a key that needs a restart is named.
        self.write_config("[weather]\nurl = %s\nrefresh = 3600\n[log]\nlevel = warn\n"
                          "[site]\nname = Renamed\n" % self.url_b)
        self.hup()
        err = eventually(lambda: (lambda e: e if "site.name changed" in e else None)(
            self.server.stderr_text()), "the restart warning")
        self.assertRegex(err, r"warn \[-\] reload: site\.name changed; it takes effect when "
                              r"stet restarts")
        self.assertEqual(err.count("received SIGHUP"), 1, err[-2000:])

        # 3. A broken file changes nothing and says why.
        self.write_config("[weather]\nurl = %s\nbogus = 1\n" % self.url_a)
        self.hup()
        err = eventually(lambda: (lambda e: e if "nothing changed" in e else None)(
            self.server.stderr_text()), "the reload error")
        self.assertIn("stet.ini:3: unknown key 'weather.bogus'", err)
        self.assertEqual(self.strip_now(), ("22", "2"))

        # 4. SIGTERM: STOPPING=1, then a clean exit (checked by tearDownClass).
        self.server.proc.send_signal(signal.SIGTERM)
        self.notify.wait_for("STOPPING=1")


class ReloadUnderLoad(ServerTest):
    """SIGHUPs that change the weather, the limits and the log while requests run:
    under ThreadSanitizer (make test runs e2e with it) a racy reload is a report."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="stet-reload-load-")
        cls.urls = [weather_file(cls.dir, "w%d.json" % i, 10 + i, i) for i in range(2)]
        cls.server_kwargs = {"config": cls.config(0)}
        super().setUpClass()
        cls.server.add_story("loaded-story", title="Loaded")

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def config(cls, i):
        return ("[weather]\nurl = %s\nrefresh = 1\n[limits]\nregister_client = %d/1h\n"
                "[log]\nlevel = %s\naccess = %s\n"
                % (cls.urls[i % 2], 100 + i, ("info", "debug")[i % 2],
                   ("stderr", os.path.join(cls.dir, "access.log"))[i % 2]))

    def test_reloads_while_serving(self):
        stop = []
        failures = []

        def load(n):
            c = self.client()
            i = 0
            while not stop:
                i += 1
                r = c.get("/stories/loaded-story") if i % 4 else c.register(
                    "load%d%s" % (n, unique("r")))
                if r.status not in (200, 303, 429):
                    failures.append(r)

        threads = [threading.Thread(target=load, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        try:
            for i in range(1, 11):
                with open(self.server.config_path, "w") as f:
                    f.write(self.config(i))
                self.server.proc.send_signal(signal.SIGHUP)
                eventually(lambda: self.server.stderr_text().count("reload done") >= i,
                           "reload %d" % i)
        finally:
            stop.append(True)
            for t in threads:
                t.join()
        self.assertEqual(failures, [])
        self.assertIsNone(self.server.proc.poll())


def stop_and_read(server):
    """SIGTERM and the whole stderr (Server.stop removes it once stet exited 0)."""
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(WAIT_S)
    text = server.stderr_text()
    problem = server.stop()
    if problem:
        raise AssertionError(problem)
    return text


class AccessLog(unittest.TestCase):
    def run_server(self, log_access):
        server = Server(config="[log]\naccess = %s\n" % log_access)
        self.addCleanup(lambda: server.proc.poll() is not None or server.stop())
        return server

    def test_off(self):
        server = self.run_server("off")
        self.assertEqual(server.client().get("/access-off-probe").status, 404)
        text = stop_and_read(server)
        self.assertNotIn("/access-off-probe", text)
        self.assertIn("serving", text)

    def test_file_reopened_on_hup(self):
        d = tempfile.mkdtemp(prefix="stet-access-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "access.log")
        server = self.run_server(path)
        server.client().get("/before-rotate")
        eventually(lambda: os.path.exists(path) and "/before-rotate" in open(path).read(),
                   "the access line in the file")
        self.assertNotIn("/before-rotate", server.stderr_text())
        # logrotate: move the file, then SIGHUP (postrotate `systemctl reload stet`).
        os.rename(path, path + ".1")
        server.proc.send_signal(signal.SIGHUP)
        eventually(lambda: os.path.exists(path), "a new access log after SIGHUP")
        server.client().get("/after-rotate")
        eventually(lambda: "/after-rotate" in open(path).read(), "the line in the new file")
        self.assertNotIn("/after-rotate", open(path + ".1").read())
        # A file line has its own timestamp: it is not the journal.
        self.assertRegex(open(path).read(), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info ")


class Journal(unittest.TestCase):
    def serve_with_stderr(self, journal_file):
        """Runs stet with stderr in a file and JOURNAL_STREAM naming the st_dev:st_ino
        of the file named `journal_file` in the temp dir; returns the stderr text after
        a request and SIGTERM."""
        d = tempfile.mkdtemp(prefix="stet-journal-")
        self.addCleanup(shutil.rmtree, d, True)
        err_path = os.path.join(d, "stderr")
        db = "sqlite:" + os.path.join(d, "stet.db")
        m = subprocess.run([stet_bin(), "migrate", "--db", db], capture_output=True,
                           env=clean_env(), cwd=d, timeout=60)
        self.assertEqual(m.returncode, 0, m.stderr)
        with open(err_path, "wb") as err:
            open(os.path.join(d, journal_file), "ab").close()
            st = os.stat(os.path.join(d, journal_file))
            env = clean_env({"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
            p = subprocess.Popen([stet_bin(), "serve", "--listen", "127.0.0.1:0", "--db", db],
                                 stdout=subprocess.PIPE, stderr=err, env=env, cwd=d)
            try:
                line = p.stdout.readline().decode()
                m = re.match(r"stet: listening on http://127\.0\.0\.1:(\d+)", line)
                self.assertIsNotNone(m, line)
                s = socket.create_connection(("127.0.0.1", int(m.group(1))), 5)
                s.sendall(b"GET /journal-probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                while s.recv(65536):
                    pass
                s.close()
            finally:
                p.send_signal(signal.SIGTERM)
                self.assertEqual(p.wait(WAIT_S), 0)
        with open(err_path) as f:
            text = f.read()
        self.assertIsNone(sanitizer_report(text), text)
        return text

    def test_priority_prefixes_when_stderr_is_the_journal(self):
        text = self.serve_with_stderr("stderr")
        lines = text.splitlines()
        self.assertTrue(any("GET /journal-probe 404" in ln for ln in lines), text)
        for ln in lines:
            self.assertRegex(ln, r"^<[3467]>(error|warn|info|debug) \[[^\]]+\] \S", text)
        self.assertIn("<6>info [-] stopped", lines)

    def test_a_failed_start_is_an_error_in_the_journal(self):
        # What stops the service before the log is set up is filed as an error too.
        d = tempfile.mkdtemp(prefix="stet-journal-")
        self.addCleanup(shutil.rmtree, d, True)
        err_path = os.path.join(d, "stderr")
        with open(err_path, "wb") as err:
            st = os.stat(err_path)
            env = clean_env({"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
            p = subprocess.run([stet_bin(), "serve", "--listen", "127.0.0.1:0", "--db",
                                "sqlite:" + os.path.join(d, "none.db")],
                               stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=d,
                               timeout=WAIT_S)
        self.assertEqual(p.returncode, 1)
        with open(err_path) as f:
            text = f.read()
        self.assertTrue(text.startswith("<3>stet: no database at "), text)

    def test_plain_lines_when_stderr_is_elsewhere(self):
        # JOURNAL_STREAM inherited from a parent whose stderr was the journal.
        text = self.serve_with_stderr("other")
        for ln in text.splitlines():
            self.assertRegex(ln, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|warn|error) ")


class Startup(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="stet-startup-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def serve(self, *args, env=None):
        return subprocess.run([stet_bin(), "serve"] + list(args), capture_output=True,
                              text=True, env=clean_env(env), cwd=self.dir, timeout=60,
                              stdin=subprocess.DEVNULL)

    def test_port_in_use_is_named_before_any_database_exists(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        self.addCleanup(busy.close)
        port = busy.getsockname()[1]
        db = os.path.join(self.dir, "site.db")
        p = self.serve("--listen", "127.0.0.1:%d" % port, "--db", "sqlite:" + db, "--demo")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stderr, "stet: cannot listen on 127.0.0.1:%d: Address already in use\n"
                         % port)
        self.assertEqual(os.listdir(self.dir), [])

    def test_long_config_line_names_file_and_line(self):
        ini = os.path.join(self.dir, "stet.ini")
        with open(ini, "w") as f:
            f.write("[site]\nname = Long\n[weather]\nurl = https://weather.example/%s\n"
                    % ("x" * 300))
        p = self.serve("--config", ini, "--listen", "127.0.0.1:0",
                       "--db", "sqlite:" + os.path.join(self.dir, "site.db"))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertRegex(p.stderr, r"^stet: %s:4: line longer than \d+ bytes" % re.escape(ini))
        self.assertEqual(os.listdir(self.dir), ["stet.ini"])

    def test_missing_config_given_is_an_error(self):
        missing = os.path.join(self.dir, "nope.ini")
        p = self.serve("--config", missing, "--listen", "127.0.0.1:0")
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot read %s" % missing, p.stderr)

    def test_version_names_the_libraries(self):
        p = subprocess.run([stet_bin(), "--version"], capture_output=True, text=True,
                           env=clean_env(), timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[0], r"^stet \d+\.\d+\.\d+$")
        names = [ln.split(" ")[0] for ln in lines[1:]]
        for lib in ("libmicrohttpd", "SQLite", "libpq", "libsodium", "cmark-gfm", "jansson",
                    "libcurl", "zlib", "inih"):
            self.assertIn(lib, names, p.stdout)
        for ln in lines[1:]:
            self.assertRegex(ln, r"^\S+ \d+(\.\d+)*\S*( \(built with\))?$")


class ManPage(unittest.TestCase):
    def test_every_command_and_flag_is_in_the_man_page(self):
        with open(os.path.join(REPO, "docs", "stet.1")) as f:
            man = f.read().replace("\\-", "-")
        p = subprocess.run([stet_bin(), "help", "--all"], capture_output=True, text=True,
                           env=clean_env(), timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", p.stdout))
        self.assertIn("--listen", flags)
        for flag in sorted(flags):
            self.assertIn(flag, man, "stet help --all names %s; docs/stet.1 does not" % flag)
        overview = subprocess.run([stet_bin(), "help"], capture_output=True, text=True,
                                  env=clean_env(), timeout=30).stdout
        commands = re.findall(r"^  ([a-z][a-z-]*(?: [a-z]+)?)\s", overview, re.M)
        self.assertIn("serve", commands)
        for cmd in commands:
            self.assertRegex(man, r"\n\.SS \"?%s\b" % re.escape(cmd).replace("\\ ", " "),
                             "stet help lists %r; docs/stet.1 has no section for it" % cmd)


def build_dir_of(binary):
    d = os.path.dirname(binary)
    return d if os.path.isdir(os.path.join(d, "meson-private")) else None


class Install(unittest.TestCase):
    def test_make_install_into_destdir(self):
        build = build_dir_of(stet_bin())
        if build is None or shutil.which("make") is None:
            self.skipTest("STET_BIN is not in a meson build directory")
        opts = json.loads(subprocess.run(["meson", "introspect", "--buildoptions", build],
                                         capture_output=True, text=True, check=True).stdout)
        prefix = next(o["value"] for o in opts if o["name"] == "prefix")
        dest = tempfile.mkdtemp(prefix="stet-install-")
        self.addCleanup(shutil.rmtree, dest, True)

        def make_install():
            # The binary under test as it is: NINJA=true skips rebuilding it.
            p = subprocess.run(["make", "-s", "-C", REPO, "install", "DESTDIR=" + dest,
                                "REL_BUILD=" + build, "PREFIX=" + prefix, "NINJA=true"],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        make_install()
        root = dest + prefix
        self.assertTrue(os.access(root + "/bin/stet", os.X_OK))
        man = root + "/share/man/man1/stet.1"
        self.assertTrue(os.path.exists(man) or os.path.exists(man + ".gz"))
        with open(root + "/lib/systemd/system/stet.service") as f:
            unit = f.read()
        self.assertIn("\nExecStart=%s/bin/stet serve --config /etc/stet/stet.ini\n" % prefix,
                      unit)
        self.assertIn("\nType=notify\n", unit)
        with open(root + "/lib/sysusers.d/stet.conf") as f:
            self.assertRegex(f.read(), r"(?m)^u stet - .* /var/lib/stet")
        with open(root + "/lib/tmpfiles.d/stet.conf") as f:
            self.assertRegex(f.read(), r"(?m)^d /var/lib/stet 0750 stet stet")
        ini = dest + "/etc/stet/stet.ini"
        with open(ini) as f:
            example = f.read()
        self.assertIn("url = sqlite:/var/lib/stet/stet.db", example)

        # Installing again keeps the operator's file.
        with open(ini, "w") as f:
            f.write("; edited\n")
        make_install()
        with open(ini) as f:
            self.assertEqual(f.read(), "; edited\n")

    def test_example_config_is_valid(self):
        d = tempfile.mkdtemp(prefix="stet-example-")
        self.addCleanup(shutil.rmtree, d, True)
        # `stet migrate` reads the whole file; --db keeps the database in the temp dir.
        p = subprocess.run([stet_bin(), "migrate", "--config",
                            os.path.join(REPO, "deploy", "stet.ini"),
                            "--db", "sqlite:" + os.path.join(d, "x.db")],
                           capture_output=True, text=True, env=clean_env(), cwd=d, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
