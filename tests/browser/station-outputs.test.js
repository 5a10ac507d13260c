// The station's outputs in a real browser, on a server with accounts and realistic dossiers
// (seeded through the sync API by `abjuan-report seed`): Chromium prints the AB卷 to PDF and
// pdftotext (poppler) finds the cover, the 卷内目录 with the right page numbers, "第 X 页 共 Y
// 页" and the party's ID number, which a partner mediator's print lacks; a phone prints its own
// copy offline; the chief's page shows exactly the API's figures (screenshots at 360 and
// 1280 px); and an independent reader (openpyxl, in the venv scripts/test.d/45-outputs-env.sh
// makes) checks the ledger workbook.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ARTIFACTS,
  admin,
  launchBrowser,
  prepare,
  ROOT,
  startServer,
  waitControlled,
  waitSynced,
} from './harness.js';

const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
const PYTHON = process.env.ABJUAN_LEDGER_PYTHON ?? join(TARGET, 'py-ledger/bin/python');
const STATION = 'yongji-puzhou';

let server;
let browser;
const tokens = {};
let ids = [];
let shared;
let sharedData; // the officer's print data of the shared dossier (volume B included)

async function api(path, token, init = {}) {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: {
      Accept: 'application/json',
      Authorization: `Bearer ${token}`,
      ...(init.headers ?? {}),
    },
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

function enrol(person) {
  const code = /abje_\S+/.exec(admin(server.data, 'device', 'enrol', person))?.[0];
  const out = admin(server.data, 'device', 'redeem', code, '--label', 'test');
  return out.trim().split('\n').pop().trim();
}

/** A browser context whose pages carry `token` as this device's credential. */
async function contextAs(token, width = 1280) {
  const c = await browser.newContext({
    viewport: { width, height: width < 600 ? 780 : 900 },
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    serviceWorkers: 'allow',
  });
  await c.addInitScript((t) => localStorage.setItem('abjuan.credential', t), token);
  return c;
}

/** Opens the print page and prints it with Chromium; returns {text, pages} of the PDF. */
async function printed(context, query, name) {
  const page = await context.newPage();
  await page.goto(`${server.url}/web/print.html?${query}`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, {
    timeout: 60000,
  });
  const file = join(ARTIFACTS, `${name}.pdf`);
  await page.pdf({ path: file, preferCSSPageSize: true, printBackground: true });
  const status = await page.locator('#status').textContent();
  await page.close();
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  const pages = text.split('\f').filter((p) => p.trim());
  return { text, pages, status };
}

before(async () => {
  prepare();
  for (const tool of ['pdftotext']) {
    try {
      execFileSync('which', [tool]);
    } catch {
      throw new Error(
        `${tool} is missing: run scripts/test.d/45-outputs-env.sh (it installs poppler-utils)`,
      );
    }
  }
  const seeder = join(TARGET, 'debug/abjuan-report');
  if (!existsSync(seeder)) {
    execFileSync('cargo', ['build', '-q', '-p', 'abjuan-server', '--bin', 'abjuan-report'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  server = await startServer();
  browser = await launchBrowser();
  admin(server.data, 'bureau', 'add', 'yongji', '永济市公安局');
  admin(server.data, 'station', 'add', STATION, '蒲州派出所', '--bureau', 'yongji');
  for (const [id, name, role, unit] of [
    ['wang', '王警官', 'officer', ['--station', STATION]],
    ['li', '李所长', 'station_chief', ['--station', STATION]],
    ['zheng', '郑调解员', 'partner_mediator', ['--bureau', 'yongji']],
  ]) {
    admin(server.data, 'person', 'add', id, '--name', name, '--role', role, ...unit);
    tokens[id] = enrol(id);
  }
  const out = execFileSync(
    seeder,
    [
      'seed',
      '--url',
      server.url,
      '--token',
      tokens.wang,
      '--dossiers',
      '30',
      '--stations',
      STATION,
    ],
    { encoding: 'utf8' },
  );
  ids = out.trim().split('\n');
  assert.equal(ids.length, 30);
  // A closed dossier with a session, an agreement and a follow-up (sample 14: archived).
  shared = ids[14];
  const share = await api(`/v1/dossiers/${shared}/shares`, tokens.wang, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ person: 'zheng' }),
  });
  assert.equal(share.status, 200);
  sharedData = (await api(`/v1/print/data?ids=${shared}`, tokens.wang)).body.items[0];
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the printed AB卷', () => {
  it('has the cover, the 卷内目录 with the right page numbers, 第 X 页 共 Y 页 and volume B', async () => {
    const c = await contextAs(tokens.wang);
    const { text, pages } = await printed(c, `id=${shared}`, 'ab-dossier-officer');
    await c.close();
    const idNumber = sharedData.dossier.volumeB.parties[0].idNumber;
    assert.match(pages[0], /矛盾纠纷警情化解/);
    assert.match(pages[0], /（2025）蒲州调字第\d+号/);
    assert.match(pages[0], /蒲州派出所/);
    assert.ok(text.includes(idNumber), 'the party ID number is printed');
    const n = pages.length;
    pages.forEach((p, i) => {
      assert.ok(p.includes(`第 ${i + 1} 页 共 ${n} 页`), `page ${i + 1} has its number`);
    });
    // Every 卷内目录 entry points at the page its document starts on.
    const headings = {
      受理登记表: '矛盾纠纷受理登记表',
      '调解记录（第1次）': '调解记录（第1次）',
      调解协议书: '人民调解协议书',
      回访记录: '回访记录',
      结案报告: '结案报告',
      当事人基本情况: '当事人基本情况',
      主要社会关系: '主要社会关系',
      法治宣传: '法治宣传',
    };
    const toc = pages[1];
    assert.match(toc, /卷内目录/);
    for (const [entry, heading] of Object.entries(headings)) {
      const line = toc.split('\n').find((l) => l.includes(entry));
      assert.ok(line, `卷内目录 lists ${entry}`);
      const page = Number(/(\d+)\s*$/.exec(line.trim())?.[1]);
      const start = pages.findIndex(
        (p, i) => i > 1 && p.split('\n').some((l) => l.trim() === heading),
      );
      assert.equal(page, start + 1, `${entry} starts on page ${start + 1}`);
    }
    // The agreement has a signature and a fingerprint box per signatory.
    const agreement = pages.find((p) => p.includes('人民调解协议书') && p.includes('签名及指印'));
    assert.equal(
      (agreement.match(/指印/g) ?? []).length - 1,
      sharedData.dossier.volumeA.agreement.signatories.length,
    );
  });

  it('a partner mediator’s print has no volume B', async () => {
    const c = await contextAs(tokens.zheng);
    const { text, status } = await printed(c, `id=${shared}`, 'ab-dossier-mediator');
    await c.close();
    const b = sharedData.dossier.volumeB;
    for (const secret of [
      b.parties[0].idNumber,
      b.parties[1].idNumber,
      b.parties[0].mobile,
      b.relations[0].phone,
    ]) {
      assert.ok(!text.includes(secret), `${secret} is not printed for a mediator`);
    }
    assert.ok(!text.includes('当事人基本情况'), 'no volume B part');
    assert.match(text, /本打印件不含B卷/);
    assert.match(status, /不含B卷/);
    assert.match(text, /人民调解协议书/);
  });

  it('prints the phone’s own copy when offline', async () => {
    const c = await contextAs(tokens.wang, 360);
    const page = await c.newPage();
    await page.goto(`${server.url}/#${shared}`);
    await waitControlled(page);
    await waitSynced(page, 30000);
    await c.setOffline(true);
    await page.goto(`${server.url}/web/print.html?id=${shared}`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, {
      timeout: 60000,
    });
    assert.match(await page.locator('#status').textContent(), /离线/);
    await page.screenshot({ path: join(ARTIFACTS, 'print-offline-360.png') });
    const file = join(ARTIFACTS, 'ab-dossier-offline.pdf');
    await page.pdf({ path: file, preferCSSPageSize: true, printBackground: true });
    await c.close();
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    assert.ok(text.includes(sharedData.dossier.volumeB.parties[0].idNumber));
    assert.match(text, /卷内目录/);
    assert.match(text, /第 1 页 共 \d+ 页/);
  });
});

describe('the server’s PDFs', () => {
  async function serverPdf(query, who, name) {
    const res = await fetch(`${server.url}/v1/print.pdf?${query}`, {
      headers: { Authorization: `Bearer ${tokens[who]}` },
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const file = join(ARTIFACTS, `${name}.pdf`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  }

  it('prints one dossier with volume B for the officer and without it for the mediator', async () => {
    const idNumber = sharedData.dossier.volumeB.parties[0].idNumber;
    const officer = await serverPdf(`ids=${shared}`, 'wang', 'server-officer');
    assert.ok(officer.includes(idNumber));
    assert.match(officer, /卷内目录/);
    const pages = officer.split('\f').filter((p) => p.trim()).length;
    assert.match(officer, new RegExp(`第 ${pages} 页 共 ${pages} 页`));
    const mediator = await serverPdf(`ids=${shared}`, 'zheng', 'server-mediator');
    assert.ok(!mediator.includes(idNumber), 'no ID number in a mediator’s PDF');
    assert.ok(!mediator.includes('当事人基本情况'));
  });

  it('prints a month’s closed dossiers as one archive batch, each numbered on its own', async () => {
    let month;
    let n = 0;
    for (let m = 1; m <= 12 && n < 2; m += 1) {
      month = `2025-${String(m).padStart(2, '0')}`;
      n = (await api(`/v1/print/data?closed=${month}`, tokens.li)).body.items.length;
    }
    assert.ok(n >= 2, 'a month with two closed dossiers');
    const text = await serverPdf(`closed=${month}`, 'li', 'server-archive');
    assert.equal((text.match(/卷内目录/g) ?? []).length, n, 'one 卷内目录 per dossier');
    assert.equal(
      (text.match(/第 1 页 共 \d+ 页/g) ?? []).length,
      n,
      'page numbers restart per dossier',
    );
  });
});

describe('the chief’s page', () => {
  it('shows the API’s figures, each opening its dossiers (360 and 1280 px)', async () => {
    const { status, body: api1 } = await api('/v1/figures', tokens.li);
    assert.equal(status, 200);
    for (const width of [1280, 360]) {
      const c = await contextAs(tokens.li, width);
      const page = await c.newPage();
      await page.goto(`${server.url}/web/chief.html`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, {
        timeout: 30000,
      });
      const shown = await page.$$eval('[data-figure]', (els) =>
        els.map((e) => ({
          figure: e.dataset.figure,
          value: e.dataset.value,
          cell: e.dataset.cell,
        })),
      );
      const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);
      let checked = 0;
      for (const s of shown) {
        const cell = s.cell ? JSON.parse(s.cell) : {};
        const keys = Object.keys(cell);
        let want;
        if (!keys.length)
          want =
            s.figure === 'resolutionRate' ? pct(api1.totals.resolutionRate) : api1.totals[s.figure];
        else if (keys[0] === 'month')
          want = api1.trend.find((m) => m.month === cell.month)[s.figure];
        else if (keys[0] === 'category')
          want = api1.categories.find((x) => x.code === cell.category)[s.figure];
        else if (keys[0] === 'level')
          want = api1.levels.find((x) => x.code === cell.level)[s.figure];
        else if (keys[0] === 'officer')
          want = api1.officers.find((x) => x.officer === cell.officer)[s.figure];
        else if (keys[0] === 'station')
          want = api1.stations.find((x) => x.code === cell.station)[s.figure];
        assert.equal(String(s.value), String(want), `${s.figure} ${s.cell ?? ''}`);
        checked += 1;
      }
      assert.ok(checked > 40, `checked ${checked} figures`);
      assert.equal(api1.totals.opened, 30);
      await page.screenshot({ path: join(ARTIFACTS, `chief-${width}.png`), fullPage: true });
      if (width === 1280) {
        // A number opens the dossiers behind it.
        await page.locator('.card[data-figure="openRedOrange"]').click();
        await page.waitForFunction(() =>
          /共 \d+ 卷/.test(document.getElementById('list-count').textContent),
        );
        const n = await page.locator('#list-rows li').count();
        assert.equal(n, api1.totals.openRedOrange);
        await page.screenshot({ path: join(ARTIFACTS, 'chief-list-1280.png') });
      }
      await c.close();
    }
    // An officer sees no figures, and the page says why.
    const c = await contextAs(tokens.wang, 360);
    const page = await c.newPage();
    await page.goto(`${server.url}/web/chief.html`);
    await page.waitForFunction(() => /无权/.test(document.getElementById('status').textContent));
    await c.close();
  });
});

describe('the ledger workbook', () => {
  it('reads back in openpyxl: headers, rows, masking, level fills, summary sheet', async () => {
    assert.ok(existsSync(PYTHON), `${PYTHON} is missing: run scripts/test.d/45-outputs-env.sh`);
    const res = await fetch(`${server.url}/v1/ledger.xlsx?from=2025-01&to=2025-12`, {
      headers: { Authorization: `Bearer ${tokens.li}` },
    });
    assert.equal(res.status, 200);
    const file = join(ARTIFACTS, 'ledger.xlsx');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const data = (await api(`/v1/print/data?ids=${ids.join(',')}`, tokens.li)).body;
    const parties = data.items.flatMap((i) => i.dossier.volumeB.parties);
    const figures = (await api('/v1/figures?from=2025-01&to=2025-12', tokens.li)).body;
    const expected = {
      rows: ids.length,
      names: parties.map((p) => p.name),
      secrets: parties.flatMap((p) => [p.idNumber, p.mobile]),
      opened: figures.totals.opened,
      closed: figures.totals.closed,
      resolved: figures.totals.resolved,
    };
    const exp = join(ARTIFACTS, 'ledger-expected.json');
    writeFileSync(exp, JSON.stringify(expected));
    const out = execFileSync(PYTHON, [join(ROOT, 'tests/browser/check_ledger.py'), file, exp], {
      encoding: 'utf8',
    });
    assert.match(out, /ledger ok/);
  });
});
