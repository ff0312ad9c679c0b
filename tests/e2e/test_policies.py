"""Comment policies (issue 11), on both backends: banned words (whole words,
any case, beyond ASCII; hold or reject), the link limit, the minimum account age and
pre-moderation (all, or a new account's first comments). A held post answers 201
with status held, is absent from the anonymous page and the count, waits in the
moderation queue with its reason (API and web page) and is shown to its author; a
refused one is a 422 and stores nothing; staff are exempt; an edit meets the same
text rules."""

from harness import ServerTest, parse_html, unique
from test_comment_flows import path_of
from test_moderation import shows, sql

NO_LIMITS = "[limits]\ncomment_account = 0\ncomment_client = 0\n"


class PolicyTest(ServerTest):
    @classmethod
    def prepare(cls):
        cls.mod_name = unique("mod")
        cls.server.add_user(cls.mod_name, role="moderator")
        cls.reader_name = unique("reader")
        cls.server.add_user(cls.reader_name)

    def setUp(self):
        super().setUp()
        self.mod = self.token_for(self.mod_name)
        self.reader = self.token_for(self.reader_name)

    def story(self):
        slug = unique("pol-")
        self.server.add_story(slug)
        return slug

    def post(self, slug, body, token=None):
        return self.client().post_json("/api/v1/stories/%s/comments" % slug, {"body": body},
                                       token=token or self.reader)

    def posted(self, slug, body, token=None):
        r = self.post(slug, body, token)
        self.assertEqual(r.status, 201, r)
        return r.json()["comment"]

    def queue_entry(self, cid):
        r = self.client().get("/api/v1/moderation/queue?sort=newest&limit=100", token=self.mod)
        self.assertEqual(r.status, 200, r)
        found = [q for q in r.json()["comments"] if q["id"] == cid]
        return found[0] if found else None

    def assert_held(self, slug, c, reason):
        self.assertEqual(c["status"], "held", c)
        self.assertFalse(shows(self.server, slug, c["id"]))
        entry = self.queue_entry(c["id"])
        self.assertIsNotNone(entry, "held comment %d is not in the queue" % c["id"])
        self.assertEqual(entry["reasons"], ["held", reason], entry)

    def assert_visible(self, slug, c):
        self.assertEqual(c["status"], "visible", c)
        self.assertTrue(shows(self.server, slug, c["id"]))


class BannedWordsHeld(PolicyTest):
    server_kwargs = {"config": NO_LIMITS + "[comments]\n"
                     "banned_words = spam, cheap pills, ÉCOLE, Straße\nmax_links = 2\n"}

    def test_a_banned_word_holds_the_post_for_a_moderator(self):
        slug = self.story()
        c = self.posted(slug, "Buy SPAM today!")
        self.assert_held(slug, c, "policy: banned word")
        r = self.client().get("/api/v1/counts?stories=" + slug)
        self.assertEqual(r.json()["counts"][slug], 0, r)
        # Its author sees it, marked held; the anonymous list does not have it.
        mine = self.client().get("/api/v1/stories/%s/comments" % slug, token=self.reader)
        self.assertEqual([(x["id"], x["status"]) for x in mine.json()["comments"]],
                         [(c["id"], "held")])
        anon = self.client().get("/api/v1/stories/%s/comments" % slug)
        self.assertEqual(anon.json()["comments"], [])

    def test_the_web_queue_shows_the_reason(self):
        slug = self.story()
        c = self.posted(slug, "cheap\npills, anyone?")
        web = self.client()
        web.login(self.mod_name)
        page = web.get("/moderation")
        self.assertEqual(page.status, 200, page)
        item = parse_html(page.text).by_id("mod-comment-%d" % c["id"])
        self.assertIsNotNone(item, page.text[:2000])
        self.assertIn("Held (policy: banned word)", item.norm_text())

    def test_whole_words_any_case_beyond_ascii(self):
        slug = self.story()
        self.assert_held(slug, self.posted(slug, "une école fermée"), "policy: banned word")
        self.assert_held(slug, self.posted(slug, "DIE STRASSE"), "policy: banned word")
        self.assert_visible(slug, self.posted(slug, "les écoles et le spammer"))

    def test_more_links_than_allowed_hold_the_post(self):
        slug = self.story()
        self.assert_visible(slug, self.posted(slug, "see https://a.test and [b](https://b.test)"))
        c = self.posted(slug, "https://a.test [b](https://b.test) www.c.test")
        self.assert_held(slug, c, "policy: too many links")

    def test_staff_are_exempt(self):
        slug = self.story()
        self.assert_visible(slug, self.posted(slug, "spam https://a.test https://b.test "
                                                    "https://c.test", token=self.mod))

    def test_an_edit_that_adds_a_banned_word_is_held(self):
        slug = self.story()
        c = self.posted(slug, "a clean comment")
        self.assert_visible(slug, c)
        r = self.client().post_json("/api/v1/comments/%d" % c["id"], {"body": "now spam"},
                                    method="PATCH", token=self.reader)
        self.assertEqual(r.status, 200, r)
        self.assert_held(slug, r.json()["comment"], "policy: banned word")
        self.assertEqual(sql(self.server, "SELECT status FROM comments WHERE id = %d" % c["id"]),
                         ["held"])


class BannedWordsRejected(PolicyTest):
    server_kwargs = {"config": NO_LIMITS + "[comments]\nbanned_words = spam\n"
                     "banned_action = reject\n"}

    def test_a_banned_word_is_refused_and_nothing_stored(self):
        slug = self.story()
        body = "Some Spam here " + unique("x")
        r = self.post(slug, body)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["error"]["field"], "body", r.json())
        self.assertIn("spam", r.json()["error"]["message"])
        self.assertEqual(sql(self.server, "SELECT count(*) FROM comments WHERE body_src = '%s'"
                             % body), ["0"])
        self.assert_visible(slug, self.posted(slug, "no such word"))


class PremoderateAll(PolicyTest):
    server_kwargs = {"config": NO_LIMITS + "[comments]\npremoderate = all\n"}

    def test_every_reader_comment_waits(self):
        slug = self.story()
        self.assert_held(slug, self.posted(slug, "hello"), "policy: pre-moderation")
        self.assert_held(slug, self.posted(slug, "hello again"), "policy: pre-moderation")
        self.assert_visible(slug, self.posted(slug, "staff note", token=self.mod))

    def test_the_form_says_the_comment_waits(self):
        # Posted through the page, a held comment must not be announced as posted:
        # the reader would look for it and not find it.
        slug = self.story()
        c = self.client()
        self.assertEqual(c.login(self.reader_name).status, 303)
        r = c.submit("/stories/" + slug, "comment-form", {"body": "through the form"})
        self.assertEqual(r.status, 303, r)
        page = c.get(path_of(r, self.server).split("#")[0])
        self.assertIn("A moderator will read it before it is shown.", page.text)
        self.assertNotIn("Your comment was posted.", page.text)


class PremoderateNew(PolicyTest):
    server_kwargs = {"config": NO_LIMITS + "[comments]\npremoderate = new\n"
                     "premoderate_first = 1\n"}

    def test_held_until_one_comment_was_approved(self):
        slug = self.story()
        first = self.posted(slug, "my first comment")
        self.assert_held(slug, first, "policy: first comments")
        self.assert_held(slug, self.posted(slug, "and a second"), "policy: first comments")
        r = self.client().post_json("/api/v1/comments/%d/approve" % first["id"], {},
                                    token=self.mod)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(self.queue_entry(first["id"]))
        self.assert_visible(slug, self.posted(slug, "now trusted"))


class MinimumAccountAge(PolicyTest):
    server_kwargs = {"config": NO_LIMITS + "[comments]\nmin_account_age = 3600\n"}

    def test_a_young_account_waits(self):
        slug = self.story()
        self.assert_held(slug, self.posted(slug, "hi"), "policy: new account")
        self.assert_visible(slug, self.posted(slug, "hi from staff", token=self.mod))
