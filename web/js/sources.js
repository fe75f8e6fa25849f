// Where each layer's features come from — the one place to change when the dense layers move to
// vector tiles (/tiles/{layer}/{z}/{x}/{y}.mvt, TileJSON at /tiles/{layer}.json): switch the layer's
// entry in VECTOR below and every style layer drawn from it follows through `from(layer)`.

/** Layers drawn from GeoJSON the page fetched; a layer listed here is drawn from vector tiles instead. */
const VECTOR = new Set(); // e.g. new Set(["grid", "building"]) once /tiles/ is served

const sourceId = (layer) => `src-${layer}`;

/** The `source` (and for tiles `source-layer`) a style layer needs to draw `layer`. */
export function from(layer) {
  return VECTOR.has(layer) ? { source: sourceId(layer), "source-layer": layer } : { source: sourceId(layer) };
}

/** The source handle for feature-state calls (`setFeatureState({...featureTarget(layer), id})`). */
export function featureTarget(layer) {
  return from(layer);
}

/** Adds the source for `layer`; `features` are the page's copy (used for GeoJSON sources). */
export function addLayerSource(map, layer, features) {
  if (VECTOR.has(layer)) {
    map.addSource(sourceId(layer), { type: "vector", url: `/tiles/${layer}.json`, promoteId: { [layer]: "code" } });
  } else {
    map.addSource(sourceId(layer), {
      type: "geojson",
      data: { type: "FeatureCollection", features },
      promoteId: "code",
    });
  }
}

/** Replaces a layer's features after an edit is published (vector sources reload their tiles). */
export function refreshLayerSource(map, layer, features) {
  const src = map.getSource(sourceId(layer));
  if (!src) return;
  if (VECTOR.has(layer)) src.reload?.();
  else src.setData({ type: "FeatureCollection", features });
}

/** A GeoJSON source the page computes (coverage, problems, …), created or replaced. */
export function setGeoJSON(map, id, features) {
  const fc = { type: "FeatureCollection", features };
  const src = map.getSource(id);
  if (src) src.setData(fc);
  else map.addSource(id, { type: "geojson", data: fc });
}
