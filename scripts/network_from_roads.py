"""A second, independently drawn network for the demo city, from real data: the areas enclosed by
Futian's arterial roads (OSM trunk, primary, secondary and tertiary ways in data/roads.geojson),
inside the demo's extent (the union of its streets), the way police grids (警格) are commonly
drawn along main roads. Faces under 30,000 m² are merged into the neighbour they share the
longest border with, so no face is a mere traffic island.

    benches/.venv/bin/python scripts/network_from_roads.py data OUT.geojson

Needs shapely (benches/.venv has it). The result is illustrative like the demo itself: real roads,
drawn boundaries; features carry `code` JG0001… and `name` 警格 0001.
"""
import json
import math
import sys

from shapely.geometry import mapping, shape
from shapely.ops import polygonize, unary_union

MAJOR = {"trunk", "primary", "secondary", "tertiary", "trunk_link", "primary_link", "secondary_link", "tertiary_link"}
MIN_M2 = 30_000.0


def is_major(highway):
    # Some ways carry a list written as text, e.g. "['primary', 'trunk']".
    return any(h.strip(" '[]") in MAJOR for h in str(highway).split(","))


def area_m2(g, lat0):
    # Equirectangular metres at the demo's latitude: ample for a size threshold.
    kx = 111_320.0 * math.cos(math.radians(lat0))
    return g.area * kx * 111_320.0


def main(data_dir, out):
    streets = json.load(open(f"{data_dir}/street.geojson"))["features"]
    extent = unary_union([shape(f["geometry"]) for f in streets]).buffer(0)
    lat0 = extent.centroid.y
    roads = json.load(open(f"{data_dir}/roads.geojson"))["features"]
    lines = [shape(f["geometry"]) for f in roads if is_major(f["properties"].get("highway"))]
    noded = unary_union(lines + [extent.boundary])
    faces = [f for f in polygonize(noded) if extent.contains(f.representative_point())]
    faces = [f.intersection(extent) for f in faces]
    faces = [f for f in faces if not f.is_empty and f.area > 0]
    # Merge the smallest face into its longest-bordering neighbour until none is below MIN_M2.
    while True:
        small = [i for i, f in enumerate(faces) if area_m2(f, lat0) < MIN_M2]
        if not small:
            break
        i = min(small, key=lambda k: faces[k].area)
        best, border = None, 0.0
        for j, g in enumerate(faces):
            if j != i:
                shared = faces[i].boundary.intersection(g.boundary).length
                if shared > border:
                    best, border = j, shared
        if best is None:
            faces.pop(i)
            continue
        faces[best] = unary_union([faces[best], faces[i]])
        faces.pop(i)
    # Number north to south, west to east, like the project's building codes.
    faces.sort(key=lambda f: (-round(f.representative_point().y, 3), f.representative_point().x))
    features = []
    for k, f in enumerate(faces, 1):
        geom = mapping(f)
        features.append({
            "type": "Feature",
            "properties": {"code": f"JG{k:04d}", "name": f"警格 {k:04d}", "source": "OSM arterial roads (illustrative)"},
            "geometry": geom,
        })
    json.dump({"type": "FeatureCollection", "features": features}, open(out, "w"), ensure_ascii=False)
    print(f"{len(features)} faces from {len(lines)} arterial road segments", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
