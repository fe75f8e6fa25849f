"""Runs PySAL spopt's MaxPHeuristic (threshold 300 households) on the units wangge exported, and scores
spopt's regions and wangge's labels with the same code: grids, share within 300-500 households, mean
Polsby-Popper (4*pi*A/P^2 of the union of each region's blocks, in metres), share of the boundary between
regions that runs along a road (from the exported shared edges).

    python compare_regions.py OUT_DIR WANGGE_JSON RUNS

spopt's iteration limits bound its time: SPOPT_CONSTRUCTION (max_iterations_construction, default 10;
spopt's own default is 99) and SPOPT_SA (max_iterations_sa, default 2; spopt's own is 10).
"""
import os
import json
import math
import statistics
import sys
import time
import warnings

import geopandas as gpd
import libpysal
import numpy as np
from shapely.geometry import Polygon
from shapely.ops import unary_union
from spopt.region import MaxPHeuristic

warnings.filterwarnings("ignore")
LO, HI = 300, 500
CONSTRUCTION = int(os.environ.get("SPOPT_CONSTRUCTION", "10"))
SA = int(os.environ.get("SPOPT_SA", "2"))


def score(community, labels):
    blocks = community["blocks"]
    regions = {}
    for i, lab in enumerate(labels):
        regions.setdefault(lab, []).append(i)
    polys = [Polygon(b["rings"][0], b["rings"][1:]).buffer(0) for b in blocks]
    hh, pp = [], []
    for members in regions.values():
        hh.append(sum(blocks[i]["households"] for i in members))
        # Blocks share exact vertices; a 1 mm buffer closes float seams so the union has no slivers.
        u = unary_union([polys[i].buffer(0.001) for i in members]).buffer(-0.001)
        pp.append(4 * math.pi * u.area / (u.length ** 2) if u.length > 0 else 0.0)
    cut = road = 0.0
    for a, b, length, on_road in community["edges"]:
        if labels[a] != labels[b]:
            cut += length
            road += on_road
    return {
        "grids": len(regions),
        "within": sum(LO <= h <= HI for h in hh),
        "pp_sum": sum(pp),
        "cut_m": cut,
        "road_m": road,
        "over_max": sum(h > HI for h in hh),
    }


def spopt_labels(community, seed):
    blocks = community["blocks"]
    polys = [Polygon(b["rings"][0], b["rings"][1:]).buffer(0) for b in blocks]
    gdf = gpd.GeoDataFrame(
        {
            "households": [b["households"] for b in blocks],
            "x": [p.centroid.x for p in polys],
            "y": [p.centroid.y for p in polys],
        },
        geometry=polys,
    )
    neighbors = {i: [] for i in range(len(blocks))}
    for a, b, _, _ in community["edges"]:
        neighbors[a].append(b)
        neighbors[b].append(a)
    w = libpysal.weights.W(neighbors, silence_warnings=True)
    np.random.seed(seed)
    model = MaxPHeuristic(gdf, w, ["x", "y"], "households", LO, 2, max_iterations_construction=CONSTRUCTION,
                          max_iterations_sa=SA, verbose=False)
    model.solve()
    return [int(x) for x in model.labels_]


def main(out, wangge_json, runs):
    communities = json.load(open(f"{out}/units.json"))
    wangge = {w["community"]: w for w in json.load(open(wangge_json))}
    rows = []
    for c in communities:
        code = c["community"]
        total = sum(b["households"] for b in c["blocks"])
        if total < LO:
            continue
        times, labels = [], None
        for r in range(runs):
            t = time.perf_counter()
            labels = spopt_labels(c, r + 1)
            times.append((time.perf_counter() - t) * 1000)
        rows.append({
            "community": code,
            "units": len(c["blocks"]),
            "households": total,
            "spopt_ms": statistics.median(times),
            "wangge_ms": wangge[code]["median_ms"],
            "spopt": score(c, labels),
            "wangge": score(c, wangge[code]["labels"]),
        })
    print(json.dumps(rows))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
