// The coverage view (服务覆盖): walking service areas of a facility kind within 5/10/15 minutes,
// the straight-line circles beside them, the gaps, a per-community table of covered households,
// a choropleth of the coverage rate and suggested new sites with their gains — all from
// /api/v1/coverage, /coverage/stats and /coverage/suggest.

import { fetchJSON } from "./api.js";
import { currentLang, numberText, onLangChange, t } from "./i18n.js";
import { data, map, setVisible, visible } from "./map.js";
import { featureTarget, setGeoJSON } from "./sources.js";
import { changed, el, fill, setStatus, state } from "./state.js";
import { keepInUrl, readHash } from "./url-state.js";
import { registerView, showView } from "./views.js";
import { COVERAGE_COLORS, RATE_CLASSES } from "./palette.js";
import { addStrings } from "./i18n.js";
import { highlight } from "./map.js";
import { downloadTable } from "./table-export.js";
import * as report from "./report.js";

export { RATE_CLASSES };

const panel = document.querySelector("#panel-coverage .panel-body");

addStrings({
  zh: {
    "cov.gapsSummary": "有住户的缺口 {gaps} 处（未覆盖 {households} 户）；另有 {empty} 处无住户（公园、道路等），不计入。",
    "cov.showEmptyGaps": "显示无住户的缺口",
    "cov.excess": "直线服务圈比步行服务圈多算 {km2} 平方公里、{households} 户（{b} 栋）：这些住户直线距离够近，但步行走不到。",
    "cov.sortBy": "按{col}排序",
    "cov.csv": "CSV",
    "cov.xlsx": "Excel",
    "cov.download": "下载",
    "cov.pickName": "第 {rank} 个",
    "cov.pickAt": "{community} · 最近门牌 {address}（{dist}）",
    "cov.pickGain": "新增覆盖 {gain} 户（{b} 栋）",
    "cov.pickPreview": "在地图上查看步行范围",
    "cov.level": "统计层级",
    "cov.uncovered": "未覆盖楼栋",
    "cov.colBuilding": "楼栋",
    "cov.colCommunity": "社区",
    "cov.colRank": "序号",
    "cov.colAddress": "地址",
    "cov.colGain": "新增覆盖户数",
    "cov.colGainB": "新增覆盖楼栋",
    "cov.inCommunity": "{name}：覆盖率 {pct}%（{covered} / {households} 户）",
  },
  en: {
    "cov.gapsSummary": "{gaps} gaps with households ({households} households not covered); {empty} more with no households (parks, roads…) are not counted.",
    "cov.showEmptyGaps": "Show gaps with no households",
    "cov.excess": "Straight-line circles count {km2} km² and {households} households ({b} buildings) more than walking: close as the crow flies, out of reach on foot.",
    "cov.sortBy": "Sort by {col}",
    "cov.csv": "CSV",
    "cov.xlsx": "Excel",
    "cov.download": "Download",
    "cov.pickName": "#{rank}",
    "cov.pickAt": "{community} · nearest door {address} ({dist})",
    "cov.pickGain": "+{gain} households ({b} buildings)",
    "cov.pickPreview": "Show its walking area",
    "cov.level": "Level",
    "cov.uncovered": "Buildings not covered",
    "cov.colBuilding": "Building",
    "cov.colCommunity": "Community",
    "cov.colRank": "Rank",
    "cov.colAddress": "Address",
    "cov.colGain": "Households added",
    "cov.colGainB": "Buildings added",
    "cov.inCommunity": "{name}: {pct}% covered ({covered} / {households} households)",
  },
});
const settings = { kind: null, minutes: 15, straight: false, choropleth: true, emptyGaps: false };
/** The table's order: column and direction; worst coverage first until someone sorts. */
export const sort = { col: "pct", dir: 1 };
/** The pick whose walking area is previewed (rank), or 0. */
let preview = 0;
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
  map.addLayer({ id: "cov-circle-fill", type: "fill", source: "cov-circles", paint: { "fill-color": COVERAGE_COLORS.circle, "fill-opacity": 0.08 } }, before);
  // Gaps: a dark hatch, heavier where more households are left out, so it reads over any class colour.
  map.addImage("cov-hatch", hatch(COVERAGE_COLORS.gap), { pixelRatio: 2 });
  map.addLayer({
    id: "cov-gap-fill", type: "fill", source: "cov-gaps",
    paint: {
      "fill-pattern": "cov-hatch",
      "fill-opacity": ["interpolate", ["linear"], ["get", "uncovered_households"], 0, 0.2, 50, 0.5, 300, 0.85],
    },
  }, before);
  map.addLayer({ id: "cov-gap-line", type: "line", source: "cov-gaps", paint: { "line-color": COVERAGE_COLORS.gap, "line-width": 1 } }, before);
  map.addLayer({ id: "cov-circle-line", type: "line", source: "cov-circles", paint: { "line-color": COVERAGE_COLORS.circle, "line-width": 1.8 } }, before);
  map.addLayer({
    id: "cov-straight-line", type: "line", source: "cov-straight",
    paint: { "line-color": COVERAGE_COLORS.straight, "line-width": 1.8, "line-dasharray": [3, 2] },
  }, before);
  setGeoJSON(map, "cov-preview", []);
  map.addLayer({ id: "cov-preview-fill", type: "fill", source: "cov-preview", paint: { "fill-color": COVERAGE_COLORS.suggest, "fill-opacity": 0.22 } });
  map.addLayer({ id: "cov-preview-line", type: "line", source: "cov-preview", paint: { "line-color": COVERAGE_COLORS.suggest, "line-width": 2 } });
  map.addLayer({
    id: "cov-suggest", type: "circle", source: "cov-suggest",
    paint: { "circle-color": COVERAGE_COLORS.suggest, "circle-radius": 10, "circle-stroke-color": "#fff", "circle-stroke-width": 2 },
  });
  map.addLayer({
    id: "cov-suggest-label", type: "symbol", source: "cov-suggest",
    layout: { "text-field": ["to-string", ["get", "rank"]], "text-font": ["sans-serif"], "text-size": 12, "text-allow-overlap": true },
    paint: { "text-color": "#1f2933" },
  });
}

/** An 8×8 diagonal hatch in `color` (device pixels ×2), for the gap fill. */
function hatch(color) {
  const n = 16;
  const px = new Uint8Array(n * n * 4);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const on = (x + y) % 8 < 2;
      px.set(on ? [r, g, b, 255] : [255, 255, 255, 40], (y * n + x) * 4);
    }
  }
  return { width: n, height: n, data: px };
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
  on("cov-preview-fill", inView);
  on("cov-preview-line", inView);
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
    drawGaps();
    setGeoJSON(map, "cov-straight", straight ? straight.features.filter((f) => layerOf(f) === "coverage_circle") : []);
    for (const row of stats.stats) {
      map.setFeatureState({ ...featureTarget("community"), id: row.code }, { rate: row.covered_households_pct });
    }
    setStatus("");
    render();
    // Suggestions were asked for: ask again for the new minutes instead of dropping them.
    if (last.suggest && last.suggest.params?.minutes !== settings.minutes) await suggest(last.suggest.picks.length);
  } catch (e) {
    if (my === seq) setStatus(e.message, true);
  } finally {
    if (my === seq) panel.removeAttribute("aria-busy");
  }
}

/** The gaps drawn: those with households, and the empty ones only when asked for. */
function drawGaps() {
  const gaps = (last.coverage?.features ?? []).filter((f) => f.properties.layer === "coverage_gap");
  setGeoJSON(map, "cov-gaps", settings.emptyGaps ? gaps : gaps.filter((f) => f.properties.uncovered_households > 0));
}

/** Draws the walking area of the pick of `rank` (0: none). */
export function showPreview(rank) {
  preview = rank;
  const p = last.suggest?.picks.find((x) => x.rank === rank);
  setGeoJSON(map, "cov-preview", p?.walk_area ? [{ type: "Feature", properties: { rank }, geometry: p.walk_area }] : []);
  for (const li of document.querySelectorAll("#cov-picks li")) li.setAttribute("aria-current", String(Number(li.dataset.rank) === rank));
}

/** A tap on the map in the coverage view: the community's row, highlighted — the view stays. */
export async function onMapClick(e) {
  const q = new URLSearchParams({ lon: String(e.lngLat.lng), lat: String(e.lngLat.lat), lang: currentLang() });
  try {
    const answer = await fetchJSON(`/api/v1/lookup?${q}`);
    focusCommunity(answer?.community?.code);
  } catch (err) {
    setStatus(err.message, true);
  }
}

/** Highlights a community on the map and in the table, and says its coverage; the view stays. */
export function focusCommunity(code) {
  const row = (last.stats?.stats ?? []).find((r) => r.code === code);
  highlight(code ? { layer: "community", code } : null);
  for (const tr of document.querySelectorAll("#cov-table tbody tr")) tr.classList.toggle("current", tr.dataset.code === code);
  document.querySelector(`#cov-table tbody tr[data-code="${code}"]`)?.scrollIntoView({ block: "nearest" });
  const out = document.getElementById("cov-focus");
  if (out) {
    out.textContent = row ? t("cov.inCommunity", {
      name: row.name || row.code, pct: numberText(row.covered_households_pct, 1),
      covered: numberText(row.covered_households), households: numberText(row.households),
    }) : "";
  }
  state.covFocus = code ?? null;
}

/** Asks for `k` suggested sites and shows them with their gains. */
export async function suggest(k = 3) {
  const body = { k, minutes: settings.minutes, kind: settings.kind, candidates: "buildings" };
  const r = await fetchJSON(`/api/v1/coverage/suggest?lang=${currentLang()}`, { body });
  last.suggest = r;
  showPreview(preview && r.picks.some((p) => p.rank === preview) ? preview : 1);
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
  const cols = [["name", "cov.colName"], ["households", "cov.colHouseholds"], ["covered", "cov.colCovered"], ["pct", "cov.colPct"]];
  const rows = sortedRows().map((r) => el("tr", { "data-code": r.code, class: r.code === state.covFocus ? "current" : null },
    el("td", {}, el("button", { type: "button", class: "linklike", onclick: () => focusCommunity(r.code) }, r.name || r.code)),
    el("td", { "data-col": "households" }, numberText(r.households)),
    el("td", { "data-col": "covered" }, numberText(r.covered_households)),
    el("td", { "data-col": "pct" }, `${numberText(r.covered_households_pct, 1)}%`)));
  const head = cols.map(([col, key]) => el("th", {
    scope: "col", "data-col": col, "aria-sort": sort.col === col ? (sort.dir > 0 ? "ascending" : "descending") : "none",
  }, el("button", {
    type: "button", class: "sort", title: t("cov.sortBy", { col: t(key) }),
    onclick: () => {
      sort.dir = sort.col === col ? -sort.dir : col === "name" ? 1 : col === "pct" ? 1 : -1;
      sort.col = col;
      render();
      document.querySelector(`#cov-table th[data-col="${col}"] button`)?.focus();
    },
  }, t(key), el("span", { class: "sort-mark", "aria-hidden": "true" }, sort.col === col ? (sort.dir > 0 ? " ▲" : " ▼") : ""))));
  const total = last.stats?.total;
  const table = el("table", { class: "stats", id: "cov-table" },
    el("caption", { class: "visually-hidden" }, t("cov.table")),
    el("thead", {}, el("tr", {}, head)),
    el("tbody", {}, rows),
    total ? el("tfoot", {}, el("tr", { "data-code": "total" },
      el("td", {}, t("cov.total")),
      el("td", { "data-col": "households" }, numberText(total.households)),
      el("td", { "data-col": "covered" }, numberText(total.covered_households)),
      el("td", { "data-col": "pct" }, `${numberText(total.covered_households_pct, 1)}%`))) : null);
  const allGaps = last.coverage ? last.coverage.features.filter((f) => f.properties.layer === "coverage_gap") : [];
  const gaps = allGaps.filter((f) => f.properties.uncovered_households > 0);
  const excess = s?.circle_excess;
  const picks = last.suggest
    ? el("div", { id: "cov-picks" },
      el("ol", { class: "picks" }, last.suggest.picks.map((p) => el("li", {
        "data-gain": String(p.gain_households), "data-rank": String(p.rank), "aria-current": String(p.rank === preview),
      },
      el("button", { type: "button", class: "linklike pick-go", title: t("cov.pickPreview"), onclick: () => { showPreview(p.rank); map.jumpTo({ center: [p.lon, p.lat], zoom: Math.max(map.getZoom(), 15) }); } },
        el("strong", {}, t("cov.pickName", { rank: p.rank })), " ",
        t("cov.pickAt", {
          address: shortAddress(p.address?.text) || p.name || p.code, community: p.community?.name ?? "—",
          dist: p.address ? (p.address.distance_m >= 1000 ? t("unit.km", { n: (p.address.distance_m / 1000).toFixed(1) }) : t("unit.m", { n: Math.round(p.address.distance_m) })) : "—",
        })),
      el("span", { class: "muted pick-gain" }, t("cov.pickGain", { gain: numberText(p.gain_households), b: p.gain_buildings }))))),
      el("p", { class: "muted" }, t("cov.after", { after: numberText(last.suggest.covered_after), households: numberText(last.suggest.households) })),
      downloads("cov-dl-picks", () => pickTable()))
    : null;
  const emptyBox = el("input", {
    type: "checkbox", id: "cov-empty-gaps", checked: settings.emptyGaps,
    onchange: (e) => { settings.emptyGaps = e.target.checked; drawGaps(); },
  });
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
      uncovered: numberText(s.uncovered_households), gaps: gaps.length,
    })) : null,
    s ? el("p", { id: "cov-gaps", class: "muted", "data-gaps": String(gaps.length), "data-empty": String(allGaps.length - gaps.length) }, t("cov.gapsSummary", {
      gaps: gaps.length, households: numberText(gaps.reduce((n, f) => n + f.properties.uncovered_households, 0)), empty: allGaps.length - gaps.length,
    })) : null,
    s ? el("div", { class: "row" }, el("label", {}, emptyBox, t("cov.showEmptyGaps"))) : null,
    excess ? el("p", { id: "cov-excess", class: "note info", "data-area-m2": String(excess.area_m2), "data-households": String(excess.households) }, t("cov.excess", {
      km2: numberText(excess.area_m2 / 1e6, 2), households: numberText(excess.households), b: numberText(excess.buildings),
    })) : null,
    el("p", { id: "cov-focus", class: "muted", "aria-live": "polite" }),
    report.buttons(),
    el("h3", {}, t("cov.table")),
    downloads("cov-dl-table", null, "community"),
    el("div", { class: "table-wrap" }, table),
    el("h3", {}, t("cov.uncovered")),
    downloads("cov-dl-buildings", () => uncoveredTable()),
    el("h3", {}, t("cov.suggest")),
    el("button", { type: "button", class: "btn", id: "cov-suggest-go", onclick: () => suggest(3).catch((e) => setStatus(e.message, true)) }, t("cov.suggestGo")),
    picks,
  );
}

/** An address without the province, city and district the whole map shares. */
const shortAddress = (a) => (a ? a.replace(/^.*?[省市]/, "").replace(/^.*?市/, "").replace(/^[^区]{1,6}区/, "") : "");

/** The settings shown (kind, minutes), for titles. */
export const current = () => ({ ...settings });

/** The community rows in the table's order. */
export function sortedRows() {
  const key = { name: (r) => r.name || r.code, households: (r) => r.households, covered: (r) => r.covered_households, pct: (r) => r.covered_households_pct }[sort.col];
  return [...(last.stats?.stats ?? [])].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    const c = typeof x === "string" ? x.localeCompare(y, "zh-CN") : x - y;
    return sort.dir * c || a.code.localeCompare(b.code);
  });
}

/** The API's own download of a level's statistics (`format=csv|xlsx`). */
export function statsUrl(format, level = "community") {
  const q = query("network");
  q.set("level", level);
  q.set("format", format);
  return `/api/v1/coverage/stats?${q}`;
}

/** Every building no centre reaches, with its community and households (from the stats answer). */
export function uncoveredTable() {
  const rows = [];
  for (const r of last.stats?.stats ?? []) {
    for (const b of r.uncovered_buildings ?? []) rows.push([b.code, b.name ?? "", r.name || r.code, b.households, b.lon, b.lat]);
  }
  return {
    name: `uncovered-buildings-${settings.kind}-${settings.minutes}min`,
    header: [t("cov.colBuilding"), "name", t("cov.colCommunity"), t("cov.colHouseholds"), "lon", "lat"],
    rows,
  };
}

/** The suggestions as a table (rank, address, community, gains, position). */
export function pickTable() {
  const cols = ["cov.colRank", "cov.colAddress", "cov.colCommunity", "cov.colGain", "cov.colGainB"].map((k) => t(k));
  return {
    name: `suggested-sites-${settings.kind}-${settings.minutes}min`,
    header: [...cols, "lon", "lat"],
    rows: (last.suggest?.picks ?? []).map((p) => [p.rank, p.address?.text ?? p.name, p.community?.name ?? "", p.gain_households, p.gain_buildings, p.lon, p.lat]),
  };
}

/** CSV and Excel buttons: the API's stats files for `level`, or a table the page builds. */
function downloads(id, table, level) {
  const button = (format) => level
    ? el("a", { class: "btn", href: statsUrl(format, level), download: `coverage-${level}-${settings.minutes}min.${format}`, "data-format": format }, t(`cov.${format}`))
    : el("button", { type: "button", class: "btn", "data-format": format, onclick: () => downloadTable(table(), format) }, t(`cov.${format}`));
  return el("div", { class: "row downloads", id }, el("span", { class: "muted" }, t("cov.download")), button("csv"), button("xlsx"));
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
