#!/usr/bin/env bash
# OGC API – Features item pages under load, wangge against pygeoapi (the OSGeo reference server)
# on the same data in the same run:
#   1. builds wangge (release) and starts `wangge serve --demo` with a throw-away database;
#   2. copies the grid and building layers of that database (a GeoPackage) into a separate
#      GeoPackage with GDAL, rows in code order (wangge's page order), and serves it with pygeoapi
#      (GDAL/OGR provider, gunicorn with WORKERS sync workers, as pygeoapi's docs deploy it);
#   3. checks that both report the same numberMatched and the same feature codes on the first
#      two pages of each layer, and stops before any load if they differ (a faster wrong answer
#      is no result);
#   4. drives each with wrk over item pages (limit=100 at rotating offsets, and limit=1000),
#      one server after the other, and prints features/s (requests/s × numberReturned), p50/p99
#      and the ratio.
# pygeoapi 0.21.0 (the newest for Python 3.11) and gunicorn are installed from PyPI into
# target/peers/pygeoapi-venv (once, about 30 s); the venv sees Debian's python3-gdal (the OGR
# provider's binding), so it is made from /usr/bin/python3. NO_INSTALL=1 prints wangge alone.
#
# Usage: bash benches/compare_ogc_items.sh
#   (env: DURATION=10s CONNECTIONS=16 WORKERS=2 LAYER=building)
# Traffic goes to 127.0.0.1 only; every wrk run is bounded by DURATION.
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
duration=${DURATION:-10s}
connections=${CONNECTIONS:-16}
workers=${WORKERS:-2}
layer=${LAYER:-building}
target_dir=${CARGO_TARGET_DIR:-target}

for tool in wrk curl ogr2ogr python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "compare_ogc_items.sh: $tool is needed (apt-get install wrk curl gdal-bin python3)" >&2
    exit 1
  fi
done

venv=target/peers/pygeoapi-venv
peer=1
if [ "${NO_INSTALL:-0}" = 1 ] && [ ! -x "$venv/bin/gunicorn" ]; then
  peer=0
elif ! "$venv/bin/python" -c "import pygeoapi, gunicorn, osgeo.ogr" 2>/dev/null; then
  echo "==> installing pygeoapi 0.21.0 + gunicorn 23.0.0 into $venv (once)"
  if ! /usr/bin/python3 -c "import osgeo.ogr" 2>/dev/null; then
    echo "compare_ogc_items.sh: pygeoapi's OGR provider needs python3-gdal (apt-get install python3-gdal)" >&2
    exit 1
  fi
  rm -rf "$venv"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install -q pygeoapi==0.21.0 gunicorn==23.0.0
fi

echo "==> building wangge (release)"
cargo build --release --bin wangge

me=compare_ogc_items.sh
# shellcheck source=benches/serve_lib.sh
source benches/serve_lib.sh
start_wangge_demo

# numberMatched and the ids (= codes) of the first two pages (limit 100), as "N code code …". pygeoapi's
# OGR provider leaves numberMatched out of item pages and gives it for resulttype=hits.
page_summary() {
  local matched
  matched=$(curl -fsS -H 'Accept: application/geo+json' "$1?f=json&limit=1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin).get("numberMatched", ""))')
  if [ -z "$matched" ]; then
    matched=$(curl -fsS -H 'Accept: application/geo+json' "$1?f=json&resulttype=hits" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["numberMatched"])')
  fi
  local offset ids=()
  # The first page and a later one, so paging by offset is checked too.
  for offset in 0 100; do
    ids+=("$(curl -fsS -H 'Accept: application/geo+json' "$1?f=json&limit=100&offset=$offset" |
      python3 -c 'import json, sys; print(" ".join(str(f["id"]) for f in json.load(sys.stdin)["features"]))')")
  done
  echo "$matched ${ids[*]}"
}
# Features on one page (pygeoapi's OGR provider leaves numberReturned out too).
returned() {
  curl -fsS -H 'Accept: application/geo+json' "$1?f=json&limit=$2&offset=0" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["features"]))'
}

ours_items="/ogc/collections/$layer/items"
matched=$(page_summary "$base$ours_items" | cut -d' ' -f1)
echo "    $layer: numberMatched $matched"


# Runs wrk at one page size against one server; prints "RESULT … returned=N".
bench() {
  local name=$1 url=$2 items=$3 limit=$4
  local n
  n=$(returned "$url$items" "$limit")
  local result
  result=$(run_wrk "$name $items?limit=$limit (rotating offsets), 1 thread, $connections connections, $duration" \
    -t1 -c"$connections" -d"$duration" --latency --timeout 10s -s benches/wrk_ogc_items.lua "$url" -- \
    "$items" "$limit" "$matched")
  echo "$result returned=$n"
}

limits=(100 1000)
declare -A ours theirs
# wangge's runs come after the peer's answers are checked, so a disagreement stops before any load.
bench_ours() {
  for limit in "${limits[@]}"; do
    ours[$limit]=$(bench wangge "$base" "$ours_items" "$limit")
  done
}

summary_line() {
  local name=$1 result=$2 limit=$3
  local rps n
  rps=$(field requests_per_s "$result")
  n=$(field returned "$result")
  printf '  %-8s limit=%-5s %8s req/s × %4s = %10.0f features/s   p50 %7s ms   p99 %7s ms\n' \
    "$name" "$limit" "$rps" "$n" "$(awk -v r="$rps" -v n="$n" 'BEGIN { print r * n }')" \
    "$(field p50_ms "$result")" "$(field p99_ms "$result")"
}
features_per_s() { awk -v r="$(field requests_per_s "$1")" -v n="$(field returned "$1")" 'BEGIN { print r * n }'; }

if [ "$peer" = 0 ]; then
  bench_ours
  echo
  echo "pygeoapi not installed (NO_INSTALL=1): wangge alone ($(nproc) cores; wrk and the server share them)"
  for limit in "${limits[@]}"; do summary_line wangge "${ours[$limit]}" "$limit"; done
  exit 0
fi

echo "==> ogr2ogr: grid and building layers into a separate GeoPackage, in code order"
ogr2ogr -f GPKG "$tmp/peer.gpkg" "$tmp/demo.gpkg" -nln grid -sql "SELECT * FROM grid ORDER BY code"
ogr2ogr -f GPKG -update "$tmp/peer.gpkg" "$tmp/demo.gpkg" -nln building -sql "SELECT * FROM building ORDER BY code"

mport=$(free_port)
mbase="http://127.0.0.1:$mport"
python3 - "$tmp" "$mport" "$tmp/peer.gpkg" <<'PY'
import sys
tmp, port, gpkg = sys.argv[1:]
resources = ""
for layer in ("grid", "building"):
    resources += f"""
  {layer}:
    type: collection
    title: {layer}
    description: wangge demo {layer} layer, copied with ogr2ogr
    keywords: [{layer}]
    extents:
      spatial:
        bbox: [-180, -90, 180, 90]
        crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84
    providers:
      - type: feature
        name: OGR
        data:
          source_type: GPKG
          source: {gpkg}
          source_capabilities:
            paging: true
        id_field: code
        layer: {layer}
"""
open(f"{tmp}/pygeoapi.yml", "w").write(f"""server:
  bind:
    host: 127.0.0.1
    port: {port}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits:
    default_items: 10
    max_items: 10000
  map:
    url: http://127.0.0.1/{{z}}/{{x}}/{{y}}.png
    attribution: none
logging:
  level: ERROR
metadata:
  identification:
    title: pygeoapi peer of wangge
    description: the same layers as wangge serve --demo
    keywords: [grid]
    keywords_type: theme
    terms_of_service: none
    url: http://127.0.0.1/
  license:
    name: none
    url: http://127.0.0.1/
  provider:
    name: wangge bench
    url: http://127.0.0.1/
  contact:
    name: wangge bench
resources:{resources}""")
PY
export PYGEOAPI_CONFIG="$tmp/pygeoapi.yml" PYGEOAPI_OPENAPI="$tmp/pygeoapi-openapi.yml"
"$venv/bin/pygeoapi" openapi generate "$PYGEOAPI_CONFIG" --output-file "$PYGEOAPI_OPENAPI" >"$tmp/openapi.log" 2>&1 ||
  { cat "$tmp/openapi.log" >&2; exit 1; }
echo "==> starting pygeoapi $("$venv/bin/python" -c 'import pygeoapi; print(pygeoapi.__version__)') (gunicorn, $workers workers) on $mbase"
"$venv/bin/gunicorn" --workers "$workers" --bind "127.0.0.1:$mport" --log-level warning pygeoapi.flask_app:APP \
  >"$tmp/pygeoapi.log" 2>&1 &
pids+=($!)
wait_for "$mbase/conformance" "${pids[-1]}" "$tmp/pygeoapi.log"

# The same answer or no numbers: count and first two pages of both layers.
for check in grid building; do
  a=$(page_summary "$base/ogc/collections/$check/items")
  b=$(page_summary "$mbase/collections/$check/items")
  if [ "$a" != "$b" ]; then
    echo "compare_ogc_items.sh: wangge and pygeoapi disagree on $check (numberMatched, codes of the first two pages):" >&2
    echo "  wangge  : $a" >&2
    echo "  pygeoapi: $b" >&2
    exit 1
  fi
  echo "    $check: both numberMatched $(cut -d' ' -f1 <<<"$a"), same codes on the first two pages of 100"
done

bench_ours
for limit in "${limits[@]}"; do
  theirs[$limit]=$(bench pygeoapi "$mbase" "/collections/$layer/items" "$limit")
done

echo
echo "Summary: $layer items pages, $matched features, $(nproc) cores (wrk and both servers share them)"
for limit in "${limits[@]}"; do
  summary_line wangge "${ours[$limit]}" "$limit"
  summary_line pygeoapi "${theirs[$limit]}" "$limit"
  awk -v a="$(features_per_s "${ours[$limit]}")" -v b="$(features_per_s "${theirs[$limit]}")" \
    -v l="$limit" 'BEGIN { printf "  ratio wangge / pygeoapi (limit=%s): %.1f\n", l, a / b }'
done
