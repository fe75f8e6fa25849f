// The dense layers (grids, buildings) come to the map page as the server's vector tiles: the page
// asks for /tiles/grid/… and /tiles/building/…, MapLibre draws their features, and selecting a grid
// outlines it from the tiles.

import { test } from "node:test";
import assert from "node:assert/strict";
import { TIMEOUT, api, idle, openPage, outlineHighlighted, rendered, screenshot, useBrowser } from "./helpers.mjs";

useBrowser();

const TILE = (layer) => new RegExp(`/tiles/${layer}/\\d+/\\d+/\\d+\\.mvt`);

test("grids and buildings are drawn from /tiles/ vector tiles, and a selected grid is outlined from them", { timeout: TIMEOUT }, async () => {
  const { page, context, problems, requests } = await openPage("/");
  try {
    assert.ok(requests.some((u) => TILE("grid").test(u)), "the page asked for grid tiles");
    const grids = await rendered(page, ["grid-fill"]);
    assert.ok(grids.length > 0 && grids.every((f) => f.source === "src-grid" && f.sourceLayer === "grid"), "grids are drawn from the grid tiles");
    const count = (await api("/api/v1/layers")).layers.find((l) => l.id === "grid").count;
    assert.equal(new Set(grids.map((f) => f.properties.code)).size, count, "every grid is in the tiles on screen");

    // Buildings appear from zoom 13 once switched on.
    const b = (await api("/api/v1/layers/building/features?limit=1")).features[0];
    await page.locator('input[data-layer="building"]').check();
    await page.evaluate(([x, y]) => window.wangge.setView(x, y, 16), b.geometry.coordinates);
    assert.ok(requests.some((u) => TILE("building").test(u)), "the page asked for building tiles");
    const buildings = await rendered(page, ["building-circle"]);
    assert.ok(buildings.length > 0 && buildings.every((f) => f.sourceLayer === "building"), "buildings are drawn from the building tiles");
    assert.ok(buildings.some((f) => f.properties.code === b.properties.code), "the building's own point is drawn");

    // The selection outline is a filter on the tiles' `code` property.
    const answer = await api(`/api/v1/lookup?lon=${b.geometry.coordinates[0]}&lat=${b.geometry.coordinates[1]}`);
    const code = answer.grid.code;
    const feature = (await api("/api/v1/layers/grid/features?limit=10000")).features.find((f) => f.properties.code === code);
    const ring = feature.geometry.type === "Polygon" ? feature.geometry.coordinates[0] : feature.geometry.coordinates[0][0];
    const box = [Math.min(...ring.map((c) => c[0])), Math.min(...ring.map((c) => c[1])), Math.max(...ring.map((c) => c[0])), Math.max(...ring.map((c) => c[1]))];
    await page.evaluate(([c, b]) => {
      window.wangge.highlight({ layer: "grid", code: c });
      window.wangge.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 120, animate: false });
    }, [code, box]);
    await idle(page);
    assert.deepEqual([...new Set((await rendered(page, ["grid-selected"])).map((f) => f.properties.code))], [code]);
    const share = await outlineHighlighted(page, feature);
    assert.ok(share > 0.6, `the selected grid's outline is drawn in the selection colour (${share})`);
    await screenshot(page, "tiles-buildings.png");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
