// Splitting and merging grids through the plan view in a real browser: the planner draws a line
// across a grid with the mouse (Terra Draw's line mode), or picks two neighbouring grids, and the
// draft then holds that edit, the rule check is shown, and after a publish the map's vector tiles
// show the new grids. Needs WANGGE_PLANNER_TOKEN (tests/browser/run.sh makes one).

import { test } from "node:test";
import assert from "node:assert/strict";
import { api, idle, openPage, rendered, screenshot, useBrowser } from "./helpers.mjs";

useBrowser();

const PLANNER = process.env.WANGGE_PLANNER_TOKEN;
const key = (c) => `${c[0]},${c[1]}`;

/** Longitudes where the parallel at `lat` crosses the ring's edges, west to east. */
function crossings(ring, lat) {
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
function cutLine(ring) {
  const [, y0, , y1] = bbox(ring);
  for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55]) {
    const lat = y0 + (y1 - y0) * t;
    const xs = crossings(ring, lat);
    if (xs.length === 2 && xs[1] - xs[0] > (bbox(ring)[2] - bbox(ring)[0]) * 0.4) return { lat, west: xs[0], east: xs[1] };
  }
  return null;
}

/** A point well inside the ring: the middle of its longest inside stretch along some parallel. */
function interior(ring) {
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

const bbox = (ring) => [
  Math.min(...ring.map((c) => c[0])), Math.min(...ring.map((c) => c[1])),
  Math.max(...ring.map((c) => c[0])), Math.max(...ring.map((c) => c[1])),
];

/** The published single-ring grids, largest first. */
async function simpleGrids() {
  const grids = (await api("/api/v1/layers/grid/features?limit=10000")).features
    .filter((g) => g.geometry.type === "Polygon" && g.geometry.coordinates.length === 1);
  const area = (g) => {
    const b = bbox(g.geometry.coordinates[0]);
    return (b[2] - b[0]) * (b[3] - b[1]);
  };
  return grids.sort((a, b) => area(b) - area(a));
}

/** Signs the planner in on the plan view; resolves to the draft's id. */
async function signIn(page) {
  await page.locator("#plan-token").fill(PLANNER);
  await page.locator("#plan-signin-go").click();
  await page.waitForSelector("#plan-tools");
  return page.evaluate(() => window.wangge.plan.session.plan.id);
}

/**
 * Clicks a WGS 84 point on the map as a person would: the pointer arrives first, then presses; or,
 * with `tap`, touches it (no pointer hovers before a finger lands).
 */
async function clickAt(page, lonLat, tap = false) {
  const p = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), lonLat);
  if (tap) await page.touchscreen.tap(p.x, p.y);
  else {
    await page.mouse.move(p.x - 6, p.y - 6);
    await page.mouse.move(p.x, p.y, { steps: 4 });
    await page.mouse.click(p.x, p.y);
  }
  await page.waitForTimeout(150);
}

/** Picks a grid in the plan view by clicking inside it. */
async function pick(page, lonLat, code) {
  await clickAt(page, lonLat);
  await page.waitForFunction((c) => window.wangge.plan.session.selected === c, code);
}

/** The API's rule check of a draft: its error and warning counts. */
async function validated(planId) {
  const r = await api(`/api/v1/plans/${planId}/validate`, {
    method: "POST",
    headers: { Authorization: `Bearer ${PLANNER}`, "Content-Type": "application/json" },
    body: "{}",
  });
  return { errors: r.errors, warnings: r.warnings };
}

/** The rule check's counts as the panel shows them, once the check has run for the latest version. */
async function shownCheck(page, version) {
  await page.waitForFunction((v) => {
    const s = window.wangge.plan.session;
    return s.plan.version > v && !s.busy && document.getElementById("plan-counts");
  }, version, { timeout: 30_000 });
  const counts = page.locator("#plan-counts");
  return { errors: Number(await counts.getAttribute("data-errors")), warnings: Number(await counts.getAttribute("data-warnings")) };
}

/**
 * Splits the largest grid a straight line cuts in two by clicking (or tapping) the line's points in
 * the plan view; checks the draft and the shown check; with `publish`, a draft without errors is
 * published and the refetched tiles must show both pieces, one with errors must have publishing blocked.
 */
async function splitThroughPage({ tap, publish, contextOptions = {} }) {
  const grid = (await simpleGrids()).find((g) => cutLine(g.geometry.coordinates[0]));
  assert.ok(grid, "the demo has a grid a straight line cuts in two");
  const code = grid.properties.code;
  const ring = grid.geometry.coordinates[0];
  const [x0, y0, x1, y1] = bbox(ring);
  const cut = cutLine(ring);
  const mid = [(cut.west + cut.east) / 2, cut.lat];
  const { page, context, problems } = await openPage("/#view=plan", contextOptions);
  try {
    const planId = await signIn(page);
    await page.evaluate((b) => window.wangge.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 200, animate: false }), [x0, y0, x1, y1]);
    await idle(page);
    await page.locator("#plan-snap").uncheck(); // the line's ends stay where they are clicked
    await pick(page, mid, code);
    await page.locator("#plan-split").click();
    await page.waitForFunction(() => window.wangge.plan.session.tool === "split"); // Terra Draw loads on first use
    await idle(page);

    // A line across the middle, from outside the grid on the west to outside on the east.
    const dx = (x1 - x0) * 0.08;
    const a = [cut.west - dx, cut.lat];
    const b = [cut.east + dx, cut.lat];
    const version = await page.evaluate(() => window.wangge.plan.session.plan.version);
    await clickAt(page, a, tap);
    await clickAt(page, b, tap);
    await clickAt(page, b, tap); // clicking the last point again finishes the line
    const check = await shownCheck(page, version);

    const draft = await api(`/api/v1/plans/${planId}`);
    const split = draft.edits.find((e) => e.op === "split");
    assert.ok(split, `the draft holds a split: ${JSON.stringify(draft.edits.map((e) => e.op))}`);
    assert.equal(split.code, code);
    assert.ok(split.new_code && split.new_code !== code, "the new piece has its own code");
    const line = split.line.coordinates;
    assert.ok(line.length >= 2, "the drawn line has both clicks");
    const near = (p, q) => Math.abs(p[0] - q[0]) < (x1 - x0) * 0.02 && Math.abs(p[1] - q[1]) < (y1 - y0) * 0.02;
    assert.ok(near(line[0], a), `the line starts at the first click: ${line[0]} vs ${a}`);
    assert.ok(near(line[line.length - 1], b), `the line ends at the last click: ${line[line.length - 1]} vs ${b}`);
    // The panel shows the rule check the API gives for this draft.
    assert.deepEqual(check, await validated(planId), "the panel's counts are the API's");
    await screenshot(page, tap ? "plan-split-touch.png" : "plan-split.png");

    if (publish && check.errors === 0) {
      const tileRequests = [];
      page.on("request", (r) => { if (r.url().includes("/tiles/grid/")) tileRequests.push(r.url()); });
      await page.locator("#plan-publish").click();
      await page.waitForFunction(() => /已发布/.test(document.getElementById("plan-message")?.textContent ?? ""), null, { timeout: 30_000 });
      await idle(page);
      assert.ok(tileRequests.length > 0, "the publish made the page fetch grid tiles again");
      const drawn = new Set((await rendered(page, ["grid-fill"])).map((f) => f.properties.code));
      assert.ok(drawn.has(code) && drawn.has(split.new_code), `the tiles show both pieces: ${[...drawn]}`);
    } else if (publish) {
      assert.ok(await page.locator("#plan-publish").isDisabled(), "publishing is blocked while the check has errors");
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

test("a planner splits a grid by drawing a line across it; the draft holds the split, the check is shown, and a clean draft publishes into the tiles", { timeout: 240_000, skip: !PLANNER && "WANGGE_PLANNER_TOKEN is not set" }, async () => {
  await splitThroughPage({ tap: false, publish: true });
});

test("on a touch screen the line's first tap counts too: the split line starts where the finger first landed", { timeout: 240_000, skip: !PLANNER && "WANGGE_PLANNER_TOKEN is not set" }, async () => {
  await splitThroughPage({ tap: true, publish: false, contextOptions: { hasTouch: true } });
});

test("a planner merges two neighbouring grids by picking them; the draft holds the merge and the check is shown", { timeout: 180_000, skip: !PLANNER && "WANGGE_PLANNER_TOKEN is not set" }, async () => {
  // Two grids of one community sharing at least two vertices (an edge).
  const grids = await simpleGrids();
  let pair = null;
  for (const g of grids) {
    const mine = new Set(g.geometry.coordinates[0].map(key));
    const n = grids.find((o) => o !== g && o.properties.parent_code === g.properties.parent_code
      && o.geometry.coordinates[0].slice(0, -1).filter((c) => mine.has(key(c))).length >= 2);
    if (n) {
      pair = [g, n];
      break;
    }
  }
  assert.ok(pair, "the demo has two neighbouring grids in one community");
  const [g, n] = pair;
  const inside = async (f) => {
    const c = interior(f.geometry.coordinates[0]);
    const at = await api(`/api/v1/lookup?lon=${c[0]}&lat=${c[1]}`);
    assert.equal(at.grid?.code, f.properties.code, `the point picked inside ${f.properties.code} lies in it`);
    return c;
  };
  const pg = await inside(g);
  const pn = await inside(n);
  const { page, context, problems } = await openPage("/#view=plan");
  try {
    const planId = await signIn(page);
    const [x0, y0, x1, y1] = bbox([...g.geometry.coordinates[0], ...n.geometry.coordinates[0]]);
    await page.evaluate((b) => window.wangge.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 200, animate: false }), [x0, y0, x1, y1]);
    await idle(page);
    await pick(page, pg, g.properties.code);
    await page.locator("#plan-merge").click();
    await page.waitForSelector("#plan-hint");
    const version = await page.evaluate(() => window.wangge.plan.session.plan.version);
    await clickAt(page, pn);
    const check = await shownCheck(page, version);
    const draft = await api(`/api/v1/plans/${planId}`);
    const merge = draft.edits.find((e) => e.op === "merge");
    assert.ok(merge, `the draft holds a merge: ${JSON.stringify(draft.edits.map((e) => e.op))}`);
    assert.deepEqual(merge.codes, [g.properties.code, n.properties.code]);
    assert.deepEqual(check, await validated(planId), "the panel's counts are the API's");
    await screenshot(page, "plan-merge.png");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
