// Shared by the citizen pages (/r, /r/t/{code}): texts from the page, escaping, this phone's
// device id (it only lets the city limit how many reports one phone sends), and "my reports".
import { problemSentence } from '../problem-text.js';

const texts = JSON.parse(document.getElementById('citizen-texts')?.textContent || '{}');

export function t(name, ...args) {
  const s = texts[name] ?? name;
  // One pass, through a function: "$&" in an argument is not a replacement pattern, and "{1}" in the first is not the second.
  return s.replace(/\{(\d+)\}/g, (m, i) => (i < args.length ? String(args[i]) : m));
}

export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

export const en = () => document.documentElement.lang.startsWith('en');

export function randomHex(bytes) {
  const a = new Uint8Array(bytes);
  crypto.getRandomValues(a);
  return [...a].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const DEVICE = 'gridcity-citizen-device';
export function deviceId() {
  let id = localStorage.getItem(DEVICE);
  if (!id) { id = 'web-' + randomHex(12); localStorage.setItem(DEVICE, id); }
  return id;
}

const MINE = 'gridcity-citizen-mine';
/** The reports and "+1"s sent from this phone: { code, caseNo, label, at } (the codes stay on this phone). */
export const mine = () => JSON.parse(localStorage.getItem(MINE) || '[]');
export function remember(entry) {
  const list = mine().filter((m) => m.code !== entry.code);
  list.unshift(entry);
  localStorage.setItem(MINE, JSON.stringify(list.slice(0, 50)));
}

export const trackUrl = (code) => `/r/t/${code}`;

/**
 * Reads a problem answer's message (ProblemDetails or the Open311 error list): a refusal the server keyed
 * (reasonKey beside its detail) in this page's language, else the server's own sentence.
 */
export async function problemText(res) {
  try {
    const body = await res.json();
    if (Array.isArray(body)) return body.map((e) => e.description).join(' ');
    return problemSentence(body, t) || `HTTP ${res.status}`;
  } catch { return `HTTP ${res.status}`; }
}

export function when(iso) {
  return new Date(iso).toLocaleString(en() ? 'en-GB' : 'zh-CN', { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function registerWorker() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/r/sw.js', { scope: '/r' }).catch(() => { /* the page works without it */ });
}

export function showNet() {
  const el = document.getElementById('citizen-net');
  if (!el) return;
  const update = () => { el.textContent = navigator.onLine ? '' : t('Citizen.Net.Offline'); el.hidden = navigator.onLine; };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  update();
}
