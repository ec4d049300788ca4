#!/usr/bin/env bash
# `tad report` opened in real headless Chromium: a scaling study (runs by the stand-in trainer)
# and a lone run. Screenshots are kept in WORK_DIR as test artefacts.
# Usage: report_browser_test.sh TAD WORK_DIR
set -euo pipefail
tad=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"

"$tad" bench scaling "$here/../report/testdata/run" --executors 1-3 --repeat 2 --out "$work/scaling" \
  --tad-binary "$here/scaling_fake_train.py" >/dev/null
report=$("$tad" report "$work/scaling")
test "$report" = "$work/scaling/report.html"
node "$here/report_browser_test.mjs" --html "$report" --results "$work/scaling/runs/n1-r1/results.json" \
  --scaling "$work/scaling/scaling.json" --screenshot "$work/report_scaling.png" \
  --expect chart-scaling-time,chart-scaling-speedup,chart-scaling-efficiency,chart-confusion,chart-per-class,chart-importances,chart-levels

# A run inside the study finds the study two levels up.
"$tad" report "$work/scaling/runs/n2-r1" --out "$work/run-in-study.html" >/dev/null
grep -q 'id="chart-scaling-time"' "$work/run-in-study.html"

# A lone run: no scaling section.
cp -r "$here/../report/testdata/run" "$work/run"
"$tad" report "$work/run" --out "$work/run.html" >/dev/null
node "$here/report_browser_test.mjs" --html "$work/run.html" --results "$work/run/results.json" \
  --screenshot "$work/report_run.png" --expect chart-confusion,chart-importances,chart-levels,chart-communication
if grep -q 'id="scaling"' "$work/run.html"; then echo "FAIL: scaling section without a study"; exit 1; fi
# Run from elsewhere: the model is still found beside results.json.
(cd / && "$tad" report "$work/run" --out "$work/from-root.html" 2>"$work/from-root.err" >/dev/null)
if grep -q warning "$work/from-root.err"; then echo "FAIL: model not found from another directory"; exit 1; fi
grep -q 'id="rules"' "$work/from-root.html"

# Exit codes: no such directory is a usage error (2), a directory without results a runtime one (1).
set +e
"$tad" report "$work/no-such-dir" >/dev/null 2>&1; no_dir=$?
mkdir -p "$work/empty" && "$tad" report "$work/empty" >/dev/null 2>&1; empty=$?
set -e
if [ "$no_dir" != 2 ] || [ "$empty" != 1 ]; then echo "FAIL: exit codes $no_dir, $empty (want 2, 1)"; exit 1; fi
echo "report browser test: 1 passed, 0 failed"
