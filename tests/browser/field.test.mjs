// The grid worker's page (issue 18): pasted coordinates and share links with the other system's
// grid on the card, honest geocoding (levels, a road's grids, not found), type-ahead — on a phone
// (390×844) and a desktop (1440×900), in Chinese and English, with no console errors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { PHONE, TIMEOUT, api, assertNotBlank, idle, openPage, rendered, screenshot, useBrowser, waitCard, waitReady } from "./helpers.mjs";

useBrowser();

const DESKTOP = { viewport: { width: 1440, height: 900 } };
const PASTED = "114.025340,22.535670"; // copied from AMap (GCJ-02): the example
const cardReady = () => !document.getElementById("card").hidden && document.getElementById("card").getAttribute("aria-busy") === null;

async function searchFor(page, text) {
  await page.getByRole("searchbox").fill(text);
  await page.getByRole("searchbox").press("Enter");
}

test("a pasted AMap coordinate read as GPS says which grid it is in if it came from AMap, and one tap switches", { timeout: TIMEOUT }, async () => {
  const [x, y] = PASTED.split(",");
  const wgs = await api(`/api/v1/lookup?lon=${x}&lat=${y}&crs=wgs84`);
  const gcj = await api(`/api/v1/lookup?lon=${x}&lat=${y}&crs=gcj02`);
  assert.ok(wgs.grid && gcj.grid && wgs.grid.code !== gcj.grid.code, "the two readings fall in different grids");
  const { page, context, problems } = await openPage("/", DESKTOP);
  try {
    assert.equal(await page.locator("#search-crs").inputValue(), "wgs84", "GPS until the worker chooses");
    await searchFor(page, PASTED);
    await page.waitForSelector('#card [data-note="crs"]');
    const card = await waitCard(page, cardReady);
    assert.equal(card.code, wgs.grid.code, "read as chosen (WGS 84) first");
    const hint = page.locator('#card [data-note="crs"]');
    assert.equal(await hint.getAttribute("data-alt-grid"), gcj.grid.code);
    const text = await hint.innerText();
    assert.ok(text.includes("若坐标来自高德/腾讯地图") && text.includes(gcj.grid.name), text);
    await screenshot(page, "field-amap-hint-desktop.png").then(assertNotBlank);

    await page.locator("#crs-switch").click();
    await page.waitForFunction((c) => document.getElementById("card").dataset.code === c, gcj.grid.code);
    assert.equal(await page.locator("#search-crs").inputValue(), "gcj02");
    await page.waitForSelector('#card [data-note="crs"][data-alt-crs="wgs84"]');
    assert.ok((await page.locator('#card [data-note="crs"]').innerText()).includes(wgs.grid.name), "and now offers the GPS reading");
    assert.deepEqual([...new Set((await rendered(page, ["grid-selected"])).map((f) => f.properties.code))], [gcj.grid.code]);

    // The choice is remembered.
    await page.reload();
    await waitReady(page);
    assert.equal(await page.locator("#search-crs").inputValue(), "gcj02");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("share links of AMap, Tencent and Baidu choose their system", { timeout: TIMEOUT }, async () => {
  const [x, y] = PASTED.split(",");
  const gcj = await api(`/api/v1/lookup?lon=${x}&lat=${y}&crs=gcj02`);
  const bd = await api(`/api/v1/lookup?lon=${x}&lat=${y}&crs=bd09`);
  const { page, context, problems } = await openPage("/?lang=en", PHONE);
  try {
    const links = [
      [`https://uri.amap.com/marker?position=${x},${y}&name=here`, "gcj02", gcj],
      [`我在这里 https://apis.map.qq.com/uri/v1/marker?marker=coord:${y},${x};title:家&referer=app`, "gcj02", gcj],
      [`https://api.map.baidu.com/marker?location=${y},${x}&title=a&content=b&output=html`, "bd09", bd],
    ];
    for (const [link, crs, answer] of links) {
      if (await page.locator("#card").isVisible()) await page.locator("#card-close").click();
      await page.locator("#search-crs").selectOption("wgs84");
      await searchFor(page, link);
      await page.waitForFunction((c) => document.getElementById("card").dataset.code === c && document.getElementById("card").getAttribute("aria-busy") === null, answer.grid?.code ?? "");
      assert.equal(await page.locator("#search-crs").inputValue(), crs, link);
      assert.match(await page.locator("#status").innerText(), /Coordinates from a (AMap|Tencent Maps|Baidu Maps) link/);
    }
    // A bare pair with AMap chosen: the hint offers the GPS reading, in English.
    await page.locator("#search-crs").selectOption("gcj02");
    await searchFor(page, PASTED);
    await page.waitForSelector('#card [data-note="crs"]');
    assert.match(await page.locator('#card [data-note="crs"]').innerText(), /If the coordinates are raw GPS \(WGS 84\)/);
    await screenshot(page, "field-amap-hint-phone-en.png").then(assertNotBlank);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a road answers with its level and every grid it spans; a name not found says so and closes the card", { timeout: TIMEOUT }, async () => {
  const expected = (await api(`/api/v1/geocode?q=${encodeURIComponent("深南大道")}&limit=8`)).candidates[0];
  assert.equal(expected.level, "road");
  assert.ok(expected.grids.length >= 3, "the road spans several grids");
  const { page, context, problems } = await openPage("/", DESKTOP);
  try {
    // Type-ahead: the gazetteer's names, with their level.
    await page.getByRole("searchbox").pressSequentially("深南", { delay: 30 });
    await page.waitForSelector('#geo-suggest:not([hidden]) li[data-name="深南大道"]');
    assert.equal(await page.locator('#geo-suggest li[data-name="深南大道"]').getAttribute("data-level"), "road");
    await screenshot(page, "field-suggest.png");
    await page.locator('#geo-suggest li[data-name="深南大道"]').click();

    await page.waitForFunction(() => document.getElementById("card").dataset.layer === "area");
    const card = await waitCard(page, cardReady);
    assert.equal(card.level, "road");
    assert.ok(card.text.includes("道路") && card.text.includes(`涉及 ${expected.grids.length} 个网格`), card.text);
    const listed = await page.locator("#geo-grids li").evaluateAll((ls) => ls.map((l) => l.dataset.code));
    assert.deepEqual(listed, expected.grids.map((g) => g.code));
    assert.equal(await page.evaluate(() => window.wangge.selected()), null, "no single grid is the answer");
    await idle(page);
    const drawn = new Set((await rendered(page, ["geo-area-fill"])).map((f) => f.properties.code));
    assert.deepEqual([...drawn].sort(), [...listed].sort(), "the road's grids are drawn filled");
    await screenshot(page, "field-road.png").then(assertNotBlank);

    // Picking a grid from the list selects it.
    await page.locator(`#geo-grids li[data-code="${listed[1]}"] button`).click();
    await page.waitForFunction((c) => document.getElementById("card").dataset.code === c, listed[1]);
    assert.equal((await rendered(page, ["geo-area-fill"])).length, 0, "the road's fill goes with its card");

    // Not found: said so, and the previous card closes.
    await searchFor(page, "华强北路");
    await page.waitForFunction(() => document.getElementById("search").dataset.notFound === "华强北路");
    assert.equal(await page.locator("#card").isHidden(), true, "the old card is closed");
    assert.match(await page.locator("#status").innerText(), /未找到“华强北路”/);
    assert.equal(await page.evaluate(() => window.wangge.selected()), null);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("on a phone the card is a compact bottom sheet that drags, the grid is filled, zoom stays reachable", { timeout: TIMEOUT }, async () => {
  const { page, context, problems } = await openPage("/", PHONE);
  try {
    const [x, y] = PASTED.split(",");
    const expected = await api(`/api/v1/lookup?lon=${x}&lat=${y}&crs=wgs84`);
    await page.locator("#search-crs").selectOption("wgs84");
    await searchFor(page, PASTED);
    await page.waitForFunction((c) => document.getElementById("card").dataset.code === c, expected.grid.code);
    await page.waitForSelector('#card[data-sheet="half"]');
    const box = async () => page.locator("#card").boundingBox();
    const half = await box();
    const wrap = await page.locator("#map-wrap").boundingBox();
    assert.ok(half.height <= 0.45 * 844 && half.y + half.height >= wrap.y + wrap.height - 2, `compact sheet at the bottom of the map: ${JSON.stringify(half)}`);
    // Zoom buttons are visible above the sheet and work.
    const zoom = await page.locator("#zoom-in").boundingBox();
    assert.ok(await page.locator("#zoom-in").isVisible() && zoom.y + zoom.height <= half.y, `zoom above the sheet: ${JSON.stringify(zoom)}`);
    const z0 = await page.evaluate(() => window.wangge.map.getZoom());
    await page.locator("#zoom-in").click();
    assert.ok((await page.evaluate(() => window.wangge.map.getZoom())) > z0);
    await idle(page);
    assert.deepEqual([...new Set((await rendered(page, ["grid-selected-fill"])).map((f) => f.properties.code))], [expected.grid.code], "the selected grid is filled");
    await screenshot(page, "field-phone-sheet.png").then(assertNotBlank);

    // Drag the handle up: most of the screen; down: the title only.
    const h = await page.locator(".sheet-handle").boundingBox();
    const drag = async (dy) => {
      await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
      await page.mouse.down();
      await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2 + dy, { steps: 5 });
      await page.mouse.up();
    };
    await drag(-400);
    await page.waitForSelector('#card[data-sheet="full"]');
    assert.ok((await box()).height > 0.7 * 844 - 150);
    const h2 = await page.locator(".sheet-handle").boundingBox();
    await page.mouse.move(h2.x + h2.width / 2, h2.y + 4);
    await page.mouse.down();
    await page.mouse.move(h2.x + h2.width / 2, 830, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector('#card[data-sheet="peek"]');
    assert.ok((await box()).height < 140, "only the title shows");
    assert.ok((await page.locator("#card-title").innerText()).length > 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
