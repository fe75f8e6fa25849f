"""Runs PySAL spopt's MaxPHeuristic (threshold 300 households) on the units wangge exported, each community
in a process of its own (forked) with a time limit, and scores spopt's regions and wangge's labels with the same code:
grids, share within 300-500 households, mean Polsby-Popper (4*pi*A/P^2 of the union of each region's blocks,
in metres), share of the boundary between regions that runs along a road (from the exported shared edges).

    python compare_regions.py OUT_DIR WANGGE_JSON RUNS LIMIT_S     (prints the table, writes OUT_DIR/python.json)

spopt's iteration limits: SPOPT_CONSTRUCTION (max_iterations_construction, default 10; spopt's own default
is 99) and SPOPT_SA (max_iterations_sa, default 2; spopt's own is 10). LIMIT_S bounds each spopt run (the
time from the units in memory to the labels, as wangge's side is timed); a run that does not finish in it is
stopped and reported as "not finished", its time only a lower bound.
"""
import json
import multiprocessing
import math
import os
import signal
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")
LO, HI = 300, 500
CONSTRUCTION = int(os.environ.get("SPOPT_CONSTRUCTION", "10"))
SA = int(os.environ.get("SPOPT_SA", "2"))
# A run's own alarm stops it at the limit; one stuck in a long native call is killed this much later.
GRACE_S = 10


def score(community, labels):
    from shapely.geometry import Polygon
    from shapely.ops import unary_union

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
    import geopandas as gpd
    import libpysal
    import numpy as np
    from shapely.geometry import Polygon
    from spopt.region import MaxPHeuristic

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


class TimeUp(Exception):
    pass


def child(conn, community, seed, limit):
    """One spopt run, in a forked process, stopped by an alarm after `limit` seconds; sends its result."""

    def up(*_):
        raise TimeUp()

    signal.signal(signal.SIGALRM, up)
    t = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        labels = spopt_labels(community, seed)
        signal.setitimer(signal.ITIMER_REAL, 0)
        conn.send({"finished": True, "ms": (time.perf_counter() - t) * 1000, "labels": labels})
    except TimeUp:
        conn.send({"finished": False, "ms": (time.perf_counter() - t) * 1000})
    conn.close()


def run_spopt(community, seed, limit):
    """Runs spopt on `community` in a process of its own (forked, so the imports are done once), killed
    if its own alarm has not stopped it `GRACE_S` after the limit (stuck in one long native call)."""
    ctx = multiprocessing.get_context("fork")
    parent, conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=child, args=(conn, community, seed, limit))
    proc.start()
    conn.close()
    result = {"finished": False, "ms": limit * 1000.0}
    if parent.poll(limit + GRACE_S):
        try:
            result = parent.recv()
        except EOFError:
            pass
    if proc.is_alive():
        proc.kill()
    proc.join()
    return result


def main(out, wangge_json, runs, limit):
    # Imported once here; each run forks from this process.
    import geopandas  # noqa: F401
    import libpysal  # noqa: F401
    import spopt.region  # noqa: F401

    communities = json.load(open(f"{out}/units.json"))
    wangge = {w["community"]: w for w in json.load(open(wangge_json))}
    rows = []
    for c in communities:
        code = c["community"]
        total = sum(b["households"] for b in c["blocks"])
        if total < LO:
            continue
        times, labels, finished = [], None, True
        for r in range(runs):
            res = run_spopt(c, r + 1, limit)
            times.append(res["ms"])
            if not res["finished"]:
                finished = False
                break
            labels = res["labels"]
        w = wangge[code]
        row = {
            "community": code,
            "units": len(c["blocks"]),
            "households": total,
            "spopt_finished": finished,
            "spopt_ms": statistics.median(times) if finished else max(times),
            "wangge_ms": w["median_ms"],
            "spopt": score(c, labels) if finished else None,
            "wangge": score(c, w["labels"]),
        }
        rows.append(row)
        ratio = row["spopt_ms"] / max(row["wangge_ms"], 1e-6)
        if finished:
            state = f"spopt done in {row['spopt_ms'] / 1000:6.2f} s ({ratio:,.0f}x wangge's {row['wangge_ms']:.1f} ms)"
        else:
            state = f"spopt not finished in {limit:g} s (>= {ratio:,.0f}x wangge's {row['wangge_ms']:.1f} ms)"
        print(f"  {code}  {row['units']:4d} blocks {total:5d} households  {state}", file=sys.stderr, flush=True)
    json.dump(rows, open(f"{out}/python.json", "w"))
    table(rows, runs, limit)


def table(rows, runs, limit):
    def total(rs, side, key):
        return sum(r[side][key] for r in rs)

    def line(name, rs, side, ms_key):
        g = total(rs, side, "grids")
        t = sum(r[ms_key] for r in rs)
        return (f"| {name} | {t:,.1f} ms | {g} | {100 * total(rs, side, 'within') / max(1, g):.1f} % | "
                f"{total(rs, side, 'over_max')} | {total(rs, side, 'pp_sum') / max(1, g):.3f} | "
                f"{100 * total(rs, side, 'road_m') / max(1e-9, total(rs, side, 'cut_m')):.1f} % |")

    both = [r for r in rows if r["spopt_finished"]]
    late = [r for r in rows if not r["spopt_finished"]]
    print(f"spopt {'MaxPHeuristic'} threshold {LO}, max_iterations_construction={CONSTRUCTION} "
          f"max_iterations_sa={SA}; limit {limit:g} s per run; {runs} run(s) per community and side "
          f"(times: medians)")
    print(f"{len(rows)} communities, {sum(r['units'] for r in rows)} blocks, "
          f"{sum(r['households'] for r in rows)} households; bounds {LO}-{HI}; spopt finished on {len(both)}, "
          f"not within {limit:g} s on {len(late)}")
    header = "| side | time | grids | within 300-500 | over 500 | mean Polsby-Popper | boundary on roads |"
    print()
    print(f"On the {len(both)} communities both finished ({sum(r['units'] for r in both)} blocks):")
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|")
    if both:
        print(line("wangge", both, "wangge", "wangge_ms"))
        print(line("spopt", both, "spopt", "spopt_ms"))
        tw = sum(r["wangge_ms"] for r in both)
        ts = sum(r["spopt_ms"] for r in both)
        gw, gs = total(both, "wangge", "grids"), total(both, "spopt", "grids")
        share = (total(both, "wangge", "within") / gw) / max(1e-9, total(both, "spopt", "within") / gs)
        pp = (total(both, "wangge", "pp_sum") / gw) / max(1e-9, total(both, "spopt", "pp_sum") / gs)
        print(f"| ratio | spopt/wangge {ts / max(tw, 1e-9):,.0f}x | | wangge/spopt {share:.2f} | | "
              f"wangge/spopt {pp:.2f} | |")
    print()
    print(f"wangge on all {len(rows)} communities ({sum(r['units'] for r in rows)} blocks):")
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(line("wangge", rows, "wangge", "wangge_ms"))
    tw = sum(r["wangge_ms"] for r in rows)
    ts = sum(r["spopt_ms"] for r in rows)
    bound = "" if not late else f" (a lower bound: {len(late)} spopt run(s) stopped at {limit:g} s)"
    ge = ">=" if late else "="
    print(f"time on all: spopt {ge} {ts / 1000:,.1f} s, wangge {tw:,.1f} ms, spopt/wangge {ge} {ts / max(tw, 1e-9):,.0f}x"
          f"{bound}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
