# shellcheck shell=bash disable=SC2154  # `me` and `target_dir` come from the sourcing script
# Plumbing shared by the wrk scripts in benches/ (sourced, not run): a free loopback port, every
# started server stopped on exit, waiting until a server answers, the demo server, and wrk runs
# whose failed requests stop the script instead of turning into numbers.
#
# Before sourcing, the caller sets `me` (its name, for messages) and `target_dir`, and runs from
# the repository root. Afterwards `tmp` is a scratch folder removed on exit and `pids` holds the
# servers to stop.

free_port() {
  # bash's /dev/tcp fails to connect to a port nobody listens on.
  for _ in $(seq 1 50); do
    local candidate=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo "$me: found no free port" >&2
  exit 1
}

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# wait_for URL PID LOG [STEP TRIES]: until URL answers, asking every STEP seconds (default 0.1;
# a start-time measurement asks more often); stops with LOG when PID exits or after TRIES asks
# (default 600).
wait_for() {
  local url=$1 pid=$2 log=$3 step=${4:-0.1} tries=${5:-600}
  for i in $(seq 1 "$tries"); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then
      return
    fi
    if ! kill -0 "$pid" 2>/dev/null || [ "$i" -eq "$tries" ]; then
      echo "$me: $url did not answer:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep "$step"
  done
}

# Starts `wangge serve --demo` with a throw-away database (more `serve` flags may follow); sets
# `base` to its URL. The first start builds the demo database from data/, which takes a few seconds.
start_wangge_demo() {
  local port
  port=$(free_port)
  base="http://127.0.0.1:$port"
  echo "==> starting wangge serve --demo on $base (database in $tmp)"
  "$target_dir/release/wangge" --lang en serve --demo --db "$tmp/demo.gpkg" --addr "127.0.0.1:$port" "$@" \
    >"$tmp/wangge.log" 2>&1 &
  pids+=($!)
  wait_for "$base/healthz" "${pids[-1]}" "$tmp/wangge.log"
}

# run_wrk LABEL WRK-ARGS…: shows wrk's report on stderr and prints the RESULT line the Lua
# script's done() writes.
run_wrk() {
  local label=$1
  shift
  echo "==> $label" >&2
  wrk "$@" | tee "$tmp/wrk.txt" | grep -v '^RESULT' >&2
  local result
  result=$(grep '^RESULT' "$tmp/wrk.txt")
  if ! grep -q 'errors_connect=0 errors_read=0 errors_write=0 errors_status=0 errors_timeout=0' <<<"$result"; then
    echo "$me: requests failed: $result" >&2
    exit 1
  fi
  echo "$result"
}

# field NAME RESULT-LINE: one key=value of a RESULT line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
