// Browser test (issue 11, item 6): an author sees Edit on their own comment and not
// on another reader's (the links are in the shared markup; the reader's own
// stylesheet shows them), edits through the form without any script of the story
// page's, and lands on the comment showing the new text, the "edited" mark and the
// one-shot notice. A moderator sees Moderate; an anonymous reader none of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStet, stopStet, launchBrowser, newPage, addStory, apiUser, apiComment, login,
  uniqueName, addUser, assertVisibleText,
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

test('an author edits their own comment from the story page', async () => {
  const slug = `actions-${Date.now() % 1000000}`;
  addStory(server, slug, { title: 'Edit from the page' });
  const anna = uniqueName('anna');
  const bob = uniqueName('bob');
  const annaId = await apiComment(server.base, await apiUser(server.base, anna), slug, 'first words');
  const bobId = await apiComment(server.base, await apiUser(server.base, bob), slug, 'bob speaks');

  const { context, page } = await newPage(browser);
  await login(page, server.base, anna, `/stories/${slug}`);
  await page.goto(`${server.base}/stories/${slug}`);
  const mine = page.locator(`#comment-${annaId}`);
  const theirs = page.locator(`#comment-${bobId}`);
  const edit = mine.locator(':scope > .comment-actions > a.comment-edit');
  await edit.waitFor({ state: 'visible' });
  assert.equal(await mine.locator(':scope > .comment-actions > a.comment-delete').isVisible(), true);
  assert.equal(await mine.locator(':scope > .comment-actions > a.comment-report').isVisible(), false);
  assert.equal(await theirs.locator(':scope > .comment-actions > a.comment-edit').isVisible(), false);
  assert.equal(await theirs.locator(':scope > .comment-actions > a.comment-report').isVisible(), true);
  assert.equal(await theirs.locator(':scope > .comment-actions > a.comment-moderate').isVisible(), false);

  await Promise.all([page.waitForURL(`**/stories/${slug}/comments/${annaId}/edit`), edit.click()]);
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
  assert.deepEqual(page.errors, []);
  await context.close();

  // An anonymous reader sees none of the four; a moderator sees Moderate.
  const anon = await newPage(browser);
  await anon.page.goto(`${server.base}/stories/${slug}`);
  assert.equal(await anon.page.locator('.comment-actions a:visible').count(), 0);
  await anon.context.close();
  const mod = uniqueName('mod');
  addUser(server, mod, 'moderator');
  const m = await newPage(browser);
  await login(m.page, server.base, mod, `/stories/${slug}`);
  await m.page.goto(`${server.base}/stories/${slug}`);
  await m.page.locator(`#comment-${bobId} > .comment-actions > a.comment-moderate`).waitFor({ state: 'visible' });
  await m.context.close();
});
