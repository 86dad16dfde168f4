// The field app's service worker, served as /m/sw.js (scope /m). It keeps the app shell (pages,
// scripts, styles, map library, manifest and icons) and the answers about my tasks, cases and
// categories, so the app opens and shows them without network. Writes are never cached or replayed
// here: the page's outbox (IndexedDB) owns them, with their idempotency keys.
//
// The server writes a hash of the field app's files into VERSION, so every deployment that changes
// the app is a new worker. A new worker installs next to the running one and WAITS: the page shows
// "new version ready" and the person chooses when to reload (never in the middle of a form); the
// page then sends 'skip-waiting'.
importScripts('/_content/Grid.Web/js/sw-common.js');

const VERSION = '__FIELD_APP_VERSION__';
const SHELL = `gridcity-field-shell-${VERSION}`;
// Not versioned: the cases kept for offline use outlive a new version of the app's code. The page
// (offline.js) uses the same name to forget them at sign-out even without a worker.
const DATA = 'gridcity-field-data-v1';
const LIB = '/_content/Grid.Web';
const PAGES = ['/m', '/m/report', '/m/patrol', '/m/cases/0'];
const SHELL_URLS = [
  ...PAGES,
  `${LIB}/css/app.css`, `${LIB}/css/field.css`, `${LIB}/field.webmanifest`,
  `${LIB}/icons/field-192.png`, `${LIB}/icons/field-512.png`, `${LIB}/icons/apple-touch-icon.png`,
  `${LIB}/lib/leaflet/leaflet.js`, `${LIB}/lib/leaflet/leaflet.css`, `${LIB}/lib/leaflet/images/marker-icon.png`,
  `${LIB}/lib/leaflet/images/marker-icon-2x.png`, `${LIB}/lib/leaflet/images/marker-shadow.png`,
  `${LIB}/lib/signalr/signalr.min.js`, `${LIB}/js/live.js`, `${LIB}/js/problem-text.js`,
  ...['common', 'field', 'outbox', 'offline', 'photos', 'map', 'tasks', 'case', 'report', 'patrol'].map((m) => `${LIB}/js/field/${m}.js`),
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await Promise.all(SHELL_URLS.map((url) => fetchInto(cache, url)));
    // No skipWaiting here: a page in use keeps the worker it started with until the person taps
    // "update" (the first install has nothing to wait for and activates at once).
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    await dropCaches('gridcity-field-shell-', [SHELL]);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (request.mode === 'navigate' && (path === '/m' || path.startsWith('/m/'))) {
    const shell = path.startsWith('/m/cases/') ? '/m/cases/0' : '/m';
    // ignoreVary: the phone holds one person's data at a time (sign-out forgets it).
    event.respondWith(networkFirst(request, SHELL, shell, { ignoreVary: true }));
  } else if (path.startsWith(`${LIB}/`)) {
    // Network first here too: a new deployment's page never runs with the previous scripts.
    event.respondWith(networkFirst(request, SHELL, undefined, { ignoreVary: true }));
  } else if (path === '/api/cases' || /^\/api\/cases\/\d+$/.test(path) || path === '/api/categories' || path.startsWith('/api/photos/')) {
    event.respondWith(networkFirst(request, DATA, undefined, { ignoreVary: true }));
  }
});

// ---- Keeping "my tasks" on the phone -----------------------------------------------------------

const CASE_URL = /^\/api\/cases\/\d+$/;
const PHOTO_URL = /^\/api\/photos\/[0-9a-f]+(\/thumb)?$/;

function photoShas(detail) {
  return (detail.history || []).flatMap((h) => (h.evidence || [])
    .filter((e) => typeof e === 'string' && e.startsWith('photo:')).map((e) => e.slice(6)))
    .filter((sha) => /^[0-9a-f]+$/.test(sha));
}

async function readJson(res) { try { return await res.clone().json(); } catch { return null; } }

// A kept detail older than this is fetched again even when nothing says it changed (a note such as
// a "+1" or added photos changes the history but not the case's version).
const MAX_AGE_MS = 15 * 60 * 1000;

function stale(res, detail, version) {
  if (!detail || detail.version !== version) return true;
  const at = Date.parse(res.headers.get('Date') || '');
  return !(at > Date.now() - MAX_AGE_MS);
}

/**
 * Makes sure the detail and photo thumbnails of each task are in the data cache, then forgets cases
 * (and their photos) that are no longer among my tasks. A detail is fetched again when `all` is set
 * (the app was just opened), when its id is in `changed` (the live feed said so), when the list shows
 * a new version, or when the kept copy is older than MAX_AGE_MS. Also refreshes the shell pages,
 * which carry the signed-in person's name. Returns how many tasks are readable offline now, or null
 * when the network or sign-in stopped it.
 */
async function keepTasks(tasks, all, changed) {
  const data = await caches.open(DATA);
  const wanted = new Set();
  let kept = 0;
  let stopped = false;
  const queue = [...tasks];
  async function worker() {
    while (queue.length > 0 && !stopped) {
      const { id, version } = queue.shift();
      const url = `/api/cases/${id}`;
      wanted.add(url);
      const res = await data.match(url, { ignoreVary: true });
      let detail = res && await readJson(res);
      if (all || changed.has(id) || stale(res, detail, version)) {
        let fresh;
        try { fresh = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }); } catch { stopped = true; return; }
        if (fresh.status === 401) { stopped = true; return; }
        if (fresh.status === 403 || fresh.status === 404) { wanted.delete(url); continue; }   // no longer mine: forgotten below
        if (!keepable(fresh)) continue;   // a server error: the copy kept so far stays
        await data.put(url, fresh.clone());
        detail = await readJson(fresh);
      }
      if (!detail) continue;
      let photosOk = true;
      for (const sha of photoShas(detail)) {
        const thumb = `/api/photos/${sha}/thumb`;
        wanted.add(thumb);
        if (await data.match(thumb)) continue;
        let got;
        try { got = await fetch(thumb, { credentials: 'same-origin' }); } catch { stopped = true; return; }
        if (keepable(got)) { await data.put(thumb, got); continue; }
        // No thumbnail (photos from other channels): the case page then shows the photo itself.
        const full = `/api/photos/${sha}`;
        wanted.add(full);
        if (!(await data.match(full)) && !(await fetchInto(data, full))) photosOk = false;
      }
      if (photosOk) kept++;
    }
  }
  await Promise.all([worker(), worker(), worker()]);
  if (stopped) return null;
  for (const request of await data.keys()) {
    const path = new URL(request.url).pathname;
    if ((CASE_URL.test(path) || PHOTO_URL.test(path)) && !wanted.has(path)) await data.delete(request);
  }
  const shell = await caches.open(SHELL);
  await Promise.all(PAGES.map((url) => fetchInto(shell, url)));
  return kept;
}

/** Sign-out: nothing of this person stays on the phone (the outbox, sent only for its author, stays). */
async function forget() {
  for (const key of await caches.keys()) {
    if (key.startsWith('gridcity-field-data-')) await caches.delete(key);
  }
  const shell = await caches.open(SHELL);
  await Promise.all(PAGES.map((url) => shell.delete(url)));
}

self.addEventListener('message', (event) => {
  const msg = event.data || {};
  const reply = (answer) => event.ports[0]?.postMessage(answer);
  if (msg.type === 'skip-waiting') {
    self.skipWaiting();
  } else if (msg.type === 'keep-tasks') {
    event.waitUntil(keepTasks(msg.tasks || [], !!msg.all, new Set(msg.changed || [])).then((kept) => reply({ kept }), (e) => reply({ kept: null, error: String(e) })));
  } else if (msg.type === 'forget') {
    event.waitUntil(forget().then(() => reply({ forgotten: true }), (e) => reply({ forgotten: false, error: String(e) })));
  }
});
