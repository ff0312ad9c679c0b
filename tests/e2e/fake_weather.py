"""A fake Open-Meteo provider on loopback for the weather tests: answers the daily
forecast shape, or 500, or hangs, as the test switches it."""

import http.server
import json
import threading


class FakeWeather:
    def __init__(self, hi=23.4, lo=9.1):
        self.lock = threading.Lock()
        self.mode = "ok"  # ok | error | hang
        self.hi, self.lo = hi, lo
        self.hits = 0
        self.hanging = 0
        self.release = threading.Event()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                with owner.lock:
                    owner.hits += 1
                    mode, hi, lo = owner.mode, owner.hi, owner.lo
                if mode == "hang":
                    with owner.lock:
                        owner.hanging += 1
                    owner.release.wait(30)
                    with owner.lock:
                        owner.hanging -= 1
                    mode = "error"
                if mode == "error":
                    body = b'{"error":true,"reason":"test says no"}'
                    self.send_response(500)
                else:
                    body = json.dumps({"latitude": 52.5, "longitude": 13.4,
                                       "daily": {"time": ["2025-01-01"],
                                                 "temperature_2m_max": [hi],
                                                 "temperature_2m_min": [lo]}}).encode()
                    self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/forecast?latitude=52.5&longitude=13.4" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def set(self, mode, hi=None, lo=None):
        with self.lock:
            self.mode = mode
            if hi is not None:
                self.hi = hi
            if lo is not None:
                self.lo = lo
            if mode != "hang":
                self.release.set()
            else:
                self.release.clear()

    def hit_count(self):
        with self.lock:
            return self.hits

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeWeatherMixin:
    """For a ServerTest class: a fake provider answering (weather_hi, weather_lo),
    configured as the server's weather.url with a 1 s refresh, and closed after."""

    weather_hi, weather_lo = 23.4, 9.1
    fake = None

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeWeather(cls.weather_hi, cls.weather_lo)
        cls.server_kwargs = {"config": "[weather]\nurl=%s\nrefresh=1\n" % cls.fake.url}
        try:
            super().setUpClass()
        except BaseException:
            cls.fake.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.fake.release.set()
        try:
            super().tearDownClass()
        finally:
            cls.fake.close()

