// The URL keeps the state so a link can be shared: the view (#lon, lat, z), the selection
// (grid= or community=), the open view (view=coverage…) and its settings; ?lang=en for English.

import { map } from "./map.js";
import { state } from "./state.js";

let timer = 0;
const extras = new Map(); // key → () => value (views add theirs: kind, minutes, …)

/** Lets a view keep a setting in the URL (`read` gets the value back on load). */
export function keepInUrl(key, get) {
  extras.set(key, get);
}

/** Writes the hash soon (after moves settle). */
export function scheduleHash() {
  clearTimeout(timer);
  timer = setTimeout(writeHash, 200);
}

/** Writes the hash now. */
export function writeHash() {
  clearTimeout(timer);
  if (!state.loaded || !map) return;
  const c = map.getCenter();
  const parts = [`lon=${c.lng.toFixed(6)}`, `lat=${c.lat.toFixed(6)}`, `z=${map.getZoom().toFixed(2)}`];
  if (state.selected) parts.push(`${state.selected.layer}=${encodeURIComponent(state.selected.code)}`);
  if (state.view !== "lookup") {
    parts.push(`view=${state.view}`);
    for (const [k, get] of extras) {
      const v = get();
      if (v !== null && v !== undefined && v !== "") parts.push(`${k}=${encodeURIComponent(v)}`);
    }
  }
  const hash = `#${parts.join("&")}`;
  if (location.hash !== hash) history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
}

/** The hash as values: lon, lat, z (numbers or null), grid, community, view and any other key. */
export function readHash() {
  const h = new URLSearchParams(location.hash.replace(/^#/, ""));
  const num = (k) => {
    const v = h.get(k);
    if (v === null || v.trim() === "") return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  };
  const out = { lon: num("lon"), lat: num("lat"), z: num("z"), grid: h.get("grid"), community: h.get("community"), view: h.get("view") };
  out.get = (k) => h.get(k);
  out.hasView = out.lon !== null && out.lat !== null && Math.abs(out.lon) <= 180 && Math.abs(out.lat) <= 85;
  return out;
}
