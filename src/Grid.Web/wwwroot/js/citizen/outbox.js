// The citizen page's outbox: a report (with its shrunk photos) or a "+1" is stored on the phone
// (IndexedDB) first and leaves it only when the server has answered. Each carries the tracking
// code made when the citizen pressed send; the server treats a code it already has as a resend,
// so a report sent again after a lost answer is still one report.
import { t, remember, problemText, deviceId } from './common.js';

const DB_NAME = 'gridcity-citizen';
const STORE = 'outbox';
let dbPromise;

function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'code' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  return dbPromise;
}

async function run(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const x = d.transaction(STORE, mode);
    const r = fn(x.objectStore(STORE));
    x.oncomplete = () => resolve(r?.result);
    x.onerror = () => reject(x.error);
  });
}

export const items = async () => ((await run('readonly', (s) => s.getAll())) || []).sort((a, b) => a.createdAt - b.createdAt);
const put = (item) => run('readwrite', (s) => s.put(item));
const remove = (code) => run('readwrite', (s) => s.delete(code));

const listeners = new Set();
export const onChange = (fn) => listeners.add(fn);
const changed = async () => { const all = await items(); listeners.forEach((fn) => fn(all)); };

/** kind 'report' (fields for Open311 POST, photos as blobs) or 'support' (caseNo, body). */
export async function enqueue(item) {
  await put({ ...item, refs: [], createdAt: Date.now(), status: 'waiting', error: null });
  await changed();
  return flush();
}

let flushing = null;
let retry = null;
export function flush() {
  flushing ??= (async () => {
    let stopped = false;
    try {
      for (const item of await items()) {
        if (item.status === 'refused') continue;
        if (!navigator.onLine || !(await send(item))) { stopped = true; break; }
      }
    } finally {
      flushing = null;
      await changed();
      // A lost answer or a busy server: try again a little later, not only on the next 'online'.
      clearTimeout(retry);
      if (stopped && navigator.onLine) retry = setTimeout(flush, 5000);
    }
  })();
  return flushing;
}

// true: go on with the next item; false: stop (network down or limit reached).
async function send(item) {
  try {
    while (item.refs.length < item.photos.length) {
      const p = item.photos[item.refs.length];
      const form = new FormData();
      form.append('photo', p.photo, 'photo.jpg');
      form.append('thumb', p.thumb, 'thumb.jpg');
      form.append('device_id', deviceId());
      const res = await fetch('/api/citizen/photos', { method: 'POST', body: form });
      if (res.status === 429 || res.status >= 500) { item.error = await problemText(res); await put(item); return false; }
      if (!res.ok) return refuse(item, await problemText(res));
      item.refs.push((await res.json()).ref);
      await put(item);
    }
    let res;
    if (item.kind === 'report') {
      const form = new URLSearchParams(item.fields);
      form.set('tracking_code', item.code);
      form.set('device_id', deviceId());
      item.refs.forEach((r) => form.append('photo_ref', r));
      res = await fetch('/open311/v2/requests.json', { method: 'POST', body: form });
    } else {
      res = await fetch(`/api/citizen/cases/${encodeURIComponent(item.caseNo)}/support`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...item.body, deviceId: deviceId(), trackingCode: item.code }),
      });
    }
    if (res.status === 429 || res.status >= 500) { item.error = await problemText(res); await put(item); return false; }
    if (!res.ok) return refuse(item, await problemText(res));
    const body = await res.json();
    const caseNo = item.kind === 'report' ? body[0].service_request_id : body.caseNo;
    remember({ code: item.code, caseNo, label: item.label, kind: item.kind, at: Date.now() });
    await remove(item.code);
    return true;
  } catch {
    return false; // offline: stays in the outbox, sent on 'online'
  }
}

async function refuse(item, message) {
  item.status = 'refused';
  item.error = message;
  await put(item);
  return true;
}

export async function discard(code) { await remove(code); await changed(); }

window.addEventListener('online', () => flush());
export const texts = { waiting: () => t('Citizen.Mine.Waiting') };
