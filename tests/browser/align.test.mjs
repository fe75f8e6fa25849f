// The 多网对照 view in a real browser, on a phone and on a desktop: the demo's police network
// (imported by run.sh) over our grids — its outlines from its tiles, the alignment pieces coloured
// by class with a legend, the summary equal to the API's, the worst-communities table sorted, a
// sliver zoomed to and outlined, the CSV report downloaded; and a planner opening slivers in a
// draft plan shown in 规划. Nothing is published here (the files after this one expect the demo's
// boundaries); the drafts made are discarded at the end.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, PHONE, TIMEOUT, api, assertNotBlank, openPage, rendered, screenshot, useBrowser } from "./helpers.mjs";
import { worstPair } from "../../web/js/palette.js";

useBrowser();

const PLANNER = process.env.WANGGE_PLANNER_TOKEN;
const NETWORK = "police";

async function openAlign(page) {
  await page.getByRole("button", { name: "多网对照" }).click();
  await page.waitForSelector("#align-summary");
  await page.evaluate(() => window.wangge.idle());
}

/** Walks the view: pieces, summary, legend, sorting, a sliver, the CSV link. */
async function walk(page, name) {
  const report = await api(`/api/v1/alignment?network=${NETWORK}&level=grid`);
  assert.equal(await page.locator("#align-network").inputValue(), NETWORK);

  // Pieces drawn, coloured by class; their outlines from the network's tiles.
  const pieces = await rendered(page, ["align-piece-fill"]);
  assert.ok(pieces.length > 0, "alignment pieces are drawn");
  const classes = new Set(pieces.map((p) => p.properties.class));
  assert.ok([...classes].every((c) => ["identical", "nested", "split", "many_to_many"].includes(c)), [...classes].join());
  const net = await rendered(page, ["align-net-line"]);
  assert.ok(net.length > 0 && net.every((f) => f.sourceLayer === `network.${NETWORK}`), "their outlines come from /tiles/network.police");

  // The legend lists the four classes with the API's counts; its colours stay apart for colour-blind readers.
  const legend = await page.locator("#align-legend li[data-class]").evaluateAll((lis) => lis.map((li) => li.dataset.class));
  assert.deepEqual(legend, ["identical", "nested", "split", "many_to_many"]);
  const colors = await page.evaluate(() => Object.values(window.wangge.align.CLASS_COLORS));
  assert.ok(worstPair(colors).deltaE >= 12, `class colours are told apart (${JSON.stringify(worstPair(colors))})`);

  // The summary says the API's figures.
  const all = report.summary.all;
  const summary = await page.locator("#align-summary").innerText();
  assert.ok(summary.includes(all.by_households.v_measure.toFixed(3)), summary);
  assert.ok(summary.includes(all.by_households.homogeneity.toFixed(3)), summary);
  assert.ok(summary.includes(all.by_households.completeness.toFixed(3)), summary);
  assert.ok(summary.includes(all.households_mismatched.toLocaleString("zh-CN")), summary);

  // Worst communities first; sorting by mismatched households orders the rows by it.
  const vs = () => page.locator('#align-worst tbody td[data-col="v"]').allInnerTexts();
  const v = (await vs()).map(Number);
  assert.equal(v.length, report.summary.community.length);
  assert.deepEqual(v, [...v].sort((a, b) => a - b), "lowest V-measure first");
  await page.locator('#align-worst th[data-col="mismatched"] button').click();
  const m = (await page.locator('#align-worst tbody td[data-col="mismatched"]').allInnerTexts()).map((x) => Number(x.replace(/,/g, "")));
  assert.deepEqual(m, [...m].sort((a, b) => b - a), "most mismatched households first");
  assert.equal(await page.locator('#align-worst th[data-col="mismatched"]').getAttribute("aria-sort"), "descending");

  // A sliver: the map zooms to it and outlines it.
  assert.equal(await page.locator("#align-slivers li").count(), report.slivers.length);
  const zoom0 = await page.evaluate(() => window.wangge.map.getZoom());
  await page.locator("#align-slivers li .align-go").first().click();
  await page.evaluate(() => window.wangge.idle());
  assert.equal(await page.locator("#align-slivers li").first().getAttribute("aria-current"), "true");
  assert.ok((await page.evaluate(() => window.wangge.map.getZoom())) > zoom0, "the map zoomed to the sliver");
  const focus = await rendered(page, ["align-focus-line"]);
  assert.ok(focus.length > 0 && focus[0].properties.ours === report.slivers[0].ours, "the sliver is outlined");
  assertNotBlank(await screenshot(page, name));

  // The CSV report downloads with the API's rows.
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#align-csv").click()]);
  const csv = await (await fetch(`${BASE}/api/v1/alignment?network=${NETWORK}&level=grid&format=csv`)).text();
  const file = await download.path();
  const got = (await import("node:fs")).readFileSync(file, "utf8");
  assert.equal(got, csv);
  assert.ok(got.startsWith("ours,ours_name,theirs,theirs_name,class"));
  assert.equal(got.trim().split("\n").length, report.pairs.length + 1);
  assert.equal(await page.locator("#align-xlsx").getAttribute("href"), `/api/v1/alignment?network=${NETWORK}&level=grid&lang=zh&format=xlsx`);
}

test("多网对照 on a desktop: pieces, summary, sorting, a sliver, the CSV", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/", { viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  try {
    await openAlign(page);
    await walk(page, "align-desktop.png");
    // Another level: communities against the network, with streets as the groups.
    await page.locator('#panel-align .seg button[data-value="community"]').click();
    await page.waitForFunction(() => window.wangge.align.last.report?.level === "community");
    const report = await api(`/api/v1/alignment?network=${NETWORK}&level=community`);
    assert.ok((await page.locator("#align-summary").innerText()).includes(report.summary.all.by_households.v_measure.toFixed(3)));
    assert.equal(await page.locator("#align-worst tbody tr").count(), report.summary.street.length);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("多网对照 on a phone", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/", { ...PHONE, acceptDownloads: true });
  try {
    await openAlign(page);
    // The panel stays inside the screen.
    const box = await page.locator("#panel-align").boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, JSON.stringify(box));
    await walk(page, "align-phone.png");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a planner opens slivers in a draft plan shown in 规划 (not published)", { timeout: TIMEOUT }, async () => {
  assert.ok(PLANNER, "run.sh passes WANGGE_PLANNER_TOKEN");
  const { page, context, problems } = await openPage("/", { viewport: { width: 1440, height: 900 } });
  const made = [];
  try {
    await openAlign(page);
    await page.locator("#align-token").fill(PLANNER);
    await page.locator("#align-signin-go").click();
    await page.waitForSelector("#align-open-draft");
    made.push(await page.evaluate(() => window.wangge.plan.session.plan?.id));
    const report = await api(`/api/v1/alignment?network=${NETWORK}&level=grid`);
    // The one the server snaps cleanly: try each draftable sliver through the API's dry answer.
    const draftable = report.slivers.filter((s) => s.draft_to);
    assert.ok(draftable.length > 0, "the demo has slivers a draft can snap");
    assert.equal(await page.locator("#align-slivers .align-pick").count(), draftable.length);
    const target = draftable.find((s) => s.ours === "440304005036001") ?? draftable[0];
    const key = `${target.ours}|${target.theirs}`;
    await page.locator(`#align-slivers li[data-key="${key}"] .align-pick`).check();
    assert.ok((await page.locator("#align-open-draft").innerText()).includes("1"));
    await page.locator("#align-open-draft").click();
    // The plan view opens on the new draft, which holds the snap.
    await page.waitForFunction(() => window.wangge.align.last.draft && document.body.dataset.view === "plan");
    const draft = await page.evaluate(() => window.wangge.align.last.draft);
    made.push(draft.plan_id);
    assert.equal(await page.evaluate(() => window.wangge.plan.session.plan.id), draft.plan_id);
    assert.equal(draft.errors, 0, JSON.stringify(draft.findings));
    assert.ok(draft.edits.some((e) => e.op === "move_boundary" && e.grow === target.draft_to && e.shrink === target.ours));
    const diff = await api(`/api/v1/plans/${draft.plan_id}/diff`);
    assert.ok(JSON.stringify(diff).includes(target.ours), "the draft changes the sliver's grid");
    await page.waitForSelector("#plan-message");
    assert.ok((await page.locator("#plan-message").innerText()).includes(String(draft.plan_id)));
    assertNotBlank(await screenshot(page, "align-draft.png"));
    assert.deepEqual(problems, []);
  } finally {
    // Nothing published; the drafts are discarded so the files after this one start clean.
    for (const id of made.filter(Boolean)) {
      await fetch(`${BASE}/api/v1/plans/${id}`, { method: "DELETE", headers: { Authorization: `Bearer ${PLANNER}` } });
    }
    await context.close();
  }
});
