// The dossier form in a real browser when the network is not there or not what it was: a flaky
// network, a filled form at phone width, a stale idea of the server, no network at all.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addParty, browser, FORM, newDossier, openDemo, SUMMARY, server, useDemo } from './demo.js';
import {
  ARTIFACTS,
  field,
  phoneContext,
  syncStatus,
  waitSynced,
  withCheckDigit,
} from './harness.js';

useDemo();

describe('a flaky network', () => {
  it('retries with backoff until the server answers', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer10');
      await newDossier(page);
      await waitSynced(page);
      let refused = 0;
      await page.route('**/v1/sync', (route) => {
        if (refused < 2) {
          refused += 1;
          return route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: '{"code":"storage","message":"retry"}',
          });
        }
        return route.continue();
      });
      await field(page, SUMMARY).fill('网络不稳时的修改。');
      await page.waitForFunction(
        ([f]) =>
          /同步失败，\d+ 秒后重试/.test(
            document.querySelector(f).shadowRoot.querySelector('.sync').textContent,
          ),
        [FORM],
        { timeout: 10000 },
      );
      await waitSynced(page, 30000);
      assert.equal(refused, 2);
      const body = await (await fetch(`${server.url}/v1/dossiers`)).json();
      const id = await page.evaluate(() => location.hash.slice(1));
      assert.equal(body.dossiers.find((d) => d.id === id)?.summary, '网络不稳时的修改。');
    } finally {
      await c.close();
    }
  });
});

describe('a filled form at phone width', () => {
  it('has no horizontal scroll at 360 px, works by keyboard and is saved as a screenshot', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer4');
      await newDossier(page);
      await field(page, SUMMARY).fill(
        '张某与李某因宅基地边界发生争执，双方多次报警，一方扬言报复。',
      );
      await field(page, '/header/incidentNumber').fill('J1408812025030100123');
      await field(page, '/header/category').selectOption('land');
      await field(page, '/header/facts/priorCalls').fill('2');
      await addParty(page);
      await field(page, '/volumeB/parties/0/name').fill('张建国');
      await field(page, '/volumeB/parties/0/idNumber').fill(withCheckDigit('14088119800315123'));
      await field(page, '/volumeB/parties/0/mobile').fill('13912345678');
      await field(page, '/volumeB/parties/0/risk/threatensRevenge').check();
      await page
        .locator(`${FORM} button[data-action="add-item"][data-pointer="/volumeA/sessions"]`)
        .click();
      await field(page, '/volumeA/sessions/0/narrative').fill(
        '民警到场后将双方分开询问，释法说理。',
      );

      // The warning level follows the content, with the reasons that fired.
      const grade = page.locator(`${FORM} .grade`);
      await assert.doesNotReject(
        page.waitForFunction(
          ([f]) =>
            document.querySelector(f).shadowRoot.querySelector('.grade')?.dataset.level === 'red',
          [FORM],
          { timeout: 5000 },
        ),
      );
      assert.match(await grade.textContent(), /预警等级：红/);

      // Keyboard: Tab reaches the form's controls.
      await field(page, SUMMARY).focus();
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(
        () =>
          document.querySelector('abjuan-dossier-form').shadowRoot.activeElement?.dataset.pointer ??
          null,
      );
      assert.ok(focused, 'Tab moves to the next field');

      const overflow = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      assert.ok(
        overflow.scroll <= overflow.client,
        `no horizontal scroll: ${JSON.stringify(overflow)}`,
      );

      // Every visible control has an accessible name (labels tied to inputs).
      const unnamed = await page.evaluate(() => {
        const root = document.querySelector('abjuan-dossier-form').shadowRoot;
        return [...root.querySelectorAll('input, select, textarea')]
          .filter((e) => !e.labels?.length && !e.getAttribute('aria-label'))
          .map((e) => e.dataset.pointer ?? e.dataset.member ?? e.outerHTML.slice(0, 60));
      });
      assert.deepEqual(unnamed, []);

      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(ARTIFACTS, 'dossier-form-360.png'), fullPage: true });

      // English on request: labels, warning, status line.
      await page.getByRole('button', { name: 'English' }).click();
      await page.locator(`${FORM} legend`, { hasText: 'Volume A: resolution process' }).waitFor();
      assert.match(await grade.textContent(), /Warning level: Red/);
      assert.equal(
        await page.getByLabel('ID number').first().inputValue(),
        withCheckDigit('14088119800315123'),
      );
      assert.match((await syncStatus(page)).text, /^Online/);
    } finally {
      await c.close();
    }
  });
});

describe('a stale idea of the server', () => {
  it('falls back when the server does not know the heads the page remembers, and still delivers', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer6');
      const id = await newDossier(page);
      await field(page, SUMMARY).fill('回退测试。');
      await waitSynced(page);
      await c.setOffline(true);
      await field(page, SUMMARY).fill('回退测试。离线补充。');
      // Pretend the server already has this device's latest changes (it does not).
      await page.evaluate(() => {
        const f = document.querySelector('abjuan-dossier-form');
        f._heads = { a: f._replica.heads('a'), b: f._replica.heads('b') };
      });
      await page.evaluate(() => {
        window.syncs = [];
        document
          .querySelector('abjuan-dossier-form')
          .addEventListener('synced', (e) => window.syncs.push(e.detail));
      });
      await c.setOffline(false);
      await page.evaluate(() => document.querySelector('abjuan-dossier-form').sync());
      let summary = null;
      for (let i = 0; i < 50 && summary !== '回退测试。离线补充。'; i++) {
        const body = await (await fetch(`${server.url}/v1/dossiers`)).json();
        summary = body.dossiers.find((d) => d.id === id)?.summary ?? null;
        if (summary !== '回退测试。离线补充。') await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(summary, '回退测试。离线补充。');
      await waitSynced(page);
      const syncs = await page.evaluate(() => window.syncs);
      assert.ok(
        syncs.some((d) => d.fallback && d.rounds > 1),
        `generic protocol used: ${JSON.stringify(syncs)}`,
      );
      // Back on the fast path: the next edit goes in one round trip.
      const before = syncs.length;
      await field(page, SUMMARY).fill('回退测试。离线补充。再改。');
      await page.waitForFunction((n) => window.syncs.length > n, before, { timeout: 20000 });
      const last = (await page.evaluate(() => window.syncs)).at(-1);
      assert.equal(last.fallback, false);
      assert.equal(last.rounds, 1);
    } finally {
      await c.close();
    }
  });
});

describe('no network at all', () => {
  it('opens the page, the element, the WASM and the dossier from the service worker cache', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer5');
      const id = await newDossier(page);
      await field(page, SUMMARY).fill('断网后仍可打开。');
      await waitSynced(page);
      // The server is gone (not just an emulated offline browser).
      await server.stop();
      await page.reload();
      await field(page, SUMMARY).waitFor({ timeout: 15000 });
      assert.equal(await field(page, SUMMARY).inputValue(), '断网后仍可打开。');
      assert.equal(await page.evaluate(() => location.hash.slice(1)), id);
      await field(page, SUMMARY).fill('断网后仍可打开，并继续编辑。');
      await page.waitForFunction(
        ([f]) =>
          Number(document.querySelector(f).shadowRoot.querySelector('.sync').dataset.pending) > 0,
        [FORM],
      );
    } finally {
      await c.close();
    }
  });
});
