// Browser test: a real Chromium (Debian's, driven by playwright-core) reads a demo
// story, follows "Click here to register", registers, posts a comment and sees it
// listed with the count at 1; a second page on a story sees a comment posted in
// another appear live. Starts its own `stet serve --demo` on a fresh database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const stetBin = process.env.STET_BIN ? resolve(process.env.STET_BIN) : join(repo, 'build', 'stet');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let server; // { proc, base, tmp, stderr }
let browser;

function startStet() {
  return new Promise((resolvePromise, reject) => {
    if (!existsSync(stetBin)) {
      reject(new Error(`stet binary not found: ${stetBin} (set STET_BIN)`));
      return;
    }
    const tmp = mkdtempSync(join(tmpdir(), 'stet-browser-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STET_')));
    const proc = spawn(stetBin, ['serve', '--listen', '127.0.0.1:0', '--db', `sqlite:${join(tmp, 'stet.db')}`, '--demo'],
      { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const state = { proc, tmp, stderr: '', base: null };
    proc.stderr.on('data', (d) => { state.stderr += d.toString(); });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`stet did not print its listening line within 20 s\n${state.stderr.slice(-3000)}`));
    }, 20000);
    proc.on('exit', (code, sig) => {
      if (!state.base) {
        clearTimeout(timer);
        reject(new Error(`stet exited early (${code ?? sig})\n${state.stderr.slice(-3000)}`));
      }
    });
    const rl = createInterface({ input: proc.stdout });
    rl.once('line', (line) => {
      clearTimeout(timer);
      const m = /^stet: listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line.trim());
      if (!m) {
        proc.kill('SIGKILL');
        reject(new Error(`unexpected first line from stet: ${JSON.stringify(line)}`));
        return;
      }
      state.base = m[1];
      resolvePromise(state);
    });
    proc.stdout.on('data', () => {}); // keep draining
  });
}

async function waitHealthy(base) {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200) return;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('/healthz never answered 200');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopStet(state) {
  return new Promise((resolvePromise) => {
    const { proc } = state;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolvePromise({ code: proc.exitCode, signal: proc.signalCode });
      return;
    }
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal });
    });
    process.kill(proc.pid, 'SIGTERM');
  });
}

before(async () => {
  server = await startStet();
  await waitHealthy(server.base);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    const { code, signal } = await stopStet(server);
    const sanitizer = /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/.exec(server.stderr);
    const keep = code !== 0 || sanitizer;
    if (!keep) rmSync(server.tmp, { recursive: true, force: true });
    assert.equal(sanitizer, null, `sanitizer report in stet stderr:\n${server.stderr.slice(-6000)}`);
    assert.equal(code, 0, `stet exited with ${code ?? signal} after SIGTERM\n${server.stderr.slice(-3000)}`);
  }
});

test('register from a story and post a comment', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  await page.goto(`${server.base}/`);
  const first = page.locator('li.story-item').first();
  const slug = await first.getAttribute('data-slug');
  assert.ok(slug, 'the demo front page lists no story');
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
  await Promise.all([
    page.waitForURL(`**/stories/${slug}`),
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

async function assertVisibleText(locator, text) {
  await locator.waitFor({ state: 'visible' });
  const got = await locator.innerText();
  assert.ok(got.includes(text), `expected ${JSON.stringify(text)} in ${JSON.stringify(got.slice(0, 500))}`);
}

test('a comment posted in one page appears live in another', async () => {
  const watcherCtx = await browser.newContext();
  const posterCtx = await browser.newContext();
  const watcher = await watcherCtx.newPage();
  const poster = await posterCtx.newPage();
  watcher.setDefaultTimeout(10000);
  poster.setDefaultTimeout(10000);
  const pageErrors = [];
  watcher.on('pageerror', (e) => pageErrors.push(String(e)));

  await watcher.goto(`${server.base}/`);
  const items = watcher.locator('li.story-item');
  assert.ok((await items.count()) >= 2, 'the demo front page lists fewer than two stories');
  const slug = await items.nth(1).getAttribute('data-slug');
  await watcher.goto(`${server.base}/stories/${slug}`);
  const before = Number(await watcher.locator('#comments').getAttribute('data-count'));
  // A marker that a reload or navigation would wipe.
  await watcher.evaluate(() => { window.__stillHere = true; });

  const name = `live${Date.now() % 1000000}`;
  await poster.goto(`${server.base}/register?next=${encodeURIComponent(`/stories/${slug}`)}`);
  await poster.getByLabel(/user ?name/i).fill(name);
  await poster.getByLabel(/e-?mail/i).fill(`${name}@example.com`);
  await poster.getByLabel(/password/i).fill('a browser password');
  await Promise.all([
    poster.waitForURL(`**/stories/${slug}`),
    poster.locator('form:has(input[name="password"])').locator('button[type="submit"], input[type="submit"]').first().click(),
  ]);
  await poster.locator('#comment-body').fill('Seen live in the other *tab* <img src=x onerror="window.__pwned=1">');
  await Promise.all([
    poster.waitForURL(new RegExp(`/stories/${slug}#comment-\\d+$`)),
    poster.getByRole('button', { name: 'Post comment' }).click(),
  ]);
  const id = /#comment-(\d+)$/.exec(poster.url())[1];

  const live = watcher.locator(`article.comment#comment-${id}`);
  await live.waitFor({ state: 'visible', timeout: 10000 });
  assert.match(await live.locator('.comment-body').innerText(), /Seen live in the other tab/);
  assert.match(await live.locator('.comment-author').innerText(), new RegExp(name));
  assert.equal(await watcher.locator('#comments').getAttribute('data-count'), String(before + 1));
  assert.equal((await watcher.locator('#comments .comment-count').first().innerText()).trim(), String(before + 1));
  assert.equal(await watcher.locator(`#comment-${id}`).count(), 1, 'the comment was inserted twice');
  assert.equal(await watcher.evaluate(() => window.__stillHere), true, 'the watching page reloaded');
  assert.equal(await watcher.evaluate(() => window.__pwned), undefined, 'a live comment ran script');
  assert.deepEqual(pageErrors, []);
  await watcherCtx.close();
  await posterCtx.close();
});
