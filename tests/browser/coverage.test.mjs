// The coverage and thematic views in a real browser: gaps drawn, the per-community table equal to
// the API's figures, the choropleth, suggested sites with their gains, and the classed legend.

import { test } from "node:test";
import assert from "node:assert/strict";
import { PHONE, TIMEOUT, api, assertNotBlank, hashParams, openPage, rendered, screenshot, tabReach, useBrowser } from "./helpers.mjs";

useBrowser();

const pct = (x) => `${x.toLocaleString("zh-CN", { minimumFractionDigits: 1, maximumFractionDigits: 1 })}%`;

test("the coverage view draws service areas and gaps and its table equals /api/v1/coverage/stats", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/");
  try {
    await page.getByRole("button", { name: "服务覆盖" }).click();
    await page.waitForSelector("#cov-table tbody tr");
    await page.evaluate(() => window.wangge.idle());
    const kind = await page.locator("#cov-kind").inputValue();
    const q = `kind=${encodeURIComponent(kind)}&minutes=15`;
    const stats = await api(`/api/v1/coverage/stats?level=community&${q}`);
    const coverage = await api(`/api/v1/coverage?${q}`);

    // Every community row: households, covered households and the rate, exactly as the API says.
    const rows = await page.locator("#cov-table tbody tr").evaluateAll((trs) => trs.map((tr) => ({
      code: tr.dataset.code,
      households: tr.querySelector('[data-col="households"]').textContent,
      covered: tr.querySelector('[data-col="covered"]').textContent,
      pct: tr.querySelector('[data-col="pct"]').textContent,
    })));
    assert.equal(rows.length, stats.stats.length);
    // The table is sorted worst first (report.test.mjs checks the order); compare row by code.
    for (const r of stats.stats) {
      const i = rows.findIndex((x) => x.code === r.code);
      assert.ok(i >= 0, `${r.code} in the table`);
      assert.equal(rows[i].households, r.households.toLocaleString("zh-CN"), `${r.code} households`);
      assert.equal(rows[i].covered, r.covered_households.toLocaleString("zh-CN"), `${r.code} covered`);
      assert.equal(rows[i].pct, pct(r.covered_households_pct), `${r.code} rate`);
    }
    const total = await page.locator('#cov-table tfoot [data-col="pct"]').innerText();
    assert.equal(total, pct(stats.total.covered_households_pct));
    assert.ok((await page.locator("#cov-summary").innerText()).includes(stats.total.uncovered_households.toLocaleString("zh-CN")));

    // The map: service areas, gap pieces and the choropleth are drawn.
    const gaps = coverage.features.filter((f) => f.properties.layer === "coverage_gap");
    assert.ok(gaps.length > 0, "the demo has gaps");
    const drawnGaps = new Set((await rendered(page, ["cov-gap-fill"])).map((f) => f.properties.grid));
    assert.ok(drawnGaps.size > 0 && [...drawnGaps].every((g) => gaps.some((x) => x.properties.grid === g)), "gap pieces are drawn");
    assert.ok((await rendered(page, ["cov-circle-line"])).length > 0, "walking service areas are drawn");
    assert.ok((await rendered(page, ["cov-choropleth"])).length > 0, "communities are coloured by coverage rate");
    assert.equal(hashParams(page.url()).get("view"), "coverage");
    assertNotBlank(await screenshot(page, "coverage.png"));

    // Straight-line circles switch on beside the walking ones; 10 minutes recomputes the table.
    await page.locator("#cov-straight").check();
    await page.waitForFunction(() => window.wangge.coverage.last.straight !== null);
    await page.evaluate(() => window.wangge.idle());
    assert.ok((await rendered(page, ["cov-straight-line"])).length > 0, "straight-line circles are drawn");
    await page.getByRole("button", { name: "10 分钟" }).click();
    await page.waitForFunction(() => window.wangge.coverage.last.coverage?.params.minutes === 10);
    const stats10 = await api(`/api/v1/coverage/stats?level=community&kind=${encodeURIComponent(kind)}&minutes=10`);
    assert.equal(await page.locator('#cov-table tfoot [data-col="covered"]').innerText(), stats10.total.covered_households.toLocaleString("zh-CN"));
    assert.equal(hashParams(page.url()).get("minutes"), "10");

    // Suggested sites with their gains, as the API computes them.
    await page.locator("#cov-suggest-go").click();
    await page.waitForSelector("#cov-picks li");
    const gains = await page.locator("#cov-picks li").evaluateAll((li) => li.map((x) => Number(x.dataset.gain)));
    const expected = await api("/api/v1/coverage/suggest", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ k: 3, minutes: 10, kind, candidates: "buildings" }),
    });
    assert.deepEqual(gains, expected.picks.map((p) => p.gain_households));
    await page.evaluate(() => window.wangge.idle());
    assert.equal((await rendered(page, ["cov-suggest"])).length, 3, "three suggested sites on the map");
    await screenshot(page, "coverage-suggest.png");
    await tabReach(page, ["cov-kind", "cov-straight", "cov-choro", "cov-suggest-go"], 70);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the coverage view fits a 390-px phone", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/#view=coverage", PHONE);
  try {
    await page.waitForSelector("#cov-table tbody tr");
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow");
    const b = await page.locator("#panel-coverage").boundingBox();
    assert.ok(b.x >= 0 && b.x + b.width <= 390, `panel on screen: ${JSON.stringify(b)}`);
    assertNotBlank(await screenshot(page, "phone-coverage.png"));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the thematic view classes grids by a numeric attribute with a legend that counts every grid", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/");
  try {
    await page.getByRole("button", { name: "专题图" }).click();
    await page.waitForSelector("#them-legend li[data-count]");
    const grids = (await api("/api/v1/layers/grid/features?limit=10000")).features;
    const values = grids.map((g) => g.properties.households).filter((x) => typeof x === "number");
    const legend = await page.locator("#them-legend li[data-count]").evaluateAll((li) =>
      li.map((x) => ({ from: Number(x.dataset.from), to: Number(x.dataset.to), count: Number(x.dataset.count) })));
    assert.equal(legend.length, 5, "five classes by default");
    assert.equal(legend.reduce((s, c) => s + c.count, 0), values.length, "every grid falls in one class");
    assert.equal(legend[0].from, Math.min(...values));
    assert.equal(legend[legend.length - 1].to, Math.max(...values));
    await page.evaluate(() => window.wangge.idle());
    const drawn = new Set((await rendered(page, ["thematic-fill"])).map((f) => f.properties.code));
    assert.equal(drawn.size, grids.length, "every grid is coloured");
    assertNotBlank(await screenshot(page, "thematic.png"));

    // Communities by residents in 3 equal intervals.
    await page.locator("#them-layer").selectOption("community");
    await page.locator("#them-attr").selectOption("residents");
    await page.locator("#them-classes").selectOption("3");
    await page.locator("#them-method").selectOption("equal");
    const three = await page.locator("#them-legend li[data-count]").evaluateAll((li) => li.map((x) => Number(x.dataset.to) - Number(x.dataset.from)));
    assert.equal(three.length, 3);
    assert.ok(Math.abs(three[0] - three[1]) < 1e-6 && Math.abs(three[1] - three[2]) < 1e-6, `equal intervals: ${three}`);
    const h = hashParams(page.url());
    assert.equal(h.get("tlayer"), "community");
    assert.equal(h.get("attr"), "residents");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
