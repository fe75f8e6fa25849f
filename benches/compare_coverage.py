"""The same coverage problem through the pipeline a planner writes today: networkx Dijkstra and
shapely buffer / union / difference. Reads what examples/coverage_export.rs wrote (graph, centres,
buildings, grids in local metres) and prints its answer and median time as JSON.

Method, as close to wangge's as the tools allow: centres and buildings are snapped to the nearest
edge (shapely STRtree + line_locate_point) with the off-network leg counted; a virtual source
joins the snapped edge's two ends at their partial costs; a building is covered when some centre
is within the budget along the network; each centre's isochrone is its reachable edge pieces
buffered by the walk-off distance; gaps are grid − union of isochrones.
"""

import json
import sys
import time

import networkx as nx
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.ops import unary_union


def load(d):
    r = lambda n: json.load(open(f"{d}/{n}"))
    return r("graph.json"), r("centres.json"), r("buildings.json"), r("units.json"), r("wangge.json")


def run(graph, centres, buildings, units, budget, walk_off):
    nodes, edges = graph["nodes"], graph["edges"]
    g = nx.Graph()
    for a, b, length in edges:
        g.add_edge(a, b, weight=length)
    lines = [LineString([nodes[a], nodes[b]]) for a, b, _ in edges]
    tree = shapely.STRtree(lines)

    def snap(xy):
        p = Point(xy)
        e = int(tree.query_nearest(p)[0])
        line = lines[e]
        t = line.project(p, normalized=True)
        off = p.distance(line.interpolate(t, normalized=True))
        return e, t, off

    centre_snaps = [snap(c) for c in centres]
    home_snaps = [snap(b["xy"]) for b in buildings]

    # Coverage of buildings: one multi-source search from a virtual source joined to every centre.
    src = "S"
    for e, t, off in centre_snaps:
        a, b, length = edges[e]
        for n, cost in ((a, off + t * length), (b, off + (1 - t) * length)):
            if not g.has_edge(src, n) or g[src][n]["weight"] > cost:
                g.add_edge(src, n, weight=cost)
    dist = nx.single_source_dijkstra_path_length(g, src, cutoff=budget, weight="weight")
    g.remove_node(src)
    covered = 0
    for (e, s, off), b in zip(home_snaps, buildings):
        a, bb, length = edges[e]
        d = min(dist.get(a, float("inf")) + s * length, dist.get(bb, float("inf")) + (1 - s) * length)
        for ce, ct, coff in centre_snaps:
            if ce == e:
                d = min(d, coff + abs(s - ct) * length)
        if d + off <= budget:
            covered += b["households"]

    # Isochrones: one search per centre, reachable pieces buffered and unioned.
    isochrones = []
    for (e, t, off), c in zip(centre_snaps, centres):
        a, b, length = edges[e]
        v = ("C", e)
        g.add_edge(v, a, weight=off + t * length)
        g.add_edge(v, b, weight=off + (1 - t) * length)
        d = nx.single_source_dijkstra_path_length(g, v, cutoff=budget, weight="weight")
        g.remove_node(v)
        pieces = []
        for n, dn in d.items():
            if n == v:
                continue
            for m in g.neighbors(n):
                ln = g[n][m]["weight"]
                p, q = nodes[n], nodes[m]
                fn = min(1.0, (budget - dn) / ln) if ln > 0 else 1.0
                if m in d:
                    # Both ends reached: draw the edge once, from its lower-numbered end.
                    if n > m:
                        continue
                    fm = min(1.0, (budget - d[m]) / ln) if ln > 0 else 1.0
                    if fn + fm >= 1.0:
                        pieces.append([p, q])
                        continue
                    pieces.append([q, [q[0] + (p[0] - q[0]) * fm, q[1] + (p[1] - q[1]) * fm]])
                pieces.append([p, [p[0] + (q[0] - p[0]) * fn, p[1] + (q[1] - p[1]) * fn]])
        line = lines[e]
        r = (budget - off) / length if length > 0 else 0
        if r >= 0:
            pa = line.interpolate(max(0.0, t - r), normalized=True)
            pb = line.interpolate(min(1.0, t + r), normalized=True)
            pieces.append([[pa.x, pa.y], [pb.x, pb.y]])
            at = line.interpolate(t, normalized=True)
            pieces.append([[at.x, at.y], c])
        isochrones.append(MultiLineString(pieces).buffer(walk_off))
    union = unary_union(isochrones)
    area = covered_m2 = gap_m2 = 0.0
    for u in units:
        polys = [Polygon(p[0], p[1:]) for p in u["polygons"]]
        unit = unary_union(polys)
        area += unit.area
        covered_m2 += unit.intersection(union).area
        gap_m2 += unit.difference(union).area
    return {"covered_households": covered, "covered_m2": covered_m2, "gap_m2": gap_m2, "area_m2": area}


def main():
    d = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    graph, centres, buildings, units, rust = load(d)
    times, answer = [], None
    for _ in range(runs):
        t = time.perf_counter()
        answer = run(graph, centres, buildings, units, rust["budget_m"], rust["walk_off_m"])
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    answer["median_ms"] = times[len(times) // 2]
    answer["runs"] = runs
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
