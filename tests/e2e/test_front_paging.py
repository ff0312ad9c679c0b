"""Every story is reachable from the site: the front page's older and newer pages
(keyset cursors in ?before= and ?after=), the archive's months with their story
counts and each month's stories, and 400/404 for cursors and months no link made."""

import datetime
import unittest
import urllib.parse

from harness import DEFAULT_PASSWORD, ServerTest, parse_html, unique

UTC = datetime.timezone.utc


def story_slugs(root):
    return [li.get("data-slug") for li in root.find_all("li", cls="story-item")]


def pager_link(root, cls):
    """The href of the pager's link of class `cls`, or None."""
    nav = root.find("nav", cls="pager")
    if nav is None:
        return None
    a = nav.find("a", cls=cls)
    return a.get("href") if a is not None else None


class PagingTest(ServerTest):
    def page(self, path, status=200):
        r = self.client().get(path)
        self.assertEqual(r.status, status, "%s: %r" % (path, r))
        return r, parse_html(r.text)

    def assertErrorPage(self, path, statuses):
        r = self.client().get(path)
        self.assertIn(r.status, statuses, "%s: %r" % (path, r))
        root = parse_html(r.text)
        self.assertIsNotNone(root.find("div", cls="error-page"), "%s: %s" % (path, r.text[:500]))
        self.assertTrue(r.header("Content-Type", "").startswith("text/html"), r)
        return r


class FrontPaging(PagingTest):
    """75 stories in May 2020, an hour apart, five of them at one instant so that a
    page boundary falls between stories with the same time."""

    N = 75

    @classmethod
    def prepare(cls):
        tag = unique("p")
        start = datetime.datetime(2020, 5, 1, 6, 0, tzinfo=UTC)
        cls.oldest_first = []
        for i in range(cls.N):
            # Stories 42..46 share one instant: the front page's first page ends at
            # the 30th newest, story 45, in the middle of them.
            hours = 42 if 42 <= i <= 46 else i
            when = start + datetime.timedelta(hours=hours)
            slug = "paged-%02d-%s" % (i, tag)
            cls.server.add_story(slug, title="Paged story %d" % i,
                                 published_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"))
            cls.oldest_first.append(slug)
        cls.newest_first = list(reversed(cls.oldest_first))

    def test_front_page_walk(self):
        r, root = self.page("/")
        self.assertEqual(story_slugs(root), self.newest_first[:30])
        self.assertIsNone(pager_link(root, "pager-newer"))
        older = pager_link(root, "pager-older")
        self.assertIsNotNone(older, "no Older stories link")
        self.assertEqual(root.find("a", cls="pager-older").norm_text(), "Older stories")
        # The front page and the layout's footer lead to the archive.
        hrefs = [a.get("href") for a in root.find_all("a")]
        self.assertGreaterEqual(hrefs.count("/archive"), 2, hrefs)
        self.assertIsNotNone(root.find("a", cls="footer-archive"))

        r, page2 = self.page(older)
        self.assertEqual(story_slugs(page2), self.newest_first[30:60])
        self.assertIn("Older stories", page2.find("h1").norm_text())
        newer2 = pager_link(page2, "pager-newer")
        older2 = pager_link(page2, "pager-older")
        self.assertIsNotNone(newer2)
        self.assertIsNotNone(older2)

        r, page3 = self.page(older2)
        self.assertEqual(story_slugs(page3), self.newest_first[60:75])
        self.assertIsNone(pager_link(page3, "pager-older"), "an Older link on the last page")
        newer3 = pager_link(page3, "pager-newer")
        self.assertIsNotNone(newer3)

        # Newer goes back the same way: page 3 -> page 2 -> the front page itself.
        r, back2 = self.page(newer3)
        self.assertEqual(story_slugs(back2), self.newest_first[30:60])
        self.assertEqual(pager_link(back2, "pager-older"), older2)
        r = self.client().get(pager_link(back2, "pager-newer"))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/")

        seen = story_slugs(root) + story_slugs(page2) + story_slugs(page3)
        self.assertEqual(sorted(seen), sorted(self.oldest_first))

    def test_month_page_oldest_first(self):
        r, root = self.page("/archive/2020/05")
        page = root.find("div", cls="archive-month-page")
        self.assertIsNotNone(page, r.text[:1000])
        self.assertEqual(page.get("data-month"), "2020-05")
        self.assertIn("May 2020", root.find("h1").norm_text())
        self.assertEqual(story_slugs(root), self.oldest_first[:50])
        self.assertIsNone(pager_link(root, "pager-older"))
        later = pager_link(root, "pager-newer")
        self.assertIsNotNone(later)
        r, rest = self.page(later)
        self.assertEqual(story_slugs(rest), self.oldest_first[50:])
        self.assertIsNone(pager_link(rest, "pager-newer"), "a Later link on the last page")
        earlier = pager_link(rest, "pager-older")
        r = self.client().get(earlier)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/archive/2020/05")
        # The archive counts them all under May 2020.
        r, arch = self.page("/archive")
        months = {li.get("data-month"): li for li in arch.find_all("li", cls="archive-month")}
        self.assertEqual(list(months), ["2020-05"])
        self.assertEqual(months["2020-05"].get("data-count"), str(self.N))
        self.assertEqual(months["2020-05"].find("a").get("href"), "/archive/2020/05")

    def test_bad_cursors(self):
        hostile = ["x", "1", "1.", ".1", "1.0", "1.-5", "..", "1.1.1", " 1.1", "1.1 ",
                   "0x10.1", "1e3.1", "+1.+1", "01.1", "1.01", "-0.1", "\uff11.\uff11",
                   "99999999999999999999.1", "1.99999999999999999999",
                   "-9223372036854775809.1", "9223372036854775807.9223372036854775807",
                   "253402300800.1", "-62167219201.1", "1" * 3000 + ".1"]
        for base in ("/", "/archive/2020/05"):
            for v in hostile:
                for name in ("before", "after"):
                    path = "%s?%s=%s" % (base, name, urllib.parse.quote(v, safe=""))
                    with self.subTest(path=path[:80]):
                        self.assertErrorPage(path, (400, 414))
            r = self.assertErrorPage(base + "?before=1.1&after=1.1", (400,))
        # A cursor no link made, but well-formed: a page past the end, not an error.
        r, root = self.page("/?before=-62167219200.1")
        self.assertEqual(story_slugs(root), [])
        self.assertIsNotNone(root.find("p", cls="stories-empty"))
        self.assertIsNotNone(pager_link(root, "pager-newer"))
        # Empty values are no cursor at all.
        r, root = self.page("/?before=&after=")
        self.assertEqual(story_slugs(root), self.newest_first[:30])

    def test_bad_months(self):
        for path in ("/archive/2020/13", "/archive/2020/00", "/archive/2020/5",
                     "/archive/20/05", "/archive/02020/05", "/archive/-202/05",
                     "/archive/abcd/05", "/archive/2020/ab", "/archive/2020/05x",
                     "/archive/%32%30%32%30/1%00", "/archive/2020/-1",
                     "/archive/99999999999999999999/05", "/archive/2020/99999999999999999999",
                     "/archive/2020", "/archive/2020/05/01"):
            with self.subTest(path=path):
                self.assertErrorPage(path, (404,))
        # Well-formed months without stories: no page of the archive links there.
        for path in ("/archive/2020/04", "/archive/2020/06", "/archive/0000/01",
                     "/archive/9999/12"):
            with self.subTest(path=path):
                self.assertErrorPage(path, (404,))
        for v in ("2020-13", "2020-00", "20-05", "2020/05", "x", "99999999999999-01",
                  "2020-5", "-001-01"):
            with self.subTest(before=v):
                self.assertErrorPage("/archive?before=" + urllib.parse.quote(v), (400,))
        r, root = self.page("/archive?before=0000-01")
        self.assertEqual(root.find_all("li", cls="archive-month"), [])


class ArchiveMonths(PagingTest):
    """Stories spread over months (boundaries, a leap day, an offset that moves a
    story into the previous UTC month, the first and last printable years), then
    more months than one archive page holds."""

    SPREAD = [
        ("0000-01-01T00:00:00Z", "0000-01"),
        ("1999-07-15T12:00:00Z", "1999-07"),
        ("2019-12-01T00:00:00Z", "2019-12"),
        ("2019-12-31T23:59:59Z", "2019-12"),
        ("2020-01-01T00:00:00Z", "2020-01"),
        ("2020-02-01T00:30:00+01:00", "2020-01"),  # 2020-01-31T23:30Z
        ("2020-02-29T12:00:00Z", "2020-02"),
        ("9999-12-31T23:59:59Z", "9999-12"),
    ]
    # 121 months of 2100-2110 with one story each: more than the 120 a page holds.
    MANY = [(2100 + i // 12, i % 12 + 1) for i in range(121)]

    @classmethod
    def prepare(cls):
        tag = unique("a")
        cls.by_month = {}
        for i, (when, month) in enumerate(cls.SPREAD):
            slug = "spread-%d-%s" % (i, tag)
            cls.server.add_story(slug, published_at=when)
            cls.by_month.setdefault(month, []).append(slug)
        cls.server.add_user("archivist", role="admin")
        c = cls.server.client()
        r = c.post_json("/api/v1/sessions", {"login": "archivist",
                                             "password": DEFAULT_PASSWORD})
        assert r.status == 201, r
        token = r.json()["token"]
        for y, m in cls.MANY:
            slug = "many-%04d-%02d-%s" % (y, m, tag)
            r = c.post_json("/api/v1/stories", {
                "slug": slug, "title": "Many %d/%d" % (y, m), "body": "x",
                "published_at": "%04d-%02d-10T10:00:00Z" % (y, m)}, token=token)
            assert r.status == 201, r
            cls.by_month.setdefault("%04d-%02d" % (y, m), []).append(slug)

    def archive_walk(self):
        """Every archive page from /archive on: [(month, count)] per page."""
        pages, path = [], "/archive"
        while path is not None:
            self.assertLess(len(pages), 5, "the archive's pages do not end")
            r, root = self.page(path)
            pages.append([(li.get("data-month"), int(li.get("data-count")))
                          for li in root.find_all("li", cls="archive-month")])
            if len(pages) > 1:
                self.assertEqual(pager_link(root, "pager-newer"), "/archive")
            path = pager_link(root, "pager-older")
        return pages

    def test_archive_months_and_counts(self):
        pages = self.archive_walk()
        self.assertEqual([len(p) for p in pages], [120, len(self.by_month) - 120])
        listed = [m for p in pages for m, _ in p]
        self.assertEqual(listed, sorted(self.by_month, reverse=True))
        counts = dict(m for p in pages for m in p)
        self.assertEqual(counts, {m: len(s) for m, s in self.by_month.items()})
        self.assertEqual(counts["2019-12"], 2)
        self.assertEqual(counts["2020-01"], 2)
        # Grouped under year headings, linked to the month pages.
        r, root = self.page(pager_link(self.page("/archive")[1], "pager-older"))
        years = [h.norm_text() for h in root.find_all("h2", cls="archive-year-heading")]
        self.assertEqual(years, [str(y) for y in sorted({int(m[:4]) for m, _ in pages[1]},
                                                      reverse=True)])
        links = {a.get("href") for a in root.find_all("a")}
        self.assertIn("/archive/2019/12", links)

    def test_month_pages(self):
        for month, slugs in self.by_month.items():
            if month.startswith("21"):
                continue
            with self.subTest(month=month):
                r, root = self.page("/archive/%s/%s" % (month[:4], month[5:]))
                self.assertEqual(sorted(story_slugs(root)), sorted(slugs))
        r, root = self.page("/archive/2019/12")
        self.assertEqual(story_slugs(root), self.by_month["2019-12"])  # oldest first
        for a in root.find_all("li", cls="story-item"):
            self.assertIsNotNone(a.find("span", cls="comment-count"))
        self.assertErrorPage("/archive/2019/11", (404,))
        self.assertErrorPage("/archive/2020/03", (404,))

    def test_front_page_with_far_dates(self):
        r, root = self.page("/")
        self.assertEqual(story_slugs(root)[0], self.by_month["9999-12"][0])
        seen, path = [], "/"
        while path is not None:
            self.assertLess(len(seen), 1000)
            r, root = self.page(path)
            seen += story_slugs(root)
            path = pager_link(root, "pager-older")
        self.assertEqual(sorted(seen), sorted(s for v in self.by_month.values() for s in v))


if __name__ == "__main__":
    unittest.main()
