// Browser test: a real Chromium (Debian's, driven by playwright-core) reads a demo
// story, follows "Click here to register", registers, posts a comment and sees it
// listed with the count at 1. Starts its own `stet serve --demo` on a fresh
// database with the default limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStet, stopStet, launchBrowser, assertVisibleText } from './lib.mjs';

let server;
let browser;

before(async () => {
  server = await startStet({ config: null });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopStet(server);
});

test('register from a story and post a comment', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  await page.goto(`${server.base}/`);
  // A demo story nobody has commented on (the demo may seed a conversation on one).
  const first = page.locator('li.story-item').filter({ has: page.locator('.comment-count', { hasText: /^0$/ }) }).first();
  const slug = await first.getAttribute('data-slug');
  assert.ok(slug, 'the demo front page lists no story without comments');
  await first.locator(`a[href$="/stories/${slug}"]`).first().click();
  await page.waitForURL(`**/stories/${slug}`);

  const section = page.locator('#comments');
  assert.equal(await section.getAttribute('data-count'), '0');
  assert.equal((await section.locator('.comment-count').first().innerText()).trim(), '0');
  await assertVisibleText(page.locator('p.comments-empty'), 'There are no comments yet. Be the first!');

  await page.getByRole('link', { name: 'Click here to register.' }).click();
  await page.waitForURL(/\/register\?next=/);

  const name = `browser${Date.now() % 1000000}`;
  await page.getByLabel(/user ?name/i).fill(name);
  await page.getByLabel(/e-?mail/i).fill(`${name}@example.com`);
  await page.getByLabel(/password/i).fill('a browser password');
  // Back at the form the reader came from (issue 9, item 5).
  await Promise.all([
    page.waitForURL(`**/stories/${slug}#comment-form`),
    page.locator('form:has(input[name="password"])').locator('button[type="submit"], input[type="submit"]').first().click(),
  ]);

  await assertVisibleText(page.locator('body'), name);
  const cookies = await context.cookies();
  const sess = cookies.find((c) => c.name === 'stet_session');
  assert.ok(sess, 'no stet_session cookie after registering');
  assert.equal(sess.httpOnly, true);
  assert.equal(sess.sameSite, 'Lax');

  const body = 'Written in a real browser: *hello* <script>window.__pwned = 1</script>';
  await page.locator('#comment-body').fill(body);
  await Promise.all([
    page.waitForURL(new RegExp(`/stories/${slug}#comment-\\d+$`)),
    page.getByRole('button', { name: 'Post comment' }).click(),
  ]);
  const id = /#comment-(\d+)$/.exec(page.url())[1];
  const comment = page.locator(`article.comment#comment-${id}`);
  await comment.waitFor();
  assert.match(await comment.locator('.comment-body').innerText(), /Written in a real browser: hello/);
  assert.match(await comment.locator('.comment-author').innerText(), new RegExp(name));
  assert.equal(await page.locator('#comments').getAttribute('data-count'), '1');
  assert.equal((await page.locator('#comments .comment-count').first().innerText()).trim(), '1');
  assert.equal(await page.locator('p.comments-empty').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'a comment ran script');

  // Seen again, the page comes from the cache: the story and comments compressed
  // once, the reader's own parts framed around them per request (gzip).
  const again = await page.goto(`${server.base}/stories/${slug}`);
  assert.equal(again.status(), 200);
  assert.equal((await again.allHeaders())['content-encoding'], 'gzip');
  assert.match(await page.locator(`article.comment#comment-${id} .comment-body`).innerText(),
    /Written in a real browser: hello/);
  await assertVisibleText(page.locator('.viewer-name'), name);
  assert.equal(await page.locator('#comment-form').count(), 1);

  // The front page shows the new count too.
  await page.goto(`${server.base}/`);
  const item = page.locator(`li.story-item[data-slug="${slug}"]`);
  assert.equal((await item.locator('.comment-count').innerText()).trim(), '1');
  assert.deepEqual(pageErrors, []);
  await context.close();
});
