// Proposing grids in the plan view (issue 17): a planner picks a community (from the list, or by
// clicking a grid of it on the map), sets the household bounds and the number of alternatives, and
// the server divides the community along its roads (POST /api/v1/communities/{code}/proposals), one
// draft plan per alternative. The alternatives are shown one at a time over the map (a switcher),
// each grid in its own colour, with their scores side by side in a table; "open as draft" makes one
// the plan view's draft and discards the other alternatives' drafts.

import { addStrings, numberText, t } from "./i18n.js";
import { data, extentOf, fitBox, map } from "./map.js";
import { el } from "./state.js";
import { setGeoJSON } from "./sources.js";
import { draftIsEmpty, planFetch, render, session, setPlan, stopTool } from "./plan-session.js";
import { act } from "./plan-history.js";

// Why a grid is out of the household bounds, one text per `kind` of the answer's `infeasible` entries
// (the same reasons as the CLI's catalog, wangge-text's `infeasible`).
addStrings({
  zh: {
    "prop.why.building_over_max": "网格 {grid}：楼栋 {building} 有 {households} 户，超过上限 {max} 户，楼栋不可拆分",
    "prop.why.block_over_max": "网格 {grid}：一个街区内 {n} 栋楼共 {households} 户，超过上限 {max} 户，且无法在楼栋之间切分",
    "prop.why.no_feasible_count": "网格 {grid}：所在区域 {households} 户无法分成每格 {min}–{max} 户的整数个网格",
    "prop.why.detached_part": "网格 {grid}：含一块与社区其余部分不相连、仅 {households} 户的区域（少于 {min} 户）",
    "prop.why.not_found": "网格 {grid}：{households} 户，未找到使其在 {min}–{max} 户内的划分（未证明不可能）",
  },
  en: {
    "prop.why.building_over_max": "grid {grid}: building {building} holds {households} households, over the maximum of {max}, and a building is not split",
    "prop.why.block_over_max": "grid {grid}: one block holds {n} buildings with {households} households, over {max}, and cannot be cut between its buildings",
    "prop.why.no_feasible_count": "grid {grid}: the {households} households of its part cannot be divided into a whole number of grids of {min}–{max}",
    "prop.why.detached_part": "grid {grid}: holds a part of the community cut off from the rest with only {households} households (under {min})",
    "prop.why.not_found": "grid {grid}: {households} households; no division found that puts it within {min}–{max} (not proven impossible)",
  },
});

/** Colours of the grids of an alternative (distinct neighbours in reading order). */
const COLORS = ["#2563eb", "#16a34a", "#db2777", "#f59e0b", "#7c3aed", "#0891b2", "#dc2626", "#65a30d", "#c2410c", "#4f46e5"];

/** What the planner asked for and what the server answered; exposed as `window.wangge.plan.propose`. */
export const propose = {
  community: null, // code
  min: 300,
  max: 500,
  alternatives: 3,
  result: null, // the proposals answer
  shown: 0, // index of the alternative drawn on the map
  busy: false,
  error: "",
};

const LAYERS = ["propose-fill", "propose-line"];

function addLayers() {
  if (map.getLayer("propose-line")) return;
  setGeoJSON(map, "propose", []);
  map.addLayer({
    id: "propose-fill", type: "fill", source: "propose",
    paint: { "fill-color": ["get", "color"], "fill-opacity": 0.35 },
  }, "slot-plan");
  map.addLayer({ id: "propose-line", type: "line", source: "propose", paint: { "line-color": "#111827", "line-width": 1.8 } }, "slot-plan");
}

/** Draws alternative `i` over the map (nothing when there is no answer). */
function draw(i) {
  if (!map) return;
  addLayers();
  const alt = propose.result?.proposals?.[i];
  const features = (alt?.grids ?? []).map((g, n) => ({
    type: "Feature",
    geometry: g.geometry,
    properties: { code: g.code, households: g.households, color: COLORS[n % COLORS.length] },
  }));
  setGeoJSON(map, "propose", features);
  for (const id of LAYERS) map.setLayoutProperty(id, "visibility", features.length ? "visible" : "none");
  if (features.length) {
    const bb = extentOf(features);
    if (bb) fitBox(bb, { maxZoom: 16.5 });
  }
}

/** Clears the alternatives from the map and the panel. */
export function clearProposals() {
  propose.result = null;
  propose.shown = 0;
  if (map?.getSource("propose")) draw(-1);
}

/** The community of a grid code (its parent), for a click on the map. */
export function pickCommunityOf(gridCode) {
  const grid = data.byCode.grid.get(gridCode) ?? session.grids?.get(gridCode);
  const parent = grid?.properties?.parent_code;
  if (parent && parent !== propose.community) {
    propose.community = parent;
    return true;
  }
  return false;
}

/** Asks the server for the alternatives of the chosen community. Resolves to the answer or null. */
export async function runProposal() {
  if (!propose.community || propose.busy) return null;
  stopTool();
  propose.busy = true;
  propose.error = "";
  render();
  try {
    // Alternatives of an earlier run that the planner did not open are dropped first.
    await discardAlternatives();
    const body = { min: Number(propose.min), max: Number(propose.max), alternatives: Number(propose.alternatives) };
    propose.result = await planFetch(`/api/v1/communities/${encodeURIComponent(propose.community)}/proposals`, { body });
    propose.shown = 0;
    draw(0);
    return propose.result;
  } catch (e) {
    propose.error = e.message;
    return null;
  } finally {
    propose.busy = false;
    render();
  }
}

/** Discards the draft of every alternative still listed (the page made them; none was opened). */
export async function discardAlternatives(keep = null) {
  const ids = (propose.result?.proposals ?? []).map((p) => p.plan_id).filter((id) => id !== keep);
  for (const id of ids) {
    const p = await planFetch(`/api/v1/plans/${id}`).catch(() => null);
    if (p?.status === "draft") await planFetch(`/api/v1/plans/${id}`, { method: "DELETE", ifMatch: `"v${p.version}"` }).catch(() => {});
  }
  if (keep === null) clearProposals();
}

/** Opens alternative `i` as the plan view's draft; the others, and an empty draft left open, are discarded. */
export function openAlternative(i) {
  const alt = propose.result?.proposals?.[i];
  if (!alt) return Promise.resolve(false);
  stopTool();
  return act(async () => {
    const previous = draftIsEmpty() ? session.plan : null;
    const p = await planFetch(`/api/v1/plans/${alt.plan_id}`);
    setPlan(p);
    session.selected = null;
    await discardAlternatives(alt.plan_id);
    if (previous && previous.id !== alt.plan_id) {
      await planFetch(`/api/v1/plans/${previous.id}`, { method: "DELETE", ifMatch: `"v${previous.version}"` }).catch(() => {});
    }
    clearProposals();
  }, { done: () => t("prop.opened", { id: alt.plan_id }), drafts: true });
}

function show(i) {
  propose.shown = i;
  draw(i);
  render();
}

const pct = (x) => `${numberText(Math.round(x * 1000) / 10)}%`;

/** One alternative's scores as table cells. */
function scoreCells(p) {
  const m = p.metrics;
  return [
    numberText(m.grids),
    numberText(m.mean_household_deviation),
    pct(m.within_bounds_share),
    numberText(m.mean_polsby_popper),
    `${numberText(m.boundary_on_roads_pct)}%`,
  ];
}

function alternativesView() {
  const r = propose.result;
  if (!r) return null;
  const list = r.proposals ?? [];
  const heads = ["prop.alt", "prop.grids", "prop.deviation", "prop.within", "prop.pp", "prop.roads", ""];
  return el("div", { id: "propose-alternatives", "data-count": String(list.length) },
    el("div", { class: "row", role: "tablist", "aria-label": t("prop.switcher") },
      list.map((p, i) => el("button", {
        type: "button", role: "tab", class: i === propose.shown ? "btn primary" : "btn",
        "aria-selected": String(i === propose.shown), "data-alt": String(i), onclick: () => show(i),
      }, t("prop.altN", { n: i + 1 })))),
    el("div", { class: "table-scroll" },
      el("table", { class: "stats sizes", id: "propose-scores" },
        el("thead", {}, el("tr", {}, heads.map((k) => el("th", { scope: "col" }, k ? t(k) : "")))),
        el("tbody", {}, list.map((p, i) => el("tr", { "data-alt": String(i), "data-plan": String(p.plan_id), class: i === propose.shown ? "selected" : "" },
          el("th", { scope: "row" }, el("button", { type: "button", class: "linklike", onclick: () => show(i) }, t("prop.altN", { n: i + 1 }))),
          scoreCells(p).map((c) => el("td", {}, c)),
          el("td", {}, el("button", {
            type: "button", class: "btn", "data-open": String(i), disabled: session.busy || propose.busy, onclick: () => openAlternative(i),
          }, t("prop.open")))))))),
    (list[propose.shown]?.infeasible ?? []).length
      ? el("div", { class: "note info", id: "propose-infeasible" },
        el("p", {}, t("prop.infeasible", { n: list[propose.shown].infeasible.length })),
        el("ul", {}, list[propose.shown].infeasible.map((r) => el("li", { "data-kind": r.kind, "data-grid": r.grid },
          t(`prop.why.${r.kind}`, { ...r, n: r.buildings?.length ?? 0 })))))
      : null,
    el("button", { type: "button", class: "linklike", id: "propose-discard", disabled: propose.busy, onclick: () => discardAlternatives().then(render) }, t("prop.discard")));
}

/** The panel section: community, bounds, alternatives, the button, and the alternatives answered. */
export function proposeSection() {
  if (!propose.community && session.selected) pickCommunityOf(session.selected);
  const communities = [...data.features.community].sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
  const num = (id, key, min, max) => el("label", { class: "field" }, t(`prop.${key}`),
    el("input", { type: "number", id, min: String(min), max: String(max), value: String(propose[key]), inputmode: "numeric", onchange: (e) => { propose[key] = e.target.value; } }));
  return el("details", { id: "plan-propose", class: "plan-section", open: Boolean(propose.result) || propose.open, ontoggle: (e) => { propose.open = e.target.open; } },
    // A click records the new state at once: the toggle event comes a task later, and a redraw in
    // between (choosing the community) would rebuild the section closed.
    el("summary", { onclick: (e) => { propose.open = !e.currentTarget.parentElement.open; } }, t("prop.title")),
    el("p", { class: "muted" }, t("prop.note")),
    el("label", { class: "field" }, t("prop.community"),
      el("select", { id: "propose-community", onchange: (e) => { propose.community = e.target.value || null; render(); } },
        el("option", { value: "" }, t("prop.pick")),
        communities.map((c) => el("option", { value: c.properties.code, selected: c.properties.code === propose.community },
          `${c.properties.name ?? ""} ${c.properties.code}`)))),
    el("div", { class: "row" }, num("propose-min", "min", 1, 100000), num("propose-max", "max", 1, 100000), num("propose-count", "alternatives", 1, 10)),
    el("button", {
      type: "button", class: "btn primary", id: "propose-go", disabled: !propose.community || propose.busy || session.busy,
      onclick: () => runProposal(),
    }, propose.busy ? t("prop.running") : t("prop.go")),
    propose.error ? el("p", { class: "note", role: "alert", id: "propose-error" }, propose.error) : null,
    alternativesView());
}

/** Shows or hides the alternatives on the map with the plan view. */
export function setProposeLayersVisible(on) {
  for (const id of LAYERS) if (map?.getLayer(id)) map.setLayoutProperty(id, "visibility", on && propose.result ? "visible" : "none");
}
