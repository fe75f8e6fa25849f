#!/usr/bin/env bash
# Runs every check wangge has: formatting, lints, unit and integration tests (real SQLite files,
# real HTTP on loopback, real GDAL), and the browser tests (Debian's Chromium via playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

cargo fmt --all -- --check
# --release shares the compiled dependencies (and the bundled PROJ build) with the tests below.
cargo clippy --release --workspace --all-targets -- -D warnings

log=$(mktemp)
status=0
WANGGE_REQUIRE_GDAL=1 WANGGE_REQUIRE_INTEROP=1 cargo test --release --workspace 2>&1 | tee "$log" || status=$?
rust_passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
rust_failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')

browser_log=$(mktemp)
bash tests/browser/run.sh 2>&1 | tee "$browser_log" || status=$?
web_passed=$(grep -Eo '^# pass [0-9]+' "$browser_log" | awk '{s+=$3} END {print s+0}')
web_failed=$(grep -Eo '^# fail [0-9]+' "$browser_log" | awk '{s+=$3} END {print s+0}')

echo
echo "rust: ${rust_passed} passed, ${rust_failed} failed; browser: ${web_passed} passed, ${web_failed} failed"
echo "total: $((rust_passed + web_passed)) passed, $((rust_failed + web_failed)) failed"
exit "$status"
