#!/usr/bin/env bash
# Runs wangge on its built-in demo city at http://127.0.0.1:8080 (override with WANGGE_ADDR).
# The demo database is created from data/ on first start; the files in data/ are never written.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
cargo build --release
# The map page's packages (MapLibre GL JS, Terra Draw), pinned by web/package-lock.json.
[ -f web/node_modules/maplibre-gl/dist/maplibre-gl.mjs ] || (cd web && npm ci --no-audit --no-fund)
exec target/release/wangge serve --demo --db "${WANGGE_DB:-wangge-demo.gpkg}" --addr "${WANGGE_ADDR:-127.0.0.1:8080}"
