"""A reader's own held comments on the story page (issue 11, item 6), on both
backends: the page of their author lists them beside the comment form, marked
"awaiting moderation" with Edit and Delete, outside the shared cached fragment;
nobody else sees them, and the anonymous page (its bytes and ETag) does not change
when one is posted. A held post lands on its entry; an entry leaves the block once
a moderator approves it (it is then in the thread) or rejects it, or its author
deletes it."""

from harness import ServerTest, parse_html, unique
from test_cache import page, session_token
from test_comment_actions import NO_LOGIN_LIMITS
from test_comment_edit import NO_LIMITS


class OwnHeldComments(ServerTest):
    server_kwargs = {"config": NO_LIMITS + NO_LOGIN_LIMITS + "[comments]\npremoderate = all\n"}

    @classmethod
    def prepare(cls):
        cls.anna, cls.bob, cls.mod = unique("anna"), unique("bob"), unique("mod")
        cls.server.add_user(cls.anna)
        cls.server.add_user(cls.bob)
        cls.server.add_user(cls.mod, role="moderator")
        cls.mod_token = session_token(cls.server, cls.mod)

    def story(self):
        slug = unique("held-")
        self.server.add_story(slug, title="Held story")
        return slug

    def logged_in(self, who):
        c = self.client()
        r = c.login(who)
        self.assertEqual(r.status, 303, r)
        return c

    def post_held(self, client, slug, body):
        """Posts through the story page's form; returns the comment id and the 303."""
        r = client.submit("/stories/" + slug, "comment-form", {"body": body})
        self.assertEqual(r.status, 303, r)
        held = [int(i) for i in self.block_ids(client, slug)]
        self.assertTrue(held, "no held comment in the block after posting")
        return max(held), r

    def block(self, client, slug):
        r = client.get("/stories/" + slug)
        self.assertEqual(r.status, 200, r)
        root = parse_html(r.text)
        return root, root.by_id("your-held")

    def block_ids(self, client, slug):
        _, block = self.block(client, slug)
        if block is None:
            return []
        return [li.get("data-id") for li in block.find_all("li", cls="own-held-item")]

    def decide(self, cid, action):
        r = self.client().post_json("/api/v1/comments/%d/%s" % (cid, action), {},
                                    token=self.mod_token)
        self.assertEqual(r.status, 200, r)

    def test_the_author_sees_it_marked_beside_the_form_and_lands_on_it(self):
        slug = self.story()
        anna = self.logged_in(self.anna)
        cid, r = self.post_held(anna, slug, "Waiting for *a* moderator.")
        self.assertEqual(r.header("Location"), "/stories/%s#held-%d" % (slug, cid))
        root, block = self.block(anna, slug)
        entry = root.by_id("held-%d" % cid)
        self.assertIsNotNone(entry)
        self.assertIn(entry, list(block.iter()))
        self.assertEqual(entry.find("span", cls="comment-held").norm_text(), "awaiting moderation")
        self.assertIn("Waiting for a moderator.", entry.norm_text())
        self.assertIsNotNone(entry.find("em"))
        links = {a.get("class"): a.get("href") for a in entry.find_all("a")}
        base = "/stories/%s/comments/%d" % (slug, cid)
        self.assertEqual(links, {"held-edit": base + "/edit", "held-delete": base + "/delete"})
        # Beside the form, outside the shared fragment: it follows #comments, not in it.
        comments = root.by_id("comments")
        self.assertNotIn(entry, list(comments.iter()) if comments else [])
        respond = [n for n in entry.ancestors() if n.has_class("respond")]
        self.assertTrue(respond, "the block is not in the per-reader part")
        # Its Edit link works: the edit lands back on the entry.
        r = anna.submit(base + "/edit", base + "/edit", {"body": "Still waiting."})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/stories/%s#held-%d" % (slug, cid))
        self.assertIn("Still waiting.", self.block(anna, slug)[0].by_id("held-%d" % cid).norm_text())

    def test_nobody_else_sees_it_and_the_shared_page_does_not_change(self):
        slug = self.story()
        before = page(self.server, slug)
        self.assertEqual(before.status, 200, before)
        anna = self.logged_in(self.anna)
        cid, _ = self.post_held(anna, slug, "Only mine to see.")
        after = page(self.server, slug)
        self.assertEqual(after.header("ETag"), before.header("ETag"))
        self.assertEqual(after.body, before.body)
        self.assertNotIn("Only mine to see", after.text)
        self.assertNotIn("your-held", after.text)
        bob = self.logged_in(self.bob)
        root, block = self.block(bob, slug)
        self.assertIsNone(block)
        self.assertNotIn("Only mine to see", bob.get("/stories/" + slug).text)
        # Nor does the fragment of a logged-in page: bob's page holds the same
        # comments section as before anna posted.
        self.assertIsNone(root.by_id("held-%d" % cid))

    def test_it_leaves_the_block_once_approved_and_joins_the_thread(self):
        slug = self.story()
        anna = self.logged_in(self.anna)
        cid, _ = self.post_held(anna, slug, "Approve me.")
        self.decide(cid, "approve")
        root, block = self.block(anna, slug)
        self.assertIsNone(block)
        self.assertIsNotNone(root.by_id("comment-%d" % cid))

    def test_it_leaves_the_block_once_rejected(self):
        slug = self.story()
        anna = self.logged_in(self.anna)
        kept, _ = self.post_held(anna, slug, "Keep me waiting.")
        cid, _ = self.post_held(anna, slug, "Reject me.")
        self.decide(cid, "reject")
        self.assertEqual(self.block_ids(anna, slug), [str(kept)])
        root = self.block(anna, slug)[0]
        self.assertIsNone(root.by_id("comment-%d" % cid))

    def test_it_leaves_the_block_when_its_author_deletes_it(self):
        slug = self.story()
        anna = self.logged_in(self.anna)
        cid, _ = self.post_held(anna, slug, "Delete me.")
        path = "/stories/%s/comments/%d/delete" % (slug, cid)
        r = anna.submit(path, path, {})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.block_ids(anna, slug), [])

    def test_the_block_holds_at_most_twenty_and_says_more_wait(self):
        slug = self.story()
        anna = self.logged_in(self.anna)
        token = session_token(self.server, self.anna)
        for i in range(21):
            r = self.client().post_json("/api/v1/stories/%s/comments" % slug,
                                        {"body": "Held %d" % i}, token=token)
            self.assertEqual(r.status, 201, r)
        root, block = self.block(anna, slug)
        self.assertEqual(len(block.find_all("li", cls="own-held-item")), 20)
        self.assertIsNotNone(block.find("p", cls="own-held-more"))
