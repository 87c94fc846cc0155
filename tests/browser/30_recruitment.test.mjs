// A person applies to their village team from a 390-px phone without an account, follows the
// application with its tracking code through three levels of review, and logs in on admission.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPhonePage, login, screenshot, ROOT_USERNAME, ROOT_PASSWORD } from './harness.mjs';

let server;
let browser;

/** A valid GB 11643 number for a birth date (YYYYMMDD) and a sequence. */
function idNumber(birth, seq) {
  const first17 = `150525${birth}${String(seq).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

async function api(method, path, token, body) {
  const resp = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  assert.ok(resp.ok, `${method} ${path} answered ${resp.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function token(username, password) {
  return (await api('POST', '/api/v1/auth/login', null, { username, password })).token;
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a person applies on a phone, follows the review and logs in on admission', async () => {
  const root = await token(ROOT_USERNAME, ROOT_PASSWORD);
  const org = async (name, level, parent_id) => (await api('POST', '/api/v1/orgs', root, { name, level, parent_id })).id;
  const county = await org('奈曼旗', 'county');
  const township = await org('大沁他拉镇', 'township', county);
  const village = await org('白音昌村', 'village', township);
  const team = (await api('POST', '/api/v1/teams', root, { name: '白音昌村志愿服务队', org_id: village, echelon: 'team' })).id;
  await api('PUT', `/api/v1/teams/${team}/policy`, root, { max_age: 50, require_veteran: true, require_no_record: true });
  await api('PUT', `/api/v1/orgs/${county}/registration-authority`, root, { registration_authority: true });
  await api('POST', `/api/v1/orgs/${county}/number-ranges`, root, { prefix: 'NM', first_no: 1, last_no: 9999 });
  const admins = {};
  for (const [name, id] of [['v_admin', village], ['t_admin', township], ['c_admin', county]]) {
    await api('POST', '/api/v1/users', root, { username: name, password: 'Pass-word-2026', role: 'admin', org_id: id });
    admins[name] = await token(name, 'Pass-word-2026');
  }

  const page = await newPhonePage(browser);
  try {
    await page.goto(`${server.url}/apply?team_id=${team}`);
    assert.match(await page.locator('#policy').innerText(), /年龄不超过 50 周岁/);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling on a phone (page is ${width}px wide)`);

    // A wrong check digit is named beside its field; nothing else is lost.
    const good = idNumber('19800101', 7);
    const bad = good.slice(0, 17) + (good.endsWith('0') ? '1' : '0');
    await page.fill('input[name=name]', '李卫国');
    await page.fill('input[name=id_number]', bad);
    await page.fill('input[name=phone]', '13912345678');
    await page.check('input[name=veteran]');
    await page.fill('input[name=skills]', '驾驶、急救');
    await page.check('input[name=no_record]');
    await page.check('input[name=consent_data]');
    await page.fill('input[name=password]', 'Apply-pass-2026');
    await page.click('button[type=submit]');
    assert.match(await page.locator('.field-error[data-field=id_number]').innerText(), /校验/);
    assert.equal(await page.inputValue('input[name=name]'), '李卫国');

    await page.fill('input[name=id_number]', good);
    await page.fill('input[name=password]', 'Apply-pass-2026');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/apply\/status\//);
    const code = (await page.locator('#tracking-code').innerText()).trim();
    assert.match(code, /^[A-Z2-9]{12}$/);
    assert.equal(await page.locator('#status-label').getAttribute('data-status'), 'pending');
    assert.match(await page.content(), /白音昌村/);
    await screenshot(page, '30-application-status-phone');

    // Three levels approve; the applicant's page shows the admission and the number.
    const { items } = await api('GET', '/api/v1/applications', root);
    const id = items[0].id;
    for (const who of ['v_admin', 't_admin', 'c_admin']) {
      await api('POST', `/api/v1/applications/${id}/review`, admins[who], { decision: 'approve' });
    }
    await page.goto(`${server.url}/apply/status/${code}`);
    assert.equal(await page.locator('#status-label').getAttribute('data-status'), 'admitted');
    const number = (await page.locator('#registration-no').innerText()).trim();
    assert.equal(number, 'NM0001');

    await login(page, server.url, number, 'Apply-pass-2026');
    await page.waitForURL(/\/me$/);
    assert.match(await page.content(), /白音昌村志愿服务队/);
  } finally {
    await page.context().close();
  }
});
