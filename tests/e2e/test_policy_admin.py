"""Comment policies editable by admins (issue 11), on both backends: the admins'
page /moderation/policies (every policy with its value and where it comes from; a
change applies to the next post; banned words edited in a textarea; a refused value
is shown again with what was typed, 422, and nothing is stored; going back to the
configuration file's value), the JSON API GET/PATCH /api/v1/policies (all or
nothing, null resets), the audit entries, and that moderators, readers and visitors
are turned away without changing anything. On PostgreSQL a change made on node A
applies to the next post on node B."""

from harness import IS_POSTGRES, TwoNodeTest, ServerTest, eventually, parse_html, unique
from test_moderation import sql

NO_LIMITS = "[limits]\ncomment_account = 0\ncomment_client = 0\n"
PAGE = "/moderation/policies"


class AdminPolicies(ServerTest):
    server_kwargs = {"config": NO_LIMITS + "[comments]\nmax_links = 5\n"}

    @classmethod
    def prepare(cls):
        cls.admin_name = unique("admin")
        cls.mod_name = unique("mod")
        cls.reader_name = unique("reader")
        cls.server.add_user(cls.admin_name, role="admin")
        cls.server.add_user(cls.mod_name, role="moderator")
        cls.server.add_user(cls.reader_name)

    def setUp(self):
        super().setUp()
        self.admin = self.token_for(self.admin_name)
        self.mod = self.token_for(self.mod_name)
        self.reader = self.token_for(self.reader_name)
        # Every test starts from the configuration file's values (through the API, so
        # the server's memo follows at once).
        r = self.client().post_json(
            "/api/v1/policies", {name: None for name in self.policies()}, method="PATCH",
            token=self.admin)
        self.assertEqual(r.status, 200, r)

    def policies(self, token=None):
        r = self.client().get("/api/v1/policies", token=token or self.admin)
        self.assertEqual(r.status, 200, r)
        return r.json()["policies"]

    def admin_web(self):
        c = self.client()
        r = c.login(self.admin_name)
        self.assertEqual(r.status, 303, r)
        return c

    def post(self, body, server=None):
        slug = unique("pa-")
        (server or self.server).add_story(slug)
        r = (server or self.server).client().post_json(
            "/api/v1/stories/%s/comments" % slug, {"body": body}, token=self.reader)
        return r

    def status_of(self, body, server=None):
        r = self.post(body, server)
        self.assertEqual(r.status, 201, r)
        return r.json()["comment"]["status"]

    def stored(self):
        # Line ends shown as "|": psql prints a row per line.
        return sql(self.server, "SELECT key || '=' || replace(value, '\n', '|') "
                                "FROM site_settings ORDER BY key")

    def audit_notes(self):
        return sql(self.server, "SELECT note FROM audit_log WHERE action = 'policy.change' "
                                "ORDER BY id")

    def test_premoderate_all_on_the_page_holds_the_next_post(self):
        web = self.admin_web()
        r = web.get(PAGE)
        self.assertEqual(r.status, 200, r)
        root = parse_html(r.text)
        box = root.find(cls="mod-policy", **{"data-policy": "premoderate"})
        self.assertIn("From the configuration file", box.norm_text())
        self.assertEqual(self.status_of("before the change"), "visible")
        n_audit = len(self.audit_notes())

        r = web.submit(PAGE, PAGE, {"premoderate": "all"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), PAGE)
        r = web.get(PAGE)
        self.assertIn("The policies were saved", parse_html(r.text).by_id("flash").norm_text())
        box = parse_html(r.text).find(cls="mod-policy", **{"data-policy": "premoderate"})
        self.assertIn("Changed by %s" % self.admin_name, box.norm_text())
        # Only what was edited is stored, and it is audited.
        self.assertEqual(self.stored(), ["premoderate=all"])
        self.assertEqual(self.audit_notes()[n_audit:], ["premoderate: none → all"])

        r = self.post("after the change")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["comment"]["status"], "held")
        # The reset box goes back to the file's value.
        r = web.submit(PAGE, PAGE, {"reset_premoderate": "1"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.stored(), [])
        self.assertEqual(self.status_of("after the reset"), "visible")

    def test_banned_words_edited_on_the_page_apply(self):
        web = self.admin_web()
        self.assertEqual(self.status_of("Buy now, cheap!"), "visible")
        r = web.submit(PAGE, PAGE, {"banned_words": "spam\n  buy now  \n\nÉcole",
                                    "banned_action": "reject"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.policies()["banned_words"]["value"], "spam\nbuy now\nÉcole")
        r = self.post("Buy NOW, cheap!")
        self.assertEqual(r.status, 422, r)
        r = self.post("an école near you")
        self.assertEqual(r.status, 422, r)
        self.assertEqual(self.status_of("nothing to see"), "visible")
        # The textarea shows them one per line.
        root = parse_html(web.get(PAGE).text)
        self.assertEqual(root.by_id("policy-banned_words").text(), "spam\nbuy now\nÉcole")

    def test_a_refused_value_is_shown_again_and_nothing_is_stored(self):
        web = self.admin_web()
        r = web.submit(PAGE, PAGE, {"premoderate": "all", "max_links": "lots",
                                    "banned_words": "keep me"})
        self.assertEqual(r.status, 422, r)
        root = parse_html(r.text)
        self.assertIn("max_links is not a number", root.by_id("form-error").norm_text())
        self.assertEqual(root.by_id("policy-max_links").get("value"), "lots")
        self.assertEqual(root.by_id("policy-max_links").get("aria-invalid"), "true")
        self.assertEqual(root.by_id("policy-banned_words").text(), "keep me")
        self.assertEqual(self.stored(), [])
        self.assertEqual(self.status_of("still visible"), "visible")
        # More banned words than the bound: refused whole.
        many = "\n".join("word%d" % i for i in range(501))
        r = web.submit(PAGE, PAGE, {"banned_words": many})
        self.assertEqual(r.status, 422, r)
        self.assertIn("more than 500 entries", parse_html(r.text).by_id("form-error").norm_text())
        self.assertEqual(self.stored(), [])

    def test_the_api_round_trip(self):
        p = self.policies()
        self.assertEqual(p["max_links"], {"value": 5, "source": "config", "config_value": 5})
        self.assertEqual(p["premoderate"]["value"], "none")
        self.assertEqual(set(p), {"premoderate", "premoderate_first", "banned_words",
                                  "banned_action", "max_links", "min_account_age"})
        r = self.client().post_json("/api/v1/policies",
                                    {"max_links": 1, "banned_words": "eggs, ham"},
                                    method="PATCH", token=self.admin)
        self.assertEqual(r.status, 200, r)
        p = r.json()["policies"]
        self.assertEqual(p["max_links"]["value"], 1)
        self.assertEqual(p["max_links"]["source"], "admin")
        self.assertEqual(p["max_links"]["changed_by"], self.admin_name)
        self.assertIsInstance(p["max_links"]["changed_at"], int)
        self.assertEqual(p["banned_words"]["value"], "eggs\nham")
        self.assertEqual(self.status_of("[a](http://a.example) [b](http://b.example)"), "held")
        # All or nothing: the bad value names its field and nothing is stored.
        r = self.client().post_json("/api/v1/policies",
                                    {"premoderate": "all", "max_links": "lots"},
                                    method="PATCH", token=self.admin)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["error"]["field"], "max_links")
        self.assertEqual(self.policies()["premoderate"]["value"], "none")
        r = self.client().post_json("/api/v1/policies", {"no_such_policy": 1},
                                    method="PATCH", token=self.admin)
        self.assertEqual(r.status, 422, r)
        # null goes back to the file's value.
        r = self.client().post_json("/api/v1/policies", {"max_links": None},
                                    method="PATCH", token=self.admin)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["policies"]["max_links"],
                         {"value": 5, "source": "config", "config_value": 5})
        self.assertEqual(self.stored(), ["banned_words=eggs|ham"])

    def test_no_one_else_may_read_or_change_them(self):
        before_audit = self.audit_notes()
        for token, status in ((self.mod, 403), (self.reader, 403), (None, 401)):
            r = self.client().get("/api/v1/policies", token=token)
            self.assertEqual(r.status, status, r)
            r = self.client().post_json("/api/v1/policies", {"premoderate": "all"},
                                        method="PATCH", token=token)
            self.assertEqual(r.status, status, r)
        for name in (self.mod_name, self.reader_name, None):
            c = self.client()
            if name is not None:
                self.assertEqual(c.login(name).status, 303)
            r = c.get(PAGE)
            self.assertEqual(r.status, 403, r)
            if name is None:
                self.assertIsNotNone(parse_html(r.text).find("a", href="/login?next=%2Fmoderation%2Fpolicies"), r.text)
            r = c.post_form(PAGE, {"csrf": c.csrf(), "premoderate": "all"})
            self.assertEqual(r.status, 403, r)
        self.assertEqual(self.stored(), [])
        self.assertEqual(self.audit_notes(), before_audit)
        self.assertEqual(self.status_of("still visible"), "visible")

    def test_the_nav_lists_the_page_for_admins_only(self):
        web = self.admin_web()
        nav = parse_html(web.get("/moderation").text).find("nav", cls="mod-nav")
        self.assertIsNotNone(nav.find("a", href=PAGE))
        mod = self.client()
        self.assertEqual(mod.login(self.mod_name).status, 303)
        nav = parse_html(mod.get("/moderation").text).find("nav", cls="mod-nav")
        self.assertIsNone(nav.find("a", href=PAGE))


class PoliciesAcrossNodes(TwoNodeTest):
    """A change on node A applies to the next post on node B (two nodes on
    PostgreSQL; on SQLite node B is node A)."""

    two_nodes = IS_POSTGRES
    server_kwargs = {"config": NO_LIMITS}

    @classmethod
    def prepare(cls):
        cls.admin_name = unique("admin")
        cls.reader_name = unique("reader")
        cls.server.add_user(cls.admin_name, role="admin")
        cls.server.add_user(cls.reader_name)

    def post_on_b(self, token):
        slug = unique("pn-")
        self.server.add_story(slug)
        r = self.client_b().post_json("/api/v1/stories/%s/comments" % slug,
                                      {"body": "hello from B"}, token=token)
        self.assertEqual(r.status, 201, r)
        return r.json()["comment"]["status"]

    def test_a_change_on_a_applies_on_b(self):
        admin = self.token_for(self.admin_name)
        reader = self.token_for(self.reader_name)
        # B has read the settings (and memoized them) before the change.
        self.assertEqual(self.post_on_b(reader), "visible")
        r = self.client().post_json("/api/v1/policies", {"premoderate": "all"},
                                    method="PATCH", token=admin)
        self.assertEqual(r.status, 200, r)
        # B hears of the change by NOTIFY a moment after the commit.
        eventually(lambda: self.post_on_b(reader) == "held", "node B holds the post")
        r = self.client_b().get("/api/v1/policies", token=admin)
        self.assertEqual(r.json()["policies"]["premoderate"]["source"], "admin")
