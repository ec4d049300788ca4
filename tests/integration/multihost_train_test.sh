#!/usr/bin/env bash
# A 3-host training (3 network namespaces, see multihost_run.sh) gives the byte-identical model of
# a 1-process run (issue 5).
#   multihost_train_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
"$gen" "$work/ds" 60000 "$work/np" >/dev/null
common=(--max-depth 6 --overwrite --metrics-port 0)
"$tad" train "$work/ds" --model "$work/model_1.json" --executors 1 "${common[@]}" >/dev/null
status=0
output=$(timeout -s KILL 180 bash "$here/multihost_run.sh" 3 -- \
  bash -c '$TAD_MULTIHOST_MPIRUN -np 3 "$0" train "$1" --model "$2" --max-depth 6 --overwrite --metrics-port 0 2>&1' \
  "$tad" "$work/ds" "$work/model_3hosts.json") || status=$?
echo "$output" | tail -n 5
if [[ $status -eq 77 ]]; then exit 77; fi
if [[ $status -ne 0 ]]; then echo "multihost_train_test: FAILED: 3-host training exited $status" >&2; exit 1; fi
cmp "$work/model_1.json" "$work/model_3hosts.json" || {
  echo "multihost_train_test: FAILED: the 3-host model differs from the 1-process model" >&2
  exit 1
}
echo "multihost_train_test: ok (3 hosts, identical model)"
