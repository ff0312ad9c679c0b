"""Markdown's blow-up is bounded end to end (issue 8, item 6): a 10,000-character
comment of nested quotes, or of one long reference link used a thousand times, is
stored and served with at most MD_OUT_RATIO * input + MD_OUT_SLACK bytes of HTML,
still shows its text, and the server keeps answering."""

import unittest

from harness import ServerTest, parse_html, unique

# src/render/markdown.h
MD_OUT_RATIO = 8
MD_OUT_SLACK = 1024
MD_MAX_DEPTH = 32


class MarkdownBounds(ServerTest):
    @classmethod
    def prepare(cls):
        cls.slug = "md-bounds-" + unique("s")
        cls.server.add_story(cls.slug, title="Markdown Bounds")
        cls.user = unique("mdb")
        cls.server.add_user(cls.user)

    def post(self, body):
        """Posts `body` as a comment over the API; returns (client, comment json)."""
        c = self.client()
        token = self.token_for(self.user)
        r = c.post_json("/api/v1/stories/%s/comments" % self.slug, {"body": body}, token=token)
        self.assertEqual(r.status, 201, r)
        return c, r.json()["comment"]

    def assert_bounded(self, body, html):
        limit = MD_OUT_RATIO * len(body.encode()) + MD_OUT_SLACK
        self.assertLessEqual(len(html.encode()), limit,
                             "%d bytes of HTML from %d characters" % (len(html), len(body)))

    def assert_served_as_stored(self, c, comment):
        """The API list and the story page serve the HTML rendered at write time."""
        r = c.get("/api/v1/stories/%s/comments?limit=100" % self.slug)
        self.assertEqual(r.status, 200, r)
        listed = [x for x in r.json()["comments"] if x["id"] == comment["id"]]
        self.assertEqual(len(listed), 1, r)
        self.assertEqual(listed[0]["body_html"], comment["body_html"])
        page = c.get("/stories/%s" % self.slug)
        self.assertEqual(page.status, 200, page)
        self.assertIn(comment["body_html"].strip(), page.text)
        self.assertEqual(self.client().get("/healthz").status, 200)

    def test_quote_bomb_is_cut_at_the_depth_limit(self):
        body = "> " * 4999 + "a"
        self.assertEqual(len(body), 9999)
        c, com = self.post(body)
        html = com["body_html"]
        self.assert_bounded(body, html)
        self.assertEqual(html.count("<blockquote>"), MD_MAX_DEPTH)
        # The quotes past the limit are shown as text, to the last character.
        inner = parse_html(html).find_all("p")
        self.assertEqual(len(inner), 1)
        self.assertEqual(inner[0].text(), "> " * (4999 - MD_MAX_DEPTH) + "a")
        self.assert_served_as_stored(c, com)

    def test_reference_bomb_is_shown_as_plain_text(self):
        body = "[a]: https://" + "x" * 5000 + "\n\n" + "[a]" * 1600
        self.assertLessEqual(len(body), 10000)
        c, com = self.post(body)
        html = com["body_html"]
        self.assert_bounded(body, html)
        self.assertNotIn("<a ", html)
        paras = parse_html(html).find_all("p")
        self.assertEqual([p.text() for p in paras],
                         ["[a]: https://" + "x" * 5000, "[a]" * 1600])
        self.assert_served_as_stored(c, com)


if __name__ == "__main__":
    unittest.main()
