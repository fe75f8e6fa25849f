#!/usr/bin/env python3
"""Writes a synthetic grid hierarchy for benches/scale.sh, the same bytes on every run.

N square grids (rounded to a whole side = ceil(sqrt N)) of 1/1024° laid out row by row from
(113°E, 22°N); communities are blocks of 10 × 10 grids, streets blocks of 5 × 5 communities,
districts blocks of 4 × 4 streets. The cell size is a power of two so that neighbours share
bit-identical edges and every coordinate prints exactly. Writes district/street/community/grid
.geojson into OUT and prints the grid count.

    python3 benches/scale_gen.py --grids 1000000 --out DIR
"""

import argparse
import math
import os

CELL = 1.0 / 1024.0
X0, Y0 = 113.0, 22.0
# Children per parent along each side, from grid up to district.
STEPS = [("community", 10), ("street", 5), ("district", 4)]


def ring(col0, row0, span):
    """A closed counter-clockwise square ring in GeoJSON text."""
    x0, y0 = X0 + col0 * CELL, Y0 + row0 * CELL
    x1, y1 = X0 + (col0 + span) * CELL, Y0 + (row0 + span) * CELL
    return f"[[[{x0!r},{y0!r}],[{x1!r},{y0!r}],[{x1!r},{y1!r}],[{x0!r},{y1!r}],[{x0!r},{y0!r}]]]"


def write_layer(path, features):
    with open(path, "w", encoding="utf-8", buffering=1 << 20) as out:
        out.write('{"type":"FeatureCollection","features":[\n')
        first = True
        for props, coords in features:
            if not first:
                out.write(",\n")
            first = False
            out.write(f'{{"type":"Feature","properties":{props},"geometry":{{"type":"Polygon","coordinates":{coords}}}}}')
        out.write("\n]}\n")


def code(prefix, col, row):
    return f"{prefix}{col:04d}{row:04d}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--grids", type=int, default=1_000_000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    side = math.isqrt(args.grids - 1) + 1 if args.grids > 1 else 1
    # Side of one unit of each level in grids: 1, 10, 50, 200.
    spans = [("grid", "G", 1)]
    span = 1
    for name, k in STEPS:
        span *= k
        spans.append((name, name[0].upper(), span))

    def level(i):
        name, prefix, span = spans[i]
        n = -(-side // span)
        parent = spans[i + 1] if i + 1 < len(spans) else None
        for row in range(n):
            for col in range(n):
                c = code(prefix, col, row)
                props = f'{{"code":"{c}","name":"{name} {col}-{row}"'
                if parent:
                    k = parent[2] // span
                    props += f',"parent_code":"{code(parent[1], col // k, row // k)}"'
                if name == "grid":
                    props += f',"households":{(col * 7 + row * 13) % 500}'
                props += "}"
                yield props, ring(col * span, row * span, span)

    for i in range(len(spans) - 1, -1, -1):
        write_layer(os.path.join(args.out, f"{spans[i][0]}.geojson"), level(i))
    print(side * side)


if __name__ == "__main__":
    main()
