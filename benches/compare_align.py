"""The same alignment overlay as wangge's report, done the way an analyst would with geopandas
(shapely 2 / GEOS): `geopandas.overlay(ours, theirs, how="intersection")`, piece areas on an
equal-area projection centred on the data, households by a spatial join of the building points to
the pieces and a groupby. Reads what examples/align_export.rs wrote (ours, theirs, homes as
GeoJSON) and prints its answer and median time as JSON.

wangge does more in its timed run (classes, slivers, Hausdorff distances, V-measures per
community); this is the overlay + groupby core that any such report starts from.
"""

import json
import sys
import time

import geopandas as gpd
import pandas as pd


def run(ours, theirs, homes, crs):
    pieces = gpd.overlay(ours, theirs, how="intersection", keep_geom_type=True)
    pieces["area_m2"] = pieces.to_crs(crs).area
    joined = gpd.sjoin(homes, pieces[["code_1", "code_2", "geometry"]], predicate="within", how="inner")
    households = joined.groupby(["code_1", "code_2"])["households"].sum()
    table = pieces.set_index(["code_1", "code_2"])[["area_m2"]].join(households).fillna({"households": 0})
    return table


def main(d, runs):
    ours = gpd.read_file(f"{d}/ours.geojson")
    theirs = gpd.read_file(f"{d}/theirs.geojson")
    homes = gpd.read_file(f"{d}/homes.geojson")
    c = ours.union_all().centroid if hasattr(ours, "union_all") else ours.unary_union.centroid
    crs = f"+proj=laea +lat_0={c.y} +lon_0={c.x} +ellps=WGS84 +units=m +no_defs"
    times, table = [], None
    for _ in range(runs):
        t = time.perf_counter()
        table = run(ours, theirs, homes, crs)
        times.append((time.perf_counter() - t) * 1000.0)
    times.sort()
    table = table[table["area_m2"] > 1e-3]
    print(json.dumps({
        "pairs": int(len(table)), "area_m2": float(table["area_m2"].sum()),
        "households_in_pieces": int(table["households"].sum()),
        "median_ms": times[len(times) // 2], "runs": runs,
    }))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
