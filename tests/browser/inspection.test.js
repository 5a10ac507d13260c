// The site inspection (岁末清查整治, `site_inspection/v1`) in the web form, in a real browser
// (Debian's chromium) against the real server binary and the built WASM package: the
// new-record choice, a rule's message at its field, and a team of two officers filling one
// inspection offline on two phones, whose hazards both survive the sync.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { browser, FORM, openDemo as openPage, server, useDemo, watch } from './demo.js';
import {
  ARTIFACTS,
  dossierOf,
  field,
  messageOf,
  phoneContext,
  syncStatus,
  waitSynced,
} from './harness.js';

const INSPECTION = 'site_inspection/v1';

useDemo();

/** The demo page, with every validation report the form makes kept for the assertions. */
async function openDemo(context, who, hash = '') {
  const page = await openPage(context, who, hash);
  await page.evaluate(() =>
    document.querySelector('abjuan-dossier-form').addEventListener('validated', (e) => {
      window.lastReport = e.detail.report;
    }),
  );
  return page;
}

/** 新建清查记录: a new inspection on this phone; returns its id. */
async function newInspection(page) {
  await page.getByRole('button', { name: '新建清查记录' }).click();
  await page.waitForFunction(() => location.hash.length > 30);
  await field(page, '/place/name').waitFor();
  return page.evaluate(() => location.hash.slice(1));
}

function addItem(page, list) {
  return page.locator(`${FORM} button[data-action="add-item"][data-pointer="${list}"]`).click();
}

/** Waits until the form's control at `pointer` holds `value`. */
function valueIs(page, pointer, value, timeout = 30000) {
  return page.waitForFunction(
    ([f, p, v]) =>
      document.querySelector(f)?.shadowRoot?.querySelector(`[data-pointer="${p}"]`)?.value === v,
    [FORM, pointer, value],
    { timeout, polling: 100 },
  );
}

describe('the site inspection', () => {
  it('is created from the new-record choice and drawn from its own schema', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer');
      const id = await newInspection(page);
      const record = await dossierOf(page);
      assert.equal(record.id, id);
      assert.equal(record.formType, INSPECTION);
      assert.equal(record.header.status, 'inspecting');
      assert.deepEqual(record.hazards, []);
      assert.deepEqual(record.team.members, []);
      assert.equal(
        await page.evaluate(() => document.querySelector('abjuan-dossier-form').formType),
        INSPECTION,
      );

      // Its own parts, with add buttons for the lists; none of the dossier's.
      const form = page.locator(FORM);
      for (const list of ['/hazards', '/team/members', '/checks', '/volumeB/persons']) {
        assert.equal(
          await form.locator(`button[data-action="add-item"][data-pointer="${list}"]`).count(),
          1,
          `add button of ${list}`,
        );
      }
      for (const gone of ['/header/summary', '/volumeA/sessions', '/volumeB/parties']) {
        assert.equal(await form.locator(`[data-path="${gone}"]`).count(), 0, `${gone} not drawn`);
      }
      // The status is a plain choice of the inspection's statuses (no dossier transitions).
      const status = field(page, '/header/status');
      assert.equal(await status.getAttribute('data-kind'), 'select');
      const options = await status.locator('option').evaluateAll((os) => os.map((o) => o.value));
      assert.deepEqual(options, ['inspecting', 'rectifying', 'closed']);
      // The place type offers the built-in catalogue.
      const types = await field(page, '/place/type')
        .locator('option')
        .evaluateAll((os) => os.map((o) => o.textContent));
      assert.ok(types.includes('网吧') && types.includes('要害部位'), `place types: ${types}`);
      // The grade is shown as for a dossier; the print link (AB dossiers only) is not.
      await page.locator(`${FORM} .grade[data-level]`).waitFor();
      assert.equal(await page.locator('#print-open').isHidden(), true);

      // The list badges it and opens it.
      await field(page, '/place/name').fill('城西星空网吧');
      const row = page.locator(`#dossiers button[data-id="${id}"]`);
      await row.waitFor({ timeout: 15000 });
      assert.equal(await row.getAttribute('data-form-type'), INSPECTION);
      assert.equal(await row.locator('.badge').textContent(), '清查');
      await page.locator(`#dossiers button[data-id="${id}"]`, { hasText: '城西星空网吧' }).waitFor({
        timeout: 15000,
      });
      await page.getByRole('button', { name: '新建卷宗' }).click();
      await field(page, '/header/summary').waitFor();
      assert.equal((await dossierOf(page)).formType, 'ab_dossier/v1');
      await page.locator(`#dossiers button[data-id="${id}"]`).click();
      await field(page, '/place/name').waitFor();
      assert.equal(await field(page, '/place/name').inputValue(), '城西星空网吧');
    } finally {
      await c.close();
    }
  });

  it('shows a broken rule at its field and clears it when fixed', async () => {
    const c = await phoneContext(browser);
    try {
      const page = await openDemo(c, 'officer');
      await newInspection(page);
      await addItem(page, '/hazards');
      const deadline = '/hazards/0/deadline';
      await field(page, deadline).waitFor();
      // A rectification deadline before the inspection: refused by the rules.
      await field(page, deadline).fill('2020-01-01');
      await field(page, deadline).dispatchEvent('change');
      const msg = await messageOf(page, deadline);
      await assert.doesNotReject(
        page.waitForFunction(
          ([f, p]) => {
            const root = document.querySelector(f).shadowRoot;
            const input = root.querySelector(`[data-pointer="${p}"]`);
            const slot = root.getElementById(input.getAttribute('aria-describedby'));
            return input.getAttribute('aria-invalid') === 'true' && slot.textContent !== '';
          },
          [FORM, deadline],
          { timeout: 10000 },
        ),
      );
      const report = await page.evaluate(() => window.lastReport);
      const issue = report.issues.find((i) => i.path === deadline);
      assert.equal(issue?.code, 'deadline_before_inspection', JSON.stringify(report.issues));
      assert.equal(await msg.textContent(), issue.message);
      assert.match(await page.locator(`${FORM} .summary`).textContent(), /整改期限/);

      // A deadline a month after the inspection clears it.
      const later = new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10);
      await field(page, deadline).fill(later);
      await field(page, deadline).dispatchEvent('change');
      await page.waitForFunction(
        ([f, p]) =>
          document
            .querySelector(f)
            .shadowRoot.querySelector(`[data-pointer="${p}"]`)
            .getAttribute('aria-invalid') !== 'true',
        [FORM, deadline],
        { timeout: 10000 },
      );
      const after = await page.evaluate(() => window.lastReport);
      assert.ok(!after.issues.some((i) => i.path === deadline), JSON.stringify(after.issues));
    } finally {
      await c.close();
    }
  });

  it('is filled by a team of two offline on two phones and keeps both hazards', async () => {
    const c1 = await phoneContext(browser);
    const c2 = await phoneContext(browser);
    try {
      // Officer 1 starts the inspection and syncs it.
      const p1 = await openDemo(c1, 'officer1');
      const id = await newInspection(p1);
      await field(p1, '/place/name').fill('城西网吧');
      await field(p1, '/campaign/name').fill('岁末年初治安复杂区域集中清查整治');
      await field(p1, '/team/name').fill('清查一组');
      await addItem(p1, '/team/members');
      await field(p1, '/team/members/0/name').fill('王建军');
      await waitSynced(p1);

      // Officer 2 opens the same inspection from the server.
      const p2 = await openDemo(c2, 'officer2', `#${id}`);
      await valueIs(p2, '/team/members/0/name', '王建军');
      await waitSynced(p2);

      // In the basement: both offline, each adds a hazard; one renames the place, the other
      // writes the address and adds himself to the team.
      await c1.setOffline(true);
      await c2.setOffline(true);
      await addItem(p1, '/hazards');
      await field(p1, '/hazards/0/description').fill('安全出口被杂物堵塞');
      await field(p1, '/place/name').fill('城西星空网吧');

      await addItem(p2, '/hazards');
      await field(p2, '/hazards/0/severity').selectOption({ index: 1 });
      await field(p2, '/hazards/0/description').fill('灭火器压力不足');
      await field(p2, '/place/address').fill('城西路12号');
      await addItem(p2, '/team/members');
      await field(p2, '/team/members/1/name').fill('赵辅警');

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
      }
      // The offline copy survives a reload (service worker + IndexedDB).
      await p2.reload();
      await valueIs(p2, '/hazards/0/description', '灭火器压力不足');

      // Back online: both converge by themselves.
      await c1.setOffline(false);
      await c2.setOffline(false);
      for (const p of [p1, p2]) {
        await p.waitForFunction(
          (f) => {
            const d = document.querySelector(f)?.dossier;
            return d?.hazards?.length === 2 && d.team.members.length === 2;
          },
          FORM,
          { timeout: 30000, polling: 200 },
        );
      }
      for (const p of [p1, p2]) await waitSynced(p, 30000);
      const d1 = await dossierOf(p1);
      const d2 = await dossierOf(p2);
      assert.deepEqual(d1, d2, 'both phones hold the same inspection');
      const said = d1.hazards.map((h) => h.description).sort();
      assert.deepEqual(said, ['安全出口被杂物堵塞', '灭火器压力不足']);
      assert.equal(d1.place.name, '城西星空网吧');
      assert.equal(d1.place.address, '城西路12号');
      assert.deepEqual(d1.team.members.map((m) => m.name).sort(), ['王建军', '赵辅警']);
      // Both hazards are drawn on both pages.
      for (const p of [p1, p2]) {
        for (const i of [0, 1]) {
          assert.equal(
            await field(p, `/hazards/${i}/description`).inputValue(),
            d1.hazards[i].description,
          );
        }
      }

      // The server's copy has both.
      const res = await fetch(`${server.url}/v1/dossiers/${id}`, {
        headers: { Accept: 'application/json' },
      });
      assert.equal(res.status, 200);
      const body = await res.json();
      const stored = body.dossier ?? body;
      assert.equal(stored.formType, INSPECTION);
      assert.deepEqual(stored.hazards.map((h) => h.description).sort(), said);
      assert.equal(stored.place.name, '城西星空网吧');
      assert.equal(stored.place.address, '城西路12号');

      // The server lists it as an inspection.
      const list = await (await fetch(`${server.url}/v1/dossiers`)).json();
      const rows = Array.isArray(list) ? list : (list.dossiers ?? list.items ?? []);
      const row = rows.find((r) => (r.id ?? r.dossier ?? r.dossierId) === id);
      assert.equal(row?.formType, INSPECTION, JSON.stringify(row));

      await p1.screenshot({ path: join(ARTIFACTS, 'inspection-two-officers.png'), fullPage: true });
    } finally {
      await c1.close();
      await c2.close();
    }
  });
});

describe('the chief’s page', () => {
  it('shows the campaign figures of the inspections, as the statistics API counts them', async () => {
    const res = await fetch(`${server.url}/v1/inspections/stats`);
    assert.equal(res.status, 200);
    const { stats } = await res.json();
    assert.ok(stats.totals.places >= 1 && stats.totals.hazards >= 2, JSON.stringify(stats));
    const c = await phoneContext(browser);
    try {
      const page = await c.newPage();
      watch(page, 'chief');
      await page.goto(`${server.url}/web/chief.html`);
      await page.locator('#inspections-section').waitFor({ state: 'visible', timeout: 30000 });
      for (const figure of ['places', 'hazards', 'rectified', 'overdue', 'serious']) {
        const card = page.locator(`#inspection-cards [data-figure="${figure}"]`);
        assert.equal(await card.getAttribute('data-value'), String(stats.totals[figure]), figure);
      }
      // One line per station and per team, the team the officers named.
      const teams = await page.locator('#inspection-teams').textContent();
      assert.ok(teams.includes('清查一组'), teams);
      assert.equal(
        await page.locator('#inspection-types tbody tr').count(),
        Object.keys(stats.placesByType).length,
      );
    } finally {
      await c.close();
    }
  });
});
