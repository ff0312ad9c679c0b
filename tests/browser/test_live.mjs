// Live comments across two browser contexts (two readers, two cookie jars): a
// comment posted in one appears in the other without a reload, is announced
// through a polite live region and marked new, and a live reply nests under its
// parent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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
