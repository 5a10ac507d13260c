// A newcomer's first run, as the README tells it: a fresh data directory, `abjuan demo-sync`
// from a terminal, then the demo page at `/`: it starts in the station demo-sync wrote to,
// named (蒲州派出所, the code small) with its dossier count, and lists the dossier; a second
// demo-sync while the page is open shows up without a reload.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ARTIFACTS,
  BIN,
  field,
  launchBrowser,
  phoneContext,
  prepare,
  startServer,
  waitControlled,
} from './harness.js';

const SUMMARY = '/header/summary';
const DEMO_SUMMARY = '邻里因楼道堆放杂物发生口角';

let server;
let browser;
const pageErrors = [];

/** Runs `abjuan demo-sync` against the server; returns the id of the dossier it made. */
function demoSync() {
  const out = execFileSync(BIN, ['demo-sync', '--url', server.url], { encoding: 'utf8' });
  const id = /created dossier (\S+)/.exec(out)?.[1];
  assert.ok(id, `no dossier id in: ${out}`);
  return id;
}

before(async () => {
  prepare();
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  assert.deepEqual(pageErrors, []);
});

describe("a newcomer's first run", () => {
  it('the page shows the station and the dossier demo-sync made', async () => {
    const first = demoSync();
    const c = await phoneContext(browser);
    try {
      const page = await c.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${server.url}/`);
      await waitControlled(page);

      const station = page.getByRole('radio', { name: /蒲州派出所/ });
      await station.waitFor();
      assert.equal(await station.isChecked(), true, 'the page starts in demo-sync’s station');
      const choice = page.locator('#station-list label', { hasText: '蒲州派出所' });
      assert.equal(await choice.locator('small').textContent(), 'yongji-puzhou');
      await choice.locator('.count', { hasText: '1 份' }).waitFor();
      await page.locator('#list-title', { hasText: '蒲州派出所的卷宗' }).waitFor();

      const item = page.locator('#dossiers button', { hasText: DEMO_SUMMARY });
      await item.waitFor({ timeout: 15000 });
      assert.equal(await item.getAttribute('data-id'), first);
      await page.locator('#list-status', { hasText: '共 1 份卷宗' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'first-run-360.png') });

      // Open it, then sync another from the terminal: the list follows without a reload.
      await item.click();
      await page.waitForFunction(
        ([s, text]) =>
          document
            .querySelector('abjuan-dossier-form')
            .shadowRoot.querySelector(`[data-pointer="${s}"]`)?.value === text,
        [SUMMARY, '邻里因楼道堆放杂物发生口角。'],
      );
      assert.equal(await field(page, SUMMARY).inputValue(), '邻里因楼道堆放杂物发生口角。');
      const second = demoSync();
      await page.locator(`#dossiers button[data-id="${second}"]`).waitFor({ timeout: 20000 });
      await choice.locator('.count', { hasText: '2 份' }).waitFor();
      await page.locator('#list-status', { hasText: '共 2 份卷宗' }).waitFor();
    } finally {
      await c.close();
    }
  });
});
