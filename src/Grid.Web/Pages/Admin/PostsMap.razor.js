// The posts page's map: Leaflet with every cell coloured by how many of its six posts are vacant, a red outline
// where the grid head is missing. .NET (PostsMap.razor) sends the cells as GeoJSON; a click on a cell goes back
// through the DotNetObjectReference. Names from data go into tooltips as text nodes, never as HTML.
import { leaflet, cityMap, textBlock, fmt } from "../../js/leaflet-common.js";

const fill = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#a50026", "#67001f"];
const maps = new WeakMap();

function style(f, selected) {
  const p = f.properties;
  return {
    color: p.code === selected ? "#0b63c5" : p.noHead ? "#b42318" : "#5b6b7c",
    weight: p.code === selected ? 4 : p.noHead ? 2.5 : 0.7,
    fillColor: fill[Math.max(0, Math.min(6, p.vacant))],
    fillOpacity: 0.7,
  };
}

export async function create(el, dotnet, texts) {
  await leaflet();
  const map = cityMap(el);
  const state = { map, dotnet, texts, selected: null, fitted: false };
  state.cells = L.geoJSON(null, {
    style: (f) => style(f, state.selected),
    onEachFeature: (f, layer) => {
      layer.bindTooltip(() => textBlock(`${f.properties.name} (${f.properties.code})`, fmt(texts.vacant, f.properties.vacant),
        f.properties.noHead ? texts.noHead : null), { sticky: true });
      layer.on("click", () => dotnet.invokeMethodAsync("CellClicked", f.properties.code));
    },
  }).addTo(map);
  maps.set(el, state);
}

export function setCells(el, geojson) {
  const s = maps.get(el);
  if (!s) return;
  s.cells.clearLayers();
  const fc = JSON.parse(geojson);
  s.cells.addData(fc);
  if (!s.fitted && fc.features.length) {
    s.map.fitBounds(s.cells.getBounds(), { padding: [10, 10] });
    s.fitted = true;
  }
}

export function select(el, code) {
  const s = maps.get(el);
  if (!s) return;
  s.selected = code;
  s.cells.setStyle((f) => style(f, code));
  s.cells.eachLayer((layer) => {
    if (layer.feature.properties.code === code && !s.map.getBounds().contains(layer.getBounds())) s.map.fitBounds(layer.getBounds(), { maxZoom: 17 });
  });
}

export function resize(el) {
  maps.get(el)?.map.invalidateSize({ animate: false });
}

export function dispose(el) {
  const s = maps.get(el);
  if (!s) return;
  s.map.remove();
  maps.delete(el);
}
