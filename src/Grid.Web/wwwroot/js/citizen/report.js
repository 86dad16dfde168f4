// The citizen page /r: what kind of problem (icons + search), where (GPS and a movable pin), up to
// 3 photos shrunk on the phone, a description, optional name and phone; open reports of the same
// kind nearby are offered for a "+1" first. The page is an Open311 client: it posts to
// /open311/v2/requests.json with the page's own key, through the outbox (sent once, also offline).
import { t, esc, en, randomHex, mine, trackUrl, registerWorker, showNet, when } from './common.js';
import { enqueue, onChange, items, flush, discard } from './outbox.js';
import { picker } from '../field/photos.js';
import { icon } from './icons.js';

const $ = (id) => document.getElementById(id);
const L = window.L;
const CONFIG = 'gridcity-citizen-config';
const SERVICES = 'gridcity-citizen-services';
let config = null;
let kinds = [];
let chosen = null;
let position = null;
let map = null;
let marker = null;
let photos = null;
let outside = false; // the server said no cell takes the pin: a report there would be refused

async function cachedJson(url, key) {
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(String(res.status));
    const data = await res.json();
    localStorage.setItem(key, JSON.stringify(data));
    return data;
  } catch {
    const saved = localStorage.getItem(key);
    return saved ? JSON.parse(saved) : null;
  }
}

async function load() {
  $('kind-status').textContent = t('Citizen.Kind.Loading');
  config = await cachedJson('/api/citizen/config', CONFIG);
  const services = await cachedJson('/open311/v2/services.json', SERVICES);
  if (!config || !services) { $('kind-status').textContent = t('Citizen.Kind.Offline'); return; }
  const open = new Set(config.categories || []);
  kinds = services.filter((s) => open.size === 0 || open.has(s.service_code));
  $('kind-status').textContent = '';
  renderKinds();
  photos = picker($('citizen-photos'), config.maxPhotos || 3);
  locate();
}

function label(s) { return en() && s.keywords ? s.keywords.split(',')[0] : s.service_name; }

function renderKinds() {
  const q = $('kind-search').value.trim().toLowerCase();
  const shown = kinds.filter((s) => !q || s.service_name.includes(q) || (s.keywords || '').toLowerCase().includes(q)
    || (s.group || '').includes(q) || s.service_code.toLowerCase() === q);
  $('kinds').innerHTML = shown.map((s) => `<label class="kind${chosen?.service_code === s.service_code ? ' chosen' : ''}">
      <input type="radio" name="kind" value="${esc(s.service_code)}" ${chosen?.service_code === s.service_code ? 'checked' : ''}>
      ${icon(s.service_code)}<span>${esc(label(s))}</span><small>${esc(s.group)}</small></label>`).join('')
    || `<p class="muted">${esc(t('Citizen.Kind.None'))}</p>`;
  $('kinds').querySelectorAll('input').forEach((i) => i.addEventListener('change', () => {
    chosen = kinds.find((k) => k.service_code === i.value) ?? null;
    renderKinds();
    checkNearby();
  }));
}

function placeMap(lat, lon) {
  if (!map) {
    map = L.map($('citizen-map'), { zoomControl: true, attributionControl: false }).setView([lat, lon], 18);
    const tiles = $('citizen-app').dataset.tiles;
    if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    marker = L.marker([lat, lon], { draggable: true, keyboard: true }).addTo(map);
    marker.on('dragend', () => {
      const p = marker.getLatLng();
      position = { lat: p.lat, lon: p.lng, accuracy: 0, moved: true };
      showPosition();
      checkNearby();
    });
    map.on('click', (e) => {
      marker.setLatLng(e.latlng);
      position = { lat: e.latlng.lat, lon: e.latlng.lng, accuracy: 0, moved: true };
      showPosition();
      checkNearby();
    });
  } else {
    marker.setLatLng([lat, lon]);
    map.setView([lat, lon]);
  }
}

function showPosition() {
  if (!position) return;
  $('gps-status').textContent = position.moved
    ? t('Citizen.Gps.Moved', position.lat.toFixed(5), position.lon.toFixed(5))
    : t('Citizen.Gps.Accuracy', Math.round(position.accuracy));
  showPlace();
}

// The street and community of the pin, or a warning where no cell takes it (offline: nothing is said).
let placeToken = 0;
async function showPlace() {
  const el = $('place');
  const token = ++placeToken;
  outside = false;
  if (!position || !navigator.onLine) { el.hidden = true; return; }
  try {
    const res = await fetch(`/api/citizen/place?lat=${position.lat}&lon=${position.lon}`);
    if (token !== placeToken) return;
    if (!res.ok) { el.hidden = true; return; }
    const p = await res.json();
    outside = !p.inCity;
    el.textContent = p.inCity ? t('Citizen.Place.In', p.street, p.community) : t('Citizen.Place.Outside');
    el.classList.toggle('outside', outside);
    el.hidden = false;
  } catch { el.hidden = true; }
}

function locate() {
  $('gps-status').textContent = t('Citizen.Gps.Locating');
  const fallback = () => {
    $('gps-status').textContent = t('Citizen.Gps.Failed');
    if (!map && config?.center) placeMap(config.center.lat, config.center.lon);
  };
  if (!('geolocation' in navigator)) { fallback(); return; }
  navigator.geolocation.getCurrentPosition((p) => {
    position = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy, moved: false };
    placeMap(position.lat, position.lon);
    showPosition();
    checkNearby();
  }, fallback, { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
}

let nearbyToken = 0;
async function checkNearby() {
  const box = $('nearby');
  if (!chosen || !position || !navigator.onLine) { box.hidden = true; return; }
  const token = ++nearbyToken;
  try {
    const res = await fetch(`/api/citizen/nearby?lat=${position.lat}&lon=${position.lon}&category=${encodeURIComponent(chosen.service_code)}`);
    if (token !== nearbyToken || !res.ok) return;
    const list = await res.json();
    box.hidden = list.length === 0;
    $('nearby-title').textContent = t('Citizen.Nearby.Title', list.length);
    $('nearby-list').innerHTML = list.map((n) => `<li>
        <p class="nearby-text">${esc(n.description)}</p>
        <p class="muted">${esc(t('Citizen.State.' + n.state))} · ${esc(t('Citizen.Nearby.Distance', n.distanceM))} · ${esc(when(n.createdAt))}${n.supporters ? ' · ' + esc(t('Citizen.Nearby.Supporters', n.supporters)) : ''}</p>
        <button type="button" class="plus-one" data-case="${esc(n.caseNo)}">${esc(t('Citizen.Nearby.PlusOne'))}</button></li>`).join('');
    $('nearby-list').querySelectorAll('.plus-one').forEach((b) => b.addEventListener('click', () => plusOne(b.dataset.case)));
  } catch { box.hidden = true; }
}

function contact() {
  const name = $('name').value.trim();
  const phone = $('phone').value.trim();
  if (phone && !/^[0-9+\- ]+$/.test(phone)) { fail(t('Citizen.Error.Phone')); return null; }
  return { name, phone };
}

async function plusOne(caseNo) {
  const c = contact();
  if (!c) return;
  const code = randomHex(16);
  await enqueue({ code, kind: 'support', caseNo, label: `${label(chosen)} · ${caseNo}`, photos: [],
    body: { name: c.name || null, phone: c.phone || null, note: $('description').value.trim() || null } });
  done(code);
}

function fail(message) {
  $('citizen-error').textContent = message;
  $('citizen-error').hidden = false;
}

async function submit(e) {
  e.preventDefault();
  $('citizen-error').hidden = true;
  if (!chosen) return fail(t('Citizen.Error.Kind'));
  if (!position) return fail(t('Citizen.Error.Place'));
  if (outside) return fail(t('Citizen.Place.Outside'));
  const description = $('description').value.trim();
  if (!description) return fail(t('Citizen.Error.Description'));
  const c = contact();
  if (!c) return;
  const fields = {
    api_key: config.apiKey, jurisdiction_id: config.jurisdictionId, service_code: chosen.service_code,
    lat: position.lat.toFixed(6), long: position.lon.toFixed(6), description,
  };
  const address = $('address').value.trim();
  if (address) fields.address_string = address;
  if (c.name) fields.first_name = c.name;
  if (c.phone) fields.phone = c.phone;
  const code = randomHex(16);
  await enqueue({ code, kind: 'report', fields, photos: photos.photos, label: label(chosen) });
  done(code);
}

async function done(code) {
  $('citizen-form').hidden = true;
  $('citizen-done').hidden = false;
  const link = $('done-link');
  link.href = trackUrl(code);
  link.textContent = location.origin + trackUrl(code);
  const waiting = (await items()).some((i) => i.code === code);
  $('done-queued').hidden = !waiting;
  window.scrollTo(0, 0);
}

function renderMine(outbox) {
  const sent = mine();
  const rows = [
    ...outbox.map((i) => `<li class="${i.status}"><span>${esc(i.kind === 'support' ? t('Citizen.Mine.PlusOne', i.label) : i.label)}</span>
       <small>${esc(i.status === 'refused' ? t('Citizen.Mine.Refused', i.error) : (i.error || t('Citizen.Mine.Waiting')))}</small>
       ${i.status === 'refused' ? `<button type="button" class="link discard" data-code="${esc(i.code)}">×</button>` : ''}</li>`),
    ...sent.map((m) => `<li><a href="${esc(trackUrl(m.code))}">${esc(m.kind === 'support' ? t('Citizen.Mine.PlusOne', m.label) : m.label)}</a>
       <small>${esc(m.caseNo)} · ${esc(when(m.at))}</small></li>`),
  ];
  $('mine').hidden = rows.length === 0;
  $('mine-list').innerHTML = rows.join('');
  $('mine-list').querySelectorAll('.discard').forEach((b) => b.addEventListener('click', () => discard(b.dataset.code)));
  if (!$('citizen-done').hidden && outbox.length === 0) $('done-queued').hidden = true;
}

$('kind-search').addEventListener('input', renderKinds);
$('gps-retry').addEventListener('click', locate);
$('citizen-form').addEventListener('submit', submit);
$('done-another').addEventListener('click', () => location.reload());
onChange(renderMine);
registerWorker();
showNet();
items().then(renderMine);
flush();
load();
