// The city map: grid cells coloured by open and overdue cases, clustered case markers, staff positions.
// Leaflet (global L) and leaflet.markercluster must be loaded. Without a tile URL nothing is fetched
// from outside: cells and street names are drawn on a plain background.
const loadClass = (n) => (n <= 0 ? 0 : n <= 2 ? 1 : n <= 5 ? 2 : 3);
const loadFill = ["#f7fbff", "#c6dbef", "#fdae6b", "#e6550d"];

export function createMap(el, { tileUrl, attribution, texts, onCaseClick }) {
  const map = L.map(el, { zoomSnap: 0.25, minZoom: 8, maxZoom: 19, attributionControl: !!tileUrl });
  map.setView([31.58, 120.3], 13);
  if (tileUrl) L.tileLayer(tileUrl, { attribution: attribution || "", maxZoom: 19 }).addTo(map);

  const cells = L.geoJSON(null, {
    style: (f) => ({
      color: f.properties.overdueCases > 0 ? "#d7191c" : "#5b6b7c",
      weight: f.properties.overdueCases > 0 ? 3 : 0.7,
      fillColor: loadFill[loadClass(f.properties.openCases)],
      fillOpacity: 0.75,
    }),
    // Leaflet puts a string tooltip in as HTML; data goes in as text nodes only.
    onEachFeature: (f, layer) => layer.bindTooltip(
      textBlock(`${f.properties.name} (${f.properties.code})`, fmt(texts["Command.Cell.Open"], f.properties.openCases, f.properties.overdueCases)),
      { sticky: true }),
  }).addTo(map);
  const streetLabels = L.layerGroup().addTo(map);
  const cluster = L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false, chunkedLoading: true }).addTo(map);
  const staff = L.layerGroup().addTo(map);
  const caseMarkers = new Map();
  const staffMarkers = new Map();
  let fitted = false;

  function caseIcon(c) {
    return L.divIcon({
      className: "",
      // Colour by state; square for components (部件, codes C...), round for events (事件).
      html: `<div class="cc-case-icon st-${c.state}${c.categoryCode.startsWith("C") ? " component" : ""}${c.priority === "urgent" ? " urgent" : ""}" style="--c: var(--st-${c.state})"></div>`,
      iconSize: [16, 16],
    });
  }

  return {
    map,
    setCells(fc) {
      cells.clearLayers();
      cells.addData(fc);
      streetLabels.clearLayers();
      const streets = new Map();
      for (const f of fc.features) {
        const b = L.geoJSON(f).getBounds();
        const s = streets.get(f.properties.streetCode) || { name: f.properties.streetName, bounds: L.latLngBounds(b.getSouthWest(), b.getNorthEast()) };
        s.bounds.extend(b);
        streets.set(f.properties.streetCode, s);
      }
      for (const s of streets.values()) {
        L.tooltip({ permanent: true, direction: "center", className: "cc-street-label", interactive: false })
          .setLatLng(s.bounds.getCenter()).setContent(textBlock(s.name)).addTo(streetLabels);
      }
      if (!fitted && fc.features.length) {
        map.fitBounds(cells.getBounds(), { padding: [20, 20] });
        fitted = true;
      }
    },
    upsertCase(c, label) {
      let m = caseMarkers.get(c.id);
      if (!m) {
        m = L.marker([c.lat, c.lon], { icon: caseIcon(c), keyboard: true, title: label });
        m.on("click", () => onCaseClick(c.id));
        caseMarkers.set(c.id, m);
        cluster.addLayer(m);
      } else {
        m.setLatLng([c.lat, c.lon]);
        m.setIcon(caseIcon(c));
        m.options.title = label;
      }
    },
    removeCase(id) {
      const m = caseMarkers.get(id);
      if (m) { cluster.removeLayer(m); caseMarkers.delete(id); }
    },
    clearCases() { cluster.clearLayers(); caseMarkers.clear(); },
    focusCase(c) {
      // Only when the case is off screen, and without animation: the wall screen should not drift.
      if (!map.getBounds().pad(-0.1).contains([c.lat, c.lon])) map.setView([c.lat, c.lon], map.getZoom(), { animate: false });
    },
    upsertStaff(p) {
      const label = `${texts["Command.Staff"]}: ${p.displayName} · ${new Date(p.at).toLocaleTimeString()}`;
      let m = staffMarkers.get(p.personId);
      if (!m) {
        m = L.marker([p.lat, p.lon], { icon: L.divIcon({ className: "", html: '<div class="cc-staff-icon"></div>', iconSize: [12, 12] }), title: label, keyboard: false });
        m.bindTooltip(textBlock(label));
        staffMarkers.set(p.personId, m);
        staff.addLayer(m);
      } else {
        m.setLatLng([p.lat, p.lon]);
        m.setTooltipContent(textBlock(label));
      }
    },
  };
}

/** An element holding each line as text (never parsed as HTML), for tooltips and popups. */
export function textBlock(...lines) {
  const el = document.createElement("span");
  lines.forEach((line, i) => {
    if (i > 0) el.append(document.createElement("br"));
    el.append(document.createTextNode(String(line ?? "")));
  });
  return el;
}

export function fmt(template, ...args) {
  return String(template).replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ""));
}
