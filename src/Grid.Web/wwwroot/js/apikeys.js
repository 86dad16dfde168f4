// Administrator's list of integration API keys (Open311 clients, the hotline system): issue with a scope, show once, change scope, revoke.
const root = document.querySelector('.apikeys');
const form = document.getElementById('key-form');
const rows = document.getElementById('key-rows');
const status = document.getElementById('key-status');
const secret = document.getElementById('key-secret');
const t = root.dataset;
const json = { 'Content-Type': 'application/json', Accept: 'application/json' };

function scopeName(scope) {
  return { open311: t.scopeOpen311, hotline: t.scopeHotline, both: t.scopeBoth }[scope] ?? scope;
}

async function load() {
  const response = await fetch('/api/open311/keys', { headers: { Accept: 'application/json' } });
  rows.replaceChildren();
  if (!response.ok) return;
  for (const k of await response.json()) {
    const tr = document.createElement('tr');
    for (const text of [k.name, `${k.keyPrefix}…`, String(k.ratePerMinute)]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    // What the key may be used for: shown for every key, changeable while it is active.
    const scopeCell = document.createElement('td');
    if (k.revokedAt) {
      scopeCell.textContent = scopeName(k.scope);
    } else {
      const select = document.createElement('select');
      select.setAttribute('aria-label', `${t.scopeLabel} ${k.name}`);
      for (const s of ['open311', 'hotline', 'both']) {
        const option = document.createElement('option');
        option.value = s;
        option.textContent = scopeName(s);
        option.selected = s === k.scope;
        select.append(option);
      }
      select.addEventListener('change', async () => {
        const r = await fetch(`/api/open311/keys/${k.id}/scope`, { method: 'POST', headers: json, body: JSON.stringify({ scope: select.value }) });
        status.textContent = r.ok ? t.scopeChanged.replace('{0}', k.name).replace('{1}', scopeName(select.value))
          : (await r.json().catch(() => ({}))).detail || r.statusText;
        await load();
      });
      scopeCell.append(select);
    }
    tr.append(scopeCell);
    const state = document.createElement('td');
    state.textContent = k.revokedAt ? t.revoked : t.active;
    tr.append(state);
    const td = document.createElement('td');
    if (!k.revokedAt) {
      const revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.className = 'secondary';
      revoke.textContent = t.revoke;
      revoke.setAttribute('aria-label', `${t.revoke} ${k.name}`);
      revoke.addEventListener('click', async () => {
        const r = await fetch(`/api/open311/keys/${k.id}/revoke`, { method: 'POST', headers: json });
        if (!r.ok) status.textContent = (await r.json().catch(() => ({}))).detail || r.statusText;
        await load();
      });
      td.append(revoke);
    }
    tr.append(td);
    rows.append(tr);
  }
}

form.addEventListener('submit', async e => {
  e.preventDefault();
  const body = { name: document.getElementById('key-name').value, ratePerMinute: Number(document.getElementById('key-rate').value),
    scope: document.getElementById('key-scope').value };
  const response = await fetch('/api/open311/keys', { method: 'POST', headers: json, body: JSON.stringify(body) });
  const result = await response.json().catch(() => ({}));
  if (!response.ok) {
    status.textContent = result.detail || response.statusText;
    secret.hidden = true;
    return;
  }
  status.textContent = t.issued.replace('{0}', result.name);
  secret.textContent = result.key;
  secret.hidden = false;
  form.reset();
  await load();
});

load();
