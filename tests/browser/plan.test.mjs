// Planner editing in a real browser: a viewer cannot reach the tools; a planner signs in with an
// API token, drags a shared corner of a grid into its neighbour (snapping off), sees the overlap
// appear on the map and in the list, fixes it, saves, compares, publishes — and a lookup then
// answers with the new boundary; with snapping on the same kind of drag keeps the corner shared.
// Needs WANGGE_PLANNER_TOKEN (tests/browser/run.sh makes one).

import { test } from "node:test";
import assert from "node:assert/strict";
import { PHONE, TIMEOUT, api, idle, openPage, rendered, screenshot, useBrowser, waitCard } from "./helpers.mjs";
import { publishThroughDialog } from "./plan-helpers.mjs";

useBrowser();

const PLANNER = process.env.WANGGE_PLANNER_TOKEN;
const VIEWER = process.env.WANGGE_VIEWER_TOKEN;

const key = (c) => `${c[0]},${c[1]}`;
const metres = (a, b) => {
  const k = Math.cos((a[1] * Math.PI) / 180);
  return Math.hypot((a[0] - b[0]) * 111_320 * k, (a[1] - b[1]) * 110_574);
};

/**
 * A corner V shared by exactly two grids G and N of one community, inside the community (not on
 * its boundary), with long edges either side; Q moves V 20 m towards N's centre, and P (half-way)
 * is in N now and will be in G once V moves.
 */
async function pickCorner() {
  const grids = (await api("/api/v1/layers/grid/features?limit=10000")).features.filter((g) => g.geometry.type === "Polygon" && g.geometry.coordinates.length === 1);
  const communities = (await api("/api/v1/layers/community/features?limit=10000")).features;
  const onCommunity = new Set();
  for (const c of communities) {
    const polys = c.geometry.type === "Polygon" ? [c.geometry.coordinates] : c.geometry.coordinates;
    for (const p of polys) for (const r of p) for (const v of r) onCommunity.add(key(v));
  }
  const users = new Map();
  for (const g of grids) for (const v of g.geometry.coordinates[0].slice(0, -1)) {
    if (!users.has(key(v))) users.set(key(v), new Set());
    users.get(key(v)).add(g.properties.code);
  }
  const all = (await api("/api/v1/layers/grid/features?limit=10000")).features;
  const count = new Map();
  for (const g of all) {
    const polys = g.geometry.type === "Polygon" ? [g.geometry.coordinates] : g.geometry.coordinates;
    for (const p of polys) for (const r of p) for (const v of r.slice(0, -1)) count.set(key(v), (count.get(key(v)) ?? 0) + 1);
  }
  const byCode = new Map(grids.map((g) => [g.properties.code, g]));
  for (const g of grids) {
    const ring = g.geometry.coordinates[0];
    for (let i = 1; i < ring.length - 1; i++) {
      const v = ring[i];
      const u = users.get(key(v));
      if (u.size !== 2 || count.get(key(v)) !== 2 || onCommunity.has(key(v))) continue;
      const other = [...u].find((c) => c !== g.properties.code);
      const n = byCode.get(other);
      if (!n || n.properties.parent_code !== g.properties.parent_code) continue;
      if (metres(ring[i - 1], v) < 40 || metres(ring[i + 1], v) < 40) continue;
      const nr = n.geometry.coordinates[0].slice(0, -1);
      const c = [nr.reduce((s, x) => s + x[0], 0) / nr.length, nr.reduce((s, x) => s + x[1], 0) / nr.length];
      const d = metres(v, c);
      if (d < 80) continue;
      const t = 20 / d;
      const q = [v[0] + (c[0] - v[0]) * t, v[1] + (c[1] - v[1]) * t];
      const p = [v[0] + (q[0] - v[0]) * 0.5, v[1] + (q[1] - v[1]) * 0.5];
      const before = await api(`/api/v1/lookup?lon=${p[0]}&lat=${p[1]}`);
      if (before.grid?.code !== other || before.on_boundary) continue;
      return { g: g.properties.code, n: other, v, q, p };
    }
  }
  throw new Error("no suitable shared corner in the demo");
}

/**
 * Buildings the new corner put into the other grid are moved there with the page's fix buttons
 * (reassign_buildings), until the rule check has no error. Returns how many were moved.
 */
async function moveStrandedBuildings(page) {
  let moved = 0;
  for (let i = 0; i < 10; i++) {
    const version = await page.evaluate(() => window.wangge.plan.session.plan.version);
    const button = page.locator("[data-fix-building]").first();
    if ((await button.count()) === 0) break;
    await button.click();
    await page.waitForFunction((v) => window.wangge.plan.session.plan.version > v && !window.wangge.plan.session.busy, version);
    moved++;
  }
  return moved;
}

test("a viewer cannot reach the editing tools, with no token or with a viewer's token", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/#view=plan");
  try {
    assert.ok(await page.locator("#plan-token").isVisible(), "the sign-in form is shown");
    for (const id of ["#plan-tools", "#plan-reshape", "#plan-split", "#plan-merge", "#plan-draw", "#plan-publish"]) {
      assert.equal(await page.locator(id).count(), 0, `${id} is not on the page for a viewer`);
    }
    if (VIEWER) {
      await page.locator("#plan-token").fill(VIEWER);
      await page.locator("#plan-signin-go").click();
      await page.waitForSelector("#plan-error");
      assert.match(await page.locator("#plan-error").innerText(), /planner/);
      assert.equal(await page.locator("#plan-tools").count(), 0, "a viewer's token does not open the tools");
      // The refused write is the only failure on the page.
      const others = problems.filter((p) => !/403/.test(p) && !/status of 403/.test(p));
      assert.deepEqual(others, []);
    } else {
      assert.deepEqual(problems, []);
    }
    await screenshot(page, "plan-viewer.png");
  } finally {
    await context.close();
  }
});

test("a planner reshapes a grid, sees the overlap, fixes it, saves, publishes, and lookups follow", { timeout: 240_000, skip: !PLANNER && "WANGGE_PLANNER_TOKEN is not set" }, async () => {
  const { g, n, v, q, p } = await pickCorner();
  const { page, context, problems, requests } = await openPage("/#view=plan");
  try {
    await page.locator("#plan-token").fill(PLANNER);
    await page.locator("#plan-signin-go").click();
    await page.waitForSelector("#plan-tools");
    const planId = await page.evaluate(() => window.wangge.plan.session.plan.id);

    // Pick G on the map, close to the corner, and start reshaping it.
    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 18), v);
    const inG = [v[0] + (v[0] - q[0]) * 0.8, v[1] + (v[1] - q[1]) * 0.8];
    const pick = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), inG);
    await page.mouse.click(pick.x, pick.y);
    await page.waitForFunction((code) => window.wangge.plan.session.selected === code, g);
    assert.match(await page.locator("#plan-selected").innerText(), new RegExp(g));
    await page.locator("#plan-reshape").click();
    await page.waitForFunction(() => window.wangge.plan.session.tool === "reshape"); // Terra Draw loads on first use
    await idle(page);

    // Snapping off: only G moves, so it now overlaps N.
    await page.locator("#plan-snap").uncheck();
    const from = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), v);
    const to = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), q);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
    await page.mouse.move(to.x, to.y, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector('#plan-findings li[data-rule="sibling_overlap"]', { timeout: 30_000 });
    const overlap = await page.locator('#plan-findings li[data-rule="sibling_overlap"]').first().innerText();
    assert.ok(overlap.includes(g) || overlap.includes(n), overlap);
    assert.ok(Number(await page.locator("#plan-counts").getAttribute("data-errors")) > 0);
    await idle(page);
    const pieces = await rendered(page, ["plan-problem-fill"]);
    assert.ok(pieces.some((f) => f.properties.rule === "sibling_overlap"), "the overlap piece is drawn on the map");
    await screenshot(page, "plan-problem.png");
    assert.ok(await page.locator("#plan-publish").isDisabled(), "publishing is blocked while there are errors");

    // Fix: the neighbour gives up the overlap (move_boundary), and the check is clean.
    const version = await page.evaluate(() => window.wangge.plan.session.plan.version);
    await page.locator(`[data-fix="${n}"]`).click();
    await page.waitForFunction((v) => window.wangge.plan.session.plan.version > v && !window.wangge.plan.session.busy, version);
    const moved = await moveStrandedBuildings(page);
    await page.waitForSelector('#plan-counts[data-errors="0"]', { timeout: 30_000 });
    await page.locator("#plan-finish").click();
    assert.match(await page.locator("#plan-message").innerText(), /已保存到草案/);
    const saved = await api(`/api/v1/plans/${planId}`);
    assert.deepEqual(saved.edits.map((e) => e.op), ["replace", "move_boundary", ...Array(moved).fill("reassign_buildings")], "the draft holds the edits");

    await page.locator("#plan-compare").click();
    await page.waitForSelector("#plan-diff li");
    const changed = await page.locator("#plan-diff li").evaluateAll((li) => li.map((x) => x.dataset.code));
    assert.ok(changed.includes(g) && changed.includes(n), `both grids are listed as changed: ${changed}`);
    const diff = await api(`/api/v1/plans/${planId}/diff`);
    assert.deepEqual(diff.changed.filter((c) => c.layer === "grid").map((c) => c.code).sort(), [g, n].sort());
    assert.equal(changed.length, diff.changed.length, "the page lists every change the API reports");
    await screenshot(page, "plan-diff.png");

    const revisionsBefore = (await api("/api/v1/revisions")).revisions?.length ?? 0;
    await publishThroughDialog(page, planId, { message: "移动共用角点（浏览器测试）" });
    const revisionsAfter = (await api("/api/v1/revisions")).revisions?.length ?? 0;
    assert.equal(revisionsAfter, revisionsBefore + 1, "one new revision");

    // The map refetched its grid tiles under a new generation, and they draw the new boundary.
    assert.ok(requests.some((u) => /\/tiles\/grid\/\d+\/\d+\/\d+\.mvt\?g=/.test(u)), "the publish made the page fetch new grid tiles");
    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 19), p);
    const drawnAtP = await page.evaluate(([x, y]) => {
      const s = window.wangge.toScreen(x, y);
      const r = window.wangge.map.getContainer().getBoundingClientRect();
      return window.wangge.rendered(["grid-fill"], [s.x - r.left, s.y - r.top]);
    }, p);
    assert.deepEqual([...new Set(drawnAtP.map((f) => f.properties.code))], [g], "the tiles draw the point the corner moved over in G");

    // The API and the page's lookup both answer with the new boundary.
    const after = await api(`/api/v1/lookup?lon=${p[0]}&lat=${p[1]}`);
    assert.equal(after.grid?.code, g, "the moved corner's area now belongs to G");
    await page.getByRole("button", { name: "网格查询" }).click();
    await page.evaluate(([x, y]) => window.wangge.lookup(x, y), p);
    const card = await waitCard(page, () => document.getElementById("card").dataset.layer === "grid");
    assert.equal(card.code, g);
    await idle(page);
    assert.deepEqual([...new Set((await rendered(page, ["grid-selected"])).map((f) => f.properties.code))], [g]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("with snapping on, dragging a shared corner moves it in both grids: no overlap, no gap", { timeout: 180_000, skip: !PLANNER && "WANGGE_PLANNER_TOKEN is not set" }, async () => {
  const { g, n, v, q } = await pickCorner();
  const { page, context, problems } = await openPage("/#view=plan");
  try {
    await page.locator("#plan-token").fill(PLANNER);
    await page.locator("#plan-signin-go").click();
    await page.waitForSelector("#plan-tools");
    const planId = await page.evaluate(() => window.wangge.plan.session.plan.id);
    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 18), v);
    const inG = [v[0] + (v[0] - q[0]) * 0.8, v[1] + (v[1] - q[1]) * 0.8];
    const pick = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), inG);
    await page.mouse.click(pick.x, pick.y);
    await page.waitForFunction((code) => window.wangge.plan.session.selected === code, g);
    await page.locator("#plan-reshape").click();
    await page.waitForFunction(() => window.wangge.plan.session.tool === "reshape"); // Terra Draw loads on first use
    await idle(page);
    assert.ok(await page.locator("#plan-snap").isChecked(), "snapping is on by default");
    const from = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), v);
    const to = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), q);
    const before = await page.evaluate(() => window.wangge.plan.session.plan.version);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    // The check of the empty draft is shown from sign-in on: wait for the one after the drag.
    await page.waitForFunction((v) => window.wangge.plan.session.plan.version > v && !window.wangge.plan.session.busy, before, { timeout: 30_000 });
    const moved = await moveStrandedBuildings(page);
    await page.waitForSelector('#plan-counts[data-errors="0"]', { timeout: 30_000 }).catch(() => {});
    assert.equal(await page.locator("#plan-counts").getAttribute("data-errors"), "0", await page.locator("#plan-findings").innerText());

    // The draft replaced both grids, and the moved corner is one and the same vertex in both.
    const plan = await api(`/api/v1/plans/${planId}`);
    assert.deepEqual(plan.edits.filter((e) => e.op === "replace").map((e) => e.feature.properties.code).sort(), [g, n].sort());
    assert.equal(plan.edits.length, 2 + moved, "two replaced grids, and any stranded buildings moved");
    const ring = (code) => plan.edits.find((e) => e.feature.properties.code === code).feature.geometry.coordinates[0];
    const has = (r, c) => r.some((d) => d[0] === c[0] && d[1] === c[1]);
    assert.ok(!has(ring(g), v) && !has(ring(n), v), "the old corner is gone from both");
    const corner = ring(g).reduce((a, c) => (Math.hypot(c[0] - q[0], c[1] - q[1]) < Math.hypot(a[0] - q[0], a[1] - q[1]) ? c : a));
    assert.ok(Math.hypot(corner[0] - q[0], corner[1] - q[1]) < 2e-5, `the corner moved to where it was dropped (${corner})`);
    assert.ok(has(ring(n), corner), "the neighbour holds the very same moved corner");
    const diff = await api(`/api/v1/plans/${planId}/diff`);
    assert.deepEqual(diff.changed.filter((c) => c.layer === "grid").map((c) => c.code).sort(), [g, n].sort());
    await screenshot(page, "plan-snapped.png");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the plan view fits a 390-px phone", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/#view=plan", PHONE);
  try {
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow");
    const b = await page.locator("#plan-signin-go").boundingBox();
    assert.ok(b && b.x >= 0 && b.x + b.width <= 390, `sign-in button on screen: ${JSON.stringify(b)}`);
    await screenshot(page, "phone-plan.png");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
