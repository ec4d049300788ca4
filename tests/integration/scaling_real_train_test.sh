#!/usr/bin/env bash
# `tad bench scaling` with the real `tad train` on a small generated dataset (bench/'s
# tad_gen_train_data), 1–3 executors, each its own MPI job: the table has the seed's columns, one row
# per executor count, and the same model hash on every row; then the report in the browser.
# Skipped (exit 77) while training on more than one executor is not built yet.
# Usage: scaling_real_train_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
if "$tad" train --help 2>&1 | grep -q "not built yet"; then
  echo "tad train is not built yet: skipping"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/../../scripts/mpi_env.sh"

"$gen" "$work/dataset" 30000 >"$work/gen.log" 2>&1
if ! "$tad" bench scaling "$work/dataset" --executors 1-3 --out "$work/scaling" -- --max-depth 6 >"$work/bench.out"; then
  if grep -qs "not built yet" "$work"/scaling/runs/*.log; then
    echo "training on several executors is not built yet: skipping"
    exit 77
  fi
  cat "$work"/scaling/runs/*.log
  exit 1
fi
cat "$work/bench.out"
python3 "$here/scaling_check.py" "$work/bench.out" "$work/scaling" 1,2,3 1
report=$("$tad" report "$work/scaling")
node "$here/report_browser_test.mjs" --html "$report" --results "$work/scaling/runs/n1-r1/results.json" \
  --scaling "$work/scaling/scaling.json" --screenshot "$work/report_real.png" \
  --expect chart-scaling-time,chart-scaling-speedup,chart-confusion-1,chart-importances-1
echo "scaling real train test: 1 passed, 0 failed"
