// The dossier form in a real browser: Chinese input, the embedding attributes, the station
// list and a stale credential.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browser, FORM, newDossier, openDemo, SUMMARY, useDemo } from './demo.js';
import { dossierOf, field, phoneContext, waitSynced } from './harness.js';

useDemo();

describe('Chinese input method', () => {
  it('writes the composed characters, never the pinyin being composed', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer7');
      await newDossier(page);
      await page.evaluate(() => {
        window.changes = [];
        document
          .querySelector('abjuan-dossier-form')
          .addEventListener('change', (e) => window.changes.push(e.detail.value));
      });
      await field(page, SUMMARY).click();
      const cdp = await c.newCDPSession(page);
      for (const text of ['t', 'tu', 'tiao', 'tiaojie']) {
        await cdp.send('Input.imeSetComposition', {
          text,
          selectionStart: text.length,
          selectionEnd: text.length,
        });
      }
      await cdp.send('Input.insertText', { text: '调解' });
      await page.waitForFunction(() => window.changes.length > 0);
      assert.deepEqual(await page.evaluate(() => window.changes), ['调解']);
      assert.equal((await dossierOf(page)).header.summary, '调解');
    } finally {
      await c.close();
    }
  });
});

describe('embedding attributes', () => {
  it('sends the credential and device, honours readonly, and reports events', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer8');
      const seen = [];
      await page.route(/\/v1\/(sync|actors)$/, (route) => {
        const h = route.request().headers();
        seen.push({
          path: new URL(route.request().url()).pathname,
          auth: h.authorization,
          device: h['x-abjuan-device'],
        });
        // The token is made up: do not let it reach a server that checks credentials.
        const { authorization, ...rest } = h;
        route.continue({ headers: rest });
      });
      await page.evaluate(() => {
        window.events = [];
        const f = document.querySelector('abjuan-dossier-form');
        f.setAttribute('credential', 'abjd_test_token');
        for (const t of ['change', 'validated', 'synced', 'conflict']) {
          f.addEventListener(t, () => window.events.push(t));
        }
      });
      await newDossier(page);
      await field(page, SUMMARY).fill('凭据测试。');
      await waitSynced(page);
      const actor = await page.evaluate(() => localStorage.getItem('abjuan.actor'));
      assert.match(actor, /^[0-9a-f]{32}$/);
      assert.ok(seen.length > 0);
      assert.ok(
        seen.every((s) => s.auth === 'Bearer abjd_test_token' && s.device === actor),
        JSON.stringify(seen),
      );
      // The device registers its actor id before its first upload with a credential.
      assert.equal(seen[0].path, '/v1/actors');
      assert.ok(seen.some((s) => s.path === '/v1/sync'));
      const events = await page.evaluate(() => window.events);
      for (const t of ['change', 'validated', 'synced'])
        assert.ok(events.includes(t), `${t} in ${events}`);

      await page.evaluate(() =>
        document.querySelector('abjuan-dossier-form').setAttribute('readonly', ''),
      );
      const editable = await page.evaluate(() => {
        const root = document.querySelector('abjuan-dossier-form').shadowRoot;
        return {
          inputs: [...root.querySelectorAll('form input, form textarea')].filter(
            (e) => !e.readOnly && !e.disabled,
          ).length,
          selects: [...root.querySelectorAll('form select')].filter((e) => !e.disabled).length,
          buttons: root.querySelectorAll('form button[data-action]').length,
        };
      });
      assert.deepEqual(editable, { inputs: 0, selects: 0, buttons: 0 });
      assert.equal(await field(page, SUMMARY).inputValue(), '凭据测试。');
    } finally {
      await c.close();
    }
  });
});

describe('the station list', () => {
  it('lists the dossiers and opens the one the officer picks', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer9');
      await newDossier(page);
      await field(page, SUMMARY).fill('列表第一份：宅基地纠纷。');
      await waitSynced(page);
      await newDossier(page);
      await field(page, SUMMARY).fill('列表第二份：劳资纠纷。');
      const first = page.locator('#dossiers button', { hasText: '列表第一份' });
      await first.waitFor({ timeout: 15000 });
      await first.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        ([f, s]) =>
          document.querySelector(f).shadowRoot.querySelector(`[data-pointer="${s}"]`)?.value ===
          '列表第一份：宅基地纠纷。',
        [FORM, SUMMARY],
      );
      assert.equal(await first.getAttribute('aria-current'), 'true');
    } finally {
      await c.close();
    }
  });
});

describe('a stale credential', () => {
  it('is dropped on a server in demo mode, which then syncs without one', async () => {
    const c = await phoneContext(browser);
    try {
      // A token from an earlier server (a fresh data directory since): once, before the page.
      await c.addInitScript(() => {
        if (!sessionStorage.getItem('seeded')) {
          sessionStorage.setItem('seeded', '1');
          localStorage.setItem('abjuan.credential', 'abjd_from_an_old_server');
        }
      });
      const page = await openDemo(c, 'stale');
      await page.locator('#who', { hasText: '演示模式' }).waitFor();
      assert.equal(await page.locator('#enrol').isHidden(), true, 'no enrolment on a demo server');
      assert.equal(await page.evaluate(() => localStorage.getItem('abjuan.credential')), null);
      await newDossier(page);
      await field(page, SUMMARY).fill('演示模式下的卷宗。');
      await waitSynced(page);
    } finally {
      await c.close();
    }
  });
});
