#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS seconds each (default 60) and prints, per
# target, the executions and whether it crashed. Not part of CI or scripts/test.sh.
#
# There is no nightly toolchain here: RUSTC_BOOTSTRAP=1 lets stable rustc take the -Z flags
# cargo-fuzz passes. WANGGE_FUZZ_SANITIZER=address turns AddressSanitizer on (default: none,
# which is what works on stable; the targets are safe Rust, where panics, stack overflows and
# runaway allocations are what fuzzing finds).
set -euo pipefail
seconds="${1:-60}"
sanitizer="${WANGGE_FUZZ_SANITIZER:-none}"
cd "$(dirname "$0")/.."
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1
# The workspace builds PROJ from source (proj's bundled_proj): the first build of the fuzz
# workspace compiles it again, which takes several minutes; later runs reuse fuzz/target.
targets=$(cargo fuzz list --fuzz-dir fuzz)
# Build once, for all targets, before the clock of any one starts.
cargo fuzz build --fuzz-dir fuzz --release --sanitizer "$sanitizer"
status=0
for t in $targets; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    log="fuzz/artifacts/$t/last-run.log"
    if cargo fuzz run --fuzz-dir fuzz --release --sanitizer "$sanitizer" "$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        result="no crash"
    else
        result="CRASH (see $log and fuzz/artifacts/$t/)"
        status=1
    fi
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
    printf '%-18s %12s executions  %s\n' "$t" "${execs:-?}" "$result"
done
exit "$status"
