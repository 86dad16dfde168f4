// The command center's map: Leaflet with the grid cells coloured by load, clustered case markers and staff
// positions. .NET (CityMap.razor) sends values; clicks and hovers go back through the DotNetObjectReference.
// Every text from data goes in as text nodes or attributes, never as HTML. Without a tile URL nothing is
// fetched from outside the server: the cells and street names are the map.
import { leaflet, cityMap, textBlock, fmt } from "../../js/leaflet-common.js";

const loadClass = (n) => (n <= 0 ? 0 : n <= 2 ? 1 : n <= 5 ? 2 : 3);
const loadFill = ["#f7fbff", "#c6dbef", "#fdae6b", "#e6550d"];
const maps = new WeakMap();

function caseIcon(c) {
  // Colour by state (a class from a fixed list); square for components (部件), round for events; urgent ringed.
  const div = document.createElement("div");
  div.className = `cc-case-icon st-${c.state}${c.component ? " component" : ""}${c.urgent ? " urgent" : ""}`;
  div.style.setProperty("--c", `var(--st-${c.state})`);
  return L.divIcon({ className: "", html: div, iconSize: [16, 16] });
}

// .NET sends its values as JSON text (see CityMap.razor: a circuit's own serializer would describe each type again).
export async function create(el, dotnet, optionsJson) {
  const options = JSON.parse(optionsJson);
  await leaflet({ cluster: true });
  const map = cityMap(el, { attributionControl: !!options.tileUrl });
  if (options.tileUrl) L.tileLayer(options.tileUrl, { attribution: options.attribution || "", maxZoom: 19 }).addTo(map);
  const state = {
    map, dotnet, texts: options.texts, loads: new Map(), fitted: false,
    cells: L.geoJSON(null, {
      style: (f) => cellStyle(state, f.properties.code),
      onEachFeature: (f, layer) => {
        layer.bindTooltip(() => {
          const load = state.loads.get(f.properties.code) || { open: f.properties.openCases, overdue: f.properties.overdueCases };
          return textBlock(`${f.properties.name} (${f.properties.code})`, fmt(state.texts.cellOpen, load.open, load.overdue));
        }, { sticky: true });
        layer.on("click", () => dotnet.invokeMethodAsync("CellClicked", f.properties.code));
      },
    }).addTo(map),
    streets: L.layerGroup().addTo(map),
    cluster: L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false, chunkedLoading: true }).addTo(map),
    staff: L.layerGroup().addTo(map),
    cases: new Map(),
    people: new Map(),
  };
  // The hotline picks a point: a click anywhere (a cell included) goes back to .NET.
  if (options.pickPoint) map.on("click", (e) => dotnet.invokeMethodAsync("MapClicked", e.latlng.lat, e.latlng.lng));
  maps.set(el, state);
}

/** The point being reported: a ringed pin, brought into view when it is off screen. */
export function setPin(el, lat, lon) {
  const s = maps.get(el);
  if (!s) return;
  if (s.pin) s.pin.setLatLng([lat, lon]);
  else s.pin = L.circleMarker([lat, lon], { radius: 9, color: "#b42318", weight: 3 }).addTo(s.map);
  if (!s.map.getBounds().contains([lat, lon])) s.map.setView([lat, lon], Math.max(s.map.getZoom(), 16), { animate: false });
}

function cellStyle(state, code) {
  const load = state.loads.get(code) || { open: 0, overdue: 0 };
  return {
    color: load.overdue > 0 ? "#d7191c" : "#5b6b7c",
    weight: load.overdue > 0 ? 3 : 0.7,
    fillColor: loadFill[loadClass(load.open)],
    fillOpacity: 0.75,
  };
}

/** Reads the cells from the API with the page's own sign-in and draws them; false when three tries failed. */
export async function loadCells(el, url) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
      if (response.ok) {
        if (!maps.has(el)) return false;
        setCells(el, await response.text());
        return true;
      }
      console.warn(`GET ${url}: ${response.status}`);
    } catch (e) {
      console.warn(`GET ${url}: ${e}`);
    }
    await new Promise(resolve => setTimeout(resolve, 500 * attempt));
  }
  return false;
}

function setCells(el, geojson) {
  const s = maps.get(el);
  if (!s) return;
  const fc = JSON.parse(geojson);
  for (const f of fc.features) s.loads.set(f.properties.code, { open: f.properties.openCases, overdue: f.properties.overdueCases });
  s.cells.clearLayers();
  s.cells.addData(fc);
  s.streets.clearLayers();
  const streets = new Map();
  for (const f of fc.features) {
    const b = L.geoJSON(f).getBounds();
    const st = streets.get(f.properties.streetCode) || { name: f.properties.streetName, bounds: L.latLngBounds(b.getSouthWest(), b.getNorthEast()) };
    st.bounds.extend(b);
    streets.set(f.properties.streetCode, st);
  }
  for (const st of streets.values()) {
    L.tooltip({ permanent: true, direction: "center", className: "cc-street-label", interactive: false })
      .setLatLng(st.bounds.getCenter()).setContent(textBlock(st.name)).addTo(s.streets);
  }
  if (!s.fitted && fc.features.length) {
    s.map.fitBounds(s.cells.getBounds(), { padding: [20, 20] });
    s.fitted = true;
  }
}

/** Open and overdue counts per cell: only the colours change, and only of the cells whose counts did (a live page
 * gets the counts of every cell a few times a second, and restyling every polygon each time was work for nothing). */
export function setLoads(el, loadsJson) {
  const s = maps.get(el);
  if (!s) return;
  const changed = new Set();
  for (const l of JSON.parse(loadsJson)) {
    const was = s.loads.get(l.code);
    if (was && was.open === l.open && was.overdue === l.overdue) continue;
    s.loads.set(l.code, { open: l.open, overdue: l.overdue });
    changed.add(l.code);
  }
  if (changed.size === 0) return;
  s.cells.eachLayer((layer) => {
    const code = layer.feature.properties.code;
    if (changed.has(code)) layer.setStyle(cellStyle(s, code));
  });
}

function marker(s, c) {
  const m = L.marker([c.lat, c.lon], { icon: caseIcon(c), keyboard: true, title: c.label });
  m.on("click", () => s.dotnet.invokeMethodAsync("CaseClicked", c.id));
  m.on("mouseover", () => s.dotnet.invokeMethodAsync("CaseHovered", c.id));
  m.on("mouseout", () => s.dotnet.invokeMethodAsync("CaseHovered", null));
  return m;
}

export function addCases(el, casesJson) {
  const s = maps.get(el);
  if (!s) return;
  const added = [];
  for (const c of JSON.parse(casesJson)) {
    if (s.cases.has(c.id)) continue;
    const m = marker(s, c);
    s.cases.set(c.id, m);
    added.push(m);
  }
  s.cluster.addLayers(added);
}

/** Cases already on the map that moved or changed state: new place, icon and title. */
export function updateCases(el, casesJson) {
  const s = maps.get(el);
  if (!s) return;
  // A marker's title is set once by Leaflet: replace the marker so its title and icon follow the case. All at once:
  // the cluster group regroups once for a batch (removeLayers/addLayers) and once per marker otherwise, and a live
  // page gets a batch a few times a second.
  const old = [], fresh = [];
  for (const c of JSON.parse(casesJson)) {
    const m = s.cases.get(c.id);
    if (!m) continue;
    old.push(m);
    const replaced = marker(s, c);
    s.cases.set(c.id, replaced);
    fresh.push(replaced);
  }
  s.cluster.removeLayers(old);
  s.cluster.addLayers(fresh);
}

export function removeCases(el, idsJson) {
  const s = maps.get(el);
  if (!s) return;
  const gone = [];
  for (const id of JSON.parse(idsJson)) {
    const m = s.cases.get(id);
    if (m) { gone.push(m); s.cases.delete(id); }
  }
  s.cluster.removeLayers(gone);
}

export function focusCase(el, lat, lon) {
  const s = maps.get(el);
  // Only when the case is off screen, and without animation: a wall screen should not drift.
  if (s && !s.map.getBounds().pad(-0.1).contains([lat, lon])) s.map.setView([lat, lon], s.map.getZoom(), { animate: false });
}

export function upsertStaff(el, peopleJson) {
  const s = maps.get(el);
  if (!s) return;
  for (const p of JSON.parse(peopleJson)) {
    const label = `${s.texts.staff}: ${p.displayName} · ${new Date(p.at).toLocaleTimeString()}`;
    let m = s.people.get(p.personId);
    if (!m) {
      m = L.marker([p.lat, p.lon], { icon: L.divIcon({ className: "", html: '<div class="cc-staff-icon"></div>', iconSize: [12, 12] }), title: label, keyboard: false });
      m.bindTooltip(textBlock(label));
      s.people.set(p.personId, m);
      s.staff.addLayer(m);
    } else {
      m.setLatLng([p.lat, p.lon]);
      m.setTooltipContent(textBlock(label));
    }
  }
}

/** The wall screen's list can be collapsed: the map takes the room. */
export function resize(el) {
  maps.get(el)?.map.invalidateSize({ animate: false });
}

export function dispose(el) {
  const s = maps.get(el);
  if (!s) return;
  s.map.remove();
  maps.delete(el);
}

/**
 * While the circuit's connection is down the server cannot update the page: Blazor shows its reconnect
 * dialog (#components-reconnect-modal). The status line says so until the dialog is hidden again; a
 * circuit the server no longer knows makes Blazor reload the page.
 */
export function watchConnection(status, reconnecting) {
  let watched = null;
  const styles = new MutationObserver(() => check());
  const check = () => {
    const dialog = document.getElementById("components-reconnect-modal");
    if (dialog && dialog !== watched) {
      watched = dialog;
      styles.observe(dialog, { attributes: true, attributeFilter: ["style", "class"] });
    }
    const down = !!dialog && dialog.style.display !== "none" && !dialog.classList.contains("components-reconnect-hide");
    // Only on a change: writing the status text is itself a mutation of the page.
    if (down && status.dataset.state !== "reconnecting") {
      status.dataset.state = "reconnecting";
      status.textContent = reconnecting;
    } else if (!down && status.dataset.state === "reconnecting") {
      status.dataset.state = status.dataset.circuit;
      status.textContent = status.dataset.text;
    }
  };
  new MutationObserver(check).observe(document.body, { childList: true });
  check();
}
