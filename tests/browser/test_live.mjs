// Live comments across two browser contexts (two readers, two cookie jars): a
// comment posted in one appears in the other without a reload, is announced
// through a polite live region and marked new, and a live reply nests under its
// parent. Moderation's changes (made here in SQL on the server's database) reach
// an open page: an edit shows its new text, a removal takes the comment away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as L from './lib.mjs';

let server;
let browser;

before(async () => {
  server = await L.startStet();
  browser = await L.launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await L.stopStet(server);
});

// The region that screen readers announce politely: aria-live="polite", or
// role="status" (polite by definition). It must be in the page before the news
// arrives, or assistive technology does not watch it.
function politeRegion(page) {
  return page.locator('#comments [aria-live="polite"], #comments [role="status"]').first();
}

test('a comment posted in one context appears live in the other, announced', async () => {
  const slug = 'night-market-returns';
  const watcherName = L.uniqueName('watch');
  const posterName = L.uniqueName('poster');
  const { context: watcherCtx, page: watcher } = await L.newPage(browser);
  const { context: posterCtx, page: poster } = await L.newPage(browser);

  // The watcher is logged in too, so live comments carry Reply links.
  await L.register(watcher, server.base, watcherName, `/stories/${slug}`);
  await L.register(poster, server.base, posterName, `/stories/${slug}`);
  await watcher.waitForURL(`**/stories/${slug}`);
  const before = Number(await watcher.locator('#comments').getAttribute('data-count'));
  const region = politeRegion(watcher);
  assert.equal(await region.count(), 1, 'no polite live region in #comments before any news');
  assert.equal((await region.innerText()).trim(), '', 'the live region speaks before anything happened');
  // A marker that a reload or navigation would wipe.
  await watcher.evaluate(() => { window.__stillHere = true; });

  const id = await L.postComment(poster, 'Seen live in the other *tab* <img src=x onerror="window.__pwned=1">');

  const live = watcher.locator(`article.comment#comment-${id}`);
  await live.waitFor({ state: 'visible' });
  assert.match(await live.locator('.comment-body').innerText(), /Seen live in the other tab/);
  assert.match(await live.locator('.comment-author').innerText(), new RegExp(posterName));
  await assert.doesNotReject(
    watcher.waitForFunction(() => /\b1 new comment\b/i.test(
      (document.querySelector('#comments [aria-live="polite"], #comments [role="status"]') || {}).textContent || '')),
    'the live region never said "1 new comment"');
  assert.equal(await watcher.locator('#comments').getAttribute('data-count'), String(before + 1));
  assert.equal((await watcher.locator('#comments .comment-count').first().innerText()).trim(), String(before + 1));
  assert.equal(await watcher.locator(`#comment-${id}`).count(), 1, 'the comment was inserted twice');
  assert.equal(await watcher.evaluate(() => window.__stillHere), true, 'the watching page reloaded');
  assert.equal(await watcher.evaluate(() => window.__pwned), undefined, 'a live comment ran script');

  // Marked new for sighted readers, as the announcement tells the others.
  assert.match(await live.getAttribute('class'), /\bcomment-new\b/);
  const label = live.locator('.comment-meta .comment-new-label');
  await label.waitFor({ state: 'visible' });
  assert.equal((await label.textContent()).trim(), 'New');

  // A live comment is an article named like the server's, with a named Reply link.
  await watcher.getByRole('article', { name: new RegExp(posterName) }).first().waitFor();
  assert.equal(await live.getByRole('link', { name: `Reply to ${posterName}` }).count(), 1,
    `the live comment has no "Reply to ${posterName}" link`);

  await L.assertAccessible(watcher, 'story after live comments');
  assert.deepEqual(watcher.errors, []);
  await watcherCtx.close();
  await posterCtx.close();
});

// Comments that arrive together are announced once, counted. The events are held
// back (the stream's request waits) until both are written, so they reach the
// page as one burst whatever the machine's speed.
test('a burst of live comments is announced once: "2 new comments"', async () => {
  const slug = 'library-extends-hours';
  const { context, page } = await L.newPage(browser);
  let release;
  let asked;
  const gate = new Promise((r) => { release = r; });
  const streamAsked = new Promise((r) => { asked = r; });
  await page.route(`**/stories/${slug}/events*`, async (route) => {
    asked();
    await gate;
    await route.continue();
  });
  await page.goto(`${server.base}/stories/${slug}`);
  await streamAsked; // the page's stream starts after the comments it shows
  const token = await L.apiUser(server.base, L.uniqueName('burst'));
  const first = await L.apiComment(server.base, token, slug, 'First of two.');
  const second = await L.apiComment(server.base, token, slug, 'Second of two.');
  release();
  await page.locator(`#comment-${first}`).waitFor({ state: 'visible' });
  await page.locator(`#comment-${second}`).waitFor({ state: 'visible' });
  await assert.doesNotReject(
    page.waitForFunction(() => /\b2 new comments\b/i.test(
      (document.querySelector('#comments [aria-live="polite"], #comments [role="status"]') || {}).textContent || '')),
    'the live region never said "2 new comments"');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a live reply nests under its parent', async () => {
  const slug = 'library-extends-hours';
  const { context: watcherCtx, page: watcher } = await L.newPage(browser);
  const token = await L.apiUser(server.base, L.uniqueName('parent'));
  const parent = await L.apiComment(server.base, token, slug, 'A comment to answer.');
  await watcher.goto(`${server.base}/stories/${slug}`);
  await watcher.locator(`#comment-${parent}`).waitFor();

  const { context: posterCtx, page: poster } = await L.newPage(browser);
  const name = L.uniqueName('replier');
  await L.register(poster, server.base, name, `/stories/${slug}`);
  await poster.locator(`#comment-${parent}`).getByRole('link', { name: /^Reply/ }).click();
  await poster.locator('#comment-form').waitFor();
  const id = await L.postComment(poster, 'An answer, seen live.');

  const nested = watcher.locator(`#comment-${parent} .comment-replies #comment-${id}`);
  await nested.waitFor({ state: 'visible' });
  assert.equal(await nested.getAttribute('data-parent'), String(parent));
  assert.deepEqual(watcher.errors, []);
  await watcherCtx.close();
  await posterCtx.close();
});

// On an earlier page of a long story a new comment belongs to a later page (pages
// follow the order comments were written): it is counted, announced and linked,
// not inserted out of order.
test('on an earlier comment page a live comment is linked, not inserted', async () => {
  const slug = L.uniqueName('long-story');
  L.addStory(server, slug, { title: 'A long conversation' });
  const token = await L.apiUser(server.base, L.uniqueName('chatty'));
  for (let i = 0; i < 201; i++) await L.apiComment(server.base, token, slug, `Comment ${i + 1}.`);
  const { context, page } = await L.newPage(browser);
  await page.goto(`${server.base}/stories/${slug}`);
  assert.equal(await page.locator('#comments .comments-more a').count() > 0, true,
    'page 1 of 201 comments has no link to the newer page');
  const before = await page.locator('article.comment').count();

  const id = await L.apiComment(server.base, token, slug, 'Arrived while page 1 was open.');
  const note = page.locator('#comments .comments-elsewhere a');
  await note.waitFor({ state: 'visible' });
  assert.equal((await note.innerText()).trim(), '1 new comment on a later page');
  assert.equal(await page.locator(`#comment-${id}`).count(), 0, 'inserted on the wrong page');
  assert.equal(await page.locator('article.comment').count(), before);
  assert.equal(await page.locator('#comments').getAttribute('data-count'), '202');
  await assert.doesNotReject(
    page.waitForFunction(() => /\b1 new comment\b/i.test(
      (document.querySelector('#comments [role="status"]') || {}).textContent || '')),
    'the live region never said "1 new comment"');

  await L.assertAccessible(page, 'earlier comment page after a live comment');

  // The link leads to the page that holds it.
  await Promise.all([page.waitForURL(new RegExp(`#comment-${id}$`)), note.click()]);
  await page.locator(`#comment-${id}`).waitFor({ state: 'visible' });
  assert.deepEqual(page.errors, []);
  await context.close();
});

// Changes a comment as moderation does, in one transaction on the server's SQLite
// file: `set` (SQL assignments) on its row, which takes the story's next event
// number. Python's sqlite3 is the harness's own dependency (tests/e2e).
function moderate(server, id, set) {
  const file = server.db.replace(/^sqlite:/, '');
  const sql = 'UPDATE stories SET event_seq = event_seq + 1, content_version = content_version + 1 ' +
    'WHERE id = (SELECT story_id FROM comments WHERE id = :id); ' +
    `UPDATE comments SET ${set}, event_seq = (SELECT s.event_seq FROM stories s ` +
    'WHERE s.id = comments.story_id) WHERE id = :id';
  execFileSync('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
for stmt in sys.argv[2].split("; "):
    db.execute(stmt, {"id": int(sys.argv[3])})
db.execute("COMMIT")
`, file, sql, String(id)]);
}

// The stream names each change: the edited comment shows its new text and the
// "edited" mark in place, the rejected one leaves the page (its reply moves to the
// top level, saying whom it answers), the count follows, and the burst is
// announced once. The changes reach the hub with the next comment's news (SQLite
// has no listener for another process's writes).
test('an edited comment changes in place and a removed one leaves the page', async () => {
  const slug = 'library-extends-hours';
  const token = await L.apiUser(server.base, L.uniqueName('mod'));
  const edited = await L.apiComment(server.base, token, slug, 'Before the edit.');
  const removed = await L.apiComment(server.base, token, slug, 'Soon to be rejected.');
  const reply = await L.apiComment(server.base, token, slug, 'A reply that stays.', removed);
  const { context, page } = await L.newPage(browser);
  await page.goto(`${server.base}/stories/${slug}`);
  await page.locator(`#comment-${removed} #comment-${reply}`).waitFor();
  const before = Number(await page.locator('#comments').getAttribute('data-count'));
  assert.equal(await page.locator(`#comment-${edited} .comment-edited`).count(), 0);

  const now = Math.floor(Date.now() / 1000);
  moderate(server, edited, `body_src = 'After the edit.', body_html = '<p>After the edit.</p>', edited_at = ${now}`);
  moderate(server, removed, "status = 'rejected'");
  const fresh = await L.apiComment(server.base, token, slug, 'Posted after the changes.');

  await page.locator(`#comment-${fresh}`).waitFor({ state: 'visible' });
  await page.locator(`#comment-${removed}`).waitFor({ state: 'detached' });
  assert.equal(await page.getByText('Soon to be rejected.').count(), 0);
  const body = page.locator(`#comment-${edited} > .comment-body`);
  assert.equal((await body.innerText()).trim(), 'After the edit.');
  const mark = page.locator(`#comment-${edited} > .comment-meta > time.comment-edited`);
  assert.equal((await mark.innerText()).trim(), 'edited');
  assert.match(await mark.getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/);

  const orphan = page.locator(`#comments .comment-list > #comment-${reply}`);
  assert.equal(await orphan.count(), 1, 'the reply of the removed comment left the page');
  assert.equal(await orphan.getAttribute('data-depth'), '1');
  assert.match(await orphan.locator('.comment-in-reply-to').innerText(), /in reply to/);

  assert.equal(await page.locator('#comments').getAttribute('data-count'), String(before));
  await assert.doesNotReject(
    page.waitForFunction(() => /\b1 comment removed\b/.test(
      (document.querySelector('#comments [role="status"]') || {}).textContent || '')),
    'the live region never said "1 comment removed"');
  assert.deepEqual(page.errors, []);
  await context.close();
});

// A deleted comment with a reply turns into its "comment deleted" placeholder in
// place on an open page, its reply still nested under it, its text and author
// gone, one fewer counted; when the reply goes too, so does the placeholder.
test('a deleted comment with a reply becomes its placeholder without reload', async () => {
  const slug = 'library-extends-hours';
  const author = L.uniqueName('writer');
  const token = await L.apiUser(server.base, author);
  const parent = await L.apiComment(server.base, token, slug, 'Words soon deleted.');
  const reply = await L.apiComment(server.base, token, slug, 'An answer that stays.', parent);
  const del = async (id) => {
    const r = await fetch(`${server.base}/api/v1/comments/${id}`,
      { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 204, `DELETE comment ${id}`);
  };
  const { context, page } = await L.newPage(browser);
  await page.goto(`${server.base}/stories/${slug}`);
  await page.locator(`#comment-${parent} #comment-${reply}`).waitFor();
  const before = Number(await page.locator('#comments').getAttribute('data-count'));

  await del(parent);
  const placeholder = page.locator(`#comment-${parent}.comment-placeholder`);
  await placeholder.waitFor({ state: 'visible' });
  assert.equal((await placeholder.locator('> .comment-meta > .comment-deleted').innerText()).trim(),
    'comment deleted');
  assert.equal(await page.getByText('Words soon deleted.').count(), 0);
  assert.equal(await placeholder.locator('> .comment-meta > .comment-author').count(), 0);
  assert.equal(await placeholder.locator('> .comment-actions').count(), 0);
  assert.equal(await placeholder.getAttribute('data-author'), null);
  assert.equal(await page.locator(`#comment-${parent} > .comment-replies > #comment-${reply}`).count(), 1,
    'the reply left its place under the placeholder');
  assert.equal(await page.locator('#comments').getAttribute('data-count'), String(before - 1));
  await L.assertAccessible(page, 'story page with a live "comment deleted" placeholder');

  await del(reply);
  await page.locator(`#comment-${reply}`).waitFor({ state: 'detached' });
  await page.locator(`#comment-${parent}`).waitFor({ state: 'detached' });
  assert.equal(await page.locator('#comments').getAttribute('data-count'), String(before - 2));
  assert.deepEqual(page.errors, []);
  await context.close();
});
