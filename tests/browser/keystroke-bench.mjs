// Keystroke cost of the form in Debian's chromium: the fixture dossier with six sessions
// (shared/fixtures/valid/follow-up-marriage.json), 200 characters typed into a narrative, and
// what each step of the path costs. Not a test (no timing assertions): prints a table.
//   node tests/browser/keystroke-bench.mjs   (needs the server binary and wasm-forms/pkg-web)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { field, launchBrowser, phoneContext, ROOT, startServer } from './harness.js';

const fixture = JSON.parse(
  readFileSync(join(ROOT, 'shared/fixtures/valid/follow-up-marriage.json'), 'utf8'),
);
const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await (await phoneContext(browser)).newPage();
  await page.goto(`${server.url}/web/index.html`);
  await page.evaluate(() => document.querySelector('abjuan-dossier-form').whenReady());
  await page.getByRole('button', { name: '新建卷宗' }).click();
  await field(page, '/header/summary').waitFor();
  await page.evaluate((fx) => {
    const f = document.querySelector('abjuan-dossier-form');
    f._replica.update({ ...fx, id: f.dossier.id });
    f._refresh({ rerender: true });
  }, fixture);
  const rows = await page.evaluate(async () => {
    const f = document.querySelector('abjuan-dossier-form');
    const ta = f.shadowRoot.querySelector('[data-pointer="/volumeA/sessions/0/narrative"]');
    ta.focus();
    const keys = [];
    for (let i = 0; i < 200; i++) {
      ta.value += '字';
      const t0 = performance.now();
      ta.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
      keys.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 2));
    }
    const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))];
    const r = f._replica;
    const m = f._m;
    const json = r.json();
    const each = (fn, n = 50) => {
      const xs = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        fn();
        xs.push(performance.now() - t0);
      }
      return q(xs, 0.5);
    };
    return [
      ['keystroke, whole path (median)', q(keys, 0.5)],
      ['keystroke, whole path (p90)', q(keys, 0.9)],
      ['spliceText', each(() => r.spliceText('/volumeA/sessions/1/narrative', 0, 0, 'x'))],
      ['validateDossier', each(() => m.validateDossier(JSON.stringify(json), { locale: 'zh' }))],
      ['grade', each(() => m.grade(JSON.stringify(json)))],
      [
        'saveA + saveB (IndexedDB payload)',
        each(() => {
          r.saveA();
          r.saveB();
        }),
      ],
      ['toJSON (skipped on keystrokes)', each(() => r.json(), 20)],
      ['conflicts (only after merges)', each(() => r.conflicts(), 20)],
      ['pending count (coalesced, 250 ms)', each(() => r.changesSince('a', []), 20)],
    ];
  });
  console.log('| step | ms |\n| --- | --- |');
  for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(2)} |`);
} finally {
  await browser.close();
  await server.stop();
}
