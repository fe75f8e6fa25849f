// The thematic view (分色定级): grids, communities or streets coloured by a numeric attribute in
// classes (quantiles or equal intervals), with a legend giving each class's range and count.

import { from } from "./sources.js";
import { data, map } from "./map.js";
import { hasString, numberText, onLangChange, t } from "./i18n.js";
import { changed, el, fill, state } from "./state.js";
import { keepInUrl, readHash } from "./url-state.js";
import { registerView } from "./views.js";
import { addStrings } from "./i18n.js";
import { fetchJSON } from "./api.js";
import { downloadTable } from "./table-export.js";
import * as report from "./report.js";

addStrings({
  zh: {
    "them.rule": "按规则（网格 {lo}–{hi} 户）",
    "them.preset": "预设：网格户数 {lo}–{hi} 户规则",
    "them.below": "少于 {lo} 户",
    "them.within": "{lo}–{hi} 户（符合规定）",
    "them.above": "多于 {hi} 户",
    "them.colClass": "分级",
    "them.colFrom": "下限",
    "them.colTo": "上限",
    "them.colCount": "个数",
    "them.download": "下载分级表",
  },
  en: {
    "them.rule": "By the rule (grids of {lo}–{hi} households)",
    "them.preset": "Preset: the {lo}–{hi} households per grid rule",
    "them.below": "Fewer than {lo} households",
    "them.within": "{lo}–{hi} households (within the rule)",
    "them.above": "More than {hi} households",
    "them.colClass": "Class",
    "them.colFrom": "From",
    "them.colTo": "To",
    "them.colCount": "Count",
    "them.download": "Download the classes",
  },
});

/** Colours of the rule's three classes: below (blue), within (pale grey), above (vermillion) — apart in every colour vision. */
export const RULE_COLORS = ["#0072b2", "#e5e7eb", "#d55e00"];
/** Households per grid the server's rules allow (GET /api/v1/rules), inclusive. */
export const rule = { lo: 300, hi: 500 };

const panel = document.querySelector("#panel-thematic .panel-body");
const LAYERS = ["grid", "community", "street"];
// A sequential yellow–orange–red ramp (ColorBrewer YlOrRd), cut to the number of classes.
const RAMP = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"];
const NO_DATA = "#d9dee4";

const settings = { layer: "grid", attr: "households", classes: 5, method: "quantile" };
/** The classes drawn last: [{ from, to, color, count }], for the legend and the tests. */
export let classes = [];

/** Numeric attributes of a layer (present as numbers on at least half of its features). */
export function numericAttributes(layer) {
  const counts = new Map();
  const fs = data.features[layer] ?? [];
  for (const f of fs) {
    for (const [k, v] of Object.entries(f.properties)) {
      if (typeof v === "number" && Number.isFinite(v) && k !== "code") counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return [...counts].filter(([, n]) => n * 2 >= fs.length).map(([k]) => k).sort();
}

/** Class breaks of `values`: `n` classes by quantiles or equal intervals; returns n + 1 bounds. */
export function breaks(values, n, method) {
  const v = [...values].sort((a, b) => a - b);
  if (!v.length) return [];
  const lo = v[0];
  const hi = v[v.length - 1];
  const out = [lo];
  for (let i = 1; i < n; i++) {
    out.push(method === "equal" ? lo + ((hi - lo) * i) / n : v[Math.min(v.length - 1, Math.floor((v.length * i) / n))]);
  }
  out.push(hi);
  // Quantiles of repeated values can coincide; keep the bounds strictly increasing.
  return out.filter((b, i) => i === 0 || b > out[i - 1]);
}

function palette(n) {
  if (n <= 1) return [RAMP[3]];
  return Array.from({ length: n }, (_, i) => RAMP[Math.round((i * (RAMP.length - 1)) / (n - 1))]);
}

/** Recolours the map for the current settings. */
export function draw() {
  const fs = data.features[settings.layer] ?? [];
  const values = fs.map((f) => f.properties[settings.attr]).filter((x) => typeof x === "number" && Number.isFinite(x));
  if (settings.method === "rule" && settings.attr !== "households") settings.method = "quantile"; // the rule counts households
  if (settings.method === "rule") return drawRule(values);
  const b = breaks(values, settings.classes, settings.method);
  const colors = palette(Math.max(1, b.length - 1));
  classes = [];
  for (let i = 0; i + 1 < b.length; i++) {
    const last = i + 2 === b.length;
    const count = values.filter((x) => x >= b[i] && (last ? x <= b[i + 1] : x < b[i + 1])).length;
    classes.push({ from: b[i], to: b[i + 1], color: colors[i], count });
  }
  if (map.getLayer("thematic-fill")) map.removeLayer("thematic-fill");
  if (map.getLayer("thematic-line")) map.removeLayer("thematic-line");
  const value = ["get", settings.attr];
  const color = classes.length
    ? ["case", ["!=", ["typeof", value], "number"], NO_DATA,
      ["step", value, classes[0].color, ...classes.slice(1).flatMap((c) => [c.from, c.color])]]
    : NO_DATA;
  map.addLayer({ id: "thematic-fill", type: "fill", ...from(settings.layer), paint: { "fill-color": color, "fill-opacity": 0.8 } }, "slot-thematic");
  map.addLayer({ id: "thematic-line", type: "line", ...from(settings.layer), paint: { "line-color": "#ffffff", "line-width": 0.6 } }, "slot-thematic");
  render();
}

/** The rule's classes: below, within and above the households bounds. */
function drawRule(values) {
  const { lo, hi } = rule;
  const min = Math.min(...values, lo);
  const max = Math.max(...values, hi);
  classes = [
    { from: min, to: lo, color: RULE_COLORS[0], count: values.filter((x) => x < lo).length, label: t("them.below", { lo }), key: "below" },
    { from: lo, to: hi, color: RULE_COLORS[1], count: values.filter((x) => x >= lo && x <= hi).length, label: t("them.within", { lo, hi }), key: "within" },
    { from: hi, to: max, color: RULE_COLORS[2], count: values.filter((x) => x > hi).length, label: t("them.above", { hi }), key: "above" },
  ];
  for (const id of ["thematic-fill", "thematic-line"]) if (map.getLayer(id)) map.removeLayer(id);
  const value = ["get", settings.attr];
  const color = ["case", ["!=", ["typeof", value], "number"], NO_DATA, ["<", value, lo], RULE_COLORS[0], ["<=", value, hi], RULE_COLORS[1], RULE_COLORS[2]];
  map.addLayer({ id: "thematic-fill", type: "fill", ...from(settings.layer), paint: { "fill-color": color, "fill-opacity": 0.8 } }, "slot-thematic");
  map.addLayer({ id: "thematic-line", type: "line", ...from(settings.layer), paint: { "line-color": "#ffffff", "line-width": 0.6 } }, "slot-thematic");
  render();
}

/** The settings shown (layer, attribute, method), for titles. */
export const current = () => ({ ...settings });

/** The legend's classes as a table, for downloads and the printed report. */
export function classTable() {
  const fmt = (x) => Math.round(x * 10) / 10;
  return {
    name: `classes-${settings.layer}-${settings.attr}-${settings.method}`,
    header: [t("them.colClass"), t("them.colFrom"), t("them.colTo"), t("them.colCount")],
    rows: classes.map((c, i) => [c.label ?? String(i + 1), fmt(c.from), fmt(c.to), c.count]),
  };
}

/** Grids by households, in the rule's three classes. */
export function applyRulePreset() {
  settings.layer = "grid";
  settings.attr = "households";
  settings.method = "rule";
  changed();
  draw();
}

function attrLabel(a) {
  return hasString(`attr.${a}`) ? `${t(`attr.${a}`)} (${a})` : a;
}

function render() {
  const attrs = numericAttributes(settings.layer);
  const fmt = (x) => numberText(Math.round(x * 10) / 10);
  const select = (id, label, options, current, onPick) => el("div", { class: "row" },
    el("label", { for: id }, label),
    el("select", { id, onchange: (e) => onPick(e.target.value) },
      options.map(([v, l]) => el("option", { value: String(v), selected: String(v) === String(current) }, l))));
  fill(panel, 
    el("h2", { id: "thematic-title" }, t("them.title")),
    select("them-layer", t("them.layer"), LAYERS.map((l) => [l, t(`layer.${l}`)]), settings.layer, (v) => {
      settings.layer = v;
      const as = numericAttributes(v);
      if (!as.includes(settings.attr)) settings.attr = as[0] ?? "";
      changed();
      draw();
    }),
    attrs.length
      ? select("them-attr", t("them.attr"), attrs.map((a) => [a, attrLabel(a)]), settings.attr, (v) => { settings.attr = v; changed(); draw(); })
      : el("p", { class: "muted" }, t("them.none")),
    el("div", { class: "row" }, el("button", { type: "button", class: "btn", id: "them-preset-rule", "aria-pressed": String(settings.method === "rule"), onclick: applyRulePreset }, t("them.preset", rule))),
    settings.method === "rule" ? null : select("them-classes", t("them.classes"), [3, 4, 5, 6, 7].map((n) => [n, String(n)]), settings.classes, (v) => { settings.classes = Number(v); changed(); draw(); }),
    select("them-method", t("them.method"), [["quantile", t("them.quantile")], ["equal", t("them.equal")], ["rule", t("them.rule", rule)]], settings.method, (v) => { settings.method = v; changed(); draw(); }),
    el("h3", {}, t("them.legend")),
    el("ul", { class: "classes", id: "them-legend" },
      classes.map((c) => el("li", { "data-from": String(c.from), "data-to": String(c.to), "data-count": String(c.count), "data-class": c.key ?? null },
        el("i", { style: `background:${c.color}` }), c.label ?? `${fmt(c.from)} – ${fmt(c.to)}`, el("span", { class: "muted" }, ` (${c.count})`))),
      el("li", {}, el("i", { style: `background:${NO_DATA}` }), t("them.noData"))),
    el("div", { class: "row downloads", id: "them-dl" }, el("span", { class: "muted" }, t("them.download")),
      ["csv", "xlsx"].map((f) => el("button", { type: "button", class: "btn", "data-format": f, onclick: () => downloadTable(classTable(), f) }, f === "csv" ? "CSV" : "Excel"))),
    report.buttons(),
  );
}

/** Reads the settings from the URL and registers the view. */
export function init() {
  const h = readHash();
  if (LAYERS.includes(h.get("tlayer"))) settings.layer = h.get("tlayer");
  if (h.get("attr")) settings.attr = h.get("attr");
  const n = Number(h.get("classes"));
  if (n >= 3 && n <= 7) settings.classes = n;
  if (h.get("method") === "equal" || h.get("method") === "rule") settings.method = h.get("method");
  // The server's bounds, so the preset classes by the numbers plans are checked against.
  fetchJSON("/api/v1/rules").then((r) => {
    [rule.lo, rule.hi] = r.grid_households;
    if (state.view === "thematic") draw();
  }).catch(() => {});
  keepInUrl("tlayer", () => (state.view === "thematic" ? settings.layer : null));
  keepInUrl("attr", () => (state.view === "thematic" ? settings.attr : null));
  keepInUrl("classes", () => (state.view === "thematic" ? settings.classes : null));
  keepInUrl("method", () => (state.view === "thematic" ? settings.method : null));
  registerView("thematic", {
    enter() {
      if (!numericAttributes(settings.layer).includes(settings.attr)) settings.attr = numericAttributes(settings.layer)[0] ?? "";
      if (settings.method === "rule" && settings.attr !== "households") settings.method = "quantile";
      draw();
    },
    leave() {
      for (const id of ["thematic-fill", "thematic-line"]) if (map.getLayer(id)) map.removeLayer(id);
    },
  });
  onLangChange(() => {
    if (state.view === "thematic") (settings.method === "rule" ? draw : render)();
  });
}
