// The plan view (规划): a planner signs in with an API token, reshapes, splits, merges or draws grid
// polygons with Terra Draw, sees the rule check live (overlap and gap pieces on the map and in a
// list), compares the draft with what is published and publishes it. Viewers never see the tools:
// they are only built after the API accepted the token for a planner's write (creating the draft).
//
// Shared boundaries stay shared: when a vertex is dragged with snapping on, every neighbouring grid
// holding that exact vertex moves it too, and a dragged vertex snaps onto neighbours' vertices.

import { ApiError, fetchJSON, fetchLayer } from "./api.js";
import { numberText, onLangChange, t } from "./i18n.js";
import { data, extentOf, fitBox, highlight, map, refreshLabels, setLayerFeatures } from "./map.js";
import { from, refreshLayerSource, setGeoJSON } from "./sources.js";
import { el, fill, setStatus, state } from "./state.js";
import { registerView } from "./views.js";

const panel = document.querySelector("#panel-plan .panel-body");
const STORE = "wangge.plan";

/** Everything the view knows; exposed for tests as `window.wangge.plan.session`. */
export const session = {
  token: null,
  plan: null, // { id, version, status }
  selected: null, // grid code
  tool: null, // null | "reshape" | "split" | "merge" | "draw"
  snap: true,
  work: new Map(), // grid code → the draft's feature (kept for the grids this page edited)
  stale: new Set(), // grids the server reshaped (split/merge/move_boundary): not editable until publish
  findings: null, // the last validate answer
  diff: null,
  published: null,
  busy: false,
  message: "",
  error: "",
};

let draw = null;

const clone = (x) => JSON.parse(JSON.stringify(x));
const same = (a, b) => a[0] === b[0] && a[1] === b[1];
const near = (a, b) => Math.abs(a[0] - b[0]) < 1e-8 && Math.abs(a[1] - b[1]) < 1e-8;

function remember() {
  if (session.token && session.plan) sessionStorage.setItem(STORE, JSON.stringify({ token: session.token, plan: session.plan.id }));
  else sessionStorage.removeItem(STORE);
}

/** The draft's current feature for a grid: this page's edited copy, else the published one. */
function current(code) {
  return session.work.get(code) ?? data.byCode.grid.get(code);
}

// ---- API ------------------------------------------------------------------------------------------

async function newDraft() {
  const name = `网页草案 ${new Date().toISOString().slice(0, 16).replace("T", " ")}`;
  const { body } = await fetchJSON("/api/v1/plans", { body: { name }, token: session.token, withEtag: true });
  session.plan = { id: body.id, version: body.version, status: body.status };
  session.work.clear();
  session.stale.clear();
  remember();
}

/** Posts the edits of one change (a reshape and the neighbours it moves) as one batch, so the
 * server stores all of them or none: a neighbour that cannot follow never leaves half a change. */
async function post(edits) {
  if (!session.plan || session.plan.status !== "draft") await newDraft();
  const { body } = await fetchJSON(`/api/v1/plans/${session.plan.id}/edits`, {
    body: edits.length === 1 ? edits[0] : { edits },
    token: session.token,
    ifMatch: `"v${session.plan.version}"`,
    withEtag: true,
  });
  session.plan.version = body.version;
}

/** Validates the draft and draws its problems. */
export async function validate() {
  if (!session.plan) return null;
  const r = await fetchJSON(`/api/v1/plans/${session.plan.id}/validate`, { body: {}, token: session.token });
  session.findings = r;
  const pieces = r.findings.filter((f) => f.geometry).map((f, i) => ({
    type: "Feature",
    id: i,
    properties: { rule: f.rule, severity: f.severity, code: f.code ?? "", other: f.other ?? "" },
    geometry: f.geometry,
  }));
  setGeoJSON(map, "plan-problems", pieces);
  return r;
}

/** Posts edits, then validates; shows what happened. Resolves to whether the edits were taken. */
async function apply(edits) {
  session.busy = true;
  session.error = "";
  session.message = t("plan.saving");
  render();
  try {
    await post(edits);
    await validate();
    session.message = t("plan.saved", { id: session.plan.id, v: session.plan.version });
    return true;
  } catch (e) {
    session.error = e.message;
    session.message = "";
    return false;
  } finally {
    session.busy = false;
    drawWork();
    render();
  }
}

// ---- drawing the draft -----------------------------------------------------------------------------

function drawWork() {
  setGeoJSON(map, "plan-work", [...session.work.values()]);
}

function addLayers() {
  if (map.getLayer("plan-work-line")) return;
  setGeoJSON(map, "plan-work", []);
  setGeoJSON(map, "plan-problems", []);
  map.addLayer({ id: "plan-work-fill", type: "fill", source: "plan-work", paint: { "fill-color": "#f59e0b", "fill-opacity": 0.12 } }, "slot-plan");
  map.addLayer({ id: "plan-work-line", type: "line", source: "plan-work", paint: { "line-color": "#d97706", "line-width": 2 } }, "slot-plan");
  map.addLayer({
    id: "plan-problem-fill", type: "fill", source: "plan-problems",
    filter: ["==", ["geometry-type"], "Polygon"],
    paint: { "fill-color": ["match", ["get", "severity"], "error", "#dc2626", "#f59e0b"], "fill-opacity": 0.55 },
  });
  map.addLayer({
    id: "plan-problem-line", type: "line", source: "plan-problems",
    paint: { "line-color": ["match", ["get", "severity"], "error", "#991b1b", "#b45309"], "line-width": 2.5 },
  });
  map.addLayer({
    id: "plan-moved", type: "circle", ...from("building"),
    filter: ["in", ["get", "code"], ["literal", []]],
    paint: { "circle-color": "#db2777", "circle-radius": 6, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 },
  });
}

function setPlanLayersVisible(on) {
  for (const id of ["plan-work-fill", "plan-work-line", "plan-problem-fill", "plan-problem-line", "plan-moved"]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
  }
}

// ---- Terra Draw -----------------------------------------------------------------------------------

/** The nearest vertex of another grid within 12 px of the pointer, so shared corners stay shared. */
function snapToNeighbours(event, context) {
  if (!session.snap) return undefined;
  const own = session.selected;
  let best;
  let bestD = 12;
  const seen = new Set([own]);
  for (const code of [...session.work.keys(), ...data.byCode.grid.keys()]) {
    if (seen.has(code)) continue;
    seen.add(code);
    const f = current(code);
    if (f?.geometry?.type !== "Polygon") continue;
    for (const ring of f.geometry.coordinates) {
      for (const c of ring) {
        const p = map.project(c);
        const d = Math.hypot(p.x - event.containerX, p.y - event.containerY);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
    }
  }
  return best ? [...best] : undefined;
}

/** Terra Draw, loaded the first time a planner edits (workers and viewers never download it). */
async function ensureDraw() {
  if (draw) return draw;
  const [{ TerraDraw, TerraDrawLineStringMode, TerraDrawPolygonMode, TerraDrawSelectMode }, { TerraDrawMapLibreGLAdapter }] =
    await Promise.all([import("terra-draw"), import("terra-draw-maplibre-gl-adapter")]);
  if (draw) return draw;
  const polygonFlags = {
    feature: {
      draggable: false,
      coordinates: { draggable: true, midpoints: true, deletable: true, snappable: { toCustom: snapToNeighbours } },
    },
  };
  let drawn = 0;
  draw = new TerraDraw({
    // Published boundaries carry computed vertices (up to 17 significant digits); Terra Draw refuses
    // coordinates finer than its precision, so it gets all of them.
    adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: 17 }),
    // Grid codes are the ids of edited grids; drawn lines and polygons get their own.
    idStrategy: { isValidId: (id) => typeof id === "string" && id.length > 0, getId: () => `drawn-${++drawn}` },
    modes: [
      new TerraDrawSelectMode({ flags: { polygon: polygonFlags } }),
      new TerraDrawLineStringMode({ snapping: { toCustom: snapToNeighbours } }),
      new TerraDrawPolygonMode({ snapping: { toCustom: snapToNeighbours } }),
    ],
  });
  draw.start();
  draw.on("finish", (id, context) => {
    onFinish(id, context).catch((e) => {
      session.error = e.message;
      render();
    });
  });
  return draw;
}

function stopTool() {
  session.tool = null;
  if (draw) {
    draw.clear();
    draw.setMode("select");
  }
}

/** A ring edited in Terra Draw, with unmoved vertices restored bit for bit (it rounds coordinates). */
function restoreExact(ring, original) {
  return ring.map((c) => original.find((o) => near(o, c)) ?? c);
}

async function onFinish(id, context) {
  const f = draw.getSnapshotFeature(id);
  if (!f) return;
  if (session.tool === "reshape" && context.mode === "select") await finishReshape(f);
  else if (session.tool === "split" && context.mode === "linestring") await finishSplit(f);
  else if (session.tool === "draw" && context.mode === "polygon") await finishDraw(f);
}

async function finishReshape(drawn) {
  const code = session.selected;
  const before = current(code);
  const oldRing = before.geometry.coordinates[0];
  const newRing = restoreExact(drawn.geometry.coordinates[0], oldRing);
  const moved = oldRing.filter((o) => !newRing.some((c) => same(c, o)));
  const added = newRing.filter((c) => !oldRing.some((o) => same(o, c)));
  const edited = clone(before);
  edited.geometry = { type: "Polygon", coordinates: [newRing, ...before.geometry.coordinates.slice(1)] };
  const edits = [{ op: "replace", layer: "grid", feature: edited }];
  const changedWork = [[code, edited]];
  // A dragged shared vertex: every neighbour holding that exact vertex moves it the same way.
  if (session.snap && moved.length === 1 && added.length === 1) {
    const [p] = moved;
    const [q] = added;
    for (const g of data.features.grid) {
      const other = g.properties.code;
      if (other === code || session.stale.has(other)) continue;
      const nf = current(other);
      if (nf.geometry.type !== "Polygon" || !nf.geometry.coordinates.some((r) => r.some((c) => same(c, p)))) continue;
      const nn = clone(nf);
      nn.geometry.coordinates = nn.geometry.coordinates.map((r) => r.map((c) => (same(c, p) ? [...q] : c)));
      edits.push({ op: "replace", layer: "grid", feature: nn });
      changedWork.push([other, nn]);
    }
  }
  for (const [c, f] of changedWork) session.work.set(c, f);
  await apply(edits);
}

function nextCode(parent) {
  const used = new Set(data.features.grid.map((g) => g.properties.code));
  for (const c of session.work.keys()) used.add(c);
  for (let i = 1; i < 1000; i++) {
    const c = `${parent}${String(i).padStart(3, "0")}`;
    if (!used.has(c)) return c;
  }
  return `${parent}999`;
}

async function finishSplit(line) {
  const code = session.selected;
  const parent = current(code).properties.parent_code;
  const newCode = nextCode(parent);
  stopTool();
  // The server cuts the shapes, so both pieces stay locked here until the draft is published.
  if (await apply([{ op: "split", layer: "grid", code, new_code: newCode, line: line.geometry }])) {
    session.stale.add(code);
    session.stale.add(newCode);
    session.work.delete(code);
    render();
  }
}

async function finishDraw(poly) {
  const first = poly.geometry.coordinates[0][0];
  const where = await fetchJSON(`/api/v1/lookup?lon=${first[0]}&lat=${first[1]}`);
  const parent = where.community?.code;
  if (!parent) throw new Error(t("card.outside"));
  const code = nextCode(parent);
  const feature = {
    type: "Feature",
    properties: { code, name: `${where.community.name}${t("plan.newName")} ${code.slice(-3)}`, parent_code: parent, kind: "综合" },
    geometry: poly.geometry,
  };
  session.work.set(code, feature);
  stopTool();
  await apply([{ op: "create", layer: "grid", feature }]);
}

// ---- tools ------------------------------------------------------------------------------------------

/** Starts reshaping the selected grid: its vertices become draggable. */
export async function reshape() {
  const code = session.selected;
  const f = current(code);
  if (!f || f.geometry.type !== "Polygon" || session.stale.has(code)) return false;
  await ensureDraw();
  draw.clear();
  draw.setMode("select");
  session.tool = "reshape";
  const [ok] = draw.addFeatures([{ id: code, type: "Feature", properties: { mode: "polygon" }, geometry: clone(f.geometry) }]);
  if (ok && !ok.valid) {
    session.error = ok.reason ?? "invalid";
    render();
    return false;
  }
  draw.selectFeature(code);
  render();
  return true;
}

async function startLine(kind) {
  await ensureDraw();
  draw.clear();
  session.tool = kind;
  draw.setMode(kind === "split" ? "linestring" : "polygon");
  render();
}

/** A map click in the plan view: picks a grid (or the grid to merge in). True when handled. */
export function onMapClick(e) {
  if (session.tool === "reshape" || session.tool === "split" || session.tool === "draw") return true;
  if (!session.token) return false;
  const hit = map.queryRenderedFeatures(e.point, { layers: ["grid-fill"] })[0];
  const code = hit?.properties?.code;
  if (session.tool === "merge") {
    if (code && code !== session.selected) {
      const codes = [session.selected, code];
      session.tool = null;
      apply([{ op: "merge", layer: "grid", codes }]).then((ok) => {
        if (!ok) return;
        for (const c of codes) {
          session.stale.add(c);
          session.work.delete(c);
        }
        render();
      });
    }
    return true;
  }
  session.selected = code ?? null;
  highlight(code ? { layer: "grid", code } : null);
  render();
  return true;
}

/** Fixes an overlap between the edited grid and a neighbour: the neighbour gives up the overlap. */
async function giveWay(grow, shrink) {
  const g = current(grow);
  if (await apply([{ op: "move_boundary", layer: "grid", grow, shrink, geometry: g.geometry }])) {
    session.stale.add(shrink);
    session.work.delete(shrink);
    render();
  }
}

/** Moves a building (and its households) into a grid: `reassign_buildings`. */
async function reassign(building, grid) {
  await apply([{ op: "reassign_buildings", buildings: [building], grid }]);
}

/** Compares the draft with the published boundaries; moved buildings are marked on the map. */
export async function compare() {
  session.diff = await fetchJSON(`/api/v1/plans/${session.plan.id}/diff`, { token: session.token });
  const moved = (session.diff.buildings_moved ?? []).map((b) => (typeof b === "string" ? b : b.code ?? b.building));
  map.setFilter("plan-moved", ["in", ["get", "code"], ["literal", moved]]);
  render();
  return session.diff;
}

/** Publishes the draft; then reloads the published layers so the map and lookups show them. */
export async function publish() {
  session.busy = true;
  render();
  try {
    const effective = new Date().toISOString().slice(0, 10);
    const rev = await fetchJSON(`/api/v1/plans/${session.plan.id}/publish`, {
      body: { message: "网页发布 / published from the map page", effective_date: effective },
      token: session.token,
    });
    session.published = rev;
    session.message = t("plan.published", { id: rev.id ?? rev.revision ?? "" });
    session.plan.status = "published";
    for (const layer of ["grid", "community", "building"]) {
      const fs = await fetchLayer(layer);
      setLayerFeatures(layer, fs);
      refreshLayerSource(map, layer, fs);
    }
    refreshLabels();
    session.work.clear();
    session.stale.clear();
    session.findings = null;
    session.diff = null;
    setGeoJSON(map, "plan-problems", []);
    drawWork();
    // The next edit opens a new draft on the new base.
    session.plan = null;
    remember();
  } catch (e) {
    session.error = e instanceof ApiError && e.status === 422 ? t("plan.publishBlocked") : e.message;
  } finally {
    session.busy = false;
    render();
  }
}

/** Signs in: the token must be accepted for a planner's write, which opens the draft. */
export async function signIn(token) {
  session.token = token.trim();
  session.error = "";
  try {
    await newDraft();
  } catch (e) {
    session.token = null;
    session.plan = null;
    session.error = t("plan.badToken", { msg: e.message });
  }
  render();
  return Boolean(session.token);
}

function signOut() {
  stopTool();
  Object.assign(session, { token: null, plan: null, selected: null, findings: null, diff: null, message: "", error: "" });
  session.work.clear();
  session.stale.clear();
  remember();
  setGeoJSON(map, "plan-problems", []);
  drawWork();
  highlight(null);
  render();
}

function showError(e) {
  session.error = e.message;
  render();
}

// ---- panel ------------------------------------------------------------------------------------------

function findingsList() {
  const r = session.findings;
  if (!r) return null;
  const errors = r.findings.filter((f) => f.severity === "error");
  const mine = new Set([session.selected, ...session.work.keys()]);
  const warnings = r.findings.filter((f) => f.severity !== "error" && (mine.has(f.code) || mine.has(f.other)));
  const item = (f) => {
    const fix = f.rule === "sibling_overlap" && f.code && f.other && (session.work.has(f.code) || session.work.has(f.other))
      ? (() => {
        const grow = session.work.has(f.code) ? f.code : f.other;
        const shrink = grow === f.code ? f.other : f.code;
        return el("button", { type: "button", class: "btn", "data-fix": shrink, onclick: () => giveWay(grow, shrink) }, t("plan.fixOverlap", { other: shrink }));
      })()
      : null;
    // A building the new boundary put into another grid: move it (and its households) there.
    const move = f.rule === "outside_parent" && f.layer === "building" && f.code && session.selected
      ? el("button", { type: "button", class: "btn", "data-fix-building": f.code, onclick: () => reassign(f.code, session.selected) },
        t("plan.fixBuilding", { b: f.code, g: session.selected }))
      : null;
    return el("li", { "data-rule": f.rule, "data-severity": f.severity, "data-code": f.code ?? "" }, f.message,
      fix || move ? el("div", { class: "card-actions" }, fix, move) : null);
  };
  return el("div", { id: "plan-findings" },
    el("h3", {}, t("plan.problems")),
    el("p", { id: "plan-counts", "data-errors": String(r.errors), "data-warnings": String(r.warnings) },
      r.errors === 0 ? `${t("plan.ok")} · ` : "", t("plan.counts", { e: r.errors, w: r.warnings })),
    el("ul", { class: "problems" }, [...errors, ...warnings].map(item)));
}

function diffList() {
  const d = session.diff;
  if (!d) return null;
  return el("div", { id: "plan-diff" },
    el("ul", { class: "problems" }, (d.changed ?? []).map((c) => el("li", { "data-code": c.code, "data-change": c.change },
      c.area_before_m2 || c.area_after_m2
        ? t("plan.diffLine", {
          code: c.code,
          change: t(`change.${c.change}`),
          before: numberText(Math.round(c.area_before_m2 ?? 0)),
          after: numberText(Math.round(c.area_after_m2 ?? 0)),
        })
        : `${c.code}：${t(`change.${c.change}`)}`))),
    el("p", { class: "muted" }, t("plan.moved", { b: (d.buildings_moved ?? []).length, h: numberText(d.households_moved ?? 0) })));
}

function render() {
  if (!session.token) {
    const input = el("input", { type: "password", id: "plan-token", autocomplete: "off", spellcheck: "false" });
    fill(panel, 
      el("h2", { id: "plan-title" }, t("plan.title")),
      el("p", { class: "muted" }, t("plan.signinNote")),
      el("form", { class: "row", id: "plan-signin", onsubmit: (e) => { e.preventDefault(); signIn(input.value); } },
        el("label", { for: "plan-token" }, t("plan.token")), input,
        el("button", { type: "submit", class: "btn primary", id: "plan-signin-go" }, t("plan.signin"))),
      session.error ? el("p", { class: "note", role: "alert", id: "plan-error" }, session.error) : null,
    );
    return;
  }
  const sel = session.selected ? current(session.selected) : null;
  const canEdit = sel && !session.busy && !session.stale.has(session.selected);
  const toolButton = (id, key, onclick, enabled = canEdit) =>
    el("button", { type: "button", class: "btn", id, disabled: !enabled || session.tool !== null, onclick }, t(key));
  fill(panel, 
    el("h2", { id: "plan-title" }, t("plan.title")),
    el("p", { class: "muted", id: "plan-status" },
      session.plan ? t("plan.signedIn", { id: session.plan.id, v: session.plan.version }) : "",
      " ", el("button", { type: "button", class: "linklike", id: "plan-signout", onclick: signOut }, t("plan.signout"))),
    el("div", { id: "plan-tools" },
      el("p", { id: "plan-selected" }, sel ? t("plan.selected", { name: sel.properties.name ?? "", code: sel.properties.code }) : t("plan.pickGrid")),
      el("div", { class: "row" },
        toolButton("plan-reshape", "plan.reshape", () => reshape().catch(showError)),
        toolButton("plan-split", "plan.split", () => startLine("split").catch(showError)),
        toolButton("plan-merge", "plan.merge", () => { session.tool = "merge"; render(); }),
        toolButton("plan-draw", "plan.draw", () => startLine("draw").catch(showError), !session.busy)),
      el("label", {}, el("input", { type: "checkbox", id: "plan-snap", checked: session.snap, onchange: (e) => { session.snap = e.target.checked; } }), t("plan.snap")),
      session.tool ? el("p", { class: "note info", id: "plan-hint" },
        t({ reshape: "plan.pickGrid", split: "plan.splitDraw", merge: "plan.mergePick", draw: "plan.drawPoly" }[session.tool])) : null,
      session.tool ? el("div", { class: "row" },
        el("button", { type: "button", class: "btn primary", id: "plan-finish", onclick: () => { stopTool(); session.message = session.plan ? t("plan.saved", { id: session.plan.id, v: session.plan.version }) : ""; render(); } }, t("plan.finish")))
        : null),
    session.message ? el("p", { id: "plan-message", role: "status" }, session.message) : null,
    session.error ? el("p", { class: "note", role: "alert", id: "plan-error" }, session.error) : null,
    findingsList(),
    el("div", { class: "row" },
      el("button", { type: "button", class: "btn", id: "plan-compare", disabled: !session.plan || session.busy, onclick: () => compare().catch((e) => setStatus(e.message, true)) }, t("plan.diff")),
      el("button", {
        type: "button", class: "btn primary", id: "plan-publish",
        disabled: !session.plan || session.busy || session.tool !== null || (session.findings?.errors ?? 0) > 0,
        onclick: () => publish(),
      }, t("plan.publish"))),
    diffList(),
  );
  if (session.tool === "reshape") document.getElementById("plan-hint").textContent = t("plan.selected", { name: sel?.properties.name ?? "", code: session.selected ?? "" });
}

/** Registers the view; a token kept for this tab (sessionStorage) signs back in without a new draft. */
export function init() {
  const kept = JSON.parse(sessionStorage.getItem(STORE) || "null");
  if (kept?.token && kept?.plan) {
    session.token = kept.token;
    fetchJSON(`/api/v1/plans/${kept.plan}`, { token: session.token }).then((p) => {
      session.plan = p.status === "draft" ? { id: p.id, version: p.version, status: p.status } : null;
      render();
    }).catch(() => signOut());
  }
  registerView("plan", {
    enter() {
      addLayers();
      setPlanLayersVisible(true);
      render();
      if (session.selected) fitBox(extentOf([current(session.selected)]), { maxZoom: 17 });
    },
    leave() {
      stopTool();
      setPlanLayersVisible(false);
    },
  });
  onLangChange(() => {
    if (state.view === "plan") render();
  });
}
