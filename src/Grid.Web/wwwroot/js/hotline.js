// The 12345 call taker's form: categories from the API, a point from the map, and the same
// duplicate check as the server before saving. Reporter text is only ever set with textContent.
const root = document.querySelector('.hotline');
const form = document.getElementById('hotline-form');
const select = document.getElementById('categoryCode');
const lat = document.getElementById('lat');
const lon = document.getElementById('lon');
const list = document.getElementById('similar-list');
const status = document.getElementById('similar-status');
const zh = root.dataset.lang !== 'en';

async function loadCategories() {
  const response = await fetch('/api/categories', { headers: { Accept: 'application/json' } });
  if (!response.ok) return;
  for (const c of await response.json()) {
    const option = document.createElement('option');
    option.value = c.code;
    option.textContent = `${c.code} ${zh ? c.majorNameZh + ' / ' + c.nameZh : c.majorNameEn + ' / ' + c.nameEn}`;
    select.append(option);
  }
}

let marker = null;
let map = null;
let cells = null;
let similarLayer = null;
// Grid cells of the visible area are drawn from our own API, so the map is useful without a tile server.
async function drawCells() {
  const b = map.getBounds();
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => v.toFixed(5)).join(',');
  const response = await fetch(`/api/cells?bbox=${bbox}`, { headers: { Accept: 'application/geo+json, application/json' } });
  if (!response.ok) return;
  const geojson = await response.json();
  if (cells) cells.remove();
  cells = L.geoJSON(geojson, { style: { color: '#0b63c5', weight: 1, fillOpacity: 0.04 } }).addTo(map);
}

function setupMap() {
  if (!window.L) return;
  // Tiles only from the city's own tile server (Grid:Map:TileUrl); without one the grid cells are the map
  // and nothing on the page reaches outside the server.
  const tiles = root.dataset.tiles;
  map = L.map('hotline-map', { attributionControl: !!tiles }).setView([31.5786, 120.3030], 16);
  if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: root.dataset.attribution || '' }).addTo(map);
  similarLayer = L.layerGroup().addTo(map);
  map.on('moveend', drawCells);
  drawCells();
  map.on('click', e => {
    lat.value = e.latlng.lat.toFixed(6);
    lon.value = e.latlng.lng.toFixed(6);
    place();
    checkSimilar();
  });
}

function place() {
  const la = parseFloat(lat.value), lo = parseFloat(lon.value);
  if (!map || !Number.isFinite(la) || !Number.isFinite(lo)) return;
  if (marker) marker.setLatLng([la, lo]); else marker = L.circleMarker([la, lo], { radius: 9, color: '#b42318', weight: 3 }).addTo(map);
  if (!map.getBounds().contains([la, lo])) map.setView([la, lo], 17);
}

let pending = 0;
async function checkSimilar() {
  const la = parseFloat(lat.value), lo = parseFloat(lon.value), category = select.value;
  if (!Number.isFinite(la) || !Number.isFinite(lo) || !category) { list.replaceChildren(); return; }
  const ticket = ++pending;
  const q = new URLSearchParams({ lat: la, lon: lo, category });
  const response = await fetch(`/api/cases/nearby?${q}`, { headers: { Accept: 'application/json' } });
  if (ticket !== pending || !response.ok) return;
  const cases = await response.json();
  list.replaceChildren();
  if (similarLayer) similarLayer.clearLayers();
  status.textContent = cases.length === 0 ? root.dataset.none : root.dataset.similar.replace('{0}', cases.length);
  status.classList.toggle('warn', cases.length > 0);
  for (const c of cases) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = `/api/cases/${c.id}`;
    link.textContent = c.caseNo;
    const text = document.createElement('span');
    text.textContent = ' · ' + [c.state, c.address, c.description].filter(Boolean).join(' · ');
    item.append(link, text);
    list.append(item);
    if (similarLayer) {
      const dot = L.circleMarker([c.lat, c.lon], { radius: 7, color: '#c26b00', fillOpacity: 0.6 });
      const tip = document.createElement('span');
      tip.textContent = `${c.caseNo} ${c.description}`;
      dot.bindTooltip(tip).addTo(similarLayer);
    }
  }
}

for (const input of [lat, lon]) input.addEventListener('change', () => { place(); checkSimilar(); });
select.addEventListener('change', checkSimilar);
// Posts the form (antiforgery token included) asking for JSON: a refused call keeps what was typed.
const alert = document.getElementById('hotline-error');
// One Idempotency-Key per call being saved: a resend after a 503 (the database away for a moment) or a
// lost answer carries the same key, so the server returns the case it may already have saved.
let callKey = null;
form.addEventListener('input', () => { callKey = null; });
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
async function post(data) {
  for (let attempt = 1; ; attempt++) {
    let response = null;
    try {
      response = await fetch(form.action, { method: 'POST', body: new URLSearchParams(data), headers: { Accept: 'application/json', 'Idempotency-Key': callKey } });
    } catch { /* no answer: resend below */ }
    if (response && response.status !== 503 && response.status !== 502 && response.status !== 504) return response;
    if (attempt >= 6) return response;
    const wait = Math.min(10, Number(response?.headers.get('Retry-After')) || attempt);
    alert.textContent = root.dataset.retrying || '…';
    alert.hidden = false;
    await sleep(wait * 1000);
  }
}
form.addEventListener('submit', async e => {
  e.preventDefault();
  const data = new FormData(form);
  if (!data.has('priority')) data.set('priority', 'normal');
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  callKey ??= crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  try {
    const response = await post(data);
    const body = response ? await response.json().catch(() => ({})) : {};
    if (response && response.ok) {
      callKey = null;
      location.assign(`/hotline?created=${encodeURIComponent(body.caseNo)}&id=${body.caseId}&duplicates=${body.likelyDuplicates.length}`);
      return;
    }
    alert.textContent = body.detail || response?.statusText || root.dataset.retrying || '';
    alert.hidden = false;
    alert.scrollIntoView({ block: 'nearest' });
  } finally {
    button.disabled = false;
  }
});
// Open311 requests that came with an address only: the call taker puts them on the map.
const pendingSection = document.querySelector('.pending');
const pendingList = document.getElementById('pending-list');
const pendingStatus = document.getElementById('pending-status');
async function loadPending() {
  const response = await fetch('/api/open311/pending', { headers: { Accept: 'application/json' } });
  if (!response.ok) return;
  const items = await response.json();
  pendingSection.hidden = items.length === 0 && !pendingStatus.textContent;
  pendingList.replaceChildren();
  for (const p of items) {
    const item = document.createElement('li');
    const text = document.createElement('span');
    text.textContent = [p.serviceCode, p.addressString, p.description].filter(Boolean).join(' · ');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary';
    button.textContent = root.dataset.place;
    button.setAttribute('aria-label', `${root.dataset.place}: ${p.addressString || p.token}`);
    button.addEventListener('click', async () => {
      const la = parseFloat(lat.value), lo = parseFloat(lon.value);
      if (!Number.isFinite(la) || !Number.isFinite(lo)) { pendingStatus.textContent = root.dataset.needPoint; return; }
      const r = await fetch(`/api/open311/pending/${p.token}/place`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ lat: la, lon: lo }),
      });
      const body = await r.json().catch(() => ({}));
      pendingStatus.textContent = r.ok ? root.dataset.placed.replace('{0}', body.caseId) : (body.detail || r.statusText);
      await loadPending();
    });
    item.append(text, button);
    pendingList.append(item);
  }
}

setupMap();
loadCategories();
loadPending();
