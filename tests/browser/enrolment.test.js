// A server with accounts, as a station runs it: the demo page at `/` on a new phone offers the
// one-time code an administrator issued, turns it into the device's credential, syncs as that
// officer, and asks for a code again once the device is revoked. Then the rights the server
// hands each phone: a conflict between two officers waits for the station chief, and an
// auxiliary cannot pick a closing status.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ARTIFACTS,
  admin,
  field,
  launchBrowser,
  phoneContext,
  prepare,
  startServer,
  waitControlled,
  waitSynced,
} from './harness.js';

const FORM = 'abjuan-dossier-form';
const SUMMARY = '/header/summary';
const PHONE = '/volumeB/parties/0/mobile';

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
  for (const [id, name, role] of [
    ['wang', '王警官', 'officer'],
    ['zhao', '赵警官', 'officer'],
    ['sun', '孙警官', 'officer'],
    ['zhou', '周辅警', 'auxiliary'],
    ['li', '李所长', 'station_chief'],
    ['qian', '钱警官', 'officer'],
    ['wu', '吴警官', 'officer'],
    ['zheng', '郑调解员', 'partner_mediator'],
  ]) {
    admin(
      server.data,
      'person',
      'add',
      id,
      '--name',
      name,
      '--role',
      role,
      '--station',
      'yongji-puzhou',
    );
  }
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
      assert.equal(
        new URL(page.url()).pathname,
        '/',
        'the page stays at / under its service worker',
      );

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
      assert.match(
        JSON.stringify(history.body),
        /"wang"/,
        "the change is recorded as the officer's",
      );
      await page
        .locator('#dossiers button', { hasText: '绑定后的第一份卷宗' })
        .waitFor({ timeout: 15000 });

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

/** A device credential for `person`, as `abjuan admin device redeem` hands it out. */
function tokenFor(person) {
  const code = /abje_\S+/.exec(admin(server.data, 'device', 'enrol', person))[0];
  return admin(server.data, 'device', 'redeem', code).trim().split('\n').at(-1).trim();
}

/** A phone already enrolled for `person`, on the demo page at `/` + `hash`. */
async function phoneOf(person, hash = '') {
  const token = tokenFor(person);
  assert.match(token, /^abjd_/);
  const c = await phoneContext(browser);
  await c.addInitScript((t) => localStorage.setItem('abjuan.credential', t), token);
  const page = await c.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${person}: ${e.message}`));
  await page.goto(`${server.url}/${hash}`);
  await waitControlled(page);
  await page.evaluate((f) => document.querySelector(f).whenReady(), FORM);
  return { c, page };
}

function valueIs(page, pointer, want) {
  return page.waitForFunction(
    ([f, p, v]) =>
      document.querySelector(f)?.shadowRoot?.querySelector(`[data-pointer="${p}"]`)?.value === v,
    [FORM, pointer, want],
    { timeout: 30000, polling: 200 },
  );
}

describe('rights the server hands the phone', () => {
  it('a conflict between two officers waits for the station chief; an auxiliary cannot close', async () => {
    const phones = [];
    try {
      const zhao = await phoneOf('zhao');
      phones.push(zhao);
      await zhao.page.getByRole('button', { name: '新建卷宗' }).click();
      await zhao.page.waitForFunction(() => location.hash.length > 30);
      const id = await zhao.page.evaluate(() => location.hash.slice(1));
      await field(zhao.page, SUMMARY).fill('电话号码之争。');
      await zhao.page
        .locator(`${FORM} button[data-action="add-item"][data-pointer="/volumeB/parties"]`)
        .click();
      await field(zhao.page, '/volumeB/parties/0/name').fill('张建国');
      await field(zhao.page, PHONE).fill('13912345678');
      await waitSynced(zhao.page);

      const sun = await phoneOf('sun', `#${id}`);
      phones.push(sun);
      await valueIs(sun.page, PHONE, '13912345678');
      await waitSynced(sun.page);

      // Both offline, each changes the phone number.
      await zhao.c.setOffline(true);
      await sun.c.setOffline(true);
      await field(zhao.page, PHONE).fill('13900000001');
      await field(sun.page, PHONE).fill('13900000002');
      await zhao.c.setOffline(false);
      await sun.c.setOffline(false);

      // Each officer sees the conflict, with no "keep" button, and the field locked.
      for (const { page } of [zhao, sun]) {
        const badge = page.locator(`${FORM} .conflict[data-conflict-path="${PHONE}"]`);
        await badge.locator('.await').waitFor({ state: 'visible', timeout: 30000 });
        const text = await badge.textContent();
        assert.match(text, /13900000001/);
        assert.match(text, /13900000002/);
        assert.match(text, /待所长裁决/);
        assert.equal(await badge.getByRole('button').count(), 0, 'an officer may not settle it');
        assert.equal(await field(page, PHONE).evaluate((e) => e.readOnly), true);
        assert.equal(
          await field(page, SUMMARY).evaluate((e) => e.readOnly),
          false,
          'only the conflicted field',
        );
        const rights = await page.evaluate((f) => document.querySelector(f).rights, FORM);
        assert.deepEqual(rights, {
          writeA: true,
          writeB: true,
          close: true,
          resolveConflicts: false,
        });
      }
      const before = await field(zhao.page, PHONE).inputValue();
      await field(zhao.page, PHONE).press('9');
      assert.equal(
        await field(zhao.page, PHONE).inputValue(),
        before,
        'a locked field takes no typing',
      );

      // The station chief keeps one value; the officers' phones follow and unlock.
      const li = await phoneOf('li', `#${id}`);
      phones.push(li);
      const keep = li.page
        .locator(`${FORM} .conflict[data-conflict-path="${PHONE}"] li`, { hasText: '13900000002' })
        .getByRole('button', { name: /保留此值/ });
      await keep.waitFor({ timeout: 30000 });
      assert.equal(await li.page.locator(`${FORM} .conflict .await`).count(), 0);
      await keep.click();
      await waitSynced(li.page);
      for (const { page } of [zhao, sun]) {
        await valueIs(page, PHONE, '13900000002');
        await page.waitForFunction(
          ([f, p]) => {
            const root = document.querySelector(f).shadowRoot;
            return (
              !root.querySelector(`.conflict[data-conflict-path="${p}"]:not([hidden])`) &&
              root.querySelector(`[data-pointer="${p}"]`).readOnly === false
            );
          },
          [FORM, PHONE],
          { timeout: 30000, polling: 200 },
        );
      }

      // An auxiliary may edit but not close: the closing statuses are disabled.
      const zhou = await phoneOf('zhou', `#${id}`);
      phones.push(zhou);
      await valueIs(zhou.page, PHONE, '13900000002');
      await waitSynced(zhou.page);
      const status = field(zhou.page, '/header/status');
      await zhou.page.waitForFunction(
        (f) =>
          document
            .querySelector(f)
            .shadowRoot.querySelector(
              'select[data-pointer="/header/status"] option[value="resolved"]',
            )?.disabled === true,
        FORM,
        { timeout: 10000 },
      );
      const options = await status.evaluate((s) =>
        Object.fromEntries([...s.options].map((o) => [o.value, o.disabled])),
      );
      assert.equal(options.resolved, true);
      assert.equal(options.archived, true);
      assert.equal(options.mediating, false);
      assert.equal(options.follow_up, false);
      assert.equal(await field(zhou.page, SUMMARY).evaluate((e) => e.readOnly), false);
      // The officer who opened it may close it.
      const zhaoOptions = await field(zhao.page, '/header/status').evaluate(
        (s) => [...s.options].filter((o) => o.disabled).length,
      );
      assert.equal(zhaoOptions, 0);
      assert.deepEqual(pageErrors, []);
    } finally {
      for (const { c } of phones) await c.close();
    }
  });
});

describe('a change the server will never take', () => {
  it("is shown with a way out: discard this device's unsynced changes and reload", async () => {
    const qian = await phoneOf('qian');
    try {
      const { c, page } = qian;
      await page.getByRole('button', { name: '新建卷宗' }).click();
      await page.waitForFunction(() => location.hash.length > 30);
      await field(page, SUMMARY).fill('移交前的卷宗。');
      await waitSynced(page);

      // Offline, the officer refers the dossier (a closing status); meanwhile the station
      // makes them an auxiliary, who may not close.
      await c.setOffline(true);
      await field(page, '/header/status').selectOption('referred');
      admin(server.data, 'person', 'role', 'qian', 'auxiliary', '--station', 'yongji-puzhou');
      await c.setOffline(false);

      const stuck = page.locator(`${FORM} .stuck`);
      await stuck.waitFor({ state: 'visible', timeout: 30000 });
      assert.equal(await stuck.getAttribute('data-code'), 'doc_close_forbidden');
      assert.match(await stuck.textContent(), /结案权限/);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(ARTIFACTS, 'refused-changes-360.png') });

      page.once('dialog', (d) => d.accept());
      await stuck.getByRole('button', { name: '放弃本机未同步的修改' }).click();
      await stuck.waitFor({ state: 'hidden', timeout: 30000 });
      await valueIs(page, '/header/status', 'registered');
      await valueIs(page, SUMMARY, '移交前的卷宗。');
      await waitSynced(page);
      // Now an auxiliary: the closing statuses are disabled, so it cannot happen again.
      await page.waitForFunction(
        (f) =>
          document
            .querySelector(f)
            .shadowRoot.querySelector(
              'select[data-pointer="/header/status"] option[value="referred"]',
            )?.disabled === true,
        FORM,
        { timeout: 10000 },
      );
      assert.deepEqual(pageErrors, []);
    } finally {
      await qian.c.close();
    }
  });
});

describe('enrolling a browser again', () => {
  it('the same officer keeps their dossiers and syncs under a new actor id; another person finds none', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await c.newPage();
      page.on('pageerror', (e) => pageErrors.push(`re-enrol: ${e.message}`));
      const enrolAs = async (person, who) => {
        const code = /abje_\S+/.exec(admin(server.data, 'device', 'enrol', person))[0];
        await page.locator('#enrol').waitFor({ state: 'visible', timeout: 20000 });
        await page.getByLabel('一次性绑定码').fill(code);
        await page.getByRole('button', { name: '绑定本机' }).click();
        await page.locator('#who', { hasText: who }).waitFor({ timeout: 20000 });
        await page.evaluate((f) => document.querySelector(f).whenReady(), FORM);
        return page.evaluate(() => localStorage.getItem('abjuan.credential'));
      };
      const revoke = async (token) => {
        admin(server.data, 'device', 'revoke', (await api('/v1/me', token)).body.device);
      };
      await page.goto(`${server.url}/`);
      await waitControlled(page);
      let token = await enrolAs('wu', '吴警官');
      const firstActor = await page.evaluate(() => localStorage.getItem('abjuan.actor'));
      await page.getByRole('button', { name: '新建卷宗' }).click();
      await page.waitForFunction(() => location.hash.length > 30);
      const id = await page.evaluate(() => location.hash.slice(1));
      await page
        .locator(`${FORM} button[data-action="add-item"][data-pointer="/volumeB/parties"]`)
        .click();
      await field(page, '/volumeB/parties/0/name').fill('吴某甲');
      await field(page, SUMMARY).fill('重新绑定前。');
      await waitSynced(page);

      // Revoked by mistake, enrolled again by the same officer: the dossier is still here, and
      // edits sync (a new actor id: the old one stays bound to the revoked device).
      await revoke(token);
      await page.reload();
      token = await enrolAs('wu', '吴警官');
      const secondActor = await page.evaluate(() => localStorage.getItem('abjuan.actor'));
      assert.notEqual(secondActor, firstActor);
      await page.locator('#dossiers button', { hasText: '重新绑定前' }).click();
      await valueIs(page, SUMMARY, '重新绑定前。');
      await field(page, SUMMARY).fill('重新绑定后。');
      await waitSynced(page);
      const stored = await api(`/v1/dossiers/${id}`, token);
      assert.equal((stored.body.dossier ?? stored.body).header.summary, '重新绑定后。');

      // Handed to a partner mediator: what the officer kept here (volume B too) is cleared.
      await revoke(token);
      await page.reload();
      await enrolAs('zheng', '郑调解员');
      await page.locator('#who', { hasText: '已清除本机上一位用户留下的 1 份卷宗' }).waitFor();
      const kept = await page.evaluate(async () =>
        (await import('/web/abjuan-dossier-form.js')).listDossiers(),
      );
      assert.deepEqual(kept, []);
      assert.equal(new URL(page.url()).hash, '', "the officer's dossier is no longer open");
      assert.equal(await page.locator('#dossiers button', { hasText: '重新绑定' }).count(), 0);
      assert.deepEqual(pageErrors, []);
    } finally {
      await c.close();
    }
  });
});
