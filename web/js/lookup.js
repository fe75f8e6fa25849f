// Point lookup (click, keyboard, search, geolocation) and the card that shows the answer.

import * as maplibregl from "maplibre-gl";
import { ApiError, fetchJSON } from "./api.js";
import { currentLang, numberText, t } from "./i18n.js";
import { data, extentOf, fitBox, framePadding, highlight, map } from "./map.js";
import { changed, el, setStatus, state } from "./state.js";

const card = document.getElementById("card");
const cardBody = document.getElementById("card-body");
let marker = null;
let lookupSeq = 0;

function showMarker(p) {
  if (!p) {
    marker?.remove();
    marker = null;
    return;
  }
  if (!marker) {
    const dot = el("div", { class: "pin", "aria-hidden": "true" });
    marker = new maplibregl.Marker({ element: dot, anchor: "center" });
  }
  marker.setLngLat([p.lon, p.lat]).addTo(map);
}

/** Moves the map just enough that the point is visible beside the card. */
function ensureVisible(lon, lat, { center = false } = {}) {
  const pad = framePadding();
  const p = map.project([lon, lat]);
  const c = map.getContainer();
  const inside = p.x > pad.left && p.x < c.clientWidth - pad.right && p.y > pad.top && p.y < c.clientHeight - pad.bottom;
  if (center || !inside) {
    map.jumpTo({ center: [lon, lat], zoom: center ? Math.max(map.getZoom(), 16) : map.getZoom() });
    // Then shift so the point sits in the middle of the part of the map the card leaves free.
    const q = map.project([lon, lat]);
    const tx = (pad.left + c.clientWidth - pad.right) / 2;
    const ty = (pad.top + c.clientHeight - pad.bottom) / 2;
    map.panBy([q.x - tx, q.y - ty], { animate: false });
  }
}

/** A lookup-shaped answer for a feature chosen by code, built from the loaded hierarchy. */
function answerFor(layer, f) {
  const up = (l, code) => (code ? data.byCode[l].get(code) : null);
  const summary = (x) => (x ? { ...x.properties } : null);
  if (layer === "grid") {
    const c = up("community", f.properties.parent_code);
    const s = up("street", c?.properties.parent_code);
    const d = up("district", s?.properties.parent_code);
    return { covered: true, selected: "grid", grid: summary(f), community: summary(c), street: summary(s), district: summary(d) };
  }
  const s = up("street", f.properties.parent_code);
  const d = up("district", s?.properties.parent_code);
  return { covered: null, selected: "community", grid: null, community: summary(f), street: summary(s), district: summary(d) };
}

/** Selects a grid or community by code: highlight, card, fitted view. */
export function selectFeature(layer, code, { fit = true } = {}) {
  const f = data.byCode[layer]?.get(code);
  if (!f) return false;
  state.selected = { layer, code };
  state.marker = null;
  state.answer = answerFor(layer, f);
  showMarker(null);
  renderCard();
  highlight(state.selected);
  if (fit) fitBox(extentOf([f]), { maxZoom: layer === "grid" ? 17.5 : 16.5 });
  changed();
  return true;
}

/** Clears the selection and closes the card. */
export function clearSelection() {
  state.selected = null;
  state.answer = null;
  state.marker = null;
  showMarker(null);
  highlight(null);
  renderCard();
  changed();
}

/** Looks up a point (in `crs`), shows the answer and highlights its grid. Resolves to the API's answer. */
export async function lookup(lon, lat, crs = "wgs84", { center = false } = {}) {
  const seq = ++lookupSeq;
  if (crs === "wgs84") showMarker({ lon, lat });
  showCardLoading();
  const q = new URLSearchParams({ lon: String(lon), lat: String(lat), crs, lang: currentLang() });
  let answer;
  try {
    answer = await fetchJSON(`/api/v1/lookup?${q}`);
  } catch (e) {
    if (seq === lookupSeq) showCardError(e);
    throw e;
  }
  if (seq !== lookupSeq) return answer;
  state.answer = answer;
  state.marker = answer.point;
  state.selected = answer.grid ? { layer: "grid", code: String(answer.grid.code) } : null;
  showMarker(answer.point);
  renderCard();
  highlight(state.selected);
  ensureVisible(answer.point.lon, answer.point.lat, { center });
  changed();
  return answer;
}

function openCard() {
  document.getElementById("map-hint").classList.add("gone");
  card.hidden = false;
  document.body.classList.add("card-open");
}

function showCardLoading() {
  openCard();
  document.getElementById("card-kicker").textContent = "";
  document.getElementById("card-kicker").className = "card-kicker";
  document.getElementById("card-title").textContent = t("card.loading");
  document.getElementById("card-code").textContent = "";
  cardBody.replaceChildren();
  card.setAttribute("aria-busy", "true");
}

function showCardError(e) {
  openCard();
  card.removeAttribute("aria-busy");
  document.getElementById("card-kicker").textContent = t("card.error");
  document.getElementById("card-kicker").className = "card-kicker outside";
  document.getElementById("card-title").textContent = e.message;
  document.getElementById("card-code").textContent = "";
  cardBody.replaceChildren();
}

/** Parts other modules add to the card (AMap hint, worker contact…): `f(answer)` → elements. */
const cardExtras = [];

/** Registers `f(answer)`, called on every card drawn; it returns elements to append (or none). */
export function addCardExtra(f) {
  cardExtras.push(f);
}

const isEstimated = (o) => o && (o.estimated === true || o.estimated === "true" || o.estimated === 1);

function figure(value, unitKey, estimated) {
  const unit = t(unitKey);
  return el(
    "span",
    {},
    el("span", { class: "num" }, numberText(value)),
    unit ? ` ${unit}` : "",
    estimated ? el("span", { class: "badge", "data-estimated": "1" }, t("card.estimated")) : null,
  );
}

const place = (x) => (x ? el("span", {}, x.name || x.code, el("span", { class: "sub" }, x.code)) : "—");

function distanceText(m) {
  return m >= 1000 ? t("unit.km", { n: (m / 1000).toFixed(2) }) : t("unit.m", { n: Math.round(m) });
}

/** Draws the card for `state.answer` (or hides it). */
export function renderCard() {
  const a = state.answer;
  card.removeAttribute("aria-busy");
  if (!a) {
    card.hidden = true;
    document.body.classList.remove("card-open");
    delete card.dataset.code;
    delete card.dataset.layer;
    delete card.dataset.covered;
    return;
  }
  openCard();
  const kicker = document.getElementById("card-kicker");
  const title = document.getElementById("card-title");
  const code = document.getElementById("card-code");
  const rows = [];
  const row = (label, value, key) => rows.push(el("div", { class: "fact", "data-row": key }, el("dt", {}, label), el("dd", {}, value)));
  const extra = [];

  const main = a.selected === "community" ? a.community : a.grid;
  card.dataset.layer = a.selected === "community" ? "community" : a.grid ? "grid" : "none";
  card.dataset.code = main?.code ?? "";
  card.dataset.covered = String(a.covered);

  if (main) {
    kicker.className = "card-kicker";
    kicker.textContent = a.selected === "community" ? t("card.community") : t("card.grid");
    if (a.selected !== "community" && main.kind) {
      kicker.append(el("span", { class: "badge kind", "data-kind": main.kind }, t(`kind.${main.kind}`)));
    }
    title.textContent = main.name || main.code;
    code.textContent = main.code;
    if (a.selected !== "community") {
      const worker = main.worker_name || main.worker;
      row(t("card.worker"), worker ? String(worker) : el("span", { class: "sub" }, t("card.noWorker")), "worker");
    }
    if (main.households !== undefined && main.households !== null && !(a.selected === "community" && !main.households)) {
      row(t("card.households"), figure(main.households, "card.unitHouseholds", isEstimated(main)), "households");
    }
    if (main.residents !== undefined && main.residents !== null) {
      row(t("card.residents"), figure(main.residents, "card.unitResidents", isEstimated(main)), "residents");
    }
    if (a.selected === "community") {
      const n = data.features.grid.filter((g) => g.properties.parent_code === main.code).length;
      row(t("card.grids"), figure(n, "card.unitGrids", false), "grids");
    } else {
      row(t("card.community"), place(a.community), "community");
    }
  } else {
    kicker.className = "card-kicker outside";
    kicker.textContent = t("card.outside");
    title.textContent = a.community?.name || a.street?.name || a.district?.name || t("card.outside");
    code.textContent = a.community?.code || a.street?.code || a.district?.code || "";
    const ng = a.nearest_grid;
    extra.push(
      el("p", { class: "note", "data-note": "outside" }, t("card.outsideNote"), " ",
        ng ? t("card.nearest", { name: ng.name || ng.code, code: ng.code, dist: distanceText(ng.distance_m) }) : t("card.noNearest")),
    );
    if (ng && data.byCode.grid.has(ng.code)) {
      extra.push(el("div", { class: "card-actions" },
        el("button", { type: "button", class: "btn", onclick: () => selectFeature("grid", ng.code) }, t("card.goNearest"))));
    }
    if (a.community) row(t("card.community"), place(a.community), "community");
  }
  if (main || a.street) row(t("card.street"), place(a.street), "street");
  if (main || a.district) row(t("card.district"), place(a.district), "district");

  const commCode = a.community?.code;
  const centres = data.features.service_centre.filter((c) => {
    const p = c.properties.parent_code;
    return p && (p === commCode || (!commCode && p === a.street?.code));
  });
  if (centres.length) row(t("card.centre"), el("span", {}, centres.map((c) => c.properties.name).join("、")), "centre");
  if (a.on_boundary) extra.unshift(el("p", { class: "note info" }, t("card.boundary")));

  // Outside every grid the note comes first: it is the answer.
  const body = main ? [el("dl", { class: "facts" }, ...rows), ...extra] : [...extra, el("dl", { class: "facts" }, ...rows)];
  if (a.point) {
    body.push(el("p", { class: "coords" }, t("card.point", { lon: a.point.lon.toFixed(6), lat: a.point.lat.toFixed(6) })));
    if (a.input) body.push(el("p", { class: "coords" }, t("card.input", { crs: a.input.crs, x: a.input.x, y: a.input.y })));
  }
  // Parts marked data-place="top" are warnings about the answer itself: first, above the facts.
  for (const f of cardExtras) {
    for (const part of (f(a) ?? []).filter(Boolean)) {
      if (part.dataset?.place === "top") body.unshift(part);
      else body.push(part);
    }
  }
  cardBody.replaceChildren(...body);
}

/** The browser's location, looked up like a tap. */
export function locate() {
  if (!navigator.geolocation) {
    setStatus(t("status.noLocation", { msg: "geolocation" }), true);
    return;
  }
  setStatus(t("status.locating"));
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      setStatus("");
      lookup(pos.coords.longitude, pos.coords.latitude, "wgs84", { center: true }).catch(() => {});
    },
    (err) => setStatus(t("status.noLocation", { msg: err.message }), true),
    { enableHighAccuracy: true, timeout: 15000 },
  );
}

export { ApiError };
