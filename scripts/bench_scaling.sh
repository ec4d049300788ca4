#!/usr/bin/env bash
# `make bench` part: the seed's scaling study on generated data. Trains with 1…EXECUTORS executors
# (default 1-4: on a 2-core machine 3 and 4 show oversubscription), REPEAT times each, prints the
# table and writes the CSV/JSON/charts and the HTML report under BUILD_DIR/bench-scaling/.
# Usage: bench_scaling.sh [BUILD_DIR]   (env: ROWS, EXECUTORS, REPEAT, MAX_DEPTH)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
rows=${ROWS:-400000} executors=${EXECUTORS:-1-4} repeat=${REPEAT:-3} max_depth=${MAX_DEPTH:-8}
out=$build_dir/bench-scaling
gen=$(find "$build_dir" -name tad_gen_train_data -type f -perm -u+x | head -n1)
[ -n "$gen" ] || { echo "bench_scaling: tad_gen_train_data not built (TAD_BENCH=ON)" >&2; exit 1; }
source scripts/mpi_env.sh
mkdir -p "$out"
if [ ! -f "$out/data-$rows/.done" ]; then
  rm -rf "$out/data-$rows"
  "$gen" "$out/data-$rows" "$rows" >/dev/null && touch "$out/data-$rows/.done"
fi
echo "Scaling study: $rows rows, executors $executors, $repeat runs each, --max-depth $max_depth"
"$build_dir/tad" bench scaling "$out/data-$rows" --executors "$executors" --repeat "$repeat" \
  --out "$out/study" --overwrite -- --max-depth "$max_depth"
"$build_dir/tad" report "$out/study"
