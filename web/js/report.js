// Reports to hand on: a printable page (title, date, the map as an image, legend, scale bar,
// attribution and the view's table) and a PNG of the current map view. The map canvas keeps its
// drawing buffer (map.js), so it can be copied into an image after MapLibre has drawn it.

import { addStrings, currentLang, numberText, onLangChange, t } from "./i18n.js";
import { idle, map } from "./map.js";
import { el, state } from "./state.js";
import { save } from "./table-export.js";
import * as coverage from "./coverage.js";
import * as thematic from "./thematic.js";
import { COVERAGE_COLORS, RATE_CLASSES } from "./palette.js";

addStrings({
  zh: {
    "rep.print": "打印报告",
    "rep.png": "导出图片",
    "rep.title.lookup": "网格地图",
    "rep.title.coverage": "{kind} {minutes} 分钟步行服务覆盖报告",
    "rep.title.thematic": "专题图：{layer}按{attr}分级",
    "rep.title.plan": "网格规划",
    "rep.date": "制图日期：{date}",
    "rep.legend": "图例",
    "rep.scale": "比例尺",
    "rep.circle": "步行服务圈",
    "rep.straight": "直线服务圈",
    "rep.gap": "覆盖缺口（有住户）",
    "rep.suggest": "建议新站点",
    "rep.grid": "网格边界",
    "rep.rate": "社区覆盖率",
  },
  en: {
    "rep.print": "Print report",
    "rep.png": "Save image",
    "rep.title.lookup": "Grid map",
    "rep.title.coverage": "{kind}: {minutes}-minute walking coverage report",
    "rep.title.thematic": "Thematic map: {layer} by {attr}",
    "rep.title.plan": "Grid plan",
    "rep.date": "Made on {date}",
    "rep.legend": "Legend",
    "rep.scale": "Scale",
    "rep.circle": "Walking service area",
    "rep.straight": "Straight-line circle",
    "rep.gap": "Gap with households",
    "rep.suggest": "Suggested site",
    "rep.grid": "Grid boundary",
    "rep.rate": "Community coverage rate",
  },
});

const today = () => new Date().toLocaleDateString(currentLang() === "zh" ? "zh-CN" : "en-GB", { year: "numeric", month: "long", day: "numeric" });

/** A round length (1, 2, 5 × 10ⁿ metres) that fits in `maxPx` at the map's centre, with its width in px. */
export function scaleBar(maxPx = 120) {
  const c = map.getCenter();
  const metresPerPx = (40075016.686 * Math.cos((c.lat * Math.PI) / 180)) / (512 * 2 ** map.getZoom());
  const raw = metresPerPx * maxPx;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = [5, 2, 1].map((k) => k * p).find((x) => x <= raw) ?? p;
  return { metres: m, px: m / metresPerPx, text: m >= 1000 ? t("unit.km", { n: m / 1000 }) : t("unit.m", { n: m }) };
}

/** The map as it is on screen, as a PNG data URL (after MapLibre has finished drawing). */
export async function mapImage() {
  await idle();
  return map.getCanvas().toDataURL("image/png");
}

function title() {
  if (state.view === "coverage") return t("rep.title.coverage", { kind: coverage.current().kind, minutes: coverage.current().minutes });
  if (state.view === "thematic") {
    const s = thematic.current();
    return t("rep.title.thematic", { layer: t(`layer.${s.layer}`), attr: s.attr });
  }
  return t(`rep.title.${state.view}`);
}

function legendItems() {
  const swatch = (style, text) => el("li", {}, el("i", { style }), text);
  const items = [swatch("border:2px solid #8db0c0;background:transparent", t("rep.grid"))];
  if (state.view === "coverage") {
    items.push(
      swatch(`border:2px solid ${COVERAGE_COLORS.circle};background:${COVERAGE_COLORS.circle}22`, t("rep.circle")),
      swatch(`border:2px dashed ${COVERAGE_COLORS.straight};background:transparent`, t("rep.straight")),
      swatch(`background:repeating-linear-gradient(45deg,${COVERAGE_COLORS.gap} 0 2px,#fff 2px 5px)`, t("rep.gap")),
      swatch(`background:${COVERAGE_COLORS.suggest};border-radius:50%`, t("rep.suggest")),
      ...RATE_CLASSES.map((c, i) => swatch(`background:${c.color}`,
        `${t("rep.rate")} ${i + 1 < RATE_CLASSES.length ? `${c.min}–${RATE_CLASSES[i + 1].min}%` : `${c.min}%`}`)),
    );
  }
  if (state.view === "thematic") {
    for (const c of thematic.classes) items.push(swatch(`background:${c.color}`, `${c.label ?? `${numberText(c.from)} – ${numberText(c.to)}`} (${c.count})`));
  }
  return items;
}

function tableOfView() {
  if (state.view === "coverage") {
    const rows = coverage.sortedRows();
    const total = coverage.last.stats?.total;
    const tr = (cells, attrs = {}) => el("tr", attrs, cells.map((c, i) => el(i ? "td" : "th", i ? {} : { scope: "row" }, c)));
    return el("table", { class: "stats report-table" },
      el("thead", {}, el("tr", {}, ["cov.colName", "cov.colHouseholds", "cov.colCovered", "cov.colPct"].map((k) => el("th", { scope: "col" }, t(k))))),
      el("tbody", {}, rows.map((r) => tr([r.name || r.code, numberText(r.households), numberText(r.covered_households), `${numberText(r.covered_households_pct, 1)}%`], { "data-code": r.code }))),
      total ? el("tfoot", {}, tr([t("cov.total"), numberText(total.households), numberText(total.covered_households), `${numberText(total.covered_households_pct, 1)}%`])) : null);
  }
  if (state.view === "thematic") {
    const tb = thematic.classTable();
    return el("table", { class: "stats report-table" },
      el("thead", {}, el("tr", {}, tb.header.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, tb.rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, typeof c === "number" ? numberText(c) : c))))));
  }
  return null;
}

/** Builds (or rebuilds) the printable report from the page as it is now; resolves to its element. */
export async function build() {
  await idle();
  return buildNow();
}

/** Builds the report from what the canvas holds now (the print event cannot wait for the map). */
function buildNow() {
  const src = map.getCanvas().toDataURL("image/png");
  const sb = scaleBar();
  const attribution = document.getElementById("attribution").innerText.replace(/\s*·\s*/g, " · ");
  const report = el("section", { id: "report", class: "report", "aria-hidden": "true" },
    el("header", {}, el("h1", {}, title()), el("p", { class: "report-date" }, t("rep.date", { date: today() }))),
    el("figure", { class: "report-map" },
      el("img", { id: "report-map", src, alt: title() }),
      el("figcaption", {},
        el("div", { class: "report-scale" },
          el("span", { class: "scale-bar", style: `width:${((100 * sb.px) / map.getCanvas().clientWidth).toFixed(2)}%` }), ` ${t("rep.scale")} ${sb.text}`),
        el("div", { class: "report-attr" }, attribution))),
    el("div", { class: "report-legend" }, el("h2", {}, t("rep.legend")), el("ul", { class: "classes" }, legendItems())),
    tableOfView());
  document.getElementById("report")?.remove();
  document.body.append(report);
  document.body.dataset.report = "1";
  return report;
}

/** Builds the report and opens the browser's print dialog. */
export async function print() {
  await build();
  window.print();
}

/** The current view as a PNG with the date and attribution under it; resolves to the blob. */
export async function png({ download = true } = {}) {
  await idle();
  const canvas = map.getCanvas();
  const ratio = canvas.width / canvas.clientWidth;
  const band = Math.round(28 * ratio);
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height + band;
  const g = out.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, out.width, out.height);
  g.drawImage(canvas, 0, 0);
  g.fillStyle = "#323f4b";
  g.font = `${Math.round(12 * ratio)}px sans-serif`;
  g.textBaseline = "middle";
  const note = `${title()} · ${today()} · ${document.getElementById("attribution").innerText.replace(/\s+/g, " ")}`;
  g.fillText(note, 8 * ratio, canvas.height + band / 2, out.width - 16 * ratio);
  const blob = await new Promise((resolve) => out.toBlob(resolve, "image/png"));
  if (download) save(blob, `wangge-${state.view}-${new Date().toISOString().slice(0, 10)}.png`);
  return blob;
}

/** Buttons for a panel: print and PNG. */
export function buttons() {
  return el("div", { class: "row report-actions" },
    el("button", { type: "button", class: "btn", id: `rep-print-${state.view}`, "data-action": "print", onclick: () => print() }, t("rep.print")),
    el("button", { type: "button", class: "btn", id: `rep-png-${state.view}`, "data-action": "png", onclick: () => png() }, t("rep.png")));
}

/** Ctrl+P prints the report too. */
export function init() {
  window.addEventListener("beforeprint", () => {
    if (!document.getElementById("report")) buildNow();
  });
  window.addEventListener("afterprint", () => {
    document.getElementById("report")?.remove();
    delete document.body.dataset.report;
  });
  onLangChange(() => document.getElementById("report")?.remove());
}
