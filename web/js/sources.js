// Where each layer's features come from. The dense layers (grids, buildings) are drawn from the
// server's vector tiles (/tiles/{layer}/{z}/{x}/{y}.mvt, TileJSON at /tiles/{layer}.json), so MapLibre
// only holds what is on screen, simplified for the zoom; every style layer drawn from a layer goes
// through `from(layer)`, so the switch is this one set. The page still keeps its own GeoJSON copy of
// every layer (labels, the plan view's geometry editing, thematic class counts need whole features).

/** Layers drawn from vector tiles; the others are drawn from GeoJSON the page fetched. */
const VECTOR = new Set(["grid", "building"]);

/** Bumped at every publish: a new tile URL makes MapLibre drop the tiles it holds in memory. */
let generation = Date.now();

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
    // TileJSON gives the layer's bounds, so MapLibre asks only for tiles that can hold features.
    map.addSource(sourceId(layer), { type: "vector", url: `/tiles/${layer}.json`, promoteId: { [layer]: "code" } });
  } else {
    map.addSource(sourceId(layer), {
      type: "geojson",
      data: { type: "FeatureCollection", features },
      promoteId: "code",
    });
  }
}

/** This generation's tile URL; absolute, because MapLibre fetches tiles from a worker. */
function tileUrl(layer) {
  return `${location.origin}/tiles/${layer}/{z}/{x}/{y}.mvt?g=${generation}`;
}

/** Replaces a layer's features after an edit is published (vector sources reload their tiles). */
export function refreshLayerSource(map, layer, features) {
  const src = map.getSource(sourceId(layer));
  if (!src) return;
  if (VECTOR.has(layer)) {
    // The server has dropped its cached tiles the publish touched and answers with ETag +
    // `Cache-Control: no-cache`, so the browser revalidates; a new URL also makes MapLibre refetch
    // every tile instead of reusing those it holds (VectorTileSource has no public reload).
    generation += 1;
    src.setTiles([tileUrl(layer)]);
  } else src.setData({ type: "FeatureCollection", features });
}

/** A GeoJSON source the page computes (coverage, problems, …), created or replaced. */
export function setGeoJSON(map, id, features) {
  const fc = { type: "FeatureCollection", features };
  const src = map.getSource(id);
  if (src) src.setData(fc);
  else map.addSource(id, { type: "geojson", data: fc });
}
