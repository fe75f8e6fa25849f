#!/usr/bin/env bash
# How fast `wangge serve` starts on one database, for several builds in the same run: the builds
# are started in turn (A B A B …) so that a busy machine weighs on each alike. For every start:
# wall time until /healthz answers, the CPU seconds the process used until then (steadier than
# the wall time on shared cores), RssAnon and peak RSS when ready and RssAnon SETTLE seconds later
# (after the background work a start leaves, such as the gazetteer), and the phases of the load
# the build logs at WANGGE_LOG=wangge::load=debug (builds that log none show none).
#
#   bash benches/serve_ready.sh --db FILE [--runs R] [--settle S] BIN…
# e.g. after `bash benches/scale.sh --grids 1000000` kept its database:
#   bash benches/serve_ready.sh --db big.gpkg --runs 3 /tmp/wangge-before target/release/wangge
set -euo pipefail
cd "$(dirname "$0")/.."
me=serve_ready.sh
target_dir=${CARGO_TARGET_DIR:-target}
db=
runs=3
settle=0
while [ $# -gt 0 ]; do
  case $1 in
    --db) db=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "usage: bash benches/serve_ready.sh --db FILE [--runs R] [--settle S] BIN…" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ -n "$db" ] && [ $# -gt 0 ] || { echo "usage: bash benches/serve_ready.sh --db FILE [--runs R] [--settle S] BIN…" >&2; exit 2; }
# shellcheck source=benches/serve_lib.sh
source benches/serve_lib.sh

echo "serve_ready.sh: $db, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for r in $(seq 1 "$runs"); do
  for bin in "$@"; do
    port=$(free_port)
    start=$(date +%s.%N)
    WANGGE_LOG=wangge::load=debug "$bin" --lang en serve --db "$db" --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_for "http://127.0.0.1:$port/healthz" "$pid" "$tmp/serve.log" 0.02 6000
    ready=$(echo "scale=2; ($(date +%s.%N) - $start) / 1" | bc)
    # utime + stime, fields 14 and 15 of /proc/PID/stat, in clock ticks.
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat")
    mem=$(awk '$1 == "RssAnon:" { a = $2 } $1 == "VmHWM:" { h = $2 } END { printf "RssAnon %d MB, peak %d MB", a / 1024, h / 1024 }' "/proc/$pid/status")
    sleep "$settle"
    later=$(awk '$1 == "RssAnon:" { printf "%d MB", $2 / 1024 }' "/proc/$pid/status")
    phases=$(sed 's/\x1b\[[0-9;]*m//g' "$tmp/serve.log" | sed -n 's/.*wangge::load: //p' | grep -v ': 0 ms$' | paste -sd ';' - || true)
    echo "$bin run $r: ready ${ready} s, CPU ${cpu} s, $mem, RssAnon ${settle} s later $later"
    [ -z "$phases" ] || echo "    $phases"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
done
