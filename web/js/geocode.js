// Addresses in the search box, honestly: the gazetteer's candidates each with the level it matched
// (door, building, estate, road, street, community, district). A door or a building answers its
// grid; a road or a division is wider than one grid, so the card names the road or area and lists
// the grids it spans (the API's `grids`), drawn filled on the map — never one grid as the answer.
// A name not found says so and closes the previous card. Type-ahead comes from /geocode/suggest.

import { fetchJSON } from "./api.js";
import { addStrings, currentLang, onLangChange, t } from "./i18n.js";
import { data, extentOf, fitBox, map } from "./map.js";
import { clearSelection, lookup, selectFeature } from "./lookup.js";
import { from } from "./sources.js";
import { el, onChange, setStatus, state } from "./state.js";

addStrings({
  zh: {
    "geo.level.door": "门牌",
    "geo.level.building": "楼栋",
    "geo.level.estate": "小区",
    "geo.level.road": "道路",
    "geo.level.street": "街道",
    "geo.level.community": "社区",
    "geo.level.district": "区",
    "geo.matched": "按{level}匹配（匹配度 {s}）",
    "geo.spans": "涉及 {n} 个网格，无法确定单一网格；请输入门牌号或点选网格：",
    "geo.others": "其他候选",
    "geo.notFound": "未找到“{q}”。请检查地址，或输入门牌号、小区名，或“经度,纬度”。",
    "geo.notFoundTitle": "未找到",
    "geo.suggest": "地址建议",
    "geo.addresses": "{n} 个地址",
  },
  en: {
    "geo.level.door": "door",
    "geo.level.building": "building",
    "geo.level.estate": "estate",
    "geo.level.road": "road",
    "geo.level.street": "street",
    "geo.level.community": "community",
    "geo.level.district": "district",
    "geo.matched": "Matched at {level} level (score {s})",
    "geo.spans": "Spans {n} grids, so no single grid is the answer; add a door number or pick a grid:",
    "geo.others": "Other candidates",
    "geo.notFound": "\u201c{q}\u201d was not found. Check the address, or enter a door number, an estate, or \u201clon,lat\u201d.",
    "geo.notFoundTitle": "Not found",
    "geo.suggest": "Address suggestions",
    "geo.addresses": "{n} addresses",
  },
});

/** Below this score the best candidate is not trusted (the API's batch uses the same bound). */
const MIN_SCORE = 0.5;
const POINT_LEVELS = new Set(["door", "building"]);

/** The area shown (a road or division answer), for the card and the tests: { query, candidates, index }. */
export const shown = { query: null, candidates: [], index: -1 };
let layersAdded = false;

function addLayers() {
  if (layersAdded || !map) return;
  layersAdded = true;
  map.addLayer({
    id: "geo-area-fill", type: "fill", ...from("grid"), filter: ["in", ["get", "code"], ["literal", []]],
    paint: { "fill-color": "#1d4ed8", "fill-opacity": 0.16 },
  }, "slot-plan");
  map.addLayer({
    id: "geo-area-line", type: "line", ...from("grid"), filter: ["in", ["get", "code"], ["literal", []]],
    paint: { "line-color": "#1d4ed8", "line-width": 2, "line-dasharray": [2, 1] },
  }, "slot-plan");
}

function drawArea(codes) {
  addLayers();
  const f = ["in", ["get", "code"], ["literal", codes]];
  map.setFilter("geo-area-fill", f);
  map.setFilter("geo-area-line", f);
}

const levelText = (level) => t(`geo.level.${level}`);
const badge = (level) => el("span", { class: "badge level", "data-level": level }, levelText(level));

function candidateList(cands, current, query) {
  const others = cands.map((c, i) => [c, i]).filter(([, i]) => i !== current);
  if (!others.length) return null;
  return el("div", { class: "geo-others" },
    el("h3", {}, t("geo.others")),
    el("ol", { class: "geo-candidates", id: "geo-candidates" }, others.map(([c, i]) => el("li", { "data-level": c.level },
      el("button", { type: "button", class: "linklike", onclick: () => showCandidate(query, cands, i) }, badge(c.level), " ", c.address),
      el("span", { class: "muted" }, ` ${c.score.toFixed(2)}`)))));
}

function openCard() {
  const card = document.getElementById("card");
  card.hidden = false;
  card.removeAttribute("aria-busy");
  document.body.classList.add("card-open");
  document.getElementById("map-hint").classList.add("gone");
  return card;
}

/** Draws the card of a road / estate / division answer: its name, level and grids. */
function renderArea() {
  const c = shown.candidates[shown.index];
  if (!c) return;
  const card = openCard();
  card.dataset.layer = "area";
  card.dataset.level = c.level;
  card.dataset.code = "";
  card.dataset.covered = "";
  const kicker = document.getElementById("card-kicker");
  kicker.className = "card-kicker";
  kicker.replaceChildren(badge(c.level), " ", t("geo.matched", { level: levelText(c.level), s: c.score.toFixed(2) }));
  document.getElementById("card-title").textContent = c.address;
  // Only the levels that contain the whole answer: a road's point lies in one community, the road does not.
  const up = { community: [c.street, c.district], street: [c.district] }[c.level] ?? [c.district];
  document.getElementById("card-code").textContent = up.filter(Boolean).map((x) => x.name).join(" · ");
  const grids = c.grids ?? [];
  document.getElementById("card-body").replaceChildren(
    el("p", { class: "note info", "data-note": "spans" }, t("geo.spans", { n: grids.length })),
    el("ul", { class: "geo-grids", id: "geo-grids" }, grids.map((g) => el("li", { "data-code": g.code },
      el("button", { type: "button", class: "linklike", onclick: () => selectFeature("grid", g.code) }, g.name || g.code),
      el("span", { class: "sub" }, ` ${g.code}`)))),
    candidateList(shown.candidates, shown.index, shown.query),
  );
}

function clearArea() {
  if (shown.index < 0) return;
  shown.index = -1;
  shown.candidates = [];
  const card = document.getElementById("card");
  delete card.dataset.level;
  if (layersAdded) drawArea([]);
}

/** Shows candidate `i`: a door or building is looked up; a road or area is drawn with its grids. */
export async function showCandidate(query, cands, i) {
  const c = cands[i];
  if (POINT_LEVELS.has(c.level)) {
    clearArea();
    const answer = await lookup(c.point.lon, c.point.lat, "wgs84", { center: true });
    setStatus(t("status.address", { a: c.address, s: c.score.toFixed(2) }));
    if (cands.length > 1 && state.answer === answer) {
      document.getElementById("card-body").append(candidateList(cands, i, query));
    }
    return answer;
  }
  clearSelection();
  Object.assign(shown, { query, candidates: cands, index: i });
  const codes = (c.grids ?? []).map((g) => g.code);
  drawArea(codes);
  renderArea();
  const fs = codes.map((code) => data.byCode.grid.get(code)).filter(Boolean);
  const bb = extentOf(fs);
  if (bb) fitBox(bb, { maxZoom: 16.5 });
  else map.jumpTo({ center: [c.point.lon, c.point.lat], zoom: Math.max(map.getZoom(), 15) });
  setStatus("");
  return c;
}

/** Says a query was not found and closes the previous answer. */
export function notFound(query) {
  clearArea();
  clearSelection();
  setStatus(t("geo.notFound", { q: query }), true);
  document.getElementById("search").dataset.notFound = query;
  return null;
}

/** Geocodes an address; resolves to what the card shows (a lookup answer or a candidate), or null. */
export async function geocode(query) {
  delete document.getElementById("search").dataset.notFound;
  const r = await fetchJSON(`/api/v1/geocode?q=${encodeURIComponent(query)}&limit=8&lang=${currentLang()}`);
  const cands = (r.candidates ?? []).filter((c) => c.score >= MIN_SCORE);
  if (!cands.length) return notFound(query);
  return showCandidate(query, cands, 0);
}

// Type-ahead under the search box.
let suggestSeq = 0;
let suggestTimer = 0;

function list() {
  return document.getElementById("geo-suggest");
}

function closeSuggest() {
  const l = list();
  if (l) l.hidden = true;
  document.getElementById("search-input").removeAttribute("aria-activedescendant");
}

async function fetchSuggest(q) {
  const my = ++suggestSeq;
  let r;
  try {
    r = await fetchJSON(`/api/v1/geocode/suggest?q=${encodeURIComponent(q)}&limit=8&lang=${currentLang()}`);
  } catch {
    return; // type-ahead is a help; the search itself reports errors
  }
  if (my !== suggestSeq) return;
  const input = document.getElementById("search-input");
  const l = list();
  l.replaceChildren(...r.suggestions.map((s, i) => el("li", {
    role: "option", id: `geo-suggest-${i}`, "data-name": s.name, "data-level": s.level, "aria-selected": "false",
    onmousedown: (e) => {
      e.preventDefault(); // keep the focus in the box
      input.value = s.name;
      closeSuggest();
      document.getElementById("search").requestSubmit();
    },
  }, s.name, " ", badge(s.level), s.addresses ? el("span", { class: "muted" }, ` ${t("geo.addresses", { n: s.addresses })}`) : null)));
  l.hidden = !r.suggestions.length || document.activeElement !== input;
  // Fixed under the box: the search form clips what overflows it.
  const box = document.getElementById("search").getBoundingClientRect();
  Object.assign(l.style, { top: `${box.bottom + 4}px`, left: `${box.left}px`, width: `${box.width}px` });
}

function moveActive(step) {
  const items = [...list().querySelectorAll("li")];
  if (list().hidden || !items.length) return false;
  const at = items.findIndex((x) => x.getAttribute("aria-selected") === "true");
  const next = (at + step + items.length) % items.length;
  items.forEach((x, i) => x.setAttribute("aria-selected", String(i === next)));
  const input = document.getElementById("search-input");
  input.setAttribute("aria-activedescendant", items[next].id);
  input.value = items[next].dataset.name;
  return true;
}

/** Wires the type-ahead list and keeps the area answer in step with the rest of the page. */
export function init() {
  const input = document.getElementById("search-input");
  const l = el("ul", { id: "geo-suggest", class: "geo-suggest", role: "listbox", "aria-label": t("geo.suggest"), hidden: true });
  document.getElementById("search").append(l);
  // The box keeps its searchbox role; the list is announced as the box's autocomplete.
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", "geo-suggest");
  input.addEventListener("input", () => {
    clearTimeout(suggestTimer);
    const q = input.value.trim();
    // Coordinates, links and codes are no names.
    if (q.length < 1 || /^[\d\s.,，-]+$/.test(q) || /:\/\//.test(q)) {
      suggestSeq++;
      closeSuggest();
      return;
    }
    suggestTimer = setTimeout(() => fetchSuggest(q), 120);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && moveActive(1)) e.preventDefault();
    else if (e.key === "ArrowUp" && moveActive(-1)) e.preventDefault();
    else if (e.key === "Escape") closeSuggest();
  });
  input.addEventListener("blur", () => setTimeout(closeSuggest, 100));
  document.getElementById("search").addEventListener("submit", () => {
    suggestSeq++;
    closeSuggest();
  });
  // Any other answer (a tap, a code) replaces the area.
  onChange(() => {
    if (shown.index >= 0 && state.answer) clearArea();
  });
  onLangChange(() => {
    l.setAttribute("aria-label", t("geo.suggest"));
    if (shown.index >= 0 && !state.answer) renderArea();
  });
}
