#!/usr/bin/env bash
# Whole-layer coverage validation: wangge (benches/plan.rs, every rule on 102,400 grids) against
# GEOS through shapely (coverage_is_valid + coverage_invalid_edges) on the same synthetic layer:
# 40 × 40 communities of 8 × 8 grids of 1/512° from 114°E, 22.5°N. Prints both medians and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x benches/.venv/bin/python ]; then
  python3 -m venv benches/.venv
  benches/.venv/bin/pip install -q shapely
fi
ours=$(cargo bench --bench plan -- whole_layer 2>/dev/null | grep -A1 'validate_102400_grids' | grep -o 'time: *\[[^]]*\]' \
  | awk '{gsub(/\[|\]/,""); v=$4; u=$5; if (u=="s") v*=1000; if (u=="µs") v/=1000; print v}')
theirs=$(benches/.venv/bin/python - <<'PY'
import time, statistics, shapely
step, side, n = 1/512, 8, 40
boxes = [shapely.box(114 + (cx*side+gx)*step, 22.5 + (cy*side+gy)*step, 114 + (cx*side+gx+1)*step, 22.5 + (cy*side+gy+1)*step)
         for cy in range(n) for cx in range(n) for gy in range(side) for gx in range(side)]
layer = shapely.GeometryCollection(boxes)
times = []
for _ in range(5):
    t = time.perf_counter()
    ok = shapely.coverage_is_valid(layer)
    edges = shapely.coverage_invalid_edges(layer)
    times.append((time.perf_counter() - t) * 1000)
assert ok
print(f"{statistics.median(times):.1f}")
PY
)
echo "wangge (every rule, 102,400 grids): ${ours} ms"
echo "shapely/GEOS $(benches/.venv/bin/python -c 'import shapely; print(shapely.geos_version_string)') coverage_is_valid + coverage_invalid_edges: ${theirs} ms"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio shapely / wangge: %.2f\n", b / a }'
