#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR/fuzz for SECONDS each (make fuzz, make test).
# Each starts from its committed seeds (fuzz/corpus/<fuzzer>/) plus what earlier runs found, kept
# in BUILD_DIR/fuzz-corpus/<fuzzer>/. Exits non-zero on the first crash, naming the reproducer.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
seconds=${2:?usage: fuzz.sh BUILD_DIR SECONDS}
build=$(cd "$build" && pwd)
cd "$(dirname "$0")/.."
fuzzers=()
for fuzzer in "$build"/fuzz/*_fuzz; do
  [ -x "$fuzzer" ] && fuzzers+=("$fuzzer")
done
((${#fuzzers[@]})) || { echo "fuzz: no fuzzers in $build/fuzz (build target fuzz_targets)" >&2; exit 1; }

for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer")
  corpus=$build/fuzz-corpus/$name
  artifacts=$build/fuzz-artifacts/$name
  mkdir -p "$corpus" "$artifacts"
  seeds=fuzz/corpus/$name
  [ -d "$seeds" ] || seeds=
  echo "fuzz: $name for ${seconds}s (corpus $corpus)"
  # halt_on_error: a UBSan report is a failure like an ASan one.
  status=0
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" ${seeds:+"$seeds"} >"$build/fuzz-$name.log" 2>&1 || status=$?
  tail -n 15 "$build/fuzz-$name.log"
  if ((status != 0)); then
    reproducer=$(ls -t "$artifacts" 2>/dev/null | head -n 1)
    echo "fuzz: $name FAILED (exit $status); log $build/fuzz-$name.log" >&2
    [ -n "$reproducer" ] && echo "fuzz: reproducer $artifacts/$reproducer (run: $fuzzer $artifacts/$reproducer)" >&2
    exit 1
  fi
done
echo "fuzz: ${#fuzzers[@]} fuzzer(s), no crash in ${seconds}s each"
