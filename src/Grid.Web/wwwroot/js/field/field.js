// Runs on every field page: the service worker, the network indicator and the outbox panel.
import { t } from './common.js';
import { flush, refreshPanel } from './outbox.js';

export const user = () => document.getElementById("field-app").dataset.user;

function showNetwork() {
  const el = document.getElementById('field-net');
  if (!el) return;
  el.textContent = navigator.onLine ? t('Field.Online') : t('Field.Offline');
  el.className = 'net ' + (navigator.onLine ? 'online' : 'offline');
}

export function start() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/m/sw.js', { scope: '/m' }).catch(() => { /* the app works without it, only not offline */ });
  }
  showNetwork();
  window.addEventListener('online', () => { showNetwork(); flush(); });
  window.addEventListener('offline', showNetwork);
  const signin = document.querySelector('#field-outbox .outbox-signin a');
  if (signin) signin.href = '/login?returnUrl=' + encodeURIComponent(location.pathname + location.search);
  // Signing out forgets the cases kept for offline use (a shared phone must not show them to the
  // next person); the outbox stays, and is sent only when its author signs in again.
  document.getElementById('field-signout')?.addEventListener('submit', () => {
    if ('caches' in window) caches.keys().then((keys) => keys.filter((k) => k.startsWith('gridcity-field-data-')).forEach((k) => caches.delete(k)));
  });
  refreshPanel();
  flush();
  // A phone may regain the network without an 'online' event (captive portals, flaky cells).
  setInterval(() => { if (navigator.onLine) flush(); }, 30000);
}
