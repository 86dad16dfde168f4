// Open duplicate flags: the new report beside the open case it resembles; merge or keep apart.
// Everything reporters wrote is set with textContent, never as markup.
const root = document.querySelector('.duplicates');
const rows = document.getElementById('dup-rows');
const status = document.getElementById('dup-status');
const t = root.dataset;

function caseCell(c) {
  const td = document.createElement('td');
  const link = document.createElement('a');
  link.href = `/api/cases/${c.id}`;
  link.textContent = c.caseNo;
  const meta = document.createElement('span');
  meta.textContent = ` · ${c.source} · ${c.state}`;
  const desc = document.createElement('span');
  desc.className = 'desc';
  desc.textContent = [c.address, c.description].filter(Boolean).join(' · ');
  td.append(link, meta, desc);
  return td;
}

async function decide(flag, action, reason) {
  const response = await fetch(`/api/duplicates/${flag.id}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ reason: reason || null }),
  });
  const body = await response.json().catch(() => ({}));
  status.textContent = response.ok ? (action === 'merge' ? t.merged : t.kept).replace('{0}', flag.report.caseNo).replace('{1}', flag.candidate.caseNo)
                                   : (body.detail || response.statusText);
  status.classList.toggle('warn', !response.ok);
  if (response.ok) await load();
}

async function load() {
  const response = await fetch('/api/duplicates?status=open', { headers: { Accept: 'application/json' } });
  rows.replaceChildren();
  if (!response.ok) { status.textContent = response.statusText; return; }
  const flags = await response.json();
  if (flags.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 4;
    td.textContent = t.empty;
    tr.append(td);
    rows.append(tr);
  }
  for (const flag of flags) {
    const tr = document.createElement('tr');
    const distance = document.createElement('td');
    distance.textContent = `${flag.distanceM} ${t.meters} · ${flag.categoryNameZh}`;
    const actions = document.createElement('td');
    const reason = document.createElement('input');
    reason.setAttribute('aria-label', `${t.reason} ${flag.report.caseNo}`);
    reason.placeholder = t.reason;
    reason.maxLength = 1000;
    const merge = document.createElement('button');
    merge.type = 'button';
    merge.textContent = t.merge;
    merge.addEventListener('click', () => decide(flag, 'merge', reason.value));
    const apart = document.createElement('button');
    apart.type = 'button';
    apart.className = 'secondary';
    apart.textContent = t.apart;
    apart.addEventListener('click', () => decide(flag, 'keep-apart', reason.value));
    actions.append(reason, merge, apart);
    tr.append(caseCell(flag.report), caseCell(flag.candidate), distance, actions);
    rows.append(tr);
  }
}

load();
