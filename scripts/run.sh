#!/usr/bin/env bash
# Runs wangge on its built-in demo city at http://127.0.0.1:8080 (override with WANGGE_ADDR).
# The demo database is created from data/ on first start; the files in data/ are never written.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
cargo build --release
exec target/release/wangge serve --demo --db "${WANGGE_DB:-wangge-demo.gpkg}" --addr "${WANGGE_ADDR:-127.0.0.1:8080}"
