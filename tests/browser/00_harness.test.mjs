// Self-test of the browser harness: the server starts, /login renders a password field,
// and the login helper gets root past the login page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPhonePage, newDesktopPage, login, screenshot } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('GET /login answers 200 with a password field', async () => {
  const res = await fetch(`${server.url}/login`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /<input[^>]*type=["']?password/i);

  const page = await newPhonePage(browser);
  try {
    const resp = await page.goto(`${server.url}/login`);
    assert.equal(resp.status(), 200);
    assert.ok((await page.locator('input[name=password]').count()) >= 1, 'input[name=password] on /login');
    await screenshot(page, '00-login-phone');
  } finally {
    await page.context().close();
  }
});

test('login helper signs root in', async () => {
  const page = await newDesktopPage(browser);
  try {
    await login(page, server.url, 'root', 'Root-pass-2026');
    assert.ok(!new URL(page.url()).pathname.startsWith('/login'));
    await screenshot(page, '00-after-login-desktop');
  } finally {
    await page.context().close();
  }
});
