// Proposing grids through the plan view in a real browser (issue 17): on a phone and on a desktop a
// planner picks a demo community, asks for three alternatives, sees at least two with their scores,
// switches between them over the map, opens one as a draft, and the draft's grids are drawn by the
// plan view. Nothing is published (later test files expect the demo boundaries), and every draft the
// test made is discarded at the end so no later sign-in resumes it. Needs WANGGE_PLANNER_TOKEN.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, PHONE, api, assertNotBlank, idle, openPage, rendered, screenshot, useBrowser } from "./helpers.mjs";
import { PLANNER, signIn } from "./plan-helpers.mjs";

useBrowser();

const COMMUNITY = "440304006009";

/** Every draft plan's id. */
async function draftIds() {
  const { plans } = await api("/api/v1/plans");
  return plans.filter((p) => p.status === "draft").map((p) => p.id);
}

/** Discards the drafts not in `before` (the test's own), with each one's version as If-Match. */
async function discardNewDrafts(before) {
  for (const id of await draftIds()) {
    if (before.has(id)) continue;
    const p = await api(`/api/v1/plans/${id}`);
    const r = await fetch(`${BASE}/api/v1/plans/${id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${PLANNER}`, "If-Match": `"v${p.version}"` },
    });
    assert.ok(r.ok, `discarding draft ${id}: HTTP ${r.status}`);
  }
}

async function proposeThroughPage({ contextOptions = {}, shot }) {
  const before = new Set(await draftIds());
  const { page, context, problems } = await openPage("/#view=plan", contextOptions);
  try {
    await signIn(page);
    const section = page.locator("#plan-propose");
    await section.locator("summary").click();
    await page.locator("#propose-community").selectOption(COMMUNITY);
    await page.locator("#propose-count").fill("3");
    await page.locator("#propose-count").dispatchEvent("change");
    await page.locator("#propose-go").click();
    await page.waitForSelector("#propose-alternatives", { timeout: 60_000 });
    const count = Number(await page.locator("#propose-alternatives").getAttribute("data-count"));
    assert.ok(count >= 2, `at least two alternatives, got ${count}`);
    // Each alternative's row shows its scores: grids, deviation, share within bounds, PP, roads.
    const rows = page.locator("#propose-scores tbody tr");
    assert.equal(await rows.count(), count);
    for (let i = 0; i < count; i++) {
      const cells = await rows.nth(i).locator("td").allInnerTexts();
      assert.equal(cells.length, 6, cells.join(" | "));
      assert.ok(Number(cells[0]) >= 1, `grid count: ${cells[0]}`);
      assert.match(cells[2], /%$/, "share within bounds");
      assert.match(cells[4], /%$/, "boundary on roads");
    }
    // The shown alternative is drawn over the map, one coloured grid per proposed grid.
    const answer = await page.evaluate(() => window.wangge.plan.propose.result);
    await idle(page);
    const drawn0 = new Set((await rendered(page, ["propose-fill"])).map((f) => f.properties.code));
    assert.ok(drawn0.size >= 1, "the first alternative is drawn");
    await page.locator('#propose-alternatives [role="tab"][data-alt="1"]').click();
    await page.waitForFunction(() => window.wangge.plan.propose.shown === 1);
    await idle(page);
    const drawn1 = (await rendered(page, ["propose-fill"])).map((f) => f.properties.code);
    const codes1 = new Set(answer.proposals[1].grids.map((g) => g.code));
    assert.ok(drawn1.length >= 1 && drawn1.every((c) => codes1.has(c)), "the switcher draws the second alternative");
    if (shot) assertNotBlank(await screenshot(page, `${shot}-alternatives.png`));
    // Open the second as the draft: it becomes the session's plan and the others are discarded.
    const chosen = answer.proposals[1];
    await page.locator('#propose-scores button[data-open="1"]').click();
    await page.waitForFunction((id) => {
      const s = window.wangge.plan.session;
      return s.plan?.id === id && !s.busy && s.grids;
    }, chosen.plan_id, { timeout: 60_000 });
    const drafts = new Set(await draftIds());
    for (const p of answer.proposals) {
      assert.equal(drafts.has(p.plan_id), p.plan_id === chosen.plan_id, `draft ${p.plan_id} kept only if chosen`);
    }
    // The draft's grids are the plan view's changed grids, drawn on its work layer.
    await idle(page);
    const work = new Set((await rendered(page, ["plan-work-fill"])).map((f) => f.properties.code));
    const proposed = chosen.grids.map((g) => g.code);
    assert.ok(proposed.some((c) => work.has(c)), `the draft's grids are drawn: ${[...work].join(",")}`);
    assert.equal(await page.locator("#plan-counts").getAttribute("data-errors"), "0");
    if (shot) await screenshot(page, `${shot}-draft.png`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await discardNewDrafts(before);
  }
}

test("a planner on a desktop proposes grids, compares alternatives and opens one as a draft", async () => {
  await proposeThroughPage({ contextOptions: { viewport: { width: 1440, height: 900 } }, shot: "propose-desktop" });
});

test("a planner on a phone proposes grids and opens one as a draft", async () => {
  await proposeThroughPage({ contextOptions: PHONE, shot: "propose-phone" });
});
