#!/usr/bin/env bash
# Whether two builds answer geocoding alike: each serves the demo (a database of its own, built from
# data/) and is asked the same questions — every division name, every
# road, every 40th address, doors a road lacks, shortened names (partial input), district+road+door,
# street+road, the type-ahead for each query's first two characters, the nearest addresses at every
# 60th address point, and all the queries again as one CSV batch — and the answers are compared
# byte for byte. For changes meant to leave every answer as it was (e.g. how the gazetteer stores
# its places).
#
#   bash benches/geocode_same.sh BIN_A BIN_B
set -euo pipefail
cd "$(dirname "$0")/.."
me=geocode_same.sh
target_dir=${CARGO_TARGET_DIR:-target}
[ $# -eq 2 ] || { echo "usage: bash benches/geocode_same.sh BIN_A BIN_B" >&2; exit 2; }
# shellcheck source=benches/serve_lib.sh
source benches/serve_lib.sh

python3 - "$tmp" <<'EOF'
import csv, json, sys
out = sys.argv[1]
qs = []
for layer in ["community", "street", "district"]:
    qs += [f["properties"]["name"] for f in json.load(open(f"data/{layer}.geojson"))["features"]]
rows = list(csv.DictReader(open("data/address.csv")))
roads = sorted({r["road"] for r in rows if r["road"]})
qs += roads + [r["address"] for r in rows[::40]] + [r + "999号" for r in roads[::3]]
qs += [r[:-1] for r in roads[::4] if len(r) > 2]
qs += ["福田区" + r["road"] + r["door"] + "号" for r in rows[::97]] + ["沙头街道" + r["road"] for r in rows[::150]]
open(f"{out}/queries.txt", "w").write("\n".join(qs) + "\n")
open(f"{out}/points.txt", "w").write("".join(f"{r['lon']} {r['lat']}\n" for r in rows[::60]))
with open(f"{out}/batch.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "address"])
    w.writerows(enumerate(qs))
EOF

answers() {
  local bin=$1 dir=$2 port base pid
  mkdir -p "$dir"
  port=$(free_port)
  "$bin" --lang en serve --demo --db "$dir/demo.gpkg" --addr "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_for "http://127.0.0.1:$port/healthz" "$pid" "$dir/serve.log"
  base="http://127.0.0.1:$port/api/v1/geocode"
  while IFS= read -r q; do
    curl -fsS -G "$base" --data-urlencode "q=$q" --data-urlencode "limit=10"
    echo
    curl -fsS -G "$base/suggest" --data-urlencode "q=${q:0:2}"
    echo
  done <"$tmp/queries.txt" >"$dir/geocode.jsonl"
  while read -r x y; do
    curl -fsS "$base/reverse?lon=$x&lat=$y&limit=5"
    echo
  done <"$tmp/points.txt" >"$dir/reverse.jsonl"
  curl -fsS -X POST -H 'content-type: text/csv' --data-binary "@$tmp/batch.csv" "$base/batch" >"$dir/batch.csv"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

answers "$1" "$tmp/a"
answers "$2" "$tmp/b"
status=0
for f in geocode.jsonl reverse.jsonl batch.csv; do
  if cmp -s "$tmp/a/$f" "$tmp/b/$f"; then
    echo "$f: $(wc -l <"$tmp/a/$f") lines, the same"
  else
    echo "$f: differs"
    diff <(tr ',' '\n' <"$tmp/a/$f") <(tr ',' '\n' <"$tmp/b/$f") | head -20
    status=1
  fi
done
exit "$status"
