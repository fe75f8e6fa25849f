// The plan view (规划): a planner signs in with an API token, reshapes, splits, merges or draws grid
// polygons with Terra Draw, and after every change sees the draft as the server holds it
// (plan-draft.js: its shapes, the whole plan's rule check, sizes in plan-table.js), can undo, redo or
// discard it, resume another draft or restore a revision (plan-history.js), and publishes through a
// dialog (publish-dialog.js). Viewers never see the tools: they are only built after the API
// accepted the token for a planner's draft.
//
// Shared boundaries stay shared: when a vertex is dragged with snapping on, every neighbouring grid
// holding that exact vertex moves it too, and a dragged vertex snaps onto neighbours' vertices.

import { numberText, onLangChange, t } from "./i18n.js";
import { data, fitBox, extentOf, map } from "./map.js";
import { el, fill, state } from "./state.js";
import { registerView } from "./views.js";
import { kept, lastDraft, newDraft, planFetch, session, setHooks, setPlan } from "./plan-session.js";
import {
  addDraftLayers, clearDraft, contains, current, draftGrids, drawDraft, gridAt, refresh, reloadPublished, selectGrid, setDraftLayersVisible,
} from "./plan-draft.js";
import { act, checkStale, draftsSection, historyControls, initKeys, refreshDrafts, revisionsSection, staleBanner } from "./plan-history.js";
import { openPublishDialog } from "./publish-dialog.js";
import { sizeTable } from "./plan-table.js";
import { pickCommunityOf, propose, proposeSection, setProposeLayersVisible } from "./propose.js";

export { session, propose };

const panel = document.querySelector("#panel-plan .panel-body");

let draw = null;

const clone = (x) => JSON.parse(JSON.stringify(x));
const same = (a, b) => a[0] === b[0] && a[1] === b[1];
const near = (a, b) => Math.abs(a[0] - b[0]) < 1e-8 && Math.abs(a[1] - b[1]) < 1e-8;

// ---- API ------------------------------------------------------------------------------------------

/** Posts the edits of one change (a reshape and the neighbours it moves) as one batch, so the
 * server stores all of them or none: a neighbour that cannot follow never leaves half a change. */
async function post(edits) {
  if (!session.plan || session.plan.status !== "draft") await newDraft();
  const body = await planFetch(`/api/v1/plans/${session.plan.id}/edits`, {
    body: edits.length === 1 ? edits[0] : { edits },
    ifMatch: true,
  });
  session.plan.version = body.version;
}

/** Reads the draft back (geometry, rule check, diff) and draws it. */
export async function validate() {
  await refresh();
  render();
  return session.findings;
}

/** Posts edits, then reads the draft back; shows what happened. Resolves to whether the edits were taken. */
function apply(edits) {
  return act(() => post(edits));
}

// ---- Terra Draw -----------------------------------------------------------------------------------

/** The nearest vertex of another grid within 12 px of the pointer, so shared corners stay shared. */
function snapToNeighbours(event, context) {
  if (!session.snap) return undefined;
  const own = session.selected;
  let best;
  let bestD = 12;
  const seen = new Set([own]);
  for (const f of draftGrids()) {
    const code = f.properties.code;
    if (seen.has(code)) continue;
    seen.add(code);
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

/** When Terra Draw last finished a shape: the click that finished it is not a pick of a grid. */
let finishedAt = 0;

async function onFinish(id, context) {
  finishedAt = performance.now();
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
  // A dragged shared vertex: every neighbour holding that exact vertex moves it the same way.
  if (session.snap && moved.length === 1 && added.length === 1) {
    const [p] = moved;
    const [q] = added;
    for (const nf of draftGrids()) {
      const other = nf.properties.code;
      if (other === code) continue;
      if (nf.geometry.type !== "Polygon" || !nf.geometry.coordinates.some((r) => r.some((c) => same(c, p)))) continue;
      const nn = clone(nf);
      nn.geometry.coordinates = nn.geometry.coordinates.map((r) => r.map((c) => (same(c, p) ? [...q] : c)));
      edits.push({ op: "replace", layer: "grid", feature: nn });
    }
  }
  // A refused change leaves the grid as the draft has it: Terra Draw is put back to that shape.
  if (!(await apply(edits)) && session.tool === "reshape") await reshape();
}

function nextCode(parent) {
  const used = new Set(data.features.grid.map((g) => g.properties.code));
  for (const g of draftGrids()) used.add(g.properties.code);
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
  // The server cuts the shapes; both pieces are drawn from the draft it answers with.
  await apply([{ op: "split", layer: "grid", code, new_code: newCode, line: line.geometry }]);
}

async function finishDraw(poly) {
  // The new grid belongs to the community holding the middle of its outline.
  const ring = poly.geometry.coordinates[0].slice(0, -1);
  const mid = [ring.reduce((a, c) => a + c[0], 0) / ring.length, ring.reduce((a, c) => a + c[1], 0) / ring.length];
  const community = data.features.community.find((c) => contains(c, mid));
  stopTool();
  if (!community) throw new Error(t("card.outside"));
  const parent = community.properties.code;
  const code = nextCode(parent);
  const feature = {
    type: "Feature",
    properties: { code, name: t("plan.newGridName", { community: community.properties.name, n: code.slice(-3) }), parent_code: parent, kind: "综合" },
    geometry: poly.geometry,
  };
  if (await apply([{ op: "create", layer: "grid", feature }])) selectGrid(code);
}

// ---- tools ------------------------------------------------------------------------------------------

/** Starts reshaping the selected grid: its vertices become draggable. */
export async function reshape() {
  const code = session.selected;
  const f = current(code);
  if (!f || f.geometry.type !== "Polygon") return false;
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
  if (performance.now() - finishedAt < 500) return true;
  const code = gridAt(e.lngLat);
  if (session.tool === "merge") {
    if (code && code !== session.selected) {
      const codes = [session.selected, code];
      session.tool = null;
      apply([{ op: "merge", layer: "grid", codes }]);
    }
    return true;
  }
  selectGrid(code);
  // A grid picked on the map also picks its community for proposing grids.
  if (code) pickCommunityOf(code);
  render();
  return true;
}

/** Fixes an overlap between the edited grid and a neighbour: the neighbour gives up the overlap. */
function giveWay(grow, shrink) {
  const g = current(grow);
  return apply([{ op: "move_boundary", layer: "grid", grow, shrink, geometry: g.geometry }]);
}

/** Moves a building (and its households) into a grid: `reassign_buildings`. */
function reassign(building, grid) {
  return apply([{ op: "reassign_buildings", buildings: [building], grid }]);
}

/** Shows the list of what the draft changes (read with the draft after every change). */
export async function compare() {
  await refresh();
  session.showDiff = true;
  render();
  return session.diff;
}

/** Asks for the message and date in the publish dialog, publishes, and reloads the published layers. */
export async function publish() {
  if (!session.plan || session.busy) return null;
  stopTool();
  let rev = null;
  try {
    await refresh();
    if (session.stale) {
      render();
      return null;
    }
    rev = await openPublishDialog();
  } catch (e) {
    session.error = e.message;
    render();
    return null;
  }
  if (!rev) return null;
  if (rev.stale) {
    await checkStale().catch(() => {});
    session.error = rev.detail;
    render();
    return null;
  }
  session.busy = true;
  render();
  try {
    session.published = rev;
    session.plan.status = "published";
    await reloadPublished();
    // The next edit opens a new draft on the new base.
    setPlan(null);
    clearDraft();
    session.selected = null;
    selectGrid(null);
    session.showDiff = false;
    session.message = t("plan.published", { id: rev.id ?? rev.revision ?? "" });
    session.revisions = await planFetch("/api/v1/revisions");
  } catch (e) {
    session.error = e.message;
  } finally {
    session.busy = false;
    render();
  }
  return rev;
}

/**
 * Signs in: the token must be a planner's. The draft this browser last worked on is resumed if it
 * is still a draft; otherwise a new one is opened, which is also the check of the token's role
 * (a viewer's token is refused the write).
 */
export async function signIn(token) {
  session.token = token.trim();
  session.error = "";
  session.signingIn = true;
  try {
    const last = lastDraft();
    const resumed = last ? await planFetch(`/api/v1/plans/${last}`).catch(() => null) : null;
    if (resumed?.status === "draft") setPlan(resumed);
    else await newDraft();
    await refresh();
    session.message = resumed?.status === "draft" ? t("hist.resumed", { id: resumed.id }) : "";
    refreshDrafts();
  } catch (e) {
    session.token = null;
    setPlan(null);
    session.error = t("plan.badToken", { msg: e.message });
  } finally {
    session.signingIn = false;
  }
  render();
  return Boolean(session.token);
}

/** Signs out: the token is forgotten; the draft is kept on the server (and offered at the next sign-in). */
function signOut() {
  stopTool();
  Object.assign(session, { token: null, selected: null, message: "", error: "", drafts: [], showDiff: false });
  setPlan(null);
  clearDraft();
  selectGrid(null);
  render();
}

function showError(e) {
  session.error = e.message;
  render();
}

// ---- panel ------------------------------------------------------------------------------------------

/** Zooms to what a finding is about and selects the grid it names. */
function focusFinding(f) {
  const layer = f.layer ?? "grid";
  if (layer === "grid" && f.code && current(f.code)) selectGrid(f.code);
  const target = f.geometry
    ? { type: "Feature", geometry: f.geometry }
    : layer === "grid" ? current(f.code) : data.byCode[layer]?.get(f.code);
  const bb = target ? extentOf([target]) : null;
  if (bb) fitBox(bb, { maxZoom: 17.5 });
  render();
}

function findingsList() {
  const r = session.findings;
  if (!r) return null;
  const errors = r.findings.filter((f) => f.severity === "error");
  const warnings = r.findings.filter((f) => f.severity !== "error");
  const item = (f) => {
    const edited = (c) => session.changed.has(c);
    const fix = f.rule === "sibling_overlap" && f.code && f.other && (edited(f.code) || edited(f.other))
      ? (() => {
        const grow = edited(f.code) ? f.code : f.other;
        const shrink = grow === f.code ? f.other : f.code;
        return el("button", { type: "button", class: "btn", "data-fix": shrink, onclick: () => giveWay(grow, shrink) }, t("plan.fixOverlap", { other: shrink }));
      })()
      : null;
    // A building the new boundary put into another grid: move it (and its households) there.
    const into = f.rule === "outside_parent" && f.layer === "building" && f.code ? buildingHome(f.code) : null;
    const move = into
      ? el("button", { type: "button", class: "btn", "data-fix-building": f.code, onclick: () => reassign(f.code, into) },
        t("plan.fixBuilding", { b: f.code, g: into }))
      : null;
    return el("li", { "data-rule": f.rule, "data-severity": f.severity, "data-code": f.code ?? "", "data-layer": f.layer ?? "" },
      el("button", { type: "button", class: "linklike finding", title: t("plan.showOnMap"), onclick: () => focusFinding(f) }, f.message),
      fix || move ? el("div", { class: "card-actions" }, fix, move) : null);
  };
  return el("div", { id: "plan-findings" },
    el("h3", {}, t("plan.problems")),
    el("p", { id: "plan-counts", "data-errors": String(r.errors), "data-warnings": String(r.warnings) },
      r.errors === 0 ? `${t("plan.ok")} · ` : "", t("plan.counts", { e: r.errors, w: r.warnings })),
    el("ul", { class: "problems scroll" }, [...errors, ...warnings].map(item)));
}

/** The draft grid a building stands in now (where `reassign_buildings` should move it), else the selected grid. */
function buildingHome(code) {
  const b = data.byCode.building.get(code);
  const pt = b?.geometry?.type === "Point" ? b.geometry.coordinates : null;
  const home = pt ? draftGrids().find((g) => contains(g, pt))?.properties.code : null;
  return home ?? session.selected;
}

function diffList() {
  const d = session.diff;
  if (!d || !session.showDiff) return null;
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
  if (!session.token || session.signingIn) {
    const input = el("input", { type: "password", id: "plan-token", autocomplete: "off", spellcheck: "false" });
    fill(panel,
      el("h2", { id: "plan-title" }, t("plan.title")),
      el("p", { class: "muted" }, t("plan.signinNote")),
      el("form", { class: "row", id: "plan-signin", onsubmit: (e) => { e.preventDefault(); signIn(input.value); } },
        el("label", { for: "plan-token" }, t("plan.token")), input,
        el("button", { type: "submit", class: "btn primary", id: "plan-signin-go" }, t("plan.signin"))),
      session.message ? el("p", { id: "plan-message", role: "status" }, session.message) : null,
      session.error ? el("p", { class: "note", role: "alert", id: "plan-error" }, session.error) : null,
    );
    return;
  }
  const sel = session.selected ? current(session.selected) : null;
  const canEdit = sel && !session.busy && !session.stale;
  const toolButton = (id, key, onclick, enabled = canEdit) =>
    el("button", { type: "button", class: "btn", id, disabled: !enabled || session.tool !== null, onclick }, t(key));
  fill(panel,
    el("h2", { id: "plan-title" }, t("plan.title")),
    el("p", { class: "muted", id: "plan-status" },
      session.plan ? t("plan.signedIn", { id: session.plan.id, v: session.plan.version }) : t("plan.noDraft"),
      " ", el("button", { type: "button", class: "linklike", id: "plan-signout", onclick: signOut }, t("plan.signout"))),
    staleBanner(),
    historyControls(),
    el("div", { id: "plan-tools" },
      el("p", { id: "plan-selected" }, sel ? t("plan.selected", { name: sel.properties.name ?? "", code: sel.properties.code }) : t("plan.pickGrid")),
      el("div", { class: "row" },
        toolButton("plan-reshape", "plan.reshape", () => reshape().catch(showError)),
        toolButton("plan-split", "plan.split", () => startLine("split").catch(showError)),
        toolButton("plan-merge", "plan.merge", () => { session.tool = "merge"; render(); }),
        toolButton("plan-draw", "plan.draw", () => startLine("draw").catch(showError), !session.busy && !session.stale)),
      el("label", {}, el("input", { type: "checkbox", id: "plan-snap", checked: session.snap, onchange: (e) => { session.snap = e.target.checked; } }), t("plan.snap")),
      session.tool ? el("p", { class: "note info", id: "plan-hint" },
        t({ reshape: "plan.pickGrid", split: "plan.splitDraw", merge: "plan.mergePick", draw: "plan.drawPoly" }[session.tool])) : null,
      session.tool ? el("div", { class: "row" },
        el("button", { type: "button", class: "btn primary", id: "plan-finish", onclick: () => { stopTool(); session.message = session.plan ? t("plan.saved", { id: session.plan.id, v: session.plan.version }) : ""; render(); } }, t("plan.finish")))
        : null),
    session.message ? el("p", { id: "plan-message", role: "status" }, session.message) : null,
    session.error ? el("p", { class: "note", role: "alert", id: "plan-error" }, session.error) : null,
    el("div", { class: "row" },
      el("button", { type: "button", class: "btn", id: "plan-compare", disabled: !session.plan || session.busy, onclick: () => compare().catch(showError) }, t("plan.diff")),
      el("button", {
        type: "button", class: "btn primary", id: "plan-publish",
        disabled: !session.plan || session.busy || session.tool !== null || Boolean(session.stale) || (session.findings?.errors ?? 0) > 0,
        onclick: () => publish(),
      }, t("plan.publish"))),
    proposeSection(),
    diffList(),
    findingsList(),
    sizeTable(() => render()),
    draftsSection(),
    revisionsSection(),
  );
  if (session.tool === "reshape") document.getElementById("plan-hint").textContent = t("plan.selected", { name: sel?.properties.name ?? "", code: session.selected ?? "" });
}

/** Registers the view; a token kept for this tab (sessionStorage) signs back in to its draft. */
export function init() {
  setHooks({ render, stopTool });
  initKeys();
  const k = kept();
  if (k?.token && k?.plan) {
    session.token = k.token;
    planFetch(`/api/v1/plans/${k.plan}`).then(async (p) => {
      setPlan(p.status === "draft" ? p : null);
      if (state.view === "plan") await refresh();
      render();
    }).catch(() => signOut());
  }
  registerView("plan", {
    async enter() {
      addDraftLayers();
      setDraftLayersVisible(true);
      setProposeLayersVisible(true);
      if (session.plan) await refresh().catch(showError);
      else drawDraft();
      if (session.token) refreshDrafts();
      render();
      if (session.selected && current(session.selected)) fitBox(extentOf([current(session.selected)]), { maxZoom: 17 });
    },
    leave() {
      stopTool();
      setDraftLayersVisible(false);
      setProposeLayersVisible(false);
    },
  });
  onLangChange(() => {
    if (state.view === "plan") {
      // Findings and diff carry the server's text in the request's language: read them again.
      if (session.plan) refresh().then(render, showError);
      render();
    }
  });
}
