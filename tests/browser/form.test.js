// The embeddable dossier form in a real browser (Debian's chromium), against the real server
// binary and the built WASM package: two officers offline at once, validation next to the
// field, a phone-width screenshot.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ARTIFACTS,
  dossierOf,
  field,
  launchBrowser,
  messageOf,
  phoneContext,
  prepare,
  startServer,
  syncStatus,
  waitControlled,
  waitSynced,
  withCheckDigit,
} from './harness.js';

const FORM = 'abjuan-dossier-form';
const PHONE = '/volumeB/parties/0/mobile';
const SUMMARY = '/header/summary';

let server;
let browser;
const pageErrors = [];

function watch(page, who) {
  page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`${who} console: ${m.text()}`);
  });
}

async function openDemo(context, who, hash = '') {
  const page = await context.newPage();
  watch(page, who);
  await page.goto(`${server.url}/web/index.html${hash}`);
  await waitControlled(page);
  await page.evaluate(() => document.querySelector('abjuan-dossier-form').whenReady());
  return page;
}

async function newDossier(page) {
  await page.getByRole('button', { name: '新建卷宗' }).click();
  await page.waitForFunction(() => location.hash.length > 30);
  await field(page, SUMMARY).waitFor();
  return page.evaluate(() => location.hash.slice(1));
}

async function addParty(page) {
  await page
    .locator(`${FORM} button[data-action="add-item"][data-pointer="/volumeB/parties"]`)
    .click();
}

before(async () => {
  prepare();
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (pageErrors.length) console.log(`page errors:\n${pageErrors.join('\n')}`);
});

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
