#!/usr/bin/env bash
# Compares wangge's alignment report (多网合一) with geopandas.overlay + groupby (shapely/GEOS) on
# the same problems, in the same run: the demo city's 120 grids against the arterial-road network
# in data/networks/police.geojson, and N synthetic 100 m grids against a copy shifted 20 m east
# and 10 m north (default N = 100000).
#   bash benches/compare_align.sh [N] [RUNS]
# Creates benches/.venv (geopandas, shapely) and benches/out/align-* on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
runs="${2:-3}"
out=benches/out
mkdir -p "$out"
if [ ! -x benches/.venv/bin/python ]; then
  python3 -m venv benches/.venv
fi
benches/.venv/bin/python -c "import geopandas" 2>/dev/null || benches/.venv/bin/pip install -q geopandas shapely
cargo build --release --quiet --example align_export
compare() {
  local label="$1" dir="$2" r="$3"; shift 3
  ./target/release/examples/align_export "$@" "$dir" "$r" > "$dir.wangge.json"
  benches/.venv/bin/python benches/compare_align.py "$dir" "$r" > "$dir.python.json"
  python3 - "$label" "$dir.wangge.json" "$dir.python.json" <<'PY'
import json, sys
label, w, p = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
print(f"{label}: {w['ours']} ours x {w['theirs']} theirs, {w['homes']} buildings")
print(f"  wangge (full report) median {w['median_ms']:10.1f} ms over {w['runs']} runs  pairs {w['pairs']}  area {w['area_m2']/1e6:.4f} km²  households {w['households_in_pieces']}  slivers {w['slivers']}  failed {w['failed']}")
print(f"  geopandas overlay    median {p['median_ms']:10.1f} ms over {p['runs']} runs  pairs {p['pairs']}  area {p['area_m2']/1e6:.4f} km²  households {p['households_in_pieces']}")
print(f"  ratio (geopandas / wangge): {p['median_ms'] / w['median_ms']:.2f}x")
da = abs(w['area_m2'] - p['area_m2']) / max(1.0, p['area_m2'])
print(f"  piece area differs by {da*100:.4f} %, pairs by {w['pairs'] - p['pairs']}, households by {w['households_in_pieces'] - p['households_in_pieces']}")
PY
}
mkdir -p "$out/align-demo" "$out/align-synthetic"
compare "demo (grid level)" "$out/align-demo" "$runs" demo "$out/align-demo.gpkg"
compare "synthetic $n" "$out/align-synthetic" 1 synthetic "$n"
