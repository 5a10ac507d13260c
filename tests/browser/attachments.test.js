// Photos of signed papers in the web form, offline first: an officer with no signal attaches a
// photo of the signed agreement (a JPEG the test draws on a canvas) and a copy of a party's ID
// card; both are downscaled to a long edge of 1,600 px and kept on the phone; the status line
// counts them; after a reload (still offline) they are still there; online again they upload,
// resuming after a connection dropped mid-upload; the server has them (its hash checked); a
// second officer's page shows them; a partner mediator gets the agreement photo and a 404 for
// the ID-card copy, whose address never reaches their page; the printed 卷宗 shows the agreement
// photo right after the 调解协议书 (and the ID card in volume B, not in the mediator's print);
// bytes that do not match their address are refused and nothing is stored.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
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
  syncStatus,
  waitControlled,
  waitSynced,
} from './harness.js';

const FORM = 'abjuan-dossier-form';
const AGREEMENT = '/volumeA/agreement/attachments';
const ID_PAPERS = '/volumeB/parties/0/attachments';

let server;
let browser;
const tokens = {};

before(async () => {
  prepare();
  server = await startServer();
  browser = await launchBrowser();
  admin(server.data, 'bureau', 'add', 'yongji', '永济市公安局');
  admin(server.data, 'station', 'add', 'yongji-puzhou', '蒲州派出所', '--bureau', 'yongji');
  for (const [id, name, role, unit] of [
    ['wang', '王警官', 'officer', ['--station', 'yongji-puzhou']],
    ['li', '李警官', 'officer', ['--station', 'yongji-puzhou']],
    ['zhao', '赵调解员', 'partner_mediator', ['--bureau', 'yongji']],
  ]) {
    admin(server.data, 'person', 'add', id, '--name', name, '--role', role, ...unit);
    const code = /abje_\S+/.exec(admin(server.data, 'device', 'enrol', id))[0];
    tokens[id] = admin(server.data, 'device', 'redeem', code).trim().split('\n').at(-1).trim();
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A phone of `who` at `/` (its credential and station set as the demo page keeps them). */
async function phoneOf(who, hash = '') {
  const c = await phoneContext(browser);
  await c.addInitScript((t) => {
    localStorage.setItem('abjuan.credential', t);
    localStorage.setItem('abjuan.station', 'yongji-puzhou');
  }, tokens[who]);
  const page = await c.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/${hash}`);
  await waitControlled(page);
  await page.evaluate(async (f) => {
    await customElements.whenDefined(f);
    await document.querySelector(f).whenReady();
  }, FORM);
  return { c, page, errors };
}

/**
 * A JPEG drawn in the page: `w`×`h`, noise (large, several upload parts) or shapes and words
 * (small). Returns the file's bytes.
 */
async function drawnJpeg(page, w, h, noise) {
  const b64 = await page.evaluate(
    async ([w, h, noise]) => {
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      const g = c.getContext('2d');
      if (noise) {
        const img = g.createImageData(w, h);
        for (let i = 0; i < img.data.length; i += 65536) {
          crypto.getRandomValues(img.data.subarray(i, Math.min(img.data.length, i + 65536)));
        }
        for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
        g.putImageData(img, 0, 0);
      } else {
        g.fillStyle = '#f6f1e4';
        g.fillRect(0, 0, w, h);
        g.fillStyle = '#1b1b1f';
        g.font = `${Math.round(h / 10)}px sans-serif`;
        g.fillText('居民身份证 复印件', w / 10, h / 3);
        g.fillStyle = '#c62828';
        g.beginPath();
        g.arc(w * 0.75, h * 0.6, h / 6, 0, 2 * Math.PI);
        g.fill();
      }
      const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.92));
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      return btoa(s);
    },
    [w, h, noise],
  );
  return Buffer.from(b64, 'base64');
}

/** Chooses `bytes` as a file for the attachment list at `pointer` ("选择文件"). */
async function attach(page, pointer, name, bytes) {
  await page
    .locator(`${FORM} input[type="file"][data-attach="${pointer}"]:not([capture])`)
    .setInputFiles({ name, mimeType: 'image/jpeg', buffer: bytes });
}

/**
 * `[{sha, state, loaded}]` of the thumbnails of the list at `pointer`, scrolled into view as an
 * officer would (the thumbnails' pictures load lazily).
 */
function thumbs(page, pointer) {
  return page.evaluate(
    ([f, p]) =>
      [
        ...document.querySelector(f).shadowRoot.querySelectorAll(`[data-gallery="${p}"] li.thumb`),
      ].map((li) => {
        li.scrollIntoView({ block: 'center' });
        return {
          sha: li.dataset.sha,
          state: li.dataset.state,
          loaded: (li.querySelector('img')?.naturalWidth ?? 0) > 0,
        };
      }),
    [FORM, pointer],
  );
}

async function thumbsAre(page, pointer, want) {
  const deadline = Date.now() + 30000;
  let got;
  while (Date.now() < deadline) {
    got = await thumbs(page, pointer);
    if (got.length && got.every((t) => t.state === want && t.loaded)) return got;
    await page.waitForTimeout(100);
  }
  assert.fail(`thumbnails of ${pointer}: ${JSON.stringify(got)}, wanted ${want}`);
}

async function api(method, path, token, body, headers = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...headers },
    body,
  });
  const bytes = method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes };
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function filesUnder(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [n];
  });
}

describe('attachments in the web form', () => {
  it('keeps photos offline, uploads them online (resuming), and shows them only to who may see them', async () => {
    const wang = await phoneOf('wang');
    const phones = [wang];
    try {
      const { page, c } = wang;
      await page.getByRole('button', { name: '新建卷宗' }).click();
      await page.waitForFunction(() => location.hash.length > 30);
      const id = await page.evaluate(() => location.hash.slice(1));
      await field(page, '/header/summary').fill('两户因院墙排水沟发生纠纷，经现场调解签订协议。');
      await page
        .locator(`${FORM} button[data-action="add-item"][data-pointer="/volumeB/parties"]`)
        .click();
      await field(page, '/volumeB/parties/0/name').fill('赵桂兰');
      await page
        .locator(`${FORM} button[data-action="add-group"][data-pointer="/volumeA/agreement"]`)
        .click();
      await field(page, '/volumeA/agreement/terms').fill('双方各出资一半改建排水沟。');
      await waitSynced(page);

      // No signal: the signed agreement (a 2,400×1,800 photo) and the party's ID card.
      await c.setOffline(true);
      const agreement = await drawnJpeg(page, 2400, 1800, true);
      const idCard = await drawnJpeg(page, 1200, 760, false);
      await attach(page, AGREEMENT, '协议书.jpg', agreement);
      await thumbsAre(page, AGREEMENT, 'pending');
      await attach(page, ID_PAPERS, '身份证.jpg', idCard);
      await thumbsAre(page, ID_PAPERS, 'pending');
      let status = await syncStatus(page);
      assert.equal(status.online, false);
      assert.match(status.text, /2 个附件待上传/);
      const dossier = await page.evaluate((f) => document.querySelector(f).dossier, FORM);
      const photo = dossier.volumeA.agreement.attachments[0];
      const card = dossier.volumeB.parties[0].attachments[0];
      assert.equal(photo.mediaType, 'image/jpeg');
      assert.match(photo.sha256, /^[0-9a-f]{64}$/);
      assert.equal(photo.by, 'wang');
      // Downscaled in the browser: a long edge of 1,600 px, and what is kept hashes to its
      // address.
      const kept = await page.evaluate(async (sha) => {
        const db = await new Promise((r) => {
          const req = indexedDB.open('abjuan-forms');
          req.onsuccess = () => r(req.result);
        });
        const rec = await new Promise((r) => {
          const req = db.transaction('blobs').objectStore('blobs').get(sha);
          req.onsuccess = () => r(req.result);
        });
        const bitmap = await createImageBitmap(rec.bytes);
        const digest = new Uint8Array(
          await crypto.subtle.digest('SHA-256', await rec.bytes.arrayBuffer()),
        );
        return {
          w: bitmap.width,
          h: bitmap.height,
          size: rec.bytes.size,
          sha: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
        };
      }, photo.sha256);
      assert.deepEqual(
        [kept.w, kept.h, kept.sha, kept.size],
        [1600, 1200, photo.sha256, photo.size],
      );
      assert.ok(
        photo.size > 600 * 1024,
        `a noise photo of ${photo.size} bytes takes several parts`,
      );
      await page.locator(`${FORM} fieldset[data-gallery="${AGREEMENT}"]`).screenshot({
        path: join(ARTIFACTS, 'attachments-offline-360.png'),
      });

      // A reload with no network: the page, the dossier and the photos come from the phone.
      await page.reload();
      await page.evaluate(async (f) => {
        await customElements.whenDefined(f);
        await document.querySelector(f).whenReady();
      }, FORM);
      await thumbsAre(page, AGREEMENT, 'pending');
      await thumbsAre(page, ID_PAPERS, 'pending');
      await page.waitForFunction(
        (f) =>
          document.querySelector(f).shadowRoot.querySelector('.sync').dataset.attachmentsPending ===
          '2',
        FORM,
      );

      // Online again; the connection drops in the middle of the agreement photo's upload.
      const puts = [];
      let cut = false;
      await c.route('**/v1/blobs/**', async (route) => {
        const req = route.request();
        const range = req.headers()['content-range'] ?? '';
        if (req.method() === 'PUT') puts.push(`${req.url().slice(-64, -56)} ${range}`);
        if (
          req.method() === 'PUT' &&
          !cut &&
          req.url().endsWith(photo.sha256) &&
          !range.startsWith('bytes 0-')
        ) {
          cut = true;
          await route.abort('connectionreset');
          return;
        }
        await route.continue();
      });
      await c.setOffline(false);
      await page.evaluate((f) => document.querySelector(f).sync(), FORM);
      await thumbsAre(page, AGREEMENT, 'stored');
      await thumbsAre(page, ID_PAPERS, 'stored');
      await waitSynced(page);
      status = await syncStatus(page);
      assert.doesNotMatch(status.text, /附件待上传/);
      assert.ok(cut, `the upload was cut: ${puts.join(' | ')}`);
      const photoPuts = puts.filter((p) => p.startsWith(photo.sha256.slice(0, 8)));
      assert.ok(
        !photoPuts.slice(1).some((p) => p.endsWith(`bytes 0-${524287}/${photo.size}`)),
        `after the cut the upload resumed where it stood, not from the start: ${photoPuts.join(' | ')}`,
      );
      await c.unroute('**/v1/blobs/**');

      // The server has both, whole.
      for (const [ref, bytes] of [
        [photo, null],
        [card, null],
      ]) {
        const got = await api('GET', `/v1/blobs/${ref.sha256}`, tokens.wang);
        assert.equal(got.status, 200);
        assert.equal(sha256(got.bytes), ref.sha256, bytes);
        assert.equal(got.bytes.length, ref.size);
      }

      // A second officer's page shows them, and opens the agreement full size.
      const li = await phoneOf('li', `#${id}`);
      phones.push(li);
      await thumbsAre(li.page, AGREEMENT, 'stored');
      await thumbsAre(li.page, ID_PAPERS, 'stored');
      await li.page
        .locator(`${FORM} [data-gallery="${AGREEMENT}"] button[data-action="open-attachment"]`)
        .click();
      await li.page.waitForFunction(
        (f) =>
          document.querySelector(f).shadowRoot.querySelector('.viewer img.full')?.naturalWidth ===
          1600,
        FORM,
      );
      await li.page.screenshot({ path: join(ARTIFACTS, 'attachments-full-size-360.png') });
      await li.page.locator(`${FORM} .viewer button`).click();

      // The printed 卷宗 (print page, online): the agreement's photo right after the 调解协议书,
      // the ID card in volume B; the partner mediator's print has no ID papers at all.
      const printed = async (who) => {
        const p = await who.c.newPage();
        await p.goto(`${server.url}/web/print.html?id=${id}`);
        await p.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, {
          timeout: 60000,
        });
        const got = await p.evaluate(() => {
          const titles = [];
          for (const s of document.querySelectorAll('section[data-title]')) {
            if (titles.at(-1) !== s.dataset.title) titles.push(s.dataset.title);
          }
          const imgs = [...document.querySelectorAll('figure.photo img')];
          return {
            titles,
            loaded: imgs.map((i) => i.naturalWidth),
            text: document.body.textContent,
            html: document.documentElement.outerHTML,
          };
        });
        await p.close();
        return got;
      };
      const liPrint = await printed(li);
      const at = liPrint.titles.indexOf('调解协议书');
      assert.ok(at >= 0, liPrint.titles.join(' | '));
      assert.equal(liPrint.titles[at + 1], '调解协议书（签字照片）', liPrint.titles.join(' | '));
      assert.ok(liPrint.titles.includes('当事人身份证件（照片）'), liPrint.titles.join(' | '));
      assert.ok(
        liPrint.loaded.length === 2 && liPrint.loaded.every((w) => w > 0),
        `both photos drawn: ${liPrint.loaded}`,
      );
      assert.ok(liPrint.text.includes(`SHA-256 ${card.sha256.slice(0, 12)}`));

      // The partner mediator: the agreement photo yes, the ID-card copy never.
      admin(server.data, 'share', id, 'zhao');
      assert.equal((await api('GET', `/v1/blobs/${card.sha256}`, tokens.zhao)).status, 404);
      assert.equal((await api('HEAD', `/v1/blobs/${card.sha256}`, tokens.zhao)).status, 404);
      assert.equal((await api('GET', `/v1/blobs/${photo.sha256}`, tokens.zhao)).status, 200);
      const zhao = await phoneOf('zhao', `#${id}`);
      phones.push(zhao);
      await thumbsAre(zhao.page, AGREEMENT, 'stored');
      const seen = await zhao.page.evaluate(
        async ([f, sha]) => {
          const form = document.querySelector(f);
          const db = await new Promise((r) => {
            const req = indexedDB.open('abjuan-forms');
            req.onsuccess = () => r(req.result);
          });
          const keys = await new Promise((r) => {
            const req = db.transaction('blobs').objectStore('blobs').getAllKeys();
            req.onsuccess = () => r(req.result);
          });
          return {
            inPage: (document.documentElement.outerHTML + form.shadowRoot.innerHTML).includes(sha),
            inJson: JSON.stringify(form.dossier).includes(sha),
            kept: keys.includes(sha),
            volumeB: form.dossier.volumeB ?? null,
          };
        },
        [FORM, card.sha256],
      );
      assert.deepEqual(seen, { inPage: false, inJson: false, kept: false, volumeB: null });
      const zhaoPrint = await printed(zhao);
      assert.ok(zhaoPrint.titles.includes('调解协议书（签字照片）'), zhaoPrint.titles.join(' | '));
      assert.ok(!zhaoPrint.titles.includes('当事人身份证件（照片）'), zhaoPrint.titles.join(' | '));
      assert.ok(!zhaoPrint.html.includes(card.sha256.slice(0, 12)));
      assert.deepEqual(
        zhaoPrint.loaded.filter((w) => w > 0).length,
        1,
        'the agreement photo is drawn in the partner mediator’s print',
      );

      // Bytes sent to an address they do not hash to: refused, and nothing is stored.
      const before = filesUnder(join(server.data, 'blobs')).sort();
      const wrong = await api(
        'PUT',
        `/v1/blobs/${sha256(Buffer.from('another photo'))}`,
        tokens.wang,
        agreement,
        {
          'Content-Type': 'image/jpeg',
        },
      );
      assert.equal(wrong.status, 400);
      assert.equal(JSON.parse(wrong.bytes.toString()).code, 'blob_hash_mismatch');
      assert.deepEqual(filesUnder(join(server.data, 'blobs')).sort(), before);
      for (const p of phones) assert.deepEqual(p.errors, []);
    } finally {
      for (const p of phones) await p.c.close();
    }
  });
});
