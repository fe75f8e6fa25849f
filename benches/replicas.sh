#!/usr/bin/env bash
# Many processes, one truth, measured: the demo city (data/, real Futian outlines) in a throw-away
# PostgreSQL cluster, three `wangge serve` replicas on it, and
#   1. lookups/s through 1, 2 and 3 replicas: one wrk (1 thread, CONNECTIONS connections, DURATION)
#      per replica, all at once, GET /api/v1/lookup at random points; the rates are summed;
#   2. publish → served: PUBLISHES recorded imports from the CLI (one grid renamed, upsert), each
#      timed from the CLI's exit (the commit is done) until each replica's /healthz reports the
#      new revision, and the replica's own commit → served lag (`feed.last_lag_seconds`).
# Prints one table row per measurement. Everything (PostgreSQL, servers, wrk) runs on this machine
# and loopback only; every run is bounded by DURATION and the publish count.
#
# Usage: bash benches/replicas.sh   (env: DURATION=10s CONNECTIONS=16 PUBLISHES=5)
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
duration=${DURATION:-10s}
connections=${CONNECTIONS:-16}
publishes=${PUBLISHES:-5}
target_dir=${CARGO_TARGET_DIR:-target}
me=replicas.sh

missing=()
for tool in wrk curl jq; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y "${missing[@]}" >/dev/null; else sudo apt-get install -y "${missing[@]}" >/dev/null; fi
fi
command -v python3 >/dev/null || { echo "$me: python3 is needed" >&2; exit 1; }
pg_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "$me: PostgreSQL is not installed (bash scripts/setup.sh test)" >&2
  exit 1
fi

echo "==> building wangge (release)"
cargo build --release --bin wangge
wangge=$target_dir/release/wangge

# shellcheck source=benches/serve_lib.sh
source benches/serve_lib.sh

# A throw-away cluster, as the tests start it: PostgreSQL refuses to run as root, so as root its
# tools run as the postgres user, in a folder of its own.
pg_dir=$(mktemp -d)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$pg_dir"
  as_pg=(runuser -u postgres --)
fi
pg_port=$(free_port)
stop_all() {
  cleanup
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_all EXIT
echo "==> PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" >/dev/null
"${as_pg[@]}" "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE wangge" postgres
url="postgres://postgres@127.0.0.1:$pg_port/wangge"

echo "==> importing the demo city"
for layer in district street community grid building service_centre; do
  "$wangge" --lang en import --db "$url" --layer "$layer" "data/$layer.geojson" >/dev/null
done

bases=()
for i in 1 2 3; do
  port=$(free_port)
  "$wangge" --lang en serve --db "$url" --addr "127.0.0.1:$port" >"$tmp/replica$i.log" 2>&1 &
  pids+=($!)
  bases+=("http://127.0.0.1:$port")
  wait_for "http://127.0.0.1:$port/readyz" "${pids[-1]}" "$tmp/replica$i.log"
done
curl -fsS "${bases[0]}/api/v1/lookup?lon=114.02&lat=22.53" >/dev/null

echo
echo "| through | lookups/s (sum) | p99 ms (worst replica) |"
echo "|---|---:|---:|"
for n in 1 2 3; do
  wrk_pids=()
  for i in $(seq 1 "$n"); do
    wrk -t1 -c"$connections" -d"$duration" --latency -s benches/wrk_lookup.lua "${bases[$((i - 1))]}" \
      >"$tmp/wrk$i.txt" &
    wrk_pids+=($!)
  done
  # The servers are background jobs too: wait for the wrk runs only.
  for p in "${wrk_pids[@]}"; do wait "$p"; done
  total=0
  worst=0
  for i in $(seq 1 "$n"); do
    result=$(grep '^RESULT' "$tmp/wrk$i.txt")
    if ! grep -q 'errors_connect=0 errors_read=0 errors_write=0 errors_status=0 errors_timeout=0' <<<"$result"; then
      echo "$me: requests failed through replica $i: $result" >&2
      exit 1
    fi
    total=$(awk -v t="$total" -v r="$(field requests_per_s "$result")" 'BEGIN { print t + r }')
    worst=$(awk -v w="$worst" -v p="$(field p99_ms "$result")" 'BEGIN { print (p > w) ? p : w }')
  done
  printf '| %d replica%s | %.0f | %.1f |\n' "$n" "$([ "$n" -gt 1 ] && echo s)" "$total" "$worst"
done

# Publish → served: a recorded import from another process (the CLI), renaming one grid.
revision() { curl -fsS "$1/healthz" | jq -r '.revision'; }
first_grid=$tmp/grid1.geojson
for k in $(seq 1 "$publishes"); do
  python3 - "$k" >"$first_grid" <<'EOF'
import json, sys
fc = json.load(open("data/grid.geojson"))
f = fc["features"][0]
f["properties"]["name"] = f["properties"]["name"].split(" #")[0] + " #" + sys.argv[1]
print(json.dumps({"type": "FeatureCollection", "features": [f]}, ensure_ascii=False))
EOF
  before=$(revision "${bases[0]}")
  "$wangge" --lang en import --db "$url" --layer grid --mode upsert "$first_grid" >/dev/null
  committed=$(date +%s.%N)
  # All three polled in turn, each until it serves the new revision (at most ~10 s).
  pending=(1 2 3)
  for _ in $(seq 1 1000); do
    still=()
    for i in "${pending[@]}"; do
      base=${bases[$((i - 1))]}
      if [ "$(revision "$base")" -gt "$before" ]; then
        now=$(date +%s.%N)
        lag=$(curl -fsS "$base/healthz" | jq -r '.feed.last_lag_seconds // "null"')
        echo "$i $(awk -v a="$committed" -v b="$now" 'BEGIN { print b - a }') $lag" >>"$tmp/lags.txt"
      else
        still+=("$i")
      fi
    done
    if [ "${#still[@]}" -eq 0 ]; then break; fi
    pending=("${still[@]}")
    sleep 0.005
  done
  if [ "${#still[@]}" -gt 0 ]; then
    echo "$me: replicas ${still[*]} did not serve revision $((before + 1)) within 10 s" >&2
    exit 1
  fi
done
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "| publish → served ($publishes CLI imports) | median, seen by polling /healthz | median commit → served, reported by the replica |"
echo "|---|---:|---:|"
for i in 1 2 3; do
  seen=$(awk -v i="$i" '$1 == i { print $2 }' "$tmp/lags.txt" | median)
  reported=$(awk -v i="$i" '$1 == i && $3 != "null" { print $3 }' "$tmp/lags.txt" | median)
  printf '| replica %d | %.3f s | %.3f s |\n' "$i" "$seen" "$reported"
done
echo
echo "($(nproc) cores, shared by PostgreSQL, three servers and wrk)"
