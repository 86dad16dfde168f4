// Shared helpers of the field app: texts from the page, API calls that tell offline from refused,
// time formatting and small DOM helpers.

import { problemSentence } from '../problem-text.js';

let texts;
/** The page's texts (Chinese or English), rendered by the server into #field-texts. */
export function t(key, ...args) {
  texts ??= JSON.parse(document.getElementById('field-texts')?.textContent || '{}');
  const s = texts[key] ?? key;
  // One pass, through a function: "$&" or "$'" in an argument (a person's words) is not read as a replacement pattern,
  // and "{1}" in the first argument is not filled with the second.
  return s.replace(/\{(\d+)\}/g, (m, i) => (i < args.length ? String(args[i]) : m));
}

export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

export function $(sel, root = document) { return root.querySelector(sel); }

/** A new idempotency key, made once when the person acts. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * fetch that never throws: { ok, status, data, problem, offline }. offline means no answer came
 * back (no network, server unreachable), which is not the same as a refusal.
 */
export async function api(url, { method = 'GET', body, key, form } = {}) {
  const headers = { Accept: 'application/json' };
  if (key) headers['Idempotency-Key'] = key;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  let res;
  try {
    res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    return { ok: false, status: 0, offline: true };
  }
  let data = null;
  const text = await res.text().catch(() => '');
  if (text) { try { data = JSON.parse(text); } catch { data = text; } }
  const fromCache = res.headers.get('X-From-Cache') === '1';
  return {
    ok: res.ok, status: res.status, data, offline: false, fromCache,
    // When the server answered: an answer kept on the phone may be hours old, and countdowns count
    // from when it was given (its Date header), not from when the phone read it back.
    answeredAt: (fromCache && Date.parse(res.headers.get('Date') || '')) || Date.now(),
    retryAfter: Number(res.headers.get('Retry-After')) || null,
    problem: res.ok ? null : problemSentence(data, t) || `${res.status}`,
  };
}

/** "2小时05分" left, or overdue by that much. */
export function formatRemaining(seconds) {
  const abs = Math.abs(Math.round(seconds));
  const d = Math.floor(abs / 86400), h = Math.floor((abs % 86400) / 3600), m = Math.floor((abs % 3600) / 60), s = abs % 60;
  const span = d > 0 ? t('Field.Span.DH', d, h) : h > 0 ? t('Field.Span.HM', h, String(m).padStart(2, '0')) : t('Field.Span.MS', m, String(s).padStart(2, '0'));
  return seconds < 0 ? t('Field.Overdue', span) : t('Field.Remaining', span);
}

/** The text for a code (state, action), or the code itself when this page has no text for it. */
export function label(prefix, code) {
  const key = `${prefix}.${code}`;
  const text = t(key);
  return text === key ? code : text;
}

export function stateName(state) { return label('Field.State', state); }

// Dates and times follow the page's language, not the phone's: a Chinese page reads "14:05" even on a
// phone set to English (whose own default would be "2:05 PM"), an English page reads "2:05 PM".
const pageLang = () => document.documentElement.lang || 'zh-CN';
const formats = new Map();
function format(options) {
  const lang = pageLang();
  const key = lang + JSON.stringify(options);
  if (!formats.has(key)) {
    formats.set(key, new Intl.DateTimeFormat(lang, lang.startsWith('zh') && options.hour ? { ...options, hourCycle: 'h23' } : options));
  }
  return formats.get(key);
}

/** Month, day, hour and minute: history rows, deadlines, "saved at". */
export function formatTime(iso) {
  return format({ month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** Time of day with seconds: "updated at", the last GPS fix. */
export function formatClock(when = new Date()) {
  return format({ hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(when));
}

/** Remaining seconds now, from a reading taken at fetchedAt. */
export function remainingNow(c, fetchedAt) {
  if (c.clock?.remainingSeconds == null) return null;
  return c.clock.paused ? c.clock.remainingSeconds : c.clock.remainingSeconds - (Date.now() - fetchedAt) / 1000;
}
