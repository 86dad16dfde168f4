// "My tasks": open cases of my cells and those assigned to me or reported by me, overdue first,
// then by remaining time, each with a live countdown. Pull down (or the button) to refresh.
import { api, t, esc, formatRemaining, remainingNow, stateName, formatClock } from './common.js';
import { start } from './field.js';
import { connectLive } from '../live.js';
import { keepTasks } from './offline.js';

const OPEN = 'reported,registered,dispatched,in_progress,resolved,returned,on_hold';
const en = () => document.documentElement.lang.startsWith('en');
let cases = [];
let fetchedAt = Date.now();

function order(a, b) {
  const ra = remainingNow(a, fetchedAt), rb = remainingNow(b, fetchedAt);
  if (ra == null && rb == null) return b.id - a.id;
  if (ra == null) return 1;
  if (rb == null) return -1;
  return ra - rb;   // negative (overdue) first, most overdue at the top
}

function render() {
  const list = document.getElementById('tasks');
  const empty = document.getElementById('tasks-empty');
  empty.hidden = cases.length > 0;
  list.innerHTML = cases.sort(order).map((c) => {
    const r = remainingNow(c, fetchedAt);
    const cls = r == null ? '' : r < 0 ? 'overdue' : r < 3600 ? 'soon' : '';
    return `<li class="task ${cls}"><a href="/m/cases/${c.id}">
      <span class="task-top"><span class="task-cat">${esc(en() ? c.categoryNameEn : c.categoryNameZh)}</span>
        <span class="badge state-${esc(c.state)}">${esc(stateName(c.state))}</span></span>
      <span class="task-where">${esc(c.address || c.cellName)} · ${esc(c.caseNo)}</span>
      <span class="countdown" data-id="${c.id}">${r == null ? '' : esc(formatRemaining(r))}</span>
    </a></li>`;
  }).join('');
}

function tick() {
  for (const el of document.querySelectorAll('.countdown[data-id]')) {
    const c = cases.find((x) => x.id === Number(el.dataset.id));
    const r = c && remainingNow(c, fetchedAt);
    if (r != null) el.textContent = formatRemaining(r);
  }
}

async function load() {
  const status = document.getElementById('tasks-status');
  status.textContent = t('Field.Loading');
  const r = await api(`/api/cases?state=${OPEN}&pageSize=200`);
  if (r.ok) {
    cases = r.data.items; fetchedAt = r.answeredAt;
    status.textContent = r.fromCache ? t('Field.Tasks.Saved') : t('Field.Tasks.Updated', formatClock());
    render();
    if (!r.fromCache) keep();
  } else if (r.status === 401) {
    status.textContent = t('Field.SignInAgain');
  } else {
    status.textContent = r.offline ? t('Field.Tasks.Offline') : r.problem;
  }
}

// Every task stays readable and actionable offline, including those never opened: the service
// worker keeps each one's detail and photo thumbnails, fetched again when the list shows a change.
let keeping = null;
let keepAgain = false;
let keptOnce = false;
const changedIds = new Set();
function keep() {
  if (keeping) { keepAgain = true; return; }
  const el = document.getElementById('tasks-kept');
  // Opening the app fetches every task again; afterwards what changed (and what got old).
  const options = { all: !keptOnce, changed: [...changedIds] };
  keptOnce = true;
  changedIds.clear();
  keeping = keepTasks(cases, options).then((kept) => {
    if (kept != null) el.textContent = t('Field.Tasks.Kept', kept);
  }).finally(() => {
    keeping = null;
    if (keepAgain) { keepAgain = false; keep(); }
  });
}

function pullToRefresh() {
  let startY = null;
  const hint = document.getElementById('pull-hint');
  window.addEventListener('touchstart', (e) => { startY = window.scrollY === 0 ? e.touches[0].clientY : null; }, { passive: true });
  window.addEventListener('touchmove', (e) => {
    if (startY == null) return;
    hint.hidden = e.touches[0].clientY - startY < 30;
  }, { passive: true });
  window.addEventListener('touchend', (e) => {
    if (startY == null) return;
    const pulled = e.changedTouches[0].clientY - startY;
    startY = null; hint.hidden = true;
    if (pulled > 70) load();
  });
}

start();
document.getElementById('tasks-refresh').addEventListener('click', load);
document.addEventListener('field:sent', load);
pullToRefresh();
load();
setInterval(tick, 1000);
// Live updates from the real-time channel (it sends only events of my cells and my cases); a burst
// of events causes one reload. The hub client is not there offline, and a fresh list every minute
// covers a channel that is down.
let pending = null;
if (typeof signalR !== 'undefined') {
  connectLive({
    onEvent: (e) => {
      if (e.kind === 'staff_position') return;
      if (e.caseId != null) changedIds.add(e.caseId);
      clearTimeout(pending);
      pending = setTimeout(load, 300);
    },
    onResync: load,
    onStatus: () => {},
  });
}
setInterval(() => { if (navigator.onLine) load(); }, 60000);
