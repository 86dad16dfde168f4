// The outbox: every report and action is stored on the phone (IndexedDB) first, with the
// idempotency key made when the person acted, then sent. Nothing leaves the outbox before the
// server has answered with success, so a lost network, a closed app or an expired sign-in
// never loses it; the key makes the server apply it once however often it is sent.
import { api, t } from './common.js';

const DB_NAME = 'gridcity-field';
const STORE = 'outbox';
let dbPromise;

function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'key' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  return dbPromise;
}

async function tx(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const x = d.transaction(STORE, mode);
    const store = x.objectStore(STORE);
    let result;
    Promise.resolve(fn(store)).then((r) => { result = r; });
    x.oncomplete = () => resolve(result);
    x.onerror = () => reject(x.error);
  });
}

const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });

export async function items() {
  const all = await tx('readonly', (s) => req(s.getAll()));
  return all.sort((a, b) => a.createdAt - b.createdAt);
}

export const put = (item) => tx('readwrite', (s) => req(s.put(item)));
export const remove = (key) => tx('readwrite', (s) => req(s.delete(key)));

const listeners = new Set();
export function onChange(fn) { listeners.add(fn); }
async function changed() { const all = await items(); listeners.forEach((fn) => fn(all)); }

/**
 * Queues one thing to send. kind: 'report' (body = POST /api/cases), 'step' (caseId, action, body),
 * 'support' (caseId, body {note}). photos: [{ photo: Blob, thumb: Blob }], sent first.
 */
export async function enqueue({ key, user, kind, caseId, action, body, photos = [], label }) {
  await put({ key, user, kind, caseId, action, body, photos, refs: [], label, createdAt: Date.now(), status: 'waiting', error: null });
  await changed();
  flush();
}

let flushing = null;
let again = false;
let retry = null;
/** Sends what is waiting, oldest first. Returns when done or when the network or sign-in stops it.
 *  A call during a send runs one more round after it, so nothing asked for is skipped. */
export function flush() {
  if (flushing) { again = true; return flushing; }
  clearTimeout(retry);
  flushing = (navigator.locks
    ? navigator.locks.request('gridcity-outbox', () => sendAll())
    : sendAll()).finally(() => {
    flushing = null;
    if (again) { again = false; flush(); }
  });
  return flushing;
}

// The network is up but a send failed (lost answer, server restarting): try again soon.
// A 503 (the database away for a moment) says when to come back; the item keeps its key, so a
// report that was saved before the answer was lost comes back as the same case.
let retryAfter = null;
function retrySoon() {
  clearTimeout(retry);
  const seconds = Math.min(30, Math.max(1, retryAfter ?? 5));
  retryAfter = null;
  if (navigator.onLine) retry = setTimeout(flush, seconds * 1000);
}

export let signInNeeded = false;

async function sendAll() {
  const pending = (await items()).filter((i) => i.status !== 'failed');
  if (pending.length === 0) { signInNeeded = false; await changed(); return; }
  const me = await api('/api/me');
  if (me.offline || me.fromCache) { await changed(); return; }
  if (me.status === 401) { signInNeeded = true; await changed(); return; }
  signInNeeded = false;
  for (const item of pending) {
    if (item.user !== me.data.username) continue;   // someone else's queue on a shared phone waits for them
    item.status = 'sending'; await put(item); await changed();
    const outcome = await send(item);
    if (outcome === 'done') { await remove(item.key); await changed(); continue; }
    if (outcome === 'signin') { signInNeeded = true; item.status = 'waiting'; await put(item); await changed(); return; }
    if (outcome === 'offline') { item.status = 'waiting'; await put(item); await changed(); retrySoon(); return; }
    item.status = 'failed'; item.error = outcome.problem; await put(item); await changed();
  }
  document.dispatchEvent(new CustomEvent('field:sent'));
}

function classify(r) {
  if (r.ok) return null;
  if (r.offline || r.status >= 500 || r.status === 429) { retryAfter = r.retryAfter ?? null; return 'offline'; }
  if (r.status === 401) return 'signin';
  return { problem: r.problem };
}

async function send(item) {
  // Photos first; content-addressed, so sending one twice stores it once.
  for (let i = item.refs.length; i < item.photos.length; i++) {
    const form = new FormData();
    form.append('photo', item.photos[i].photo, 'photo.jpg');
    if (item.photos[i].thumb) form.append('thumb', item.photos[i].thumb, 'thumb.jpg');
    const r = await api('/api/photos', { method: 'POST', form });
    const stop = classify(r);
    if (stop) return stop;
    item.refs.push(r.data.ref);
    await put(item);
  }
  let r;
  if (item.kind === 'report') {
    if (!item.caseId) {
      r = await api('/api/cases', { method: 'POST', body: item.body, key: item.key });
      const stop = classify(r);
      if (stop) return stop;
      item.caseId = r.data.id; item.result = r.data.caseNo;
      await put(item);
    }
    if (item.refs.length > 0) {
      r = await api(`/api/field/cases/${item.caseId}/photos`, { method: 'POST', body: { photos: item.refs }, key: item.key + ':photos' });
    }
  } else if (item.kind === 'support') {
    r = await api(`/api/field/cases/${item.caseId}/support`, { method: 'POST', body: { ...item.body, photos: item.refs }, key: item.key });
  } else {
    r = await api(`/api/cases/${item.caseId}/${item.action}`, { method: 'POST', body: { ...item.body, evidence: item.refs }, key: item.key });
  }
  if (r) { const stop = classify(r); if (stop) return stop; }
  return 'done';
}

/** Draws the outbox panel present on every field page. */
export function renderPanel(all) {
  const panel = document.getElementById('field-outbox');
  if (!panel) return;
  const list = panel.querySelector('ul');
  const count = all.length;
  panel.hidden = count === 0 && !signInNeeded;
  panel.querySelector('.outbox-title').textContent = count > 0 ? t('Field.Outbox.Count', count) : '';
  const signin = panel.querySelector('.outbox-signin');
  signin.hidden = !signInNeeded;
  list.innerHTML = '';
  for (const i of all) {
    const li = document.createElement('li');
    li.className = 'outbox-item ' + i.status;
    const status = i.status === 'failed' ? t('Field.Outbox.Failed', i.error ?? '') : i.status === 'sending' ? t('Field.Outbox.Sending') : t('Field.Outbox.Waiting');
    li.innerHTML = `<span class="outbox-label"></span><span class="outbox-status"></span>`;
    li.querySelector('.outbox-label').textContent = i.label;
    li.querySelector('.outbox-status').textContent = status;
    if (i.status === 'failed') {
      const discard = document.createElement('button');
      discard.type = 'button'; discard.textContent = t('Field.Outbox.Discard');
      discard.onclick = async () => { await remove(i.key); await changed(); };
      li.append(discard);
    }
    list.append(li);
  }
}

onChange(renderPanel);
export async function refreshPanel() { await changed(); }
