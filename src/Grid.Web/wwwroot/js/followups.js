// The call takers' follow-up list (回访): closed cases with a citizen reporter whose answer is
// still missing. The call taker phones the reporter and records solved / satisfaction / comment;
// "not solved" reopens the case on the server. Every value is set as text, never as markup.
const texts = JSON.parse(document.getElementById('followups-texts').textContent);
const t = (name, ...args) => args.reduce((s, a, i) => s.replaceAll(`{${i}}`, String(a)), texts[name] ?? name);
const body = document.querySelector('#followups tbody');
const status = document.getElementById('followups-status');

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children.filter((c) => c != null));
  return e;
}

function radio(name, value, label) {
  return el('label', { className: 'inline-choice' }, el('input', { type: 'radio', name, value }), ' ', label);
}

function row(f) {
  const tr = el('tr');
  tr.dataset.caseId = f.caseId;
  const caseCell = el('td', {}, el('a', { href: `/command?case=${f.caseId}`, textContent: f.caseNo }), el('br'),
    el('span', { className: 'muted', textContent: `${f.category} · ${f.address || ''}` }));
  const phone = f.reporterPhone ? el('a', { href: `tel:${f.reporterPhone}`, textContent: f.reporterPhone }) : null;
  const who = el('td', {}, el('span', { textContent: f.reporterName || '' }), f.reporterName ? el('br') : null, phone,
    f.ticketId ? el('span', { className: 'muted', textContent: ` · 12345 ${f.ticketId}` }) : null);
  const closed = el('td', {}, el('span', { textContent: new Date(f.closedAt).toLocaleString() }),
    f.noAnswer ? el('span', { className: 'badge overdue', textContent: t('FollowUps.NoAnswer') }) : null);
  const comment = el('input', { maxLength: 1000, placeholder: t('Citizen.FollowUp.Comment') });
  comment.setAttribute('aria-label', t('Citizen.FollowUp.Comment'));
  const send = el('button', { type: 'submit', textContent: t('FollowUps.Record') });
  const error = el('p', { className: 'error', hidden: true });
  const form = el('form', { className: 'followup-record' },
    el('div', {}, radio(`solved-${f.caseId}`, 'yes', t('Citizen.FollowUp.Solved')), radio(`solved-${f.caseId}`, 'no', t('Citizen.FollowUp.NotSolved'))),
    el('div', {}, ...['satisfied', 'basic', 'unsatisfied'].map((s) => radio(`sat-${f.caseId}`, s, t('Citizen.FollowUp.' + s)))),
    comment, send, error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const solved = form.querySelector(`input[name=solved-${f.caseId}]:checked`)?.value;
    const satisfaction = form.querySelector(`input[name=sat-${f.caseId}]:checked`)?.value;
    error.hidden = true;
    if (!solved || !satisfaction) { error.textContent = t('Citizen.FollowUp.Missing'); error.hidden = false; return; }
    send.disabled = true;
    const res = await fetch(`/api/followups/${f.caseId}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ solved: solved === 'yes', satisfaction, comment: comment.value.trim() || null }),
    });
    send.disabled = false;
    if (!res.ok) {
      const p = await res.json().catch(() => ({}));
      error.textContent = p.detail || `HTTP ${res.status}`;
      error.hidden = false;
      return;
    }
    const answer = await res.json();
    form.replaceWith(el('p', { className: 'notice', textContent: t('FollowUps.Recorded',
      `${t(solved === 'yes' ? 'Citizen.FollowUp.Solved' : 'Citizen.FollowUp.NotSolved')}, ${t('Citizen.FollowUp.' + satisfaction)}`
      + (answer.reopened ? ` · ${t('Citizen.FollowUp.Reopened')}` : '')) }));
  });
  tr.append(caseCell, who, closed, el('td', {}, form));
  return tr;
}

async function load() {
  const res = await fetch('/api/followups', { headers: { Accept: 'application/json' } });
  if (!res.ok) { status.textContent = `HTTP ${res.status}`; return; }
  const list = await res.json();
  body.replaceChildren(...list.map(row));
  document.getElementById('followups-empty').hidden = list.length > 0;
}

load();
