#!/usr/bin/env bash
# `make bench`: runs every scripts/bench_*.sh with the build directory; each prints its own report
# with ratios against a peer (tshark, scikit-learn, …) measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
status=0
for bench in scripts/bench_*.sh; do
  [ -e "$bench" ] || continue
  echo "== $bench"
  bash "$bench" "$build_dir" || status=1
done
exit $status
