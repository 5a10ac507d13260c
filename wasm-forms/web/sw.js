// Service worker of the dossier form: the page, the element and the WASM package come from
// this cache when there is no network, so an officer in a basement can open the form. Network
// first (a fresh release wins when there is signal), cache as the fallback; the sync API is
// never cached.

const CACHE = 'abjuan-form-v5';
const SHELL = [
  './index.html',
  './abjuan-dossier-form.js',
  './form/wasm.js',
  './form/store.js',
  './form/sync.js',
  './form/render.js',
  './form/text.js',
  './form/styles.js',
  './form/draw.js',
  './form/edit.js',
  './form/checks.js',
  './form/conflicts.js',
  './form/history.js',
  './form/status.js',
  './form/persist.js',
  './form/replicate.js',
  './form/rules.js',
  './form/attachments.js',
  './form/blobs.js',
  './form/gallery.js',
  './form/forms.js',
  './form/widgets.js',
  './home/words.js',
  './home/home.css',
  './print.html',
  './print/page.js',
  './print/render.js',
  './print/print.css',
  './chief.html',
  './chief/page.js',
  './chief/inspections.js',
  './chief/chief.css',
  './vendor/paged.polyfill.min.js',
  './vendor/chart.umd.min.js',
  '../pkg/abjuan_wasm_forms.js',
  '../pkg/abjuan_wasm_forms_bg.wasm',
];
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const urls = [
        ...SHELL.map((u) => new URL(u, self.location).href),
        new URL('/', self.location).href,
      ];
      await Promise.all(
        urls.map(async (url) => {
          try {
            const res = await fetch(url, { cache: 'no-store' });
            if (res.ok) await cache.put(url, res);
          } catch {
            // offline at install: the page caches what it fetches later
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== CACHE && name.startsWith('abjuan-form-')) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/v1/')) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const key = url.origin + url.pathname;
      try {
        const res = await withTimeout(fetch(req), NETWORK_TIMEOUT_MS);
        if (res.ok) await cache.put(key, res.clone());
        return res;
      } catch (e) {
        const hit =
          (await cache.match(key)) ??
          (req.mode === 'navigate'
            ? ((await cache.match(new URL('./index.html', self.location).href)) ??
              (await cache.match(new URL('/', self.location).href)))
            : undefined);
        if (hit) return hit;
        throw e;
      }
    })(),
  );
});
