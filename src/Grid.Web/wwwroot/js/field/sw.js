// The field app's service worker, served as /m/sw.js (scope /m/). It keeps the app shell (pages,
// scripts, styles, map library) and the last answers about my tasks, cases and categories, so the
// app opens and shows them without network. Writes are never cached or replayed here: the page's
// outbox (IndexedDB) owns them, with their idempotency keys.
const VERSION = 'v1';
const SHELL = `gridcity-field-shell-${VERSION}`;
const DATA = `gridcity-field-data-${VERSION}`;
const LIB = '/_content/Grid.Web';
const SHELL_URLS = [
  '/m', '/m/report', '/m/patrol', '/m/cases/0',
  `${LIB}/css/app.css`, `${LIB}/css/field.css`,
  `${LIB}/lib/leaflet/leaflet.js`, `${LIB}/lib/leaflet/leaflet.css`, `${LIB}/lib/leaflet/images/marker-icon.png`,
  `${LIB}/lib/leaflet/images/marker-icon-2x.png`, `${LIB}/lib/leaflet/images/marker-shadow.png`,
  ...['common', 'field', 'outbox', 'photos', 'map', 'tasks', 'case', 'report', 'patrol'].map((m) => `${LIB}/js/field/${m}.js`),
];

// Only real pages are kept: a redirect to the sign-in page must not become the cached app.
const keepable = (res) => res && res.ok && !res.redirected && res.type === 'basic';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await Promise.all(SHELL_URLS.map(async (url) => {
      try {
        const res = await fetch(url, { credentials: 'same-origin' });
        if (keepable(res)) await cache.put(url, res);
      } catch { /* offline at install: cached when next seen */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('gridcity-field-') && key !== SHELL && key !== DATA) await caches.delete(key);
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
    const hit = await caches.match(request, { ignoreSearch: false }) ?? (fallbackUrl && await caches.match(fallbackUrl));
    if (hit) return marked(hit);
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (request.mode === 'navigate' && (path === '/m' || path.startsWith('/m/'))) {
    const shell = path.startsWith('/m/cases/') ? '/m/cases/0' : '/m';
    event.respondWith(networkFirst(request, SHELL, shell));
  } else if (path.startsWith(`${LIB}/`)) {
    // Network first here too: a new deployment's page never runs with the previous scripts.
    event.respondWith(networkFirst(request, SHELL));
  } else if (path === '/api/cases' || /^\/api\/cases\/\d+$/.test(path) || path === '/api/categories' || path.startsWith('/api/photos/')) {
    event.respondWith(networkFirst(request, DATA));
  }
});
