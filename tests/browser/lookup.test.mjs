// Real-browser tests of the map page's lookup view (web/), in Debian's Chromium driven by
// playwright-core against `wangge serve --demo` (WANGGE_URL). Screenshots go to artifacts/.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PHONE, TIMEOUT, api, assertNotBlank, hashParams, idle, openPage, outlineHighlighted, pointInGrid, rendered,
  screenshot, tabReach, useBrowser, waitCard, waitReady,
} from "./helpers.mjs";

useBrowser();

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

test("the page loads without console errors and MapLibre draws every grid", { timeout: TIMEOUT }, async (t) => {
  const { page, context, problems, loadMs } = await openPage("/");
  try {
    // What a first visit costs (printed, not asserted): time to the map's first idle, requests, bytes.
    const cost = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const res = performance.getEntriesByType("resource");
      return { requests: res.length + 1, bytes: res.reduce((s, r) => s + r.transferSize, 0) + nav.transferSize };
    });
    t.diagnostic(`first load: ${loadMs} ms to the map's idle, ${cost.requests} requests, ${(cost.bytes / 1024).toFixed(0)} KiB`);
    const layers = await api("/api/v1/layers");
    const gridCount = layers.layers.find((l) => l.id === "grid").count;
    assert.ok(gridCount > 0, "the demo has grids");
    // The fitted view shows the whole grid layer: every grid is among the rendered features.
    const drawn = new Set((await rendered(page, ["grid-fill"])).map((f) => f.properties.code));
    assert.equal(drawn.size, gridCount, "every grid is drawn");
    assert.ok((await rendered(page, ["community-line"])).length > 0, "community boundaries are drawn");
    assert.ok((await rendered(page, ["road-major", "road-mid"])).length > 0, "the base map's roads are drawn");
    assert.ok((await rendered(page, ["community-label"])).length > 0, "community names are drawn as labels");

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

    assertNotBlank(await screenshot(page, "desktop.png"));
    // Grid labels appear at street level.
    const g = (await api("/api/v1/layers/grid/features?limit=1")).features[0];
    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 16), g.geometry.coordinates[0][0]);
    assert.ok((await rendered(page, ["grid-label"])).length > 0, "grid names are drawn as labels at zoom 16");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("tapping a point inside a grid shows that grid's card, as /api/v1/lookup answers", { timeout: TIMEOUT }, async () => {
  const { lon, lat, answer } = await pointInGrid();
  const { page, context, problems } = await openPage("/");
  try {
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
    }

    // The page asked the API about the point it drew there (within a pixel).
    const asked = await page.evaluate(() => window.wangge.state.answer.point);
    assert.ok(Math.abs(asked.lon - lon) < 2e-5 && Math.abs(asked.lat - lat) < 2e-5, "click landed on the point");

    assert.equal(hashParams(page.url()).get("grid"), answer.grid.code);
    // The highlight: MapLibre draws exactly that grid in the selection layer, in the selection colour.
    const sel = new Set((await rendered(page, ["grid-selected"])).map((f) => f.properties.code));
    assert.deepEqual([...sel], [answer.grid.code]);
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
  const { bbox } = (await api("/api/v1/layers")).layers.find((l) => l.id === "grid");
  const lon = bbox[0] - 0.004; // ≈ 400 m west of the grid layer
  const lat = (bbox[1] + bbox[3]) / 2;
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
    assert.equal(hashParams(page.url()).get("grid"), null, "no grid selected");

    await page.getByRole("button", { name: "查看最近网格" }).click();
    const next = await waitCard(page, () => document.getElementById("card").dataset.layer === "grid");
    assert.equal(next.code, answer.nearest_grid.code);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("searching a grid code highlights it, records it in the URL, and a reload restores it", { timeout: TIMEOUT }, async () => {
  const grids = (await api("/api/v1/layers/grid/features?limit=10000")).features;
  const grid = grids[Math.floor(grids.length / 2)];
  const code = grid.properties.code;
  const { page, context, problems } = await openPage("/");
  try {
    assert.equal((await rendered(page, ["grid-selected"])).length, 0, "nothing highlighted before the search");
    await page.getByRole("searchbox").fill(code);
    await page.getByRole("searchbox").press("Enter");
    const card = await waitCard(page, () => document.getElementById("card").dataset.layer === "grid");
    assert.equal(card.code, code);
    assert.ok(card.text.includes(grid.properties.name));
    await idle(page);
    assert.deepEqual([...new Set((await rendered(page, ["grid-selected"])).map((f) => f.properties.code))], [code]);
    const share = await outlineHighlighted(page, grid);
    assert.ok(share >= 0.8, `the grid's outline is drawn in the highlight colour (${share})`);

    const url = page.url();
    const h = hashParams(url);
    assert.equal(h.get("grid"), code);
    await screenshot(page, "search-grid.png");

    // A fresh page with that URL shows the same grid, highlighted, at the same place.
    const second = await openPage(url.slice(url.indexOf("/", 8)));
    try {
      const restored = await waitCard(second.page, () => document.getElementById("card").dataset.layer === "grid");
      assert.equal(restored.code, code);
      assert.deepEqual(await second.page.evaluate(() => window.wangge.selected()), { layer: "grid", code });
      assert.ok((await outlineHighlighted(second.page, grid)) >= 0.8, "highlight restored");
      const h2 = hashParams(second.page.url());
      assert.equal(h2.get("grid"), code);
      assert.ok(Math.abs(Number(h2.get("z")) - Number(h.get("z"))) < 0.011, "zoom restored");
      assert.ok(Math.abs(Number(h2.get("lon")) - Number(h.get("lon"))) < 2e-6, "centre restored");
      assert.deepEqual(second.problems, []);
    } finally {
      await second.context.close();
    }

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
    await page.getByRole("button", { name: "查询", exact: true }).click();
    const card = await waitCard(page, () => document.getElementById("card").dataset.covered !== undefined && document.getElementById("card").getAttribute("aria-busy") === null);
    assert.equal(card.code, expected.grid?.code ?? "");
    assert.equal(expected.grid?.code, answer.grid.code, "GCJ-02 input lands in the grid of the WGS 84 point");
    assert.ok(card.text.includes("gcj02") || card.text.includes("GCJ"), card.text);
    assert.deepEqual([...new Set((await rendered(page, ["grid-selected"])).map((f) => f.properties.code))], [answer.grid.code]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("searching an address as people write it highlights the grid the gazetteer links it to", { timeout: TIMEOUT }, async () => {
  const expected = await api(`/api/v1/geocode?q=${encodeURIComponent("福田区福保街道一号路二号")}&limit=1`);
  const best = expected.candidates[0];
  assert.ok(best, "the gazetteer knows the address");
  assert.ok(best.address.endsWith("一号路2号"), best.address);
  const { page, context, problems } = await openPage("/");
  try {
    await page.getByRole("searchbox").fill("福田区福保街道一号路二号");
    await page.getByRole("button", { name: "查询", exact: true }).click();
    const card = await waitCard(page, () => document.getElementById("card").dataset.covered !== undefined && document.getElementById("card").getAttribute("aria-busy") === null);
    assert.equal(card.code, best.grid.code, "the card shows the grid the geocoder linked the address to");
    assert.ok((await page.locator("#status").innerText()).includes("一号路2号"));
    await idle(page);
    assert.deepEqual([...new Set((await rendered(page, ["grid-selected"])).map((f) => f.properties.code))], [best.grid.code]);
    const feature = await api(`/api/v1/layers/grid/features/${best.grid.code}`);
    assert.ok((await outlineHighlighted(page, feature)) >= 0.8, "the address's grid is highlighted");
    await screenshot(page, "search-address.png");
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
    assert.equal(new URL(page.url()).searchParams.get("lang"), "en");
    assert.equal(await page.locator("#zoom-in").getAttribute("aria-label"), "Zoom in");
    assert.equal(await page.locator('.view-tab[data-view="coverage"]').innerText(), "Coverage");
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

test("zoom buttons, the keyboard and Tab reach every control", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/");
  try {
    const zoom = () => page.evaluate(() => window.wangge.map.getZoom());
    const z0 = await zoom();
    await page.getByRole("button", { name: "放大" }).click();
    assert.ok(Math.abs((await zoom()) - (z0 + 1)) < 1e-6, "+ zooms in one level");
    await page.getByRole("button", { name: "缩小" }).click();
    assert.ok(Math.abs((await zoom()) - z0) < 1e-6, "− zooms back out");

    await tabReach(page, ["search-input", "search-crs", "search-go", "lang-toggle", "map-canvas", "zoom-in", "zoom-out", "zoom-fit", "locate"], 30);
    const views = await page.locator(".view-tab").count();
    assert.equal(views, 5); // 查询, 服务覆盖, 专题图, 规划, 多网对照

    // The map takes keys: MapLibre's own (arrows, +/-), and Enter looks up the centre.
    await page.locator("#map-canvas").focus();
    const c0 = await page.evaluate(() => window.wangge.map.getCenter().toArray());
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction((c) => window.wangge.map.getCenter().lng > c[0], c0);
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
  const { page, context, problems } = await openPage("/", PHONE);
  try {
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow");
    assertNotBlank(await screenshot(page, "phone.png"));
    for (const sel of ["#search-input", "#search-go", "#lang-toggle", "#zoom-in", "#zoom-out", "#locate", "#attribution", ".view-tab >> nth=3"]) {
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
    const pin = await page.evaluate(([x, y]) => window.wangge.toScreen(x, y), [lon, lat]);
    assert.ok(pin.y < cardBox.y && pin.y > 0, `tapped point visible above the card (${pin.y} < ${cardBox.y})`);
    await screenshot(page, "phone-card.png");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
