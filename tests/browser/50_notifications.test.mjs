// Notifications and reporting tasks (issue 5): on a 390-px phone the bell in the header shows
// the unread count, /notifications lists the notice, "查看" opens its page and marks it read;
// a volunteer promoted from the waitlist finds the notice; the county sees per township who
// has reported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPhonePage, newDesktopPage, login, screenshot } from './harness.mjs';

let server;
let browser;

const TASK = '注册志愿者统计表（附件5）报送';

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

test('the bell shows the count on a phone and the inbox lists and opens the notice', async () => {
  const page = await newPhonePage(browser);
  try {
    await login(page, server.url, 'township', 'Demo-2026');
    // The demo county's reporting task told every township admin: the bell counts it.
    const badge = page.locator('#bell .bell-count');
    await badge.waitFor({ timeout: 10_000 });
    const before = Number(await badge.getAttribute('data-count'));
    assert.ok(before >= 1, `the bell counts unread notices (got ${before})`);
    assert.ok(await page.locator('#bell').isVisible(), 'the bell fits in the phone header');
    await assertNoSideways(page, 'home with the bell');

    await page.locator('#bell').click();
    await page.waitForURL(/\/notifications$/);
    const item = page.locator('#notifications li', { hasText: `新的报送任务：${TASK}` });
    assert.equal(await item.count(), 1, 'the inbox lists the task notice');
    assert.match(await item.getAttribute('class'), /unread/);
    await assertNoSideways(page, '/notifications');
    await screenshot(page, '50-notifications-phone');

    await Promise.all([page.waitForURL(/\/report-tasks\/[0-9a-f]+$/), item.getByRole('button', { name: '查看' }).click()]);
    assert.match(await page.locator('h1').innerText(), new RegExp(TASK.slice(0, 6)));
    assert.match(await page.locator('#targets').innerText(), /已报送/, 'their own township has reported');
    await assertNoSideways(page, 'the task on a phone');

    await page.goto(`${server.url}/notifications`);
    const read = page.locator('#notifications li', { hasText: `新的报送任务：${TASK}` });
    assert.match(await read.getAttribute('class'), /\bread\b/);
    await page.locator('#bell').waitFor();
    await page.waitForFunction(
      (b) => {
        const c = document.querySelector('#bell .bell-count');
        return (c ? Number(c.dataset.count) : 0) === b - 1;
      },
      before,
      { timeout: 10_000 },
    );
  } finally {
    await page.context().close();
  }
});

test('a volunteer promoted from the waitlist finds the notice on the phone', async () => {
  const county = await token('county');
  const volunteer = await token('volunteer');
  const me = await api('GET', '/api/v1/auth/me', volunteer);
  const demo = await api('GET', '/api/v1/activities?status=published', county);
  const now = Date.now();
  const activity = await api('POST', '/api/v1/activities', county, {
    title: '敬老院探访（候补测试）',
    team_id: demo.items[0].team_id,
    starts_at: chinaTime(now + 86_400_000),
    ends_at: chinaTime(now + 86_400_000 + 3 * 3600_000),
    capacity: 1,
    waitlist: true,
  });
  // Someone else of the same team takes the one place.
  const members = await api('GET', `/api/v1/teams/${demo.items[0].team_id}/members`, county);
  let first = null;
  for (const m of members.items.filter((m) => m.volunteer_id !== me.volunteer_id)) {
    const res = await fetch(`${server.url}/api/v1/activities/${activity.id}/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${county}` },
      body: JSON.stringify({ volunteer_id: m.volunteer_id }),
    });
    if (res.status === 201) {
      first = m.volunteer_id;
      break;
    }
  }
  assert.ok(first, 'another member of the team took the place');
  const mine = await api('POST', `/api/v1/activities/${activity.id}/signups`, volunteer, { volunteer_id: me.volunteer_id });
  assert.equal(mine.status, 'waitlisted');
  await api('DELETE', `/api/v1/activities/${activity.id}/signups/${first}`, county);

  const page = await newPhonePage(browser);
  try {
    await login(page, server.url, 'volunteer', 'Demo-2026');
    await page.locator('#bell .bell-count').waitFor({ timeout: 10_000 });
    await page.goto(`${server.url}/notifications`);
    const item = page.locator('#notifications li', { hasText: '您已从候补转为正式报名：敬老院探访（候补测试）' });
    assert.equal(await item.count(), 1);
    await assertNoSideways(page, 'the volunteer inbox');
    await screenshot(page, '50-promoted-phone');
    await Promise.all([page.waitForURL(/\/activities\/open/), item.getByRole('button', { name: '查看' }).click()]);
    const card = page.locator(`#a-${activity.id}`);
    assert.match((await card.locator('.my-place').innerText()).trim(), /已报名/);
  } finally {
    await page.context().close();
  }
});

test('the county sees per township who has reported, with a bar', async () => {
  const page = await newDesktopPage(browser);
  try {
    await login(page, server.url, 'county', 'Demo-2026');
    await page.goto(`${server.url}/report-tasks`);
    await page.locator('#report-tasks a', { hasText: TASK }).click();
    await page.waitForURL(/\/report-tasks\/[0-9a-f]+$/);
    assert.match(await page.locator('#counts').innerText(), /已报送 1/);
    const lines = await page.locator('#targets li').count();
    assert.ok(lines >= 2, `every township is listed (got ${lines})`);
    assert.equal(await page.locator('#targets li[data-status="submitted"]').count(), 1);
    const bar = await page.locator('.bar .b-ok').boundingBox();
    assert.ok(bar && bar.width > 0, 'the submitted share is drawn');
    await screenshot(page, '50-report-task-county');
  } finally {
    await page.context().close();
  }
});
