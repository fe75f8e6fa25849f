// One label point per area feature, well inside it: MapLibre places polygon labels once per tile,
// which repeats a large grid's name at street level. Candidates on a lattice over the polygon's box
// are scored by their distance to the nearest edge (in a local metric frame); the best one wins.

function polygonsOf(g) {
  if (!g) return [];
  return g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
}

function inside(pt, rings) {
  let odd = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > pt[1] !== yj > pt[1] && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) odd = !odd;
    }
  }
  return odd;
}

function edgeDistance(pt, rings, k) {
  let best = Infinity;
  for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const ax = ring[i][0] * k;
      const ay = ring[i][1];
      const bx = ring[i + 1][0] * k;
      const by = ring[i + 1][1];
      const px = pt[0] * k;
      const py = pt[1];
      const dx = bx - ax;
      const dy = by - ay;
      const len = dx * dx + dy * dy;
      const t = len ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len)) : 0;
      best = Math.min(best, Math.hypot(px - ax - t * dx, py - ay - t * dy));
    }
  }
  return best;
}

/** A point well inside the feature's largest part (or null for non-areas). */
export function labelPoint(feature) {
  let bestPt = null;
  let bestD = -1;
  for (const rings of polygonsOf(feature.geometry)) {
    const outer = rings[0];
    const xs = outer.map((c) => c[0]);
    const ys = outer.map((c) => c[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const k = Math.cos(((y0 + y1) / 2) * (Math.PI / 180));
    const n = 9;
    for (let i = 0; i <= n; i++) {
      for (let j = 0; j <= n; j++) {
        const pt = [x0 + ((x1 - x0) * (i + 0.5)) / (n + 1), y0 + ((y1 - y0) * (j + 0.5)) / (n + 1)];
        if (!inside(pt, rings)) continue;
        const d = edgeDistance(pt, rings, k);
        if (d > bestD) {
          bestD = d;
          bestPt = pt;
        }
      }
    }
    if (!bestPt) bestPt = outer[0];
  }
  return bestPt;
}

/** Point features carrying the area features' properties, one per feature, for symbol layers. */
export function labelFeatures(features) {
  const out = [];
  for (const f of features) {
    const pt = labelPoint(f);
    if (pt) out.push({ type: "Feature", properties: f.properties, geometry: { type: "Point", coordinates: pt } });
  }
  return out;
}
