#!/usr/bin/env bash
# Vector tiles under load, wangge against martin (maplibre's tile server) on the same data in the
# same run:
#   1. builds wangge (release) and starts `wangge serve --demo` with a throw-away database;
#   2. copies the grid layer of that database (a GeoPackage) into an MBTiles file with GDAL
#      (`ogr2ogr -f MBTILES`, zoom ZMIN..ZMAX) and serves it with martin;
#   3. lists every tile of the grid layer's extent at zoom ZMIN..ZMAX, warms both servers with
#      one pass over the list, then drives each with wrk over the same list (gzip accepted);
#   4. prints tiles/s for both and the ratio.
# martin is looked up as $MARTIN, then in PATH, then in target/peers/martin/bin; when it is nowhere,
# it is installed there from crates.io (1.14.0 is the newest that builds with rustc 1.95; about
# 20 minutes on 2 cores). NO_INSTALL=1 skips the install and prints wangge's own numbers.
#
# Usage: bash benches/compare_tiles.sh   (env: DURATION=10s CONNECTIONS=32 ZMIN=12 ZMAX=16 MARTIN=path)
# Traffic goes to 127.0.0.1 only; every wrk run is bounded by DURATION.
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
zmin=${ZMIN:-12}
zmax=${ZMAX:-16}
target_dir=${CARGO_TARGET_DIR:-target}

for tool in wrk curl ogr2ogr python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "compare_tiles.sh: $tool is needed (apt-get install wrk curl gdal-bin python3)" >&2
    exit 1
  fi
done
martin=${MARTIN:-$(command -v martin || true)}
peer_root=target/peers/martin
if [ -z "$martin" ] && [ ! -x "$peer_root/bin/martin" ] && [ "${NO_INSTALL:-0}" != 1 ]; then
  echo "==> installing martin 1.14.0 into $peer_root (once)"
  cargo install martin --version 1.14.0 --locked --no-default-features --features mbtiles --root "$peer_root" ||
    echo "compare_tiles.sh: martin did not install; printing wangge alone" >&2
fi
if [ -z "$martin" ] && [ -x "$peer_root/bin/martin" ]; then
  martin=$peer_root/bin/martin
fi

echo "==> building wangge (release)"
cargo build --release --bin wangge

me=compare_tiles.sh
# shellcheck source=benches/serve_lib.sh
source benches/serve_lib.sh
start_wangge_demo

# The tile list: every tile of the grid layer's extent at each zoom (TileJSON bounds).
curl -fsS "$base/tiles/grid.json" >"$tmp/grid.json"
python3 - "$tmp/grid.json" "$zmin" "$zmax" >"$tmp/tiles.txt" <<'PY'
import json, math, sys
b = json.load(open(sys.argv[1]))["bounds"]
def tile(lon, lat, z):
    n = 2 ** z
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)
for z in range(int(sys.argv[2]), int(sys.argv[3]) + 1):
    x0, y0 = tile(b[0], b[3], z)
    x1, y1 = tile(b[2], b[1], z)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            print(f"{z}/{x}/{y}")
PY
echo "    $(wc -l <"$tmp/tiles.txt") tiles at zoom $zmin..$zmax"

warm() {
  local prefix=$1 suffix=$2
  while read -r t; do curl -fsS -o /dev/null -H 'Accept-Encoding: gzip' "$prefix$t$suffix"; done <"$tmp/tiles.txt"
}


warm "$base/tiles/grid/" ".mvt"
ours=$(run_wrk "wangge /tiles/grid/{z}/{x}/{y}.mvt, 1 thread, $connections connections, $duration" \
  -t1 -c"$connections" -d"$duration" --latency -s benches/wrk_tiles.lua "$base" -- "$tmp/tiles.txt" /tiles/grid/ .mvt)
ours_rps=$(field requests_per_s "$ours")

if [ -z "$martin" ]; then
  echo
  echo "martin not found: wangge alone ($(nproc) cores; wrk and the server share them)"
  printf '  wangge : %10s tiles/s   p50 %6s ms   p99 %6s ms\n' "$ours_rps" "$(field p50_ms "$ours")" "$(field p99_ms "$ours")"
  exit 0
fi

echo "==> ogr2ogr -f MBTILES (grid layer, zoom $zmin..$zmax)"
ogr2ogr -f MBTILES "$tmp/grid.mbtiles" "$tmp/demo.gpkg" grid -dsco MINZOOM="$zmin" -dsco MAXZOOM="$zmax"
mport=$(free_port)
mbase="http://127.0.0.1:$mport"
echo "==> starting $("$martin" --version) on $mbase"
"$martin" --listen-addresses "127.0.0.1:$mport" "$tmp/grid.mbtiles" >"$tmp/martin.log" 2>&1 &
pids+=($!)
wait_for "$mbase/catalog" "${pids[-1]}" "$tmp/martin.log"
warm "$mbase/grid/" ""
theirs=$(run_wrk "martin /grid/{z}/{x}/{y}, 1 thread, $connections connections, $duration" \
  -t1 -c"$connections" -d"$duration" --latency -s benches/wrk_tiles.lua "$mbase" -- "$tmp/tiles.txt" /grid/ "")
theirs_rps=$(field requests_per_s "$theirs")

echo
echo "Summary: grid tiles, zoom $zmin..$zmax, $(wc -l <"$tmp/tiles.txt") tiles, $(nproc) cores (wrk and the server share them)"
printf '  wangge : %10s tiles/s   p50 %6s ms   p99 %6s ms\n' "$ours_rps" "$(field p50_ms "$ours")" "$(field p99_ms "$ours")"
printf '  martin : %10s tiles/s   p50 %6s ms   p99 %6s ms\n' "$theirs_rps" "$(field p50_ms "$theirs")" "$(field p99_ms "$theirs")"
awk -v a="$ours_rps" -v b="$theirs_rps" 'BEGIN { printf "  ratio wangge / martin: %.2f\n", a / b }'
