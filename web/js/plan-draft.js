// The draft as the server holds it, read back after every change and drawn on the map: the draft's
// grid layer (published grids with the draft's edits applied: split pieces, merged grids, moved
// neighbours), what it changes and removes, the whole plan's rule findings and the buildings it
// moves. Nothing here guesses an edit's outcome; the map shows what publishing would publish.

import { fetchLayer } from "./api.js";
import { data, extentOf, fitBox, highlight, map, refreshLabels, setLayerFeatures } from "./map.js";
import { from, refreshLayerSource, setGeoJSON } from "./sources.js";
import { planFetch, session } from "./plan-session.js";
import { labelFeatures } from "./labels.js";

const LAYERS = [
  "plan-removed-line", "plan-work-fill", "plan-work-line", "plan-work-label", "plan-problem-fill",
  "plan-problem-line", "plan-moved", "plan-sel-line",
];

/** The draft's feature for a grid: the server's draft state, else the published one. */
export function current(code) {
  return session.grids?.get(code) ?? (session.removed.has(code) ? undefined : data.byCode.grid.get(code));
}

/** Every grid of the draft. */
export function draftGrids() {
  return session.grids ? [...session.grids.values()] : data.features.grid;
}

/**
 * Reads the draft back from the server: the plan (version, undo/redo steps, base), its grid
 * layer, its diff against what is published, its rule check, and the current revision.
 */
export async function refresh() {
  if (!session.plan) {
    clearDraft();
    return;
  }
  const id = session.plan.id;
  const [plan, grids, diff, findings, revisions] = await Promise.all([
    planFetch(`/api/v1/plans/${id}`),
    planFetch(`/ogc/collections/grid/items?plan=${id}&limit=10000`),
    planFetch(`/api/v1/plans/${id}/diff`),
    planFetch(`/api/v1/plans/${id}/validate`, { body: {} }),
    planFetch("/api/v1/revisions"),
  ]);
  if (session.plan?.id !== id) return; // another draft was opened meanwhile
  Object.assign(session.plan, { version: plan.version, status: plan.status, base_revision: plan.base_revision, name: plan.name, author: plan.author });
  session.undoSteps = plan.undo_steps ?? 0;
  session.redoSteps = plan.redo_steps ?? 0;
  session.edits = plan.edits ?? [];
  session.grids = new Map(grids.features.map((f) => {
    f.properties = f.properties || {};
    f.properties.code = String(f.properties.code ?? f.id);
    return [f.properties.code, f];
  }));
  session.diff = diff;
  const gridChanges = (diff.changed ?? []).filter((c) => c.layer === "grid");
  session.changed = new Set(gridChanges.filter((c) => c.change !== "removed").map((c) => c.code));
  session.removed = new Set(gridChanges.filter((c) => c.change === "removed").map((c) => c.code));
  session.findings = findings;
  setRevisions(revisions);
  if (session.selected && !session.grids.has(session.selected)) session.selected = null;
  drawDraft();
}

/** Notes the published revisions, and whether the draft's base is behind the current one. */
export function setRevisions(revisions) {
  session.revisions = revisions;
  const base = session.plan?.base_revision;
  session.stale = session.plan?.status === "draft" && Number.isInteger(base) && revisions.current > base
    ? { base, current: revisions.current }
    : null;
}

/** Forgets the draft's state (no draft open). */
export function clearDraft() {
  session.grids = null;
  session.changed = new Set();
  session.removed = new Set();
  session.diff = null;
  session.findings = null;
  session.edits = [];
  session.undoSteps = 0;
  session.redoSteps = 0;
  session.stale = null;
  if (map?.getSource("plan-work")) drawDraft();
}

/** Reloads the published layers (after a publish, or when another one was published): map and lookups follow. */
export async function reloadPublished() {
  const layers = ["grid", "community", "building"];
  const features = await Promise.all(layers.map((l) => fetchLayer(l)));
  layers.forEach((l, i) => {
    setLayerFeatures(l, features[i]);
    refreshLayerSource(map, l, features[i]);
  });
  refreshLabels();
}

// ---- map layers ---------------------------------------------------------------------------------

/** Adds the plan view's sources and style layers (once). */
export function addDraftLayers() {
  if (map.getLayer("plan-work-line")) return;
  for (const id of ["plan-work", "plan-removed", "plan-problems", "plan-sel", "plan-work-labels"]) setGeoJSON(map, id, []);
  // What the draft no longer has: the published outline of removed and reshaped grids, dashed.
  map.addLayer({
    id: "plan-removed-line", type: "line", source: "plan-removed",
    paint: { "line-color": "#9f1239", "line-width": 1.6, "line-dasharray": [2, 2], "line-opacity": 0.8 },
  }, "slot-plan");
  map.addLayer({ id: "plan-work-fill", type: "fill", source: "plan-work", paint: { "fill-color": "#f59e0b", "fill-opacity": 0.14 } }, "slot-plan");
  map.addLayer({ id: "plan-work-line", type: "line", source: "plan-work", paint: { "line-color": "#d97706", "line-width": 2.2 } }, "slot-plan");
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
  map.addLayer({ id: "plan-sel-line", type: "line", source: "plan-sel", paint: { "line-color": "#1d4ed8", "line-width": 3.5 } });
  map.addLayer({
    id: "plan-work-label", type: "symbol", source: "plan-work-labels", minzoom: 13,
    layout: { "text-field": ["get", "name"], "text-font": ["sans-serif"], "text-size": 12, "text-max-width": 9 },
    paint: { "text-color": "#92400e", "text-halo-color": "rgba(255,255,255,0.92)", "text-halo-width": 1.6 },
  });
}

/** Shows or hides the plan view's layers (they belong to the plan view only). */
export function setDraftLayersVisible(on) {
  for (const id of LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
}

/** Draws the draft: changed grids (with labels), removed outlines, findings, moved buildings, selection. */
export function drawDraft() {
  if (!map?.getSource("plan-work")) return;
  const work = [...session.changed].map((c) => session.grids?.get(c)).filter(Boolean);
  setGeoJSON(map, "plan-work", work);
  setGeoJSON(map, "plan-work-labels", labelFeatures(work));
  const before = [...session.removed, ...[...session.changed].filter((c) => data.byCode.grid.has(c))]
    .map((c) => data.byCode.grid.get(c))
    .filter(Boolean);
  setGeoJSON(map, "plan-removed", before);
  const pieces = (session.findings?.findings ?? []).filter((f) => f.geometry).map((f, i) => ({
    type: "Feature",
    id: i,
    properties: { rule: f.rule, severity: f.severity, code: f.code ?? "", other: f.other ?? "" },
    geometry: f.geometry,
  }));
  setGeoJSON(map, "plan-problems", pieces);
  const moved = (session.diff?.buildings_moved ?? []).map((b) => (typeof b === "string" ? b : b.building ?? b.code));
  map.setFilter("plan-moved", ["in", ["get", "code"], ["literal", moved]]);
  drawSelection();
}

/** Outlines the selected grid in its draft shape (the published tiles do not hold new pieces). */
export function drawSelection() {
  if (!map?.getSource("plan-sel")) return;
  const f = session.selected ? current(session.selected) : null;
  setGeoJSON(map, "plan-sel", f ? [f] : []);
  // The published outline is highlighted only while the draft leaves the grid as published.
  const unchanged = f && data.byCode.grid.has(session.selected) && !session.changed.has(session.selected);
  highlight(unchanged ? { layer: "grid", code: session.selected } : null);
}

/** Selects a grid (or nothing) and optionally fits the map to it. */
export function selectGrid(code, { fit = false } = {}) {
  session.selected = code ?? null;
  drawSelection();
  const f = code ? current(code) : null;
  if (fit && f) fitBox(extentOf([f]), { maxZoom: 17 });
}

// ---- picking --------------------------------------------------------------------------------------

function insideRings(pt, rings) {
  let odd = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > pt[1] !== yj > pt[1] && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) odd = !odd;
    }
  }
  return odd;
}

/** Whether a WGS 84 point lies in a polygon feature. */
export function contains(f, pt) {
  const g = f?.geometry;
  if (!g) return false;
  const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
  return polys.some((p) => insideRings(pt, p));
}

/** The draft's grid under a map point: the draft's own shapes, so new pieces can be picked. */
export function gridAt(lngLat) {
  const pt = [lngLat.lng, lngLat.lat];
  for (const f of draftGrids()) if (contains(f, pt)) return f.properties.code;
  return null;
}
