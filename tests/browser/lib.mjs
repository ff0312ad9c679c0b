// Shared helpers for the browser tests: a `stet serve` of their own (ephemeral
// port, fresh SQLite database in a temp directory, optional config), Debian's
// chromium through playwright-core, the reader's steps (register, log in, post)
// and seeding through the JSON API and the CLI, and axe-core.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
export const stetBin = process.env.STET_BIN ? resolve(process.env.STET_BIN) : join(repo, 'build', 'stet');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const PASSWORD = 'a browser password';

// Limits off: a test registers and posts far more often from 127.0.0.1 than the
// defaults allow. A test of a limit starts a server with its own [limits].
export const NO_LIMITS = `[limits]
login_account = 0
login_account_client = 0
login_client = 0
register_client = 0
comment_account = 0
comment_client = 0
`;

function cleanEnv(extra) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STET_')));
  return { ...env, ...(extra || {}) };
}

// Starts `stet serve` on 127.0.0.1:0 with a new database. `config` is INI text
// (default: NO_LIMITS), `env` extra variables (e.g. STET_WEATHER_URL).
export function startStet({ demo = true, config = NO_LIMITS, env = {} } = {}) {
  return new Promise((resolvePromise, reject) => {
    if (!existsSync(stetBin)) {
      reject(new Error(`stet binary not found: ${stetBin} (set STET_BIN)`));
      return;
    }
    const tmp = mkdtempSync(join(tmpdir(), 'stet-browser-'));
    const db = `sqlite:${join(tmp, 'stet.db')}`;
    const args = ['serve', '--listen', '127.0.0.1:0', '--db', db];
    let configPath = null;
    if (config) {
      configPath = join(tmp, 'stet.ini');
      writeFileSync(configPath, config);
      args.push('--config', configPath);
    }
    if (demo) args.push('--demo');
    const procEnv = cleanEnv(env);
    const proc = spawn(stetBin, args, { cwd: tmp, env: procEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const state = { proc, tmp, db, configPath, env: procEnv, stderr: '', base: null };
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
      waitHealthy(state.base).then(() => resolvePromise(state), reject);
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

// SIGTERM, then asserts a clean exit and no sanitizer report; keeps the temp
// directory when something went wrong.
export async function stopStet(state) {
  if (!state) return;
  const { code, signal } = await new Promise((resolvePromise) => {
    const { proc } = state;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolvePromise({ code: proc.exitCode, signal: proc.signalCode });
      return;
    }
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
    proc.once('exit', (c, s) => {
      clearTimeout(timer);
      resolvePromise({ code: c, signal: s });
    });
    process.kill(proc.pid, 'SIGTERM');
  });
  const sanitizer = /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/.exec(state.stderr);
  if (code === 0 && !sanitizer) rmSync(state.tmp, { recursive: true, force: true });
  assert.equal(sanitizer, null, `sanitizer report in stet stderr (kept ${state.tmp}):\n${state.stderr.slice(-6000)}`);
  assert.equal(code, 0, `stet exited with ${code ?? signal} after SIGTERM (kept ${state.tmp})\n${state.stderr.slice(-3000)}`);
}

// Runs a stet CLI command on the server's database; throws on a non-zero exit.
export function cli(server, args, input) {
  const full = [...args, '--db', server.db];
  if (server.configPath) full.push('--config', server.configPath);
  const p = spawnSync(stetBin, full, { cwd: server.tmp, env: server.env, input: input ?? '', timeout: 30000 });
  const err = p.stderr ? p.stderr.toString() : '';
  assert.doesNotMatch(err, /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/, `sanitizer report from stet ${args.join(' ')}`);
  assert.equal(p.status, 0, `stet ${args.join(' ')} failed (${p.status}): ${err}`);
  return p.stdout.toString();
}

export function addStory(server, slug, { title, body = 'A story body.\n\nSecond paragraph.', publishedAt } = {}) {
  const args = ['story', 'add', '--slug', slug, '--title', title || slug.replace(/-/g, ' '),
    '--byline', 'By A. Reporter', '--body-file', '-'];
  if (publishedAt) args.push('--published-at', publishedAt);
  cli(server, args, body);
}

export function addUser(server, username, role) {
  const args = ['user', 'add', '--username', username, '--email', `${username}@example.com`];
  if (role) args.push('--role', role);
  cli(server, args, `${PASSWORD}\n`);
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

// A fresh context and page that collect uncaught page errors in page.errors.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  return { context, page };
}

let nameSeq = 0;
// A username no other test in this process uses.
export function uniqueName(prefix) {
  nameSeq += 1;
  return `${prefix}${process.pid % 10000}${nameSeq}`;
}

function submitButton(page) {
  return page.locator('form:has(input[name="password"])').locator('button[type="submit"], input[type="submit"]').first();
}

// Submits an account form and waits to leave its page; a form shown again says
// why in the thrown error.
async function submitAccountForm(page, path) {
  const [resp] = await Promise.all([page.waitForNavigation(), submitButton(page).click()]);
  if (new URL(page.url()).pathname === path) {
    const why = await page.locator('.form-error').allInnerTexts();
    throw new Error(`${path} answered ${resp && resp.status()} and stayed: ${why.join(' / ')}`);
  }
}

// Registers through the form; `next` is where the site should send the reader.
export async function register(page, base, name, next = '/') {
  await page.goto(`${base}/register?next=${encodeURIComponent(next)}`);
  await page.getByLabel(/user ?name/i).fill(name);
  await page.getByLabel(/e-?mail/i).fill(`${name}@example.com`);
  await page.getByLabel(/password/i).fill(PASSWORD);
  await submitAccountForm(page, '/register');
}

export async function login(page, base, name, next = '/') {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel(/user ?name|login/i).fill(name);
  await page.getByLabel(/password/i).fill(PASSWORD);
  await submitAccountForm(page, '/login');
}

// Posts through the story's form, on the page already showing it; returns the
// new comment's id from the redirect's #comment-ID.
export async function postComment(page, body) {
  await page.locator('#comment-body').fill(body);
  await Promise.all([
    page.waitForURL(/#comment-\d+$/),
    page.getByRole('button', { name: 'Post comment' }).click(),
  ]);
  return Number(/#comment-(\d+)$/.exec(page.url())[1]);
}

// --- JSON API, for seeding

async function api(base, method, path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(`${base}/api/v1${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

// Registers a user through the API and returns a bearer token.
export async function apiUser(base, username) {
  await api(base, 'POST', '/users', { username, email: `${username}@example.com`, password: PASSWORD });
  return apiToken(base, username);
}

export async function apiToken(base, username) {
  const s = await api(base, 'POST', '/sessions', { login: username, password: PASSWORD });
  return s.token;
}

export async function apiComment(base, token, slug, body, parentId) {
  const payload = { body };
  if (parentId) payload.parent_id = parentId;
  const r = await api(base, 'POST', `/stories/${encodeURIComponent(slug)}/comments`, payload, token);
  return r.comment.id;
}

export async function demoSlugs(base) {
  const r = await api(base, 'GET', '/stories?limit=10');
  return r.stories.map((s) => s.slug);
}

// --- axe-core

const axeSource = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export const WIDTHS = [375, 1280];
export const SCHEMES = ['light', 'dark'];

// Runs axe on the page as it is now. stet's Content-Security-Policy
// (script-src 'self') blocks page.addScriptTag, so the source goes in through
// page.evaluate (the DevTools protocol, which CSP does not govern): the page
// keeps the exact CSP and markup a reader gets. Returns the violations.
export async function axe(page) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  });
}

// Runs axe at both widths and in both colour schemes on the page's current
// state (no reload: a state reached by a POST stays as it is) and asserts no
// violations, naming each one with where it was found.
export async function assertAccessible(page, label) {
  const found = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const v of await axe(page)) {
        found.push(`${label} @${width}px ${scheme}: ${v.id} (${v.impact}) ${v.help}\n` +
          v.nodes.map((n) => `    ${n.target}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n'));
      }
    }
  }
  await page.emulateMedia({ colorScheme: null });
  assert.deepEqual(found, [], `axe violations:\n${found.join('\n')}`);
}

export async function assertVisibleText(locator, text) {
  await locator.first().waitFor({ state: 'visible' });
  const got = await locator.first().innerText();
  assert.ok(got.includes(text), `expected ${JSON.stringify(text)} in ${JSON.stringify(got.slice(0, 500))}`);
}
