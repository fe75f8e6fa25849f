// Real-browser tests of the map page (web/), in Debian's Chromium driven by playwright-core.
//
// Needs a running server: WANGGE_URL=http://127.0.0.1:PORT (tests/browser/run.sh starts one with --demo).
// Screenshots go to tests/browser/artifacts/.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { decodePng, pixelVariety } from "./png.mjs";

const BASE = (process.env.WANGGE_URL || "").replace(/\/$/, "");
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(HERE, "artifacts");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 90_000;

let browser;

before(async () => {
  assert.ok(BASE, "set WANGGE_URL to the server's address (tests/browser/run.sh does this)");
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright-core starts Chromium with a fresh, temporary --user-data-dir of its own.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
});

// ---- helpers ----------------------------------------------------------------------------------------

async function api(pathAndQuery) {
  const r = await fetch(BASE + pathAndQuery);
  const body = await r.json();
  assert.ok(r.ok, `${pathAndQuery}: HTTP ${r.status} ${JSON.stringify(body)}`);
  return body;
}

/** A page that records console errors, uncaught exceptions and failed requests. */
async function openPage(url = "/", contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(BASE + url);
  await waitReady(page);
  return { page, context, problems };
}

async function waitReady(page) {
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 30_000 });
  await page.evaluate(() => window.wangge.ready);
}

/** Waits for the card to show `code` (a grid or community code, or "" when outside every grid). */
async function waitCard(page, predicate) {
  await page.waitForFunction(predicate, null, { timeout: 10_000 });
  return page.evaluate(() => {
    const card = document.getElementById("card");
    return { ...card.dataset, hidden: card.hidden, text: card.innerText };
  });
}

const isSelectionBlue = (r, g, b) => b > 170 && r < 90 && g < 130 && b - r > 120; // #1d4ed8 and its anti-aliasing

/**
 * Share of a grid's outline drawn in the selection colour on screen: the midpoints of its outer
 * edges (those at least 12 px long, on the map and not under the card or the controls) are checked in
 * a screenshot, with the page's own blue controls masked out.
 */
async function outlineHighlighted(page, feature) {
  const polys = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
  const rings = polys.map((p) => p[0]);
  const points = await page.evaluate((rings) => {
    const map = document.getElementById("map").getBoundingClientRect();
    const covers = [...document.querySelectorAll("#card, .topbar, .legend, .controls, #status, #map-hint")]
      .filter((e) => e.offsetParent !== null || e.tagName === "HEADER")
      .map((e) => e.getBoundingClientRect());
    const out = [];
    for (const ring of rings) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const a = window.wangge.toScreen(...ring[i]);
        const b = window.wangge.toScreen(...ring[i + 1]);
        if (Math.hypot(a.x - b.x, a.y - b.y) < 12) continue;
        const m = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
        if (m.x < map.left + 4 || m.x > map.right - 4 || m.y < map.top + 4 || m.y > map.bottom - 4) continue;
        if (covers.some((c) => m.x > c.left - 4 && m.x < c.right + 4 && m.y > c.top - 4 && m.y < c.bottom + 4)) continue;
        out.push(m);
      }
    }
    return out;
  }, rings);
  assert.ok(points.length >= 3, `enough of the grid's outline is on screen (${points.length} edges)`);
  const png = await page.screenshot({
    mask: ["#card", ".topbar", ".legend", ".controls", "#status"].map((s) => page.locator(s)),
    maskColor: "#ff00ff",
  });
  const { width, height, data } = decodePng(png);
  const k = width / page.viewportSize().width;
  let hits = 0;
  for (const p of points) {
    const cx = Math.round(p.x * k);
    const cy = Math.round(p.y * k);
    let hit = false;
    for (let dy = -3; dy <= 3 && !hit; dy++) {
      for (let dx = -3; dx <= 3 && !hit; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const i = (y * width + x) * 4;
        hit = isSelectionBlue(data[i], data[i + 1], data[i + 2]);
      }
    }
    if (hit) hits++;
  }
  return hits / points.length;
}

/** Distinct colours of the canvas itself, read in the page. */
function canvasVariety(page) {
  return page.evaluate(() => {
    const c = document.getElementById("map");
    const { data } = c.getContext("2d").getImageData(0, 0, c.width, c.height);
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return seen.size;
  });
}

async function screenshot(page, name) {
  const file = path.join(ARTIFACTS, name);
  const png = await page.screenshot({ path: file });
  return { file, image: decodePng(png) };
}

/** A building point whose lookup lands in a grid, with the API's answer for it. */
async function pointInGrid(skip = 0) {
  const fc = await api("/api/v1/layers/building/features?limit=400");
  let seen = 0;
  for (const b of fc.features) {
    if (b.geometry?.type !== "Point") continue;
    const [lon, lat] = b.geometry.coordinates;
    const answer = await api(`/api/v1/lookup?lon=${lon}&lat=${lat}`);
    if (answer.covered && !answer.on_boundary && seen++ >= skip) return { lon, lat, answer };
  }
  // No point buildings: use the middle of a grid's first ring's bounding box, if the API puts it inside.
  for (const g of (await api("/api/v1/layers/grid/features?limit=50")).features) {
    const ring = g.geometry.type === "Polygon" ? g.geometry.coordinates[0] : g.geometry.coordinates[0][0];
    const xs = ring.map((p) => p[0]);
    const ys = ring.map((p) => p[1]);
    const lon = (Math.min(...xs) + Math.max(...xs)) / 2;
    const lat = (Math.min(...ys) + Math.max(...ys)) / 2;
    const answer = await api(`/api/v1/lookup?lon=${lon}&lat=${lat}`);
    if (answer.covered && answer.grid.code === g.properties.code) return { lon, lat, answer };
  }
  throw new Error("found no point inside a grid");
}

/** WGS 84 → GCJ-02, the public forward formula (a = 6378245, ee = 0.00669342162296594323). */
function wgs84ToGcj02(lon, lat) {
  const a = 6378245.0;
  const ee = 0.00669342162296594323;
  const x = lon - 105.0;
  const y = lat - 35.0;
  let dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  dLat += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  dLat += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  let dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLon += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  dLon += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  dLon += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  const radLat = (lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - ee * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((a * (1 - ee)) / (magic * sqrtMagic)) * Math.PI);
  dLon = (dLon * 180.0) / ((a / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lon + dLon, lat + dLat];
}

function hashParams(url) {
  return new URLSearchParams(new URL(url).hash.replace(/^#/, ""));
}

// ---- tests --------------------------------------------------------------------------------------------

test("the page loads without console errors and draws every grid", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/");
  try {
    const layers = await api("/api/v1/layers");
    const gridCount = layers.layers.find((l) => l.id === "grid").count;
    assert.ok(gridCount > 0, "the demo has grids");
    assert.equal(await page.evaluate(() => window.wangge.gridCount()), gridCount);

    // Chinese by default, with the attribution and the illustrative/estimated note always on screen.
    assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
    const footer = page.locator("#attribution");
    assert.ok(await footer.isVisible());
    const footerText = await footer.innerText();
    assert.match(footerText, /© OpenStreetMap contributors/);
    assert.match(footerText, /示意/);
    assert.match(footerText, /估算/);

    // The view was fitted to the data and recorded in the hash.
    const h = hashParams(page.url());
    for (const k of ["lon", "lat", "z"]) assert.ok(Number.isFinite(Number(h.get(k))), `hash has ${k}: ${page.url()}`);

    const { file, image } = await screenshot(page, "desktop.png");
    const v = pixelVariety(image);
    assert.ok(v.colours > 40, `screenshot ${file} has only ${v.colours} colours`);
    assert.ok(v.notBackground > 0.2, `screenshot ${file} is mostly one colour (${v.notBackground})`);
    assert.ok((await canvasVariety(page)) > 20, "the canvas itself has drawn content");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("clicking a point inside a grid shows that grid's card, as /api/v1/lookup answers", { timeout: TIMEOUT }, async () => {
  const { lon, lat, answer } = await pointInGrid();
  const { page, context, problems } = await openPage("/");
  try {
    // Bring the point to the middle of the map at street level, then click it like a person would.
    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 17), [lon, lat]);
    const at = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), [lon, lat]);
    await page.mouse.click(at.x, at.y);
    const card = await waitCard(page, () => document.getElementById("card").dataset.code && !document.getElementById("card").hidden);

    assert.equal(card.layer, "grid");
    assert.equal(card.code, answer.grid.code);
    assert.equal(card.covered, "true");
    assert.ok(card.text.includes(answer.grid.code));
    if (answer.grid.name) assert.ok(card.text.includes(answer.grid.name), card.text);
    if (answer.grid.worker) assert.ok(card.text.includes(String(answer.grid.worker)), card.text);
    for (const level of ["community", "street", "district"]) {
      if (answer[level]) assert.ok(card.text.includes(answer[level].name), `${level} ${answer[level].name} in ${card.text}`);
    }
    if (answer.grid.households !== undefined) {
      const hh = Number(answer.grid.households).toLocaleString("zh-CN");
      assert.ok(card.text.includes(hh), `households ${hh} in ${card.text}`);
      const badge = await page.locator('#card [data-row="households"] [data-estimated]').count();
      assert.equal(badge > 0, answer.grid.estimated === true, "估算 badge iff the grid's figures are estimated");
      if (answer.grid.estimated === true) assert.ok(card.text.includes("估算"));
    }

    // The page asked the API about the point it drew there (within a pixel).
    const asked = await page.evaluate(() => window.wangge.state.answer.point);
    const again = await api(`/api/v1/lookup?lon=${asked.lon}&lat=${asked.lat}`);
    assert.equal(again.grid?.code, answer.grid.code);
    assert.ok(Math.abs(asked.lon - lon) < 2e-5 && Math.abs(asked.lat - lat) < 2e-5, "click landed on the point");

    assert.equal(hashParams(page.url()).get("grid"), answer.grid.code);
    const feature = await api(`/api/v1/layers/grid/features/${answer.grid.code}`);
    const share = await outlineHighlighted(page, feature);
    assert.ok(share >= 0.8, `the grid's outline is drawn in the highlight colour (${share})`);
    await screenshot(page, "lookup.png");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a point outside every grid says so and names the nearest grid", { timeout: TIMEOUT }, async () => {
  const layers = await api("/api/v1/layers/grid/features?limit=10000");
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLat = -Infinity;
  for (const g of layers.features) {
    const polys = g.geometry.type === "Polygon" ? [g.geometry.coordinates] : g.geometry.coordinates;
    for (const p of polys) for (const [x, y] of p[0]) {
      minLon = Math.min(minLon, x);
      minLat = Math.min(minLat, y);
      maxLat = Math.max(maxLat, y);
    }
  }
  const lon = minLon - 0.004; // ≈ 400 m west of the westernmost grid vertex
  const lat = (minLat + maxLat) / 2;
  const answer = await api(`/api/v1/lookup?lon=${lon}&lat=${lat}`);
  assert.equal(answer.covered, false);

  const { page, context, problems } = await openPage("/");
  try {
    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 15), [lon, lat]);
    const at = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), [lon, lat]);
    await page.mouse.click(at.x, at.y);
    const card = await waitCard(page, () => document.getElementById("card").dataset.covered === "false");
    assert.ok(card.text.includes("不在任何网格内"), card.text);
    assert.ok(card.text.includes(answer.nearest_grid.code), card.text);
    const dist = String(Math.round(answer.nearest_grid.distance_m));
    assert.ok(card.text.includes(dist) || card.text.includes("公里"), `distance ${dist} in ${card.text}`);
    assert.equal(hashParams(page.url()).get("grid"), null, "no grid selected");

    // The card's button goes to the nearest grid.
    await page.getByRole("button", { name: "查看最近网格" }).click();
    const next = await waitCard(page, () => document.getElementById("card").dataset.layer === "grid");
    assert.equal(next.code, answer.nearest_grid.code);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("searching a grid code highlights it, records it in the hash, and a reload restores it", { timeout: TIMEOUT }, async () => {
  const grids = (await api("/api/v1/layers/grid/features?limit=10000")).features;
  const grid = grids[Math.floor(grids.length / 2)];
  const code = grid.properties.code;
  const { page, context, problems } = await openPage("/");
  try {
    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 16), grid.geometry.type === "Polygon" ? grid.geometry.coordinates[0][0] : grid.geometry.coordinates[0][0][0]);
    const before = await outlineHighlighted(page, grid);
    assert.ok(before < 0.2, `no highlight before the search (${before})`);
    await page.getByRole("searchbox").fill(code);
    await page.getByRole("searchbox").press("Enter");
    const card = await waitCard(page, () => document.getElementById("card").dataset.code !== undefined && document.getElementById("card").dataset.layer === "grid");
    assert.equal(card.code, code);
    assert.ok(card.text.includes(grid.properties.name));
    await page.waitForTimeout(100);
    const selected = await outlineHighlighted(page, grid);
    assert.ok(selected >= 0.8, `the grid's outline is drawn in the highlight colour (${selected})`);

    const url = page.url();
    const h = hashParams(url);
    assert.equal(h.get("grid"), code);
    // The view moved to the grid: its centre is inside the grid's bbox.
    const ring = grid.geometry.type === "Polygon" ? grid.geometry.coordinates[0] : grid.geometry.coordinates[0][0];
    const lons = ring.map((p) => p[0]);
    const lats = ring.map((p) => p[1]);
    const view = await page.evaluate(() => {
      const c = document.getElementById("map").getBoundingClientRect();
      const card = document.getElementById("card").getBoundingClientRect();
      return window.wangge.toLonLat((card.right + c.right) / 2, (c.top + c.bottom) / 2);
    });
    assert.ok(view.lon > Math.min(...lons) && view.lon < Math.max(...lons), "map centred on the grid (lon)");
    assert.ok(view.lat > Math.min(...lats) && view.lat < Math.max(...lats), "map centred on the grid (lat)");
    await screenshot(page, "search-grid.png");

    // A fresh page with that URL shows the same grid, highlighted, at the same place.
    const second = await openPage(url.slice(BASE.length));
    try {
      const restored = await waitCard(second.page, () => document.getElementById("card").dataset.layer === "grid");
      assert.equal(restored.code, code);
      assert.deepEqual(await second.page.evaluate(() => window.wangge.selected()), { layer: "grid", code });
      const restoredShare = await outlineHighlighted(second.page, grid);
      assert.ok(restoredShare >= 0.8, `highlight restored (${restoredShare})`);
      const h2 = hashParams(second.page.url());
      assert.equal(h2.get("grid"), code);
      assert.ok(Math.abs(Number(h2.get("z")) - Number(h.get("z"))) < 0.011, "zoom restored");
      assert.ok(Math.abs(Number(h2.get("lon")) - Number(h.get("lon"))) < 2e-6, "centre restored");
      assert.deepEqual(second.problems, []);
    } finally {
      await second.context.close();
    }

    // And a reload of the same tab does too.
    await page.reload();
    await waitReady(page);
    const reloaded = await waitCard(page, () => document.getElementById("card").dataset.layer === "grid");
    assert.equal(reloaded.code, code);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("searching coordinates in GCJ-02 finds the same grid as the API", { timeout: TIMEOUT }, async () => {
  const { lon, lat, answer } = await pointInGrid(1);
  const [gx, gy] = wgs84ToGcj02(lon, lat);
  const expected = await api(`/api/v1/lookup?lon=${gx}&lat=${gy}&crs=gcj02`);
  const { page, context, problems } = await openPage("/");
  try {
    await page.getByLabel("坐标系").selectOption("gcj02");
    await page.getByRole("searchbox").fill(`${gx.toFixed(7)}, ${gy.toFixed(7)}`);
    await page.getByRole("button", { name: "查询" }).click();
    const card = await waitCard(page, () => document.getElementById("card").dataset.covered !== undefined && document.getElementById("card").getAttribute("aria-busy") === null);
    assert.equal(card.code, expected.grid?.code ?? "");
    assert.equal(expected.grid?.code, answer.grid.code, "GCJ-02 input lands in the grid of the WGS 84 point");
    assert.ok(card.text.includes("gcj02") || card.text.includes("GCJ"), card.text);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("searching an address as people write it finds its grid through the gazetteer", { timeout: TIMEOUT }, async () => {
  // A demo address written the way people do: no province or city, a Chinese numeral door number.
  const expected = await api(`/api/v1/geocode?q=${encodeURIComponent("福田区福保街道一号路二号")}&limit=1`);
  const best = expected.candidates[0];
  assert.ok(best, "the gazetteer knows the address");
  assert.ok(best.address.endsWith("一号路2号"), best.address);
  const { page, context, problems } = await openPage("/");
  try {
    await page.getByRole("searchbox").fill("福田区福保街道一号路二号");
    await page.getByRole("button", { name: "查询" }).click();
    const card = await waitCard(page, () => document.getElementById("card").dataset.covered !== undefined && document.getElementById("card").getAttribute("aria-busy") === null);
    assert.equal(card.code, best.grid.code, "the card shows the grid the geocoder linked the address to");
    const status = await page.locator("#status").innerText();
    assert.ok(status.includes("一号路2号"), status);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the English switch changes the card and the labels, and ?lang=en starts in English", { timeout: TIMEOUT }, async () => {
  const { lon, lat } = await pointInGrid();
  const { page, context, problems } = await openPage("/");
  try {
    await page.evaluate(([x, y]) => window.wangge.lookup(x, y), [lon, lat]);
    let card = await waitCard(page, () => document.getElementById("card").dataset.layer === "grid");
    assert.ok(card.text.includes("网格员") && card.text.includes("户数"), card.text);

    await page.getByRole("button", { name: "Switch to English" }).click();
    card = await waitCard(page, () => document.documentElement.lang === "en");
    assert.ok(card.text.includes("Grid worker") && card.text.includes("Households") && card.text.includes("Street"), card.text);
    const labels = await page.locator("#card dt").allInnerTexts();
    assert.ok(labels.length >= 4 && labels.every((l) => /^[A-Za-z ]+$/.test(l)), `card labels in English: ${labels}`);
    assert.match(await page.locator("#attribution").innerText(), /illustrative.*estimate/i);
    assert.equal(await page.getByRole("searchbox").getAttribute("placeholder"), "lon,lat or grid/community code");
    assert.equal(new URL(page.url()).searchParams.get("lang"), "en");
    assert.equal(await page.locator("#zoom-in").getAttribute("aria-label"), "Zoom in");
    await screenshot(page, "english.png");

    await page.getByRole("button", { name: "切换到中文" }).click();
    card = await waitCard(page, () => document.documentElement.lang === "zh-CN");
    assert.ok(card.text.includes("网格员"), card.text);
    assert.equal(new URL(page.url()).searchParams.get("lang"), null);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }

  const en = await openPage("/?lang=en");
  try {
    assert.equal(await en.page.evaluate(() => document.documentElement.lang), "en");
    assert.equal(await en.page.locator("#search-go").innerText(), "Search");
    assert.match(await en.page.title(), /grid governance/i);
    assert.deepEqual(en.problems, []);
  } finally {
    await en.context.close();
  }
});

test("pan, zoom and keyboard controls move the map", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/");
  try {
    const view = () => page.evaluate(() => ({ ...window.wangge.state.view }));
    const v0 = await view();
    await page.getByRole("button", { name: "放大" }).click();
    assert.ok(Math.abs((await view()).z - (v0.z + 1)) < 1e-9, "+ zooms in one level");
    await page.getByRole("button", { name: "缩小" }).click();
    assert.ok(Math.abs((await view()).z - v0.z) < 1e-9, "− zooms back out");

    const box = await page.locator("#map").boundingBox();
    const cx = box.x + box.width * 0.6;
    const cy = box.y + box.height * 0.5;
    await page.mouse.move(cx, cy);
    await page.mouse.wheel(0, -300);
    await page.waitForFunction((z) => window.wangge.state.view.z > z + 0.5, v0.z);

    const v1 = await view();
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx - 60, cy - 30, { steps: 6 });
    await page.mouse.move(cx - 120, cy - 40, { steps: 6 });
    await page.mouse.up();
    const v2 = await view();
    const moved = Math.hypot(v2.cx - v1.cx, v2.cy - v1.cy) * 2 ** (v2.z - 16);
    assert.ok(Math.abs(moved - Math.hypot(120, 40)) < 2, `drag panned by the drag distance (${moved})`);
    assert.ok(await page.locator("#card").isHidden(), "a drag is not a click");

    // Keyboard: every control is reachable with Tab and has a name; the map itself takes keys.
    await page.locator(".brand-name").click(); // sets the focus-navigation starting point to the top
    const names = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      names.push(
        await page.evaluate(() => {
          const e = document.activeElement;
          return `${e.id || e.tagName}:${(e.getAttribute("aria-label") || e.labels?.[0]?.textContent || e.textContent || "").trim()}`;
        }),
      );
    }
    for (const id of ["search-input", "search-crs", "search-go", "lang-toggle", "map", "zoom-in", "zoom-out", "zoom-fit"]) {
      const hit = names.find((n) => n.startsWith(`${id}:`));
      assert.ok(hit, `${id} is reachable with Tab: ${names.join(" | ")}`);
      assert.ok(hit.length > id.length + 1, `${id} has an accessible name`);
    }
    await page.locator("#map").focus();
    const z0 = (await view()).z;
    await page.keyboard.press("-");
    assert.ok(Math.abs((await view()).z - (z0 - 1)) < 1e-9, "'-' zooms out");
    await page.keyboard.press("0");
    await page.keyboard.press("Enter");
    const card = await waitCard(page, () => !document.getElementById("card").hidden && document.getElementById("card").getAttribute("aria-busy") === null);
    assert.ok(card.covered === "true" || card.covered === "false", "Enter looks up the map centre");
    await page.keyboard.press("Escape");
    assert.ok(await page.locator("#card").isHidden(), "Escape closes the card");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("on a 390-px phone the page fits, a tap shows the card and the attribution stays visible", { timeout: TIMEOUT }, async () => {
  const { lon, lat, answer } = await pointInGrid();
  const { page, context, problems } = await openPage("/", {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  try {
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow");
    await screenshot(page, "phone.png");
    for (const sel of ["#search-input", "#search-go", "#lang-toggle", "#zoom-in", "#zoom-out", "#attribution"]) {
      const b = await page.locator(sel).boundingBox();
      assert.ok(b && b.x >= 0 && b.x + b.width <= 390 && b.y + b.height <= 844, `${sel} on screen: ${JSON.stringify(b)}`);
    }

    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 16.5), [lon, lat]);
    const at = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), [lon, lat]);
    await page.touchscreen.tap(at.x, at.y);
    const card = await waitCard(page, () => document.getElementById("card").dataset.layer === "grid");
    assert.equal(card.code, answer.grid.code);
    const cardBox = await page.locator("#card").boundingBox();
    assert.ok(cardBox.width > 340 && cardBox.x + cardBox.width <= 390, `card spans the phone: ${JSON.stringify(cardBox)}`);
    const foot = await page.locator("#attribution").boundingBox();
    assert.ok(foot.y + foot.height <= 844 && cardBox.y + cardBox.height <= foot.y + 1, "card does not cover the attribution");
    // The tapped point is still visible above the card.
    const pin = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), [lon, lat]);
    assert.ok(pin.y < cardBox.y && pin.y > 0, `tapped point visible above the card (${pin.y} < ${cardBox.y})`);
    await screenshot(page, "phone-card.png");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
