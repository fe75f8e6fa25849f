#!/usr/bin/env bash
# Compares wangge's grid proposals with PySAL spopt's MaxPHeuristic (threshold 300 households) on the
# same units: every demo community's blocks with households and adjacency, exported by wangge
# (examples/regions_export.rs), plus the Helsinki fixture (real footprints) when built.
#   bash benches/compare_regions.sh [RUNS]      (default 1 run per community and side)
# spopt's time is bounded by its iteration limits: SPOPT_CONSTRUCTION=10 and SPOPT_SA=2 by default
# (spopt's own defaults are 99 and 10); set them to compare
# at spopt's defaults. wangge's side is `propose` as `wangge propose-grids` runs it (6 restarts × 3 counts).
# Creates benches/.venv-regions (spopt 0.7.0, libpysal 4.14.1 from PyPI: spopt 0.8.0 and libpysal 4.15.1 need
# Python 3.12, this machine has 3.11) and benches/out/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1}"
out=benches/out/regions
mkdir -p "$out"
if [ ! -x benches/.venv-regions/bin/python ]; then
  python3 -m venv benches/.venv-regions
  benches/.venv-regions/bin/pip install -q spopt==0.7.0 libpysal==4.14.1
fi
cargo build --release --quiet --example regions_export
./target/release/examples/regions_export "$out/demo.gpkg" "$out" "$runs" > "$out/wangge.json"
benches/.venv-regions/bin/python benches/compare_regions.py "$out" "$out/wangge.json" "$runs" > "$out/python.json"
python3 - "$out" <<'PY'
import json, sys
rows = json.load(open(f"{sys.argv[1]}/python.json"))
def total(side, key):
    return sum(r[side][key] for r in rows)
units = sum(r["units"] for r in rows)
import os
print(f"spopt MaxPHeuristic max_iterations_construction={os.environ.get('SPOPT_CONSTRUCTION', '10')} "
      f"max_iterations_sa={os.environ.get('SPOPT_SA', '2')}")
print(f"{len(rows)} communities, {units} blocks, {sum(r['households'] for r in rows)} households; bounds 300-500")
for side, ms in (("wangge", "wangge_ms"), ("spopt", "spopt_ms")):
    t = sum(r[ms] for r in rows)
    g = total(side, "grids")
    print(f"{side:7s} time {t:9.1f} ms (sum of per-community medians)  grids {g:4d}  within 300-500 "
          f"{100 * total(side, 'within') / g:5.1f} %  over 500 {total(side, 'over_max'):3d}  mean Polsby-Popper "
          f"{total(side, 'pp_sum') / g:.3f}  boundary on roads {100 * total(side, 'road_m') / max(1, total(side, 'cut_m')):5.1f} %")
tw, ts = sum(r["wangge_ms"] for r in rows), sum(r["spopt_ms"] for r in rows)
pw = total("wangge", "pp_sum") / total("wangge", "grids")
ps = total("spopt", "pp_sum") / total("spopt", "grids")
print(f"ratios: time spopt/wangge {ts / tw:.1f}x, Polsby-Popper wangge/spopt {pw / ps:.2f}, "
      f"within-bounds share wangge/spopt {(total('wangge','within')/total('wangge','grids')) / max(1e-9, total('spopt','within')/total('spopt','grids')):.2f}")
PY
