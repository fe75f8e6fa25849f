// wangge 网格 — the map page. ES modules, one concept each; MapLibre GL JS draws the map from the
// service's own layers and the OSM roads in /data/roads.geojson (no CDN, no external tiles).

import { applyLang, onLangChange, setLang, currentLang } from "./i18n.js";
import { createMap, data, fitBox, highlight, idle, loadData, map, renderLegend } from "./map.js";
import { clearSelection, locate, lookup, renderCard, selectFeature } from "./lookup.js";
import { search } from "./search.js";
import { readHash, scheduleHash, writeHash } from "./url-state.js";
import { onChange, setStatus, state } from "./state.js";
import { initViews, showView } from "./views.js";
import * as coverage from "./coverage.js";
import * as thematic from "./thematic.js";
import * as plan from "./plan.js";
import { t } from "./i18n.js";
import * as crsChoice from "./crs-choice.js";
import * as geocode from "./geocode.js";
import * as report from "./report.js";
import * as palette from "./palette.js";
import * as phone from "./phone.js";
import * as align from "./align.js";
import * as batch from "./batch.js";

function wireControls() {
  document.getElementById("zoom-in").addEventListener("click", () => map.zoomIn({ animate: false }));
  document.getElementById("zoom-out").addEventListener("click", () => map.zoomOut({ animate: false }));
  document.getElementById("zoom-fit").addEventListener("click", () => fitBox(data.extent, { maxZoom: 16 }));
  document.getElementById("locate").addEventListener("click", () => locate());
  document.getElementById("card-close").addEventListener("click", () => {
    clearSelection();
    map.getCanvas().focus();
  });
  document.getElementById("lang-toggle").addEventListener("click", () => setLang(currentLang() === "zh" ? "en" : "zh"));
  document.getElementById("search").addEventListener("submit", (e) => {
    e.preventDefault();
    if (state.view !== "lookup") showView("lookup");
    search(document.getElementById("search-input").value, document.getElementById("search-crs").value);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !document.getElementById("card").hidden) {
      clearSelection();
      map.getCanvas().focus();
    }
  });
  const canvas = map.getCanvas();
  canvas.setAttribute("aria-label", t("map.label"));
  canvas.id = "map-canvas";
  // MapLibre's keyboard handler pans and zooms; Enter asks which grid holds the centre.
  canvas.addEventListener("keydown", (e) => {
    if ((e.key === "Enter" || e.key === " ") && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      const c = map.getCenter();
      lookup(c.lng, c.lat).catch(() => {});
    }
  });
  map.on("click", (e) => {
    document.getElementById("map-hint").classList.add("gone");
    if (state.view === "plan" && plan.onMapClick(e)) return;
    // The coverage view keeps its panel: a tap shows that community's coverage there, no card.
    if (state.view === "coverage") return void coverage.onMapClick(e);
    if (state.view === "align") return void align.onMapClick(e);
    if (state.view === "thematic" || state.view === "coverage" || state.view === "lookup") {
      lookup(e.lngLat.lng, e.lngLat.lat).catch(() => {});
    }
  });
  map.on("moveend", scheduleHash);
  window.addEventListener("hashchange", () => {
    if (!state.loaded) return;
    const h = readHash();
    if (h.hasView) map.jumpTo({ center: [h.lon, h.lat], zoom: h.z ?? map.getZoom() });
    if (h.grid) selectFeature("grid", h.grid, { fit: !h.hasView });
    else if (h.community) selectFeature("community", h.community, { fit: !h.hasView });
  });
}

async function start() {
  applyLang();
  if (window.matchMedia("(max-width: 640px)").matches) document.getElementById("legend").open = false;
  setStatus(t("status.loading"));
  try {
    await loadData();
  } catch (e) {
    setStatus(t("status.loadFailed", { msg: e.message }), true);
    throw e;
  }
  const h = readHash();
  await createMap(h.hasView ? { center: [h.lon, h.lat], zoom: h.z ?? 14 } : {});
  renderLegend((id, on) => coverage.onToggle(id, on));
  wireControls();
  initViews();
  coverage.init();
  thematic.init();
  plan.init();
  crsChoice.init();
  geocode.init();
  report.init();
  phone.init();
  align.init();
  batch.init();
  onChange(() => writeHash());
  onLangChange(() => {
    map.getCanvas().setAttribute("aria-label", t("map.label"));
    renderLegend((id, on) => coverage.onToggle(id, on));
    if (state.answer) renderCard();
  });
  setStatus("");
  state.loaded = true;
  if (h.view && h.view !== "lookup") await showView(h.view);
  // Fitted after the view opened, so its panel is allowed for.
  if (!h.hasView) fitBox(data.extent, { maxZoom: 16 });
  if (h.grid && !selectFeature("grid", h.grid, { fit: !h.hasView })) setStatus(t("status.notFound", { q: h.grid }), true);
  if (h.community && !selectFeature("community", h.community, { fit: !h.hasView })) setStatus(t("status.notFound", { q: h.community }), true);
  await idle();
  writeHash();
  document.body.dataset.ready = "1";
}

const ready = start();
ready.catch((e) => console.error(e));

/** Hooks for tests and for people poking at the page from the console. */
window.wangge = {
  ready,
  state,
  data,
  get map() {
    return map;
  },
  /** Looks up a WGS 84 point as a click would; resolves to the API's answer. */
  lookup: (lon, lat, crs = "wgs84") => lookup(lon, lat, crs),
  search,
  setLang,
  showView,
  /** Jumps to a view and resolves when the map has drawn it. */
  async setView(lon, lat, z) {
    map.jumpTo({ center: [lon, lat], zoom: z ?? map.getZoom() });
    await idle();
  },
  /** Resolves when the map has finished drawing (MapLibre's `idle`). */
  idle,
  /** Features drawn on screen in the given style layers (MapLibre's queryRenderedFeatures). */
  rendered(layers, geometry) {
    const fs = geometry ? map.queryRenderedFeatures(geometry, { layers }) : map.queryRenderedFeatures({ layers });
    return fs.map((f) => ({ layer: f.layer.id, source: f.source, sourceLayer: f.sourceLayer, properties: f.properties, id: f.id }));
  },
  /** Client (page) coordinates of a WGS 84 point in the current view. */
  toScreen(lon, lat) {
    const p = map.project([lon, lat]);
    const r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  },
  /** WGS 84 point under client (page) coordinates. */
  toLonLat(clientX, clientY) {
    const r = map.getContainer().getBoundingClientRect();
    const ll = map.unproject([clientX - r.left, clientY - r.top]);
    return { lon: ll.lng, lat: ll.lat };
  },
  selected: () => (state.selected ? { ...state.selected } : null),
  highlight,
  coverage,
  thematic,
  plan,
  geocode,
  report,
  palette,
  phone,
  align,
  batch,
};
