#!/usr/bin/env bash
# Multi-host MPI on one machine (issue 5): cluster_probe's collective checks across 3 network
# namespaces, each its own host, reached through Open MPI's rsh agent (see multihost_run.sh).
#   multihost_test.sh CLUSTER_PROBE
set -euo pipefail
probe=$1
here=$(cd "$(dirname "$0")" && pwd)
output=$(timeout -s KILL 120 bash "$here/multihost_run.sh" 3 -- \
  bash -c '$TAD_MULTIHOST_MPIRUN -np 3 "$0" --executors 3 check 2>&1' "$probe") || {
  status=$?
  echo "$output"
  [[ $status -eq 77 ]] && exit 77
  echo "multihost_test: FAILED (exit $status)" >&2
  exit 1
}
echo "$output"
if ! grep -q "^ranks 3, failures 0, hosts tadhost1 tadhost2 tadhost3$" <<< "$output"; then
  echo "multihost_test: FAILED: expected 3 ranks on tadhost1..3 with every collective right" >&2
  exit 1
fi
echo "multihost_test: ok"
