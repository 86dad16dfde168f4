// What the desk's Leaflet modules share (the command center's CityMap.razor.js, the console's PostsMap.razor.js and
// CellsMap.razor.js): loading Leaflet once per page, the map with the city's first view, and tooltip content built
// from text nodes. Texts from data (cell, street and people names, labels) never go in as HTML.

let leafletLoad = null;
let clusterLoad = null;

function script(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error("could not load " + src));
    document.head.append(s);
  });
}

/**
 * Leaflet (and with `cluster` its marker-cluster plugin) are plain scripts that set globals: an interactive page loads
 * them once, in order, whichever map asks first.
 */
export function leaflet({ cluster = false } = {}) {
  leafletLoad ??= window.L ? Promise.resolve() : script("_content/Grid.Web/lib/leaflet/leaflet.js");
  if (!cluster) return leafletLoad;
  clusterLoad ??= leafletLoad.then(() =>
    window.L.markerClusterGroup ? undefined : script("_content/Grid.Web/lib/leaflet.markercluster/leaflet.markercluster.js"));
  return clusterLoad;
}

/** A Leaflet map on `el` at the city's first view (the pages fit it to their cells once they have them). */
export function cityMap(el, { minZoom = 8, attributionControl = false } = {}) {
  const map = L.map(el, { zoomSnap: 0.25, minZoom, maxZoom: 19, attributionControl });
  map.setView([31.58, 120.3], 13);
  return map;
}

/** An element holding each non-empty line as a text node (never parsed as HTML), for tooltips and labels. */
export function textBlock(...lines) {
  const el = document.createElement("span");
  lines.filter((l) => l !== null && l !== undefined && l !== "").forEach((line, i) => {
    if (i > 0) el.append(document.createElement("br"));
    el.append(document.createTextNode(String(line)));
  });
  return el;
}

/** A resource text with {0}, {1}... filled in (as text: the result goes through textBlock). */
export const fmt = (template, ...args) => String(template).replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ""));
