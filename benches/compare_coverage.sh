#!/usr/bin/env bash
# Compares wangge with a networkx + shapely pipeline on the same problem: the demo city's walking
# network, its 28 党群服务中心 and 732 blocks, 15 minutes at 4 km/h, 50 m walk-off.
#   bash benches/compare_coverage.sh [PYTHON_RUNS]
# Creates benches/.venv (networkx, shapely) and benches/out/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
out=benches/out
mkdir -p "$out"
if [ ! -x benches/.venv/bin/python ]; then
  python3 -m venv benches/.venv
  benches/.venv/bin/pip install -q networkx shapely
fi
cargo build --release --quiet --example coverage_export
db="$out/demo.gpkg"
./target/release/examples/coverage_export "$db" "$out" 7 > "$out/wangge.txt"
benches/.venv/bin/python benches/compare_coverage.py "$out" "$runs" > "$out/python.json"
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
w = json.load(open(f"{d}/wangge.json"))
p = json.load(open(f"{d}/python.json"))
print(f"problem: {w['nodes']} nodes, {w['edges']} edges, {w['centres']} centres, {w['buildings']} buildings, {w['units']} grids")
print(f"wangge           median {w['median_ms']:10.1f} ms over {w['runs']} runs  covered households {w['covered_households']}  covered area {w['covered_m2']/1e6:.4f} km²")
print(f"networkx+shapely median {p['median_ms']:10.1f} ms over {p['runs']} runs  covered households {p['covered_households']}  covered area {p['covered_m2']/1e6:.4f} km²")
print(f"ratio (python / wangge): {p['median_ms'] / w['median_ms']:.0f}x")
dh = abs(w['covered_households'] - p['covered_households']) / max(1, p['covered_households'])
da = abs(w['covered_m2'] - p['covered_m2']) / max(1.0, p['covered_m2'])
print(f"covered households differ by {dh*100:.3f} %, covered area by {da*100:.3f} %")
sys.exit(0 if dh <= 0.01 else 1)
PY
