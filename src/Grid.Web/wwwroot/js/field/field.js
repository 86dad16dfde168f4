// Runs on every field page: the service worker and its updates, the network indicator, sign-out
// and the outbox panel.
import { t } from './common.js';
import { flush, refreshPanel } from './outbox.js';
import { forget, forgetIfAnotherPerson } from './offline.js';

export const user = () => document.getElementById("field-app").dataset.user;

function showNetwork() {
  const el = document.getElementById('field-net');
  if (!el) return;
  el.textContent = navigator.onLine ? t('Field.Online') : t('Field.Offline');
  el.className = 'net ' + (navigator.onLine ? 'online' : 'offline');
}

/**
 * True while the person is filling in something on this page (text typed, a photo picked, a
 * category chosen) that a reload would throw away.
 */
export function formInProgress() {
  for (const form of document.querySelectorAll('.field-main form')) {
    if (form.hidden || form.getClientRects().length === 0) continue;   // not shown: nothing typed in it counts
    if (form.querySelector('.photo-previews img')) return true;
    for (const el of form.querySelectorAll('input, textarea, select')) {
      if (el.type === 'search' || el.type === 'file' || el.type === 'hidden' || el.tagName === 'SELECT') continue;
      if ((el.type === 'checkbox' || el.type === 'radio') ? el.checked : el.value.trim() !== '') return true;
    }
  }
  return false;
}

// A new version of the app waits until the person taps "update"; the page then reloads once the new
// worker has taken over. Never while a form is being filled in: the tap then says so and waits.
function watchUpdates(reg) {
  const bar = document.getElementById('field-update');
  if (!bar) return;
  const text = bar.querySelector('.update-text');
  let reloading = false;
  const show = () => {
    if (!reg.waiting || !navigator.serviceWorker.controller) return;
    text.textContent = t('Field.Update.Ready');
    bar.hidden = false;
  };
  show();
  reg.addEventListener('updatefound', () => {
    const next = reg.installing;
    next?.addEventListener('statechange', () => { if (next.state === 'installed') show(); });
  });
  bar.querySelector('button').addEventListener('click', () => {
    if (formInProgress()) { text.textContent = t('Field.Update.FinishForm'); return; }
    if (!reg.waiting) { location.reload(); return; }
    reloading = true;
    reg.waiting.postMessage({ type: 'skip-waiting' });
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => { if (reloading) location.reload(); });
  // A phone left open for days still hears of new versions.
  setInterval(() => { if (navigator.onLine) reg.update().catch(() => {}); }, 30 * 60 * 1000);
}

export function start() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/m/sw.js', { scope: '/m' })
      .then(watchUpdates)
      .catch(() => { /* the app works without it, only not offline */ });
  }
  forgetIfAnotherPerson(user());
  showNetwork();
  window.addEventListener('online', () => { showNetwork(); flush(); });
  window.addEventListener('offline', showNetwork);
  const signin = document.querySelector('#field-outbox .outbox-signin a');
  if (signin) signin.href = '/login?returnUrl=' + encodeURIComponent(location.pathname + location.search);
  // Signing out forgets the cases kept for offline use (a shared phone must not show them to the
  // next person) before the sign-out is sent; the outbox stays, and is sent only when its author
  // signs in again.
  const signout = document.getElementById('field-signout');
  signout?.addEventListener('submit', (e) => {
    e.preventDefault();
    // submit() from a later task: it fires no second submit event, and is not ignored as a
    // re-submission while this event is still being dispatched.
    forget().catch(() => {}).finally(() => setTimeout(() => signout.submit(), 0));
  });
  refreshPanel();
  flush();
  // A phone may regain the network without an 'online' event (captive portals, flaky cells).
  setInterval(() => { if (navigator.onLine) flush(); }, 30000);
}
