// The bureau's warning rules (the "N" of 3+N) in the web form: a version published with
// `abjuan admin rules add` reaches the phone (the form asks GET /v1/me which version is
// current and fetches it), the grade the form shows fires the bureau's rule and names the
// version; a newer version replaces it; offline, after a reload, the form still grades with
// the version it kept in IndexedDB.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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

let server;
let browser;

before(async () => {
  prepare();
  server = await startServer();
  browser = await launchBrowser();
  admin(server.data, 'bureau', 'add', 'yongji', '永济市公安局');
  admin(server.data, 'station', 'add', 'yongji-puzhou', '蒲州派出所', '--bureau', 'yongji');
  admin(
    server.data,
    'person',
    'add',
    'wang',
    '--name',
    '王警官',
    '--role',
    'officer',
    '--station',
    'yongji-puzhou',
  );
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Publishes a rule set of one rule (summary mentions 楼道, at `level`); returns nothing. */
function publish(level) {
  const file = join(server.data, `rules-${level}.json`);
  const rule = {
    id: 'yongji.stairwell',
    level,
    reason: { zh: '楼道纠纷（本局规则）', en: 'A stairwell dispute (bureau rule)' },
    when: { path: '/header/summary', op: 'contains', value: '楼道' },
  };
  writeFileSync(file, JSON.stringify({ rules: [rule] }));
  admin(server.data, 'rules', 'add', 'yongji', file);
}

/** What the grade box shows: `{level, version, rules}`. */
function shownGrade(page) {
  return page.evaluate((f) => {
    const box = document.querySelector(f).shadowRoot.querySelector('.grade');
    return {
      level: box.dataset.level ?? null,
      version: box.querySelector('.rule-set')?.dataset.version ?? null,
      rules: [...box.querySelectorAll('li[data-rule]')].map((li) => li.dataset.rule),
    };
  }, FORM);
}

async function gradeIs(page, level, version) {
  await page.waitForFunction(
    ([f, l, v]) => {
      const box = document.querySelector(f)?.shadowRoot?.querySelector('.grade');
      return box?.dataset.level === l && box.querySelector('.rule-set')?.dataset.version === v;
    },
    [FORM, level, version],
    { timeout: 20000, polling: 100 },
  );
}

describe('bureau rule sets in the web form', () => {
  it('fetches the current version, grades with it, follows a new one and keeps it offline', async () => {
    publish('orange');
    const code = /abje_\S+/.exec(admin(server.data, 'device', 'enrol', 'wang'))[0];
    const token = admin(server.data, 'device', 'redeem', code).trim().split('\n').at(-1).trim();
    const c = await phoneContext(browser);
    const pageErrors = [];
    try {
      await c.addInitScript((t) => {
        localStorage.setItem('abjuan.credential', t);
        localStorage.setItem('abjuan.station', 'yongji-puzhou');
      }, token);
      const page = await c.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${server.url}/`);
      await waitControlled(page);
      await page.evaluate((f) => document.querySelector(f).whenReady(), FORM);
      await page.getByRole('button', { name: '新建卷宗' }).click();
      await page.waitForFunction(() => location.hash.length > 30);
      await field(page, '/header/summary').fill('两户因楼道堆放杂物争吵。');
      await waitSynced(page);
      await gradeIs(page, 'orange', '1');
      const shown = await shownGrade(page);
      assert.ok(shown.rules.includes('yongji.stairwell'), JSON.stringify(shown));
      assert.deepEqual(await page.evaluate((f) => document.querySelector(f).ruleSet, FORM), {
        bureau: 'yongji',
        version: 1,
      });
      await page
        .locator(`${FORM} .grade`)
        .screenshot({ path: join(ARTIFACTS, 'rule-set-360.png') });

      // A new version: the form learns it on a later sync (asked every 200 ms here).
      publish('red');
      await page.evaluate(
        (f) => document.querySelector(f).setAttribute('rules-interval', '200'),
        FORM,
      );
      const deadline = Date.now() + 20000;
      while ((await shownGrade(page)).version !== '2') {
        assert.ok(Date.now() < deadline, `still ${JSON.stringify(await shownGrade(page))}`);
        await page.evaluate((f) => document.querySelector(f).sync(), FORM);
        await page.waitForTimeout(300);
      }
      await gradeIs(page, 'red', '2');

      // No network: after a reload the form grades with the version it kept.
      await c.setOffline(true);
      await page.reload();
      await page.evaluate((f) => document.querySelector(f).whenReady(), FORM);
      await gradeIs(page, 'red', '2');
      await c.setOffline(false);
      assert.deepEqual(pageErrors, []);
    } finally {
      await c.close();
    }
  });
});
