// The citizen page's service worker, served as /r/sw.js with scope /r. It keeps the page shell
// (pages, scripts, styles, map library) and the last answers for the kinds of problem and for
// tracking pages, so the page opens and a report can be written without network. Reports are
// never sent from here: the page's outbox (IndexedDB) sends them, once, with their tracking code.
const VERSION = 'v1';
const SHELL = `gridcity-citizen-shell-${VERSION}`;
const DATA = `gridcity-citizen-data-${VERSION}`;
const LIB = '/_content/Grid.Web';
const SHELL_URLS = [
  '/r', `${LIB}/css/app.css`, `${LIB}/css/citizen.css`,
  `${LIB}/lib/leaflet/leaflet.js`, `${LIB}/lib/leaflet/leaflet.css`, `${LIB}/lib/leaflet/images/marker-icon.png`,
  `${LIB}/lib/leaflet/images/marker-icon-2x.png`, `${LIB}/lib/leaflet/images/marker-shadow.png`,
  ...['common', 'outbox', 'report', 'track', 'icons'].map((m) => `${LIB}/js/citizen/${m}.js`), `${LIB}/js/field/photos.js`,
];

const keepable = (res) => res && res.ok && !res.redirected && res.type === 'basic';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await Promise.all(SHELL_URLS.map(async (url) => {
      try {
        const res = await fetch(url);
        if (keepable(res)) await cache.put(url, res);
      } catch { /* offline at install: cached when next seen */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('gridcity-citizen-') && key !== SHELL && key !== DATA) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function marked(res) {
  const headers = new Headers(res.headers);
  headers.set('X-From-Cache', '1');
  return res.blob().then((body) => new Response(body, { status: res.status, statusText: res.statusText, headers }));
}

async function networkFirst(request, cacheName, fallbackUrl) {
  try {
    const res = await fetch(request);
    if (keepable(res)) (await caches.open(cacheName)).put(request, res.clone());
    return res;
  } catch (err) {
    const hit = (await caches.match(request)) ?? (fallbackUrl && await caches.match(fallbackUrl));
    if (hit) return marked(hit);
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (req.mode === 'navigate' && (url.pathname === '/r' || url.pathname.startsWith('/r/'))) {
    event.respondWith(networkFirst(req, SHELL, '/r'));
  } else if (url.pathname.startsWith(`${LIB}/`)) {
    event.respondWith(caches.match(req).then((hit) => hit ?? networkFirst(req, SHELL)));
  } else if (url.pathname === '/api/citizen/config' || url.pathname === '/open311/v2/services.json' || url.pathname.startsWith('/api/citizen/track/')) {
    event.respondWith(networkFirst(req, DATA));
  }
});
