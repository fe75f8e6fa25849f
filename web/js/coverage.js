// The coverage view (服务覆盖): walking service areas of a facility kind within 5/10/15 minutes,
// the straight-line circles beside them, the gaps, a per-community table of covered households,
// a choropleth of the coverage rate and suggested new sites with their gains — all from
// /api/v1/coverage, /coverage/stats and /coverage/suggest.

import { fetchJSON } from "./api.js";
import { currentLang, numberText, onLangChange, t } from "./i18n.js";
import { data, map, setVisible, visible } from "./map.js";
import { featureTarget, setGeoJSON } from "./sources.js";
import { selectFeature } from "./lookup.js";
import { changed, el, fill, setStatus, state } from "./state.js";
import { keepInUrl, readHash } from "./url-state.js";
import { registerView, showView } from "./views.js";

const panel = document.querySelector("#panel-coverage .panel-body");
const COV_LAYERS = ["cov-choropleth", "cov-circle-fill", "cov-gap-fill", "cov-gap-line", "cov-circle-line", "cov-straight-line", "cov-suggest", "cov-suggest-label"];
/** Coverage-rate classes of the choropleth (covered households %). */
export const RATE_CLASSES = [
  { min: 0, color: "#d73027" },
  { min: 50, color: "#fc8d59" },
  { min: 80, color: "#fee08b" },
  { min: 95, color: "#91cf60" },
  { min: 100, color: "#1a9850" },
];

const settings = { kind: null, minutes: 15, straight: false, choropleth: true };
/** The last answers, for tests and the table: { coverage, circles, stats, suggest }. */
export const last = { coverage: null, straight: null, stats: null, suggest: null };
let layersAdded = false;
let seq = 0;

function kinds() {
  const ks = [...new Set(data.features.service_centre.map((f) => f.properties.facility).filter(Boolean))];
  return ks.length ? ks : ["党群服务中心"];
}

function addLayers() {
  if (layersAdded) return;
  layersAdded = true;
  for (const id of ["cov-circles", "cov-gaps", "cov-straight", "cov-suggest"]) setGeoJSON(map, id, []);
  const before = "slot-coverage";
  const rate = ["feature-state", "rate"];
  const step = ["step", rate, RATE_CLASSES[0].color, ...RATE_CLASSES.slice(1).flatMap((c) => [c.min, c.color])];
  map.addLayer({
    id: "cov-choropleth", type: "fill", ...featureTarget("community"),
    paint: { "fill-color": ["case", ["==", rate, null], "rgba(0,0,0,0)", step], "fill-opacity": 0.4 },
  }, before);
  map.addLayer({ id: "cov-circle-fill", type: "fill", source: "cov-circles", paint: { "fill-color": "#16a34a", "fill-opacity": 0.1 } }, before);
  map.addLayer({ id: "cov-gap-fill", type: "fill", source: "cov-gaps", paint: { "fill-color": "#dc2626", "fill-opacity": 0.3 } }, before);
  map.addLayer({ id: "cov-gap-line", type: "line", source: "cov-gaps", paint: { "line-color": "#b91c1c", "line-width": 1 } }, before);
  map.addLayer({ id: "cov-circle-line", type: "line", source: "cov-circles", paint: { "line-color": "#15803d", "line-width": 1.5 } }, before);
  map.addLayer({
    id: "cov-straight-line", type: "line", source: "cov-straight",
    paint: { "line-color": "#6d28d9", "line-width": 1.5, "line-dasharray": [3, 2] },
  }, before);
  map.addLayer({
    id: "cov-suggest", type: "circle", source: "cov-suggest",
    paint: { "circle-color": "#7c3aed", "circle-radius": 9, "circle-stroke-color": "#fff", "circle-stroke-width": 2 },
  });
  map.addLayer({
    id: "cov-suggest-label", type: "symbol", source: "cov-suggest",
    layout: { "text-field": ["to-string", ["get", "rank"]], "text-font": ["sans-serif"], "text-size": 12, "text-allow-overlap": true },
    paint: { "text-color": "#fff" },
  });
}

function applyVisibility(inView) {
  const on = (id, yes) => map.getLayer(id) && map.setLayoutProperty(id, "visibility", yes ? "visible" : "none");
  on("cov-circle-fill", inView && visible.circles);
  on("cov-circle-line", inView && visible.circles);
  on("cov-gap-fill", inView && visible.gaps);
  on("cov-gap-line", inView && visible.gaps);
  on("cov-straight-line", inView && visible.straight);
  on("cov-choropleth", inView && settings.choropleth);
  on("cov-suggest", inView);
  on("cov-suggest-label", inView);
}

function query(mode) {
  return new URLSearchParams({ kind: settings.kind, minutes: String(settings.minutes), mode, lang: currentLang() });
}

/** Fetches and draws the coverage for the current settings; resolves when the table is filled. */
export async function load() {
  addLayers();
  const my = ++seq;
  panel.setAttribute("aria-busy", "true");
  setStatus(t("cov.loading"));
  try {
    const [coverage, stats, straight] = await Promise.all([
      fetchJSON(`/api/v1/coverage?${query("network")}`),
      fetchJSON(`/api/v1/coverage/stats?level=community&${query("network")}`),
      visible.straight ? fetchJSON(`/api/v1/coverage?${query("circle")}`) : Promise.resolve(null),
    ]);
    if (my !== seq) return;
    last.coverage = coverage;
    last.stats = stats;
    last.straight = straight;
    const layerOf = (f) => f.properties.layer;
    setGeoJSON(map, "cov-circles", coverage.features.filter((f) => layerOf(f) === "coverage_circle"));
    setGeoJSON(map, "cov-gaps", coverage.features.filter((f) => layerOf(f) === "coverage_gap"));
    setGeoJSON(map, "cov-straight", straight ? straight.features.filter((f) => layerOf(f) === "coverage_circle") : []);
    for (const row of stats.stats) {
      map.setFeatureState({ ...featureTarget("community"), id: row.code }, { rate: row.covered_households_pct });
    }
    last.suggest = null;
    setGeoJSON(map, "cov-suggest", []);
    setStatus("");
    render();
  } catch (e) {
    if (my === seq) setStatus(e.message, true);
  } finally {
    if (my === seq) panel.removeAttribute("aria-busy");
  }
}

/** Asks for `k` suggested sites and shows them with their gains. */
export async function suggest(k = 3) {
  const body = { k, minutes: settings.minutes, kind: settings.kind, candidates: "buildings" };
  const r = await fetchJSON(`/api/v1/coverage/suggest?lang=${currentLang()}`, { body });
  last.suggest = r;
  setGeoJSON(map, "cov-suggest", r.picks.map((p) => ({
    type: "Feature",
    properties: { rank: p.rank, name: p.name, gain: p.gain_households },
    geometry: { type: "Point", coordinates: [p.lon, p.lat] },
  })));
  render();
  return r;
}

function seg(name, options, current, onPick) {
  return el("div", { class: "seg", role: "group", "aria-label": name },
    options.map(([value, label]) => el("button", {
      type: "button",
      "aria-pressed": String(value === current),
      "data-value": String(value),
      onclick: () => onPick(value),
    }, label)));
}

function render() {
  const s = last.coverage?.stats;
  const kindSelect = el("select", { id: "cov-kind", onchange: (e) => { settings.kind = e.target.value; changed(); load(); } },
    kinds().map((k) => el("option", { value: k, selected: k === settings.kind }, k)));
  const straight = el("input", {
    type: "checkbox", id: "cov-straight", checked: visible.straight,
    onchange: (e) => { setVisible("straight", e.target.checked); syncLegend(); changed(); load(); },
  });
  const choro = el("input", {
    type: "checkbox", id: "cov-choro", checked: settings.choropleth,
    onchange: (e) => { settings.choropleth = e.target.checked; applyVisibility(true); changed(); },
  });
  const rows = (last.stats?.stats ?? []).map((r) => el("tr", { "data-code": r.code },
    el("td", {}, el("button", { type: "button", class: "linklike", onclick: () => { showView("lookup").then(() => selectFeature("community", r.code)); } }, r.name || r.code)),
    el("td", { "data-col": "households" }, numberText(r.households)),
    el("td", { "data-col": "covered" }, numberText(r.covered_households)),
    el("td", { "data-col": "pct" }, `${numberText(r.covered_households_pct, 1)}%`)));
  const total = last.stats?.total;
  const table = el("table", { class: "stats", id: "cov-table" },
    el("caption", { class: "visually-hidden" }, t("cov.table")),
    el("thead", {}, el("tr", {}, ["cov.colName", "cov.colHouseholds", "cov.colCovered", "cov.colPct"].map((k) => el("th", { scope: "col" }, t(k))))),
    el("tbody", {}, rows),
    total ? el("tfoot", {}, el("tr", { "data-code": "total" },
      el("td", {}, t("cov.total")),
      el("td", { "data-col": "households" }, numberText(total.households)),
      el("td", { "data-col": "covered" }, numberText(total.covered_households)),
      el("td", { "data-col": "pct" }, `${numberText(total.covered_households_pct, 1)}%`))) : null);
  const gaps = last.coverage ? last.coverage.features.filter((f) => f.properties.layer === "coverage_gap").length : 0;
  const picks = last.suggest
    ? el("div", { id: "cov-picks" },
      el("ol", { class: "picks" }, last.suggest.picks.map((p) => el("li", { "data-gain": String(p.gain_households) },
        t("cov.pick", { rank: p.rank, name: p.name || p.code, gain: numberText(p.gain_households), b: p.gain_buildings })))),
      el("p", { class: "muted" }, t("cov.after", { after: numberText(last.suggest.covered_after), households: numberText(last.suggest.households) })))
    : null;
  fill(panel, 
    el("h2", { id: "coverage-title" }, t("cov.title")),
    el("div", { class: "row" }, el("label", { for: "cov-kind" }, t("cov.kind")), kindSelect),
    el("div", { class: "row" }, el("span", {}, t("cov.minutes")),
      seg(t("cov.minutes"), [5, 10, 15].map((m) => [m, t("cov.min", { n: m })]), settings.minutes, (m) => { settings.minutes = m; changed(); load(); })),
    el("div", { class: "row" }, el("label", {}, straight, t("cov.showStraight"))),
    el("div", { class: "row" }, el("label", {}, choro, t("layer.choropleth"))),
    el("ul", { class: "classes", id: "cov-rate-legend" }, RATE_CLASSES.map((c, i) => el("li", {},
      el("i", { style: `background:${c.color}` }),
      i + 1 < RATE_CLASSES.length ? `${c.min}–${RATE_CLASSES[i + 1].min}%` : `${c.min}%`))),
    s ? el("p", { id: "cov-summary" }, t("cov.summary", {
      pct: numberText(s.covered_households_pct, 1), covered: numberText(s.covered_households), households: numberText(s.households),
      uncovered: numberText(s.uncovered_households), gaps,
    })) : null,
    el("h3", {}, t("cov.table")),
    table,
    el("h3", {}, t("cov.suggest")),
    el("button", { type: "button", class: "btn", id: "cov-suggest-go", onclick: () => suggest(3).catch((e) => setStatus(e.message, true)) }, t("cov.suggestGo")),
    picks,
  );
}

function syncLegend() {
  for (const box of document.querySelectorAll("#layer-list [data-layer]")) box.checked = visible[box.dataset.layer];
}

/** A legend switch changed: coverage layers open the coverage view. */
export function onToggle(id, on) {
  if (!["circles", "straight", "gaps"].includes(id)) return;
  if (state.view !== "coverage") {
    if (on) showView("coverage");
    return;
  }
  if (id === "straight" && on && !last.straight) load();
  else applyVisibility(true);
  render();
}

/** Reads the settings from the URL and registers the view. */
export function init() {
  const h = readHash();
  settings.kind = h.get("kind") && kinds().includes(h.get("kind")) ? h.get("kind") : kinds()[0];
  const m = Number(h.get("minutes"));
  if ([5, 10, 15].includes(m)) settings.minutes = m;
  if (h.get("straight") === "1") setVisible("straight", true);
  if (h.get("choropleth") === "0") settings.choropleth = false;
  keepInUrl("kind", () => (state.view === "coverage" ? settings.kind : null));
  keepInUrl("minutes", () => (state.view === "coverage" ? settings.minutes : null));
  keepInUrl("straight", () => (state.view === "coverage" && visible.straight ? "1" : null));
  keepInUrl("choropleth", () => (state.view === "coverage" && !settings.choropleth ? "0" : null));
  registerView("coverage", {
    async enter() {
      addLayers();
      render();
      applyVisibility(true);
      await load();
      applyVisibility(true);
    },
    leave() {
      applyVisibility(false);
    },
  });
  onLangChange(() => {
    if (state.view === "coverage") render();
  });
}
