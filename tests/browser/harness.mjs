// Helpers for the browser tests (node:test + playwright-core + Debian's Chromium).
//
// Run with `scripts/test browser`, or by hand:
//   cargo build && ZHIYUAN_BIN=target/debug/zhiyuan node --test tests/browser/
//
// Environment:
//   ZHIYUAN_BIN  the server binary (default: target/debug/zhiyuan of this checkout)
//   CHROMIUM     the Chromium executable (default: /usr/bin/chromium)

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = path.join(ROOT, 'test-results');

/** Fixed 64-hex-char key for tests only. */
export const TEST_SECRET_KEY = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

export const ROOT_USERNAME = 'root';
export const ROOT_PASSWORD = 'Root-pass-2026';

const HEALTH_TIMEOUT_MS = 30_000;

export function serverBinary() {
  const bin = process.env.ZHIYUAN_BIN || path.join(ROOT, 'target', 'debug', 'zhiyuan');
  if (!existsSync(bin)) {
    throw new Error(`server binary not found: ${bin} (run \`cargo build\` or set ZHIYUAN_BIN)`);
  }
  return bin;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(bin, args, env) {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `zhiyuan serve` on a fresh SQLite database in a temp dir.
 * Without `demo`, a superuser root / Root-pass-2026 is created first.
 * Returns { url, port, dir, db, stop(), stdout(), stderr() }.
 */
export async function startServer({ demo = false, args = [], env: extraEnv = {} } = {}) {
  const bin = serverBinary();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zhiyuan-browser-'));
  const db = `sqlite://${path.join(dir, 'z.db')}`;
  const env = { ...process.env, ZHIYUAN_SECRET_KEY: TEST_SECRET_KEY, ...extraEnv };

  let child = null;
  let out = '';
  let err = '';
  let exited = null;
  let stopped = false;

  // If the test process dies without calling stop(), don't leave the server or the dir behind.
  const onExit = () => {
    try {
      if (child && exited === null) child.kill('SIGKILL');
    } catch {}
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {}
  };
  process.once('exit', onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child && exited === null) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const res = await Promise.race([done.then(() => true), sleep(5_000).then(() => false)]);
      if (!res && exited === null) {
        child.kill('SIGKILL');
        await Promise.race([done, sleep(2_000)]);
      }
    }
    process.removeListener('exit', onExit);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    if (!demo) {
      await run(bin, ['admin', 'create', '--username', ROOT_USERNAME, '--password', ROOT_PASSWORD, '--db', db], env);
    }

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serveArgs = ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, ...(demo ? ['--demo'] : []), ...args];
    child = spawn(bin, serveArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    let spawnError = null;
    child.on('error', (e) => (spawnError = e));
    child.on('exit', (code, signal) => (exited = { code, signal }));

    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let last = 'no answer';
    for (;;) {
      if (spawnError) throw spawnError;
      if (exited !== null) {
        throw new Error(`server exited early (${JSON.stringify(exited)})`);
      }
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) break;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = e?.cause?.code || e?.message || String(e);
      }
      if (Date.now() > deadline) {
        throw new Error(`server did not answer GET /healthz with 200 within ${HEALTH_TIMEOUT_MS / 1000}s (last: ${last})`);
      }
      await sleep(100);
    }

    return { url, port, dir, db, stop, stdout: () => out, stderr: () => err };
  } catch (e) {
    await stop().catch(() => {});
    e.message += `\ncommand: ${bin} serve ...\nserver stdout:\n${out}\nserver stderr:\n${err}`;
    throw e;
  }
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** A page in a fresh context sized like a phone (390x844, touch, zh-CN). Close with page.context().close(). */
export async function newPhonePage(browser) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  return context.newPage();
}

/** A page in a fresh context sized like a desktop (1280x800, zh-CN). Close with page.context().close(). */
export async function newDesktopPage(browser) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  return context.newPage();
}

/** Logs in through the form at /login and waits until the browser has left /login. */
export async function login(page, url, username = ROOT_USERNAME, password = ROOT_PASSWORD) {
  await page.goto(`${url}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  try {
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15_000 }),
      page.click('button[type=submit]'),
    ]);
  } catch (e) {
    let text = '';
    try {
      text = (await page.locator('body').innerText()).slice(0, 2000);
    } catch {}
    e.message += `\nlogin as ${username} did not leave /login; now at ${page.url()}; page text:\n${text}`;
    throw e;
  }
}

/** Saves a full-page screenshot to test-results/<name>.png and returns its path. */
export async function screenshot(page, name) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
