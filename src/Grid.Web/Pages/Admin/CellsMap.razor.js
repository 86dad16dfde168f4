// The cells page's map: Leaflet with each cell coloured by what an import does to it (added, changed, removed,
// unchanged). .NET (CellsMap.razor) sends the cells as GeoJSON; a click on a cell goes back through the
// DotNetObjectReference. Names from data go into tooltips as text nodes, never as HTML. Each cell's path carries
// data-cell and data-diff (the browser tests find a cell by its code).
import { leaflet, cityMap, textBlock } from "../../js/leaflet-common.js";

const maps = new WeakMap();

function style(f, colours) {
  const diff = f.properties.diff;
  const colour = colours[diff] ?? colours.unchanged;
  return {
    color: colour,
    weight: diff === "unchanged" ? 0.8 : 2,
    dashArray: diff === "removed" ? "4 3" : null,
    fillColor: colour,
    fillOpacity: diff === "unchanged" ? 0.15 : diff === "removed" ? 0.25 : 0.5,
  };
}

export async function create(el, dotnet, texts) {
  await leaflet();
  const map = cityMap(el, { minZoom: 3 });
  const state = { map, dotnet, texts };
  state.cells = L.geoJSON(null, {
    style: (f) => style(f, texts.colours),
    onEachFeature: (f, layer) => {
      layer.bindTooltip(() => textBlock(`${f.properties.name} (${f.properties.code})`, texts.labels[f.properties.diff] ?? ""), { sticky: true });
      layer.on("click", () => dotnet.invokeMethodAsync("CellClicked", f.properties.code));
      layer.on("add", () => {
        const path = layer.getElement();
        if (!path) return;
        path.setAttribute("data-cell", String(f.properties.code));
        path.setAttribute("data-diff", String(f.properties.diff));
      });
    },
  }).addTo(map);
  // The page moves the map between a side column and the top as the window narrows: keep what was fitted in view.
  state.observer = new ResizeObserver(() => {
    map.invalidateSize({ animate: false });
    if (state.bounds) map.fitBounds(state.bounds, { padding: [12, 12], maxZoom: 17, animate: false });
  });
  state.observer.observe(el);
  maps.set(el, state);
}

export function setCells(el, geojson) {
  const s = maps.get(el);
  if (!s) return;
  s.cells.clearLayers();
  const fc = JSON.parse(geojson);
  // Changes on top of the unchanged cells around them.
  const order = { unchanged: 0, removed: 1, changed: 2, added: 3 };
  fc.features.sort((a, b) => (order[a.properties.diff] ?? 0) - (order[b.properties.diff] ?? 0));
  s.cells.addData(fc);
  const changed = L.latLngBounds([]);
  s.cells.eachLayer((layer) => { if (layer.feature.properties.diff !== "unchanged") changed.extend(layer.getBounds()); });
  const bounds = changed.isValid() ? changed : s.cells.getBounds();
  s.bounds = bounds.isValid() ? bounds : null;
  if (s.bounds) s.map.fitBounds(s.bounds, { padding: [12, 12], maxZoom: 17, animate: false });
}

export function resize(el) {
  maps.get(el)?.map.invalidateSize({ animate: false });
}

export function dispose(el) {
  const s = maps.get(el);
  if (!s) return;
  s.observer.disconnect();
  s.map.remove();
  maps.delete(el);
}
