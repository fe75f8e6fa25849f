// The search box: coordinates (in the chosen CRS), grid and community codes, names, then addresses
// through the gazetteer (/api/v1/geocode).

import { ApiError, fetchJSON } from "./api.js";
import { currentLang, t } from "./i18n.js";
import { data, extentOf, fitBox } from "./map.js";
import { clearSelection, lookup, selectFeature } from "./lookup.js";
import { setStatus, state } from "./state.js";

const COORD_RE = /^\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Runs one search; resolves to the answer shown on the card, or null. */
export async function search(query, crs = "wgs84") {
  const q = String(query ?? "").trim();
  if (!q) return null;
  setStatus("");
  const m = q.match(COORD_RE);
  if (m) {
    let lon = Number(m[1]);
    let lat = Number(m[2]);
    // People often paste "lat,lon"; in China latitude is < 54 and longitude > 73.
    if (Math.abs(lon) <= 90 && Math.abs(lat) > 90) [lon, lat] = [lat, lon];
    try {
      return await lookup(lon, lat, crs, { center: true });
    } catch (e) {
      setStatus(e.message, true);
      return null;
    }
  }
  const code = q.replace(/\s+/g, "");
  for (const layer of ["grid", "community"]) {
    if (data.byCode[layer].has(code)) {
      selectFeature(layer, code);
      return state.answer;
    }
  }
  // Names: a grid, community or street whose name contains the text.
  const lower = q.toLowerCase();
  for (const layer of ["community", "grid", "street"]) {
    const f = data.features[layer].find((x) => x.properties.name && x.properties.name.toLowerCase() === lower)
      ?? data.features[layer].find((x) => x.properties.name && x.properties.name.toLowerCase().includes(lower));
    if (f && (lower.length >= 2)) {
      if (layer === "street") {
        clearSelection();
        fitBox(extentOf([f]), { maxZoom: 15 });
        return null;
      }
      selectFeature(layer, f.properties.code);
      return state.answer;
    }
  }
  // Anything else is an address: the gazetteer's best candidate, with its confidence shown.
  if (!/^\d+$/.test(code)) {
    try {
      const r = await fetchJSON(`/api/v1/geocode?q=${encodeURIComponent(q)}&limit=1&lang=${currentLang()}`);
      const best = r.candidates?.[0];
      if (best) {
        const answer = await lookup(best.point.lon, best.point.lat, "wgs84", { center: true });
        setStatus(t("status.address", { a: best.address, s: best.score.toFixed(2) }));
        return answer;
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.status < 500)) {
        setStatus(e.message, true);
        return null;
      }
    }
  }
  setStatus(/^\d+$/.test(code) ? t("status.notFound", { q }) : t("status.badQuery"), true);
  return null;
}
