"""The moderators' users page (issue 11, item 1), on both backends: search by
username prefix and paging, suspend for a time, ban, lift, an admin's role change,
what a moderator may not do, readers and visitors turned away with nothing changed;
the queue's and the comment page's link to the author; the audit entries of opening
and closing a story."""

import urllib.parse

from harness import ServerTest, parse_html, unique
from test_live import post_api
from test_moderation import sql

NO_LIMITS = "[limits]\ncomment_account = 0\ncomment_client = 0\nlogins_per_15min = 0\n"


class ModerationUsers(ServerTest):
    server_kwargs = {"config": NO_LIMITS}

    @classmethod
    def prepare(cls):
        cls.mod_name = unique("mod")
        cls.admin_name = unique("admin")
        cls.server.add_user(cls.mod_name, role="moderator")
        cls.server.add_user(cls.admin_name, role="admin")

    def web(self, name):
        c = self.client()
        r = c.login(name)
        self.assertEqual(r.status, 303, r)
        return c

    def reader(self):
        name = unique("rdr")
        self.server.add_user(name)
        return name

    def story(self):
        slug = unique("modu-")
        self.server.add_story(slug, title="Story " + slug)
        return slug

    def suspended_until(self, name):
        return sql(self.server, "SELECT COALESCE(suspended_until, 0) FROM users "
                                "WHERE username = '%s'" % name)[0]

    def role_of(self, name):
        return sql(self.server, "SELECT role FROM users WHERE username = '%s'" % name)[0]

    def audit_count(self):
        return int(sql(self.server, "SELECT COUNT(*) FROM audit_log")[0])

    def last_audit(self):
        return sql(self.server, "SELECT action || ' ' || target FROM audit_log "
                                "ORDER BY id DESC LIMIT 1")[0]

    def users_page(self, client, q):
        r = client.get("/moderation/users?q=" + urllib.parse.quote(q))
        self.assertEqual(r.status, 200, r)
        return parse_html(r.text)

    def item(self, root, name):
        return root.find("li", cls="mod-user", **{"data-username": name})

    # --- the list

    def test_search_is_a_prefix_in_any_case_and_pages(self):
        base = unique("Pg")
        rows = ", ".join(
            "('%s%02d', 'Name %d', '%s%02d@example.com', 'x', 'reader', %d, '%s%02d', '%s%02d@example.com')"
            % (base, i, i, base.lower(), i, 1700000000 + i, base.lower(), i, base.lower(), i)
            for i in range(55))
        sql(self.server, "INSERT INTO users (username, display_name, email, password_hash, role, "
                         "created_at, username_key, email_key) VALUES " + rows)
        mod = self.web(self.mod_name)
        root = self.users_page(mod, base.lower())
        names = [li.get("data-username") for li in root.find_all("li", cls="mod-user")]
        self.assertEqual(names, ["%s%02d" % (base, i) for i in range(54, 4, -1)])
        self.assertEqual(root.find("h1").norm_text(), "Users")
        self.assertEqual(root.by_id("user-q").get("value"), base.lower())
        self.assertEqual(root.find("a", href="/moderation/users").get("aria-current"), "page")
        older = root.find("a", cls="pager-older")
        r = mod.get(older.get("href"))
        self.assertEqual(r.status, 200, r)
        root = parse_html(r.text)
        names = [li.get("data-username") for li in root.find_all("li", cls="mod-user")]
        self.assertEqual(names, ["%s%02d" % (base, i) for i in range(4, -1, -1)])
        self.assertIsNone(root.find("a", cls="pager-older"))
        self.assertIsNotNone(root.find("a", cls="pager-newer"))
        # One name whole; nothing for what no username holds; everyone, newest first.
        self.assertEqual(len(self.users_page(mod, base + "07").find_all("li", cls="mod-user")), 1)
        root = self.users_page(mod, "no@such")
        self.assertEqual(root.find_all("li", cls="mod-user"), [])
        self.assertIsNotNone(root.find(cls="mod-empty"))
        everyone = self.users_page(mod, "").find_all("li", cls="mod-user")
        self.assertEqual(everyone[0].get("data-username"), "%s54" % base)
        self.assertEqual(mod.get("/moderation/users?cursor=x").status, 400)

    # --- suspend, lift, ban

    def test_suspend_blocks_posting_and_lift_restores_it(self):
        name = self.reader()
        token = self.token_for(name)
        slug = self.story()
        mod = self.web(self.mod_name)
        page = "/moderation/users?q=" + name
        r = mod.submit(page, "/moderation/users/%s/suspension" % name,
                       {"duration": "7d", "reason": "Flame war <again>"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), page)
        self.assertNotEqual(self.suspended_until(name), "0")
        self.assertEqual(self.last_audit(), "user.suspend user:" + name)
        root = parse_html(mod.get(page).text)
        self.assertIn("The account was suspended.", root.by_id("flash").norm_text())
        status = self.item(root, name).find(cls="mod-user-status").norm_text()
        self.assertTrue(status.startswith("Suspended until"), status)
        self.assertIn("Flame war <again>", status)
        r = self.client().post_json("/api/v1/stories/%s/comments" % slug, {"body": "hi"},
                                    token=token)
        self.assertEqual(r.status, 403, r)

        r = mod.submit(page, "/moderation/users/%s/suspension/delete" % name, {})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.suspended_until(name), "0")
        self.assertEqual(self.last_audit(), "user.unsuspend user:" + name)
        root = parse_html(mod.get(page).text)
        self.assertIn("The suspension was lifted.", root.by_id("flash").norm_text())
        self.assertEqual(self.item(root, name).find(cls="mod-user-status").norm_text(), "Active")
        self.assertIsNone(root.find("form", action="/moderation/users/%s/suspension/delete" % name))
        post_api(self, self.server, slug, token, "back again")

    def test_ban_needs_a_reason_and_next_stays_local(self):
        name = self.reader()
        mod = self.web(self.mod_name)
        page = "/moderation/users?q=" + name
        before = self.audit_count()
        r = mod.submit(page, "/moderation/users/%s/suspension" % name,
                       {"duration": "ban", "reason": "   "})
        self.assertEqual(r.status, 422, r)
        root = parse_html(r.text)
        self.assertEqual(root.find(cls="form-error").get("role"), "alert")
        self.assertEqual(root.by_id("form-error").get("tabindex"), "-1")
        self.assertEqual(root.by_id("reason-" + name).get("aria-invalid"), "true")
        chosen = root.by_id("duration-" + name).find("option", selected="")
        self.assertEqual(chosen.get("value"), "ban")
        r = mod.submit(page, "/moderation/users/%s/suspension" % name,
                       {"duration": "forever", "reason": "x"})
        self.assertEqual(r.status, 422, r)
        self.assertIn("Choose how long the suspension lasts.", r.text)
        self.assertEqual(self.suspended_until(name), "0")
        self.assertEqual(self.audit_count(), before)

        r = mod.submit(page, "/moderation/users/%s/suspension" % name,
                       {"duration": "ban", "reason": "Spam", "next": "//evil.example/"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/moderation/users")
        self.assertEqual(self.last_audit(), "user.ban user:" + name)
        root = parse_html(mod.get(page).text)
        self.assertEqual(self.item(root, name).find(cls="mod-user-status").norm_text(),
                         "Banned: Spam")
        self.assertIn("Lift the ban", root.find("form", cls="mod-unsuspend").norm_text())
        r = mod.post_form("/moderation/users/nobody-at-all/suspension",
                          {"csrf": mod.csrf("/"), "duration": "1d", "reason": "x"})
        self.assertEqual(r.status, 404, r)

    # --- roles and who may act on whom

    def test_admin_changes_a_role(self):
        name = self.reader()
        admin = self.web(self.admin_name)
        page = "/moderation/users?q=" + name
        r = admin.submit(page, "/moderation/users/%s/role" % name, {"role": "moderator"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.role_of(name), "moderator")
        self.assertEqual(self.last_audit(), "user.role user:" + name)
        root = parse_html(admin.get(page).text)
        self.assertIn("The role was changed.", root.by_id("flash").norm_text())
        self.assertEqual(self.item(root, name).find(cls="mod-user-role").norm_text(), "moderator")
        # An admin's own account offers no role form and no suspension.
        own = self.item(self.users_page(admin, self.admin_name), self.admin_name)
        self.assertEqual(own.find_all("form"), [])

    def test_moderator_may_not_change_roles_or_suspend_staff(self):
        name = self.reader()
        mod = self.web(self.mod_name)
        root = self.users_page(mod, name)
        self.assertIsNone(root.find("form", cls="mod-role"))
        self.assertIsNone(self.item(self.users_page(mod, self.admin_name), self.admin_name)
                          .find("form", cls="mod-suspend"))
        before = self.audit_count()
        csrf = mod.csrf("/")
        r = mod.post_form("/moderation/users/%s/role" % name, {"csrf": csrf, "role": "admin"})
        self.assertEqual(r.status, 403, r)
        self.assertIn("Only an admin can do that.", parse_html(r.text).find(cls="form-error")
                      .norm_text())
        r = mod.post_form("/moderation/users/%s/suspension" % self.admin_name,
                          {"csrf": csrf, "duration": "1d", "reason": "coup"})
        self.assertEqual(r.status, 403, r)
        root = parse_html(r.text)
        self.assertIn("An admin cannot be suspended.", root.find(cls="form-error").norm_text())
        self.assertEqual(root.by_id("reason-" + self.admin_name), None)
        self.assertEqual(self.role_of(name), "reader")
        self.assertEqual(self.suspended_until(self.admin_name), "0")
        self.assertEqual(self.audit_count(), before)

    def test_readers_and_visitors_get_403_and_nothing_changes(self):
        name = self.reader()
        other = self.reader()
        reader = self.web(name)
        anon = self.client()
        before = self.audit_count()
        for client, who in ((reader, "reader"), (anon, "anonymous")):
            r = client.get("/moderation/users?q=" + other)
            self.assertEqual(r.status, 403, (who, r))
            root = parse_html(r.text)
            self.assertEqual(root.find("h1").norm_text(), "Moderators only")
            prompt = root.find("p", cls="login-prompt")
            if who == "anonymous":
                self.assertEqual(prompt.find("a").get("href"), "/login?next=" + urllib.parse.quote(
                    "/moderation/users?q=" + other, safe=""))
            else:
                self.assertIsNone(prompt)
            csrf = client.csrf("/login") if who == "anonymous" else client.csrf("/")
            for path, fields in (("suspension", {"duration": "ban", "reason": "x"}),
                                 ("suspension/delete", {}), ("role", {"role": "admin"})):
                fields = dict(fields, csrf=csrf)
                r = client.post_form("/moderation/users/%s/%s" % (other, path), fields)
                self.assertEqual(r.status, 403, (who, path, r))
        self.assertEqual(self.suspended_until(other), "0")
        self.assertEqual(self.role_of(other), "reader")
        self.assertEqual(self.audit_count(), before)

    # --- links into the users page, and the story's audit entries

    def test_queue_and_comment_page_link_to_the_author(self):
        name = self.reader()
        slug = self.story()
        c = post_api(self, self.server, slug, self.token_for(name), unique("words "))
        sql(self.server, "UPDATE comments SET report_count = 1 WHERE id = %d" % c["id"])
        mod = self.web(self.mod_name)
        href = "/moderation/users?q=" + name
        path = "/moderation"
        while True:
            root = parse_html(mod.get(path).text)
            item = root.by_id("mod-comment-%d" % c["id"])
            newer = root.find("a", cls="pager-newer")
            if item is not None or newer is None:
                break
            path = newer.get("href")
        self.assertEqual(item.find("a", cls="mod-ban-author").get("href"), href)
        root = parse_html(mod.get("/moderation/comments/%d" % c["id"]).text)
        self.assertEqual(root.find("a", cls="mod-ban-author").get("href"), href)
        self.assertIsNotNone(self.item(parse_html(mod.get(href).text), name))

    def test_open_and_close_are_audited(self):
        slug = self.story()
        mod = self.web(self.mod_name)
        csrf = mod.csrf("/")
        r = mod.post_form("/stories/%s/close" % slug, {"csrf": csrf})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.last_audit(), "story.close story:" + slug)
        r = mod.post_form("/stories/%s/open" % slug, {"csrf": csrf})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.last_audit(), "story.open story:" + slug)
        admin = self.web(self.admin_name)
        row = parse_html(admin.get("/moderation/audit").text).find("tr", cls="audit-entry")
        self.assertEqual(row.find(cls="audit-action").norm_text(), "story.open")
        self.assertIn("story:" + slug, row.norm_text())
