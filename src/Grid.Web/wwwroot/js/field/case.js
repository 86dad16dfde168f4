// Case detail: where (small map), what (description, photos), how long is left, what happened
// (history) and the actions this person may take, each queued in the outbox with its own key.
import { api, t, esc, formatRemaining, remainingNow, stateName, formatTime, newKey, label } from './common.js';
import { start, user } from './field.js';
import { enqueue } from './outbox.js';
import { picker } from './photos.js';
import { smallMap, drawCells, pin } from './map.js';

const FIELD_ACTIONS = ['accept', 'feedback', 'self_handle', 'verify', 'rework'];
const NEEDS_FORM = { feedback: 'note', self_handle: 'note', verify: 'note', rework: 'reason' };
const id = Number(location.pathname.split('/').pop());
const en = () => document.documentElement.lang.startsWith('en');
let c = null;
let fetchedAt = Date.now();
let map = null;
let pending = false;

function photoRefs(history) {
  return history.flatMap((h) => (h.evidence || []).filter((e) => typeof e === 'string' && e.startsWith('photo:')).map((e) => ({ sha: e.slice(6), action: h.action })));
}

// A sentence the system wrote (details.reasonKey, HistoryTexts on the server) in this page's language; a person's
// words, older rows and keys this page has no text for: the reason as stored.
function reasonText(h) {
  const key = h.details && typeof h.details.reasonKey === 'string' ? 'History.Reason.' + h.details.reasonKey : null;
  if (key) {
    const text = t(key, ...(Array.isArray(h.details.reasonArgs) ? h.details.reasonArgs : []));
    if (text !== key) return text.trimEnd();
  }
  return h.reason;
}

function render() {
  document.getElementById('case-body').hidden = false;
  document.getElementById('case-title').textContent = `${en() ? c.categoryNameEn : c.categoryNameZh}`;
  document.getElementById('case-no').textContent = c.caseNo;
  const badge = document.getElementById('case-state');
  badge.textContent = stateName(c.state);
  badge.className = 'badge state-' + c.state;
  document.getElementById('case-where').textContent = `${c.address || ''} ${c.cellName} (${c.cellCode})`.trim();
  document.getElementById('case-desc').textContent = c.description;
  tick();

  const photos = photoRefs(c.history || []);
  document.getElementById('case-photos').innerHTML = photos.length === 0 ? `<p class="muted">${esc(t('Field.Case.NoPhotos'))}</p>` :
    photos.map((p) => `<a href="/api/photos/${p.sha}" target="_blank" rel="noopener"><img src="/api/photos/${p.sha}/thumb" alt="${esc(label('Field.History', p.action))}" loading="lazy" onerror="this.onerror=null;this.src='/api/photos/${p.sha}'"></a>`).join('');

  document.getElementById('case-history').innerHTML = (c.history || []).slice().reverse().map((h) => {
    const why = reasonText(h);
    return `
    <li><span class="h-when">${esc(formatTime(h.at))}</span>
      <span class="h-what">${esc(label('Field.History', h.action))}${h.toState !== h.fromState ? ' → ' + esc(stateName(h.toState)) : ''}</span>
      <span class="h-who">${esc(h.actorName || '')}</span>
      ${why ? `<span class="h-why">${esc(why)}</span>` : ''}
      ${typeof h.details?.deadline === 'string' ? `<span class="h-due">${esc(t('Field.Case.NewDeadline', formatTime(h.details.deadline)))}</span>` : ''}</li>`;
  }).join('');

  const actions = document.getElementById('case-actions');
  const mine = pending ? [] : c.actions.filter((a) => FIELD_ACTIONS.includes(a));
  actions.innerHTML = mine.map((a) => `<button type="button" class="action ${a === 'rework' ? 'secondary' : ''}" data-action="${a}">${esc(t('Field.Action.' + a))}</button>`).join('');
  document.getElementById('case-no-actions').hidden = mine.length > 0 || pending;
  actions.querySelectorAll('button').forEach((b) => b.addEventListener('click', () => choose(b.dataset.action)));

  if (!map) {
    map = smallMap(document.getElementById('case-map'), c.lat, c.lon);
    pin(map, c.lat, c.lon);
    drawCells(map, c.lat, c.lon);
  }
}

function tick() {
  if (!c) return;
  const r = remainingNow(c, fetchedAt);
  const el = document.getElementById('case-clock');
  el.textContent = r == null ? '' : formatRemaining(r) + (c.clock.paused ? ' ' + t('Field.Paused') : '')
    + (c.deadline && !c.clock.paused ? ' · ' + t('Field.Case.Due', formatTime(c.deadline)) : '');
  el.className = 'countdown ' + (r == null ? '' : r < 0 ? 'overdue' : r < 3600 ? 'soon' : '');
}

let form = null;
let photoPicker = null;
function choose(action) {
  if (!NEEDS_FORM[action]) { act(action, {}); return; }
  form = action;
  const panel = document.getElementById('action-form');
  panel.hidden = false;
  panel.querySelector('h2').textContent = t('Field.Action.' + action);
  const label = panel.querySelector('label[for=action-text]');
  label.textContent = NEEDS_FORM[action] === 'reason' ? t('Field.Case.Reason') : t('Field.Case.Note');
  const text = panel.querySelector('#action-text');
  text.required = NEEDS_FORM[action] === 'reason';
  text.value = '';
  photoPicker.clear();
  panel.scrollIntoView({ behavior: 'smooth' });
  text.focus();
}

async function act(action, body, photos = []) {
  pending = true;
  await enqueue({ key: newKey(), user: user(), kind: 'step', caseId: id, action: action.replace('_', '-'), body, photos: photos.map((p) => ({ photo: p.photo, thumb: p.thumb })),
    label: `${t('Field.Action.' + action)} ${c.caseNo}` });
  document.getElementById('action-form').hidden = true;
  document.getElementById('case-queued').hidden = false;
  render();
}

async function load() {
  const r = await api(`/api/cases/${id}`);
  const problem = document.getElementById('case-problem');
  if (r.ok) {
    c = r.data; fetchedAt = r.answeredAt; pending = false;
    problem.hidden = true;
    const saved = document.getElementById('case-saved');
    saved.hidden = !r.fromCache;
    saved.textContent = r.fromCache ? t('Field.Case.SavedAt', formatTime(r.answeredAt)) : '';
    document.getElementById('case-queued').hidden = true;
    render();
  } else if (!c) {
    problem.hidden = false;
    problem.textContent = r.offline ? t('Field.Case.Offline') : r.status === 401 ? t('Field.SignInAgain')
      : r.status === 403 ? `${t('Field.Case.Forbidden')} (${r.problem})` : r.problem;
  }
}

start();
photoPicker = picker(document.getElementById('action-photos'), 6);
document.getElementById('action-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = document.getElementById('action-text').value.trim();
  const body = NEEDS_FORM[form] === 'reason' ? { reason: text } : { note: text || null };
  act(form, body, photoPicker.photos);
});
document.getElementById('action-cancel').addEventListener('click', () => { document.getElementById('action-form').hidden = true; });
document.addEventListener('field:sent', load);
load();
setInterval(tick, 1000);
