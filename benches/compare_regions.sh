#!/usr/bin/env bash
# Compares wangge's grid proposals with PySAL spopt's MaxPHeuristic (threshold 300 households) on the
# same units: every demo community's blocks with households and adjacency, exported by wangge
# (examples/regions_export.rs).
#   bash benches/compare_regions.sh [--runs N] [--limit S]     (defaults: 1 run per community and side, 20 s)
# Each spopt run goes in its own process and is stopped after S seconds (from the units in memory to the
# labels); the table states its time as a lower bound there and compares grids only where both finished.
# spopt's iteration limits: SPOPT_CONSTRUCTION=10 and SPOPT_SA=2 by default (spopt's own defaults are 99 and
# 10). wangge's side is `propose` as `wangge propose-grids` runs it (restarts × counts, summed over the cuts
# of blocks tried). With the defaults the whole script takes at most ≈ 24 × (S + a few s of imports).
# Creates benches/.venv-regions (spopt 0.7.0, libpysal 4.14.1 from PyPI: spopt 0.8.0 and libpysal 4.15.1 need
# Python 3.12, this machine has 3.11) and benches/out/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=1
limit=20
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --limit) limit="$2"; shift 2 ;;
    *) echo "usage: bash benches/compare_regions.sh [--runs N] [--limit SECONDS]" >&2; exit 2 ;;
  esac
done
out=benches/out/regions
mkdir -p "$out"
if [ ! -x benches/.venv-regions/bin/python ]; then
  python3 -m venv benches/.venv-regions
  benches/.venv-regions/bin/pip install -q spopt==0.7.0 libpysal==4.14.1
fi
cargo build --release --quiet --example regions_export
./target/release/examples/regions_export "$out/demo.gpkg" "$out" "$runs" > "$out/wangge.json"
benches/.venv-regions/bin/python benches/compare_regions.py "$out" "$out/wangge.json" "$runs" "$limit"
