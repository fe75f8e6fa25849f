// Coverage that explains itself and reports to hand on (issue 18): the sortable table (worst first),
// colours checked with a colour-vision simulation, gaps counted by households, the circle-vs-walking
// numbers, suggested sites with address and walking area kept across minutes, clicks that stay in
// the view; CSV and .xlsx downloads parsed and compared with the API, a printed PDF whose map is not
// blank, a PNG of the map; the thematic preset for the 300–500 households rule.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ARTIFACTS, PHONE, TIMEOUT, api, assertNotBlank, idle, openPage, rendered, screenshot, useBrowser } from "./helpers.mjs";
import { decodePng, pixelVariety } from "./png.mjs";
import { parseCsv, readXlsx } from "./sheets.mjs";

useBrowser();

const DESKTOP = { viewport: { width: 1440, height: 900 }, acceptDownloads: true };

/** Clicks `locator` and answers the downloaded file's name and bytes. */
async function download(page, locator) {
  const [dl] = await Promise.all([page.waitForEvent("download"), locator.click()]);
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(await dl.path()) };
}

test("coverage: worst first, safe colours, gaps by households, circle-vs-walking numbers, downloads, print and PNG", { timeout: TIMEOUT * 2 }, async (t) => {
  const { page, context, problems } = await openPage("/#view=coverage", DESKTOP);
  try {
    await page.waitForSelector("#cov-table tbody tr");
    await idle(page);
    const kind = await page.locator("#cov-kind").inputValue();
    const q = `kind=${encodeURIComponent(kind)}&minutes=15`;
    const stats = await api(`/api/v1/coverage/stats?level=community&${q}`);
    const coverage = await api(`/api/v1/coverage?${q}`);

    // The table: worst coverage first; a header sorts, again reverses.
    const codes = () => page.locator("#cov-table tbody tr").evaluateAll((trs) => trs.map((tr) => tr.dataset.code));
    const byPct = [...stats.stats].sort((a, b) => a.covered_households_pct - b.covered_households_pct || a.code.localeCompare(b.code));
    assert.deepEqual(await codes(), byPct.map((r) => r.code), "worst first");
    assert.equal(await page.locator('#cov-table th[data-col="pct"]').getAttribute("aria-sort"), "ascending");
    await page.locator('#cov-table th[data-col="households"] button').click();
    const byHh = [...stats.stats].sort((a, b) => b.households - a.households || a.code.localeCompare(b.code));
    assert.deepEqual(await codes(), byHh.map((r) => r.code), "most households first");
    await page.locator('#cov-table th[data-col="households"] button').click();
    assert.equal(await page.locator('#cov-table th[data-col="households"]').getAttribute("aria-sort"), "ascending");
    await page.locator('#cov-table th[data-col="pct"] button').click();

    // Colours: every pair of classes and layers stays apart (CIE76 ΔE ≥ 12) seen normally and with
    // protanopia, deuteranopia and tritanopia; the old red–green ramp did not.
    const colours = await page.evaluate(() => {
      const p = window.wangge.palette;
      return {
        now: p.worstPair([...p.RATE_CLASSES.map((c) => c.color), p.COVERAGE_COLORS.circle, p.COVERAGE_COLORS.suggest]),
        old: p.worstPair(["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"]),
        rule: p.worstPair(window.wangge.thematic.RULE_COLORS),
      };
    });
    t.diagnostic(`worst colour pair: ${JSON.stringify(colours.now)}; old ramp: ${JSON.stringify(colours.old)}`);
    assert.ok(colours.now.deltaE >= 12, `coverage colours apart: ${JSON.stringify(colours.now)}`);
    assert.ok(colours.rule.deltaE >= 12, `rule colours apart: ${JSON.stringify(colours.rule)}`);
    assert.ok(colours.old.deltaE < 12, "the check would have caught the old palette");

    // Gaps: only those with households are problems, drawn and counted.
    const gaps = coverage.features.filter((f) => f.properties.layer === "coverage_gap");
    const real = gaps.filter((f) => f.properties.uncovered_households > 0);
    assert.ok(real.length > 0 && real.length < gaps.length, "the demo has gaps with and without households");
    assert.equal(await page.locator("#cov-gaps").getAttribute("data-gaps"), String(real.length));
    assert.equal(await page.locator("#cov-gaps").getAttribute("data-empty"), String(gaps.length - real.length));
    const drawn = await rendered(page, ["cov-gap-fill"]);
    assert.ok(drawn.length > 0 && drawn.every((f) => f.properties.uncovered_households > 0), "0-household gaps are not drawn");

    // Straight line vs walking, in numbers.
    const excess = coverage.stats.circle_excess;
    assert.equal(await page.locator("#cov-excess").getAttribute("data-households"), String(excess.households));
    assert.ok((await page.locator("#cov-excess").innerText()).includes(excess.households.toLocaleString("zh-CN")));

    // A tap on the map stays in the view: that community's coverage, no card.
    const row = byPct[0];
    const comm = await api(`/api/v1/layers/community/features/${row.code}`);
    const b = await api("/api/v1/layers/building/features?limit=2000");
    const home = b.features.find((f) => f.geometry?.type === "Point" && f.properties.parent_code?.startsWith(row.code));
    assert.ok(home && comm, "a building of the worst community");
    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 15), home.geometry.coordinates);
    const at = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), home.geometry.coordinates);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction((c) => document.querySelector(`#cov-table tr.current[data-code="${c}"]`), row.code);
    assert.equal(await page.evaluate(() => window.wangge.state.view), "coverage");
    assert.equal(await page.locator("#card").isHidden(), true, "no card under the panel");
    assert.ok((await page.locator("#cov-focus").innerText()).includes(row.name));
    await page.locator(`#cov-table tbody tr[data-code="${byPct[1].code}"] button`).click();
    assert.equal(await page.evaluate(() => window.wangge.state.view), "coverage", "a community in the table keeps the view");

    // Downloads: the API's CSV and .xlsx equal its JSON.
    const csv = await download(page, page.locator('#cov-dl-table [data-format="csv"]'));
    const rows = parseCsv(csv.bytes.toString("utf8"));
    const col = (name) => rows[0].indexOf(name);
    for (const r of stats.stats) {
      const line = rows.find((x) => x[col("code")] === r.code);
      assert.ok(line, `${r.code} in the CSV`);
      assert.equal(Number(line[col("households")]), r.households);
      assert.equal(Number(line[col("covered_households")]), r.covered_households);
    }
    const xlsx = await download(page, page.locator('#cov-dl-table [data-format="xlsx"]'));
    assert.match(xlsx.name, /\.xlsx$/);
    const sheet = readXlsx(xlsx.bytes);
    const total = sheet.find((r) => r?.[0] === "total");
    assert.equal(total[sheet[0].indexOf("covered_households")], stats.total.covered_households);
    // The page's own table of uncovered buildings.
    const unc = readXlsx((await download(page, page.locator('#cov-dl-buildings [data-format="xlsx"]'))).bytes);
    const expectedUnc = stats.stats.reduce((n, r) => n + (r.uncovered_buildings?.length ?? 0), 0);
    assert.equal(unc.length - 1, expectedUnc, "every uncovered building");
    assert.equal(unc.slice(1).reduce((n, r) => n + r[3], 0), stats.total.uncovered_households);

    // Suggested sites: address, community, walking area; kept when the minutes change.
    await page.locator("#cov-suggest-go").click();
    await page.waitForSelector("#cov-picks li");
    const picks = await page.evaluate(() => window.wangge.coverage.last.suggest.picks);
    assert.ok(picks.every((p) => p.address?.text && p.community?.name && p.walk_area?.type), JSON.stringify(picks[0]).slice(0, 300));
    assert.ok((await page.locator("#cov-picks li").first().innerText()).includes(picks[0].community.name));
    await idle(page);
    assert.ok((await rendered(page, ["cov-preview-fill"])).length > 0, "the first site's walking area is drawn");
    const pickRows = parseCsv((await download(page, page.locator('#cov-dl-picks [data-format="csv"]'))).bytes.toString("utf8"));
    assert.deepEqual(pickRows.slice(1).map((r) => Number(r[3])), picks.map((p) => p.gain_households));
    await screenshot(page, "report-coverage-desktop.png").then(assertNotBlank);
    await page.getByRole("button", { name: "10 分钟" }).click();
    await page.waitForFunction(() => window.wangge.coverage.last.suggest?.params.minutes === 10, null, { timeout: 60_000 });
    assert.equal(await page.locator("#cov-picks li").count(), picks.length, "the suggestions stay, recomputed for 10 minutes");

    // PNG of the map view.
    const shot = await download(page, page.locator("#rep-png-coverage"));
    assert.match(shot.name, /\.png$/);
    const img = decodePng(shot.bytes);
    const v = pixelVariety(img);
    assert.ok(v.colours > 40 && v.notBackground > 0.2, `the PNG shows the map: ${JSON.stringify(v)}`);

    // The printed report: a PDF whose map area is drawn (not a transparent canvas).
    await page.evaluate(() => window.wangge.report.build());
    // (printing ends with `afterprint`, which takes the report away again)
    const text = await page.evaluate(() => document.getElementById("report").innerText);
    assert.ok(text.includes("覆盖报告") && text.includes("制图日期") && text.includes("比例尺") && text.includes("OpenStreetMap"), text.slice(0, 400));
    assert.equal(await page.locator("#report tbody tr").count(), stats.stats.length, "the report carries the table");
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wangge-pdf-"));
    fs.writeFileSync(path.join(dir, "report.pdf"), pdf);
    execFileSync("pdftoppm", ["-r", "60", "-png", "-f", "1", "-l", "1", path.join(dir, "report.pdf"), path.join(dir, "page")]);
    const pagePng = fs.readdirSync(dir).find((f) => f.endsWith(".png"));
    fs.copyFileSync(path.join(dir, pagePng), path.join(ARTIFACTS, "report-print.png"));
    const printed = decodePng(fs.readFileSync(path.join(dir, pagePng)));
    // The map image spans the page's width from under the title: rows 12–45 % of the page.
    const y0 = Math.round(printed.height * 0.12);
    const y1 = Math.round(printed.height * 0.45);
    const band = { width: printed.width, height: y1 - y0, data: printed.data.subarray(y0 * printed.width * 4, y1 * printed.width * 4) };
    const pv = pixelVariety(band);
    t.diagnostic(`printed map band: ${JSON.stringify(pv)}`);
    assert.ok(pv.colours > 40 && pv.notBackground > 0.5, `the printed map is not blank: ${JSON.stringify(pv)}`);
    fs.rmSync(dir, { recursive: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("thematic preset for the 300–500 households rule, its classes downloaded, on a phone in English", { timeout: TIMEOUT }, async () => {
  const rules = await api("/api/v1/rules");
  const [lo, hi] = rules.grid_households;
  const grids = (await api("/api/v1/layers/grid/features?limit=10000")).features;
  const hh = grids.map((g) => g.properties.households).filter((x) => typeof x === "number");
  const expected = { below: hh.filter((x) => x < lo).length, within: hh.filter((x) => x >= lo && x <= hi).length, above: hh.filter((x) => x > hi).length };
  const { page, context, problems } = await openPage("/?lang=en#view=thematic", { ...PHONE, acceptDownloads: true });
  try {
    await page.waitForSelector("#them-preset-rule");
    assert.ok((await page.locator("#them-preset-rule").innerText()).includes(`${lo}–${hi}`));
    await page.locator("#them-preset-rule").click();
    await page.waitForSelector('#them-legend li[data-class="within"]');
    const legend = Object.fromEntries(await page.locator("#them-legend li[data-class]").evaluateAll((li) => li.map((x) => [x.dataset.class, Number(x.dataset.count)])));
    assert.deepEqual(legend, expected);
    assert.match(await page.locator('#them-legend li[data-class="within"]').innerText(), /within the rule/);
    await idle(page);
    assert.equal(new Set((await rendered(page, ["thematic-fill"])).map((f) => f.properties.code)).size, grids.length, "every grid coloured");
    const csv = parseCsv((await download(page, page.locator('#them-dl [data-format="csv"]'))).bytes.toString("utf8"));
    assert.deepEqual(csv.slice(1).map((r) => Number(r[3])), [expected.below, expected.within, expected.above]);
    const xl = readXlsx((await download(page, page.locator('#them-dl [data-format="xlsx"]'))).bytes);
    assert.deepEqual(xl.slice(1).map((r) => r[3]), [expected.below, expected.within, expected.above]);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow");
    await screenshot(page, "report-thematic-rule-phone-en.png").then(assertNotBlank);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
