#!/usr/bin/env bash
# HTTP load test of the lookup API on the demo city: builds the release binary, starts
# `wangge serve --demo` on a free loopback port with a throw-away database, and drives it with wrk:
#   1. GET  /api/v1/lookup?lon=..&lat=..  — one random point per request, 64 connections, 10 s;
#   2. POST /api/v1/lookup                — 10,000 random points per request as JSON, 2 connections, 10 s;
#   3. POST /api/v1/lookup?format=csv     — CSV in, CSV out (both streamed), 100,000 and 1,000,000
#      points per request, one request at a time (the server answers on both cores), median of RUNS.
# Prints requests/s, points/s and latency percentiles, then stops the server.
#
# Usage: bash benches/http_lookup.sh   (env: DURATION=10s CONNECTIONS=64 BATCH=10000 CSV_SIZES="100000 1000000" RUNS=5)
# Traffic goes to 127.0.0.1 only, and every run is bounded by DURATION.
set -euo pipefail
# Failures inside $(run_wrk ...) must stop the script too.
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
batch=${BATCH:-10000}
csv_sizes=${CSV_SIZES:-100000 1000000}
runs=${RUNS:-5}
target_dir=${CARGO_TARGET_DIR:-target}

for layer in district street community grid building service_centre; do
  if [ ! -f "data/$layer.geojson" ]; then
    echo "note: data/$layer.geojson is missing, so the demo database cannot be built; skipping the HTTP bench"
    exit 0
  fi
done
if ! command -v wrk >/dev/null; then
  echo "==> installing wrk"
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi
if ! command -v curl >/dev/null; then
  echo "http_lookup.sh: curl is needed to wait for the server" >&2
  exit 1
fi

echo "==> building wangge (release)"
cargo build --release --bin wangge

me=http_lookup.sh
# shellcheck source=benches/serve_lib.sh
source benches/serve_lib.sh
# Batches of a million points fit: 1,000,000 rows of CSV are about 30 MB.
start_wangge_demo --max-batch-points 1000000 --max-body-bytes 67108864
sed 's/^/    server: /' "$tmp/wangge.log"
# One real answer, so a broken endpoint fails here rather than as a fast stream of errors.
curl -fsS "$base/api/v1/lookup?lon=114.02&lat=22.53" >/dev/null

single=$(run_wrk "GET /api/v1/lookup, 1 thread, $connections connections, $duration" \
  -t1 -c"$connections" -d"$duration" --latency -s benches/wrk_lookup.lua "$base")
batched=$(run_wrk "POST /api/v1/lookup, $batch points a request, 1 thread, 2 connections, $duration" \
  -t1 -c2 -d"$duration" --latency --timeout 30s -s benches/wrk_lookup.lua "$base" -- batch "$batch")

echo
echo "Summary ($(nproc) cores; wrk and the server share them)"
printf '  GET  single point : %10s req/s   p50 %8s ms   p99 %8s ms\n' \
  "$(field requests_per_s "$single")" "$(field p50_ms "$single")" "$(field p99_ms "$single")"
batch_rps=$(field requests_per_s "$batched")
printf '  POST %5s points : %10s req/s   p50 %8s ms   p99 %8s ms   = %.0f points/s (%s requests)\n' \
  "$batch" "$batch_rps" "$(field p50_ms "$batched")" "$(field p99_ms "$batched")" \
  "$(awk -v r="$batch_rps" -v b="$batch" 'BEGIN { print r * b }')" "$(field requests "$batched")"

# The streamed CSV batch: the same random points of the demo box (seeded), sent whole with curl,
# the answer read and discarded; wall time per request from curl, median of $runs.
for n in $csv_sizes; do
  awk -v n="$n" 'BEGIN { srand(42); print "id,lon,lat"
    for (i = 0; i < n; i++) printf "p%d,%.7f,%.7f\n", i, 113.997 + rand() * 0.043, 22.517 + rand() * 0.034 }' \
    >"$tmp/points_$n.csv"
  times=()
  for _ in $(seq 1 "$runs"); do
    times+=("$(curl -fsS -o "$tmp/answer.csv" -w '%{time_total}' -H 'Content-Type: text/csv' \
      --data-binary "@$tmp/points_$n.csv" "$base/api/v1/lookup?format=csv")")
  done
  lines=$(wc -l <"$tmp/answer.csv")
  if [ "$lines" -ne $((n + 1)) ]; then
    echo "$me: the CSV answer to $n points has $lines lines" >&2
    exit 1
  fi
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
  printf '  POST %7s points as CSV, streamed: median %6.3f s of %s (%s)   = %.0f points/s\n' \
    "$n" "$median" "$runs" "$(printf '%s ' "${times[@]}")" "$(awk -v t="$median" -v n="$n" 'BEGIN { print n / t }')"
done
