// Which coordinate system a pasted "lng,lat" is in. GPS gives WGS 84, AMap (高德) and Tencent (腾讯)
// GCJ-02, about 300–600 m apart in Shenzhen — often another grid. The worker's choice is kept in
// localStorage; when the two readings of a bare pair fall in different grids the card says so and
// offers the other reading in one tap.

import { fetchJSON } from "./api.js";
import { addStrings, currentLang, t } from "./i18n.js";
import { addCardExtra, renderCard } from "./lookup.js";
import { el, state } from "./state.js";

const KEY = "wangge.crs";
const CHOICES = ["wgs84", "gcj02", "bd09"];

addStrings({
  zh: {
    "crs.ifGcj": "若坐标来自高德/腾讯地图（GCJ-02），则属于 {grid}。",
    "crs.ifWgs": "若坐标为 GPS 原始坐标（WGS 84），则属于 {grid}。",
    "crs.ifOutside": "不在任何网格内",
    "crs.useGcj": "按高德/腾讯坐标查询",
    "crs.useWgs": "按 GPS 坐标查询",
    "crs.from": "已识别{app}分享的坐标（{crs}）",
    "crs.app.amap": "高德地图",
    "crs.app.tencent": "腾讯地图",
    "crs.app.baidu": "百度地图",
  },
  en: {
    "crs.ifGcj": "If the coordinates come from AMap or Tencent Maps (GCJ-02), they are in {grid}.",
    "crs.ifWgs": "If the coordinates are raw GPS (WGS 84), they are in {grid}.",
    "crs.ifOutside": "no grid",
    "crs.useGcj": "Read as AMap/Tencent",
    "crs.useWgs": "Read as GPS",
    "crs.from": "Coordinates from a {app} link ({crs})",
    "crs.app.amap": "AMap",
    "crs.app.tencent": "Tencent Maps",
    "crs.app.baidu": "Baidu Maps",
  },
});

const select = () => document.getElementById("search-crs");

/** The remembered choice (WGS 84 until the worker picks another). */
export function savedCrs() {
  try {
    const v = localStorage.getItem(KEY);
    return CHOICES.includes(v) ? v : "wgs84";
  } catch {
    return "wgs84"; // storage switched off: the default
  }
}

/** Sets the selector and remembers the choice. */
export function chooseCrs(crs) {
  if (!CHOICES.includes(crs)) return;
  select().value = crs;
  try {
    localStorage.setItem(KEY, crs);
  } catch {
    // storage switched off: the choice lasts for this page only
  }
}

let rerun = null;

/**
 * After a bare pair was looked up in WGS 84 or GCJ-02: looks the same numbers up in the other
 * system and, when the grid differs, puts `crs_alt` on the answer and redraws the card.
 */
export async function checkOtherReading(answer, lon, lat, crs, again) {
  if (crs !== "wgs84" && crs !== "gcj02") return null;
  const other = crs === "wgs84" ? "gcj02" : "wgs84";
  const q = new URLSearchParams({ lon: String(lon), lat: String(lat), crs: other, lang: currentLang() });
  let alt;
  try {
    alt = await fetchJSON(`/api/v1/lookup?${q}`);
  } catch {
    return null; // the other reading is a hint; without it the answer stands
  }
  if ((alt.grid?.code ?? null) === (answer.grid?.code ?? null)) return null;
  if (state.answer !== answer) return null; // another lookup came meanwhile
  rerun = again;
  answer.crs_alt = { crs: other, grid: alt.grid ? { code: alt.grid.code, name: alt.grid.name } : null };
  renderCard();
  return answer.crs_alt;
}

function hintOnCard(a) {
  const alt = a.crs_alt;
  if (!alt) return [];
  const grid = alt.grid ? `${alt.grid.name || alt.grid.code}（${alt.grid.code}）` : t("crs.ifOutside");
  const gcj = alt.crs === "gcj02";
  return [
    el("div", { class: "note crs-hint", "data-note": "crs", "data-place": "top", "data-alt-crs": alt.crs, "data-alt-grid": alt.grid?.code ?? "" },
      el("p", {}, t(gcj ? "crs.ifGcj" : "crs.ifWgs", { grid })),
      el("button", {
        type: "button", class: "btn", id: "crs-switch",
        onclick: () => {
          chooseCrs(alt.crs);
          rerun?.(alt.crs);
        },
      }, t(gcj ? "crs.useGcj" : "crs.useWgs"))),
  ];
}

/** Restores the remembered choice and keeps later ones. */
export function init() {
  select().value = savedCrs();
  select().addEventListener("change", () => chooseCrs(select().value));
  addCardExtra(hintOnCard);
}
