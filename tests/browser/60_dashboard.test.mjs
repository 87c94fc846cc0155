// Oversight (issue 5) in a browser: the county admin opens the dashboard from the home page and
// sees charts drawn (inline SVG: bars with height, a screenshot that is not blank), drills down to
// a township; the compliance page lists findings by rule; a station's 六个有 form on the org page
// (loaded by htmx) records the missing items.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newDesktopPage, newPhonePage, login, screenshot } from './harness.mjs';

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

/** The share of pixels of a PNG that are not (nearly) white, decoded by the browser itself. */
async function nonWhiteShare(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235) ink++;
    }
    return ink / (data.length / 4);
  }, png.toString('base64'));
}

before(async () => {
  server = await startServer({ demo: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the county dashboard draws its charts and drills down', async () => {
  const page = await newDesktopPage(browser);
  try {
    await login(page, server.url, 'county', 'Demo-2026');
    await Promise.all([page.waitForURL(/\/dashboard/), page.locator('a.dashboard-link').first().click()]);
    assert.match(await page.locator('h1').innerText(), /奈曼旗 统计看板/);

    const hours = page.locator('svg#chart-hours');
    await hours.waitFor();
    assert.equal(await hours.getAttribute('role'), 'img');
    assert.match(await page.locator('#chart-hours-t').textContent(), /每月服务时长/);
    // The demo back-fills six months of activities: some bars have height.
    const heights = await page.locator('svg#chart-hours rect[fill="#b71c1c"]').evaluateAll((rs) =>
      rs.map((r) => r.getBoundingClientRect().height),
    );
    assert.equal(heights.length, 12, 'one bar per month');
    assert.ok(heights.filter((h) => h > 1).length >= 5, `bars drawn: ${heights}`);
    const box = await hours.boundingBox();
    assert.ok(box.width > 300 && box.height > 100, `chart laid out: ${JSON.stringify(box)}`);

    const shot = await hours.screenshot();
    const share = await nonWhiteShare(page, shot);
    assert.ok(share > 0.03, `the chart is not blank (${(share * 100).toFixed(1)} % ink)`);
    const full = await page.screenshot({ fullPage: true });
    assert.ok((await nonWhiteShare(page, full)) > 0.05, 'the page is not blank');
    await screenshot(page, '60-dashboard-desktop');

    // Every chart has its figures as a table too.
    await page.locator('#chart-ages-card summary').click();
    assert.ok((await page.locator('#chart-ages-card table tbody tr').count()) === 6, 'six age bands');

    // Drill down: the first township.
    const row = page.locator('#children-table tbody tr a').first();
    const name = await row.innerText();
    await Promise.all([page.waitForURL(/\/dashboard$/), row.click()]);
    assert.match(await page.locator('h1').innerText(), new RegExp(name));
    assert.match(await page.locator('.breadcrumbs').innerText(), /奈曼旗/);
  } finally {
    await page.context().close();
  }
});

test('the dashboard fits a phone and the compliance page lists findings by rule', async () => {
  const page = await newPhonePage(browser);
  try {
    await login(page, server.url, 'county', 'Demo-2026');
    await page.locator('a.dashboard-link').first().click();
    await page.locator('svg.chart').first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling on a phone (page is ${width}px wide)`);
    await screenshot(page, '60-dashboard-phone');

    await Promise.all([page.waitForURL(/\/compliance/), page.locator('#to-compliance').click()]);
    const counts = page.locator('#rule-counts li');
    assert.equal(await counts.count(), 7, 'seven rules');
    const villages = page.locator('#rule-village_without_team tbody tr');
    assert.ok((await villages.count()) > 0, 'villages without a team are listed');
    assert.match(await villages.first().innerText(), /没有志愿服务队/);
    assert.ok((await page.locator('#rule-station_standard_incomplete tbody tr').count()) > 0);
    await screenshot(page, '60-compliance-phone');
  } finally {
    await page.context().close();
  }
});

test('a station records its missing 六个有 items on its org page', async () => {
  const token = (await api('POST', '/api/v1/auth/login', null, { username: 'county', password: 'Demo-2026' })).token;
  const me = await api('GET', '/api/v1/auth/me', token);
  const list = await api('GET', `/api/v1/orgs/${me.org_id}/compliance?rule=station_standard_incomplete`, token);
  assert.ok(list.items.length > 0, 'the demo leaves some stations incomplete');
  const station = list.items[0].subject_id;

  const page = await newPhonePage(browser);
  try {
    await login(page, server.url, 'county', 'Demo-2026');
    await page.goto(`${server.url}/orgs/${station}`);
    const form = page.locator('#station-standard-form');
    await form.waitFor();
    assert.match(await page.locator('#oversight-panel').innerText(), /不齐全/);
    for (const item of ['rules', 'signage']) {
      await form.locator(`input[name="present.${item}"]`).check();
      await form.locator(`input[name="evidence.${item}"]`).fill(`${item} 已补齐（照片 2026-11）`);
    }
    await Promise.all([page.waitForURL(/station-standard\?saved=1/), form.locator('button[type=submit]').click()]);
    assert.match(await page.locator('.flash').innerText(), /已保存/);
    const heading = await page.locator('h1').innerText();
    assert.match(heading, /齐全/);
    assert.doesNotMatch(heading, /不齐全/);
    const after = await api('GET', `/api/v1/orgs/${station}/station-standard`, token);
    assert.equal(after.complete, true);
  } finally {
    await page.context().close();
  }
});
