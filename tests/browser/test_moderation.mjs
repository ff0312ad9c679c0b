// The moderation queue in a browser (issue 11): a reader flags a comment, a
// moderator finds it on /moderation and rejects it by clicking the form (no
// script needed), lands back on the queue with a notice, and a reader's open story
// page (a second browser context) loses the comment without a reload.
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

test('a moderator rejects a comment on /moderation and an open page loses it live', async () => {
  const slug = L.uniqueName('moderated-story');
  L.addStory(server, slug, { title: 'A story under moderation' });
  const author = await L.apiUser(server.base, L.uniqueName('author'));
  const id = await L.apiComment(server.base, author, slug, 'An abusive comment.');
  const keep = await L.apiComment(server.base, author, slug, 'A fine comment.');
  // A second reader reports it: it waits in the queue while still on the page.
  const flagger = await L.apiUser(server.base, L.uniqueName('flagger'));
  const rep = await fetch(`${server.base}/api/v1/comments/${id}/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${flagger}` },
    body: JSON.stringify({ reason: 'abuse' }),
  });
  assert.equal(rep.status, 201);

  const { context: readerCtx, page: reader } = await L.newPage(browser);
  await reader.goto(`${server.base}/stories/${slug}`);
  await reader.locator(`#comment-${id}`).waitFor({ state: 'visible' });
  await reader.evaluate(() => { window.__stillHere = true; });

  const modName = L.uniqueName('mod');
  L.addUser(server, modName, 'moderator');
  const { context: modCtx, page: mod } = await L.newPage(browser);
  await L.login(mod, server.base, modName, '/');
  await mod.getByRole('link', { name: 'Moderation', exact: true }).click();
  await mod.waitForURL('**/moderation');
  const item = mod.locator(`#mod-comment-${id}`);
  await item.waitFor({ state: 'visible' });
  assert.match(await item.locator('.mod-reasons').innerText(), /Reported once/);
  await L.assertAccessible(mod, 'moderation queue');

  await item.getByLabel(/Note/).fill('Abuse.');
  await Promise.all([
    mod.waitForURL('**/moderation'),
    item.getByRole('button', { name: /^Reject/ }).click(),
  ]);
  assert.match(await mod.locator('#flash').innerText(), /The comment was rejected\./);
  assert.equal(await mod.locator(`#mod-comment-${id}`).count(), 0);

  await reader.locator(`#comment-${id}`).waitFor({ state: 'detached' });
  assert.equal(await reader.locator(`#comment-${keep}`).count(), 1);
  assert.equal(await reader.evaluate(() => window.__stillHere), true, 'the reader\'s page reloaded');
  assert.deepEqual(reader.errors, []);
  assert.deepEqual(mod.errors, []);
  await readerCtx.close();
  await modCtx.close();
});
