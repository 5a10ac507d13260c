// A server with accounts, as a station runs it: the demo page at `/` on a new phone offers the
// one-time code an administrator issued, turns it into the device's credential, syncs as that
// officer, and asks for a code again once the device is revoked.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, prepare, startServer, launchBrowser, phoneContext, field, waitControlled, waitSynced, admin } from './harness.js';

const SUMMARY = '/header/summary';

let server;
let browser;
const pageErrors = [];

async function api(path, token) {
  const res = await fetch(`${server.url}${path}`, {
    headers: { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

before(async () => {
  prepare();
  server = await startServer();
  browser = await launchBrowser();
  admin(server.data, 'bureau', 'add', 'yongji', '永济市公安局');
  admin(server.data, 'station', 'add', 'yongji-puzhou', '蒲州派出所', '--bureau', 'yongji');
  admin(server.data, 'person', 'add', 'wang', '--name', '王警官', '--role', 'officer', '--station', 'yongji-puzhou');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('enrolling a phone on a server with accounts', () => {
  it('takes the one-time code at /, syncs as the officer, and asks again once revoked', async () => {
    const issued = admin(server.data, 'device', 'enrol', 'wang');
    const code = /abje_\S+/.exec(issued)?.[0];
    assert.ok(code, `no code in: ${issued}`);
    assert.equal((await api('/v1/dossiers')).status, 401, 'accounts exist: no demo mode');

    const c = await phoneContext(browser);
    try {
      const page = await c.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${server.url}/`);
      await waitControlled(page);
      assert.equal(new URL(page.url()).pathname, '/', 'the page stays at / under its service worker');

      const enrol = page.locator('#enrol');
      await enrol.waitFor({ state: 'visible' });
      await page.getByLabel('一次性绑定码').fill('abje_not-a-code');
      await page.getByRole('button', { name: '绑定本机' }).click();
      await page.locator('#enrol-error', { hasText: '绑定码无效' }).waitFor();
      assert.equal(await page.getByLabel('一次性绑定码').getAttribute('aria-invalid'), 'true');
      await page.locator('#list-status', { hasText: '本机绑定后显示本所卷宗' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'enrol-360.png') });

      await page.getByLabel('一次性绑定码').fill(code);
      await page.getByLabel('本机名称').fill('王的手机');
      await page.getByRole('button', { name: '绑定本机' }).click();
      await page.locator('#who', { hasText: '王警官 · 社区民警 · yongji-puzhou' }).waitFor();
      assert.equal(await enrol.isHidden(), true);
      const token = await page.evaluate(() => localStorage.getItem('abjuan.credential'));
      assert.match(token ?? '', /^abjd_/);
      const me = await api('/v1/me', token);
      assert.equal(me.status, 200);
      assert.equal(me.body.person, 'wang');

      // The officer's work reaches the server under the officer's name.
      await page.getByRole('button', { name: '新建卷宗' }).click();
      await page.waitForFunction(() => location.hash.length > 30);
      const id = await page.evaluate(() => location.hash.slice(1));
      await field(page, SUMMARY).fill('绑定后的第一份卷宗：邻里噪音纠纷。');
      await waitSynced(page);
      const history = await api(`/v1/dossiers/${id}/history`, token);
      assert.equal(history.status, 200, JSON.stringify(history.body));
      assert.match(JSON.stringify(history.body), /"wang"/, 'the change is recorded as the officer\'s');
      await page.locator('#dossiers button', { hasText: '绑定后的第一份卷宗' }).waitFor({ timeout: 15000 });

      // Revoked (a lost phone): the next sync is refused and the page asks for a code again.
      admin(server.data, 'device', 'revoke', me.body.device);
      await field(page, SUMMARY).fill('绑定后的第一份卷宗：邻里噪音纠纷，已吊销。');
      await enrol.waitFor({ state: 'visible', timeout: 20000 });
      assert.equal(await page.evaluate(() => localStorage.getItem('abjuan.credential')), null);
      assert.equal(await page.locator('abjuan-dossier-form').getAttribute('credential'), null);
      assert.equal((await api('/v1/me', token)).status, 401);
      assert.deepEqual(pageErrors, []);
    } finally {
      await c.close();
    }
  });
});
