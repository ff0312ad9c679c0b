"""PATCH /api/v1/stories/SLUG (SPEC 5, "Moderation and a reader's own comments"): a
moderator opens or closes a story's comments, an admin also changes its title,
byline and body. The cached page and its ETag follow, the change is audited in the
same transaction, and a refused or invalid patch changes nothing, on both backends."""

from harness import ServerTest, parse_html, unique
from test_moderation import page, sql


class StoryEdit(ServerTest):
    @classmethod
    def prepare(cls):
        cls.mod_name, cls.admin_name, cls.reader_name = unique("mod"), unique("adm"), unique("rdr")
        cls.server.add_user(cls.mod_name, role="moderator")
        cls.server.add_user(cls.admin_name, role="admin")
        cls.server.add_user(cls.reader_name)

    def setUp(self):
        super().setUp()
        self.mod = self.token_for(self.mod_name)
        self.admin = self.token_for(self.admin_name)
        self.reader = self.token_for(self.reader_name)

    def story(self):
        slug = unique("edit-")
        self.server.add_story(slug, title="The first title", body="The first body.")
        return slug

    def patch(self, slug, body, token):
        return self.client().post_json("/api/v1/stories/" + slug, body, method="PATCH",
                                       token=token)

    def row(self, slug):
        return sql(self.server, "SELECT title || '|' || byline || '|' || body_src || '|' || "
                                "CAST(comments_open AS INTEGER) || '|' || content_version "
                                "FROM stories WHERE slug = '%s'" % slug)[0]

    def audit(self, slug):
        return sql(self.server, "SELECT a.action || '|' || COALESCE(u.username, '') || '|' || "
                                "a.note FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id "
                                "WHERE a.target = 'story:%s' ORDER BY a.id" % slug)

    def test_moderator_closes_and_opens_comments(self):
        slug = self.story()
        before = page(self.server, slug)
        r = self.patch(slug, {"comments_open": False}, self.mod)
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json()["story"]["comments_open"], False)
        after = page(self.server, slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(after.status, 200)
        self.assertIsNotNone(parse_html(after.text).find("p", cls="comments-closed"))
        self.assertEqual(self.patch(slug, {"comments_open": True}, self.mod).status, 200)
        self.assertEqual(self.audit(slug), ["story.close|%s|" % self.mod_name,
                                            "story.open|%s|" % self.mod_name])
        # The same value again changes nothing and writes nothing.
        version = self.row(slug)
        self.assertEqual(self.patch(slug, {"comments_open": True}, self.mod).status, 200)
        self.assertEqual(self.row(slug), version)
        self.assertEqual(len(self.audit(slug)), 2)

    def test_admin_edits_the_text_and_the_page_follows(self):
        slug = self.story()
        before = page(self.server, slug)
        r = self.patch(slug, {"title": "A better title", "body": "A *new* body.",
                              "byline": "By the desk"}, self.admin)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["story"]["title"], "A better title")
        after = page(self.server, slug, {"If-None-Match": before.header("ETag")})
        self.assertEqual(after.status, 200)
        self.assertIn("A better title", after.text)
        self.assertIn("<em>new</em>", after.text)
        self.assertEqual(self.audit(slug), ["story.edit|%s|title, byline, body" % self.admin_name])

    def test_who_may_do_what(self):
        slug = self.story()
        version = self.row(slug)
        r = self.patch(slug, {"title": "Moderators do not write headlines"}, self.mod)
        self.assertEqual(r.status, 403, r)
        r = self.patch(slug, {"comments_open": False}, self.reader)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"]["code"], "forbidden")
        r = self.client().post_json("/api/v1/stories/" + slug, {"comments_open": False},
                                    method="PATCH")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(self.row(slug), version)
        self.assertEqual(self.audit(slug), [])

    def test_bad_patches_change_nothing(self):
        slug = self.story()
        version = self.row(slug)
        for body, field in (({"title": ""}, "title"), ({"title": "x" * 1000}, "title"),
                            ({"title": "two\nlines"}, "title"), ({"comments_open": "no"},
                                                                 "comments_open"),
                            ({"title": 7}, "title")):
            r = self.patch(slug, body, self.admin)
            self.assertIn(r.status, (400, 422), (body, r))
            self.assertEqual(r.json()["error"].get("field"), field, (body, r.json()))
        self.assertEqual(self.patch(slug, [], self.admin).status, 400)
        self.assertEqual(self.patch("no-such-" + slug, {"comments_open": False},
                                    self.mod).status, 404)
        self.assertEqual(self.row(slug), version)
        self.assertEqual(self.audit(slug), [])
