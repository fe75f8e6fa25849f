// Helpers of the planning tests: finding grids to split or merge in the published data, signing
// in, clicking the map as a person would, and publishing through the page's dialog.

import assert from "node:assert/strict";
import { api, idle } from "./helpers.mjs";

export const PLANNER = process.env.WANGGE_PLANNER_TOKEN;
export const key = (c) => `${c[0]},${c[1]}`;

export const bbox = (ring) => [
  Math.min(...ring.map((c) => c[0])), Math.min(...ring.map((c) => c[1])),
  Math.max(...ring.map((c) => c[0])), Math.max(...ring.map((c) => c[1])),
];

/** Longitudes where the parallel at `lat` crosses the ring's edges, west to east. */
export function crossings(ring, lat) {
  const xs = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [a, b] = [ring[i], ring[i + 1]];
    if ((a[1] > lat) !== (b[1] > lat)) xs.push(a[0] + ((lat - a[1]) * (b[0] - a[0])) / (b[1] - a[1]));
  }
  return xs.sort((p, q) => p - q);
}

/**
 * A parallel that crosses the grid's ring exactly twice (so a line along it, reaching past the
 * grid on both sides, cuts it in two), and the middle of the part inside; or null.
 */
export function cutLine(ring) {
  const [, y0, , y1] = bbox(ring);
  for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55]) {
    const lat = y0 + (y1 - y0) * t;
    const xs = crossings(ring, lat);
    if (xs.length === 2 && xs[1] - xs[0] > (bbox(ring)[2] - bbox(ring)[0]) * 0.4) return { lat, west: xs[0], east: xs[1] };
  }
  return null;
}

/** A point well inside the ring: the middle of its longest inside stretch along some parallel. */
export function interior(ring) {
  const [, y0, , y1] = bbox(ring);
  let best = null;
  for (let i = 1; i < 20; i++) {
    const lat = y0 + ((y1 - y0) * i) / 20;
    const xs = crossings(ring, lat);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      if (!best || xs[k + 1] - xs[k] > best.w) best = { w: xs[k + 1] - xs[k], p: [(xs[k] + xs[k + 1]) / 2, lat] };
    }
  }
  return best.p;
}

/** The published single-ring grids, largest first. */
export async function simpleGrids() {
  const grids = (await api("/api/v1/layers/grid/features?limit=10000")).features
    .filter((g) => g.geometry.type === "Polygon" && g.geometry.coordinates.length === 1);
  const area = (g) => {
    const b = bbox(g.geometry.coordinates[0]);
    return (b[2] - b[0]) * (b[3] - b[1]);
  };
  return grids.sort((a, b) => area(b) - area(a));
}

/**
 * Two published grids of one community sharing at least two vertices (an edge), skipping the
 * first `skip` pairs found; each with a point well inside it that the API's lookup puts in it.
 */
export async function neighbours(skip = 0) {
  const grids = await simpleGrids();
  let seen = 0;
  for (const g of grids) {
    const mine = new Set(g.geometry.coordinates[0].map(key));
    const n = grids.find((o) => o !== g && o.properties.parent_code === g.properties.parent_code
      && o.geometry.coordinates[0].slice(0, -1).filter((c) => mine.has(key(c))).length >= 2);
    if (!n) continue;
    const pg = interior(g.geometry.coordinates[0]);
    const pn = interior(n.geometry.coordinates[0]);
    const [ag, an] = [await api(`/api/v1/lookup?lon=${pg[0]}&lat=${pg[1]}`), await api(`/api/v1/lookup?lon=${pn[0]}&lat=${pn[1]}`)];
    if (ag.grid?.code !== g.properties.code || an.grid?.code !== n.properties.code) continue;
    if (seen++ < skip) continue;
    return { g, n, pg, pn };
  }
  throw new Error("the demo has no two neighbouring grids in one community");
}

/** Signs the planner in on the plan view; resolves to the draft's id. */
export async function signIn(page) {
  await page.locator("#plan-token").fill(PLANNER);
  await page.locator("#plan-signin-go").click();
  await page.waitForSelector("#plan-tools");
  await page.waitForFunction(() => window.wangge.plan.session.plan && !window.wangge.plan.session.busy);
  return page.evaluate(() => window.wangge.plan.session.plan.id);
}

/**
 * Clicks a WGS 84 point on the map as a person would: the pointer arrives first, then presses; or,
 * with `tap`, touches it (no pointer hovers before a finger lands).
 */
export async function clickAt(page, lonLat, tap = false) {
  const p = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), lonLat);
  if (tap) await page.touchscreen.tap(p.x, p.y);
  else {
    await page.mouse.move(p.x - 6, p.y - 6);
    await page.mouse.move(p.x, p.y, { steps: 4 });
    await page.mouse.click(p.x, p.y);
  }
  await page.waitForTimeout(150);
}

/** Picks a grid in the plan view by clicking (or tapping) inside it. */
export async function pick(page, lonLat, code, tap = false) {
  await clickAt(page, lonLat, tap);
  await page.waitForFunction((c) => window.wangge.plan.session.selected === c, code);
}

/** Fits the map to a box (WGS 84) in the part of the map the plan panel leaves free, `padding` px inside it. */
export async function fit(page, box, padding = 60) {
  await page.evaluate(([b, p]) => {
    const m = document.getElementById("map").getBoundingClientRect();
    const r = document.querySelector(".panel:not([hidden])")?.getBoundingClientRect();
    const pad = { top: p, bottom: p, left: p, right: p };
    // A side panel (desktop) covers the left, a bottom sheet (phone) the bottom.
    if (r && r.width < m.width * 0.7) pad.left = r.right - m.left + p;
    else if (r) pad.bottom = m.bottom - r.top + p;
    window.wangge.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: pad, animate: false });
  }, [box, padding]);
  await idle(page);
}

/** Waits until the page has read the draft back after its version moved past `version`. */
export async function settled(page, version) {
  await page.waitForFunction((v) => {
    const s = window.wangge.plan.session;
    return s.plan && s.plan.version > v && !s.busy && document.getElementById("plan-counts");
  }, version, { timeout: 30_000 });
}

/** The draft's version as the page knows it. */
export const version = (page) => page.evaluate(() => window.wangge.plan.session.plan?.version ?? 0);

/** Merges two grids in the plan view: pick `g`, press merge, pick `n`. Resolves when the draft is read back. */
export async function mergeThroughPage(page, { g, n, pg, pn }, tap = false) {
  await fit(page, bbox([...g.geometry.coordinates[0], ...n.geometry.coordinates[0]]), tap ? 30 : 80);
  await pick(page, pg, g.properties.code, tap);
  await page.locator("#plan-merge").click();
  await page.waitForSelector("#plan-hint");
  const v = await version(page);
  await clickAt(page, pn, tap);
  await settled(page, v);
}

/**
 * Publishes through the dialog: checks it lists the changes the API's diff reports, fills the
 * message and date (today unless given) and confirms; resolves to the new revision's id.
 */
export async function publishThroughDialog(page, planId, { message = "browser test publish", date } = {}) {
  await page.locator("#plan-publish").click();
  await page.waitForSelector("#publish-dialog[open]");
  const diff = await api(`/api/v1/plans/${planId}/diff`);
  const shown = await page.locator("#publish-changes tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.code));
  const expected = diff.changed.filter((c) => c.layer !== "building" && c.layer !== "address").map((c) => c.code);
  assert.deepEqual(shown.sort(), expected.sort(), "the dialog lists what the diff changes");
  const before = (await api("/api/v1/revisions")).current;
  await page.locator("#publish-message").fill(message);
  if (date) await page.locator("#publish-date").fill(date);
  await page.locator("#publish-confirm").click();
  await page.waitForFunction(() => !document.getElementById("publish-dialog"), null, { timeout: 30_000 });
  await page.waitForFunction(() => /已发布|Published/.test(document.getElementById("plan-message")?.textContent ?? ""), null, { timeout: 30_000 });
  const after = await api("/api/v1/revisions");
  assert.ok(after.current > before, "a new revision is current");
  assert.equal(after.revisions.find((r) => r.id === after.current).message, message);
  return after.current;
}

/** The API's lookup of a point: the grid code it answers with. */
export async function gridAtPoint([lon, lat]) {
  return (await api(`/api/v1/lookup?lon=${lon}&lat=${lat}`)).grid?.code ?? null;
}
