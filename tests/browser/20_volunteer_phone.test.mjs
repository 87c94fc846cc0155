// A volunteer on a 390-px phone sees their own page and nobody else's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPhonePage, login, screenshot } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ demo: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a volunteer on a phone sees only their own page', async () => {
  const page = await newPhonePage(browser);
  try {
    await login(page, server.url, 'volunteer', 'Demo-2026');
    await page.waitForURL(/\/me$/);
    const masked = (await page.locator('.id-masked').first().innerText()).trim();
    assert.match(masked, /^\d{4}\*{10}[\dX]{4}$/);
    assert.match(await page.content(), /应急分队/, 'their unit is shown');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling on a phone (page is ${width}px wide)`);
    await screenshot(page, '20-volunteer-me-phone');

    // The volunteer list holds only themselves.
    await page.goto(`${server.url}/volunteers`);
    assert.equal(await page.locator('.volunteer-row').count(), 1);

    // Someone else's record is not there for them, in pages or the API.
    const { token } = await (await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'county', password: 'Demo-2026' }),
    })).json();
    const all = await (await fetch(`${server.url}/api/v1/volunteers?per_page=5`, { headers: { authorization: `Bearer ${token}` } })).json();
    const me = await (await page.request.get(`${server.url}/api/v1/auth/me`)).json();
    const other = all.items.find((v) => v.id !== me.volunteer_id);
    const resp = await page.goto(`${server.url}/volunteers/${other.id}`);
    assert.equal(resp.status(), 404);
    assert.ok(!(await page.content()).includes(other.name), 'no trace of the other volunteer');
    const apiResp = await page.request.get(`${server.url}/api/v1/volunteers/${other.id}`);
    assert.equal(apiResp.status(), 404);
  } finally {
    await page.context().close();
  }
});
