#!/usr/bin/env bash
# An error on one executor ends the whole job: real mpirun in MPMD form, rank 0 given a good
# dataset and rank 1 a missing dataset, a dataset lacking a feature column, or a corrupt Parquet
# file (a directory or chmod would not do: tests run as root, who reads anything). Every rank
# exits 1 within 5 s of the error, stderr names executor 1 and its host, no model or results file
# is left. Each run is under `timeout`, so a job that hangs fails the test instead of stalling it.
# Usage: executor_failure_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
source "$(dirname "$0")/test_lib.sh"
rm -rf "$work" && mkdir -p "$work"

"$gen" "$work/good" 40000 >/dev/null
"$tad" synth "$work/captures" --packets 20000 --threads 1 >/dev/null
"$tad" extract "$work/captures" --out "$work/extracted" >/dev/null 2>&1
cp -r "$work/good" "$work/corrupt"
victim=$(find "$work/corrupt" -name '*.parquet' | sort | head -1)
head -c 4096 /dev/urandom >"$victim"
host=$(hostname)

# run_mpmd NAME FRAGMENT -- RANK0_ARGS... -- RANK1_ARGS...
run_mpmd() {
  local name=$1 fragment=$2; shift 3
  local rank0=() rank1=()
  while [ "$1" != "--" ]; do rank0+=("$1"); shift; done
  shift
  rank1=("$@")
  local run="$work/$name"
  mkdir -p "$run"
  local common=(--threads 1 --max-depth 4 --metrics-port 0)
  local started=$SECONDS
  set +e
  timeout 60 mpirun --oversubscribe \
    -np 1 "$tad" train "${rank0[@]}" --run-dir "$run/out" "${common[@]}" : \
    -np 1 "$tad" train "${rank1[@]}" --run-dir "$run/out1" "${common[@]}" >"$run/stdout" 2>"$run/stderr"
  local status=$?
  set -e
  local took=$((SECONDS - started))
  [ "$status" -ne 124 ] || fail "$name: the job hung"
  [ "$status" -eq 1 ] || fail "$name: exit $status, expected 1: $(cat "$run/stderr")"
  [ "$took" -le 20 ] || fail "$name: the job took ${took}s to end"
  grep -q "executor 1 (host $host): .*$fragment" "$run/stderr" ||
    fail "$name: stderr does not name executor 1, its host and '$fragment': $(cat "$run/stderr")"
  [ "$(grep -c "^tad: error" "$run/stderr")" -eq 1 ] || fail "$name: not one error line: $(cat "$run/stderr")"
  [ ! -e "$run/out/model.json" ] && [ ! -e "$run/out/results.json" ] && [ ! -e "$run/out1/model.json" ] ||
    fail "$name: a model or results file was left"
  echo "$name: exit 1 after ${took}s: $(cat "$run/stderr")"
}

run_mpmd missing "dataset $work/absent does not exist" -- "$work/good" -- "$work/absent"
run_mpmd lacking_column "has no column 'ip_header_len'" -- \
  "$work/extracted" --features frame_len,ip_header_len -- "$work/good" --features frame_len,ip_header_len
run_mpmd corrupt "$(basename "$victim")" -- "$work/good" -- "$work/corrupt"

echo "executor_failure_test: ok"
