// The MapLibre map: the base map drawn from the project's own data (district land, OSM roads), the
// governance layers, their labels, the selection highlight and the layer switches.

import * as maplibregl from "maplibre-gl";
import { fetchJSON, fetchLayer } from "./api.js";
import { addLayerSource, from, setGeoJSON } from "./sources.js";
import { labelFeatures } from "./labels.js";
import { t } from "./i18n.js";

export const AREA_LAYERS = ["district", "street", "community", "grid"];
export const SELECT_COLOR = "#1d4ed8";
// Labels use the browser's own fonts (MapLibre ≥ 5.11 draws text locally when the style has no
// `glyphs`), so no glyph server or CDN is needed and Chinese renders with the system CJK font.
const FONT = ["sans-serif"];

/** The page's copy of every layer: `features[layer]` and `byCode[layer]` (code → feature). */
export const data = {
  features: {},
  byCode: {},
  counts: {},
  extent: null, // [minLon, minLat, maxLon, maxLat] of the grids
};

export let map = null;

/** Switchable layers: legend entry → the style layers it shows. */
export const TOGGLES = [
  { id: "district", layers: ["district-line"], on: true },
  { id: "street", layers: ["street-line", "street-label"], on: true },
  { id: "community", layers: ["community-line", "community-label"], on: true },
  { id: "grid", layers: ["grid-fill", "grid-line", "grid-label"], on: true },
  { id: "building", layers: ["building-circle"], on: false },
  { id: "service_centre", layers: ["centre-circle", "centre-label"], on: true },
  { id: "roads", layers: ["road-minor", "road-mid", "road-major"], on: true },
  { id: "circles", layers: ["cov-circle-fill", "cov-circle-line"], on: true, coverage: true },
  { id: "straight", layers: ["cov-straight-line"], on: false, coverage: true },
  { id: "gaps", layers: ["cov-gap-fill", "cov-gap-line"], on: true, coverage: true },
];

export const visible = Object.fromEntries(TOGGLES.map((x) => [x.id, x.on]));

function extentOf(features) {
  const bb = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      bb[0] = Math.min(bb[0], c[0]);
      bb[1] = Math.min(bb[1], c[1]);
      bb[2] = Math.max(bb[2], c[0]);
      bb[3] = Math.max(bb[3], c[1]);
    } else c.forEach(walk);
  };
  for (const f of features) if (f.geometry) walk(f.geometry.coordinates);
  return Number.isFinite(bb[0]) ? bb : null;
}
export { extentOf };

/** Loads the layers the page keeps a copy of. */
export async function loadData() {
  const ids = ["district", "street", "community", "grid", "building", "service_centre"];
  const [list, ...layers] = await Promise.all([fetchJSON("/api/v1/layers"), ...ids.map((id) => fetchLayer(id))]);
  for (const l of list.layers || []) data.counts[l.id] = l.count;
  ids.forEach((id, i) => setLayerFeatures(id, layers[i]));
  data.extent = extentOf(data.features.grid) ?? extentOf(data.features.community) ?? [113.9, 22.4, 114.2, 22.7];
}

/** Replaces the page's copy of a layer (after a publish). */
export function setLayerFeatures(id, features) {
  for (const f of features) {
    f.properties = f.properties || {};
    f.properties.code = String(f.properties.code ?? f.id);
  }
  data.features[id] = features;
  data.byCode[id] = new Map(features.map((f) => [f.properties.code, f]));
}

const roadWidth = (base) => ["interpolate", ["exponential", 1.6], ["zoom"], 12, base * 0.4, 16, base * 2, 19, base * 7];
const MAJOR = ["motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link"];
const MID = ["tertiary", "tertiary_link", "residential", "unclassified", "living_street", "road"];

function style() {
  return {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#e9ecef" } }],
  };
}

/** (Re)computes the label points of the labelled area layers. */
export function refreshLabels() {
  for (const layer of ["street", "community", "grid"]) setGeoJSON(map, `labels-${layer}`, labelFeatures(data.features[layer]));
}

function addLayers() {
  const m = map;
  refreshLabels();
  m.addLayer({ id: "district-land", type: "fill", ...from("district"), paint: { "fill-color": "#f8f8f6" } });
  m.addSource("roads", { type: "geojson", data: "/data/roads.geojson" });
  const hw = ["get", "highway"];
  m.addLayer({
    id: "road-minor", type: "line", source: "roads", minzoom: 14,
    filter: ["!", ["in", hw, ["literal", [...MAJOR, ...MID]]]],
    paint: { "line-color": "#dcdfe3", "line-width": roadWidth(0.6) },
  });
  m.addLayer({
    id: "road-mid", type: "line", source: "roads",
    filter: ["in", hw, ["literal", MID]],
    paint: { "line-color": "#d0d4d9", "line-width": roadWidth(1) },
  });
  m.addLayer({
    id: "road-major", type: "line", source: "roads",
    filter: ["in", hw, ["literal", MAJOR]],
    paint: { "line-color": "#c3c8ce", "line-width": roadWidth(1.6) },
  });
  m.addLayer({
    id: "grid-fill", type: "fill", ...from("grid"),
    paint: {
      "fill-color": ["match", ["get", "kind"], "专属", "rgba(202, 138, 4, 0.13)", "rgba(13, 116, 144, 0.085)"],
      "fill-outline-color": "rgba(0,0,0,0)",
    },
  });
  // Slots the coverage, thematic and plan views put their own layers into.
  m.addLayer({ id: "slot-thematic", type: "background", paint: { "background-opacity": 0 } });
  m.addLayer({ id: "slot-coverage", type: "background", paint: { "background-opacity": 0 } });
  m.addLayer({
    id: "grid-line", type: "line", ...from("grid"),
    paint: { "line-color": "#8db0c0", "line-width": ["interpolate", ["linear"], ["zoom"], 12, 0.4, 16, 1.2] },
  });
  m.addLayer({
    id: "community-line", type: "line", ...from("community"),
    paint: { "line-color": "#52606d", "line-width": ["interpolate", ["linear"], ["zoom"], 12, 0.8, 16, 2] },
  });
  m.addLayer({
    id: "street-line", type: "line", ...from("street"),
    paint: { "line-color": "#3e4c59", "line-width": ["interpolate", ["linear"], ["zoom"], 11, 1.2, 16, 3], "line-dasharray": [4, 2] },
  });
  m.addLayer({
    id: "district-line", type: "line", ...from("district"),
    paint: { "line-color": "#7b8794", "line-width": 2, "line-dasharray": [6, 3] },
  });
  m.addLayer({ id: "slot-plan", type: "background", paint: { "background-opacity": 0 } });
  for (const layer of ["grid", "community"]) {
    m.addLayer({
      id: `${layer}-selected`, type: "line", ...from(layer),
      filter: ["==", ["get", "code"], ""],
      paint: { "line-color": SELECT_COLOR, "line-width": layer === "grid" ? 3.5 : 4 },
    });
  }
  m.addLayer({
    id: "building-circle", type: "circle", ...from("building"), minzoom: 13,
    layout: { visibility: visible.building ? "visible" : "none" },
    paint: {
      "circle-color": "#9aa5b1",
      "circle-radius": ["interpolate", ["linear"], ["zoom"], 13, 1.5, 17, 4],
      "circle-stroke-color": "#fff",
      "circle-stroke-width": 0.5,
    },
  });
  m.addLayer({
    id: "centre-circle", type: "circle", ...from("service_centre"),
    paint: {
      "circle-color": "#c81e1e",
      "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 3, 17, 7],
      "circle-stroke-color": "#fff",
      "circle-stroke-width": 2,
    },
  });
  const halo = { "text-halo-color": "rgba(255,255,255,0.92)", "text-halo-width": 1.6 };
  m.addLayer({
    id: "street-label", type: "symbol", source: "labels-street", maxzoom: 13.5,
    layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 14 },
    paint: { "text-color": "#1f2933", ...halo },
  });
  m.addLayer({
    id: "community-label", type: "symbol", source: "labels-community", minzoom: 13, maxzoom: 15.2,
    layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 13 },
    paint: { "text-color": "#323f4b", ...halo },
  });
  m.addLayer({
    id: "grid-label", type: "symbol", source: "labels-grid", minzoom: 15,
    layout: {
      "text-field": ["step", ["zoom"], ["get", "name"], 16.5, ["concat", ["get", "name"], "\n", ["get", "code"]]],
      "text-font": FONT,
      "text-size": 12,
      "text-max-width": 9,
    },
    paint: { "text-color": "#0b5468", ...halo },
  });
  m.addLayer({
    id: "centre-label", type: "symbol", ...from("service_centre"), minzoom: 15.5,
    layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 11, "text-offset": [0, 1.1], "text-anchor": "top" },
    paint: { "text-color": "#9b1c1c", ...halo },
  });
}

/** Creates the map in #map and resolves once its sources and layers are in place. */
export async function createMap({ center, zoom }) {
  map = new maplibregl.Map({
    container: "map",
    style: style(),
    center: center ?? [(data.extent[0] + data.extent[2]) / 2, (data.extent[1] + data.extent[3]) / 2],
    zoom: zoom ?? 13,
    minZoom: 8,
    maxZoom: 20,
    attributionControl: false, // the page's footer carries the attribution, always visible
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    fadeDuration: 0,
    // Kept so the printed report and the PNG export can copy what is drawn (report.js).
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  await new Promise((resolve) => map.once("load", resolve));
  for (const id of ["district", "street", "community", "grid", "building", "service_centre"]) {
    addLayerSource(map, id, data.features[id]);
  }
  addLayers();
  for (const tg of TOGGLES) if (!tg.coverage) setVisible(tg.id, visible[tg.id]);
  return map;
}

/** Shows or hides a legend entry's style layers. */
export function setVisible(id, on) {
  visible[id] = on;
  const tg = TOGGLES.find((x) => x.id === id);
  for (const l of tg?.layers ?? []) if (map?.getLayer(l)) map.setLayoutProperty(l, "visibility", on ? "visible" : "none");
}

/** Draws the legend's switches; `onToggle(id, on)` runs after each change. */
export function renderLegend(onToggle) {
  const list = document.getElementById("layer-list");
  const rows = TOGGLES.map((tg) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.dataset.layer = tg.id;
    box.checked = visible[tg.id];
    box.addEventListener("change", () => {
      setVisible(tg.id, box.checked);
      onToggle?.(tg.id, box.checked);
    });
    const sw = document.createElement("i");
    sw.className = `sw sw-${tg.id}`;
    const text = document.createElement("span");
    text.textContent = t(`layer.${tg.id}`);
    label.append(box, sw, text);
    return label;
  });
  const legend = list.querySelector("legend");
  list.replaceChildren(legend, ...rows);
}

/** Highlights a grid or community (or nothing). */
export function highlight(sel) {
  for (const layer of ["grid", "community"]) {
    map.setFilter(`${layer}-selected`, ["==", ["get", "code"], sel?.layer === layer ? sel.code : ""]);
  }
}

/** Fits the view to a [minLon, minLat, maxLon, maxLat] box, leaving room for the card or panel. */
export function fitBox(bb, { maxZoom = 17.5, animate = false } = {}) {
  map.fitBounds([[bb[0], bb[1]], [bb[2], bb[3]]], { padding: framePadding(), maxZoom, animate });
}

/** Padding so that fitted content is not under the card or a panel. */
export function framePadding() {
  const wrap = document.getElementById("map-wrap").getBoundingClientRect();
  const pad = { top: 40, bottom: 40, left: 40, right: 60 };
  for (const e of document.querySelectorAll("#card:not([hidden]), .panel:not([hidden])")) {
    const r = e.getBoundingClientRect();
    if (wrap.width <= 640) pad.bottom = Math.max(pad.bottom, wrap.bottom - r.top + 16);
    else pad.left = Math.max(pad.left, r.right - wrap.left + 24);
  }
  if (pad.top + pad.bottom > wrap.height - 60) pad.bottom = Math.max(20, wrap.height - 60 - pad.top);
  return pad;
}

/** Waits until the map has drawn everything it has (its `idle` event). */
export function idle() {
  return new Promise((resolve) => {
    if (map.loaded() && !map.isMoving() && map.areTilesLoaded()) {
      map.once("idle", resolve);
      map.triggerRepaint();
    } else map.once("idle", resolve);
  });
}
