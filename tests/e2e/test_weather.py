"""The weather strip against a fake provider on loopback: rounding, keeping the last
good value through provider errors, updating, never waiting on a stuck provider,
and no strip without configuration."""

import time
import unittest

from fake_weather import FakeWeather, FakeWeatherMixin
from harness import Server, ServerTest, parse_html, unique


def strip(text):
    """(hi, lo, text) of the weather strip, or None."""
    root = parse_html(text)
    for n in root.find_all("span", cls="weather"):
        return n.get("data-hi"), n.get("data-lo"), n.norm_text()
    return None


class Weather(FakeWeatherMixin, ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = "weather-" + unique("s")
        cls.server.add_story(cls.slug, title="Sunny")

    def wait_strip(self, want, timeout=10):
        deadline = time.monotonic() + timeout
        got = None
        while time.monotonic() < deadline:
            r = self.client().get("/stories/" + self.slug)
            self.assertEqual(r.status, 200)
            got = strip(r.text)
            if got is not None and got[:2] == want:
                return got
            time.sleep(0.2)
        self.fail("weather strip never became %r (last: %r, provider hits: %d)"
                  % (want, got, self.fake.hit_count()))

    def wait_hits(self, n, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.fake.hit_count() >= n:
                return
            time.sleep(0.1)
        self.fail("the provider was asked %d times, expected %d (refresh=1)"
                  % (self.fake.hit_count(), n))

    def test_strip_lifecycle(self):
        # 1. First reading, rounded.
        hi, lo, text = self.wait_strip(("23", "9"))
        self.assertEqual(text, "Hi 23° | Lo 9°")
        front = strip(self.client().get("/").text)
        self.assertEqual(front[:2], ("23", "9"))

        # 2. Provider fails: the last good value stays.
        self.fake.set("error")
        start_hits = self.fake.hit_count()
        time.sleep(2.5)
        self.wait_hits(start_hits + 2)
        for _ in range(3):
            got = strip(self.client().get("/stories/" + self.slug).text)
            self.assertIsNotNone(got, "strip vanished after a provider error")
            self.assertEqual(got[:2], ("23", "9"))
            time.sleep(0.3)

        # 3. New values come through.
        self.fake.set("ok", hi=30.6, lo=-2.7)
        hi, lo, text = self.wait_strip(("31", "-3"))
        self.assertIn("Hi 31°", text)

        # 4. A stuck provider never holds up a page.
        self.fake.set("hang")
        deadline = time.monotonic() + 10
        while self.fake.hanging == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertGreater(self.fake.hanging, 0, "stet never asked the provider again")
        for _ in range(3):
            t0 = time.monotonic()
            r = self.client().get("/stories/" + self.slug, timeout=10)
            took = time.monotonic() - t0
            self.assertEqual(r.status, 200, r)
            got = strip(r.text)
            self.assertIsNotNone(got, "strip vanished while the provider hangs")
            self.assertEqual(got[:2], ("31", "-3"))
            if took > 2:
                print("note: page took %.1f s while the provider hangs" % took)
        self.assertEqual(self.client().get("/healthz", timeout=10).status, 200)
        self.fake.set("ok")


class WeatherFromEnv(ServerTest):
    fake = None

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeWeather(17.5, 4.4)
        cls.server_kwargs = {"env": {"STET_WEATHER_URL": cls.fake.url}}
        try:
            super().setUpClass()
        except BaseException:
            cls.fake.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.fake.close()

    def test_env_url_gives_strip(self):
        deadline = time.monotonic() + 10
        got = None
        while time.monotonic() < deadline:
            got = strip(self.client().get("/").text)
            if got:
                break
            time.sleep(0.2)
        self.assertIsNotNone(got, "no strip with STET_WEATHER_URL set")
        self.assertEqual(got[:2], ("18", "4"))


class NoWeather(ServerTest):
    def test_no_strip_without_config(self):
        slug = "dry-" + unique("s")
        self.server.add_story(slug)
        time.sleep(0.5)
        for path in ("/", "/stories/" + slug):
            r = self.client().get(path)
            self.assertEqual(r.status, 200)
            self.assertIsNone(strip(r.text))
            self.assertNotIn('class="weather"', r.text)

    def test_unreachable_provider_means_no_strip(self):
        # A provider that never answered: the page renders, without a strip.
        s = Server(config="[weather]\nurl=http://127.0.0.1:9/forecast\nrefresh=1\n")
        try:
            time.sleep(1.5)
            r = s.client().get("/")
            self.assertEqual(r.status, 200)
            self.assertIsNone(strip(r.text))
        finally:
            problem = s.stop()
        self.assertIsNone(problem, problem)


if __name__ == "__main__":
    unittest.main()
