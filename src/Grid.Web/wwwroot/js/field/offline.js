// What the phone keeps for offline use, and when it forgets it. The service worker does the
// keeping (it owns the caches); the page tells it which cases are "my tasks" and waits for its answer.

const DATA_PREFIX = 'gridcity-field-data-';
const LAST_USER = 'gridcity-field-user';

async function ask(message, timeoutMs) {
  if (!('serviceWorker' in navigator)) return null;
  const reg = await Promise.race([navigator.serviceWorker.ready, new Promise((r) => setTimeout(r, timeoutMs))]);
  if (!reg?.active) return null;
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), timeoutMs);
    channel.port1.onmessage = (e) => { clearTimeout(timer); resolve(e.data); };
    reg.active.postMessage(message, [channel.port2]);
  });
}

/**
 * Keeps the detail and thumbnails of these cases on the phone; resolves to how many are kept (or
 * null). all: fetch every detail again; changed: ids the live feed reported changed.
 */
export async function keepTasks(cases, { all = false, changed = [] } = {}) {
  const message = { type: 'keep-tasks', all, changed, tasks: cases.map((c) => ({ id: c.id, version: c.version })) };
  const answer = await ask(message, 120000);
  return answer?.kept ?? null;
}

async function dropData() {
  if (!('caches' in window)) return;
  const keys = await caches.keys();
  await Promise.all(keys.filter((k) => k.startsWith(DATA_PREFIX)).map((k) => caches.delete(k)));
}

/** Sign-out: forgets every case, photo and page of this person kept on the phone. */
export async function forget() {
  await Promise.all([ask({ type: 'forget' }, 3000), dropData()]);
  localStorage.removeItem(LAST_USER);
}

/** A phone passed to someone else (or a sign-in after an expiry) must not show the last person's cases. */
export async function forgetIfAnotherPerson(user) {
  if (!user) return;
  const last = localStorage.getItem(LAST_USER);
  if (last && last !== user) await dropData();
  localStorage.setItem(LAST_USER, user);
}
