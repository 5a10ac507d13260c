// The embeddable dossier form in a real browser (Debian's chromium), against the real server
// binary and the built WASM package: two officers offline at once, validation next to the
// field.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addParty, browser, FORM, newDossier, openDemo, PHONE, SUMMARY, useDemo } from './demo.js';
import {
  ARTIFACTS,
  dossierOf,
  field,
  messageOf,
  phoneContext,
  syncStatus,
  waitSynced,
  withCheckDigit,
} from './harness.js';

useDemo();

describe('two officers edit one dossier offline', () => {
  it('keeps every edit through reloads, converges online and shows the phone conflict', async () => {
    const c1 = await phoneContext(browser);
    const c2 = await phoneContext(browser);
    try {
      // Officer 1 opens a dossier with one party and syncs it.
      const p1 = await openDemo(c1, 'officer1');
      const id = await newDossier(p1);
      await addParty(p1);
      await field(p1, '/volumeB/parties/0/name').fill('张建国');
      await field(p1, PHONE).fill('13912345678');
      await field(p1, SUMMARY).fill('邻里纠纷。');
      await waitSynced(p1);

      // Officer 2 opens the same dossier from the server.
      const p2 = await openDemo(c2, 'officer2', `#${id}`);
      await assert.doesNotReject(
        p2.waitForFunction(
          ([f, p]) =>
            document.querySelector(f)?.shadowRoot?.querySelector(`[data-pointer="${p}"]`)?.value ===
            '13912345678',
          [FORM, PHONE],
          { timeout: 20000 },
        ),
      );
      await waitSynced(p2);

      // Both lose the network and edit differently.
      await c1.setOffline(true);
      await c2.setOffline(true);
      await p1
        .locator(`${FORM} button[data-action="add-item"][data-pointer="/volumeA/sessions"]`)
        .click();
      await field(p1, '/volumeA/sessions/0/narrative').fill('双方到场，情绪平稳。');
      await field(p1, SUMMARY).fill('邻里纠纷。甲方称楼道堆物。');
      await field(p1, PHONE).fill('13900000001');

      await field(p2, SUMMARY).fill('【二次登记】邻里纠纷。');
      await field(p2, PHONE).fill('13900000002');

      for (const p of [p1, p2]) {
        await p.waitForFunction(
          ([f]) =>
            /项修改待同步/.test(
              document.querySelector(f).shadowRoot.querySelector('.sync').textContent,
            ),
          [FORM],
        );
        const s = await syncStatus(p);
        assert.equal(s.online, false);
        assert.ok(s.pending > 0, `pending changes shown: ${s.text}`);
        assert.match(s.text, /离线/);
        assert.match(s.text, /项修改待同步/);
      }

      // Reload while offline: the page comes from the service worker, the edits from IndexedDB.
      await p1.reload();
      await p2.reload();
      await field(p1, SUMMARY).waitFor();
      await field(p2, SUMMARY).waitFor();
      assert.equal(await field(p1, SUMMARY).inputValue(), '邻里纠纷。甲方称楼道堆物。');
      assert.equal(
        await field(p1, '/volumeA/sessions/0/narrative').inputValue(),
        '双方到场，情绪平稳。',
      );
      assert.equal(await field(p1, PHONE).inputValue(), '13900000001');
      assert.equal(await field(p2, SUMMARY).inputValue(), '【二次登记】邻里纠纷。');
      assert.equal(await field(p2, PHONE).inputValue(), '13900000002');

      // Back online: both converge without anyone pressing anything.
      await c1.setOffline(false);
      await c2.setOffline(false);
      const merged = '【二次登记】邻里纠纷。甲方称楼道堆物。';
      for (const p of [p1, p2]) {
        await p.waitForFunction(
          ([f, s, m]) =>
            document.querySelector(f)?.shadowRoot?.querySelector(`[data-pointer="${s}"]`)?.value ===
            m,
          [FORM, SUMMARY, merged],
          { timeout: 30000, polling: 200 },
        );
      }
      for (const p of [p1, p2]) await waitSynced(p, 30000);
      const d1 = await dossierOf(p1);
      const d2 = await dossierOf(p2);
      assert.deepEqual(d1, d2, 'both pages hold the same dossier');
      assert.equal(d1.header.summary, merged, 'both narrative edits present');
      assert.equal(d1.volumeA.sessions.length, 1);
      assert.equal(d1.volumeA.sessions[0].narrative, '双方到场，情绪平稳。');

      // The phone number conflict is shown on both pages, with both values and who wrote them.
      for (const p of [p1, p2]) {
        const badge = p.locator(`${FORM} .conflict[data-conflict-path="${PHONE}"]`);
        await badge.waitFor({ state: 'visible', timeout: 20000 });
        const text = await badge.textContent();
        assert.match(text, /13900000001/);
        assert.match(text, /13900000002/);
        assert.match(text, /本机/);
        assert.match(text, /设备 [0-9a-f]{8}/);
        const width = await p.evaluate(() => [
          document.documentElement.scrollWidth,
          document.documentElement.clientWidth,
        ]);
        assert.ok(width[0] <= width[1], `conflict badge fits 360 px: ${width}`);
      }

      // The history says who changed what: this device and the other officer's.
      await p1.locator(`${FORM} .history > summary`).click();
      // <details> fires `toggle` in a later task: wait for the list it draws.
      await p1
        .locator(`${FORM} .history ol li`)
        .first()
        .waitFor({ state: 'attached', timeout: 10000 });
      const history = await p1.locator(`${FORM} .history ol`).textContent();
      assert.match(history, /本机 · 编辑 简要案情/);
      assert.match(history, /设备 [0-9a-f]{8} · 编辑 简要案情/);

      // One click keeps one value; the other officer's page follows.
      await p1
        .locator(`${FORM} .conflict[data-conflict-path="${PHONE}"] li`, { hasText: '13900000002' })
        .getByRole('button')
        .click();
      for (const p of [p1, p2]) {
        await p.waitForFunction(
          ([f, ph]) => {
            const root = document.querySelector(f)?.shadowRoot;
            return (
              root?.querySelector(`[data-pointer="${ph}"]`)?.value === '13900000002' &&
              !root.querySelector(`.conflict[data-conflict-path="${ph}"]:not([hidden])`)
            );
          },
          [FORM, PHONE],
          { timeout: 30000, polling: 200 },
        );
      }

      // Live, both online: officer 2 types at the end of the summary while officer 1 inserts
      // at its start; the caret stays where officer 2 was typing and both texts survive.
      const summary2 = field(p2, SUMMARY);
      await summary2.click();
      await p2.keyboard.press('End');
      await p2.keyboard.press('Control+End');
      await field(p1, SUMMARY).fill(`【置顶】${merged}`);
      await p2.waitForFunction(
        ([f, s]) =>
          document
            .querySelector(f)
            .shadowRoot.querySelector(`[data-pointer="${s}"]`)
            .value.startsWith('【置顶】'),
        [FORM, SUMMARY],
        { timeout: 30000, polling: 100 },
      );
      await p2.keyboard.type('（完）');
      const live = `【置顶】${merged}（完）`;
      for (const p of [p1, p2]) {
        await p.waitForFunction(
          ([f, s, m]) =>
            document.querySelector(f)?.shadowRoot?.querySelector(`[data-pointer="${s}"]`)?.value ===
            m,
          [FORM, SUMMARY, live],
          { timeout: 30000, polling: 200 },
        );
      }

      await p1.evaluate(() => window.scrollTo(0, 0));
      await p1.screenshot({ path: join(ARTIFACTS, 'two-officers-converged.png'), fullPage: true });
    } finally {
      await c1.close();
      await c2.close();
    }
  });
});

describe('validation next to the field', () => {
  it('shows the Chinese ID-number error by the field and clears it when fixed', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer3');
      await newDossier(page);
      await addParty(page);
      const good = withCheckDigit('11010119900307123');
      const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
      const id = field(page, '/volumeB/parties/0/idNumber');
      await id.fill(bad);
      const msg = await messageOf(page, '/volumeB/parties/0/idNumber');
      await assert.doesNotReject(msg.filter({ hasText: '校验码错误' }).waitFor({ timeout: 5000 }));
      assert.equal(await id.getAttribute('aria-invalid'), 'true');
      // The summary at the top lists it too, with a way to the field.
      const item = page.locator(`${FORM} .summary li`, { hasText: '校验码错误' });
      assert.match(await item.textContent(), /^身份证号：/);
      await item.getByRole('button').click();
      assert.equal(
        await page.evaluate(
          () =>
            document.querySelector('abjuan-dossier-form').shadowRoot.activeElement?.dataset.pointer,
        ),
        '/volumeB/parties/0/idNumber',
      );

      await id.fill(good);
      await page.waitForFunction(
        ([f]) => {
          const root = document.querySelector(f).shadowRoot;
          const input = root.querySelector('[data-pointer="/volumeB/parties/0/idNumber"]');
          const m = root.getElementById(input.getAttribute('aria-describedby'));
          return !/身份证/.test(m.textContent) && input.getAttribute('aria-invalid') !== 'true';
        },
        [FORM],
        { timeout: 5000 },
      );
      // The label is tied to the input.
      assert.equal(await page.getByLabel('身份证号').first().inputValue(), good);
    } finally {
      await c.close();
    }
  });
});
