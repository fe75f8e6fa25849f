#!/usr/bin/env bash
# Real-browser tests of the map page: starts `wangge serve --demo` on a free loopback port, creates a
# planner's and a viewer's token with `wangge token create` for the editing tests, runs `node --test tests/browser/`
# against it in Debian's Chromium (playwright-core), stops the server.
#
#   tests/browser/run.sh                 # from anywhere; uses data/ and web/ of the repository
#   WANGGE_DATA=/some/dir tests/browser/run.sh   # another demo data folder (the server reads WANGGE_DATA)
#
# Screenshots are written to tests/browser/artifacts/. The exit status is the tests' status.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "run.sh: need root (or sudo) for: $*" >&2
    return 1
  fi
}

# Debian's Chromium (no browser download) and a CJK font, so Chinese does not render as boxes.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -n "$(fc-list :lang=zh 2>/dev/null || true)" ] || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund)
fi
# The page's own packages (MapLibre GL JS, Terra Draw), served from web/node_modules.
if [ ! -f web/node_modules/maplibre-gl/dist/maplibre-gl.mjs ] || [ ! -d web/node_modules/terra-draw-maplibre-gl-adapter ]; then
  (cd web && npm ci --no-audit --no-fund)
fi

if [ ! -x target/release/wangge ]; then
  cargo build --release
fi

WORK="$(mktemp -d)"
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
URL="http://127.0.0.1:${PORT}"

target/release/wangge serve --demo --db "$WORK/demo.gpkg" --addr "127.0.0.1:${PORT}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
cleanup() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The first start builds the demo database from data/*.geojson; give it time.
for _ in $(seq 1 600); do
  if curl -fsS "$URL/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run.sh: the server exited:" >&2
    cat "$WORK/server.log" >&2
    exit 1
  fi
  sleep 0.2
done
if ! curl -fsS "$URL/healthz" >/dev/null 2>&1; then
  echo "run.sh: the server did not answer /healthz in 120 s:" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi

# A planner's token for the editing test (SQLite WAL lets the CLI write while the server runs).
PLANNER_TOKEN="$(target/release/wangge token create --db "$WORK/demo.gpkg" --role planner --name browser-test | tail -n 1)"
VIEWER_TOKEN="$(target/release/wangge token create --db "$WORK/demo.gpkg" --role viewer --name browser-viewer | tail -n 1)"
# The demo's second network (police grids along the arterial roads) for the 多网对照 view.
target/release/wangge import --db "$WORK/demo.gpkg" --network police data/networks/police.geojson >/dev/null

status=0
# One test file at a time (the planning test publishes a new boundary the others would see mid-run).
for file in tests/browser/*.test.mjs; do
  WANGGE_URL="$URL" WANGGE_PLANNER_TOKEN="$PLANNER_TOKEN" WANGGE_VIEWER_TOKEN="$VIEWER_TOKEN" node --test "$file" \
    | tee -a "$WORK/tap.log" || status=$?
done
if [ "$status" != 0 ]; then
  # CI keeps only the tail of the output: repeat each failure with its error here, at the end.
  echo "--- failures ---" >&2
  awk '/^not ok /{on=1} on{print} on&&/^  \.\.\.$/{on=0}' "$WORK/tap.log" | head -n 120 >&2
  echo "--- server log ---" >&2
  tail -n 50 "$WORK/server.log" >&2
fi
exit "$status"
