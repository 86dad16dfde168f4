// Small Leaflet maps for the field pages: the grid cells around a point are drawn from
// /api/cells (they show where one is even without map tiles), tiles when the network has them.
const L = window.L;

export function smallMap(el, lat, lon, zoom = 17) {
  const map = L.map(el, { zoomControl: false, attributionControl: false }).setView([lat, lon], zoom);
  const tiles = document.getElementById("field-app").dataset.tiles;
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  return map;
}

export async function drawCells(map, lat, lon) {
  const d = 0.004;
  try {
    const res = await fetch(`/api/cells?bbox=${lon - d},${lat - d},${lon + d},${lat + d}`, { credentials: 'same-origin' });
    if (!res.ok) return;
    const cells = await res.json();
    L.geoJSON(cells, { style: { color: '#1f6feb', weight: 1, fillOpacity: 0.06 } }).addTo(map);
  } catch { /* offline: the pin alone */ }
}

export function pin(map, lat, lon, draggable = false) {
  return L.marker([lat, lon], { draggable, keyboard: true }).addTo(map);
}
