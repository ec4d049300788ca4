#!/usr/bin/env bash
# `tad report` opened in real headless Chromium: a scaling study (runs by the stand-in trainer),
# a lone run, and two runs side by side (packets with a row split, flows with a file split): once
# from the fixture, once trained for real on the real captures of tests/data/captures.
# Screenshots are kept in WORK_DIR as test artefacts.
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
  --expect chart-scaling-time,chart-scaling-speedup,chart-scaling-efficiency,chart-confusion-1,chart-per-class-1,chart-importances-1,chart-levels-1

# A run inside the study finds the study two levels up.
"$tad" report "$work/scaling/runs/n2-r1" --out "$work/run-in-study.html" >/dev/null
grep -q 'id="chart-scaling-time"' "$work/run-in-study.html"

# A lone run: no scaling section.
cp -r "$here/../report/testdata/run" "$work/run"
"$tad" report "$work/run" --out "$work/run.html" >/dev/null
node "$here/report_browser_test.mjs" --html "$work/run.html" --results "$work/run/results.json" \
  --screenshot "$work/report_run.png" --expect chart-confusion-1,chart-importances-1,chart-levels-1,chart-communication-1
if grep -q 'id="scaling"' "$work/run.html"; then echo "FAIL: scaling section without a study"; exit 1; fi
# Run from elsewhere: the model is still found beside results.json.
(cd / && "$tad" report "$work/run" --out "$work/from-root.html" 2>"$work/from-root.err" >/dev/null)
if grep -q warning "$work/from-root.err"; then echo "FAIL: model not found from another directory"; exit 1; fi
grep -q 'class="rules"' "$work/from-root.html"

# Two runs side by side: the fixture as a packet run split by row, and a flow run split by file
# with other figures and no model file; each value in the page is checked against its results.json.
rm -rf "$work/packets-row" "$work/flows-file"
cp -r "$work/run" "$work/packets-row" && mkdir -p "$work/flows-file"
/usr/bin/python3 - "$work/run/results.json" "$work/packets-row/results.json" "$work/flows-file/results.json" <<'PY'
# The flow run gets another confusion matrix; its figures come from scikit-learn, not from tad.
import json, sys
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
fixture = json.load(open(sys.argv[1]))
def variant(path, row_kind, split, rows, matrix):
    run = json.loads(json.dumps(fixture))
    test_rows = sum(map(sum, matrix))
    run["dataset"].update({"row_kind": row_kind, "rows": rows, "test_rows": test_rows, "train_rows": rows - test_rows})
    run["split"] = {"by": split, "reason": f"--split-by {split}"}
    run["parameters"]["classifier"] = "decision-tree"
    truth = [t for t, row in enumerate(matrix) for p, n in enumerate(row) for _ in range(n)]
    predicted = [p for t, row in enumerate(matrix) for p, n in enumerate(row) for _ in range(n)]
    precision, recall, f1, _ = precision_recall_fscore_support(truth, predicted, average="weighted", zero_division=0)
    run["metrics"] = {"accuracy": accuracy_score(truth, predicted), "weighted_precision": precision,
                      "weighted_recall": recall, "weighted_f1": f1}
    per_class = precision_recall_fscore_support(truth, predicted, zero_division=0)
    for c, entry in enumerate(run["per_class"]):
        entry.update({"precision": per_class[0][c], "recall": per_class[1][c], "f1": per_class[2][c],
                      "support": int(per_class[3][c])})
    run["confusion_matrix"]["matrix"] = matrix
    json.dump(run, open(path, "w"), indent=2)
variant(sys.argv[2], "packets", "row", 2500, fixture["confusion_matrix"]["matrix"])
variant(sys.argv[3], "flows", "file", 640, [[30, 10, 40, 20], [10, 20, 20, 10], [8, 12, 60, 20], [5, 5, 30, 200]])
PY
"$tad" report "$work/packets-row" "$work/flows-file" --out "$work/compare.html" >/dev/null 2>"$work/compare.err"
grep -q 'flows-file/model.json: no such file' "$work/compare.err"
node "$here/report_browser_test.mjs" --html "$work/compare.html" \
  --results "$work/packets-row/results.json,$work/flows-file/results.json" --screenshot "$work/report_compare.png" \
  --expect chart-comparison,chart-confusion-1,chart-confusion-2,chart-importances-1,chart-importances-2

# The same with real runs: packets and flows of the real captures, trained on one executor.
source "$(dirname "$0")/../../scripts/mpi_env.sh"
captures=$here/../data/captures
"$tad" extract "$captures" --out "$work/real/packets" --skip-invalid >/dev/null 2>&1
"$tad" extract "$captures" --out "$work/real/flows" --flows --skip-invalid >/dev/null 2>&1
for run in packets:row flows:file; do
  rows=${run%:*} split=${run#*:}
  "$tad" train "$work/real/$rows" --split-by "$split" --max-depth 8 --metrics-port 0 \
    --run-dir "$work/real/$rows-$split" --model "$work/real/$rows-$split/model.json" >/dev/null
done
"$tad" report "$work/real/packets-row" "$work/real/flows-file" --out "$work/real.html" >/dev/null
grep -q 'data-key="/dataset/row_kind" data-type="text">packets<' "$work/real.html"
grep -q 'data-key="/dataset/row_kind" data-type="text">flows<' "$work/real.html"
node "$here/report_browser_test.mjs" --html "$work/real.html" \
  --results "$work/real/packets-row/results.json,$work/real/flows-file/results.json" \
  --screenshot "$work/report_real_runs.png" --expect chart-comparison,chart-confusion-1,chart-confusion-2,chart-levels-2

# Exit codes: no such directory is a usage error (2), a directory without results a runtime one (1),
# several runs without --out a usage error (2).
set +e
"$tad" report "$work/no-such-dir" >/dev/null 2>&1; no_dir=$?
mkdir -p "$work/empty" && "$tad" report "$work/empty" >/dev/null 2>&1; empty=$?
"$tad" report "$work/packets-row" "$work/flows-file" >/dev/null 2>&1; several_without_out=$?
set -e
if [ "$no_dir" != 2 ] || [ "$empty" != 1 ] || [ "$several_without_out" != 2 ]; then
  echo "FAIL: exit codes $no_dir, $empty, $several_without_out (want 2, 1, 2)"
  exit 1
fi
echo "report browser test: 1 passed, 0 failed"
