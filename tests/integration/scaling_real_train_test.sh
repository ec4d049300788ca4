#!/usr/bin/env bash
# `tad bench scaling` with the real `tad train` on a small generated dataset, 1–3 executors (each
# its own MPI job): the table has the seed's columns, one row per executor count, and the same
# model hash on every row. Skipped (exit 77) while `tad train` or `tad synth` is a placeholder.
# Usage: scaling_real_train_test.sh TAD WORK_DIR
set -euo pipefail
tad=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
for command in synth extract train; do
  if "$tad" "$command" --help 2>&1 | grep -q "not built yet"; then
    echo "tad $command is not built yet: skipping"
    exit 77
  fi
done
rm -rf "$work" && mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
  OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo

"$tad" synth "$work/captures" --packets 6000 --seed 7 >"$work/synth.log" 2>&1
"$tad" extract "$work/captures" "$work/dataset" >"$work/extract.log" 2>&1
"$tad" bench scaling "$work/dataset" --executors 1-3 --out "$work/scaling" -- --max-depth 6 >"$work/bench.out"
cat "$work/bench.out"
python3 "$here/scaling_check.py" "$work/bench.out" "$work/scaling" 1,2,3 1
report=$("$tad" report "$work/scaling")
node "$here/report_browser_test.mjs" --html "$report" --results "$work/scaling/runs/n1-r1/results.json" \
  --scaling "$work/scaling/scaling.json" --screenshot "$work/report_real.png" \
  --expect chart-scaling-time,chart-confusion,chart-importances
echo "scaling real train test: 1 passed, 0 failed"
