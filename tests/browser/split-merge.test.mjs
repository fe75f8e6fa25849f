// Splitting and merging grids through the plan view in a real browser: the planner draws a line
// across a grid with the mouse (Terra Draw's line mode), or picks two neighbouring grids, and the
// draft then holds that edit, the rule check is shown, and after a publish the map's vector tiles
// show the new grids. Needs WANGGE_PLANNER_TOKEN (tests/browser/run.sh makes one).

import { test } from "node:test";
import assert from "node:assert/strict";
import { api, idle, openPage, rendered, screenshot, useBrowser } from "./helpers.mjs";
import {
  PLANNER, bbox, clickAt, cutLine, fit, gridAtPoint, interior, mergeThroughPage, neighbours, pick, publishThroughDialog, signIn, simpleGrids, version,
} from "./plan-helpers.mjs";

useBrowser();

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

/** The draft's grids the map draws as changed (the plan view's own layer). */
async function drawnChanged(page) {
  await idle(page);
  return new Set((await rendered(page, ["plan-work-fill"])).map((f) => f.properties.code));
}

/**
 * Splits the largest grid a straight line cuts in two by clicking (or tapping) the line's points in
 * the plan view; checks the draft, the map's drawing of both pieces, the size table and the shown
 * check; with `publish`, the draft is published through the dialog, the refetched tiles must show
 * both pieces and a lookup in the new piece answers with its code.
 */
async function splitThroughPage({ tap, publish, contextOptions = {}, shot }) {
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
    await fit(page, [x0, y0, x1, y1], 120);
    await page.locator("#plan-snap").uncheck(); // the line's ends stay where they are clicked
    await pick(page, mid, code);
    await page.locator("#plan-split").click();
    await page.waitForFunction(() => window.wangge.plan.session.tool === "split"); // Terra Draw loads on first use
    await idle(page);

    // A line across the middle, from outside the grid on the west to outside on the east.
    const dx = (x1 - x0) * 0.08;
    const a = [cut.west - dx, cut.lat];
    const b = [cut.east + dx, cut.lat];
    const v = await version(page);
    await clickAt(page, a, tap);
    await clickAt(page, b, tap);
    await clickAt(page, b, tap); // clicking the last point again finishes the line
    const check = await shownCheck(page, v);

    assert.equal(await page.evaluate(() => window.wangge.plan.session.selected), code, "the split grid stays selected");
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
    // The panel shows the rule check the API gives for this draft: every finding, not a selection.
    assert.deepEqual(check, await validated(planId), "the panel's counts are the API's");
    assert.equal(await page.locator("#plan-findings li").count(), check.errors + check.warnings, "the whole plan's problem list is shown");

    // The map draws both pieces of the draft (the published tiles do not have the new one yet).
    const drawn = await drawnChanged(page);
    assert.ok(drawn.has(code) && drawn.has(split.new_code), `the map draws both pieces: ${[...drawn]}`);
    // The size table lists both pieces, their households adding up to the grid's.
    const pieces = await api(`/ogc/collections/grid/items?plan=${planId}&limit=10000`, { headers: { Authorization: `Bearer ${PLANNER}` } });
    const hh = (c) => pieces.features.find((f) => f.id === c || f.properties.code === c)?.properties.households;
    for (const c of [code, split.new_code]) {
      const row = page.locator(`#plan-sizes tr[data-grid="${c}"]`);
      assert.equal(await row.count(), 1, `the size table lists ${c}`);
      if (typeof hh(c) === "number") assert.match(await row.innerText(), new RegExp(hh(c).toLocaleString("zh-CN")));
    }
    if (typeof grid.properties.households === "number") assert.equal(hh(code) + hh(split.new_code), grid.properties.households, "the households are divided, not copied");
    await screenshot(page, shot ?? (tap ? "plan-split-touch.png" : "plan-split.png"));

    if (publish) {
      assert.equal(check.errors, 0, await page.locator("#plan-findings").innerText());
      const tileRequests = [];
      page.on("request", (r) => { if (r.url().includes("/tiles/grid/")) tileRequests.push(r.url()); });
      await publishThroughDialog(page, planId, { message: "拆分网格（浏览器测试）" });
      await idle(page);
      assert.ok(tileRequests.length > 0, "the publish made the page fetch grid tiles again");
      const tiles = new Set((await rendered(page, ["grid-fill"])).map((f) => f.properties.code));
      assert.ok(tiles.has(code) && tiles.has(split.new_code), `the tiles show both pieces: ${[...tiles]}`);
      // A lookup inside the new piece answers with it.
      const piece = pieces.features.find((f) => f.id === split.new_code || f.properties.code === split.new_code);
      const inside = interior(piece.geometry.type === "Polygon" ? piece.geometry.coordinates[0] : piece.geometry.coordinates[0][0]);
      assert.equal(await gridAtPoint(inside), split.new_code, "a lookup in the new piece answers with it");
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

test("a planner splits a grid by drawing a line across it; the map draws both pieces, and it publishes through the dialog into tiles and lookups", { timeout: 240_000, skip: !PLANNER && "WANGGE_PLANNER_TOKEN is not set" }, async () => {
  await splitThroughPage({ tap: false, publish: true });
});

test("on a touch screen the line's first tap counts too: the split line starts where the finger first landed", { timeout: 240_000, skip: !PLANNER && "WANGGE_PLANNER_TOKEN is not set" }, async () => {
  await splitThroughPage({ tap: true, publish: false, contextOptions: { hasTouch: true } });
});

test("a planner merges two neighbouring grids by picking them; the map draws the merged grid, and it publishes and lookups follow", { timeout: 180_000, skip: !PLANNER && "WANGGE_PLANNER_TOKEN is not set" }, async () => {
  const pair = await neighbours();
  const { g, n, pn } = pair;
  const { page, context, problems } = await openPage("/#view=plan");
  try {
    const planId = await signIn(page);
    await mergeThroughPage(page, pair);
    const counts = page.locator("#plan-counts");
    const check = { errors: Number(await counts.getAttribute("data-errors")), warnings: Number(await counts.getAttribute("data-warnings")) };
    const draft = await api(`/api/v1/plans/${planId}`);
    const merge = draft.edits.find((e) => e.op === "merge");
    assert.ok(merge, `the draft holds a merge: ${JSON.stringify(draft.edits.map((e) => e.op))}`);
    assert.deepEqual(merge.codes, [g.properties.code, n.properties.code]);
    assert.deepEqual(check, await validated(planId), "the panel's counts are the API's");
    // The merged grid is drawn where both were, and the absorbed one is gone from the table.
    await clickAt(page, pn);
    assert.equal(await page.evaluate(() => window.wangge.plan.session.selected), g.properties.code, "a click where the absorbed grid was picks the merged grid");
    assert.ok((await drawnChanged(page)).has(g.properties.code), "the map draws the merged grid");
    assert.equal(await page.locator(`#plan-sizes tr[data-grid="${n.properties.code}"]`).count(), 0, "the absorbed grid is gone from the size table");
    await screenshot(page, "plan-merge.png");
    assert.equal(check.errors, 0, await page.locator("#plan-findings").innerText());
    await publishThroughDialog(page, planId, { message: "合并网格（浏览器测试）" });
    assert.equal(await gridAtPoint(pn), g.properties.code, "a lookup where the absorbed grid was answers with the merged one");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
