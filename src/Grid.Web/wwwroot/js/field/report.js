// Report a problem: category (大类 then 小类, search, recent), the phone's position with its
// accuracy and a pin that can be moved, up to 6 photos, a description. Before sending, similar
// open cases nearby are offered for a "+1" instead of a duplicate.
import { api, t, esc, newKey } from './common.js';
import { start, user } from './field.js';
import { enqueue } from './outbox.js';
import { picker } from './photos.js';
import { smallMap, drawCells, pin } from './map.js';

const RECENT = 'gridcity-field-recent-categories';
const en = () => document.documentElement.lang.startsWith('en');
let categories = [];
let chosen = null;
let position = null;   // { lat, lon, accuracy, moved }
let map = null;
let marker = null;
let photoPicker = null;

const $ = (id) => document.getElementById(id);
const name = (c) => (en() ? c.nameEn : c.nameZh);
const majorName = (c) => `${c.kind === 'event' ? t('Field.Report.Event') : t('Field.Report.Component')} · ${en() ? c.majorNameEn : c.majorNameZh}`;

async function loadCategories() {
  const r = await api('/api/categories');
  if (!r.ok) { $('category-status').textContent = r.offline ? t('Field.Report.CategoriesOffline') : r.problem; return; }
  categories = r.data;
  const majors = [...new Map(categories.map((c) => [c.kind + c.majorCode, c])).values()];
  $('category-major').innerHTML = `<option value="">${esc(t('Field.Report.AllMajors'))}</option>` +
    majors.map((m) => `<option value="${esc(m.kind + m.majorCode)}">${esc(majorName(m))}</option>`).join('');
  renderRecent();
  renderMinors();
}

function renderRecent() {
  const recent = JSON.parse(localStorage.getItem(RECENT) || '[]').map((code) => categories.find((c) => c.code === code)).filter(Boolean);
  $('category-recent').hidden = recent.length === 0;
  $('category-recent-list').innerHTML = recent.map((c) => `<button type="button" class="chip" data-code="${esc(c.code)}">${esc(name(c))}</button>`).join('');
  $('category-recent-list').querySelectorAll('button').forEach((b) => b.addEventListener('click', () => pick(b.dataset.code)));
}

function renderMinors() {
  const major = $('category-major').value;
  const q = $('category-search').value.trim().toLowerCase();
  const shown = categories.filter((c) => (!major || c.kind + c.majorCode === major) &&
    (!q || c.nameZh.includes(q) || c.nameEn.toLowerCase().includes(q) || c.code.toLowerCase().includes(q)));
  $('category-minors').innerHTML = shown.slice(0, 60).map((c) => `<label class="minor"><input type="radio" name="category" value="${esc(c.code)}" ${chosen?.code === c.code ? 'checked' : ''}>
      <span>${esc(name(c))}</span><small>${esc(majorName(c))}</small></label>`).join('') || `<p class="muted">${esc(t('Field.Report.NoMatch'))}</p>`;
  $('category-minors').querySelectorAll('input').forEach((i) => i.addEventListener('change', () => pick(i.value)));
}

function pick(code) {
  chosen = categories.find((c) => c.code === code) ?? null;
  $('category-chosen').textContent = chosen ? `${majorName(chosen)} › ${name(chosen)}` : '';
  renderMinors();
  checkNearby();
}

function showPosition() {
  if (!position) return;
  $('gps-status').textContent = position.moved
    ? t('Field.Report.PinMoved', position.lat.toFixed(5), position.lon.toFixed(5))
    : t('Field.Report.Accuracy', Math.round(position.accuracy));
  $('gps-status').className = 'gps ' + (position.moved || position.accuracy <= 30 ? 'good' : 'poor');
  if (!map) {
    map = smallMap($('report-map'), position.lat, position.lon, 18);
    marker = pin(map, position.lat, position.lon, true);
    marker.on('dragend', () => {
      const p = marker.getLatLng();
      position = { ...position, lat: p.lat, lon: p.lng, moved: true };
      showPosition();
      checkNearby();
    });
    drawCells(map, position.lat, position.lon);
  } else {
    marker.setLatLng([position.lat, position.lon]);
    map.setView([position.lat, position.lon]);
  }
}

function locate() {
  $('gps-status').textContent = t('Field.Report.Locating');
  if (!navigator.geolocation) { $('gps-status').textContent = t('Field.Report.NoGps'); return; }
  navigator.geolocation.getCurrentPosition((p) => {
    position = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy, moved: false };
    showPosition();
    checkNearby();
  }, (e) => { $('gps-status').textContent = t('Field.Report.GpsFailed', e.message); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 });
}

let nearbyFor = '';
async function checkNearby() {
  const box = $('nearby');
  if (!chosen || !position) { box.hidden = true; return; }
  const ask = `${chosen.code}@${position.lat.toFixed(5)},${position.lon.toFixed(5)}`;
  nearbyFor = ask;
  const r = await api(`/api/cases/nearby?lat=${position.lat}&lon=${position.lon}&category=${encodeURIComponent(chosen.code)}`);
  if (nearbyFor !== ask) return;
  if (!r.ok || r.fromCache) {
    box.hidden = !r.offline;
    $('nearby-list').innerHTML = '';
    $('nearby-title').textContent = t('Field.Report.NearbyOffline');
    return;
  }
  box.hidden = r.data.length === 0;
  $('nearby-title').textContent = t('Field.Report.Nearby', r.data.length);
  $('nearby-list').innerHTML = r.data.map((c) => `<li><a href="/m/cases/${c.id}">${esc(c.caseNo)}</a>
     <span>${esc(c.description)}</span><small>${esc(c.address || c.cellName)} · ${esc(t('Field.State.' + c.state))}</small>
     <button type="button" class="plus-one" data-id="${c.id}" data-no="${esc(c.caseNo)}">${esc(t('Field.Report.PlusOne'))}</button></li>`).join('');
  $('nearby-list').querySelectorAll('.plus-one').forEach((b) => b.addEventListener('click', () => plusOne(Number(b.dataset.id), b.dataset.no)));
}

function remember(code) {
  const recent = [code, ...JSON.parse(localStorage.getItem(RECENT) || '[]').filter((c) => c !== code)].slice(0, 5);
  localStorage.setItem(RECENT, JSON.stringify(recent));
}

function done(message) {
  $('report-done').hidden = false;
  $('report-done').textContent = message;
  $('report-error').hidden = true;
  $('description').value = '';
  photoPicker.clear();
  $('nearby').hidden = true;
  renderRecent();
  window.scrollTo({ top: 0 });
}

async function plusOne(caseId, caseNo) {
  const note = $('description').value.trim() || null;
  await enqueue({ key: newKey(), user: user(), kind: 'support', caseId, body: { note }, photos: photoPicker.photos, label: t('Field.Report.PlusOneLabel', caseNo) });
  if (chosen) remember(chosen.code);
  done(t('Field.Report.PlusOneQueued', caseNo));
}

async function submit(e) {
  e.preventDefault();
  const missing = [];
  if (!chosen) missing.push(t('Field.Report.Category'));
  if (!position) missing.push(t('Field.Report.Location'));
  if (!$('description').value.trim()) missing.push(t('Field.Report.Description'));
  if (missing.length) {
    $('report-error').hidden = false;
    $('report-error').textContent = t('Field.Report.Missing', missing.join('、'));
    return;
  }
  const body = { lat: position.lat, lon: position.lon, categoryCode: chosen.code, description: $('description').value.trim(), address: $('address').value.trim() || null };
  remember(chosen.code);
  await enqueue({ key: newKey(), user: user(), kind: 'report', body, photos: photoPicker.photos, label: `${t('Field.Report.Label')} ${name(chosen)}` });
  done(navigator.onLine ? t('Field.Report.Queued') : t('Field.Report.QueuedOffline'));
}

start();
photoPicker = picker($('report-photos'), 6);
$('category-major').addEventListener('change', renderMinors);
$('category-search').addEventListener('input', renderMinors);
$('gps-retry').addEventListener('click', locate);
$('report-form').addEventListener('submit', submit);
loadCategories();
locate();
