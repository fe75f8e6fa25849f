// The 批量查询 / Batch panel (web/js/batch.js): a CSV and an .xlsx uploaded through the page, on a
// desktop and on a phone viewport, come back as downloads that keep every column of the user's and
// add the answer, checked cell by cell against the API; a bad workbook shows the API's own detail.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PHONE, TIMEOUT, api, openPage, screenshot, useBrowser } from "./helpers.mjs";
import { parseCsv, readXlsx } from "./sheets.mjs";

useBrowser();

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Six demo addresses spread over the city: `{ address, lon, lat }`. */
const ADDRESSES = fs.readFileSync(path.join(ROOT, "data/address.csv"), "utf8").trim().split("\n").slice(1)
  .filter((_, i) => i % 500 === 250)
  .map((line) => {
    const f = line.split(",");
    return { address: f[1], lon: Number(f[4]), lat: Number(f[5]) };
  });

/** An .xlsx made by the page's own writer (numbers as numbers, text as text). */
async function workbook(page, header, rows) {
  const bytes = await page.evaluate(async ({ header, rows }) => {
    const { toXlsx } = await import("/js/table-export.js");
    return Array.from(new Uint8Array(await toXlsx({ header, rows }, "走访").arrayBuffer()));
  }, { header, rows });
  return Buffer.from(bytes);
}

/** Opens the panel, uploads `file` as `kind` ("points", "addresses" or null to keep the page's
 * choice), runs it and returns the downloaded file's name and bytes. */
async function runBatch(page, file, kind) {
  if (await page.locator("#batch-panel").isHidden()) await page.locator("#batch-open").click();
  await page.locator("#batch-file").setInputFiles(file);
  if (kind) await page.locator(`#batch-form input[name="kind"][value="${kind}"]`).check();
  await page.locator("#batch-go").click();
  const link = page.locator("#batch-download");
  await link.waitFor({ timeout: 30_000 });
  const [dl] = await Promise.all([page.waitForEvent("download"), link.click()]);
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(await dl.path()) };
}

const lookup = (lon, lat) => api(`/api/v1/lookup?lon=${lon}&lat=${lat}`);
const geocode = (q) => api(`/api/v1/geocode?q=${encodeURIComponent(q)}&limit=2`);

/** The panel lies inside the viewport, its controls are reachable, nothing scrolls sideways. */
async function assertFits(page) {
  const vw = page.viewportSize().width;
  const box = await page.locator("#batch-panel").boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= vw + 1, `panel inside the ${vw}px viewport: ${JSON.stringify(box)}`);
  const go = await page.locator("#batch-go").boundingBox();
  assert.ok(go.height >= 24 && go.x + go.width <= vw, "the run button is on screen");
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
}

test("desktop (中文): a CSV of points and an .xlsx of addresses come back answered; a bad workbook shows the API's detail", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/", { viewport: { width: 1366, height: 860 }, acceptDownloads: true });
  try {
    await page.locator("#batch-open").click();
    assert.equal(await page.locator("#batch-open").getAttribute("aria-expanded"), "true");
    await assertFits(page);

    // Points: the user's columns (an id with leading zeros, a note with a comma) stay as they are.
    const points = [...ADDRESSES.map((a, i) => [`00${i}`, `住户,${i}`, a.lon, a.lat]), ["099", "海上", 113.5, 22.0]];
    const csv = ["编号,备注,lon,lat", ...points.map(([id, note, lon, lat]) => `${id},"${note}",${lon},${lat}`)].join("\r\n");
    const got = await runBatch(page, { name: "走访点.csv", mimeType: "text/csv", buffer: Buffer.from(csv) }, null);
    assert.equal(got.name, "走访点-查询结果.csv");
    const rows = parseCsv(got.bytes.toString("utf8"));
    assert.deepEqual(rows[0].slice(0, 4), ["编号", "备注", "lon", "lat"]);
    assert.deepEqual(rows[0].slice(4, 6), ["covered", "grid_code"]);
    assert.equal(rows.length, points.length + 1);
    for (const [i, p] of points.entries()) {
      const r = rows[i + 1];
      assert.deepEqual(r.slice(0, 4), p.map(String), "the user's cells");
      const want = await lookup(p[2], p[3]);
      assert.equal(r[4], String(want.covered));
      assert.equal(r[5], want.grid?.code ?? "", `grid of ${p}`);
    }
    assert.match(await page.locator("#batch-msg").innerText(), new RegExp(`${points.length} 个点，${points.length - 1} 个在网格内`));

    // Addresses in a workbook: the user's numbers stay numbers, the answer columns are in Chinese.
    const header = ["编号", "户数", "详细地址"];
    const book = ADDRESSES.map((a, i) => [`A${i}`, 10 + i, a.address]);
    const xlsx = { name: "入户.xlsx", mimeType: XLSX, buffer: await workbook(page, header, book) };
    const answered = await runBatch(page, xlsx, "addresses");
    assert.equal(answered.name, "入户-查询结果.xlsx");
    const sheet = readXlsx(answered.bytes);
    assert.deepEqual(sheet[0].slice(0, 3), header);
    const col = (name) => sheet[0].indexOf(name);
    assert.ok(col("匹配状态") > 2 && col("匹配地址") > 2 && col("网格编码") > 2 && col("匹配经度") > 2, sheet[0].join(","));
    for (const [i, row] of book.entries()) {
      const r = sheet[i + 1];
      assert.deepEqual(r.slice(0, 3), row, "text stays text, numbers stay numbers");
      const best = (await geocode(row[2])).candidates[0];
      assert.equal(r[col("匹配状态")], "matched");
      assert.equal(r[col("匹配地址")], best.address);
      assert.equal(r[col("网格编码")], best.grid.code);
      assert.equal(typeof r[col("匹配经度")], "number");
      assert.ok(Math.abs(r[col("匹配经度")] - best.point.lon) < 1e-6);
    }
    await screenshot(page, "batch-desktop.png");

    // A workbook with no address column: the API's detail, shown as an error, and no download.
    const bad = { name: "无地址.xlsx", mimeType: XLSX, buffer: await workbook(page, ["编号", "说明"], [["1", "无"]]) };
    await page.locator("#batch-file").setInputFiles(bad);
    await page.locator('#batch-form input[name="kind"][value="addresses"]').check();
    await page.locator("#batch-go").click();
    await page.waitForFunction(() => document.getElementById("batch-panel").dataset.state === "error");
    const msg = page.locator("#batch-msg");
    assert.equal(await msg.getAttribute("role"), "alert");
    const text = await msg.innerText();
    assert.ok(text.includes("HTTP 400") && text.includes("没有地址列") && text.includes("说明"), text);
    assert.equal(await page.locator("#batch-download").count(), 0);
    // The one refused request is the bad workbook's (Chromium logs it as a console error too).
    const unexpected = problems.filter((p) => !/HTTP 400: .*\/api\/v1\/geocode\/batch|status of 400 \(Bad Request\)/.test(p));
    assert.equal(problems.length - unexpected.length, 2, problems.join("\n"));
    assert.deepEqual(unexpected, []);
  } finally {
    await context.close();
  }
});

test("phone (English): an address CSV and a points workbook, uploaded and downloaded on a 390 px screen", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/?lang=en", { ...PHONE, acceptDownloads: true });
  try {
    await page.locator("#batch-open").tap();
    assert.equal(await page.locator("#batch-title").innerText(), "Batch lookup");
    await assertFits(page);

    // An address CSV saved by Excel (a byte-order mark, a row of commas at the end): the kind is read
    // from its header, the empty row is not the user's data.
    const csv = "\ufeff序号,address,phone_note\r\n" + ADDRESSES.map((a, i) => `${i + 1},${a.address},call ${i}`).join("\r\n") + "\r\n9,火星基地九号,-\r\n,,\r\n"; // an empty tail row, as Excel saves one
    const got = await runBatch(page, { name: "addresses.csv", mimeType: "text/csv", buffer: Buffer.from(csv) }, null);
    assert.equal(await page.locator('#batch-form input[name="kind"][value="addresses"]').isChecked(), true, "read from the header");
    assert.equal(got.name, "addresses-answered.csv");
    const rows = parseCsv(got.bytes.toString("utf8"));
    assert.deepEqual(rows[0].slice(0, 4), ["序号", "address", "phone_note", "status"]);
    const at = (name) => rows[0].indexOf(name);
    for (const [i, a] of ADDRESSES.entries()) {
      const r = rows[i + 1];
      assert.deepEqual(r.slice(0, 3), [String(i + 1), a.address, `call ${i}`]);
      assert.equal(r[at("status")], "matched");
      assert.equal(r[at("grid_code")], (await geocode(a.address)).candidates[0].grid.code);
    }
    assert.equal(rows.at(-1)[at("status")], "not_found");
    assert.match(await page.locator("#batch-msg").innerText(), new RegExp(`${ADDRESSES.length + 1} addresses, ${ADDRESSES.length} matched`));

    // Points in a workbook: the lookup's grid columns added, the user's cells as they were.
    const header = ["name", "lon", "lat", "visits"];
    const book = ADDRESSES.map((a, i) => [`户 ${i}`, a.lon, a.lat, i * 2]);
    const xlsx = { name: "points.xlsx", mimeType: XLSX, buffer: await workbook(page, header, book) };
    const answered = await runBatch(page, xlsx, "points");
    assert.equal(answered.name, "points-answered.xlsx");
    const sheet = readXlsx(answered.bytes);
    assert.deepEqual(sheet[0].slice(0, 4), header);
    const gridAt = sheet[0].indexOf("grid_code");
    assert.ok(gridAt >= 4, sheet[0].join(","));
    for (const [i, row] of book.entries()) {
      assert.deepEqual(sheet[i + 1].slice(0, 4), row);
      assert.equal(sheet[i + 1][gridAt] ?? "", (await lookup(row[1], row[2])).grid?.code ?? "");
    }
    await screenshot(page, "batch-phone.png");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
