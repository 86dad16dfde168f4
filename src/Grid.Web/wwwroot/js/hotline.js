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
function setupMap() {
  if (!window.L) return;
  map = L.map('hotline-map').setView([31.5786, 120.3030], 16);
  L.tileLayer('https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png', { maxZoom: 19, attribution: '© OpenStreetMap' }).addTo(map);
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
  if (marker) marker.setLatLng([la, lo]); else marker = L.marker([la, lo]).addTo(map);
}

let pending = 0;
async function checkSimilar() {
  const la = parseFloat(lat.value), lo = parseFloat(lon.value), category = select.value;
  list.replaceChildren();
  if (!Number.isFinite(la) || !Number.isFinite(lo) || !category) return;
  const ticket = ++pending;
  const q = new URLSearchParams({ lat: la, lon: lo, category });
  const response = await fetch(`/api/cases/nearby?${q}`, { headers: { Accept: 'application/json' } });
  if (ticket !== pending || !response.ok) return;
  const cases = await response.json();
  status.textContent = cases.length === 0 ? root.dataset.none : root.dataset.similar.replace('{0}', cases.length);
  status.classList.toggle('warn', cases.length > 0);
  for (const c of cases) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = `/api/cases/${c.id}`;
    link.textContent = c.caseNo;
    const text = document.createElement('span');
    text.textContent = ` · ${c.state} · ${c.address || ''} · ${c.description}`;
    item.append(link, text);
    list.append(item);
  }
}

for (const input of [lat, lon]) input.addEventListener('change', () => { place(); checkSimilar(); });
select.addEventListener('change', checkSimilar);
form.addEventListener('submit', () => {
  const urgent = form.querySelector('input[name=priority]');
  if (!urgent.checked) {
    const normal = document.createElement('input');
    normal.type = 'hidden'; normal.name = 'priority'; normal.value = 'normal';
    form.append(normal);
  }
});
setupMap();
loadCategories();
