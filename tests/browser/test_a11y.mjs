// axe-core on every page state a reader meets, at 375 px and 1280 px and in the
// light and dark colour schemes: 0 violations each. With STET_SCREENSHOTS=1 it
// also writes the README's screenshots (the demo's story with its threaded
// conversation, phone and desktop) to docs/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as L from './lib.mjs';

let server;
let browser;
let slugs; // demo stories
const threaded = 'night-market-returns';
const demoThread = 'harbour-bridge-reopens'; // the demo's conversation
const quiet = 'quiet-story';
const closed = 'closed-story';
const busy = 'busy-story';
const deep = 'deep-story';
const reader = 'dana'; // added with `stet user add`

// A conversation with replies two levels deep and a moderator in it.
async function seedThread(base) {
  const anna = await L.apiUser(base, 'anna');
  const ben = await L.apiUser(base, 'ben_okafor');
  const chloe = await L.apiUser(base, 'chloe');
  const a1 = await L.apiComment(base, anna, threaded,
    'Went last Thursday. The repair café fixed my desk lamp in ten minutes and refused to take any money.');
  const b1 = await L.apiComment(base, ben, threaded,
    'Does anyone know whether they take *bicycles* with gear trouble, or only punctures?', a1);
  await L.apiComment(base, anna, threaded,
    'Gears too: a volunteer re-cabled my neighbour\'s three-speed while the band played.', b1);
  await L.apiComment(base, chloe, threaded,
    'The depot smells of frying dough and old rails again. Glad it is back before the winter.');
  await L.apiComment(base, ben, threaded, 'Five until eleven, every Thursday until March, for anyone wondering.');
  // A moderator: the staff badge.
  L.cli(server, ['user', 'role', 'ben_okafor', 'moderator']);
}

// A thread deeper than the page nests: the deepest replies say whom they answer.
async function seedDeep(base) {
  const a = await L.apiUser(base, 'deep_a');
  const b = await L.apiUser(base, 'deep_b');
  let parent = null;
  for (let i = 1; i <= 8; i++) {
    parent = await L.apiComment(base, i % 2 ? a : b, deep, `Level ${i} of a long back and forth.`, parent);
  }
}

before(async () => {
  server = await L.startStet({ env: { STET_WEATHER_URL: `file://${join(L.repo, 'demo', 'weather.json')}` } });
  browser = await L.launchBrowser();
  slugs = await L.demoSlugs(server.base);
  assert.ok(slugs.includes(threaded) && slugs.includes(demoThread), `the demo's stories changed: ${slugs}`);
  L.addStory(server, quiet, { title: 'A story nobody has commented on yet' });
  L.addStory(server, closed, { title: 'A story closed for comments' });
  L.cli(server, ['story', 'close', closed]);
  L.addStory(server, busy, { title: 'A story with more comments than one page holds' });
  L.addStory(server, deep, { title: 'A story with a long back and forth' });
  await seedThread(server.base);
  await seedDeep(server.base);
  const tok = await L.apiUser(server.base, 'busy_reader');
  for (let i = 1; i <= 205; i++) await L.apiComment(server.base, tok, busy, `Busy comment number ${i}.`);
  // More stories than the front page shows (30), spread over past months, so
  // there are older stories and an archive to read.
  for (let i = 1; i <= 31; i++) {
    const month = String((i % 12) + 1).padStart(2, '0');
    L.addStory(server, `old-story-${i}`, { title: `An older story, number ${i}`, publishedAt: `2025-${month}-15T09:00:00Z` });
  }
  L.addUser(server, reader);
});

after(async () => {
  if (browser) await browser.close();
  await L.stopStet(server);
});

async function anonymous() {
  return L.newPage(browser);
}

async function loggedIn() {
  const p = await L.newPage(browser);
  await L.login(p.page, server.base, reader);
  return p;
}

async function check(page, label) {
  await L.assertAccessible(page, label);
  assert.deepEqual(page.errors, [], `script errors on ${label}`);
}

test('axe: anonymous pages', async () => {
  const { context, page } = await anonymous();
  await page.goto(`${server.base}/`);
  // The dark scheme must really restyle the page, or its half of the checks
  // would test the light one twice.
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(light, dark, 'prefers-color-scheme: dark does not change the page');
  await check(page, 'front page');

  await page.goto(`${server.base}/stories/${quiet}`);
  await L.assertVisibleText(page.locator('p.comments-empty'), 'There are no comments yet.');
  await check(page, 'story, anonymous, no comments');

  await page.goto(`${server.base}/stories/${threaded}`);
  assert.ok(await page.locator('.comment-replies article.comment').count() >= 2, 'no threaded replies shown');
  assert.equal(await page.locator('.comment-staff').count(), 2, 'no staff badge on the moderator\'s comments');
  await check(page, 'story with threaded comments and a staff badge');

  await page.goto(`${server.base}/stories/${demoThread}`);
  assert.ok(await page.locator('.comment-replies article.comment').count() >= 1, 'the demo conversation is not threaded');
  await check(page, 'the demo\'s story with its conversation');

  await page.goto(`${server.base}/stories/${deep}`);
  await L.assertVisibleText(page.locator('#comments'), 'in reply to deep_');
  await check(page, 'story with a thread deeper than shown');

  await page.goto(`${server.base}/stories/${closed}`);
  await L.assertVisibleText(page.locator('#main'), 'Comments are closed for this story.');
  assert.equal(await page.locator('#comments, .comments-empty').count(), 0,
    'a closed story without comments shows an empty comment section');
  await check(page, 'closed story');

  await page.goto(`${server.base}/stories/${busy}`);
  const newer = page.locator('#comments').getByRole('link', { name: 'Newer comments' }).first();
  await Promise.all([page.waitForURL((u) => u.search !== ''), newer.click()]);
  await L.assertVisibleText(page.locator('#comments'), 'Busy comment number 205.');
  await check(page, 'later comment page');

  await page.goto(`${server.base}/`);
  await Promise.all([page.waitForURL((u) => u.search !== ''), page.getByRole('link', { name: 'Older stories' }).click()]);
  assert.ok(await page.locator('li.story-item').count() > 0, 'the older stories page lists nothing');
  await check(page, 'front page, older stories');

  await page.goto(`${server.base}/archive`);
  const month = page.locator('li.archive-month a').first();
  await month.waitFor();
  await check(page, 'archive');
  await Promise.all([page.waitForURL(/\/archive\/\d{4}\/\d{2}/), month.click()]);
  assert.ok(await page.locator('li.story-item').count() > 0, 'an archive month lists nothing');
  await check(page, 'archive month');

  await page.goto(`${server.base}/login`);
  await check(page, 'login');
  await page.locator('form.account-form').evaluate((f) => { f.noValidate = true; });
  await page.getByRole('button', { name: 'Log in' }).last().click();
  await page.locator('.form-error').first().waitFor();
  await check(page, 'login with both fields empty');

  const missing = await page.goto(`${server.base}/stories/no-such-story`);
  assert.equal(missing.status(), 404);
  await check(page, 'not found');
  await context.close();
});

test('axe: register with errors', async () => {
  const { context, page } = await anonymous();
  await page.goto(`${server.base}/register`);
  await check(page, 'register');
  // The server's checks, not the browser's: a taken name and email, a short password.
  await page.locator('form.account-form').evaluate((f) => { f.noValidate = true; });
  await page.getByLabel(/user ?name/i).fill(reader);
  await page.getByLabel(/e-?mail/i).fill(`${reader}@example.com`);
  await page.getByLabel(/password/i).fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('.form-error').first().waitFor();
  // Every problem at once (issue 9, item 5): the name, the email, the password.
  assert.equal(await page.locator('.error-summary .error-list li').count(), 3,
    `not every problem listed: ${await page.locator('.error-summary').innerText()}`);
  await check(page, 'register with errors');

  // Put right: registered, logged in and welcomed.
  await page.getByLabel(/user ?name/i).fill('erin');
  await page.getByLabel(/e-?mail/i).fill('erin@example.com');
  await page.getByLabel(/password/i).fill(L.PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Create account' }).click()]);
  await L.assertVisibleText(page.locator('#flash'), 'erin');
  await check(page, 'front page with the welcome');
  await context.close();
});

test('axe: logged-in comment form, and the form with an error', async () => {
  const { context, page } = await loggedIn();
  await page.goto(`${server.base}/stories/${threaded}`);
  await page.locator('#comment-form').waitFor();
  await check(page, 'story, logged in, with the form');

  // Whitespace passes the browser's `required` and fails the server's check.
  await page.locator('#comment-body').fill('   ');
  await page.getByRole('button', { name: 'Post comment' }).click();
  await page.locator('#comment-form .form-error').waitFor();
  await check(page, 'comment form with an error');

  // Posted: the confirmation, and the reader's own comment marked.
  const id = await L.postComment(page, 'A comment of my own, with a [link](https://example.com/).');
  await L.assertVisibleText(page.locator('#flash'), 'posted');
  await page.locator(`#comment-${id} .comment-you`).waitFor({ state: 'visible' });
  await check(page, 'story after posting, with the confirmation');

  await page.goto(`${server.base}/`);
  await check(page, 'front page, logged in');
  await context.close();
});

// The README's pictures: the demo's story with its threaded conversation (what
// `make run` shows a visitor), as a phone and a desktop show it. Written only with
// STET_SCREENSHOTS=1, so a test run leaves tracked files alone.
test('screenshots of the demo story with threaded comments', async () => {
  const shots = [
    { file: 'story-phone.png', width: 375, height: 812, scale: 2 },
    { file: 'story-desktop.png', width: 1280, height: 900, scale: 1 },
  ];
  const dir = join(L.repo, 'docs', 'screenshots');
  for (const s of shots) {
    const { context, page } = await L.newPage(browser, {
      viewport: { width: s.width, height: s.height }, deviceScaleFactor: s.scale, colorScheme: 'light',
    });
    await page.goto(`${server.base}/stories/${demoThread}`);
    await page.locator('#comments .comment-replies article.comment').first().waitFor();
    await page.locator('.weather').waitFor();
    const png = await page.screenshot({ type: 'png', fullPage: true });
    assert.ok(png.length > 10000, `${s.file}: a suspiciously small screenshot (${png.length} bytes)`);
    if (process.env.STET_SCREENSHOTS === '1') {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, s.file), png);
    }
    await context.close();
  }
});
