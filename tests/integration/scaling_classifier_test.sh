#!/usr/bin/env bash
# `tad bench scaling --classifier …`: the tree parameters are options of the bench and reach every
# `tad train` of the study. A forest and boosting on a small generated dataset, 1 and 2 executors
# (each its own MPI job): every run trained the asked classifier with the asked parameters, and
# the same model on both counts; a bad parameter value stops the bench before any training
# (exit 2, naming the parameter and its range, no study written).
# Usage: scaling_classifier_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/../../scripts/mpi_env.sh"
"$gen" "$work/dataset" 20000 >"$work/gen.log" 2>&1
failures=0

check_study() {  # OUT_DIR PYTHON_EXPECTATIONS: every run's results.json parameters, same model
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, os, sys
out, expected = sys.argv[1], json.loads(sys.argv[2])
study = json.load(open(os.path.join(out, "scaling.json")))
problems = []
if not study["same_model"]:
    problems.append(f"different models: {study['model_hashes']}")
runs = [run for point in study["points"] for run in point["runs"]]
if len(runs) != 2:
    problems.append(f"{len(runs)} runs, expected 2")
for run in runs:
    parameters = json.load(open(os.path.join(out, run["run_dir"], "results.json")))["parameters"]
    for key, value in expected.items():
        if parameters.get(key) != value:
            problems.append(f"{run['run_dir']}: {key} = {parameters.get(key)!r}, expected {value!r}")
print("\n".join(problems) or f"{out}: {expected} on every run, same model")
sys.exit(1 if problems else 0)
PY
}

run_study() {  # NAME EXPECTATIONS TREE_OPTIONS...
  local name=$1 expected=$2
  shift 2
  if ! "$tad" bench scaling "$work/dataset" --executors 1,2 --out "$work/$name" "$@" -- --threads 1 \
      >"$work/$name.out" 2>"$work/$name.err"; then
    echo "FAIL $name: bench exited non-zero"; cat "$work/$name.err"; cat "$work/$name"/runs/*.log 2>/dev/null || true
    failures=$((failures + 1))
    return
  fi
  if check_study "$work/$name" "$expected"; then echo "ok $name"; else echo "FAIL $name"; failures=$((failures + 1)); fi
}

run_study forest '{"classifier": "random-forest", "num_trees": 3, "max_depth": 4}' \
  --classifier random-forest --num-trees 3 --max-depth 4
run_study gbt '{"classifier": "gbt", "max_iter": 2, "max_depth": 3}' --classifier gbt --max-iter 2 --max-depth 3

set +e
"$tad" bench scaling "$work/dataset" --executors 1 --out "$work/bad" --classifier random-forest --num-trees 0 \
  >"$work/bad.out" 2>"$work/bad.err"
code=$?
set -e
if [ "$code" -eq 2 ] && grep -qF -- "--num-trees 0 is out of range" "$work/bad.err" && [ ! -e "$work/bad/scaling.json" ] \
    && [ ! -d "$work/bad/runs" ]; then
  echo "ok bad parameter: exit 2, $(cat "$work/bad.err")"
else
  echo "FAIL bad parameter: exit $code, stderr: $(cat "$work/bad.err")"
  failures=$((failures + 1))
fi

echo "scaling classifier test: $((3 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
