// A county administrator's day: build a village and its team, register a volunteer (a wrong
// ID number first, then the right one), and see them on the team's roster.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newDesktopPage, login, screenshot, ROOT_USERNAME, ROOT_PASSWORD } from './harness.mjs';

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

// GB 11643 check character of the first 17 digits.
function idNumber(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

let countyId;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const { token } = await api('POST', '/api/v1/auth/login', null, { username: ROOT_USERNAME, password: ROOT_PASSWORD });
  const county = await api('POST', '/api/v1/orgs', token, { name: '奈曼旗', level: 'county', population: 440000 });
  countyId = county.id;
  await api('POST', '/api/v1/users', token, { username: 'county', password: 'Demo-2026x', role: 'admin', org_id: countyId });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('build a village and its team, register a volunteer, see them on the roster', async () => {
  const page = await newDesktopPage(browser);
  try {
    await login(page, server.url, 'county', 'Demo-2026x');
    await page.goto(`${server.url}/orgs/${countyId}`);
    assert.match(await page.locator('h1').first().innerText(), /奈曼旗/);

    // A township under the county, then a village under the township.
    const childForm = page.locator('form[action$="/children"]');
    await childForm.locator('[name=name]').fill('大沁他拉镇');
    await childForm.locator('[name=level]').selectOption('township');
    await childForm.locator('button[type=submit]').click();
    await page.waitForURL(/\/orgs\/[0-9a-f]+$/);
    assert.ok(!page.url().endsWith(countyId), 'now on the new township page');
    assert.match(await page.locator('h1').first().innerText(), /大沁他拉镇/);

    const villageForm = page.locator('form[action$="/children"]');
    await villageForm.locator('[name=name]').fill('东街社区');
    await villageForm.locator('[name=level]').selectOption('village');
    await villageForm.locator('[name=population]').fill('3200');
    await villageForm.locator('button[type=submit]').click();
    await page.waitForURL(/\/orgs\/[0-9a-f]+$/);
    assert.match(await page.locator('h1').first().innerText(), /东街社区/);
    const villageId = page.url().split('/').pop();

    // The village's team.
    const teamForm = page.locator('form[action$="/teams"]');
    await teamForm.locator('[name=name]').fill('东街社区退役军人志愿服务队');
    await teamForm.locator('[name=echelon]').selectOption('team');
    await teamForm.locator('button[type=submit]').click();
    await page.waitForURL(/\/teams\/[0-9a-f]+$/);
    const teamUrl = page.url();
    assert.match(await page.content(), /东街社区退役军人志愿服务队/);

    // Register a volunteer: a wrong check digit first.
    await page.goto(`${server.url}/volunteers/new?org_id=${villageId}`);
    const good = idNumber('15052519780312003');
    const wrongLast = good.endsWith('0') ? '1' : '0';
    await page.fill('[name=name]', '张卫国');
    await page.fill('[name=id_number]', good.slice(0, 17) + wrongLast);
    await page.fill('[name=phone]', '13847561234');
    await page.check('[name=veteran]');
    await page.fill('[name=skills]', '应急救援、驾驶');
    await page.locator('form button[type=submit]').last().click();
    await page.waitForLoadState('domcontentloaded');
    const err = page.locator('.field-error[data-field=id_number]');
    await err.waitFor();
    assert.match(await err.innerText(), /校验/);
    assert.equal(await page.locator('[name=id_number]').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.inputValue('[name=name]'), '张卫国', 'values are kept');
    assert.equal(await page.inputValue('[name=phone]'), '13847561234');
    await screenshot(page, '10-register-wrong-id');

    // Then the right one.
    await page.fill('[name=id_number]', good);
    await page.locator('form button[type=submit]').last().click();
    await page.waitForURL(/\/volunteers\/[0-9a-f]+/);
    const masked = await page.locator('.id-masked').first().innerText();
    assert.equal(masked.trim(), `1505**********${good.slice(14)}`);
    assert.ok(!(await page.content()).includes(good), 'the whole ID number is never shown');
    const volunteerId = new URL(page.url()).pathname.split('/').pop();

    // Put them in the team as its leader and see them on the roster.
    await page.goto(teamUrl);
    const appoint = page.locator('form[action$="/members"]');
    await appoint.locator('[name=volunteer_id]').selectOption(volunteerId);
    await appoint.locator('[name=position]').selectOption('leader');
    await appoint.locator('button[type=submit]').click();
    await page.waitForURL((u) => u.pathname === new URL(teamUrl).pathname);
    const row = page.locator('.roster-group .member', { hasText: '张卫国' });
    await row.waitFor();
    assert.match(await row.innerText(), /队长/);
    await screenshot(page, '10-team-roster');
  } finally {
    await page.context().close();
  }
});

test('on a fresh installation the super-administrator adds the first county from the home page', async () => {
  const page = await newDesktopPage(browser);
  try {
    await login(page, server.url, ROOT_USERNAME, ROOT_PASSWORD);
    const form = page.locator('form.root-org');
    await form.locator('[name=name]').fill('库伦旗');
    await form.locator('[name=population]').fill('十万');
    await form.locator('button[type=submit]').click();
    const err = page.locator('.field-error[data-field=population]');
    await err.waitFor();
    await page.locator('form.root-org [name=population]').fill('180000');
    await page.locator('form.root-org button[type=submit]').click();
    await page.waitForURL(/\/orgs\/[0-9a-f]+$/);
    assert.match(await page.locator('h1').first().innerText(), /库伦旗/);
  } finally {
    await page.context().close();
  }
});
