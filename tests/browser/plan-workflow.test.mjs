// The planning workflow around the edits, in a real browser: undo and redo (buttons on a phone,
// Ctrl+Z / Ctrl+Shift+Z on a desktop), discarding a draft, signing out and resuming it, the publish
// dialog (its refusals name the field), a window another publish left behind (rebased onto the new
// revision), restoring a revision from the history, and drawing a new grid. Every flow ends in a
// publish and a lookup that answers with the new boundary. Needs WANGGE_PLANNER_TOKEN.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, PHONE, api, idle, openPage, rendered, screenshot, useBrowser } from "./helpers.mjs";
import {
  PLANNER, bbox, clickAt, fit, gridAtPoint, mergeThroughPage, neighbours, publishThroughDialog, settled, signIn, version,
} from "./plan-helpers.mjs";

useBrowser();

const DESKTOP = { viewport: { width: 1440, height: 900 } };
const skip = !PLANNER && "WANGGE_PLANNER_TOKEN is not set";

/** The page's failures, less the 400s a test provoked on purpose (`url` matches their address). */
const unexpected = (problems, url) => problems.filter((p) => !url.test(p) && !/status of 400 \(Bad Request\)/.test(p));

/** The grids the map draws as changed by the draft. */
async function drawnChanged(page) {
  await idle(page);
  return new Set((await rendered(page, ["plan-work-fill"])).map((f) => f.properties.code));
}

/** Waits until the page shows `undo` steps to undo and `redo` to redo, and is not busy. */
async function steps(page, undo, redo) {
  await page.waitForFunction(([u, r]) => {
    const s = window.wangge.plan.session;
    return !s.busy && s.undoSteps === u && s.redoSteps === r;
  }, [undo, redo], { timeout: 30_000 });
}

/** The plan as the API has it, or its HTTP status when there is none. */
async function planOrStatus(id) {
  const r = await fetch(`${BASE}/api/v1/plans/${id}`, { headers: { Authorization: `Bearer ${PLANNER}` } });
  return r.ok ? r.json() : r.status;
}

test("on a desktop: Ctrl+Z and Ctrl+Shift+Z undo and redo, discard asks first, signing out keeps the draft and signing in resumes it", { timeout: 240_000, skip }, async () => {
  const pair = await neighbours();
  const { g, n, pn } = pair;
  const { page, context, problems } = await openPage("/#view=plan", DESKTOP);
  try {
    const first = await signIn(page);
    await mergeThroughPage(page, pair);
    await steps(page, 1, 0);
    await page.locator("#map canvas").focus();
    await page.keyboard.press("Control+z");
    await steps(page, 0, 1);
    assert.equal((await api(`/api/v1/plans/${first}`)).edits.length, 0, "Ctrl+Z undid the merge");
    await page.keyboard.press("Control+Shift+z");
    await steps(page, 1, 0);
    assert.equal((await api(`/api/v1/plans/${first}`)).edits.length, 1, "Ctrl+Shift+Z redid it");

    // Discard asks first; "cancel" keeps everything.
    await page.locator("#plan-discard").click();
    await page.waitForSelector("#confirm-dialog[open]");
    await screenshot(page, "plan-discard-confirm.png");
    await page.locator("#confirm-no").click();
    assert.equal((await api(`/api/v1/plans/${first}`)).edits.length, 1, "a cancelled discard keeps the draft");
    await page.locator("#plan-discard").click();
    await page.locator("#confirm-yes").click();
    await page.waitForFunction((id) => window.wangge.plan.session.plan?.id !== id && !window.wangge.plan.session.busy, first);
    assert.equal(await planOrStatus(first), 404, "the discarded draft is gone");
    assert.equal((await drawnChanged(page)).size, 0, "the map draws no change any more");
    assert.equal(await gridAtPoint(pn), n.properties.code, "the published boundary is untouched");

    // Work in the new draft, sign out: the draft stays; signing in again resumes it.
    const second = await page.evaluate(() => window.wangge.plan.session.plan.id);
    await mergeThroughPage(page, pair);
    await page.locator("#plan-signout").click();
    await page.waitForSelector("#plan-token");
    const kept = await planOrStatus(second);
    assert.equal(kept.status, "draft", "signing out does not throw the draft away");
    assert.deepEqual(kept.edits.map((e) => e.op), ["merge"]);
    assert.equal(await signIn(page), second, "signing in resumes the draft");
    assert.ok((await drawnChanged(page)).has(g.properties.code), "the resumed draft is drawn");
    assert.equal(await page.evaluate(() => window.wangge.plan.session.undoSteps), 1);

    await publishThroughDialog(page, second, { message: "撤销、放弃与继续（浏览器测试）" });
    assert.equal(await gridAtPoint(pn), g.properties.code, "a lookup where the absorbed grid was answers with the merged one");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("on a phone: merge by tapping, undo and redo with the buttons, publish through the dialog that names a missing message and a back-dated date", { timeout: 240_000, skip }, async () => {
  const pair = await neighbours();
  const { g, n, pn } = pair;
  const { page, context, problems } = await openPage("/#view=plan", PHONE);
  try {
    const planId = await signIn(page);
    await mergeThroughPage(page, pair, true);
    await steps(page, 1, 0);
    assert.ok(await page.locator("#plan-undo").isEnabled(), "undo is offered");
    assert.ok(await page.locator("#plan-redo").isDisabled(), "nothing to redo");
    assert.ok((await drawnChanged(page)).has(g.properties.code), "the merged grid is drawn");

    await page.locator("#plan-undo").click();
    await steps(page, 0, 1);
    let plan = await api(`/api/v1/plans/${planId}`);
    assert.deepEqual([plan.edits.length, plan.undo_steps, plan.redo_steps], [0, 0, 1], "the server took the merge back");
    assert.equal((await drawnChanged(page)).size, 0, "the map no longer draws a change");
    assert.equal(await page.locator(`#plan-sizes tr[data-grid="${n.properties.code}"]`).count(), 1, "the absorbed grid is back in the table");
    assert.ok(await page.locator("#plan-redo").isEnabled(), "redo is offered");

    await page.locator("#plan-redo").click();
    await steps(page, 1, 0);
    plan = await api(`/api/v1/plans/${planId}`);
    assert.deepEqual(plan.edits.map((e) => e.op), ["merge"], "the server put the merge back");
    assert.ok((await drawnChanged(page)).has(g.properties.code), "the merged grid is drawn again");
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow");
    await screenshot(page, "phone-plan-undo.png");

    // The dialog: the server's refusals name the field, beside it.
    await page.locator("#plan-publish").click();
    await page.waitForSelector("#publish-dialog[open]");
    const box = await page.locator("#publish-dialog").boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the dialog fits the phone: ${JSON.stringify(box)}`);
    assert.ok(await page.locator(`#publish-changes tr[data-code="${n.properties.code}"][data-change="removed"]`).count() === 1, "the dialog lists the absorbed grid as removed");
    await screenshot(page, "phone-publish-dialog.png");
    await page.locator("#publish-confirm").click();
    await page.waitForSelector("#publish-message-error:not([hidden])");
    assert.match(await page.locator("#publish-message-error").innerText(), /message|说明|留言|信息/);
    assert.equal(await page.locator("#publish-message").getAttribute("aria-invalid"), "");
    // The test before this one published, so there is a current revision to be before.
    const current = await api("/api/v1/revisions");
    const currentDate = current.revisions.find((r) => r.id === current.current)?.effective_date;
    assert.ok(currentDate, "a revision is current");
    const earlier = new Date(Date.parse(currentDate) - 86_400_000 * 400).toISOString().slice(0, 10);
    await page.locator("#publish-message").fill("手机上合并网格（浏览器测试）");
    await page.locator("#publish-date").fill(earlier);
    await page.locator("#publish-confirm").click();
    await page.waitForSelector("#publish-date-error:not([hidden])");
    assert.match(await page.locator("#publish-date-error").innerText(), /effective_date|生效日期|日期/);
    assert.ok(await page.locator("#publish-message-error").isHidden(), "the message is no longer marked");
    await screenshot(page, "phone-publish-refused.png");
    assert.equal((await api("/api/v1/revisions")).current, current.current, "nothing was published");
    await page.locator("#publish-cancel").click();
    await page.waitForFunction(() => !document.getElementById("publish-dialog"));

    await publishThroughDialog(page, planId, { message: "手机上合并网格（浏览器测试）" });
    assert.equal(await gridAtPoint(pn), g.properties.code, "a lookup where the absorbed grid was answers with the merged one");
    assert.deepEqual(unexpected(problems, /\/publish\b/), []);
  } finally {
    await context.close();
  }
});

test("a window another publish left behind offers a rebase; the rebased draft publishes; a restored revision publishes the old boundary back", { timeout: 240_000, skip }, async () => {
  const pair = await neighbours();
  const { g, n, pn } = pair;
  const { page, context, problems } = await openPage("/#view=plan", DESKTOP);
  try {
    const stalePlan = await signIn(page);
    await mergeThroughPage(page, pair);
    const before = (await api("/api/v1/revisions")).current;

    // Meanwhile someone else renames a grid far away and publishes it.
    const other = (await api("/api/v1/layers/grid/features?limit=10000")).features
      .find((f) => f.properties.code !== g.properties.code && f.properties.code !== n.properties.code && f.properties.parent_code !== g.properties.parent_code);
    const auth = { Authorization: `Bearer ${PLANNER}`, "Content-Type": "application/json" };
    const theirs = await api("/api/v1/plans", { method: "POST", headers: auth, body: JSON.stringify({ name: "另一个窗口" }) });
    const renamed = { ...other, properties: { ...other.properties, name: `${other.properties.name}（改名）` } };
    await api(`/api/v1/plans/${theirs.id}/edits`, { method: "POST", headers: auth, body: JSON.stringify({ op: "replace", layer: "grid", feature: renamed }) });
    const date = (await api("/api/v1/revisions")).revisions.find((r) => r.id === before)?.effective_date;
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await api(`/api/v1/plans/${theirs.id}/publish`, { method: "POST", headers: auth, body: JSON.stringify({ message: "另一个窗口的改名", effective_date: date > today ? date : today }) });

    // Coming back to the window, the page sees it is behind.
    await page.evaluate(() => window.dispatchEvent(new Event("focus")));
    await page.waitForSelector("#plan-stale");
    assert.ok(await page.locator("#plan-publish").isDisabled(), "a stale draft cannot be published");
    await screenshot(page, "plan-stale.png");
    await page.locator("#plan-rebase").click();
    await page.waitForFunction((id) => {
      const s = window.wangge.plan.session;
      return s.plan && s.plan.id !== id && !s.busy && !document.getElementById("plan-stale");
    }, stalePlan);
    const rebased = await page.evaluate(() => window.wangge.plan.session.plan.id);
    const fresh = await api(`/api/v1/plans/${rebased}`);
    assert.equal(fresh.base_revision, (await api("/api/v1/revisions")).current, "the new draft is based on the new revision");
    assert.deepEqual(fresh.edits.map((e) => e.op), ["merge"], "it holds the same edits");
    assert.equal(await planOrStatus(stalePlan), 404, "the stale draft was replaced");
    assert.ok((await drawnChanged(page)).has(g.properties.code), "the rebased merge is drawn");

    const merged = await publishThroughDialog(page, rebased, { message: "变基后的合并（浏览器测试）" });
    assert.equal(await gridAtPoint(pn), g.properties.code, "the merge is published");
    const named = await api(`/api/v1/layers/grid/features/${other.properties.code}`);
    assert.equal(named.properties.name, renamed.properties.name, "the other window's rename is kept");

    // History: restore the revision before the merge and publish it; the old boundary is back.
    await page.locator("#plan-revisions summary").click();
    const previous = merged - 1;
    await page.locator(`[data-restore="${previous}"]`).click();
    await page.locator("#confirm-yes").click();
    // The publish before left "已发布，版本 #N" in the same place, so wait for the restoring draft itself.
    await page.waitForFunction(() => {
      const s = window.wangge.plan.session;
      return s.plan && !s.busy && /恢复修订|restores revision/.test(document.getElementById("plan-message")?.textContent ?? "");
    });
    const restoring = await page.evaluate(() => window.wangge.plan.session.plan.id);
    assert.ok((await drawnChanged(page)).size > 0, "the restoring draft is drawn");
    await publishThroughDialog(page, restoring, { message: "恢复合并前的边界（浏览器测试）" });
    assert.equal(await gridAtPoint(pn), n.properties.code, "a lookup answers with the restored boundary");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

/**
 * A square of about `half` metres half-size around a point well inside a published grid, every
 * corner inside that grid (by the API's lookup), for drawing a new grid into it.
 */
async function squareInGrid() {
  const grids = (await api("/api/v1/layers/grid/features?limit=10000")).features
    .filter((f) => f.geometry.type === "Polygon" && f.properties.kind === "综合");
  for (const g of grids) {
    const ring = g.geometry.coordinates[0];
    const [x0, y0, x1, y1] = bbox(ring);
    const c = [(x0 + x1) / 2, (y0 + y1) / 2];
    for (const half of [60, 40]) {
      const dx = half / (111_320 * Math.cos((c[1] * Math.PI) / 180));
      const dy = half / 110_574;
      const corners = [[c[0] - dx, c[1] - dy], [c[0] + dx, c[1] - dy], [c[0] + dx, c[1] + dy], [c[0] - dx, c[1] + dy]];
      let ok = true;
      for (const p of [c, ...corners]) {
        const a = await api(`/api/v1/lookup?lon=${p[0]}&lat=${p[1]}`);
        if (a.grid?.code !== g.properties.code || a.on_boundary) { ok = false; break; }
      }
      if (ok) return { g, c, corners };
    }
  }
  throw new Error("no grid with room for a new one inside");
}

test("a planner draws a new grid inside another, lets the host give way and moves the buildings, publishes, and lookups answer with the new grid", { timeout: 240_000, skip }, async () => {
  const { g, c, corners } = await squareInGrid();
  const { page, context, problems } = await openPage("/#view=plan", DESKTOP);
  try {
    const planId = await signIn(page);
    await fit(page, bbox(corners), 200);
    await page.locator("#plan-snap").uncheck();
    await page.locator("#plan-draw").click();
    await page.waitForFunction(() => window.wangge.plan.session.tool === "draw");
    await idle(page);
    const v = await version(page);
    for (const p of corners) await clickAt(page, p);
    await clickAt(page, corners[0]); // closing the ring finishes the polygon
    await settled(page, v);
    const created = (await api(`/api/v1/plans/${planId}`)).edits.find((e) => e.op === "create");
    assert.ok(created, "the draft holds the new grid");
    const code = created.feature.properties.code;
    assert.equal(created.feature.properties.parent_code, g.properties.parent_code, "it belongs to the host's community");
    assert.equal(await page.evaluate(() => window.wangge.plan.session.selected), code, "the new grid is selected");
    assert.ok((await drawnChanged(page)).has(code), "the new grid is drawn");

    // The host overlaps it: the fix lets the host give way (move_boundary), then buildings move in.
    await page.waitForSelector(`[data-fix="${g.properties.code}"]`);
    let w = await version(page);
    await page.locator(`[data-fix="${g.properties.code}"]`).click();
    await settled(page, w);
    for (let i = 0; i < 20 && (await page.locator("[data-fix-building]").count()) > 0; i++) {
      w = await version(page);
      await page.locator("[data-fix-building]").first().click();
      await settled(page, w);
    }
    assert.equal(await page.locator("#plan-counts").getAttribute("data-errors"), "0", await page.locator("#plan-findings").innerText());
    // A finding is a link to the map: it selects and frames the feature it names.
    const finding = page.locator(`#plan-findings li[data-layer="grid"][data-code="${code}"] .finding`).first();
    if (await finding.count()) {
      await page.evaluate(() => window.wangge.plan.session.selected = null);
      await finding.click();
      assert.equal(await page.evaluate(() => window.wangge.plan.session.selected), code, "clicking its finding selects the new grid");
    }
    await screenshot(page, "plan-draw.png");
    await publishThroughDialog(page, planId, { message: "新建网格（浏览器测试）" });
    assert.equal(await gridAtPoint(c), code, "a lookup inside the drawn square answers with the new grid");
    assert.equal(await gridAtPoint(corners[0].map((x, i) => x + (x - c[i]) * 0.5)), g.properties.code, "outside it the host still answers");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
