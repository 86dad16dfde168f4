// Patrol: start and end a shift; while on shift, and only with consent, the phone's position is
// sent every 30 s (kept on the phone and sent later when the network is gone) and the track drawn.
import { api, t, formatTime, formatClock } from './common.js';
import { start } from './field.js';
import { smallMap, drawCells } from './map.js';

const INTERVAL_MS = 30000;
const BUFFER = 'gridcity-field-patrol-buffer';
const $ = (id) => document.getElementById(id);
let shift = null;
let latest = null;
let watch = null;
let timer = null;
let map = null;
let line = null;
let sent = 0;

function buffer() { return JSON.parse(localStorage.getItem(BUFFER) || '[]'); }
function saveBuffer(b) { localStorage.setItem(BUFFER, JSON.stringify(b.slice(-500))); }

function render() {
  $('patrol-off').hidden = !!shift;
  $('patrol-on').hidden = !shift;
  if (shift) {
    $('patrol-since').textContent = t('Field.Patrol.Since', formatTime(shift.startedAt));
    $('patrol-consent-state').textContent = shift.consent ? t('Field.Patrol.Sharing') : t('Field.Patrol.NotSharing');
    $('patrol-points').textContent = t('Field.Patrol.Points', shift.points + sent, buffer().length);
    $('patrol-last').textContent = latest ? t('Field.Patrol.Last', formatClock(latest.at), Math.round(latest.accuracy)) : '';
  }
}

let here = null;
let halo = null;
function draw(lat, lon, accuracy) {
  if (!map) {
    map = smallMap($('patrol-map'), lat, lon, 17);
    line = L.polyline([], { color: '#d1242f', weight: 4 }).addTo(map);
    drawCells(map, lat, lon);
  }
  line.addLatLng([lat, lon]);
  if (accuracy != null) {
    // Where the phone is now, and how sure it is.
    halo ??= L.circle([lat, lon], { radius: accuracy, color: '#0b63c5', weight: 1, fillOpacity: 0.12 }).addTo(map);
    here ??= L.circleMarker([lat, lon], { radius: 8, color: '#fff', weight: 3, fillColor: '#0b63c5', fillOpacity: 1 }).addTo(map);
    halo.setLatLng([lat, lon]).setRadius(accuracy);
    here.setLatLng([lat, lon]);
  }
  map.panTo([lat, lon]);
}

async function sendBuffered() {
  let b = buffer();
  while (b.length > 0) {
    const r = await api('/api/field/patrol/positions', { method: 'POST', body: b[0] });
    if (r.offline || r.status >= 500 || r.status === 401) break;
    if (r.ok) sent++;
    b = b.slice(1); saveBuffer(b);   // refused points (shift ended...) are dropped, not retried forever
  }
  render();
}

function takePosition() {
  if (!latest || !shift?.consent) return;
  saveBuffer([...buffer(), { lat: latest.lat, lon: latest.lon, accuracy: latest.accuracy, at: new Date().toISOString() }]);
  sendBuffered();
}

function follow() {
  if (!shift?.consent || watch != null || !navigator.geolocation) return;
  watch = navigator.geolocation.watchPosition((p) => {
    const first = !latest;
    latest = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy, at: Date.now() };
    draw(latest.lat, latest.lon, latest.accuracy);
    if (first) takePosition();
    render();
  }, (e) => { $('patrol-last').textContent = t('Field.Report.GpsFailed', e.message); }, { enableHighAccuracy: true, maximumAge: 10000 });
  timer = setInterval(takePosition, INTERVAL_MS);
}

function stopFollowing() {
  if (watch != null) navigator.geolocation.clearWatch(watch);
  clearInterval(timer);
  watch = null; timer = null; latest = null;
}

async function loadTrack() {
  const r = await api(`/api/field/patrol/shifts/${shift.id}/track`);
  if (!r.ok) return;
  for (const p of r.data.points) draw(p.lat, p.lon);
}

async function load() {
  const r = await api('/api/field/patrol/current');
  if (!r.ok) { $('patrol-error').hidden = false; $('patrol-error').textContent = r.offline ? t('Field.Patrol.Offline') : r.problem; return; }
  shift = r.data.shift;
  render();
  if (shift) { await loadTrack(); follow(); sendBuffered(); }
}

async function begin() {
  const consent = $('patrol-consent').checked;
  const r = await api('/api/field/patrol/start', { method: 'POST', body: { consent } });
  if (!r.ok) { $('patrol-error').hidden = false; $('patrol-error').textContent = r.offline ? t('Field.Patrol.Offline') : r.problem; return; }
  $('patrol-error').hidden = true;
  shift = r.data; sent = 0;
  render();
  follow();
}

async function end() {
  await sendBuffered();
  const r = await api('/api/field/patrol/end', { method: 'POST' });
  if (!r.ok) { $('patrol-error').hidden = false; $('patrol-error').textContent = r.offline ? t('Field.Patrol.Offline') : r.problem; return; }
  stopFollowing();
  $('patrol-ended').hidden = false;
  $('patrol-ended').textContent = t('Field.Patrol.Ended', r.data.points);
  shift = null;
  render();
}

start();
$('patrol-start').addEventListener('click', begin);
$('patrol-end').addEventListener('click', end);
window.addEventListener('online', sendBuffered);
load();
