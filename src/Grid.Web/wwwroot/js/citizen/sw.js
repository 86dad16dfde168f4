// The citizen page's service worker, served as /r/sw.js with scope /r. It keeps the page shell
// (pages, scripts, styles, map library) and the last answers for the kinds of problem and for
// tracking pages, so the page opens and a report can be written without network. Reports are
// never sent from here: the page's outbox (IndexedDB) sends them, once, with their tracking code.
importScripts('/_content/Grid.Web/js/sw-common.js');

const VERSION = 'v1';
const SHELL = `gridcity-citizen-shell-${VERSION}`;
const DATA = `gridcity-citizen-data-${VERSION}`;
const LIB = '/_content/Grid.Web';
const SHELL_URLS = [
  '/r', `${LIB}/css/app.css`, `${LIB}/css/citizen.css`,
  `${LIB}/lib/leaflet/leaflet.js`, `${LIB}/lib/leaflet/leaflet.css`, `${LIB}/lib/leaflet/images/marker-icon.png`,
  `${LIB}/lib/leaflet/images/marker-icon-2x.png`, `${LIB}/lib/leaflet/images/marker-shadow.png`,
  ...['common', 'outbox', 'report', 'track', 'icons'].map((m) => `${LIB}/js/citizen/${m}.js`), `${LIB}/js/field/photos.js`,
  `${LIB}/js/problem-text.js`,
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await Promise.all(SHELL_URLS.map((url) => fetchInto(cache, url)));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    await dropCaches('gridcity-citizen-', [SHELL, DATA]);
    await self.clients.claim();
  })());
});

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
