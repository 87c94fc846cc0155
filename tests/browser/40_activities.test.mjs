// Activities on phones (issue 4): a volunteer signs up for an open activity and sees their
// place there and on /me; an officer shows the rotating QR code of an activity happening now,
// and a volunteer with a confirmed place opens its link (logging in on the way) and checks in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPhonePage, login, screenshot } from './harness.mjs';

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

/** RFC 3339 in China time, as the API takes it. */
function chinaTime(ms) {
  const d = new Date(ms + 8 * 3600_000);
  return d.toISOString().slice(0, 19) + '+08:00';
}

async function assertNoSideways(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${what}: no sideways scrolling on a phone (page is ${width}px wide)`);
}

before(async () => {
  server = await startServer({ demo: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a volunteer on a phone signs up for an open activity and sees their place', async () => {
  const page = await newPhonePage(browser);
  try {
    await login(page, server.url, 'volunteer', 'Demo-2026');
    await page.goto(`${server.url}/activities/open`);
    assert.match(await page.locator('h1').first().innerText(), /可报名的活动/);
    const card = page.locator('.open-activity', { hasText: '防汛应急演练' });
    assert.equal(await card.count(), 1, 'the demo drill is open to the volunteer');
    assert.match(await card.innerText(), /剩余名额\s*\d+\s*\/\s*20/);
    await assertNoSideways(page, '/activities/open');
    await screenshot(page, '40-open-activities-phone');

    await Promise.all([page.waitForURL(/\/activities\/open\?done=signup/), card.locator('.signup-button').click()]);
    assert.match(await page.locator('.flash').innerText(), /报名成功/);
    const place = (await card.locator('.my-place').innerText()).trim();
    assert.match(place, /^(已报名|候补第\d+位)$/, `their place is shown (got "${place}")`);
    assert.ok(await card.locator('.cancel-button').isVisible(), 'they may cancel');
    await assertNoSideways(page, 'after sign-up');
    await screenshot(page, '40-signed-up-phone');

    // Signing up twice is refused beside the activity, not a blank error page.
    const again = await page.request.post(`${server.url}/activities/${await card.getAttribute('data-activity-id')}/signup`, {
      form: { _csrf: await page.locator('input[name=_csrf]').first().inputValue() },
      maxRedirects: 0,
    });
    assert.equal(again.status(), 409);
    assert.match(await again.text(), /已经报名/);

    await page.goto(`${server.url}/me`);
    const row = page.locator('#signups .signup-row', { hasText: '防汛应急演练' });
    assert.equal((await row.locator('.my-place').innerText()).trim(), place, 'the same place on /me');
    assert.match(await page.locator('#hours').innerText(), /今年已服务\s*[\d.]+\s*小时，目标 20 小时/);
    assert.equal(await page.locator('#hours .progress').count(), 1, 'progress towards 20 h as a bar');
    await assertNoSideways(page, '/me');
    await screenshot(page, '40-me-signups-phone');
  } finally {
    await page.context().close();
  }
});

test('an officer shows the QR code and a volunteer checks in through its link', async () => {
  const county = await token('county');
  const volunteer = await token('volunteer');
  const me = await api('GET', '/api/v1/auth/me', volunteer);
  const demo = await api('GET', '/api/v1/activities?status=published', county);
  assert.ok(demo.items.length > 0, 'the demo has published activities');
  // Starts a minute from now (an activity must lie in the future); scanning opens half an
  // hour before the start, so the volunteer can check in at once (service counts from the start).
  const now = Date.now();
  const activity = await api('POST', '/api/v1/activities', county, {
    title: '社区巡逻（扫码测试）',
    team_id: demo.items[0].team_id,
    starts_at: chinaTime(now + 60_000),
    ends_at: chinaTime(now + 2 * 3600_000),
    capacity: 5,
    location: { name: '兴仁社区服务站' },
  });
  const signup = await api('POST', `/api/v1/activities/${activity.id}/signups`, volunteer, { volunteer_id: me.volunteer_id });
  assert.equal(signup.status, 'confirmed');

  const officer = await newPhonePage(browser);
  const phone = await newPhonePage(browser);
  try {
    await login(officer, server.url, 'county', 'Demo-2026');
    await officer.goto(`${server.url}/activities/${activity.id}`);
    assert.match(await officer.locator('#confirmed').innerText(), new RegExp(me.name || '.'));
    await officer.click('#qr-link');
    await officer.waitForURL(/\/qr$/);
    assert.equal(await officer.locator('#qr-code svg').count(), 1, 'the code is drawn as inline SVG');
    assert.equal(await officer.locator('#qr-code').getAttribute('hx-trigger'), 'every 20s');
    assert.match(await officer.locator('#countdown').innerText(), /\d+ 秒后刷新/);
    const link = (await officer.locator('#checkin-link').innerText()).trim();
    assert.ok(link.startsWith(`${server.url}/checkin/`), `the link under the code leads here: ${link}`);
    await assertNoSideways(officer, 'QR screen');
    await screenshot(officer, '40-officer-qr-phone');
    // The fragment htmx polls hands out a fresh code.
    const fresh = await (await officer.request.get(`${server.url}/activities/${activity.id}/qr/code`)).text();
    assert.match(fresh, /\/checkin\//);
    assert.ok(!fresh.includes(link), 'a fresh code differs from the one shown');

    // The volunteer scans: not logged in yet, so the login page comes first and leads back.
    await phone.goto(link);
    await phone.waitForURL(/\/login\?next=/);
    await phone.fill('input[name=username]', 'volunteer');
    await phone.fill('input[name=password]', 'Demo-2026');
    await Promise.all([phone.waitForURL(/\/checkin\//), phone.click('button[type=submit]')]);
    assert.match(await phone.locator('#checkin').innerText(), /社区巡逻（扫码测试）/);
    assert.match(await phone.locator('#checkin-action').innerText(), /签到/);
    await assertNoSideways(phone, 'check-in confirmation');
    await screenshot(phone, '40-checkin-confirm-phone');
    await Promise.all([phone.waitForURL(/\/checkin-result\//), phone.click('#checkin-submit')]);
    assert.match(await phone.locator('h1').innerText(), /签到成功/);
    assert.match(await phone.locator('#checked-in-at').innerText(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    await assertNoSideways(phone, 'check-in result');
    await screenshot(phone, '40-checkin-done-phone');

    // A code that is not ours is refused in plain Chinese.
    const bad = await phone.goto(`${server.url}/checkin/${activity.id}.9999999999999.00000000000000000000000000000000`);
    assert.equal(bad.status(), 422);
    assert.match(await phone.locator('#checkin-error').innerText(), /签到码无效/);

    // The officer's activity page now lists the open record.
    await officer.goto(`${server.url}/activities/${activity.id}`);
    assert.match(await officer.locator('#records').innerText(), /扫码签到/);
    await assertNoSideways(officer, 'activity detail');
    await screenshot(officer, '40-officer-activity-phone');
  } finally {
    await officer.context().close();
    await phone.context().close();
  }
});

test('a volunteer asks for a service certificate on /me and anyone can verify it', async () => {
  const page = await newPhonePage(browser);
  const visitor = await newPhonePage(browser);
  try {
    await login(page, server.url, 'volunteer', 'Demo-2026');
    await page.goto(`${server.url}/me`);
    await Promise.all([page.waitForURL(/\/certificates\/[0-9a-f]{40}$/), page.click('#certificate-form button[type=submit]')]);
    assert.match(await page.locator('#certificate-no').innerText(), /^ZYZM-\d{4}-[0-9A-F]{8}$/);
    assert.match(await page.locator('#certificate-hours').innerText(), /^[\d.]+ 小时$/);
    const pdf = await page.request.get(`${server.url}${await page.locator('#pdf-link').getAttribute('href')}`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    await assertNoSideways(page, 'certificate');
    await screenshot(page, '40-certificate-phone');

    // The verify link works without logging in and shows only the masked name.
    const verify = await page.locator('#verify-link').getAttribute('href');
    await visitor.goto(`${server.url}${verify}`);
    assert.match(await visitor.locator('#verify-status').innerText(), /证明有效/);
    assert.match(await visitor.locator('#verify-name').innerText(), /\*/);
    await assertNoSideways(visitor, 'verify');
    await screenshot(visitor, '40-verify-phone');
    const forged = verify.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const res = await visitor.goto(`${server.url}${forged}`);
    assert.equal(res.status(), 404);
    assert.match(await visitor.locator('#verify-status').innerText(), /证明无效/);
  } finally {
    await page.context().close();
    await visitor.context().close();
  }
});
