#!/usr/bin/env bash
# `tad bench scaling` end to end with a stand-in for `tad train` (scaling_fake_train.py), so the
# command's own logic is tested whatever state training is in: table, CSV, JSON, charts, the
# same-model check and its warning, and usage errors.
# Usage: scaling_bench_test.sh TAD WORK_DIR
set -euo pipefail
tad=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
fake=$here/scaling_fake_train.py
dataset=$here/../report/testdata/run  # any existing folder: the stand-in ignores it
rm -rf "$work" && mkdir -p "$work"

"$tad" bench scaling "$dataset" --executors 1-3 --repeat 2 --out "$work/same" --tad-binary "$fake" -- --max-depth 3 \
  >"$work/same.out"
python3 "$here/scaling_check.py" "$work/same.out" "$work/same" 1,2,3 2
grep -q -- "--max-depth 3" "$work/same/runs/n2-r1.log"  # options after -- reach every training

TAD_FAKE_TRAIN_VARY_HASH=1 "$tad" bench scaling "$dataset" --executors 1,3 --out "$work/differ" --tad-binary "$fake" \
  >"$work/differ.out" 2>"$work/differ.err"
python3 "$here/scaling_check.py" "$work/differ.out" "$work/differ" 1,3 1 --expect-different-models
grep -q "WARNING: the runs produced different models" "$work/differ.err"

expect_exit() {
  local want=$1; shift
  set +e; "$@" >/dev/null 2>&1; local got=$?; set -e
  if [ "$got" != "$want" ]; then echo "FAIL: exit $got, want $want: $*"; exit 1; fi
}
expect_exit 2 "$tad" bench scaling "$dataset" --executors 3-1 --out "$work/bad" --tad-binary "$fake"
expect_exit 2 "$tad" bench scaling "$dataset" --repeat 0 --out "$work/bad" --tad-binary "$fake"
expect_exit 2 "$tad" bench scaling "$dataset" --out "$work/bad" --tad-binary "$fake" -- --run-dir x
expect_exit 2 "$tad" bench scaling "$work/no-such-dataset" --out "$work/bad" --tad-binary "$fake"
expect_exit 1 "$tad" bench scaling "$dataset" --executors 1 --out "$work/same" --tad-binary "$fake"  # exists
expect_exit 0 "$tad" bench scaling "$dataset" --executors 1 --out "$work/same" --tad-binary "$fake" --overwrite
expect_exit 1 "$tad" bench scaling "$dataset" --executors 1 --out "$work/fails" --tad-binary /bin/false
echo "scaling bench test: 1 passed, 0 failed"
