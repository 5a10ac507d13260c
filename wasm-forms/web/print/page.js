// The print page (/web/print.html): one dossier (?id=), several (?ids=a,b) or a month's
// closed dossiers for the archive (?closed=YYYY-MM[&station=]). Online it asks the server for
// the print data (GET /v1/print/data: volume B only where the caller may read it); offline, or
// with ?offline=1, it prints the phone's own copy of the dossier (IndexedDB + the WASM
// package, both kept by the service worker). The layout is print/render.js, the same file the
// server's PDFs use. Photos come from this device's copies (IndexedDB), else from the server
// (GET /v1/blobs/…, which gives only what the caller may read). ?auto=1 opens the print dialog
// once the pages are ready.

import { attachmentsOf } from '../form/blobs.js';
import { AB_DOSSIER, formTypeOf } from '../form/forms.js';
import { CATEGORIES } from '../form/render.js';
import { deviceActor, loadBlob, loadDossier } from '../form/store.js';
import { grade, loadWasm, Replica, schema } from '../form/wasm.js';
import { paginate } from './render.js';

const params = new URLSearchParams(location.search);
const status = document.getElementById('status');
const printButton = document.getElementById('print');
const pdfButton = document.getElementById('pdf');

function credential() {
  try {
    return localStorage.getItem('abjuan.credential');
  } catch {
    return null;
  }
}

function headers() {
  const token = credential();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** What to print, as the server's query string. */
function query() {
  const q = new URLSearchParams();
  const ids = params.get('ids') ?? params.get('id');
  if (ids) q.set('ids', ids);
  if (params.get('closed')) q.set('closed', params.get('closed'));
  if (params.get('station')) q.set('station', params.get('station'));
  return q;
}

async function online() {
  const res = await fetch(`/v1/print/data?${query()}`, {
    headers: { Accept: 'application/json', ...headers() },
    cache: 'no-store',
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = new Error(body.message ?? `HTTP ${res.status}`);
    e.code = body.code ?? 'http';
    throw e;
  }
  return body;
}

/** Labels from the schema the WASM package carries (the same tables as the server's). */
function labelsFrom(s) {
  const labels = { category: Object.fromEntries(CATEGORIES.map(([c, zh]) => [c, zh])) };
  for (const [name, def] of Object.entries(s.$defs ?? {})) {
    const l = def['x-enum-labels'];
    if (l) labels[name] = Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v.zh]));
  }
  return labels;
}

async function offline() {
  const ids = (params.get('ids') ?? params.get('id') ?? '').split(',').filter(Boolean);
  if (!ids.length) throw new Error('离线时只能打印本机保存的卷宗（?id=）');
  const m = await loadWasm('/pkg/abjuan_wasm_forms.js');
  const items = [];
  let others = 0;
  for (const id of ids) {
    const rec = await loadDossier(id);
    if (!rec) continue;
    const dossier = Replica.load(m, rec.a, rec.b, deviceActor()).json();
    // The printed layout is the AB卷's: a record of another form (an inspection) is left out.
    if (formTypeOf(dossier) !== AB_DOSSIER) {
      others += 1;
      continue;
    }
    let level = null;
    try {
      level = grade(m, dossier)?.level ?? null;
    } catch {
      // a dossier that does not parse yet has no grade
    }
    const b = dossier.volumeB;
    const hasB = !!b && ['parties', 'relations', 'legalEducation'].some((k) => b[k]?.length);
    items.push({ id, dossier, level, volumeB: hasB, number: '', names: rec.names ?? {} });
  }
  if (!items.length)
    throw new Error(others ? '只能打印AB卷，清查记录不在此排版' : '本机没有这份卷宗');
  return { items, labels: labelsFrom(schema(m, 'zh')), offline: true };
}

/** `{sha256: object URL}` of the photos: this device's copies, else the server's. */
async function photoUrls(data) {
  const urls = {};
  const shas = new Set(
    data.items.flatMap((i) =>
      attachmentsOf(i.dossier)
        .filter((a) => a.mediaType !== 'application/pdf')
        .map((a) => a.sha256),
    ),
  );
  for (const sha of shas) {
    let bytes = (await loadBlob(sha).catch(() => null))?.bytes;
    if (!bytes && !data.offline && navigator.onLine) {
      const res = await fetch(`/v1/blobs/${sha}`, { headers: headers(), cache: 'no-store' }).catch(
        () => null,
      );
      if (res?.ok) bytes = await res.blob();
    }
    if (bytes) urls[sha] = URL.createObjectURL(bytes);
  }
  return urls;
}

async function main() {
  let data;
  try {
    data = params.get('offline') === '1' ? await offline() : await online();
  } catch (e) {
    if (e.code && e.code !== 'http') {
      status.textContent = `无法打印：${e.message}`;
      return;
    }
    try {
      data = await offline();
    } catch (e2) {
      status.textContent = `无法打印：${e2.message}`;
      return;
    }
  }
  status.textContent = `正在排版 ${data.items.length} 卷…`;
  data.blobs = await photoUrls(data);
  const css = await fetch('/web/print/print.css').then((r) => r.text());
  const dossiers = await paginate(data, css, document.getElementById('pages'));
  const pages = dossiers.reduce((n, d) => n + d.pages, 0);
  status.textContent =
    `共 ${dossiers.length} 卷 ${pages} 页` +
    (data.offline ? '（离线：本机副本，卷宗号待联网后由服务器编号）' : '') +
    (data.items.some((i) => !i.volumeB) ? '；不含B卷的卷宗：B卷内容不在本打印件内' : '');
  fit();
  printButton.disabled = false;
  pdfButton.hidden = !!data.offline;
  document.documentElement.dataset.ready = 'true';
  if (params.get('auto') === '1') window.print();
}

/** On a narrow screen the A4 pages are shown scaled to the width (print is unaffected). */
function fit() {
  const page = document.querySelector('.pagedjs_page');
  if (!page) return;
  const scale = Math.min(1, (window.innerWidth - 16) / page.offsetWidth);
  document.getElementById('pages').style.setProperty('--fit', String(scale));
}
window.addEventListener('resize', fit);

printButton.addEventListener('click', () => window.print());
pdfButton.addEventListener('click', async () => {
  pdfButton.disabled = true;
  status.textContent = '服务器正在生成PDF…';
  try {
    const res = await fetch(`/v1/print.pdf?${query()}`, { headers: headers() });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(body.message ?? `HTTP ${res.status}`);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = Object.assign(document.createElement('a'), { href: url, download: 'AB卷.pdf' });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = 'PDF已下载';
  } catch (e) {
    status.textContent = `PDF生成失败：${e.message}`;
  } finally {
    pdfButton.disabled = false;
  }
});

main();
