// Cache and fetch helpers shared by the field app's service worker (/m/sw.js) and the citizen
// page's (/r/sw.js), loaded with importScripts (both are classic workers). The browser keeps an
// imported script with the worker that imported it, so an installed worker still runs offline.

// Only real pages and files are kept: a redirect to the sign-in page must not become the cached app.
const keepable = (res) => res && res.ok && !res.redirected && res.type === 'basic';

/** Fetches url (revalidating any HTTP cache) into cache; the response, or null when offline or refused. */
async function fetchInto(cache, url) {
  try {
    const res = await fetch(url, { credentials: 'same-origin', cache: 'no-cache' });
    if (keepable(res)) { await cache.put(url, res.clone()); return res; }
  } catch { /* offline: kept when next seen */ }
  return null;
}

/** Deletes the caches whose name starts with prefix, except those in keep. */
async function dropCaches(prefix, keep) {
  for (const key of await caches.keys()) {
    if (key.startsWith(prefix) && !keep.includes(key)) await caches.delete(key);
  }
}

/** A copy of a cached response marked X-From-Cache, so the page can say it shows what it kept. */
function marked(res) {
  const headers = new Headers(res.headers);
  headers.set('X-From-Cache', '1');
  return res.blob().then((body) => new Response(body, { status: res.status, statusText: res.statusText, headers }));
}

/**
 * The network's answer (kept in cacheName when keepable); offline, the kept copy of the request or
 * of fallbackUrl, marked. matchOptions go to caches.match (the field app passes ignoreVary).
 */
async function networkFirst(request, cacheName, fallbackUrl, matchOptions) {
  try {
    const res = await fetch(request);
    if (keepable(res)) (await caches.open(cacheName)).put(request, res.clone());
    return res;
  } catch (err) {
    const hit = (await caches.match(request, matchOptions)) ?? (fallbackUrl && await caches.match(fallbackUrl));
    if (hit) return marked(hit);
    throw err;
  }
}
