// Emergency response (issue 6): the county officer watches the demo drill's live board; the
// demo volunteer, called up, accepts on a 390-px phone with one tap; the board's counts change
// without a reload (server-sent events). Then the officer calls the next candidate in one click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPhonePage, newDesktopPage, login, screenshot } from './harness.mjs';

let server;
let browser;

async function api(method, path, token, body) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function token(username) {
  return (await api('POST', '/api/v1/auth/login', null, { username, password: 'Demo-2026' })).token;
}

before(async () => {
  server = await startServer({ demo: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the board counts change without a reload when a volunteer accepts on the phone', async () => {
  const county = await token('county');
  const volunteer = await token('volunteer');
  const incidents = await api('GET', '/api/v1/incidents', county);
  const drill = incidents.items.find((i) => i.kind === 'drill');
  assert.ok(drill, 'the demo has a drill');
  const mine = await api('GET', '/api/v1/callups', volunteer);
  const callup = mine.items.find((c) => c.incident_id === drill.id && c.status === 'called');
  assert.ok(callup, 'the demo volunteer is called up and has not answered');

  const officer = await newDesktopPage(browser);
  const phone = await newPhonePage(browser);
  try {
    await login(officer, server.url, 'county', 'Demo-2026');
    await officer.goto(`${server.url}/incidents/${drill.id}/board`);
    await officer.waitForSelector('body[data-live=ready]', { timeout: 15_000 });
    const before = Number(await officer.locator('#count-accepted').innerText());
    assert.ok(before >= 1, 'the demo has accepted call-ups');
    assert.equal(await officer.locator('#board-live svg.board-plot').count(), 1, 'the plot is inline SVG');
    assert.ok((await officer.locator('#board-live .plot-volunteer').count()) >= 1, 'homes are plotted');
    await screenshot(officer, '70-board-before');

    // The volunteer opens the notice's link on the phone and accepts with one tap.
    await login(phone, server.url, 'volunteer', 'Demo-2026');
    await phone.goto(`${server.url}/callups/${callup.id}`);
    assert.match(await phone.locator('#callup').innerText(), /婉拒或不回复都不会影响/);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling on a phone (page is ${width}px wide)`);
    await screenshot(phone, '70-callup-phone');
    await Promise.all([phone.waitForURL(/done=accepted/), phone.click('#accept')]);
    assert.match(await phone.locator('.flash').innerText(), /已接受召集/);
    assert.equal(await phone.locator('#callup').getAttribute('data-status'), 'accepted');

    // The officer's board changes by itself.
    await officer.waitForFunction(
      (n) => Number(document.querySelector('#count-accepted')?.textContent) === n,
      before + 1,
      { timeout: 15_000 },
    );
    const row = officer.locator(`#callups .callup-row[data-volunteer-id="${callup.volunteer_id}"]`);
    assert.equal(await row.getAttribute('data-status'), 'accepted');
    await screenshot(officer, '70-board-after');

    // Calling the best candidate is one click; the new call-up shows on the board.
    const calledBefore = await officer.locator('#callups .callup-row').count();
    await Promise.all([officer.waitForURL(/done=called/), officer.click('#call-best-form button[type=submit]')]);
    assert.ok((await officer.locator('#callups .callup-row').count()) > calledBefore, 'more people called');
  } finally {
    await officer.context().close();
    await phone.context().close();
  }
});
