#!/usr/bin/env bash
# National scale, end to end: a deterministic hierarchy of N square grids (benches/scale_gen.py:
# communities of 10 × 10 grids, streets of 5 × 5 communities, districts of 4 × 4 streets), then in
# the same run
#   - `wangge import` of the grid layer (after its three parent layers) vs `ogr2ogr -f GPKG` of the
#     same grid file: wall time and peak RSS (`/usr/bin/time -v`);
#   - `wangge serve` on the result: time until /healthz answers, RSS when ready;
#   - lookup throughput: POST /api/v1/lookup with a CSV body of 100,000 points (median of runs),
#     and the server's RSS after the batches.
# Prints a table with the ratios. The generated files are kept in benches/out/scale-N and reused.
#
#   bash benches/scale.sh [--grids N] [--runs R] [--wangge BIN]
# (default N = 1,000,000, R = 3; --wangge measures a given build instead of building this tree's)
set -euo pipefail
cd "$(dirname "$0")/.."
me=scale.sh
grids=1000000
runs=3
wangge=
while [ $# -gt 0 ]; do
  case $1 in
    --grids) grids=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --wangge) wangge=$2; shift 2 ;;
    *) echo "usage: bash benches/scale.sh [--grids N] [--runs R] [--wangge BIN]" >&2; exit 2 ;;
  esac
done
target_dir=${CARGO_TARGET_DIR:-target}
command -v ogr2ogr >/dev/null || { echo "$me: ogr2ogr (GDAL) is needed as the peer" >&2; exit 1; }
if [ -z "${wangge:-}" ]; then
  cargo build --release --bin wangge
  wangge="$target_dir/release/wangge"
fi
# shellcheck source=benches/serve_lib.sh
source benches/serve_lib.sh

mkdir -p benches/out
data="benches/out/scale-$grids"
if [ ! -s "$data/grid.geojson" ] || [ "$(cat "$data/count" 2>/dev/null)" = "" ]; then
  echo "==> generating $grids grids in $data"
  python3 benches/scale_gen.py --grids "$grids" --out "$data" >"$data.count.tmp" || { rm -f "$data.count.tmp"; exit 1; }
  mv "$data.count.tmp" "$data/count"
fi
n=$(cat "$data/count")
file_mb=$(du -m "$data/grid.geojson" | cut -f1)

# timed LABEL CMD…: runs CMD under /usr/bin/time -v; sets `wall` (s) and `rss` (MB, peak).
timed() {
  local label=$1
  shift
  echo "==> $label" >&2
  if ! /usr/bin/time -v "$@" >"$tmp/out.txt" 2>"$tmp/time.txt"; then
    cat "$tmp/out.txt" "$tmp/time.txt" >&2
    echo "$me: $label failed" >&2
    exit 1
  fi
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tmp/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tmp/time.txt")
}

db="$tmp/wangge.gpkg"
for layer in district street community; do
  timed "wangge import $layer" "$wangge" --lang en import --db "$db" --layer "$layer" "$data/$layer.geojson"
done
timed "wangge import grid ($n grids, $file_mb MB)" "$wangge" --lang en import --db "$db" --layer grid "$data/grid.geojson"
import_wall=$wall import_rss=$rss
timed "ogr2ogr -f GPKG (same grid file)" ogr2ogr -f GPKG "$tmp/ogr.gpkg" "$data/grid.geojson"
ogr_wall=$wall ogr_rss=$rss

port=$(free_port)
base="http://127.0.0.1:$port"
echo "==> wangge serve on $base" >&2
start=$(date +%s.%N)
"$wangge" --lang en serve --db "$db" --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
pids+=($!)
server=${pids[-1]}
wait_for "$base/healthz" "$server" "$tmp/serve.log" 0.02 6000
ready=$(echo "scale=2; ($(date +%s.%N) - $start) / 1" | bc)
kb() { awk -v k="$1:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$server/status"; }
ready_rss=$(kb VmRSS)

# 100,000 points spread over the grid layer (and a little beyond it), the same on every run.
python3 - "$n" >"$tmp/points.csv" <<'EOF'
import math, random, sys
side = math.isqrt(int(sys.argv[1]) - 1) + 1
extent = side / 1024.0
rng = random.Random(15)
print("id,lon,lat")
for i in range(100_000):
    print(f"{i},{113.0 + rng.uniform(-0.01, extent + 0.01):.7f},{22.0 + rng.uniform(-0.01, extent + 0.01):.7f}")
EOF
times=()
for r in $(seq 1 "$runs"); do
  t=$(curl -fsS -o "$tmp/answer.csv" -w '%{time_total}' -H 'Content-Type: text/csv' -H 'Accept: text/csv' \
    --data-binary @"$tmp/points.csv" "$base/api/v1/lookup")
  times+=("$t")
  echo "    lookup run $r: $t s" >&2
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
lookup_rate=$(echo "100000 / $median" | bc)
after_rss=$(kb VmRSS)
peak_rss=$(kb VmHWM)
answers=$(($(wc -l <"$tmp/answer.csv") - 1))
# Raw coordinates: five (lon, lat) pairs of f64 per square, every layer.
raw_mb=$(python3 -c "
import math; side = math.isqrt($n - 1) + 1; t = 0
for s in (1, 10, 50, 200): t += (-(-side // s)) ** 2
print(round(t * 5 * 16 / 1048576, 1))")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
echo "scale.sh: $n grids ($file_mb MB GeoJSON), $(nproc) cores (busy), $(date -u +%FT%TZ)"
printf '%-38s %12s %12s %8s\n' "measure" "wangge" "ogr2ogr" "ratio"
printf '%-38s %12s %12s %8s\n' "import grid layer, wall s" "$import_wall" "$ogr_wall" "$(ratio "$import_wall" "$ogr_wall")"
printf '%-38s %12s %12s %8s\n' "import grid layer, peak RSS MB" "$import_rss" "$ogr_rss" "$(ratio "$import_rss" "$ogr_rss")"
printf '%-38s %12s\n' "serve ready, s" "$ready"
printf '%-38s %12s %12s %8s\n' "serve RSS when ready, MB (vs raw coords)" "$ready_rss" "$raw_mb" "$(ratio "$ready_rss" "$raw_mb")"
printf '%-38s %12s\n' "lookup POST 100k CSV, points/s (median)" "$lookup_rate"
printf '%-38s %12s\n' "serve RSS after lookups, MB" "$after_rss"
printf '%-38s %12s\n' "serve peak RSS, MB" "$peak_rss"
printf '%-38s %12s\n' "lookup answers (CSV rows)" "$answers"
