// The search box: coordinates (pasted pairs and AMap/Tencent/Baidu share links, in the chosen or the
// link's CRS), grid and community codes, names, then addresses through the gazetteer (geocode.js).

import { t } from "./i18n.js";
import { data, extentOf, fitBox } from "./map.js";
import { clearSelection, lookup, selectFeature } from "./lookup.js";
import { setStatus, state } from "./state.js";
import { parsePaste } from "./paste.js";
import { checkOtherReading, chooseCrs } from "./crs-choice.js";
import { geocode, notFound } from "./geocode.js";

/** Runs one search; resolves to the answer shown on the card, or null. */
export async function search(query, crs = "wgs84") {
  const q = String(query ?? "").trim();
  if (!q) return null;
  setStatus("");
  const pasted = parsePaste(q);
  if (pasted) {
    // A share link says which app, hence which system; a bare pair is read in the chosen one.
    const use = pasted.crs ?? crs;
    if (pasted.crs) {
      chooseCrs(pasted.crs);
      setStatus(t("crs.from", { app: t(`crs.app.${pasted.source}`), crs: pasted.crs.toUpperCase() }));
    }
    try {
      const answer = await lookup(pasted.lon, pasted.lat, use, { center: true });
      if (!pasted.source) checkOtherReading(answer, pasted.lon, pasted.lat, use, (other) => search(q, other));
      return answer;
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
  // Anything else is an address: the gazetteer's candidates, each with its level.
  if (!/^\d+$/.test(code)) {
    try {
      return await geocode(q);
    } catch (e) {
      setStatus(e.message, true);
      return null;
    }
  }
  return notFound(q);
}
