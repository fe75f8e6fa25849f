// Shared helpers of the browser tests: one Chromium, pages that record every console error, API
// calls, screenshots and the pixel checks.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { decodePng, pixelVariety } from "./png.mjs";

export const BASE = (process.env.WANGGE_URL || "").replace(/\/$/, "");
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(HERE, "artifacts");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const TIMEOUT = 120_000;
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let browser;

/** Starts one Chromium for the file's tests (registered with node:test's before/after). */
export function useBrowser() {
  before(async () => {
    assert.ok(BASE, "set WANGGE_URL to the server's address (tests/browser/run.sh does this)");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // The flags of shared/stack.md: WebGL2 through SwiftShader, nothing reaching the network.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-unsafe-swiftshader",
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
}

export async function api(pathAndQuery, init = {}) {
  // Draft plans are read by planners and admins only: the tests' reads carry the planner token.
  const token = process.env.WANGGE_PLANNER_TOKEN;
  const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.headers || {}) };
  const r = await fetch(BASE + pathAndQuery, { ...init, headers });
  const body = await r.json();
  assert.ok(r.ok, `${pathAndQuery}: HTTP ${r.status} ${JSON.stringify(body)}`);
  return body;
}

// SwiftShader's own performance notes are not the page's errors.
const DRIVER_NOTE = /GL Driver Message|GPU stall due to ReadPixels|Automatic fallback to software WebGL/;

/**
 * A page that records console errors and warnings, uncaught exceptions, failed requests and 4xx/5xx
 * (`problems`), and the URLs it requested (`requests`).
 */
export async function openPage(url = "/", contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if ((m.type() === "error" || m.type() === "warning") && !DRIVER_NOTE.test(m.text())) problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // MapLibre cancels the tile requests a view change made useless (a new zoom, a new tile
    // generation after a publish); on a slow machine more are still in flight when it does.
    if (r.failure()?.errorText === "net::ERR_ABORTED" && /\/tiles\/[^?]+\.(mvt|pbf)/.test(r.url())) return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  const requests = []; // every URL asked for, the map's worker's tile requests included
  page.on("request", (r) => {
    requests.push(r.url());
    if (!r.url().startsWith(BASE) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) problems.push(`external request: ${r.url()}`);
  });
  const t0 = Date.now();
  await page.goto(BASE + url);
  await waitReady(page);
  return { page, context, problems, requests, loadMs: Date.now() - t0 };
}

export async function waitReady(page) {
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 60_000 });
  await page.evaluate(() => window.wangge.ready);
  await idle(page);
}

/** Waits for MapLibre's `idle`: everything requested is drawn. */
export function idle(page) {
  return page.evaluate(() => window.wangge.idle());
}

/** Waits for the card to satisfy `predicate`, then returns its data attributes and text. */
export async function waitCard(page, predicate) {
  await page.waitForFunction(predicate, null, { timeout: 15_000 });
  return page.evaluate(() => {
    const card = document.getElementById("card");
    return { ...card.dataset, hidden: card.hidden, text: card.innerText };
  });
}

const isSelectionBlue = (r, g, b) => b > 170 && r < 90 && g < 130 && b - r > 120; // #1d4ed8 and its anti-aliasing
const OVERLAYS = ["#card", ".topbar", ".views", ".legend", ".controls", "#status", ".panel"];

/**
 * Share of a grid's outline drawn in the selection colour on screen: the midpoints of its outer
 * edges (at least 12 px long, on the map and not under an overlay) are checked in a screenshot.
 */
export async function outlineHighlighted(page, feature) {
  await idle(page);
  const polys = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
  const rings = polys.map((p) => p[0]);
  const points = await page.evaluate(([rings, overlays]) => {
    const map = document.getElementById("map").getBoundingClientRect();
    const covers = overlays.flatMap((s) => [...document.querySelectorAll(s)])
      .filter((e) => !e.hidden && e.offsetParent !== null)
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
  }, [rings, OVERLAYS]);
  assert.ok(points.length >= 3, `enough of the grid's outline is on screen (${points.length} edges)`);
  const png = await page.screenshot({ mask: OVERLAYS.map((s) => page.locator(s)), maskColor: "#ff00ff" });
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

/** Saves a screenshot of the page (after the map is idle) into artifacts/. */
export async function screenshot(page, name) {
  await idle(page);
  const file = path.join(ARTIFACTS, name);
  const png = await page.screenshot({ path: file });
  return { file, image: decodePng(png) };
}

/** Asserts a screenshot is not blank: many colours, not one flat background. */
export function assertNotBlank({ file, image }) {
  const v = pixelVariety(image);
  assert.ok(v.colours > 40, `screenshot ${file} has only ${v.colours} colours`);
  assert.ok(v.notBackground > 0.2, `screenshot ${file} is mostly one colour (${v.notBackground})`);
}

/** A building point whose lookup lands inside a grid (not on a boundary), with the API's answer. */
export async function pointInGrid(skip = 0) {
  const fc = await api("/api/v1/layers/building/features?limit=400");
  let seen = 0;
  for (const b of fc.features) {
    if (b.geometry?.type !== "Point") continue;
    const [lon, lat] = b.geometry.coordinates;
    const answer = await api(`/api/v1/lookup?lon=${lon}&lat=${lat}`);
    if (answer.covered && !answer.on_boundary && seen++ >= skip) return { lon, lat, answer };
  }
  throw new Error("found no point inside a grid");
}

export function hashParams(url) {
  return new URLSearchParams(new URL(url).hash.replace(/^#/, ""));
}

/** Style-layer features MapLibre drew on screen (queryRenderedFeatures through the page's hook). */
export function rendered(page, layers) {
  return page.evaluate((layers) => window.wangge.rendered(layers), layers);
}

/** Checks every listed control is reachable with Tab and has an accessible name. */
export async function tabReach(page, ids, presses = 24) {
  await page.locator(".brand-name").click(); // the focus-navigation starting point: the top
  const names = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press("Tab");
    names.push(
      await page.evaluate(() => {
        const e = document.activeElement;
        return `${e.id || e.tagName}:${(e.getAttribute("aria-label") || e.labels?.[0]?.textContent || e.textContent || "").trim()}`;
      }),
    );
  }
  for (const id of ids) {
    const hit = names.find((n) => n.startsWith(`${id}:`));
    assert.ok(hit, `${id} is reachable with Tab: ${names.join(" | ")}`);
    assert.ok(hit.length > id.length + 1, `${id} has an accessible name`);
  }
  return names;
}
