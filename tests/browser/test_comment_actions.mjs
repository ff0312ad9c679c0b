// Browser test (issue 11, item 6): every comment of a logged-in reader's story page
// carries one "Actions" link (none for an anonymous reader). Without JavaScript it
// leads to /comments/ID, the list of what that reader may do, each a form page: an
// author edits and lands on the comment with the new text, the "edited" mark and
// the one-shot notice. With JavaScript (static/comment_actions.js) the list and
// each form open inside the comment and post without a page load: edit, delete and
// report in place, an error shown in the form with the text kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStet, stopStet, launchBrowser, newPage, addStory, apiUser, apiToken, apiComment, login,
  uniqueName, addUser, assertVisibleText, NO_LIMITS,
} from './lib.mjs';

let server;
let browser;

before(async () => {
  server = await startStet();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopStet(server);
});

let storySeq = 0;
function story(title) {
  storySeq += 1;
  const slug = `actions-${Date.now() % 1000000}-${storySeq}`;
  addStory(server, slug, { title });
  return slug;
}

// A logged-in page on the story, marked so that a page load would show.
async function readerOn(name, slug, options = {}) {
  const { context, page } = await newPage(browser, options);
  await login(page, server.base, name, `/stories/${slug}`);
  await page.goto(`${server.base}/stories/${slug}`);
  if (options.javaScriptEnabled !== false) {
    await page.evaluate(() => { window.__stillHere = true; });
  }
  return { context, page };
}

async function openInline(page, id, action) {
  const article = page.locator(`#comment-${id}`);
  const more = article.locator(':scope > .comment-actions > a.comment-more');
  await more.click();
  const panel = article.locator(':scope > .comment-panel');
  const link = panel.locator(`a.comment-${action}`);
  await link.waitFor({ state: 'visible' });
  assert.equal(await more.getAttribute('aria-expanded'), 'true');
  await link.click();
  return { article, more, panel };
}

test('without JavaScript: Actions leads to the forms, and an author edits', async () => {
  const slug = story('Edit from the page');
  const anna = uniqueName('anna');
  const bob = uniqueName('bob');
  const annaId = await apiComment(server.base, await apiUser(server.base, anna), slug, 'first words');
  const bobId = await apiComment(server.base, await apiUser(server.base, bob), slug, 'bob speaks');

  const { context, page } = await readerOn(anna, slug, { javaScriptEnabled: false });
  const mine = page.locator(`#comment-${annaId}`);
  const more = mine.locator(':scope > .comment-actions > a.comment-more');
  assert.equal(await more.innerText(), 'Actions');
  await Promise.all([page.waitForURL(`**/comments/${annaId}`), more.click()]);
  const actions = page.locator('ul.comment-action-list a');
  assert.deepEqual(await actions.allInnerTexts(), ['Edit', 'Delete']);
  await Promise.all([page.waitForURL(`**/stories/${slug}/comments/${annaId}/edit`),
    page.getByRole('link', { name: 'Edit', exact: true }).click()]);
  const box = page.getByLabel('Your comment');
  assert.equal(await box.inputValue(), 'first words');
  await box.fill('second *thoughts*');
  await Promise.all([
    page.waitForURL(new RegExp(`#comment-${annaId}$`)),
    page.getByRole('button', { name: 'Save changes' }).click(),
  ]);
  await assertVisibleText(mine.locator(':scope > .comment-body'), 'second thoughts');
  assert.equal(await mine.locator('em').innerText(), 'thoughts');
  await mine.locator(':scope > .comment-meta > .comment-edited').waitFor({ state: 'visible' });
  await assertVisibleText(page.locator('#flash'), 'Your comment was updated.');
  // Someone else's comment: Report only.
  await page.goto(`${server.base}/comments/${bobId}`);
  assert.deepEqual(await page.locator('ul.comment-action-list a').allInnerTexts(), ['Report']);
  await context.close();

  // An anonymous reader has no action links; a moderator's list has Moderate.
  const anon = await newPage(browser);
  await anon.page.goto(`${server.base}/stories/${slug}`);
  assert.equal(await anon.page.locator('.comment-actions a').count(), 0);
  assert.deepEqual(anon.page.errors, []);
  await anon.context.close();
  const mod = uniqueName('mod');
  addUser(server, mod, 'moderator');
  const m = await readerOn(mod, slug, { javaScriptEnabled: false });
  await m.page.locator(`#comment-${bobId} > .comment-actions > a.comment-more`).click();
  await m.page.getByRole('link', { name: 'Moderate', exact: true }).waitFor({ state: 'visible' });
  await m.context.close();
});

test('with JavaScript: edit in place, and an error keeps the text', async () => {
  const slug = story('Edit in place');
  const anna = uniqueName('anna');
  const annaId = await apiComment(server.base, await apiUser(server.base, anna), slug, 'first words');
  const { context, page } = await readerOn(anna, slug);
  const { article, more, panel } = await openInline(page, annaId, 'edit');
  const box = panel.getByLabel('Your comment');
  await box.waitFor({ state: 'visible' });
  assert.equal(await box.inputValue(), 'first words');
  assert.equal(await box.evaluate((b) => b === document.activeElement), true);
  // The page's own comment form keeps its ids; the inline one has its own.
  assert.equal(await page.locator('#comment-body').count(), 1);

  // Too long: the server's message in the form, the text kept, nothing changed.
  const max = Number(await box.getAttribute('data-max-length'));
  await box.fill('x'.repeat(max + 1));
  await panel.getByRole('button', { name: 'Save changes' }).click();
  await panel.locator('[role="alert"]').waitFor({ state: 'visible' });
  assert.match(await panel.locator('[role="alert"]').innerText(), /\S/);
  assert.equal((await box.inputValue()).length, max + 1);
  await assertVisibleText(article.locator(':scope > .comment-body'), 'first words');

  await box.fill('second *thoughts*');
  await panel.getByRole('button', { name: 'Save changes' }).click();
  await panel.waitFor({ state: 'detached' });
  await assertVisibleText(article.locator(':scope > .comment-body'), 'second thoughts');
  assert.equal(await article.locator(':scope > .comment-body em').innerText(), 'thoughts');
  await article.locator(':scope > .comment-meta > .comment-edited').waitFor({ state: 'visible' });
  assert.equal(await more.evaluate((m) => m === document.activeElement), true);
  await page.locator('#comments [role="status"]', { hasText: 'Your comment was updated.' }).waitFor({ state: 'attached' });
  assert.equal(await page.evaluate(() => window.__stillHere), true, 'the page reloaded');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('with JavaScript: delete in place after confirming', async () => {
  const slug = story('Delete in place');
  const anna = uniqueName('anna');
  const token = await apiUser(server.base, anna);
  const keep = await apiComment(server.base, token, slug, 'stays');
  const gone = await apiComment(server.base, token, slug, 'goes');
  const { context, page } = await readerOn(anna, slug);
  assert.equal(await page.locator('#comments .comment-count').innerText(), '2');
  const { panel } = await openInline(page, gone, 'delete');
  await assertVisibleText(panel.locator('.comment-panel-question'), 'Delete your comment?');
  // Cancel closes it, and nothing is deleted.
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await panel.waitFor({ state: 'detached' });
  await openInline(page, gone, 'delete');
  await page.locator(`#comment-${gone} > .comment-panel`).getByRole('button', { name: 'Delete comment' }).click();
  await page.locator(`#comment-${gone}`).waitFor({ state: 'detached' });
  assert.equal(await page.locator(`#comment-${keep}`).count(), 1);
  assert.equal(await page.locator('#comments .comment-count').innerText(), '1');
  assert.equal(await page.evaluate(() => window.__stillHere), true, 'the page reloaded');
  // The server agrees, and the live stream's own "removed" changes nothing more.
  const fresh = await context.newPage();
  await fresh.goto(`${server.base}/stories/${slug}`);
  assert.equal(await fresh.locator(`#comment-${gone}`).count(), 0);
  assert.equal(await page.locator('#comments .comment-count').innerText(), '1');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('with JavaScript: report in place', async () => {
  const slug = story('Report in place');
  const anna = uniqueName('anna');
  const bob = uniqueName('bob');
  const annaId = await apiComment(server.base, await apiUser(server.base, anna), slug, 'reportable words');
  await apiUser(server.base, bob);
  const { context, page } = await readerOn(bob, slug);
  const { panel } = await openInline(page, annaId, 'report');
  const reason = panel.getByLabel('Why should a moderator look at it?');
  await reason.waitFor({ state: 'visible' });
  await reason.fill('spam');
  await panel.getByRole('button', { name: 'Send report' }).click();
  await panel.waitFor({ state: 'detached' });
  await page.locator('#comments [role="status"]', { hasText: 'Thank you. A moderator will look at it.' })
    .waitFor({ state: 'attached' });
  // A second report is refused with the server's reason, the text kept.
  await openInline(page, annaId, 'report');
  const again = page.locator(`#comment-${annaId} > .comment-panel`);
  await again.getByLabel('Why should a moderator look at it?').fill('still spam');
  await again.getByRole('button', { name: 'Send report' }).click();
  await assertVisibleText(again.locator('[role="alert"]'), 'You have already reported this comment.');
  assert.equal(await again.getByLabel('Why should a moderator look at it?').inputValue(), 'still spam');
  assert.equal(await page.evaluate(() => window.__stillHere), true, 'the page reloaded');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a held comment: only its author sees it beside the form, and it moves to the thread live once approved', async () => {
  // A banned word holds the post (the demo's own comments would not pass
  // pre-moderation of everything).
  const held = await startStet({ config: `${NO_LIMITS}\n[comments]\nbanned_words = zorblax\n` });
  try {
    const slug = `held-${Date.now() % 1000000}`;
    addStory(held, slug, { title: 'Held in place' });
    const anna = uniqueName('anna');
    await apiUser(held.base, anna);
    const { context, page } = await newPage(browser);
    await login(page, held.base, anna, `/stories/${slug}`);
    await page.goto(`${held.base}/stories/${slug}`);
    await page.locator('#comment-body').fill('Awaiting a *moderator*: zorblax.');
    await Promise.all([
      page.waitForURL(/#held-\d+$/),
      page.getByRole('button', { name: 'Post comment' }).click(),
    ]);
    const id = Number(/#held-(\d+)$/.exec(page.url())[1]);
    const entry = page.locator(`#your-held #held-${id}`);
    assert.equal(await entry.locator('.comment-held').textContent(), 'awaiting moderation');
    await entry.locator('.comment-held').waitFor({ state: 'visible' });
    await entry.getByRole('link', { name: /^Edit/ }).waitFor({ state: 'visible' });
    assert.equal(await page.locator(`#comment-${id}`).count(), 0);
    await page.evaluate(() => { window.__stillHere = true; });

    const mod = uniqueName('mod');
    addUser(held, mod, 'moderator');
    const token = await apiToken(held.base, mod);
    const r = await fetch(`${held.base}/api/v1/comments/${id}/approve`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}',
    });
    assert.equal(r.status, 200);
    await page.locator(`#comment-${id}`).waitFor({ state: 'visible' });
    await page.locator('#your-held').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => window.__stillHere), true, 'the page reloaded');
    assert.deepEqual(page.errors, []);
    await context.close();
  } finally {
    await stopStet(held);
  }
});
