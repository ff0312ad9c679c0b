// The comment flows a reader goes through in a real browser: every comment is
// reachable by its permalink on a story with more than one page of comments
// (issue 9, item 1), a failed post never loses the text (item 2), errors show
// where the reader is (item 3), and comments are named for assistive
// technology (item 11).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './lib.mjs';

let server;
let browser;
const busy = 'busy-story';
const PAGE = 200; // comments per page
const SEEDED = 210;
const seeded = []; // ids of the seeded comments, oldest first

before(async () => {
  server = await L.startStet();
  browser = await L.launchBrowser();
  L.addStory(server, busy, { title: 'A story with more comments than one page holds' });
  const token = await L.apiUser(server.base, 'anna');
  for (let i = 1; i <= SEEDED; i++) seeded.push(await L.apiComment(server.base, token, busy, `Busy comment number ${i}.`));
});

after(async () => {
  if (browser) await browser.close();
  await L.stopStet(server);
});

async function reader(next, options) {
  const p = await L.newPage(browser, options);
  await L.register(p.page, server.base, L.uniqueName('reader'), next);
  return p;
}

// The article a URL's fragment points at is on the page the URL loads, and the
// browser scrolls to it (smoothly, where the reader allows motion: so wait).
async function assertLandsOn(page, id) {
  assert.equal(new URL(page.url()).hash, `#comment-${id}`);
  const article = page.locator(`article.comment#comment-${id}`);
  assert.equal(await article.count(), 1, `${page.url()} does not hold comment ${id}`);
  await article.waitFor({ state: 'visible' });
  await assert.doesNotReject(page.waitForFunction((el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  }, await article.elementHandle()), `comment ${id} is never scrolled into view`);
}

test('item 1: the 211th comment lands on the page that holds it', async () => {
  const { context, page } = await reader(`/stories/${busy}`);
  await page.waitForURL(`**/stories/${busy}`);
  const id = await L.postComment(page, 'The two hundred and eleventh word on this.');
  await assertLandsOn(page, id);
  assert.match(await page.locator(`#comment-${id} .comment-body`).innerText(), /two hundred and eleventh/);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('item 1: a permalink to an old-page comment answers with its page', async () => {
  const { context, page } = await L.newPage(browser);
  const last = seeded[SEEDED - 1];
  await page.goto(`${server.base}/stories/${busy}/comments/${last}`);
  await assertLandsOn(page, last);
  const first = seeded[0];
  await page.goto(`${server.base}/stories/${busy}/comments/${first}`);
  await assertLandsOn(page, first);
  // An unknown comment is a 404 page, not a story page without it.
  const missing = await page.goto(`${server.base}/stories/${busy}/comments/999999`);
  assert.equal(missing.status(), 404);
  await context.close();
});

test('item 1: comment pages link newer and older and say where the reader is', async () => {
  const { context, page } = await L.newPage(browser);
  await page.goto(`${server.base}/stories/${busy}`);
  const comments = page.locator('#comments');
  const total = Number(await comments.getAttribute('data-count'));
  await L.assertVisibleText(comments.locator('.comment-range'), `1–${PAGE} of ${total}`);
  assert.equal(await comments.getByRole('link', { name: 'Older comments' }).count(), 0, 'page 1 links to older comments');
  const newer = comments.getByRole('link', { name: 'Newer comments' }).first();
  await Promise.all([page.waitForURL((u) => u.search !== ''), newer.click()]);
  await L.assertVisibleText(comments.locator('.comment-range'), `${PAGE + 1}–${total} of ${total}`);
  assert.equal(await page.locator(`#comment-${seeded[PAGE]}`).count(), 1, 'page 2 lacks comment 201');
  assert.equal(await page.locator(`#comment-${seeded[0]}`).count(), 0, 'page 2 repeats page 1');
  assert.equal(await comments.getByRole('link', { name: 'Newer comments' }).count(), 0, 'the last page links to newer comments');
  const older = comments.getByRole('link', { name: 'Older comments' }).first();
  await Promise.all([page.waitForURL((u) => u.search === ''), older.click()]);
  assert.equal(await page.locator(`#comment-${seeded[0]}`).count(), 1, '"Older comments" does not lead back to page 1');
  await context.close();
});

test('item 1: a reply from page 2 lands beside its parent on page 2', async () => {
  const { context, page } = await reader(`/stories/${busy}`);
  const parent = seeded[SEEDED - 2];
  await page.goto(`${server.base}/stories/${busy}/comments/${parent}`);
  await page.locator(`#comment-${parent}`).getByRole('link', { name: /^Reply/ }).click();
  await page.locator('#comment-form').waitFor();
  await L.assertVisibleText(page.locator('#comment-form'), 'Replying to');
  const id = await L.postComment(page, 'Answering on the second page.');
  await assertLandsOn(page, id);
  assert.equal(await page.locator(`#comment-${parent} .comment-replies #comment-${id}`).count(), 1,
    'the reply is not nested under its parent');
  await context.close();
});

// Without JavaScript, so the text comes back from the server, not sessionStorage.
test('item 2: a stale form token re-shows the form with the text and the reason', async () => {
  const { context, page } = await reader('/stories/night-market-returns', { javaScriptEnabled: false });
  await page.waitForURL('**/stories/night-market-returns');
  const text = 'A careful paragraph that must survive a stale token.';
  await page.locator('#comment-body').fill(text);
  await page.locator('#comment-form input[name="csrf"]').evaluate((el) => { el.value = 'stale'; });
  const [resp] = await Promise.all([page.waitForNavigation(),
    page.getByRole('button', { name: 'Post comment' }).click()]);
  assert.equal(resp.status(), 403);
  const error = page.locator('#comment-form .form-error');
  await error.waitFor();
  assert.notEqual((await error.innerText()).trim(), '', 'no reason given');
  assert.equal(await page.locator('#comment-body').inputValue(), text);
  // The form posts again from here and succeeds.
  const id = await L.postComment(page, text);
  await assertLandsOn(page, id);
  await context.close();
});

test('item 2: logged out in another tab, the text survives and logging in on the form posts it', async () => {
  const name = L.uniqueName('detour');
  const { context, page } = await L.newPage(browser);
  await L.register(page, server.base, name, '/stories/night-market-returns');
  await page.waitForURL('**/stories/night-market-returns');
  const text = 'Words typed before the session ended elsewhere.';
  await page.locator('#comment-body').fill(text);

  const other = await context.newPage();
  await other.goto(`${server.base}/`);
  await other.getByRole('button', { name: 'Log out' }).click();
  await other.waitForURL(`${server.base}/`);
  await other.close();

  const [resp] = await Promise.all([page.waitForNavigation(),
    page.getByRole('button', { name: 'Post comment' }).click()]);
  assert.equal(resp.status(), 401);
  // The form again, with the text, the reason and a way on: log in right here.
  const form = page.locator('#comment-form');
  await L.assertVisibleText(form.locator('.form-error'), 'no longer logged in');
  assert.equal(await page.locator('#comment-body').inputValue(), text, 'the text is gone after the 401');
  await L.assertAccessible(page, 'comment form re-shown with login fields');
  await form.getByLabel(/user ?name|login/i).fill(name);
  await form.getByLabel(/password/i).fill(L.PASSWORD);
  await Promise.all([page.waitForURL(/#comment-\d+$/),
    form.getByRole('button', { name: 'Log in and post comment' }).click()]);
  const id = Number(/#comment-(\d+)$/.exec(page.url())[1]);
  await assertLandsOn(page, id);
  assert.match(await page.locator(`#comment-${id} .comment-body`).innerText(), /typed before the session ended/);
  await L.assertVisibleText(page.locator('.viewer-name'), name);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('item 2: with JavaScript the draft outlives a reload until the post succeeds', async () => {
  const { context, page } = await reader('/stories/library-extends-hours');
  await page.waitForURL('**/stories/library-extends-hours');
  const text = 'A draft kept by the browser.';
  await page.locator('#comment-body').fill(text);
  await page.reload();
  assert.equal(await page.locator('#comment-body').inputValue(), text, 'the draft was lost on reload');
  await L.postComment(page, text);
  await page.goto(`${server.base}/stories/library-extends-hours`);
  assert.equal(await page.locator('#comment-body').inputValue(), '', 'the draft outlived its post');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('item 2: the rate limit keeps the text and says how long to wait', async () => {
  const limited = await L.startStet({ config: '[limits]\ncomment_account = 1/1m\ncomment_client = 0\nregister_client = 0\n' });
  try {
    const { context, page } = await L.newPage(browser);
    await L.register(page, limited.base, L.uniqueName('hasty'), '/stories/night-market-returns');
    await page.waitForURL('**/stories/night-market-returns');
    await L.postComment(page, 'The first one goes through.');
    const text = 'The second one, too soon.';
    await page.locator('#comment-body').fill(text);
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.locator('#comment-form [role="alert"], #comment-form .form-error').first().waitFor();
    assert.match(await page.locator('#comment-form').innerText(), /wait \d+ ?s/i);
    assert.equal(await page.locator('#comment-body').inputValue(), text);
    await L.assertAccessible(page, 'comment form re-shown after the rate limit');
    await context.close();
  } finally {
    await L.stopStet(limited);
  }
});

test('item 3: an empty comment shows the error at the form, focused and in the title', async () => {
  const { context, page } = await reader('/stories/night-market-returns');
  await page.waitForURL('**/stories/night-market-returns');
  await page.locator('#comment-body').fill('   ');
  await page.getByRole('button', { name: 'Post comment' }).click();
  const error = page.locator('#comment-form .form-error').first();
  await error.waitFor();
  assert.equal(new URL(page.url()).hash, '#comment-form');
  // Chromium clears the focus when it scrolls to a fragment that cannot take it,
  // after the page's scripts ran: what counts is where the focus ends up.
  await assert.doesNotReject(page.waitForFunction(() => document.activeElement !== document.body &&
    (document.activeElement.matches('.form-error, [role="alert"]') ||
      document.activeElement.querySelector('.form-error, [role="alert"]') !== null)),
  'the focus never reaches the error summary');
  await assert.doesNotReject(page.waitForFunction((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }, await error.elementHandle()), 'the error is never scrolled into view');
  assert.match(await page.title(), /error/i);

  // Reloading the form's address is a GET: back to the story, still logged in.
  await page.goto(`${server.base}/stories/night-market-returns/comments`);
  assert.equal(new URL(page.url()).pathname, '/stories/night-market-returns');
  assert.equal(await page.locator('.viewer-name').count(), 1, 'logged out by a reload');
  await context.close();
});

test('item 11: comments are named articles with named Reply links; code scrolls', async () => {
  const name = L.uniqueName('coder');
  const { context, page } = await L.newPage(browser, { viewport: { width: 375, height: 800 } });
  await L.register(page, server.base, name, '/stories/library-extends-hours');
  await page.waitForURL('**/stories/library-extends-hours');
  const long = `${'const aVeryLongIdentifierNameThatGoesOnAndOn = 1; '.repeat(6)}`;
  const id = await L.postComment(page, `Code:\n\n    ${long}\n`);
  const article = page.getByRole('article', { name: new RegExp(name) });
  assert.ok(await article.count() >= 1, `no article named for ${name}`);
  const all = await page.locator('#comments article.comment').count();
  assert.equal(await page.locator('#comments').getByRole('article', { name: /\S/ }).count(), all,
    'a comment article has no accessible name');
  assert.equal(await page.locator(`#comment-${id}`).getByRole('link', { name: `Reply to ${name}` }).count(), 1);
  const pre = page.locator(`#comment-${id} pre`);
  assert.equal(await pre.getAttribute('tabindex'), '0', 'the code block is not focusable');
  assert.ok(await pre.evaluate((el) => el.scrollWidth > el.clientWidth), 'the code block does not scroll');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    'the page scrolls sideways at 375 px');
  await L.assertAccessible(page, 'story with a long code line');
  await context.close();
});
